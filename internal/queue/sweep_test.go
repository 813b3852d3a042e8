package queue_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
)

// Two processes' clients on one database, each with the same sweep: the
// sweep runs (at once on start, then every period), its runs are recorded
// with what they found, and no two runs ever overlap, whoever is leader.
func TestSweepsRunAloneAndAreRecorded(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	ctx := context.Background()

	var running, overlaps, runs atomic.Int32
	sweep := queue.Sweep{Name: "test", What: "found test work", Every: 200 * time.Millisecond,
		Run: func(ctx context.Context) (int, error) {
			if running.Add(1) > 1 {
				overlaps.Add(1)
			}
			defer running.Add(-1)
			time.Sleep(300 * time.Millisecond) // longer than the period
			return int(runs.Add(1)) % 2, nil
		}}
	fast := func(c *river.Config) error {
		c.FetchPollInterval = 20 * time.Millisecond
		c.FetchCooldown = 10 * time.Millisecond
		return nil
	}
	for range 2 {
		client, err := queue.New(pool, nil, queue.Sweeps(pool, nil, sweep), fast)
		require.NoError(t, err)
		require.NoError(t, client.Start(ctx))
		t.Cleanup(func() {
			stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = client.Stop(stop)
		})
	}
	require.Eventually(t, func() bool { return runs.Load() >= 3 }, 30*time.Second, 50*time.Millisecond)
	assert.Zero(t, overlaps.Load(), "two runs of one sweep at once")

	// Each run has its record; none overlaps another.
	rows, err := pool.Query(ctx, `SELECT started_at, finished_at, found FROM sweep_runs WHERE sweep = 'test' AND finished_at IS NOT NULL ORDER BY started_at`)
	require.NoError(t, err)
	var prevEnd time.Time
	n, found := 0, 0
	for rows.Next() {
		var start, end time.Time
		var f int
		require.NoError(t, rows.Scan(&start, &end, &f))
		assert.False(t, start.Before(prevEnd), "a run started before the one before it ended")
		prevEnd = end
		n++
		found += f
	}
	require.NoError(t, rows.Err())
	assert.GreaterOrEqual(t, n, 2)
	assert.Positive(t, found, "what the runs found is recorded")
}

// A sweep must be complete, and named once.
func TestSweepsRefuseMistakes(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	run := func(context.Context) (int, error) { return 0, nil }
	_, err := queue.New(pool, nil, queue.Sweeps(pool, nil, queue.Sweep{Name: "a", Every: time.Minute}))
	assert.Error(t, err, "no run")
	_, err = queue.New(pool, nil, queue.Sweeps(pool, nil, queue.Sweep{Name: "a", Every: time.Minute, Run: run}, queue.Sweep{Name: "a", Every: time.Minute, Run: run}))
	assert.Error(t, err, "a name twice")
}
