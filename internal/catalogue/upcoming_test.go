package catalogue_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/scope"
)

// The courses list's counts of sessions to come are kept between changes
// (issue 21), and are never wrong for longer than it takes to hear of one:
// a change this process makes, a change heard from another, the first
// session starting, or a second when nobody listens.
func TestManagedCoursesCountSessionsToComeAsTheyStand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := demo.Seed(ctx, pool, now)
	require.NoError(t, err)
	var mu sync.Mutex
	clock := now
	svc := catalogue.New(pool, func() time.Time { mu.Lock(); defer mu.Unlock(); return clock })
	var partnership int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT min(id) FROM partnerships`).Scan(&partnership))
	managing := scope.Managing(ctx, partnership)

	// What a count of the sessions themselves says now, by course.
	truth := func() map[int64]int {
		mu.Lock()
		at := clock
		mu.Unlock()
		rows, err := pool.Query(ctx, `
			SELECT course_id, count(*) FROM sessions
			WHERE partnership_id = $1 AND starts_at > $2 AND status <> 'cancelled' GROUP BY course_id`, partnership, at)
		require.NoError(t, err)
		out := map[int64]int{}
		for rows.Next() {
			var id int64
			var n int
			require.NoError(t, rows.Scan(&id, &n))
			out[id] = n
		}
		require.NoError(t, rows.Err())
		return out
	}
	shown := func() map[int64]int {
		list, err := svc.ManagedCourses(managing)
		require.NoError(t, err)
		out := map[int64]int{}
		for _, c := range list {
			if c.UpcomingSessions > 0 {
				out[c.ID] = c.UpcomingSessions
			}
		}
		return out
	}
	// cancel cancels the last session to come, as another process would:
	// the database announces it, but this process is not told directly.
	cancel := func() {
		tag, err := pool.Exec(ctx, `
			UPDATE sessions SET status = 'cancelled', cancelled_reason = 'Trainer unwell' WHERE id = (
				SELECT id FROM sessions WHERE partnership_id = $1 AND starts_at > $2 AND status <> 'cancelled'
				ORDER BY starts_at DESC, id DESC LIMIT 1)`, partnership, now)
		require.NoError(t, err)
		require.EqualValues(t, 1, tag.RowsAffected())
	}

	first := truth()
	require.NotEmpty(t, first, "the demo has sessions to come")
	assert.Equal(t, first, shown())

	// A change this process makes (Changed, as every manager's change does)
	// is shown at once.
	cancel()
	svc.Changed()
	assert.Equal(t, truth(), shown())
	assert.NotEqual(t, first, truth())

	// Another process's change: while nobody listens, within a second.
	cancel()
	assert.Eventually(t, func() bool { return assert.ObjectsAreEqual(truth(), shown()) }, 3*time.Second, 50*time.Millisecond)

	// The first session starting changes the counts by time alone.
	var firstStart time.Time
	require.NoError(t, pool.QueryRow(ctx, `
		SELECT min(starts_at) FROM sessions WHERE partnership_id = $1 AND starts_at > $2 AND status <> 'cancelled'`,
		partnership, now).Scan(&firstStart))
	before := shown()
	mu.Lock()
	clock = firstStart
	mu.Unlock()
	assert.Equal(t, truth(), shown())
	assert.NotEqual(t, before, shown())

	// Listening, another process's change is shown as soon as it is heard.
	listenCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { svc.Listen(listenCtx, slog.New(slog.NewTextHandler(io.Discard, nil))) })
	t.Cleanup(func() { stop(); wg.Wait() })
	require.Eventually(t, svc.Listening, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, truth(), shown())
	cancel()
	assert.Eventually(t, func() bool { return assert.ObjectsAreEqual(truth(), shown()) }, 3*time.Second, 10*time.Millisecond)
}
