package scheduling_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/scope"
)

// The programme's filter choices are kept for each partnership while the
// catalogue's stamp stands, and read again when it moves: a venue added
// shows once the stamp moves (a change this process made, or one it heard
// of), or within a second while the process hears nothing; each
// partnership keeps its own.
func TestProgrammeFilterChoicesAreKeptWhileTheCatalogueStands(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var stamp atomic.Uint64
	var listening atomic.Bool
	listening.Store(true)
	f.svc.CatalogueStamp = func() (uint64, bool) { return stamp.Load(), listening.Load() }
	var portsmouth, hampshire int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT min(id) FROM partnerships`).Scan(&portsmouth))
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO partnerships (slug, name, short_name)
		VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire') RETURNING id`).Scan(&hampshire))
	asPortsmouth, asHampshire := scope.Managing(f.ctx, portsmouth), scope.Managing(f.ctx, hampshire)

	venues := func(as context.Context) []string {
		t.Helper()
		p, err := f.svc.ProgrammePage(as, scheduling.ProgrammeFilter{}, 1)
		require.NoError(t, err)
		var names []string
		for _, v := range p.Choices.Venues {
			names = append(names, v.Name)
		}
		return names
	}
	addVenue := func(name string, partnership int64) {
		t.Helper()
		_, err := f.pool.Exec(f.ctx, `
			INSERT INTO venues (name, address_line1, town, postcode, capacity, partnership_id)
			VALUES ($1, '1 Guildhall Square', 'Portsmouth', 'PO1 2AL', 30, $2)`, name, partnership)
		require.NoError(t, err)
	}
	has := func(names []string, name string) bool {
		for _, n := range names {
			if len(n) >= len(name) && n[:len(name)] == name {
				return true
			}
		}
		return false
	}

	before := venues(asPortsmouth)
	require.NotEmpty(t, before)
	assert.Empty(t, venues(asHampshire), "Hampshire has no venues yet, and is not given Portsmouth's")

	// Kept while the stamp stands (and this process listens).
	addVenue("Civic Offices", portsmouth)
	assert.Equal(t, before, venues(asPortsmouth), "kept")
	// The stamp moved: read again.
	stamp.Add(1)
	assert.True(t, has(venues(asPortsmouth), "Civic Offices"), "read again once the stamp moved")
	assert.Empty(t, venues(asHampshire), "each partnership's own")

	// While nobody listens, another process's change shows within a second.
	listening.Store(false)
	addVenue("Guildhall", portsmouth)
	assert.Eventually(t, func() bool { return has(venues(asPortsmouth), "Guildhall") }, 3*time.Second, 50*time.Millisecond)

	// A month with its first session shows once the stamp moves.
	listening.Store(true)
	p, err := f.svc.ProgrammePage(asPortsmouth, scheduling.ProgrammeFilter{}, 1)
	require.NoError(t, err)
	require.Empty(t, p.Months, "no sessions yet")
	_, _, err = f.svc.Create(asPortsmouth, f.form("10", f.trainers[0]))
	require.NoError(t, err)
	p, err = f.svc.ProgrammePage(asPortsmouth, scheduling.ProgrammeFilter{}, 1)
	require.NoError(t, err)
	assert.Empty(t, p.Months, "kept while the stamp stands")
	assert.Len(t, p.Rows, 1, "the page's sessions are read every time")
	stamp.Add(1)
	p, err = f.svc.ProgrammePage(asPortsmouth, scheduling.ProgrammeFilter{}, 1)
	require.NoError(t, err)
	require.Len(t, p.Months, 1)
	assert.Equal(t, time.February, p.Months[0].Month())
}
