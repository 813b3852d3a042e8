package booking

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/validation"
)

// The training manager's changes to a session's list. Each is one
// transaction under the session's lock, and each is written to the audit
// log in that transaction, naming the person whose booking changed.

// Field names of the manager's forms.
const (
	FieldPersonEmail = "person-email"
	FieldNote        = "note"
	FieldReason      = "reason"
	FieldToSession   = "to-session"
	// FieldPrerequisiteOverride is the reason for adding someone who lacks
	// a prerequisite of the course.
	FieldPrerequisiteOverride = "prerequisite-override"
)

// maxNote is the longest note or reason kept with a change (the length the
// bookings table allows for end_note).
const maxNote = 500

// note cleans a required note or reason typed into field.
func note(field, typed, missing string) (string, error) {
	var v validation.Errors
	n := validation.CleanText(typed)
	switch {
	case n == "":
		v.Add(field, missing)
	case len([]rune(n)) > maxNote:
		v.Add(field, fmt.Sprintf("The %s must be %d characters or fewer", strings.ReplaceAll(field, "-", " "), maxNote))
	}
	return n, v.Err()
}

func record(ctx context.Context, tx pgx.Tx, now time.Time, who actor.Actor, action audit.Action, person int64, agency *int64, details map[string]any) error {
	return audit.RecordTx(ctx, tx, now, audit.Event{
		Action: action, ActorID: who.IDPtr(), IP: who.IP, SubjectID: &person, AgencyID: agency, Details: details,
	})
}

// AddPerson books someone onto a session for them, as the manager: after
// the cut-off too (until the session starts) and onto closed sessions, but
// never beyond its places: a full session is ErrFull unless they join its
// waiting list. They are found by the email address of their account.
//
// A manager may book past the caps or a missing prerequisite by giving a
// reason in why: when the person's agency or sector holds every place its
// cap allows, the result is a *CapError unless why.PastCap says why they
// should have a place regardless, and a missing prerequisite is refused
// unless why.Prerequisite says why. Each reason is kept on the place, and
// audited, only when it was needed.
func (s *Service) AddPerson(ctx context.Context, sessionID int64, personEmail string, d Details, joinWaitingList bool, why Overrides) (Outcome, error) {
	who := actor.From(ctx)
	if !who.Manager {
		return Outcome{}, ErrForbidden
	}
	var v validation.Errors
	typed := validation.CleanLine(personEmail)
	addr := validation.Email(typed)
	if typed == "" {
		v.Add(FieldPersonEmail, "Enter the email address of the person to book")
	} else if addr == "" {
		v.Add(FieldPersonEmail, "Enter their email address in the correct format, like name@example.org")
	}
	d, err := d.clean()
	if ve := (*validation.Errors)(nil); errors.As(err, &ve) {
		for _, f := range ve.Fields {
			v.Add(f.Field, onTheirBehalf(f.Message))
		}
	}
	if len([]rune(validation.CleanText(why.Prerequisite))) > maxNote {
		v.Add(FieldPrerequisiteOverride, fmt.Sprintf("The reason must be %d characters or fewer", maxNote))
	}
	if err := v.Err(); err != nil {
		return Outcome{}, err
	}
	now := s.now()
	var out Outcome
	err = s.inTx(ctx, func(tx pgx.Tx, q *bookingdb.Queries) error {
		p, err := q.FindColleagueByEmail(ctx, addr)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			v.Add(FieldPersonEmail, "There is no account with that email address: they need to create one first")
			return v.Err()
		case err != nil:
			return fmt.Errorf("find person: %w", err)
		case !p.Verified:
			v.Add(FieldPersonEmail, "They must confirm their email address before they can be booked")
			return v.Err()
		}
		out, err = s.book(ctx, tx, q, who, Request{
			SessionID: sessionID, PersonID: p.ID, Details: d, JoinWaitingList: joinWaitingList,
			CapReason: why.PastCap, PrerequisiteOverride: why.Prerequisite,
			underLock: true, // in a transaction that records more: no second try
		}, nil, now)
		if err != nil {
			return err
		}
		details := map[string]any{"booking": out.BookingID, "session": sessionID, "status": out.Status}
		if reason, err := q.CapExceededReason(ctx, out.BookingID); err != nil {
			return fmt.Errorf("cap reason of booking %d: %w", out.BookingID, err)
		} else if reason != "" {
			details["past_cap"] = reason
		}
		if override := validation.CleanText(why.Prerequisite); override != "" {
			// The reason is kept only when it was needed: asked again
			// without it, the check still finds something missing.
			if err := s.prerequisites(ctx, tx, p.ID, sessionID, ""); err == nil {
				return record(ctx, tx, now, who, audit.BookingAdded, p.ID, p.AgencyID, details)
			} else if !errs.Is(err, errs.Conflict) {
				return err
			}
			if err := q.SetPrerequisiteOverride(ctx, bookingdb.SetPrerequisiteOverrideParams{ID: out.BookingID, Reason: override}); err != nil {
				return fmt.Errorf("keep prerequisite override of booking %d: %w", out.BookingID, err)
			}
			details["prerequisite_override"] = override
		}
		return record(ctx, tx, now, who, audit.BookingAdded, p.ID, p.AgencyID, details)
	})
	if pgerr.Violates(err, "bookings_one_live") {
		return Outcome{}, ErrAlreadyBooked
	} else if CapViolated(err) {
		return Outcome{}, ErrCapReached
	} else if err != nil {
		return Outcome{}, err
	}
	return out, nil
}

// Overrides are a manager's reasons for booking someone the rules would
// refuse: past their agency's or sector's cap, or without a prerequisite.
type Overrides struct {
	PastCap      string
	Prerequisite string
}

// onTheirBehalf rewords a booking form's message for someone booking
// another person.
func onTheirBehalf(msg string) string {
	return strings.NewReplacer("Your line manager", "Their line manager", "your line manager", "their line manager",
		"that you agree", "that they agree").Replace(msg)
}

// Remove ends a live booking for the manager, with a note of why: a
// confirmed place is cancelled (recorded as late or not, as the manager
// says) and its holder told; a waiting place or an offer is withdrawn. The
// freed place is offered to the waiting list.
func (s *Service) Remove(ctx context.Context, bookingID int64, late bool, typedNote string) error {
	who := actor.From(ctx)
	if !who.Manager {
		return ErrForbidden
	}
	why, err := note(FieldNote, typedNote, "Enter why the booking is being removed")
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx, q *bookingdb.Queries) error {
		b, se, err := lockBooking(ctx, q, bookingID)
		if err != nil {
			return err
		}
		now := s.now() // after the wait for the lock
		if !now.Before(se.StartsAt) {
			return ErrStarted
		}
		switch Status(b.Status) {
		case Waiting, Offered, Held, AwaitingApproval:
			late = false // only a cancelled place can be late
			if err := end(ctx, q, b.ID, Left, who.ID, now, false, why, nil, Waiting, Offered, Held, AwaitingApproval); err != nil {
				return err
			}
			if _, err := s.settle(ctx, tx, b.ID, false, now); err != nil {
				return err
			}
			if err := s.tell(ctx, tx, q, b.ID, msgTakenOffWaitingList); err != nil {
				return err
			}
		case Confirmed:
			if err := end(ctx, q, b.ID, Cancelled, who.ID, now, late, why, nil, Confirmed); err != nil {
				return err
			}
			if _, err := s.settle(ctx, tx, b.ID, late, now); err != nil {
				return err
			}
			if err := s.tell(ctx, tx, q, b.ID, msgCancelled); err != nil {
				return err
			}
		default:
			return ErrWrongState
		}
		if err := record(ctx, tx, now, who, audit.BookingCancelled, b.UserID, b.AgencyID, map[string]any{
			"booking": b.ID, "session": b.SessionID, "was": b.Status, "late": late, "reason": why,
		}); err != nil {
			return err
		}
		return s.offerFreePlaces(ctx, tx, q, b.SessionID, now)
	})
}

// Move moves a confirmed place to another published session of the same
// course that has not started, if it has a place free. The old booking is
// kept as moved, pointing at the new one, which keeps the person's needs
// and line manager; the old session's freed place is offered on.
func (s *Service) Move(ctx context.Context, bookingID, toSessionID int64) (int64, error) {
	who := actor.From(ctx)
	if !who.Manager {
		return 0, ErrForbidden
	}
	now := s.now()
	var newID int64
	err := s.inTx(ctx, func(tx pgx.Tx, q *bookingdb.Queries) error {
		b, err := q.GetBooking(ctx, bookingID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("booking %d: %w", bookingID, err)
		}
		var v validation.Errors
		if toSessionID == b.SessionID {
			v.Add(FieldToSession, "Choose a different session from the one they are booked on")
			return v.Err()
		}
		// Two sessions change: lock them in order of id, so that two moves
		// between the same sessions in opposite directions cannot deadlock.
		ids := []int64{b.SessionID, toSessionID}
		if toSessionID < b.SessionID {
			ids[0], ids[1] = toSessionID, b.SessionID
		}
		locked := map[int64]bookingdb.LockSessionForBookingRow{}
		for _, id := range ids {
			se, err := lockSession(ctx, q, id)
			if errors.Is(err, ErrNotFound) { // only the target can be missing
				v.Add(FieldToSession, "Choose a session to move them to")
				return v.Err()
			} else if err != nil {
				return err
			}
			locked[id] = se
		}
		from, to := locked[b.SessionID], locked[toSessionID]
		now = s.now() // after the wait for the locks
		if b, err = q.GetBooking(ctx, bookingID); err != nil {
			return fmt.Errorf("booking %d: %w", bookingID, err)
		}
		// An erasure of the person either finished (they are gone) or waits
		// for this move and then cancels the new place.
		if p, err := q.GetPersonForBooking(ctx, b.UserID); err != nil {
			return fmt.Errorf("person %d: %w", b.UserID, err)
		} else if p.Erased {
			return ErrNotFound
		}
		if Status(b.Status) != Confirmed {
			return ErrWrongState
		}
		if !now.Before(from.StartsAt) {
			return ErrStarted
		}
		switch {
		case to.CourseID != from.CourseID:
			v.Add(FieldToSession, "Choose a session of the same course")
		case catalogue.SessionStatus(to.Status) != catalogue.SessionPublished || !now.Before(to.StartsAt):
			v.Add(FieldToSession, "Choose a session that is open and has not started")
		case to.ClosedToAgencyID != nil && (b.AgencyID == nil || *b.AgencyID != *to.ClosedToAgencyID):
			v.Add(FieldToSession, "That session is only for another agency’s staff: choose another")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := notTrainerOf(ctx, q, to.ID, b.UserID); errors.Is(err, ErrDelivers) {
			v.Add(FieldToSession, "They deliver that session as a trainer: choose another")
			return v.Err()
		} else if err != nil {
			return err
		}
		if err := capReached(ctx, q, to.ID, b.AgencyID, capsOf(to.AgencyCap, to.SectorCap, to.CapsReleaseAt), now); isCapError(err) {
			v.Add(FieldToSession, "Their agency holds all the places its cap allows on that session: choose another, or add them to it with a reason")
			return v.Err()
		} else if err != nil {
			return err
		}
		// The place replaces any wait for it.
		if free, err := endWait(ctx, q, to.ID, b.UserID, who.ID, now, "Moved onto this session from another"); err != nil {
			return err
		} else if !free {
			v.Add(FieldToSession, "They already have a place on that session")
			return v.Err()
		}
		newID, err = q.TakePlace(ctx, bookingdb.TakePlaceParams{
			UserID: b.UserID, AgencyID: b.AgencyID, BookedBy: who.ID, AccessNeeds: b.AccessNeeds,
			DietaryNeeds: b.DietaryNeeds, LineManagerName: b.LineManagerName, LineManagerEmail: b.LineManagerEmail,
			Now: now, SessionID: to.ID,
		})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrFull
		} else if err != nil {
			return fmt.Errorf("place on session %d: %w", to.ID, err)
		}
		if err := end(ctx, q, b.ID, Moved, who.ID, now, false, "", &newID, Confirmed); err != nil {
			return err
		}
		if err := s.money().PassOnTx(ctx, tx, b.ID, newID); err != nil {
			return err
		}
		if err := s.confirmed(ctx, tx, q, newID, to.ID, msgMoved); err != nil {
			return err
		}
		if err := record(ctx, tx, now, who, audit.BookingMoved, b.UserID, b.AgencyID, map[string]any{
			"booking": b.ID, "new_booking": newID, "from_session": from.ID, "to_session": to.ID,
		}); err != nil {
			return err
		}
		return s.offerFreePlaces(ctx, tx, q, from.ID, now)
	})
	return newID, err
}

// MarkLate records a cancellation as late, or not late, with the reason for
// the change: how a manager corrects a charge.
func (s *Service) MarkLate(ctx context.Context, bookingID int64, late bool, reason string) error {
	who := actor.From(ctx)
	if !who.Manager {
		return ErrForbidden
	}
	why, err := note(FieldReason, reason, "Enter why you are changing this")
	if err != nil {
		return err
	}
	now := s.now()
	return s.inTx(ctx, func(tx pgx.Tx, q *bookingdb.Queries) error {
		b, _, err := lockBooking(ctx, q, bookingID)
		if err != nil {
			return err
		}
		if Status(b.Status) != Cancelled || catalogue.SessionStatus(b.SessionStatus) == catalogue.SessionCancelled || b.PersonErased {
			return ErrWrongState // only a person's own cancellation can be late
		}
		if b.Late == late {
			return nil // already so: nothing to change or record
		}
		if _, err := q.SetBookingLate(ctx, bookingdb.SetBookingLateParams{ID: b.ID, Late: late, Now: now}); errors.Is(err, pgx.ErrNoRows) {
			return ErrWrongState
		} else if err != nil {
			return fmt.Errorf("mark booking %d late: %w", b.ID, err)
		}
		return record(ctx, tx, now, who, audit.BookingMarkedLate, b.UserID, b.AgencyID, map[string]any{
			"booking": b.ID, "session": b.SessionID, "late": late, "reason": why,
		})
	})
}

// Reorder moves a waiting booking one step up or down its session's waiting
// list, changing places with its neighbour. At either end of the list it is
// ErrWrongState, as is a booking that is not waiting.
func (s *Service) Reorder(ctx context.Context, bookingID int64, up bool, reason string) error {
	who := actor.From(ctx)
	if !who.Manager {
		return ErrForbidden
	}
	why, err := note(FieldReason, reason, "Enter why you are changing the order")
	if err != nil {
		return err
	}
	now := s.now()
	return s.inTx(ctx, func(tx pgx.Tx, q *bookingdb.Queries) error {
		b, _, err := lockBooking(ctx, q, bookingID)
		if err != nil {
			return err
		}
		if Status(b.Status) != Waiting {
			return ErrWrongState
		}
		var n bookingdb.WaitingAboveRow
		if up {
			n, err = q.WaitingAbove(ctx, b.ID)
		} else {
			var below bookingdb.WaitingBelowRow
			below, err = q.WaitingBelow(ctx, b.ID)
			n = bookingdb.WaitingAboveRow(below)
		}
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrWrongState // already first or last
		} else if err != nil {
			return fmt.Errorf("neighbour of booking %d: %w", b.ID, err)
		}
		if _, err := q.SwapQueuePositions(ctx, bookingdb.SwapQueuePositionsParams{
			AID: b.ID, APosition: n.OwnPosition, BID: n.ID, BPosition: n.QueuePosition, Now: now,
		}); err != nil {
			return fmt.Errorf("swap bookings %d and %d: %w", b.ID, n.ID, err)
		}
		direction := "down"
		if up {
			direction = "up"
		}
		return record(ctx, tx, now, who, audit.WaitingListReordered, b.UserID, b.AgencyID, map[string]any{
			"booking": b.ID, "session": b.SessionID, "moved": direction, "passed_booking": n.ID, "reason": why,
		})
	})
}

// MoveTarget is a session a confirmed place could move to.
type MoveTarget struct {
	ID         int64
	StartsAt   time.Time
	EndsAt     time.Time
	VenueName  string
	Online     bool
	PlacesLeft int
}

// MoveTargets returns the sessions a place on sessionID could move to: the
// other published sessions of its course, not started, with a place left.
func (s *Service) MoveTargets(ctx context.Context, sessionID int64) ([]MoveTarget, error) {
	rows, err := bookingdb.New(s.pool).MoveTargets(ctx, bookingdb.MoveTargetsParams{SessionID: sessionID, Now: s.now()})
	if err != nil {
		return nil, fmt.Errorf("sessions to move to from %d: %w", sessionID, err)
	}
	out := make([]MoveTarget, len(rows))
	for i, r := range rows {
		out[i] = MoveTarget{ID: r.ID, StartsAt: r.StartsAt, EndsAt: r.EndsAt, VenueName: r.VenueName,
			Online: r.VenueOnline, PlacesLeft: int(r.PlacesLeft)}
	}
	return out, nil
}
