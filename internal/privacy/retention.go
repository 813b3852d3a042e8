package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/pscp/booktraining/internal/dbsqlc"
)

// EraseFunc erases an account in the caller's transaction
// (account.Service.EraseTx), saying why for the audit log.
type EraseFunc func(ctx context.Context, tx pgx.Tx, userID int64, now time.Time, reason string) error

// WarnFunc emails a person, in the caller's transaction, that their unused
// account will be erased on eraseOn unless they sign in.
type WarnFunc func(ctx context.Context, tx pgx.Tx, userID int64, to, name string, eraseOn time.Time) error

// Enforcer applies the retention schedule.
type Enforcer struct {
	pool  *pgxpool.Pool
	now   func() time.Time
	log   *slog.Logger
	erase EraseFunc
	warn  WarnFunc
	// SessionIdle is how long a signed-in session lasts unused
	// (account.LoginIdle).
	SessionIdle time.Duration
	// Batch is how many records one transaction handles.
	Batch int32
}

// NewEnforcer returns an Enforcer that erases accounts with erase and warns
// their people with warn. Both are the account package's; they are passed in
// because account depends on this package, not the other way round.
func NewEnforcer(pool *pgxpool.Pool, now func() time.Time, log *slog.Logger, erase EraseFunc, warn WarnFunc) *Enforcer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Enforcer{pool: pool, now: now, log: log, erase: erase, warn: warn, SessionIdle: 30 * time.Minute, Batch: 500}
}

// Run is one run of the schedule, as recorded in retention_runs.
type Run struct {
	ID         int64
	StartedAt  time.Time
	FinishedAt *time.Time
	Counts     map[string]int64 // by Rule.Key
	Error      string
}

// Run applies every rule of the schedule once, each in transactions of at
// most Batch records, and records what it did. A rule that fails does not
// stop the others; its error is recorded and returned.
func (e *Enforcer) Run(ctx context.Context) (Run, error) {
	now := e.now()
	q := dbsqlc.New(e.pool)
	id, err := q.StartRetentionRun(ctx, now)
	if err != nil {
		return Run{}, fmt.Errorf("retention: record start: %w", err)
	}
	run := Run{ID: id, StartedAt: now, Counts: map[string]int64{}}
	var errs []error
	for _, r := range schedule {
		n, err := e.apply(ctx, r, now)
		run.Counts[r.Key] = n
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.Key, err))
			e.log.ErrorContext(ctx, "retention rule failed", "rule", r.Key, "done", n, "error", err)
		} else if n > 0 {
			e.log.InfoContext(ctx, "retention rule applied", "rule", r.Key, "count", n)
		}
	}
	runErr := errors.Join(errs...)
	if runErr != nil {
		run.Error = runErr.Error()
	}
	counts, err := json.Marshal(run.Counts)
	if err != nil {
		return run, fmt.Errorf("retention: %w", err)
	}
	finished := e.now()
	run.FinishedAt = &finished
	// Recorded even when ctx has ended, so the page says how far it got.
	if err := q.FinishRetentionRun(context.WithoutCancel(ctx), dbsqlc.FinishRetentionRunParams{
		ID: id, Now: finished, Counts: counts, Error: run.Error,
	}); err != nil {
		return run, errors.Join(runErr, fmt.Errorf("retention: record finish: %w", err))
	}
	var total int64
	for _, n := range run.Counts {
		total += n
	}
	e.log.InfoContext(ctx, "retention schedule applied", "run", id, "records", total, "failed", runErr != nil)
	return run, runErr
}

// apply runs one rule in batches until a batch comes back short.
func (e *Enforcer) apply(ctx context.Context, r Rule, now time.Time) (int64, error) {
	batch := e.Batch
	if batch < 1 {
		batch = 500
	}
	var total int64
	for {
		var n int
		err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
			var err error
			n, err = r.apply(ctx, e, tx, now, batch)
			return err
		})
		if err != nil {
			return total, err
		}
		total += int64(n)
		if n < int(batch) {
			return total, nil
		}
	}
}

// Runs returns the latest limit runs of the schedule, newest first (the
// training managers' retention page).
func (e *Enforcer) Runs(ctx context.Context, limit int) ([]Run, error) {
	rows, err := dbsqlc.New(e.pool).ListRetentionRuns(ctx, int32(limit))
	if err != nil {
		return nil, fmt.Errorf("list retention runs: %w", err)
	}
	runs := make([]Run, 0, len(rows))
	for _, r := range rows {
		run := Run{ID: r.ID, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, Counts: map[string]int64{}, Error: r.Error}
		if err := json.Unmarshal(r.Counts, &run.Counts); err != nil {
			return nil, fmt.Errorf("retention run %d: counts: %w", r.ID, err)
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// --- the rules ---

// RunArgs is the River job that applies the schedule.
type RunArgs struct{}

// Kind names the job in River's table; changing it strands queued jobs.
func (RunArgs) Kind() string { return "retention_run" }

// InsertOpts keeps to one job an hour, however many leaders are elected
// (RunOnStart inserts one at each election).
func (RunArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}

type runWorker struct {
	river.WorkerDefaults[RunArgs]
	e *Enforcer
}

// Timeout allows a first run over years of records; River's default is a
// minute.
func (w *runWorker) Timeout(*river.Job[RunArgs]) time.Duration { return RunTimeout }

// RunTimeout is how long one run of the schedule may take. River's rescuer
// waits for it (and queue.RescueStuckJobsAfter) before taking a run to be
// stranded, so a run still going is never started a second time; a run cut short is retried, and
// every rule picks up where it stopped, as each batch commits on its own.
const RunTimeout = 4 * time.Minute

func (w *runWorker) Work(ctx context.Context, _ *river.Job[RunArgs]) error {
	_, err := w.e.Run(ctx)
	return err
}

// Register adds the schedule's worker and its daily periodic job (inserted
// by River's elected leader only, and once at each start) to a River
// client's configuration.
func (e *Enforcer) Register(cfg *river.Config) error {
	if cfg.Workers == nil {
		cfg.Workers = river.NewWorkers()
	}
	if err := river.AddWorkerSafely(cfg.Workers, &runWorker{e: e}); err != nil {
		return fmt.Errorf("register retention worker: %w", err)
	}
	cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(
		river.PeriodicInterval(24*time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return RunArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true},
	))
	return nil
}
