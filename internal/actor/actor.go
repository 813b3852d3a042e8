// Package actor is the person acting on a request: who they are, what they
// may do, and where they asked from. The web app puts one Actor in each
// signed-in request's context; a domain method that changes something takes
// it from there (actor.From) and records it in its audit entry, in the same
// transaction as the change.
package actor

import "context"

// Actor is the signed-in person making a change. A zero Actor is nobody: the
// service itself (a background job) or someone not signed in.
type Actor struct {
	ID    int64
	Name  string
	Email string
	// AgencyID is their confirmed partner agency; nil for none, or one they
	// typed that a training manager has not yet confirmed.
	AgencyID *int64
	Verified bool // their email address is confirmed

	Manager     bool
	Coordinator bool
	Trainer     bool

	IP string // the address the request came from, as the web app trusts it
}

// SignedIn reports whether a is a person, not the service.
func (a Actor) SignedIn() bool { return a.ID != 0 }

// Coordinates reports whether a is the coordinator of agency.
func (a Actor) Coordinates(agency *int64) bool {
	return a.Coordinator && a.AgencyID != nil && agency != nil && *a.AgencyID == *agency
}

// InAgency reports whether agency is a's own confirmed agency.
func (a Actor) InAgency(agency int64) bool { return a.AgencyID != nil && *a.AgencyID == agency }

// IDPtr is a's id for a nullable column: nil for the service.
func (a Actor) IDPtr() *int64 {
	if a.ID == 0 {
		return nil
	}
	id := a.ID
	return &id
}

type key struct{}

// With returns ctx carrying a.
func With(ctx context.Context, a Actor) context.Context { return context.WithValue(ctx, key{}, a) }

// From returns the actor ctx carries; the zero Actor (the service) when none.
func From(ctx context.Context) Actor {
	a, _ := ctx.Value(key{}).(Actor)
	return a
}
