package evaluation

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/pscp/booktraining/internal/evaluation/internal/evaluationdb"
	"github.com/pscp/booktraining/internal/queue"
)

// AskTx asks each of the places bookingIDs that the register, in tx, has
// just marked attended (or late) to evaluate its session: the evaluation is
// open from now for the settings' days, and its emails are jobs inserted in
// tx at their times (the invitation now, each reminder on its day, the
// impact follow-up the settings' weeks after the session), so nothing is
// sent for a register that rolled back. A place asked before (the register
// saved again, or corrected and corrected back) keeps its evaluation and
// its times. Booking calls it through its Attended hook.
func (s *Service) AskTx(ctx context.Context, tx pgx.Tx, bookingIDs []int64) error {
	if len(bookingIDs) == 0 {
		return nil
	}
	q := evaluationdb.New(tx)
	// One register's places: one session's, so one partnership's settings.
	st, err := settingsOfBooking(ctx, q, bookingIDs[0])
	if err != nil {
		return err
	}
	now := s.now()
	asked, err := q.AskPlaces(ctx, evaluationdb.AskPlacesParams{Now: now, ClosesAt: now.AddDate(0, 0, st.CloseDays),
		FollowUpWeeks: int32(st.FollowUpWeeks), BookingIds: bookingIDs})
	if err != nil {
		return fmt.Errorf("ask %d places to evaluate: %w", len(bookingIDs), err)
	}
	jobs := make([]river.InsertManyParams, 0, len(asked)*(2+len(st.ReminderDays)))
	for _, a := range asked {
		jobs = append(jobs, river.InsertManyParams{Args: InviteArgs{BookingID: a.BookingID, Due: at(a.AskedAt)}})
		for i, d := range st.ReminderDays {
			due := a.AskedAt.AddDate(0, 0, d)
			if due.Before(a.ClosesAt) {
				jobs = append(jobs, river.InsertManyParams{Args: ReminderArgs{BookingID: a.BookingID, Nth: i + 1, Due: at(due)}})
			}
		}
		jobs = append(jobs, river.InsertManyParams{Args: FollowUpArgs{BookingID: a.BookingID, Due: at(a.FollowUpAt)}})
	}
	return s.outbox.EnqueueJobs(ctx, tx, jobs)
}

// at is t as a job's args keep it (queue.JobTime).
func at(t time.Time) time.Time { return queue.JobTime(t) }
