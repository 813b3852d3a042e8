package booking

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/payment/money"
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/validation"
)

// CancelOutcome says how a cancellation was recorded.
type CancelOutcome struct {
	Late   bool        // inside the cut-off: recorded as a late cancellation
	Refund money.Pence // a card payment given back in full (0: none)
}

// Cancel gives up a confirmed place (or leaves the waiting list, or
// declines an offer). A place given up from the cut-off onwards is recorded
// as a late cancellation. The freed place is offered to the next person
// waiting. The person themselves, their agency's coordinator or a manager
// may cancel, until the session starts.
func (s *Service) Cancel(ctx context.Context, bookingID int64) (CancelOutcome, error) {
	who := actor.From(ctx)
	var out CancelOutcome
	err := s.inTx(ctx, func(tx pgx.Tx, q *bookingdb.Queries) error {
		b, se, err := lockBooking(ctx, q, bookingID)
		if err != nil {
			return err
		}
		now := s.now() // after the wait for the lock: late or not is decided now
		if !mayChange(who, b) {
			return ErrNotFound
		}
		if !now.Before(se.StartsAt) {
			return ErrStarted
		}
		switch Status(b.Status) {
		case Waiting, Offered, Held:
			if err := end(ctx, q, b.ID, Left, who.ID, now, false, "", nil, Waiting, Offered, Held); err != nil {
				return err
			}
			if _, err := s.settle(ctx, tx, b.ID, false, now); err != nil {
				return err
			}
		case AwaitingApproval: // never confirmed, so never late, and nothing was paid
			if err := end(ctx, q, b.ID, Cancelled, who.ID, now, false, "", nil, AwaitingApproval); err != nil {
				return err
			}
		case Confirmed:
			out.Late = IsLate(se.BookingCutoffAt, now)
			if err := end(ctx, q, b.ID, Cancelled, who.ID, now, out.Late, "", nil, Confirmed); err != nil {
				return err
			}
			if out.Refund, err = s.settle(ctx, tx, b.ID, out.Late, now); err != nil {
				return err
			}
			if err := s.tell(ctx, tx, q, b.ID, msgCancelled); err != nil {
				return err
			}
		default:
			return ErrWrongState
		}
		if who.ID != b.UserID { // a coordinator or manager did it
			if err := audit.RecordTx(ctx, tx, now, audit.Event{
				Action: audit.BookingCancelled, ActorID: who.IDPtr(), IP: who.IP, SubjectID: &b.UserID, AgencyID: b.AgencyID,
				Details: map[string]any{"booking": b.ID, "session": b.SessionID, "late": out.Late, "was": b.Status},
			}); err != nil {
				return err
			}
		}
		return s.offerFreePlaces(ctx, tx, q, b.SessionID, now)
	})
	return out, err
}

// Substitute passes a confirmed place to a colleague from the same agency,
// named by their email address. It is never a late cancellation. The
// colleague needs an account with a confirmed email address; if they were
// on the session's waiting list, the place replaces that.
func (s *Service) Substitute(ctx context.Context, bookingID int64, colleagueEmail string, d Details) (int64, error) {
	who := actor.From(ctx)
	var v validation.Errors
	typed := validation.CleanLine(colleagueEmail)
	addr := validation.Email(typed)
	if typed == "" {
		v.Add(FieldColleagueEmail, "Enter your colleague’s email address")
	} else if addr == "" {
		v.Add(FieldColleagueEmail, "Enter your colleague’s email address in the correct format, like name@example.org")
	}
	d, err := d.clean()
	if ve := (*validation.Errors)(nil); errors.As(err, &ve) {
		for _, f := range ve.Fields {
			v.Add(f.Field, forColleague.Replace(f.Message))
		}
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	now := s.now()
	var newID int64
	err = s.inTx(ctx, func(tx pgx.Tx, q *bookingdb.Queries) error {
		b, se, err := lockBooking(ctx, q, bookingID)
		if err != nil {
			return err
		}
		if !mayChange(who, b) {
			return ErrNotFound
		}
		if Status(b.Status) != Confirmed {
			return ErrWrongState
		}
		if !now.Before(se.StartsAt) {
			return ErrStarted
		}
		c, err := q.FindColleagueByEmail(ctx, addr)
		var v validation.Errors
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			v.Add(FieldColleagueEmail, "There is no account with that email address: ask your colleague to create one first")
		case err != nil:
			return fmt.Errorf("find colleague: %w", err)
		case c.ID == b.UserID:
			v.Add(FieldColleagueEmail, "Enter a colleague’s email address, not the booked person’s")
		case b.AgencyID == nil || c.AgencyID == nil || *c.AgencyID != *b.AgencyID:
			v.Add(FieldColleagueEmail, "A substitute must work for the same agency as the person booked")
		case !c.Verified:
			v.Add(FieldColleagueEmail, "Your colleague must confirm their email address before they can be booked")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := notTrainerOf(ctx, q, se.ID, c.ID); errors.Is(err, ErrDelivers) {
			v.Add(FieldColleagueEmail, "Your colleague delivers this session as a trainer, so cannot have a place on it")
			return v.Err()
		} else if err != nil {
			return err
		}
		if free, err := endWait(ctx, q, se.ID, c.ID, who.ID, now, "Given a colleague’s place"); err != nil {
			return err
		} else if !free {
			v.Add(FieldColleagueEmail, "Your colleague already has a place on this session")
			return v.Err()
		}
		// A place a manager let past a cap stays past it for the colleague:
		// the agency holds no more places than before.
		capReason, err := q.CapExceededReason(ctx, b.ID)
		if err != nil {
			return fmt.Errorf("cap reason of booking %d: %w", b.ID, err)
		}
		// The old place ends first, so the session never holds both.
		if err := end(ctx, q, b.ID, Substituted, who.ID, now, false, "", nil, Confirmed); err != nil {
			return err
		}
		newID, err = q.TakePlace(ctx, bookingdb.TakePlaceParams{
			UserID: c.ID, AgencyID: c.AgencyID, BookedBy: who.ID, AccessNeeds: d.AccessNeeds,
			DietaryNeeds: d.DietaryNeeds, LineManagerName: d.LineManagerName, LineManagerEmail: d.LineManagerEmail,
			Now: now, SessionID: se.ID, CapExceededReason: capReason,
		})
		if err != nil {
			return fmt.Errorf("substitute's place: %w", err)
		}
		if err := q.SetReplacedBy(ctx, bookingdb.SetReplacedByParams{ID: b.ID, ReplacedBy: &newID}); err != nil {
			return err
		}
		if err := s.money().PassOnTx(ctx, tx, b.ID, newID); err != nil {
			return err
		}
		if err := s.tell(ctx, tx, q, b.ID, msgSubstitutedOut); err != nil {
			return err
		}
		return s.confirmed(ctx, tx, q, newID, se.ID, msgConfirmed)
	})
	if pgerr.Violates(err, "bookings_one_live") {
		v.Add(FieldColleagueEmail, "Your colleague already has a place on this session")
		return 0, v.Err()
	}
	return newID, err
}

// endWait ends a person's wait on a session's waiting list, because a place
// is about to replace it. It reports false, changing nothing, when they
// already hold a place or an offer there.
func endWait(ctx context.Context, q *bookingdb.Queries, sessionID, userID, by int64, now time.Time, note string) (bool, error) {
	live, err := q.LiveBookingFor(ctx, bookingdb.LiveBookingForParams{SessionID: sessionID, UserID: userID})
	if errors.Is(err, pgx.ErrNoRows) {
		return true, nil
	} else if err != nil {
		return false, fmt.Errorf("live booking on session %d: %w", sessionID, err)
	}
	if Status(live.Status) != Waiting {
		return false, nil
	}
	return true, end(ctx, q, live.ID, Left, by, now, false, note, nil, Waiting)
}

// forColleague rewords the booking form's messages for the substitute
// form, where the details are the colleague's.
var forColleague = strings.NewReplacer("Your line manager", "Your colleague’s line manager",
	"your line manager", "your colleague’s line manager", "Confirm that you agree", "Confirm that your colleague agrees")

// CancelSessionBookings ends every live booking of a session the
// partnership has cancelled, in the caller's transaction, and tells each
// person. None is late.
func (s *Service) CancelSessionBookings(ctx context.Context, tx pgx.Tx, sessionID int64, reason string) error {
	q := bookingdb.New(tx)
	if _, err := lockSession(ctx, q, sessionID); err != nil {
		return err
	}
	now := s.now()
	// Every live booking ends in one statement, not one each. A place is
	// cancelled; a wait, an offer or a hold simply ends. None is late, so
	// every payment standing is refunded.
	rows, err := q.EndSessionBookings(ctx, bookingdb.EndSessionBookingsParams{SessionID: sessionID, Now: now, EndNote: reason})
	if err != nil {
		return fmt.Errorf("end the bookings of session %d: %w", sessionID, err)
	}
	slices.SortFunc(rows, func(a, b bookingdb.EndSessionBookingsRow) int { return cmp.Compare(a.ID, b.ID) })
	ended := make([]int64, 0, len(rows))
	for _, b := range rows {
		ended = append(ended, b.ID)
		if !b.Paying {
			continue
		}
		if _, err := s.settle(ctx, tx, b.ID, false, now); err != nil {
			return err
		}
	}
	// Everyone's booking, as it now stands, in one query; their emails in
	// one insert.
	return s.tellAll(ctx, tx, q, ended, msgSessionCancelled)
}

// CancelFutureBookings ends a person's bookings of sessions that have not
// started, in the caller's transaction (erasing their account): each freed
// place is offered on as if they had cancelled it, and no email goes to
// them. Past bookings and attendance stay for the partnership's figures,
// without the access and dietary needs and line manager they gave.
func (s *Service) CancelFutureBookings(ctx context.Context, tx pgx.Tx, userID int64, now time.Time) error {
	q := bookingdb.New(tx)
	live, err := q.FutureLiveBookingsOf(ctx, bookingdb.FutureLiveBookingsOfParams{UserID: userID, Now: now})
	if err != nil {
		return fmt.Errorf("future bookings of %d: %w", userID, err)
	}
	for _, b := range live {
		if _, err := lockSession(ctx, q, b.SessionID); err != nil {
			return err
		}
		cur, err := q.GetBooking(ctx, b.ID)
		if err != nil {
			return fmt.Errorf("booking %d: %w", b.ID, err)
		}
		status := Left
		switch Status(cur.Status) {
		case Confirmed:
			status = Cancelled
		case Held, Waiting, Offered, AwaitingApproval:
		default:
			continue // it ended while we waited for the lock
		}
		if err := end(ctx, q, b.ID, status, 0, now, false, "Account deleted", nil, Held, Waiting, Offered, Confirmed, AwaitingApproval); err != nil {
			return err
		}
		// As if they had cancelled: refunded before the cut-off.
		if _, err := s.settle(ctx, tx, b.ID, IsLate(cur.BookingCutoffAt, now), now); err != nil {
			return err
		}
		if err := s.offerFreePlaces(ctx, tx, q, b.SessionID, now); err != nil {
			return err
		}
	}
	if err := q.ForgetBookingDetails(ctx, userID); err != nil {
		return fmt.Errorf("forget booking details of %d: %w", userID, err)
	}
	return nil
}
