package booking_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
)

// The coordinator's list reads each booking's session start from the
// booking (migration 00064): it follows the session when the session
// moves.
func TestAgencyListFollowsAMovedSession(t *testing.T) {
	t.Parallel()
	f := setup(t)
	coord := f.person(t, "coordinator", f.agency)
	coord.Coordinator = true
	soon, later := f.session(t, 5, 10), f.session(t, 5, 20)
	id := f.bookAll(t, soon, f.person(t, "mover", f.agency))[0]
	stale := func() (n int) {
		t.Helper()
		require.NoError(t, f.pool.QueryRow(f.ctx, `
			SELECT count(*) FROM bookings b JOIN sessions s ON s.id = b.session_id
			WHERE b.session_starts_at IS DISTINCT FROM s.starts_at`).Scan(&n))
		return n
	}
	assert.Zero(t, stale(), "a booking made knows its session's start")

	// The session moves ten days later, past the other one: between the
	// two dates the place is still to come, and after the other session.
	_, err := f.pool.Exec(f.ctx, `
		UPDATE sessions SET starts_at = starts_at + interval '15 days', ends_at = ends_at + interval '15 days',
		                    booking_cutoff_at = booking_cutoff_at + interval '15 days'
		WHERE id = $1`, soon)
	require.NoError(t, err)
	assert.Zero(t, stale(), "the session moved: its bookings follow")
	other := f.bookAll(t, later, f.person(t, "stayer", f.agency))[0]

	f.clock.Set(start.Add(15 * 24 * time.Hour))
	l, err := f.svc.AgencyBookings(actor.With(f.ctx, coord), booking.AgencyFilter{})
	require.NoError(t, err)
	require.Equal(t, []int64{other, id}, agencyBookingIDs(l.Upcoming), "soonest first, by the session's new start")
	assert.True(t, l.Upcoming[1].StartsAt.Equal(start.Add(25*24*time.Hour)))
	assert.Empty(t, l.Past)
}
