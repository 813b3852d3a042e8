package trainingrequest

import (
	"context"

	"github.com/pscp/booktraining/internal/actor"
)

// Team is the training team's side of the requests: a manager's powers
// (every agency's requests, messages asking for more information, accepting
// and declining). The web app uses it only under /admin; on the agency's
// pages a manager is a person of their own agency, through the Service's
// own methods. Every method refuses anyone who is not a manager with
// ErrNotFound.
type Team struct{ s *Service }

// Team is the training team's side of the requests.
func (s *Service) Team() Team { return Team{s: s} }

// manager is the manager ctx carries; false for anyone else.
func (t Team) manager(ctx context.Context) (actor.Actor, bool) {
	a := actor.From(ctx)
	return a, a.Manager
}

func (t Team) side(ctx context.Context) (who, bool) {
	a, ok := t.manager(ctx)
	return who{Actor: a, team: true}, ok
}

// List is the queue of every agency's requests, filtered.
func (t Team) List(ctx context.Context, f Filter) (Queue, error) {
	w, ok := t.side(ctx)
	if !ok {
		return Queue{}, ErrNotFound
	}
	return t.s.list(ctx, w, f)
}

// Get returns any agency's request.
func (t Team) Get(ctx context.Context, id int64) (Request, error) {
	w, ok := t.side(ctx)
	if !ok {
		return Request{}, ErrNotFound
	}
	return t.s.get(ctx, w, id)
}

// Post adds the training team's message to a request's thread and emails
// it to the agency: a request waiting for the team now waits for the
// agency's answer (info_requested).
func (t Team) Post(ctx context.Context, id int64, body string) error {
	w, ok := t.side(ctx)
	if !ok {
		return ErrNotFound
	}
	return t.s.post(ctx, w, id, body)
}
