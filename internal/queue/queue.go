// Package queue owns the River client that runs the service's background
// work. main builds it once; each part of the domain adds its own workers
// and periodic jobs to it (a Work), and inserts its jobs with InsertTx in the
// transaction of their cause, so nothing is done for a change that rolled
// back and nothing is lost when a process dies.
package queue

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
)

// JobTimeout bounds a job whose worker names no Timeout of its own. Each
// worker sets the time its work needs (a Stripe call, an SMTP conversation,
// a retention run), and River's rescuer waits for that before taking the
// job to be stranded.
const JobTimeout = 30 * time.Second

// RescueStuckJobsAfter is how long a job may stay running before it is taken
// to be stranded by a process that died (kill -9, a lost machine) and run
// again; River's default is an hour. The rescuer looks every 30 seconds, and
// never rescues a job before its own worker's Timeout has passed, so a job
// with a longer timeout (the retention run's 4 minutes) is not started twice
// while it still runs.
const RescueStuckJobsAfter = time.Minute

// Enqueuer inserts a job in the transaction of its cause: it runs only if
// that commits. A job's args carry their own schedule and uniqueness
// (InsertOpts), so a domain package needs nothing else to make work due at
// its time. email.Outbox is one.
type Enqueuer interface {
	EnqueueJob(ctx context.Context, tx pgx.Tx, args river.JobArgs) error
}

// Subject is what a job was doing and for whom, in words for the training
// manager's Needs attention page: "Refund of £45.00", "Jane Smith
// (jane@example.org)", and the page where it can be put right.
type Subject struct {
	What string
	Who  string
	Link string
	// NoRetry, when set, says why trying the job again would do nothing (an
	// email given up on keeps no text to send): the page offers only "Mark
	// as dealt with".
	NoRetry string
}

// Describe tells, from a failed job's stored args, what it was doing and for
// whom. Each part of the domain gives one for each kind of job it adds.
type Describe func(ctx context.Context, args []byte) (Subject, error)

// Work adds a part's workers (and any periodic jobs) to the client's
// configuration, such as email.Deliveries or the retention schedule's.
type Work = func(*river.Config) error

// New returns the client that works the default queue with every part's
// work. The caller starts it with Start and stops it with Stop.
func New(pool *pgxpool.Pool, log *slog.Logger, work ...Work) (*river.Client[pgx.Tx], error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := &river.Config{
		Logger:               log,
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 5}},
		Workers:              river.NewWorkers(),
		JobTimeout:           JobTimeout,
		RescueStuckJobsAfter: RescueStuckJobsAfter,
		// A job that failed for good stays until a training manager has
		// seen it on the Needs attention page and dealt with it (or tried it
		// again); the retention schedule then deletes it
		// (internal/privacy: failed_jobs, cancelled_jobs), not River.
		DiscardedJobRetentionPeriod: -1,
		CancelledJobRetentionPeriod: -1,
		// The lag of every job done, for GET /metrics.
		Hooks: []rivertype.Hook{&lagHook{}},
	}
	for _, add := range work {
		if err := add(cfg); err != nil {
			return nil, fmt.Errorf("register background work: %w", err)
		}
	}
	client, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("create job queue client: %w", err)
	}
	return client, nil
}

// NewInsertOnly returns a client that can enqueue jobs but works none, for
// processes (and tests) that only write.
func NewInsertOnly(pool *pgxpool.Pool) (*river.Client[pgx.Tx], error) {
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("create job queue client: %w", err)
	}
	return client, nil
}

// WhileWaiting are the states in which a job is still to do: waiting for
// its time, or running. A job unique in these states (UniqueWhileWaiting)
// is inserted once however many changes ask for it, and a job already done
// does not block a new one.
var WhileWaiting = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

// UniqueWhileWaiting makes a job unique by its args while it waits or runs.
var UniqueWhileWaiting = river.UniqueOpts{ByArgs: true, ByState: WhileWaiting}

// JobTime is t as a job's args keep it: UTC, to the microsecond PostgreSQL
// stores, so the same moment always makes the same args (and so the same
// unique job).
func JobTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
