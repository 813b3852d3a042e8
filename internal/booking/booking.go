// Package booking owns places on sessions: booking, the waiting list and its
// offers, cancelling, substitutes, the manager's changes and the register.
//
// Every change to a session's bookings locks the session's row first, so the
// changes to one session take turns. The number of places taken is kept by a
// trigger from the bookings themselves, and a CHECK on the session refuses
// any change that would seat more people than it holds: capacity is the
// database's rule, never a count made in Go.
package booking

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/ical"
	"github.com/pscp/booktraining/internal/pgerr"
)

// Why a booking cannot be made or changed, each of its kind. The booking
// pages word most of them (the refusal pages, the forms' error summaries);
// any other page shows the reason a Says error gives.
var (
	ErrNotFound       = errs.New(errs.NotFound, "booking or session not found")
	ErrForbidden      = errs.New(errs.Forbidden, "not allowed to book or change this")
	ErrUnverified     = errs.New(errs.Forbidden, "email address not confirmed")
	ErrNotBookable    = errs.Says(errs.Conflict, "The session is not open for booking.")
	ErrCutoffPassed   = errs.Says(errs.Conflict, "Booking has closed for this session.")
	ErrFull           = errs.Says(errs.Conflict, "The session is full.")
	ErrAlreadyBooked  = errs.Says(errs.Conflict, "This person already has a place on this session.")
	ErrAlreadyWaiting = errs.Says(errs.Conflict, "This person is already on the waiting list for this session.")
	ErrNotFull        = errs.Says(errs.Conflict, "The session has places, so there is no waiting list to join.")
	ErrNeedsInvite    = errs.New(errs.Forbidden, "closed session: book through the agency's invite link")
	ErrOfferGone      = errs.Says(errs.Conflict, "The offer has expired or has already been answered.")
	ErrWrongState     = errs.New(errs.Conflict, "booking cannot change from its current state")
	ErrStarted        = errs.Says(errs.Conflict, "The session has started, so its bookings can no longer be changed.")
	ErrDelivers       = errs.Says(errs.Conflict, "The person delivers this session as a trainer, so cannot have a place on it.")
)

// Attendance marks on the register.
const (
	Attended    = "attended"
	Absent      = "absent"
	ArrivedLate = "late"
)

// DefaultOfferWindow is how long a person has to accept a place offered
// from the waiting list, unless the cut-off comes sooner.
const DefaultOfferWindow = 48 * time.Hour

// Service books places.
type Service struct {
	pool        *pgxpool.Pool
	outbox      *email.Outbox
	baseURL     *url.URL
	now         func() time.Time
	log         *slog.Logger
	partnership string
	// OfferWindow is how long an offer stays open (DefaultOfferWindow when zero).
	OfferWindow time.Duration
	// ReminderDays are how many days before a session its people are
	// reminded (DefaultReminderDays when nil; empty for none).
	ReminderDays []int
	// Organizer is who calendar invitations come from: the training mailbox
	// (an address, optionally "Name <address>"). When empty, the
	// partnership at bookings@ the base URL's host.
	Organizer ical.Person
	// Contact is how people reach the training team, in every email's
	// signature; its address is the Organizer's.
	Contact struct{ Phone string }
	// Money prices places and keeps their payments (internal/payment's
	// Service); nil makes every place free (tests of other things).
	Money Money
	// PaymentHold is how long a paid place is held while its person pays
	// (DefaultPaymentHold when zero).
	PaymentHold time.Duration
	// Attended, when set, is told in the register's transaction which places
	// it has just marked attended or late (internal/evaluation asks each to
	// evaluate its session); an error rolls the register back.
	Attended func(ctx context.Context, tx pgx.Tx, bookingIDs []int64) error
	// Prerequisites, when set, checks in the booking's transaction that
	// personID's training record meets the prerequisites of sessionID's
	// course (internal/prerequisite): its error refuses the booking. A
	// manager's reason (override) books them anyway.
	Prerequisites func(ctx context.Context, tx pgx.Tx, personID, sessionID int64, override string) error
}

// prerequisites asks the Prerequisites hook, if any.
func (s *Service) prerequisites(ctx context.Context, tx pgx.Tx, personID, sessionID int64, override string) error {
	if s.Prerequisites == nil {
		return nil
	}
	return s.Prerequisites(ctx, tx, personID, sessionID, override)
}

// attended tells the Attended hook, if any, of places just marked attended.
func (s *Service) attended(ctx context.Context, tx pgx.Tx, ids []int64) error {
	if s.Attended == nil || len(ids) == 0 {
		return nil
	}
	return s.Attended(ctx, tx, ids)
}

// New returns a Service. baseURL is where people reach the app, for the
// links in emails; partnership names the sender in them.
func New(pool *pgxpool.Pool, outbox *email.Outbox, baseURL *url.URL, partnership string, now func() time.Time, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{pool: pool, outbox: outbox, baseURL: baseURL, partnership: partnership, now: now, log: log}
}

func (s *Service) offerWindow() time.Duration {
	if s.OfferWindow > 0 {
		return s.OfferWindow
	}
	return DefaultOfferWindow
}

func (s *Service) link(path string) string {
	if s.baseURL == nil {
		return path
	}
	return s.baseURL.JoinPath(path).String()
}

// mayChange reports whether who may cancel, substitute or otherwise change
// b: their own booking, their agency's as its coordinator, or any as a
// manager.
func mayChange(who actor.Actor, b bookingdb.BookingDetail) bool {
	return who.Manager || who.ID == b.UserID || who.Coordinates(b.AgencyID)
}

// IsLate reports whether cancelling at now, for a session with this
// cut-off, is a late cancellation: from the cut-off itself onwards.
func IsLate(cutoff, now time.Time) bool { return catalogue.CutoffPassed(cutoff, now) }

// inTx runs fn in a transaction.
func (s *Service) inTx(ctx context.Context, fn func(pgx.Tx, *bookingdb.Queries) error) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return fn(tx, bookingdb.New(tx)) })
	if pgerr.Violates(err, "bookings_in_session_area") {
		return ErrOutsideArea
	}
	return err
}

// inPipelinedTx is inTx for fn whose last statement may carry the COMMIT
// (commitAfter): when PostgreSQL says the transaction is over, committed
// or not, nothing more is sent for it; otherwise it is committed, or rolled
// back when fn fails, as inTx does.
func (s *Service) inPipelinedTx(ctx context.Context, fn func(pgx.Tx, *bookingdb.Queries) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	err = fn(tx, bookingdb.New(tx))
	switch {
	case conn.Conn().PgConn().TxStatus() == 'I':
		// Ended in the pipeline: committed, or err says why not.
	case err != nil:
		_ = tx.Rollback(ctx) // as pgx.BeginFunc: a failed rollback closes the connection
	default:
		err = tx.Commit(ctx)
	}
	if pgerr.Violates(err, "bookings_in_session_area") {
		return ErrOutsideArea
	}
	return err
}

// ErrOutsideArea is a place on a session its partnership keeps to its own
// area, for someone whose agency is not in it (migration 00058).
var ErrOutsideArea = errs.Says(errs.Conflict,
	"This session is only for staff of agencies in the area of the partnership that runs it. "+
		"Choose another session of the course: the course page shows which are open to everyone.")

// lockSession locks a session's row for a change to its bookings.
func lockSession(ctx context.Context, q *bookingdb.Queries, id int64) (bookingdb.LockSessionForBookingRow, error) {
	se, err := q.LockSessionForBooking(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return se, ErrNotFound
	} else if err != nil {
		return se, fmt.Errorf("lock session %d: %w", id, err)
	}
	return se, nil
}

// lockBooking locks the session of booking id, then reads the booking as it
// stands under that lock.
func lockBooking(ctx context.Context, q *bookingdb.Queries, id int64) (bookingdb.BookingDetail, bookingdb.LockSessionForBookingRow, error) {
	b, err := q.GetBooking(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return b, bookingdb.LockSessionForBookingRow{}, ErrNotFound
	} else if err != nil {
		return b, bookingdb.LockSessionForBookingRow{}, fmt.Errorf("booking %d: %w", id, err)
	}
	se, err := lockSession(ctx, q, b.SessionID)
	if err != nil {
		return b, se, err
	}
	b, err = q.GetBooking(ctx, id)
	if err != nil {
		return b, se, fmt.Errorf("booking %d: %w", id, err)
	}
	return b, se, nil
}
