// Package queue owns the River client that runs the service's background
// work. main builds it once; each part of the domain adds its own workers
// and periodic jobs to it (a Work), and inserts its jobs with InsertTx in the
// transaction of their cause, so nothing is done for a change that rolled
// back and nothing is lost when a process dies.
package queue

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// RescueStuckJobsAfter is how long a job may stay running before it is taken
// to be stranded by a process that died (kill -9, a lost machine) and run
// again; River's default is an hour. It must exceed the longest job's
// timeout, or a job still running would be started twice: deliveries end
// within River's default one-minute JobTimeout, and the retention run stops
// itself at privacy.RunTimeout.
const RescueStuckJobsAfter = 5 * time.Minute

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
		RescueStuckJobsAfter: RescueStuckJobsAfter,
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
