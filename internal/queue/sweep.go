package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/pscp/booktraining/internal/queue/internal/queuedb"
)

// Sweep is a safety net under time-based work. The work itself is a job
// scheduled for its moment, inserted in the transaction that made it due
// (an offer's expiry at its deadline); a sweep runs now and then to find
// anything whose job was missed (lost in a restore, inserted by an older
// version, or made due by a change that forgot to schedule it) and does it.
// A sweep that finds something is logged as a warning: it should find
// nothing.
type Sweep struct {
	Name  string        // its name in sweep_runs and the log: "offers"
	What  string        // what a run does, in words: "passed on offers not accepted in time"
	Every time.Duration // how often it runs; once also at each election of a leader
	// Run does the missed work due at the time it runs and says how much it
	// found.
	Run func(ctx context.Context) (int, error)
	// Timeout bounds one run (default SweepTimeout).
	Timeout time.Duration
	// Routine marks a sweep whose finds are its own work, not jobs missed
	// (the renewal notices, due on a day rather than after a change): what
	// it finds is logged as information, not as a warning.
	Routine bool
}

// SweepTimeout is how long one sweep may run unless it says otherwise.
const SweepTimeout = 30 * time.Second

// SweepRunsKept is how long the record of a sweep's runs is kept.
const SweepRunsKept = 7 * 24 * time.Hour

// SweepArgs is the periodic job that runs one sweep.
type SweepArgs struct {
	Name string `json:"name"`
}

func (SweepArgs) Kind() string { return "sweep" }

// InsertOpts makes each sweep run alone: a new one is not inserted while
// one is still waiting or running, so however many processes run, and
// whichever is leader, two runs of a sweep never overlap. A failed run is
// not retried; the next one does its work.
func (SweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		MaxAttempts: 1,
		UniqueOpts:  UniqueWhileWaiting,
	}
}

// Process names this process in sweep_runs: its host and process id.
var Process = func() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	return host + ":" + strconv.Itoa(os.Getpid())
}()

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	pool   *pgxpool.Pool
	log    *slog.Logger
	sweeps map[string]Sweep
}

func (w *sweepWorker) Timeout(job *river.Job[SweepArgs]) time.Duration {
	if s, ok := w.sweeps[job.Args.Name]; ok && s.Timeout > 0 {
		return s.Timeout
	}
	return SweepTimeout
}

func (w *sweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	s, ok := w.sweeps[job.Args.Name]
	if !ok {
		// A sweep an older version had: nothing to do.
		w.log.WarnContext(ctx, "no such sweep", "sweep", job.Args.Name)
		return nil
	}
	q := queuedb.New(w.pool)
	id, err := q.StartSweepRun(ctx, queuedb.StartSweepRunParams{Sweep: s.Name, Process: Process, Now: time.Now()})
	if err != nil {
		return fmt.Errorf("sweep %s: record its start: %w", s.Name, err)
	}
	found, runErr := s.Run(ctx)
	msg := ""
	if runErr != nil {
		msg = runErr.Error()
	}
	// Recorded even when the run was cut short by its timeout.
	finish := context.WithoutCancel(ctx)
	end := time.Now()
	if err := q.FinishSweepRun(finish, queuedb.FinishSweepRunParams{ID: id, Now: &end, Found: int32(found), Error: msg}); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("record its end: %w", err))
	}
	if _, err := q.PruneSweepRuns(finish, queuedb.PruneSweepRunsParams{Sweep: s.Name, Before: time.Now().Add(-SweepRunsKept)}); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("prune its old runs: %w", err))
	}
	switch {
	case runErr != nil:
		w.log.ErrorContext(ctx, "safety-net sweep failed: "+s.What, "sweep", s.Name, "error", runErr)
		return fmt.Errorf("sweep %s: %w", s.Name, runErr)
	case found > 0 && s.Routine:
		w.log.InfoContext(ctx, "sweep: "+s.What, "sweep", s.Name, "count", found)
	case found > 0:
		w.log.WarnContext(ctx, "safety-net sweep found work whose job was missed: "+s.What, "sweep", s.Name, "count", found)
	}
	return nil
}

// Sweeps adds sweeps to the client: one worker for them all (so main adds
// every part's sweeps with one call) and a periodic job for each, inserted by the elected leader only (and once when a leader
// is elected, so a sweep is not put off by restarts).
func Sweeps(pool *pgxpool.Pool, log *slog.Logger, sweeps ...Sweep) Work {
	return func(cfg *river.Config) error {
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		w := &sweepWorker{pool: pool, log: log, sweeps: map[string]Sweep{}}
		for _, s := range sweeps {
			if s.Name == "" || s.Run == nil || s.Every <= 0 {
				return fmt.Errorf("sweep %q needs a name, a period and a run", s.Name)
			}
			if _, dup := w.sweeps[s.Name]; dup {
				return fmt.Errorf("sweep %q added twice", s.Name)
			}
			w.sweeps[s.Name] = s
			name := s.Name
			cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(
				river.PeriodicInterval(s.Every),
				func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{Name: name}, nil },
				&river.PeriodicJobOpts{ID: "sweep-" + name, RunOnStart: true},
			))
		}
		if cfg.Workers == nil {
			cfg.Workers = river.NewWorkers()
		}
		return river.AddWorkerSafely(cfg.Workers, w)
	}
}
