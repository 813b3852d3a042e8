package scheduling_test

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/validation"
	"github.com/pscp/booktraining/internal/venue"
)

// roomsOverfilled counts the sessions to come with more places than their
// room holds.
func roomsOverfilled(t *testing.T, f fixture) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		SELECT count(*) FROM sessions s JOIN venues v ON v.id = s.venue_id
		WHERE s.capacity > v.capacity AND s.status IN ('draft', 'published') AND s.ends_at > now()`).Scan(&n))
	return n
}

// Two managers at once: one schedules a session filling the room (30
// places) while the other makes the room smaller (20). Whichever goes
// first, exactly one of them succeeds, the other is told why on the form
// (never a 500), and no session to come has more places than its room.
func TestRoomCapacityHoldsAgainstTwoManagersAtOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	venues := venue.New(f.pool, time.Now) // the database's own clock decides what is "to come"
	var manager int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		WITH u AS (INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
		           VALUES ('manager@example.org', 'Helen Carter', 'Training manager', (SELECT id FROM agencies ORDER BY id LIMIT 1), '!', now()) RETURNING id)
		INSERT INTO user_roles (user_id, role) SELECT id, 'manager' FROM u RETURNING user_id`).Scan(&manager))
	room := f.rooms[0]
	year := time.Now().Year() + 1
	var days []string // weekdays of February next year
	for d := time.Date(year, time.February, 1, 12, 0, 0, 0, time.UTC); len(days) < 8; d = d.AddDate(0, 0, 1) {
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			days = append(days, strconv.Itoa(d.Day()))
		}
	}
	for round := range 8 {
		_, err := f.pool.Exec(f.ctx, "DELETE FROM session_trainers")
		require.NoError(t, err)
		_, err = f.pool.Exec(f.ctx, "DELETE FROM sessions")
		require.NoError(t, err)
		_, err = f.pool.Exec(f.ctx, "UPDATE venues SET capacity = 30 WHERE id = $1", room)
		require.NoError(t, err)
		form := f.form(days[round], f.trainers[round])
		form.Year, form.VenueID, form.Capacity = strconv.Itoa(year), room, "30"
		v, err := venues.Get(f.ctx, room)
		require.NoError(t, err)
		smaller := venue.FormOf(v)
		smaller.Capacity = "20"

		asManager := actor.With(f.ctx, actor.Actor{ID: manager, Manager: true})
		var schedErr, roomErr error
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Add(2)
		go func() { defer wg.Done(); <-start; _, _, schedErr = f.svc.Create(f.ctx, form) }()
		go func() { defer wg.Done(); <-start; roomErr = venues.Update(asManager, room, smaller) }()
		close(start)
		wg.Wait()

		for _, err := range []error{schedErr, roomErr} {
			var verr *validation.Errors
			if err != nil && !errors.As(err, &verr) {
				t.Fatalf("round %d: not a form error: %v", round, err)
			}
		}
		assert.True(t, (schedErr == nil) != (roomErr == nil), "round %d: exactly one wins (session: %v, room: %v)", round, schedErr, roomErr)
		assert.Zero(t, roomsOverfilled(t, f), "round %d", round)
	}
}

// The rule is the database's: a session cannot be given more places than
// its room holds, nor a room made smaller than a session to come there,
// whatever writes it.
func TestDatabaseGuardsTheRoomCapacity(t *testing.T) {
	t.Parallel()
	f := setup(t)
	room := f.rooms[0]
	_, err := f.pool.Exec(f.ctx, "UPDATE venues SET capacity = 30 WHERE id = $1", room)
	require.NoError(t, err)
	form := f.form("10", f.trainers[0])
	form.Year, form.VenueID, form.Capacity = strconv.Itoa(time.Now().Year()+1), room, "30" // 10 February: a weekday in 2027
	id, _, err := f.svc.Create(f.ctx, form)
	require.NoError(t, err)

	_, err = f.pool.Exec(f.ctx, "UPDATE sessions SET capacity = 31 WHERE id = $1", id)
	assert.True(t, pgerr.Violates(err, "sessions_within_room_capacity"), "more places than the room: %v", err)
	_, err = f.pool.Exec(f.ctx, "UPDATE venues SET capacity = 29 WHERE id = $1", room)
	assert.True(t, pgerr.Violates(err, "venues_hold_their_sessions"), "a room smaller than a session to come: %v", err)
	assert.NotNil(t, scheduling.RoomMadeSmaller(func() error {
		_, err := f.pool.Exec(f.ctx, "UPDATE sessions SET capacity = 31 WHERE id = $1", id)
		return err
	}()), "said on the form")

	// A cancelled session no longer holds the room to its size.
	require.NoError(t, f.svc.Cancel(f.ctx, id, "Trainer ill"))
	_, err = f.pool.Exec(f.ctx, "UPDATE venues SET capacity = 20 WHERE id = $1", room)
	assert.NoError(t, err)
	assert.Zero(t, roomsOverfilled(t, f))
}
