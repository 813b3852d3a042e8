package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/queue/internal/queuedb"
	"github.com/pscp/booktraining/internal/validation"
)

// Failure is a job that failed for good and waits for a training manager:
// every attempt failed (River discarded it), or its worker refused it for
// good (cancelled with an error, such as an address the mail server
// refuses).
type Failure struct {
	JobID       int64
	Kind        string
	Refused     bool    // cancelled by its worker: trying again is unlikely to help unless something was put right
	Subject     Subject // what it was doing and for whom
	Error       string  // the last error, in words a person can read
	Attempts    int
	MaxAttempts int
	FailedAt    time.Time
}

// Errors of the Needs attention page's actions.
var (
	// ErrNoSuchJob: no job has that id (deleted meanwhile, or a made-up id).
	ErrNoSuchJob = errors.New("no such job")
	// ErrAlreadyHandled: the failure was tried again or dealt with already,
	// by a second click or another manager.
	ErrAlreadyHandled = errors.New("job failure already tried again or dealt with")
	// ErrCannotRetry: trying this job again would do nothing
	// (Subject.NoRetry says why).
	ErrCannotRetry = errors.New("job cannot be tried again")
	// ErrAlreadyQueued: the same work (a unique job with the same args) is
	// already waiting to run, so this one is not run beside it.
	ErrAlreadyQueued = errors.New("the same job is already waiting to run")
	// ErrNobodyActing: no signed-in person in the context; only a training
	// manager may try a job again or deal with it.
	ErrNobodyActing = errs.New(errs.Forbidden, "failed job acted on with nobody signed in")
)

// MaxNoteLength bounds the note a manager may leave when marking a failure
// dealt with.
const MaxNoteLength = 500

// Failures is the Needs attention page's service: the jobs that failed for
// good, described by the part of the domain that added them, and the two
// things a manager can do with one. main builds it with every part's
// Describers, merged.
type Failures struct {
	pool     *pgxpool.Pool
	jobs     *river.Client[pgx.Tx]
	describe map[string]Describe
	now      func() time.Time
	log      *slog.Logger
}

// NewFailures returns the service. jobs may be an insert-only client (it is
// used to retry jobs in a transaction); describe maps each job kind to its
// Describe (a kind without one is still shown, by its kind and ids).
func NewFailures(pool *pgxpool.Pool, jobs *river.Client[pgx.Tx], describe map[string]Describe, now func() time.Time, log *slog.Logger) *Failures {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	all := map[string]Describe{SweepArgs{}.Kind(): describeSweep}
	maps.Copy(all, describe)
	return &Failures{pool: pool, jobs: jobs, describe: all, now: now, log: log}
}

// Count says how many failures wait for a manager.
func (f *Failures) Count(ctx context.Context) (int, error) {
	n, err := queuedb.New(f.pool).CountJobFailures(ctx)
	if err != nil {
		return 0, fmt.Errorf("count job failures: %w", err)
	}
	return int(n), nil
}

// List returns the failures waiting for a manager, newest first, and how
// many there are in all.
func (f *Failures) List(ctx context.Context, limit, offset int) ([]Failure, int, error) {
	limit = min(max(limit, 1), 200)
	offset = min(max(offset, 0), 1<<31-1)
	var (
		rows  []queuedb.ListJobFailuresRow
		total int64
	)
	// One snapshot, so the total and the page agree.
	err := pgx.BeginTxFunc(ctx, f.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) error {
			q := queuedb.New(tx)
			var err error
			if total, err = q.CountJobFailures(ctx); err != nil {
				return err
			}
			rows, err = q.ListJobFailures(ctx, queuedb.ListJobFailuresParams{MaxRows: int32(limit), SkipRows: int32(offset)})
			return err
		})
	if err != nil {
		return nil, 0, fmt.Errorf("list job failures: %w", err)
	}
	out := make([]Failure, len(rows))
	for i, r := range rows {
		out[i] = f.failure(ctx, r.ID, r.Kind, r.State, r.Args, r.Attempt, r.MaxAttempts, r.FailedAt, r.LastError)
	}
	return out, int(total), nil
}

func (f *Failures) failure(ctx context.Context, id int64, kind, state string, args []byte, attempt, maxAttempts int16, failedAt time.Time, lastError string) Failure {
	return Failure{
		JobID: id, Kind: kind, Refused: state == "cancelled",
		Subject: f.subject(ctx, id, kind, args), Error: PlainError(lastError),
		Attempts: int(attempt), MaxAttempts: int(maxAttempts), FailedAt: failedAt,
	}
}

// subject asks the job kind's Describe; a kind nobody describes, or a
// Describe that fails (its record deleted meanwhile), still shows what the
// job's args say.
func (f *Failures) subject(ctx context.Context, id int64, kind string, args []byte) Subject {
	if d, ok := f.describe[kind]; ok {
		s, err := d(ctx, args)
		if err == nil {
			return s
		}
		f.log.WarnContext(ctx, "describe a failed job", "job_id", id, "kind", kind, "error", err)
	}
	return Subject{What: "Background task “" + kind + "”", Who: argIDs(args)}
}

// describeSweep describes a safety-net sweep's run that failed: the next run
// does its work, so there is nothing to try again.
func describeSweep(_ context.Context, raw []byte) (Subject, error) {
	var a SweepArgs
	if err := json.Unmarshal(raw, &a); err != nil {
		return Subject{}, err
	}
	return Subject{
		What:    "Safety-net check “" + a.Name + "”",
		NoRetry: "The check runs again by itself and its next run does this one’s work: see its last run below.",
	}, nil
}

// argIDs lists the ids a job's args carry ("email_id 12"): enough to find
// the record of a job nobody describes, and never any other value (args can
// hold an address or a name).
func argIDs(args []byte) string {
	var m map[string]any
	if json.Unmarshal(args, &m) != nil {
		return ""
	}
	var parts []string
	for k, v := range m {
		if k != "id" && !strings.HasSuffix(k, "_id") && !strings.HasSuffix(k, "ID") {
			continue
		}
		if n, ok := v.(float64); ok {
			parts = append(parts, k+" "+strconv.FormatFloat(n, 'f', -1, 64))
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// PlainError turns River's record of a job's last error into words for the
// page: River's own prefixes go, a timeout says so, and it is kept short.
func PlainError(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(s, "JobCancelError: "))
	switch {
	case s == "":
		return "No error was recorded."
	case strings.Contains(s, "context deadline exceeded"):
		return "It took longer than its time limit and was stopped (" + shorten(s, 200) + ")."
	case strings.HasPrefix(s, "PanicError:") || strings.Contains(s, "panic"):
		return "The task stopped on a programming error (" + shorten(s, 200) + ")."
	}
	return shorten(s, 500)
}

func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// Retry runs a failed job again now, in a transaction that also writes the
// audit event as the context's actor; failedAt is the failure the manager saw (Failure.FailedAt),
// so a second click, or a second manager, gets ErrAlreadyHandled rather than
// running the job twice.
func (f *Failures) Retry(ctx context.Context, jobID int64, failedAt time.Time) (Failure, error) {
	by := actor.From(ctx)
	if !by.SignedIn() {
		return Failure{}, ErrNobodyActing
	}
	return f.act(ctx, jobID, failedAt, func(tx pgx.Tx, q *queuedb.Queries, fl Failure) error {
		if fl.Subject.NoRetry != "" {
			return ErrCannotRetry
		}
		if _, err := f.jobs.JobRetryTx(ctx, tx, jobID); pgerr.Violates(err, riverUniqueIndexes...) {
			return ErrAlreadyQueued
		} else if err != nil {
			return fmt.Errorf("retry job %d: %w", jobID, err)
		}
		return audit.RecordTx(ctx, tx, f.now(), audit.Event{
			Action: audit.JobRetried, ActorID: by.IDPtr(), IP: by.IP, Details: auditDetails(fl, ""),
		})
	})
}

// riverUniqueIndexes are River's unique indexes on jobs (v0.51's, and the
// one before it): a retried unique job may meet a newer one of its kind and
// args.
var riverUniqueIndexes = []string{"river_job_unique_idx", "river_job_kind_unique_key_idx"}

// DealtWith records that the context's actor, a manager, put a failure
// right some other way (or decided nothing is to be done), with their note,
// which goes into the audit event only.
func (f *Failures) DealtWith(ctx context.Context, jobID int64, failedAt time.Time, note string) (Failure, error) {
	by := actor.From(ctx)
	if !by.SignedIn() {
		return Failure{}, ErrNobodyActing
	}
	note = validation.CleanText(note)
	if utf8.RuneCountInString(note) > MaxNoteLength {
		var v validation.Errors
		v.Add("note", fmt.Sprintf("The note must be %d characters or fewer", MaxNoteLength))
		return Failure{}, v.Err()
	}
	return f.act(ctx, jobID, failedAt, func(tx pgx.Tx, q *queuedb.Queries, fl Failure) error {
		n, err := q.MarkJobFailureDealtWith(ctx, queuedb.MarkJobFailureDealtWithParams{
			JobID: jobID, FailedAt: fl.FailedAt, DealtBy: by.ID, Now: f.now()})
		if err != nil {
			return fmt.Errorf("mark job %d dealt with: %w", jobID, err)
		}
		if n == 0 {
			return ErrAlreadyHandled
		}
		return audit.RecordTx(ctx, tx, f.now(), audit.Event{
			Action: audit.JobDealtWith, ActorID: by.IDPtr(), IP: by.IP, Details: auditDetails(fl, note),
		})
	})
}

// act locks the job, checks the failure is the one the manager saw and still
// waits for them, and does what they asked in the same transaction.
func (f *Failures) act(ctx context.Context, jobID int64, failedAt time.Time, do func(pgx.Tx, *queuedb.Queries, Failure) error) (Failure, error) {
	var fl Failure
	err := pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
		q := queuedb.New(tx)
		r, err := q.LockJobFailure(ctx, jobID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNoSuchJob
		} else if err != nil {
			return fmt.Errorf("lock job %d: %w", jobID, err)
		}
		// Microseconds: what PostgreSQL keeps, and what the page's form sends.
		if !r.NeedsAttention || r.FailedAt.UnixMicro() != failedAt.UnixMicro() {
			return ErrAlreadyHandled
		}
		fl = f.failure(ctx, r.ID, r.Kind, r.State, r.Args, r.Attempt, r.MaxAttempts, r.FailedAt, r.LastError)
		return do(tx, q, fl)
	})
	if err != nil {
		return Failure{}, err
	}
	return fl, nil
}

// auditDetails names the job and what it was for; erasing a person's data
// later scrubs their name and address from it as from any audit entry.
func auditDetails(fl Failure, note string) map[string]any {
	d := map[string]any{
		"job_id": fl.JobID, "kind": fl.Kind, "what": fl.Subject.What,
		"failed_at": fl.FailedAt.UTC().Format(time.RFC3339),
	}
	if fl.Subject.Who != "" {
		d["who"] = fl.Subject.Who
	}
	if note != "" {
		d["note"] = note
	}
	return d
}

// SweepRun is the latest run of one safety-net sweep.
type SweepRun struct {
	Sweep      string
	Process    string
	StartedAt  time.Time
	FinishedAt *time.Time // nil while it runs (or if its process died)
	Found      int
	Error      string
}

// LastSweepRuns returns the latest run of each sweep, by name.
func (f *Failures) LastSweepRuns(ctx context.Context) ([]SweepRun, error) {
	rows, err := queuedb.New(f.pool).LastSweepRuns(ctx)
	if err != nil {
		return nil, fmt.Errorf("last sweep runs: %w", err)
	}
	out := make([]SweepRun, len(rows))
	for i, r := range rows {
		out[i] = SweepRun{Sweep: r.Sweep, Process: r.Process, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
			Found: int(r.Found), Error: r.Error}
	}
	return out, nil
}
