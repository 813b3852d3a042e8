package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/pscp/booktraining/internal/privacy/internal/privacydb"
)

// Enforcer applies the retention schedule.
type Enforcer struct {
	pool *pgxpool.Pool
	now  func() time.Time
	log  *slog.Logger
	// cleaners apply, by rule key, the rules other parts own.
	cleaners map[string]Cleaner
	// Batch is how many records one transaction handles.
	Batch int32
}

// NewEnforcer returns an Enforcer whose rules owned by other parts are
// applied by cleaners, by rule key (registry.Cleaners gathers every part's).
// It panics on a rule with an owner but no cleaner, or a cleaner for no such
// rule: a programming error found at start-up. The cleaners are passed in
// because their owners depend on this package, not the other way round.
func NewEnforcer(pool *pgxpool.Pool, now func() time.Time, log *slog.Logger, cleaners map[string]Cleaner) *Enforcer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	keys := map[string]bool{}
	for _, r := range schedule {
		keys[r.Key] = true
		if r.Owner == "" {
			panic(fmt.Sprintf("privacy: retention rule %q has no owner to apply it", r.Key))
		}
		if cleaners[r.Key] == nil {
			panic(fmt.Sprintf("privacy: retention rule %q needs %s's cleaner", r.Key, r.Owner))
		}
	}
	for k := range cleaners {
		if !keys[k] {
			panic(fmt.Sprintf("privacy: a cleaner for %q, which is no rule of the schedule", k))
		}
	}
	return &Enforcer{pool: pool, now: now, log: log, cleaners: maps.Clone(cleaners), Batch: 500}
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
	q := privacydb.New(e.pool)
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
	if err := q.FinishRetentionRun(context.WithoutCancel(ctx), privacydb.FinishRetentionRunParams{
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
	clean := e.cleaners[r.Key]
	var total int64
	for {
		var n int
		err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
			var err error
			n, err = clean(ctx, tx, now, batch)
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
	rows, err := privacydb.New(e.pool).ListRetentionRuns(ctx, int32(limit))
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
