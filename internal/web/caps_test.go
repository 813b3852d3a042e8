package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// capSession caps session at agencyCap places per agency until ten days
// before... the test clock's now plus in.
func capSession(t *testing.T, a testApp, session int64, agencyCap int, release time.Time) {
	t.Helper()
	_, err := a.pool.Exec(context.Background(),
		"UPDATE sessions SET agency_cap = $2, caps_release_at = $3 WHERE id = $1", session, agencyCap, release)
	require.NoError(t, err)
}

// TestPlacesPerAgencyFromCourseToBooking: the manager sets a course's places
// per agency (bad input refused, nothing saved); a practitioner whose agency
// holds its share is told why and may join the waiting list; the manager's
// list shows each agency's share, and a manager books past the cap only
// with a reason, which the list shows.
func TestPlacesPerAgencyFromCourseToBooking(t *testing.T) {
	t.Parallel()
	f := setupList(t, 10)
	a, boss := f.a, f.boss
	ctx := context.Background()

	var course int64
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT course_id FROM sessions WHERE id = $1", f.session).Scan(&course))
	capsPath := fmt.Sprintf("/admin/courses/%d/caps", course)
	_, page := boss.get(fmt.Sprintf("/admin/courses/%d", course))
	assert.Contains(t, page, `href="`+capsPath+`"`)
	resp, page := boss.get(capsPath)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Places per agency")
	resp, page = boss.post(capsPath, url.Values{"agency-cap": {"999"}, "sector-cap": {"x"}, "cap-release": {"120"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	summary := errorSummary(page)
	assert.Contains(t, summary, "cannot be more than the course’s")
	assert.Contains(t, page, `value="999"`, "what was typed is kept")
	var caps *int
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT default_agency_cap FROM courses WHERE id = $1", course).Scan(&caps))
	assert.Nil(t, caps, "nothing saved")
	resp, _ = boss.post(capsPath, url.Values{"agency-cap": {"2"}, "sector-cap": {"0"}, "cap-release": {"7"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT default_agency_cap FROM courses WHERE id = $1", course).Scan(&caps))
	require.NotNil(t, caps)
	assert.Equal(t, 2, *caps)

	// The session's own form refuses a cap above its places.
	edit := fmt.Sprintf("/admin/sessions/%d/edit", f.session)
	resp, page = boss.get(edit)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, `name="agency-cap"`)

	// A session capped at one place per agency, for a week yet.
	release := a.clock.Now().Add(7 * 24 * time.Hour)
	capSession(t, a, f.session, 1, release)
	f.bookIn(t, "first@example.org", f.session)
	second := a.newUser(t, "second@example.org", "")
	c := a.as(t, "second@example.org")
	book := fmt.Sprintf("/sessions/%d/book", f.session)
	resp, page = c.get(book)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Join the waiting list</h1>", "a place is free, but not to their agency")
	assert.Contains(t, page, "each agency may hold 1 of its places until")
	assert.Contains(t, page, "Your agency: Portsmouth City Council holds 1 of the 1 place it may have.")
	assert.Contains(t, page, `name="join-waiting-list" value="yes"`)
	// Posted without the waiting list (an old form, or by hand): told why, nothing booked.
	resp, page = c.post(book, bookingDetails())
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "Your agency has just taken all the places it may have for now")
	var n int
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT count(*) FROM bookings WHERE user_id = $1", second).Scan(&n))
	assert.Zero(t, n)
	resp, _ = c.post(book, with(bookingDetails(), "join-waiting-list", "yes"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.True(t, strings.HasSuffix(resp.Header.Get("Location"), "?done=waiting"), resp.Header.Get("Location"))

	// The manager's list: each agency's share.
	_, page = boss.get(f.list(f.session))
	assert.Contains(t, page, "Places by agency")
	assert.Contains(t, page, "Cap reached")

	// Adding a third of the agency: refused without a reason, booked with one.
	a.newUser(t, "third@example.org", "")
	add := f.list(f.session) + "/add"
	_, page = boss.get(add)
	assert.Contains(t, page, `name="cap-reason"`)
	resp, page = boss.post(add, with(bookingDetails(), "person-email", "third@example.org"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "To keep the session multi-agency")
	resp, _ = boss.post(add, with(bookingDetails(), "person-email", "third@example.org", "cap-reason", "Their team's only designated lead"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = boss.get(f.list(f.session))
	assert.Contains(t, page, "Past the agency’s cap: Their team&#39;s only designated lead")
	assert.Contains(t, page, "1 past the cap")
}

// Only training managers set places per agency or book past a cap.
func TestPlacesPerAgencyAreForManagersOnly(t *testing.T) {
	t.Parallel()
	f := setupList(t, 10)
	a := f.a
	ctx := context.Background()
	capSession(t, a, f.session, 1, a.clock.Now().Add(7*24*time.Hour))
	f.bookIn(t, "first@example.org", f.session)
	var course int64
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT course_id FROM sessions WHERE id = $1", f.session).Scan(&course))
	capsPath := fmt.Sprintf("/admin/courses/%d/caps", course)
	for _, role := range []string{"", "trainer", "coordinator"} {
		addr := "as-" + role + "@example.org"
		var roles []string
		if role != "" {
			roles = append(roles, role)
		}
		a.newUser(t, addr, "", roles...)
		c := a.as(t, addr)
		resp, _ := c.get(capsPath)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, role)
		c.get("/account")
		resp, _ = c.post(capsPath, url.Values{"agency-cap": {"1"}, "cap-release": {"90"}})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, role)
		// Booking with a reason of their own: the cap still holds.
		resp, page := c.post(fmt.Sprintf("/sessions/%d/book", f.session), with(bookingDetails(), "cap-reason", "Let me in"))
		assert.Equal(t, http.StatusConflict, resp.StatusCode, role)
		assert.Contains(t, page, "Join the waiting list", role)
	}
	var caps *int
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT default_agency_cap FROM courses WHERE id = $1", course).Scan(&caps))
	assert.Nil(t, caps, "nothing changed")
	var places int
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT seats_taken FROM sessions WHERE id = $1", f.session).Scan(&places))
	assert.Equal(t, 1, places)
}
