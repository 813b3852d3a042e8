package email

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/pscp/booktraining/internal/demand"
	"github.com/pscp/booktraining/internal/email/internal/emaildb"
)

// DeliverArgs is the job that delivers one stored email.
type DeliverArgs struct {
	EmailID int64 `json:"email_id"`
}

// Kind names the job in River's table; changing it strands queued jobs.
func (DeliverArgs) Kind() string { return "email_deliver" }

// InsertOpts gives a mail server that is down for a while about a day of
// retries with River's backoff; after the last, the email is recorded as
// failed and the job discarded. Deliveries have a queue of their own
// (Queue), worked by DeliveryWorkers at once: in a booking rush hundreds
// of confirmations wait there, and neither hold up the jobs that change
// what people are offered (an offer expiring must hand its place on at its
// time, not behind them) nor wait behind those.
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, Queue: Queue, Priority: DeliveryPriority}
}

// Queue is the River queue of email deliveries. Jobs queued before it
// existed, in the default queue, are still worked there.
const Queue = "email"

// DeliveryWorkers is how many deliveries run at once. River fetches at most
// this many jobs of a queue at a time, at most once every
// DeliveryFetchCooldown, so with the default queue's five workers
// confirmations went at 50 a second whatever the mail server's speed. The
// workers of one fetch claim their emails in one statement and record them
// sent in another (together), so more workers make fewer statements per
// email; they hold no database connection while the mail server answers,
// and talk to it over at most MaxSMTPConnections at once.
const DeliveryWorkers = 50

// DeliveryFetchCooldown is the least time between two fetches of the
// queue's jobs. Each fetch hands up to DeliveryWorkers jobs to workers at
// once, and these claim and record their emails together (together), so a
// longer cooldown means fewer, larger batches: less work for the database
// per email while a rush of bookings needs it.
const DeliveryFetchCooldown = 100 * time.Millisecond

// deliveryFetchPollInterval is how often the queue looks for jobs when not
// told of new ones (River's LISTEN/NOTIFY tells it at once): River's
// default, set here because the queue's cooldown must not exceed it,
// whatever the client's own setting (a test's is shorter).
const deliveryFetchPollInterval = time.Second

// DeliveryPriority is River's priority of email deliveries: after the
// default (1) of other jobs, should any share their queue.
const DeliveryPriority = 2

// maxErrorLength bounds the failure kept on the email row.
const maxErrorLength = 500

// claimedElsewhere is how long a job waits before looking again at an email
// another worker is delivering: longer than one SMTP conversation may take.
const claimedElsewhere = smtpTimeout + 10*time.Second

// DeliverWorker sends stored emails, each at most once as far as this
// service can know, and records an address refused for good so it is never
// tried again.
//
// A job may run more than once: River retries a failed attempt, rescues a
// job it believes stuck while the first run may still be going, and nothing
// stops two jobs naming the same email. So the worker first claims the
// email's row for a lease longer than one SMTP conversation (claimed_until,
// set in one statement of its own), talks to the mail server holding no
// lock and no database connection, and then records the outcome, which
// ends the claim. A second run meanwhile finds the claim and snoozes
// without sending; a later run finds the email sent (or failed) and does
// nothing.
//
// What remains is at least once, not exactly once. If the mail server
// accepts the message and then this process dies, the connection to it
// drops before its 250 is read (a timeout), or the commit that marks the
// email sent fails, the row is still unsent and a later run sends it again.
// Every attempt carries the same Message-ID (email-{id}.{token}@{from
// domain}), so a receiving system that de-duplicates by Message-ID shows it
// once; one that does not shows it twice. SMTP offers no way to close that
// window: it lies between the server taking the message and our commit.
// After a crash the claim runs out (claimedElsewhere) before River rescues
// the job (queue.RescueStuckJobsAfter), so the rescued job can deliver.
type DeliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	pool   *pgxpool.Pool
	sender Sender
	log    *slog.Logger
	// claims and sent are the claim and the record of delivery, each made
	// for every worker at hand in one statement (see together).
	claims *together[int64, *emaildb.Email]
	sent   *together[int64, struct{}]
	// busy is how long to snooze when another worker holds the email.
	busy time.Duration
	// demand says when people's requests are keeping the app busy: a
	// delivery gives way to them (GiveWay) for at most maxGiveWay.
	demand *demand.Gauge
	// logText writes a kept email's text to the log (a developer's machine
	// with no mail server, where the log is the only way to follow a link
	// that managers are never shown).
	logText bool
}

// Timeout bounds one delivery: the SMTP conversation and the records either
// side of it, inside the claim's lease.
func (w *DeliverWorker) Timeout(*river.Job[DeliverArgs]) time.Duration {
	return smtpTimeout + 5*time.Second
}

// Work sends the email once. With no Sender (development) it leaves the
// message in the table, body and all, to be read at /admin/emails.
func (w *DeliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	id := job.Args.EmailID
	if w.sender == nil {
		m, err := emaildb.New(w.pool).GetEmail(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return river.JobCancel(fmt.Errorf("email %d: %w", id, ErrNotFound))
		} else if err != nil {
			return fmt.Errorf("load email %d: %w", id, err)
		}
		if w.logText {
			w.log.InfoContext(ctx, "email kept, not sent (development: its text follows, links included)",
				"email_id", id, "to", m.ToAddress, "subject", m.Subject, "text", m.BodyText)
			return nil
		}
		w.log.InfoContext(ctx, "email kept, not sent: no SMTP server is configured", "email_id", id)
		return nil
	}

	// A booking rush's confirmations wait while its bookings are being
	// made: the bookings are what people are waiting on, and the emails
	// are safe in their table. None waits past maxGiveWay from its job's
	// making, so a backlog goes at once and a long rush delays each email
	// by that much at most.
	w.demand.GiveWay(ctx, giveWayUntil(job.CreatedAt, time.Now()))
	q := emaildb.New(w.pool)
	row, err := w.claims.do(id)
	if err != nil {
		return fmt.Errorf("claim email %d: %w", id, err)
	} else if row == nil {
		// Gone, sent, failed for good, or being delivered by another worker.
		return w.notClaimed(ctx, q, id)
	}

	m := storedFromRow(*row).message()
	m.messageKey = fmt.Sprintf("email-%d.%s", row.ID, row.MessageToken)
	sendErr := w.sender.Send(ctx, m)
	// The outcome is recorded even if the job's time ran out meanwhile.
	record := context.WithoutCancel(ctx)
	if sendErr == nil {
		if _, err := w.sent.do(id); err != nil {
			// The message went; once the claim runs out the next attempt
			// sends it again, under the same Message-ID.
			w.log.ErrorContext(ctx, "email sent but not recorded as sent: it will be sent again",
				"email_id", id, "error", err)
			return fmt.Errorf("record delivery of email %d: %w", id, err)
		}
		w.log.InfoContext(ctx, "email sent", "email_id", id, "attempt", job.Attempt)
		return nil
	}

	deliverErr := fmt.Errorf("deliver email %d: %w", id, sendErr)
	refused := isPermanent(sendErr)
	lastTry := job.Attempt >= job.MaxAttempts
	switch {
	case refused:
		var attempted int32 = 1
		if errors.Is(sendErr, ErrInvalidMessage) {
			attempted = 0 // refused before any server saw it
		}
		err = q.RecordEmailFailed(record, emaildb.RecordEmailFailedParams{
			ID: id, Attempted: attempted, LastError: truncate(describe(sendErr), maxErrorLength)})
	case lastTry:
		err = q.RecordEmailFailed(record, emaildb.RecordEmailFailedParams{
			ID: id, Attempted: 1, LastError: truncate(fmt.Sprintf("gave up after %d attempts; the last failed with: %v",
				row.Attempts+1, describe(sendErr)), maxErrorLength)})
	default:
		err = q.RecordEmailFailure(record, emaildb.RecordEmailFailureParams{
			ID: id, LastError: truncate(describe(sendErr), maxErrorLength)})
	}
	if err != nil {
		return errors.Join(deliverErr, fmt.Errorf("record failure of email %d: %w", id, err))
	}
	if refused {
		w.log.WarnContext(ctx, "email refused for good: not retried", "email_id", id, "error", sendErr)
		return river.JobCancel(deliverErr)
	}
	if lastTry {
		w.log.WarnContext(ctx, "email not delivered after every retry: given up", "email_id", id, "error", sendErr)
	}
	return deliverErr
}

// maxGiveWay is the longest a delivery waits for a busy app (demand): a
// booking rush of 500 people lasts about a second.
const maxGiveWay = 2 * time.Second

// giveWayUntil is when a delivery whose job was made at created stops
// giving way: maxGiveWay after its making, and never more than that from
// now, should the database's clock (which stamped created) be ahead of
// this process's.
func giveWayUntil(created, now time.Time) time.Time {
	until := created.Add(maxGiveWay)
	if limit := now.Add(maxGiveWay); until.After(limit) {
		return limit
	}
	return until
}

// notClaimed works out why email id could not be claimed: gone (erased
// before it went), already sent, failed for good, or being delivered by
// another worker, which this job waits for.
func (w *DeliverWorker) notClaimed(ctx context.Context, q *emaildb.Queries, id int64) error {
	m, err := q.GetEmail(ctx, id)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return river.JobCancel(fmt.Errorf("email %d: %w", id, ErrNotFound))
	case err != nil:
		return fmt.Errorf("load email %d: %w", id, err)
	case m.SentAt != nil:
		return nil
	case m.FailedAt != nil:
		return river.JobCancel(fmt.Errorf("email %d: %w", id, ErrUndeliverable))
	}
	w.log.InfoContext(ctx, "email is being delivered by another worker; looking again later", "email_id", id)
	return river.JobSnooze(w.busy)
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

// Deliveries is email's background work, for the job client
// (queue.New): sending each stored email with sender, or, with no sender,
// keeping it for /admin/emails. Deliveries give way to people's requests
// while load says the app is busy (nil: never).
func Deliveries(pool *pgxpool.Pool, sender Sender, log *slog.Logger, load *demand.Gauge) func(*river.Config) error {
	return deliveries(pool, sender, log, func(w *DeliverWorker) { w.demand = load })
}

// DevelopmentDeliveries is Deliveries for a developer's own machine with no
// mail server: every email is kept for /admin/emails, where managers never
// see sign-in links, and its text, links included, is written to the log so
// the developer can follow them.
func DevelopmentDeliveries(pool *pgxpool.Pool, log *slog.Logger) func(*river.Config) error {
	return deliveries(pool, nil, log, func(w *DeliverWorker) { w.logText = true })
}

// deliveries is Deliveries with a hook for tests to change the worker.
func deliveries(pool *pgxpool.Pool, sender Sender, log *slog.Logger, tune func(*DeliverWorker)) func(*river.Config) error {
	return func(cfg *river.Config) error {
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		worker := &DeliverWorker{pool: pool, sender: sender, log: log, busy: claimedElsewhere,
			claims: &together[int64, *emaildb.Email]{max: maxBatch, run: claimEmails(pool)},
			sent:   &together[int64, struct{}]{max: maxBatch, run: markEmailsSent(pool)}}
		if tune != nil {
			tune(worker)
		}
		if err := river.AddWorkerSafely(cfg.Workers, worker); err != nil {
			return fmt.Errorf("register email worker: %w", err)
		}
		if cfg.Queues == nil {
			cfg.Queues = map[string]river.QueueConfig{}
		}
		cfg.Queues[Queue] = river.QueueConfig{MaxWorkers: DeliveryWorkers,
			FetchCooldown: DeliveryFetchCooldown, FetchPollInterval: deliveryFetchPollInterval}
		return nil
	}
}

// maxBatch bounds the emails one statement claims or records as sent.
const maxBatch = 100

// claimEmails claims the emails named, for as many workers, in one
// statement: each worker gets its email's row, or nil when it could not be
// claimed. Two workers of one batch naming the same email (two jobs for one
// email) are one claim: the first gets the row, the second nil, and finds
// it being delivered.
func claimEmails(pool *pgxpool.Pool) func(context.Context, []int64) ([]*emaildb.Email, error) {
	return func(ctx context.Context, ids []int64) ([]*emaildb.Email, error) {
		rows, err := emaildb.New(pool).ClaimEmails(ctx, emaildb.ClaimEmailsParams{Ids: ids, LeaseSeconds: claimedElsewhere.Seconds()})
		if err != nil {
			return nil, err
		}
		claimed := make(map[int64]*emaildb.Email, len(rows))
		for i := range rows {
			claimed[rows[i].ID] = &rows[i]
		}
		out := make([]*emaildb.Email, len(ids))
		for i, id := range ids {
			out[i] = claimed[id]
			delete(claimed, id)
		}
		return out, nil
	}
}

// markEmailsSent records the emails named as delivered, in one statement.
func markEmailsSent(pool *pgxpool.Pool) func(context.Context, []int64) ([]struct{}, error) {
	return func(ctx context.Context, ids []int64) ([]struct{}, error) {
		if err := emaildb.New(pool).MarkEmailsSent(ctx, ids); err != nil {
			return nil, err
		}
		return make([]struct{}, len(ids)), nil
	}
}
