package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A pool whose connection a test never gave back does not close, and
// closeWithin says so instead of waiting; once it is given back, it closes.
func TestClosingWaitsOnlySoLongForALeftConnection(t *testing.T) {
	t.Parallel()
	pool := New(t)
	ctx := context.Background()
	second, err := pgxpool.NewWithConfig(ctx, pool.Config())
	require.NoError(t, err)
	tx, err := second.Begin(ctx)
	require.NoError(t, err)
	assert.False(t, closeWithin(second, 200*time.Millisecond), "a transaction still open keeps the pool from closing")
	require.NoError(t, tx.Rollback(ctx))
	assert.Eventually(t, func() bool { return second.Stat().TotalConns() == 0 }, 5*time.Second, 20*time.Millisecond,
		"given back, the connection is closed with its pool")

	third, err := pgxpool.NewWithConfig(ctx, pool.Config())
	require.NoError(t, err)
	require.NoError(t, third.Ping(ctx))
	assert.True(t, closeWithin(third, 5*time.Second), "a pool with nothing held closes at once")
}
