package queue_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
)

type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedLog) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// A sweep whose finds are its own work logs them as information; a safety
// net's finds are a warning.
func TestRoutineSweepsDoNotWarn(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	ctx := context.Background()
	var out lockedLog
	log := slog.New(slog.NewTextHandler(&out, nil))
	found := func(context.Context) (int, error) { return 2, nil }
	routine := queue.Sweep{Name: "routine", What: "did its daily work", Every: time.Hour, Routine: true, Run: found}
	net := queue.Sweep{Name: "net", What: "caught missed work", Every: time.Hour, Run: found}
	fast := func(c *river.Config) error {
		c.FetchPollInterval = 20 * time.Millisecond
		c.FetchCooldown = 10 * time.Millisecond
		return nil
	}
	client, err := queue.New(pool, nil, queue.Sweeps(pool, log, routine, net), fast)
	require.NoError(t, err)
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = client.Stop(stop)
	})
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM sweep_runs WHERE finished_at IS NOT NULL`).Scan(&n))
		return n >= 2
	}, 30*time.Second, 50*time.Millisecond)
	require.Eventually(t, func() bool { return strings.Count(out.String(), "\n") >= 2 }, 5*time.Second, 20*time.Millisecond)
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		switch {
		case strings.Contains(line, "sweep=routine"):
			assert.Contains(t, line, "level=INFO")
		case strings.Contains(line, "sweep=net"):
			assert.Contains(t, line, "level=WARN")
		}
	}
	assert.Contains(t, out.String(), "sweep=routine")
	assert.Contains(t, out.String(), "sweep=net")
}
