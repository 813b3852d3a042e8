package audit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/pgtest"
)

// TestRecordTxCommitsWithTheChange: an entry written with RecordTx is part of
// the caller's transaction: gone if it rolls back, in the log, as written,
// once it commits.
func TestRecordTxCommitsWithTheChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	pat := person(t, pool, "Pat")
	at := time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)
	log := audit.NewLog(pool, func() time.Time { return at })
	e := audit.Event{
		Action: audit.Action("test_action"), ActorID: &pat, SubjectID: &pat, IP: "192.0.2.7",
		Details: map[string]any{"what": "a change"},
	}

	refused := errors.New("refused")
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		require.NoError(t, audit.RecordTx(ctx, tx, at, e))
		return refused
	})
	require.ErrorIs(t, err, refused)
	entries, total, _, err := log.List(ctx, audit.Filter{UserID: &pat}, 1)
	require.NoError(t, err)
	assert.Zero(t, total, "the entry rolled back with its transaction")
	assert.Empty(t, entries)

	require.NoError(t, pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return audit.RecordTx(ctx, tx, at, e)
	}))
	entries, total, _, err = log.List(ctx, audit.Filter{UserID: &pat}, 1)
	require.NoError(t, err)
	require.Equal(t, 1, total)
	got := entries[0]
	assert.Equal(t, e.Action, got.Action)
	assert.Equal(t, &pat, got.ActorID)
	assert.Equal(t, &pat, got.SubjectID)
	assert.Equal(t, "192.0.2.7", got.IP)
	assert.Equal(t, map[string]any{"what": "a change"}, got.Details)
	assert.True(t, at.Equal(got.At), "at %v", got.At)
}
