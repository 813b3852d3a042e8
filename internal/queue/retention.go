package queue

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/privacy"
	"github.com/pscp/booktraining/internal/queue/internal/queuedb"
)

// Retention is the job queue's share of the retention schedule
// (internal/privacy), by the schedule's rule key: jobs that failed and were
// dealt with, and jobs cancelled with nothing wrong.
func Retention() map[string]privacy.Cleaner {
	return map[string]privacy.Cleaner{
		"failed_jobs":    deleteDealtWith,
		"cancelled_jobs": deleteCancelled,
	}
}

func deleteDealtWith(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
	q := queuedb.New(tx)
	before := now.Add(-privacy.DealtWithJobPeriod)
	n, err := q.DeleteDealtWithJobs(ctx, queuedb.DeleteDealtWithJobsParams{Before: before, MaxRows: max})
	if err != nil || n == int64(max) {
		return int(n), err
	}
	// Records whose job has gone some other way (deleted, or run again).
	if _, err := q.DeleteStaleJobFailureRecords(ctx, before); err != nil {
		return 0, err
	}
	return int(n), nil
}

func deleteCancelled(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
	n, err := queuedb.New(tx).DeleteCancelledJobsWithoutError(ctx, queuedb.DeleteCancelledJobsWithoutErrorParams{
		Before: now.Add(-privacy.CancelledJobPeriod), MaxRows: max})
	return int(n), err
}
