package catalogue

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/pgtest"
)

// A quiet listening connection is checked now and then, and a check that
// finds it well keeps it: listening throughout, it still hears changes.
func TestListenChecksAQuietConnectionAndKeepsIt(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	s := New(pool, time.Now)
	s.changes.quiet = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { s.Listen(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	require.Eventually(t, s.Listening, 10*time.Second, time.Millisecond)
	first, _ := s.Stamp()
	for range 15 { // several checks
		time.Sleep(10 * time.Millisecond)
		require.True(t, s.Listening())
	}
	stamp, _ := s.Stamp()
	assert.Equal(t, first, stamp, "no reconnection: a reconnection counts as a change")

	_, err := pool.Exec(context.Background(), "UPDATE venues SET name = name")
	require.NoError(t, err)
	require.Eventually(t, func() bool { st, ok := s.Stamp(); return ok && st > stamp }, 5*time.Second, time.Millisecond)
}
