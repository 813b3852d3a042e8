package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
)

// Held places that were not paid for in time: each lapses at the end of its
// hold (its job, or the sweep), and the place goes to the waiting list.

// lapse ends held booking id, closes its card payment, tells the person and
// offers the place on. The caller holds the session's lock.
func (s *Service) lapse(ctx context.Context, tx pgx.Tx, q *bookingdb.Queries, id, sessionID int64, now time.Time) error {
	if _, err := q.ExpireHold(ctx, bookingdb.ExpireHoldParams{ID: id, Now: now}); errors.Is(err, pgx.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("lapse hold of booking %d: %w", id, err)
	}
	if err := s.money().CloseCardPaymentTx(ctx, tx, id, now); err != nil {
		return err
	}
	if err := s.tell(ctx, tx, q, id, msgHoldLapsed); err != nil {
		return err
	}
	return s.offerFreePlaces(ctx, tx, q, sessionID, now)
}

// ExpireHolds ends the holds whose time is up, offering each place to the
// next person waiting, and returns how many ended. Each hold's own job
// (HoldExpiryArgs) does this at its end; this is the sweep's, for any it
// missed. One session at a time, each in its own transaction under the
// session's lock.
func (s *Service) ExpireHolds(ctx context.Context) (int, error) {
	return s.expireHolds(ctx, s.now())
}

// expireHolds lapses the due holds of each session with a hold due by dueBy
// (the sweep looks only at holds overdue by its grace).
func (s *Service) expireHolds(ctx context.Context, dueBy time.Time) (int, error) {
	sessions, err := bookingdb.New(s.pool).SessionsWithLapsedHolds(ctx, dueBy)
	if err != nil {
		return 0, fmt.Errorf("sessions with lapsed holds: %w", err)
	}
	return eachSession(sessions, func(id int64) (int, error) { return s.lapseSessionHolds(ctx, id) })
}

// lapseSessionHolds lapses session id's holds due now, in one transaction
// under its lock, and returns how many. A hold paid for or extended
// meanwhile is not due, so is left alone.
func (s *Service) lapseSessionHolds(ctx context.Context, id int64) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx pgx.Tx, q *bookingdb.Queries) error {
		n = 0 // a retried transaction starts again
		if _, err := lockSession(ctx, q, id); err != nil {
			return err
		}
		now := s.now()
		ids, err := q.LapsedHoldsOfSession(ctx, bookingdb.LapsedHoldsOfSessionParams{SessionID: id, Now: now})
		if err != nil {
			return fmt.Errorf("lapsed holds of session %d: %w", id, err)
		}
		for _, b := range ids {
			if err := s.lapse(ctx, tx, q, b, id, now); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
