package scheduling_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/scheduling"
)

// CheckTx reads in the transaction that acts on its plan: it sees a session
// that transaction has just made (and not yet committed) as a clash, which
// a check outside it does not, and the session being changed is not its
// own clash.
func TestCheckTxReadsInTheActingTransaction(t *testing.T) {
	t.Parallel()
	f := setup(t)
	rolledBack := errors.New("rolled back")
	err := pgx.BeginFunc(f.ctx, f.pool, func(tx pgx.Tx) error {
		p, err := f.svc.CheckTx(f.ctx, tx, f.form("10", f.trainers[0]), 0)
		require.NoError(t, err)
		id, err := f.svc.CreatePublishedTx(f.ctx, tx, p, "TR-00001")
		require.NoError(t, err)

		_, err = f.svc.CheckTx(f.ctx, tx, f.form("10", f.trainers[1]), 0)
		var clash *scheduling.ClashError
		require.ErrorAs(t, err, &clash, "the room is taken in this transaction")
		require.Len(t, clash.Clashes, 1)
		assert.Equal(t, "room", clash.Clashes[0].Kind)
		assert.Equal(t, id, clash.Clashes[0].SessionID)

		_, err = f.svc.Check(f.ctx, f.form("10", f.trainers[1]), 0)
		assert.NoError(t, err, "outside the transaction the session is not there yet")

		_, err = f.svc.CheckTx(f.ctx, tx, f.form("10", f.trainers[0]), id)
		assert.NoError(t, err, "a session moved to its own slot does not clash with itself")
		return rolledBack
	})
	require.ErrorIs(t, err, rolledBack)
	assert.Zero(t, sessions(t, f))
}

// Two managers move two sessions into the same room at the same time, at
// once: one move is saved, the other is told what is in the way and leaves
// its session as it was.
func TestTwoSessionsMovedIntoOneSlotAtOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a, _, err := f.svc.Create(f.ctx, f.form("10", f.trainers[0]))
	require.NoError(t, err)
	b, _, err := f.svc.Create(f.ctx, f.form("11", f.trainers[1]))
	require.NoError(t, err)

	ids := []int64{a, b}
	errs := make([]error, 2)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, id := range ids {
		form := f.form("12", f.trainers[i])
		form.VenueID = f.rooms[2]
		wg.Go(func() {
			<-start
			_, errs[i] = f.svc.Move(f.ctx, id, form)
		})
	}
	close(start)
	wg.Wait()

	won, lost := -1, -1
	for i, err := range errs {
		var clash *scheduling.ClashError
		switch {
		case err == nil:
			won = i
		case errors.As(err, &clash):
			lost = i
			require.NotEmpty(t, clash.Clashes)
			assert.Equal(t, "room", clash.Clashes[0].Kind)
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	require.NotEqual(t, -1, won, "one move is saved")
	require.NotEqual(t, -1, lost, "the other is refused")
	moved, err := f.svc.Get(f.ctx, ids[won])
	require.NoError(t, err)
	assert.Equal(t, 12, moved.StartsAt.Day())
	assert.Equal(t, f.rooms[2], moved.VenueID)
	kept, err := f.svc.Get(f.ctx, ids[lost])
	require.NoError(t, err)
	assert.Equal(t, 10+lost, kept.StartsAt.Day(), "the refused session stays where it was")
	assert.Equal(t, f.rooms[0], kept.VenueID)
	var audited int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM audit_events WHERE action = 'session_moved'").Scan(&audited))
	assert.Equal(t, 1, audited, "only the saved move is audited")
}
