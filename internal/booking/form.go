package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/payment/money"
)

// SessionToBook is a session as its booking form shows it, with the
// person's own live booking of it, if they have one.
type SessionToBook struct {
	ID               int64
	CourseTitle      string
	CourseSlug       string
	Status           catalogue.SessionStatus
	StartsAt         time.Time
	EndsAt           time.Time
	Cutoff           time.Time
	PlacesLeft       int
	VenueName        string
	VenueTown        string
	Online           bool
	ClosedToAgencyID *int64
	ClosedToAgency   string
	CancelledReason  string
	LiveBookingID    int64 // 0 when the person has no live booking of it
	LiveStatus       Status
	Price            money.Pence // what a place costs the person's agency (0: free)
	Delivering       bool        // the person is one of its trainers, so cannot book it
	Caps             Caps        // its places per agency
	CapsActive       bool        // they hold now
	// Capped, while the caps hold, says the person's agency or sector holds
	// every place its cap allows: they may join the waiting list.
	Capped *CapError
	// Share is the places the person's agency and its sector hold, while
	// the caps hold (zero for a person of no listed agency).
	Share Share
}

// FullError is ErrFull for a booking refused because the session was full
// when read, to a person who would rather not wait, with the session as
// its booking form shows them: read by the same statement that found it
// full, so the answer needs no second read. Half of a popular session's
// rush is answered so.
type FullError struct {
	Session SessionToBook
}

func (e *FullError) Error() string { return ErrFull.Error() }
func (e *FullError) Unwrap() error { return ErrFull }

// Full reports whether every place is taken or held for an offer.
func (se SessionToBook) Full() bool { return se.PlacesLeft <= 0 }

// Closed says why actor cannot book the session now (ErrNotBookable or
// ErrCutoffPassed), or nil: Book's rules, told before the form is filled
// in rather than after.
func (se SessionToBook) Closed(who actor.Actor, now time.Time) error {
	switch {
	case se.Status != catalogue.SessionPublished, !now.Before(se.StartsAt):
		return ErrNotBookable
	case who.Manager:
		return nil
	case catalogue.CutoffPassed(se.Cutoff, now):
		return ErrCutoffPassed
	}
	return nil
}

// ForOtherAgency reports whether the session is closed to an agency whose
// bookings actor may not make: they are not of it, and not a manager.
func (se SessionToBook) ForOtherAgency(who actor.Actor) bool {
	if se.ClosedToAgencyID == nil || who.Manager {
		return false
	}
	return who.AgencyID == nil || *who.AgencyID != *se.ClosedToAgencyID
}

// NeedsInvite reports whether actor needs the session's invite link to book
// it: a closed session, unless they manage or coordinate its agency.
func (se SessionToBook) NeedsInvite(who actor.Actor) bool {
	return se.ClosedToAgencyID != nil && !who.Manager && !who.Coordinates(se.ClosedToAgencyID)
}

// SessionToBook returns the session for personID's booking form. A draft
// or unknown session is ErrNotFound.
func (s *Service) SessionToBook(ctx context.Context, sessionID, personID int64) (SessionToBook, error) {
	q := bookingdb.New(s.pool)
	r, err := q.SessionForBookingForm(ctx, bookingdb.SessionForBookingFormParams{ID: sessionID, PersonID: personID})
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && catalogue.SessionStatus(r.Status) == catalogue.SessionDraft) {
		return SessionToBook{}, ErrNotFound
	} else if err != nil {
		return SessionToBook{}, fmt.Errorf("session %d to book: %w", sessionID, err)
	}
	se := SessionToBook{
		ID: r.ID, CourseTitle: r.CourseTitle, CourseSlug: r.CourseSlug, Status: catalogue.SessionStatus(r.Status), StartsAt: r.StartsAt,
		EndsAt: r.EndsAt, Cutoff: r.BookingCutoffAt, PlacesLeft: int(r.Capacity - r.SeatsTaken),
		VenueName: r.VenueName, VenueTown: r.VenueTown, Online: r.VenueOnline, ClosedToAgencyID: r.ClosedToAgencyID,
		ClosedToAgency: r.ClosedToAgencyName, CancelledReason: r.CancelledReason,
		Caps:          capsOf(r.AgencyCap, r.SectorCap, r.CapsReleaseAt),
		LiveBookingID: r.LiveBookingID, LiveStatus: Status(r.LiveStatus), Delivering: r.Delivers,
	}
	if s.Money != nil {
		se.Price = money.Pence(r.PricePence) // as payment's PlacePrice: the same SQL function
	}
	agencyID := r.PersonAgencyID
	now := s.now()
	se.CapsActive = se.Caps.Active(now)
	if se.CapsActive && agencyID != nil {
		if se.Share, err = share(ctx, q, se.ID, *agencyID); err != nil {
			return SessionToBook{}, err
		}
	}
	if err := capReached(ctx, q, se.ID, agencyID, se.Caps, now); err != nil {
		if se.Capped, _ = IsCapped(err); se.Capped == nil {
			return SessionToBook{}, err
		}
	}
	return se, nil
}

// SessionByInvite returns the session whose invite link holds token, as
// SessionToBook does. An unknown token is ErrNotFound.
func (s *Service) SessionByInvite(ctx context.Context, token string, personID int64) (SessionToBook, error) {
	if token == "" {
		return SessionToBook{}, ErrNotFound
	}
	id, err := bookingdb.New(s.pool).SessionIDByInviteToken(ctx, token)
	if errors.Is(err, pgx.ErrNoRows) {
		return SessionToBook{}, ErrNotFound
	} else if err != nil {
		return SessionToBook{}, fmt.Errorf("session by invite: %w", err)
	}
	return s.SessionToBook(ctx, id, personID)
}
