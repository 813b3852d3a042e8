package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
)

// A request for a line manager's approval that is not answered in time
// ends at its deadline: its job (ApprovalExpiryArgs), scheduled when the
// request was made, frees the place and offers it on; the "approvals" sweep
// does the same for any job that was missed.

// KindApprovalExpiry is the job that ends a request not answered in time.
const KindApprovalExpiry = "booking_approval_expiry"

// ApprovalExpiryArgs is the job that ends booking BookingID's request for
// approval if it is still unanswered at Due.
type ApprovalExpiryArgs struct {
	BookingID int64     `json:"booking_id"`
	Due       time.Time `json:"due"`
}

func (ApprovalExpiryArgs) Kind() string { return KindApprovalExpiry }

func (a ApprovalExpiryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{ScheduledAt: a.Due, MaxAttempts: jobAttempts, UniqueOpts: once}
}

// ExpireApprovals ends the requests not answered in time, offering each
// place on, and returns how many ended. Each request's own job does this at
// its expiry; this is the sweep's, for any it missed.
func (s *Service) ExpireApprovals(ctx context.Context) (int, error) {
	return s.expireApprovals(ctx, s.now())
}

func (s *Service) expireApprovals(ctx context.Context, dueBy time.Time) (int, error) {
	sessions, err := bookingdb.New(s.pool).SessionsWithExpiredApprovals(ctx, dueBy)
	if err != nil {
		return 0, fmt.Errorf("sessions with expired approvals: %w", err)
	}
	return eachSession(sessions, func(id int64) (int, error) { return s.lapseSessionApprovals(ctx, id) })
}

// lapseSessionApprovals ends session id's requests due now, in one
// transaction under its lock, tells each person and line manager, offers
// the places on, and returns how many ended. A request answered meanwhile is
// no longer waiting, so is left alone.
func (s *Service) lapseSessionApprovals(ctx context.Context, id int64) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx pgx.Tx, q *bookingdb.Queries) error {
		n = 0 // a retried transaction starts again
		if _, err := lockSession(ctx, q, id); err != nil {
			return err
		}
		now := s.now()
		ids, err := q.ExpiredApprovalsOfSession(ctx, bookingdb.ExpiredApprovalsOfSessionParams{SessionID: id, Now: now})
		if err != nil {
			return fmt.Errorf("expired approvals of session %d: %w", id, err)
		}
		for _, b := range ids {
			if err := end(ctx, q, b, Unapproved, 0, now, false, "", nil, AwaitingApproval); err != nil {
				return err
			}
			if err := s.tell(ctx, tx, q, b, msgApprovalLapsed); err != nil {
				return err
			}
			a, err := q.LockApproval(ctx, b)
			if errors.Is(err, pgx.ErrNoRows) {
				continue
			} else if err != nil {
				return fmt.Errorf("approval of booking %d: %w", b, err)
			}
			row, err := q.GetBooking(ctx, b)
			if err != nil {
				return fmt.Errorf("booking %d: %w", b, err)
			}
			if err := s.tellLineManager(ctx, tx, row, a.LineManagerName, a.LineManagerEmail, Unapproved); err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			return nil
		}
		return s.offerFreePlaces(ctx, tx, q, id, now)
	})
	return n, err
}

type approvalExpiryWorker struct {
	river.WorkerDefaults[ApprovalExpiryArgs]
	s *Service
}

func (w *approvalExpiryWorker) Timeout(*river.Job[ApprovalExpiryArgs]) time.Duration {
	return holdJobTimeout
}

// Work ends the requests of the booking's session now due. A request
// answered, or a booking ended, meanwhile is not waiting, so is left alone.
func (w *approvalExpiryWorker) Work(ctx context.Context, job *river.Job[ApprovalExpiryArgs]) error {
	if wait := job.Args.Due.Sub(w.s.now()); wait > 0 {
		return river.JobSnooze(wait)
	}
	b, err := bookingdb.New(w.s.pool).GetBooking(ctx, job.Args.BookingID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("booking %d: %w", job.Args.BookingID, err)
	}
	if Status(b.Status) != AwaitingApproval {
		return nil
	}
	_, err = w.s.lapseSessionApprovals(ctx, b.SessionID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// approvalDeadlines says until when each of the bookings ids waits for
// approval (only those that wait).
func approvalDeadlines(ctx context.Context, q *bookingdb.Queries, ids []int64) (map[int64]time.Time, error) {
	out := map[int64]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.ApprovalDeadlines(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("approval deadlines: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r.Until
	}
	return out, nil
}
