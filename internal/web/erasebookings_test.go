package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Deleting an account frees the person's places on sessions still to come
// (offering them to the waiting list) and keeps their past attendance.
func TestDeletingAnAccountFreesItsPlaces(t *testing.T) {
	t.Parallel()
	a := setup(t)
	ctx := context.Background()
	leaver := a.newUser(t, "leaver@example.org", "")
	waiter := a.newUser(t, "waiter@example.org", "")
	var future, past int64
	require.NoError(t, a.pool.QueryRow(ctx, `
		UPDATE sessions SET capacity = 1 WHERE id = (
			SELECT id FROM sessions WHERE status = 'published' AND closed_to_agency_id IS NULL AND booking_cutoff_at > $1
			ORDER BY starts_at LIMIT 1) RETURNING id`, now).Scan(&future))
	require.NoError(t, a.pool.QueryRow(ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT course_id, course_title, venue_id, $1, $2, $1, 10, 'completed' FROM sessions WHERE id = $3 RETURNING id`,
		now.AddDate(0, -1, 0), now.AddDate(0, -1, 0).Add(3*60*60*1e9), future).Scan(&past))
	_, err := a.pool.Exec(ctx, `
		INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at, waiting_since, attendance,
		                      dietary_needs, line_manager_name, line_manager_email)
		VALUES ($1, $3, (SELECT agency_id FROM users WHERE id = $3), 'confirmed', $3, now(), now(), NULL, NULL, 'Vegan', 'Lee', 'lee@example.org'),
		       ($2, $3, (SELECT agency_id FROM users WHERE id = $3), 'confirmed', $3, now(), now(), NULL, 'attended', 'Halal', 'Lee', 'lee@example.org'),
		       ($1, $4, (SELECT agency_id FROM users WHERE id = $4), 'waiting', $4, now(), NULL, now(), NULL, '', '', '')`,
		future, past, leaver, waiter)
	require.NoError(t, err)

	c := a.client(t)
	c.signIn("leaver@example.org", testPassword)
	resp, _ := c.post("/account/delete", url.Values{"password": {testPassword}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	status := func(session, user int64) string {
		var s string
		require.NoError(t, a.pool.QueryRow(ctx, "SELECT status FROM bookings WHERE session_id = $1 AND user_id = $2", session, user).Scan(&s))
		return s
	}
	assert.Equal(t, "cancelled", status(future, leaver), "the future place is given up")
	assert.Equal(t, "offered", status(future, waiter), "and offered to the first person waiting")
	assert.Equal(t, "confirmed", status(past, leaver), "past attendance stays for the partnership's figures")
	var kept int
	require.NoError(t, a.pool.QueryRow(ctx, `SELECT count(*) FROM bookings WHERE user_id = $1
		AND (access_needs <> '' OR dietary_needs <> '' OR line_manager_name <> '' OR line_manager_email <> '')`, leaver).Scan(&kept))
	assert.Zero(t, kept, "their needs and line manager are forgotten")
	var toLeaver int
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT count(*) FROM emails WHERE to_address = 'leaver@example.org' AND subject LIKE 'Booking cancelled%'").Scan(&toLeaver))
	assert.Zero(t, toLeaver, "no email goes to an address being erased")
}
