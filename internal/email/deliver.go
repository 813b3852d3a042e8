package email

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/pscp/booktraining/internal/dbsqlc"
)

// DeliverArgs is the job that delivers one stored email.
type DeliverArgs struct {
	EmailID int64 `json:"email_id"`
}

// Kind names the job in River's table; changing it strands queued jobs.
func (DeliverArgs) Kind() string { return "email_deliver" }

// InsertOpts gives a mail server that is down for a while about a day of
// retries with River's backoff before the job is discarded.
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, Queue: river.QueueDefault}
}

// maxErrorLength bounds the failure kept on the email row.
const maxErrorLength = 500

// DeliverWorker sends stored emails. A job may run more than once (a crash
// after sending but before recording it), so an email already sent is skipped.
type DeliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	pool   *pgxpool.Pool
	sender Sender
	log    *slog.Logger
}

// Work sends the email once. With no Sender (development) it leaves the
// message in the table, body and all, to be read at /admin/emails.
func (w *DeliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	id := job.Args.EmailID
	q := dbsqlc.New(w.pool)
	row, err := q.GetEmail(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return river.JobCancel(fmt.Errorf("email %d: %w", id, ErrNotFound))
	} else if err != nil {
		return fmt.Errorf("load email %d: %w", id, err)
	}
	if row.SentAt != nil {
		return nil
	}
	if w.sender == nil {
		w.log.InfoContext(ctx, "email kept, not sent: no SMTP server is configured", "email_id", id)
		return nil
	}

	sendErr := w.sender.Send(ctx, storedFromRow(row).message())
	if sendErr != nil {
		if err := q.RecordEmailFailure(ctx, dbsqlc.RecordEmailFailureParams{
			ID:        id,
			LastError: truncate(sendErr.Error(), maxErrorLength),
		}); err != nil {
			return errors.Join(fmt.Errorf("deliver email %d: %w", id, sendErr),
				fmt.Errorf("record failure of email %d: %w", id, err))
		}
		if errors.Is(sendErr, ErrInvalidMessage) {
			return river.JobCancel(fmt.Errorf("deliver email %d: %w", id, sendErr))
		}
		return fmt.Errorf("deliver email %d: %w", id, sendErr)
	}
	if _, err := q.MarkEmailSent(ctx, id); err != nil {
		return fmt.Errorf("record delivery of email %d: %w", id, err)
	}
	w.log.InfoContext(ctx, "email sent", "email_id", id, "attempt", job.Attempt)
	return nil
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// NewClient returns a River client that works the default queue, delivering
// email with sender (nil: keep messages unsent, for development). The caller
// starts it with Start and stops it with Stop.
func NewClient(pool *pgxpool.Pool, sender Sender, log *slog.Logger) (*river.Client[pgx.Tx], error) {
	return newClient(pool, sender, log, nil)
}

// newClient is NewClient with a hook for tests to shorten River's timings.
func newClient(pool *pgxpool.Pool, sender Sender, log *slog.Logger, tune func(*river.Config)) (*river.Client[pgx.Tx], error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &DeliverWorker{pool: pool, sender: sender, log: log}); err != nil {
		return nil, fmt.Errorf("register email worker: %w", err)
	}
	cfg := &river.Config{
		Logger:  log,
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 5}},
		Workers: workers,
	}
	if tune != nil {
		tune(cfg)
	}
	client, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("create job queue client: %w", err)
	}
	return client, nil
}

// NewInsertOnlyClient returns a River client that can enqueue jobs but works
// none, for processes (and tests) that only write.
func NewInsertOnlyClient(pool *pgxpool.Pool) (*river.Client[pgx.Tx], error) {
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("create job queue client: %w", err)
	}
	return client, nil
}
