package booking_test

import (
	"fmt"

	"testing"
	"time"

	"github.com/jackc/pgx/v5"

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

// Every group of the coordinator's list, page after page, is the agency's
// bookings of that group in the group's order, with or without a search:
// by the session's start, then by name, where many bookings share a start
// across a page's end (the unsearched list reads each group only up to its
// page's last start, AgencyBookingsPage).
func TestAgencyListPagesEveryGroupInItsOrder(t *testing.T) {
	t.Parallel()
	f := setup(t)
	coord := f.person(t, "coordinator", f.agency)
	coord.Coordinator = true
	day := 24 * time.Hour

	// Two sessions at one start and a third later, to come and past. Most
	// groups have more than a page at their first start; the places to
	// come have a page's worth exactly, so the next page's first is also
	// the first of the next start.
	soonA, soonB, later := f.session(t, 200, 20), f.session(t, 200, 20), f.session(t, 200, 25)
	pastA, pastB, earlier := f.session(t, 200, 4), f.session(t, 200, 4), f.session(t, 200, 2)
	var people []int64
	for i := range 48 {
		people = append(people, f.person(t, fmt.Sprintf("p%02d", i), f.agency).ID)
	}
	// Names out of the order of ids, some alike.
	_, err := f.pool.Exec(f.ctx, `UPDATE users SET full_name = 'Person ' || (array_position($1, id) * 29 % 40)
		WHERE id = ANY($1)`, people)
	require.NoError(t, err)
	outsider := f.person(t, "outsider", f.other).ID
	add := func(session int64, who []int64, status string, late bool, attendance any) {
		t.Helper()
		_, err := f.pool.Exec(f.ctx, `
			INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at,
			                      ended_at, late, waiting_since, offer_expires_at, approval_expires_at, attendance)
			SELECT $1, u.id, u.agency_id, $3::booking_status, u.id, $5::timestamptz,
			       CASE WHEN $3 IN ('confirmed', 'cancelled') THEN $5::timestamptz END,
			       CASE WHEN $3 = 'cancelled' THEN $5::timestamptz END, $4,
			       CASE WHEN $3 IN ('waiting', 'offered') THEN $5::timestamptz END,
			       CASE WHEN $3 = 'offered' THEN $5::timestamptz + interval '30 days' END,
			       CASE WHEN $3 = 'awaiting_approval' THEN $5::timestamptz + interval '30 days' END, $6
			FROM users u WHERE u.id = ANY($2) ORDER BY u.id`, session, who, status, late, start, attendance)
		require.NoError(t, err)
	}
	add(soonA, people[:12], "confirmed", false, nil)
	add(soonB, people[18:27], "confirmed", false, nil)
	add(soonB, people[34:36], "offered", false, nil)
	add(soonB, append([]int64{outsider}, people[36:38]...), "awaiting_approval", false, nil)
	add(later, people[:6], "confirmed", false, nil)
	add(soonA, people[18:44], "waiting", false, nil)
	add(soonB, people[:12], "waiting", false, nil)
	add(later, people[6:20], "waiting", false, nil)
	add(pastA, people[:20], "confirmed", false, "absent")
	add(pastA, append([]int64{outsider}, people[20:30]...), "confirmed", false, "attended")
	add(pastB, people[30:40], "confirmed", false, nil)
	add(earlier, people[:8], "confirmed", false, "absent")
	add(pastB, people[:30], "cancelled", true, nil)
	add(later, append([]int64{outsider}, people[20:30]...), "cancelled", true, nil)
	add(earlier, people[10:20], "cancelled", false, nil)

	// What each group holds, in its order, as the list's definition reads:
	// every booking of the agency's, sorted.
	now := start.Add(10 * day)
	f.clock.Set(now)
	want := func(where, order string, now ...any) []int64 {
		t.Helper()
		rows, err := f.pool.Query(f.ctx, `
			SELECT b.id FROM bookings b JOIN users u ON u.id = b.user_id JOIN sessions s ON s.id = b.session_id
			WHERE b.agency_id = $1 AND `+where+` ORDER BY s.starts_at `+order+`, u.full_name, b.id`, append([]any{f.agency}, now...)...)
		require.NoError(t, err)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		require.NoError(t, err)
		return ids
	}
	groups := map[booking.AgencyGroup][]int64{
		booking.GroupUpcoming: want(`s.starts_at > $2 AND (b.status IN ('confirmed', 'awaiting_approval')
			OR b.status = 'offered' AND b.offer_expires_at > $2)`, "", now),
		booking.GroupWaiting:           want(`s.starts_at > $2 AND b.status = 'waiting'`, "", now),
		booking.GroupPast:              want(`s.starts_at <= $2 AND b.status = 'confirmed'`, "DESC", now),
		booking.GroupLateCancellations: want(`b.status = 'cancelled' AND b.late`, "DESC"),
		booking.GroupNonAttendance:     want(`b.attendance = 'absent'`, "DESC"),
	}
	for g, ids := range groups {
		require.Greater(t, len(ids), booking.AgencyPageSize, "%s: more than a page", g)
	}
	require.Len(t, want(`s.id IN ($2, $3) AND b.status <> 'waiting' AND b.status <> 'cancelled'`, "", soonA, soonB),
		booking.AgencyPageSize, "places to come at the first start")

	ctx := actor.With(f.ctx, coord)
	for _, search := range []string{"", "example.org"} {
		l, err := f.svc.AgencyBookings(ctx, booking.AgencyFilter{Search: search})
		require.NoError(t, err)
		for g, ids := range groups {
			got, more := l.Group(g)
			assert.Equal(t, ids[:booking.AgencyPreviewSize], agencyBookingIDs(got), "%s, the first of %s", search, g)
			assert.True(t, more, "%s: more of %s", search, g)
		}
		for g, ids := range groups {
			var all []int64
			for page := 1; ; page++ {
				l, err := f.svc.AgencyBookings(ctx, booking.AgencyFilter{Search: search, Group: g, Page: page})
				require.NoError(t, err)
				got, more := l.Group(g)
				require.LessOrEqual(t, len(got), booking.AgencyPageSize)
				all = append(all, agencyBookingIDs(got)...)
				for _, other := range booking.AgencyGroups {
					if other != g {
						none, _ := l.Group(other)
						assert.Empty(t, none, "%s: page %d of %s lists %s", search, page, g, other)
					}
				}
				if !more {
					break
				}
			}
			assert.Equal(t, ids, all, "%q: every page of %s", search, g)
		}
	}
}
