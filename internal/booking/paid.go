package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/payment/money"
	"github.com/pscp/booktraining/internal/pgerr"
)

// Paid places, booking's side. A place on a course the person's agency pays
// for is Held (it counts against capacity) while they pay; internal/payment
// keeps the money and the state machine of a paid place (paid.go there), and
// changes the place through the ...Tx functions below, in its transaction.
// What booking asks of payment goes through Money, which internal/services
// wires to payment's Service.

// DefaultPaymentHold is how long a paid place is held for payment.
const DefaultPaymentHold = 30 * time.Minute

// ErrHoldLapsed means the hold on the place ended before payment.
var ErrHoldLapsed = errs.Says(errs.Conflict, "The place was not paid for in time, so it has been released.")

// DBTX is a pool or transaction to read in (the type of payment.DBTX).
type DBTX = interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
	Query(context.Context, string, ...any) (pgx.Rows, error)
	QueryRow(context.Context, string, ...any) pgx.Row
}

// Money is what booking asks of payment when a place is booked, changed or
// ended, each in the caller's transaction. internal/payment's Service is it.
type Money interface {
	// PlacePrice is what a place on session sessionID costs the agency
	// agencyID (nil: an organisation not yet listed), read in db: the
	// session's partnership's price.
	PlacePrice(ctx context.Context, db DBTX, sessionID int64, agencyID *int64) (money.Pence, error)
	// SettleTx deals with the money of a place that has just ended (late:
	// inside the cut-off) and returns the refund asked for (0 for none).
	SettleTx(ctx context.Context, tx pgx.Tx, bookingID int64, late bool, now time.Time) (money.Pence, error)
	// CloseCardPaymentTx closes the card payment of a hold that lapsed.
	CloseCardPaymentTx(ctx context.Context, tx pgx.Tx, bookingID int64, now time.Time) error
	// PassOnTx passes the payment of a place on to the booking that takes it.
	PassOnTx(ctx context.Context, tx pgx.Tx, from, to int64) error
	// BillWhenDueTx bills what session sessionID now makes billable.
	BillWhenDueTx(ctx context.Context, tx pgx.Tx, sessionID int64) error
	// WaiveCorrectedAbsenceTx waives the non-attendance charge of a place
	// whose register was corrected from absent.
	WaiveCorrectedAbsenceTx(ctx context.Context, tx pgx.Tx, bookingID, by int64, now time.Time) error
}

// free is Money when none is wired (tests of other things): every place is
// free and no money ever moves.
type free struct{}

func (free) PlacePrice(context.Context, DBTX, int64, *int64) (money.Pence, error) {
	return 0, nil
}
func (free) SettleTx(context.Context, pgx.Tx, int64, bool, time.Time) (money.Pence, error) {
	return 0, nil
}
func (free) CloseCardPaymentTx(context.Context, pgx.Tx, int64, time.Time) error { return nil }
func (free) PassOnTx(context.Context, pgx.Tx, int64, int64) error               { return nil }
func (free) BillWhenDueTx(context.Context, pgx.Tx, int64) error                 { return nil }
func (free) WaiveCorrectedAbsenceTx(context.Context, pgx.Tx, int64, int64, time.Time) error {
	return nil
}

func (s *Service) money() Money {
	if s.Money == nil {
		return free{}
	}
	return s.Money
}

func (s *Service) paymentHold() time.Duration {
	if s.PaymentHold > 0 {
		return s.PaymentHold
	}
	return DefaultPaymentHold
}

// price is what a place on session sessionID costs the agency agencyID (nil:
// an organisation not yet listed, which pays as a non-contributing one).
func (s *Service) price(ctx context.Context, q DBTX, sessionID int64, agencyID *int64) (money.Pence, error) {
	return s.money().PlacePrice(ctx, q, sessionID, agencyID)
}

// settle deals with the money of a place that has just ended, in the
// caller's transaction: it returns the refund asked for (0 for none).
func (s *Service) settle(ctx context.Context, tx pgx.Tx, id int64, late bool, now time.Time) (money.Pence, error) {
	return s.money().SettleTx(ctx, tx, id, late, now)
}

// HeldPlace is a place held for payment, as payment needs it.
type HeldPlace struct {
	ID            int64
	SessionID     int64
	CourseID      int64
	AgencyID      *int64 // nil: the person has no listed agency
	AgencyName    string
	HoldExpiresAt *time.Time
	CourseTitle   string
	StartsAt      time.Time
	PersonEmail   string
}

func heldPlace(b bookingdb.BookingDetail) HeldPlace {
	return HeldPlace{ID: b.ID, SessionID: b.SessionID, CourseID: b.CourseID, AgencyID: b.AgencyID, AgencyName: b.AgencyName,
		HoldExpiresAt: b.HoldExpiresAt, CourseTitle: b.CourseTitle, StartsAt: b.StartsAt, PersonEmail: b.PersonEmail}
}

// HeldToPay is held booking id, for the page that asks its person to pay,
// for whoever may change it (Get). A booking not held answers
// ErrWrongState.
func (s *Service) HeldToPay(ctx context.Context, id int64) (Booking, HeldPlace, error) {
	b, err := s.Get(ctx, id)
	if err != nil {
		return Booking{}, HeldPlace{}, err
	}
	if b.Status != Held {
		return Booking{}, HeldPlace{}, ErrWrongState
	}
	row, err := bookingdb.New(s.pool).GetBooking(ctx, id)
	if err != nil {
		return Booking{}, HeldPlace{}, fmt.Errorf("booking %d: %w", id, err)
	}
	return b, heldPlace(row), nil
}

// LockHeldTx locks, in tx, the session of booking id and checks the booking
// is a place held for payment that the actor may pay for, still within its
// hold: ErrNotFound, ErrWrongState or ErrHoldLapsed if not.
func (s *Service) LockHeldTx(ctx context.Context, tx pgx.Tx, id int64) (HeldPlace, error) {
	b, _, err := lockBooking(ctx, bookingdb.New(tx), id)
	if err != nil {
		return HeldPlace{}, err
	}
	if !mayChange(actor.From(ctx), b) {
		return HeldPlace{}, ErrNotFound
	}
	if Status(b.Status) != Held {
		if Status(b.Status) == Lapsed {
			return HeldPlace{}, ErrHoldLapsed
		}
		return HeldPlace{}, ErrWrongState
	}
	if b.HoldExpiresAt != nil && !s.now().Before(*b.HoldExpiresAt) {
		return HeldPlace{}, ErrHoldLapsed
	}
	return heldPlace(b), nil
}

// ExtendHoldTx keeps held place id at least until until (a card checkout
// stays open that long), with the job that lapses it then, in tx.
func (s *Service) ExtendHoldTx(ctx context.Context, tx pgx.Tx, id int64, until time.Time) error {
	if err := bookingdb.New(tx).ExtendHold(ctx, bookingdb.ExtendHoldParams{ID: id, Until: until}); err != nil {
		return fmt.Errorf("extend hold of booking %d: %w", id, err)
	}
	return s.scheduleHoldExpiry(ctx, tx, id, until)
}

// ConfirmHeldTx confirms held place id on session sessionID, paid for or
// put on an invoice, in tx (whose caller holds the session's lock): the
// email and the jobs that remind its person before the session.
func (s *Service) ConfirmHeldTx(ctx context.Context, tx pgx.Tx, id, sessionID int64, now time.Time) error {
	q := bookingdb.New(tx)
	if _, err := q.ConfirmHeld(ctx, bookingdb.ConfirmHeldParams{ID: id, Now: now}); err != nil {
		return fmt.Errorf("confirm booking %d: %w", id, err)
	}
	return s.confirmed(ctx, tx, q, id, sessionID, msgConfirmed)
}

// PaidPlace is a place a card payment arrived for, locked in payment's
// transaction.
type PaidPlace struct {
	ID        int64
	SessionID int64
	Status    Status
	// SessionToCome: the session is published and has not started, so a
	// lapsed place may be taken again.
	SessionToCome bool
}

// LockPlaceTx locks, in tx, the session of booking id (the session's lock
// first, as everywhere) and reads the booking under it.
func (s *Service) LockPlaceTx(ctx context.Context, tx pgx.Tx, id int64, now time.Time) (PaidPlace, error) {
	b, se, err := lockBooking(ctx, bookingdb.New(tx), id)
	if err != nil {
		return PaidPlace{}, err
	}
	return PaidPlace{ID: b.ID, SessionID: b.SessionID, Status: Status(b.Status),
		SessionToCome: catalogue.SessionStatus(se.Status) == catalogue.SessionPublished && now.Before(se.StartsAt)}, nil
}

// RetakeLapsedTx confirms lapsed place id again, in tx, if it is still free
// (a payment came after its hold lapsed), and reports whether it did. It
// works inside a savepoint, so that a full session (the CHECK on sessions)
// or a new booking of the same person (bookings_one_live) leaves tx usable.
func (s *Service) RetakeLapsedTx(ctx context.Context, tx pgx.Tx, id, sessionID int64, now time.Time) (bool, error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("savepoint: %w", err)
	}
	_, err = bookingdb.New(sp).RetakeLapsedPlace(ctx, bookingdb.RetakeLapsedPlaceParams{ID: id, Now: now})
	if err != nil {
		_ = sp.Rollback(ctx)
		if errors.Is(err, pgx.ErrNoRows) || pgerr.Violates(err, "sessions_seats_within_capacity", "bookings_one_live") || CapViolated(err) {
			return false, nil
		}
		return false, fmt.Errorf("retake booking %d: %w", id, err)
	}
	if err := sp.Commit(ctx); err != nil {
		return false, err
	}
	return true, s.confirmed(ctx, tx, bookingdb.New(tx), id, sessionID, msgConfirmed)
}

// LapseHoldTx ends held place id on session sessionID now, in tx (whose
// caller holds the session's lock): its card payment is closed, its person
// told, and the place offered on.
func (s *Service) LapseHoldTx(ctx context.Context, tx pgx.Tx, id, sessionID int64, now time.Time) error {
	return s.lapse(ctx, tx, bookingdb.New(tx), id, sessionID, now)
}

// TellLatePaymentRefundedTx tells the person of place id, in tx, that the
// payment that came after their place had gone is refunded.
func (s *Service) TellLatePaymentRefundedTx(ctx context.Context, tx pgx.Tx, id int64) error {
	return s.tell(ctx, tx, bookingdb.New(tx), id, msgLatePaymentRefunded)
}

// TellStrayPaymentRefundedTx tells the person of place id, in tx, that the
// card payment made for a place already on the invoice is refunded.
func (s *Service) TellStrayPaymentRefundedTx(ctx context.Context, tx pgx.Tx, id int64) error {
	return s.tell(ctx, tx, bookingdb.New(tx), id, msgStrayPaymentRefunded)
}

// PayLinks are where Stripe sends the person back after paying for held
// place id (paid), or if they turn back (back): booking's pages.
func (s *Service) PayLinks(id int64) (paid, back string) {
	return s.link(fmt.Sprintf("/bookings/%d/paid", id)), s.link(fmt.Sprintf("/bookings/%d/pay", id))
}
