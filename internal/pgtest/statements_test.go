package pgtest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/pgtest"
)

// A counted pool lists what it sends, in order, but not River's own
// housekeeping queries (named PG…); the pool it was made from is not counted.
func TestCountedListsTheStatementsSent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	counted, statements := pgtest.Counted(t, pool)

	n := statements.During(func() {
		var one, two int
		require.NoError(t, counted.QueryRow(ctx, "SELECT 1").Scan(&one))
		require.NoError(t, counted.QueryRow(ctx, "SELECT 2").Scan(&two))
		_, err := counted.Exec(ctx, "-- name: PGNotifyMany :exec\nSELECT 3")
		require.NoError(t, err)
		_, err = pool.Exec(ctx, "SELECT 4")
		require.NoError(t, err)
	})
	assert.Equal(t, 2, n)
	assert.Equal(t, []string{"SELECT 1", "SELECT 2"}, statements.List())
	statements.Reset()
	assert.Zero(t, statements.Count())
	assert.Empty(t, statements.List())
}
