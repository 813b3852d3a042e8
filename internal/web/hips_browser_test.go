package web_test

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// The pages of HIPS (issue 22), as a Portsmouth manager and a practitioner
// see them with a second partnership on the service: Your partnership (and
// the form shown again with its errors), the courses with another
// partnership's HIPS course to offer and that course's page, the new-session
// form's choice of who may book, the HIPS-wide figures, and a HIPS course's
// public page with a session kept to its area, pass axe-core's rules and fit
// a 320px screen.
func TestBrowserHIPSPagesAreAccessibleAndFitANarrowScreen(t *testing.T) {
	t.Parallel()
	a := setup(t)
	ctx := context.Background()
	a.newUser(t, "manager@example.org", "", "manager")
	var hampshire, course int64
	require.NoError(t, a.pool.QueryRow(ctx, `
		INSERT INTO partnerships (slug, name, short_name, shares_figures)
		VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire', true) RETURNING id`).Scan(&hampshire))
	_, err := a.pool.Exec(ctx, `UPDATE partnerships SET shares_figures = true`)
	require.NoError(t, err)
	require.NoError(t, a.pool.QueryRow(ctx, `
		INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences, level,
		                     duration, delivery_modes, default_capacity, partnership_id, shared)
		SELECT 'hampshire-exploitation', 'Exploitation across Hampshire and the Isle of Wight', summary, description,
		       learning_outcomes, audience_description, audiences, level, duration, delivery_modes, default_capacity, $1, true
		FROM courses ORDER BY id LIMIT 1 RETURNING id`, hampshire).Scan(&course))
	_, err = a.pool.Exec(ctx, `
		WITH v AS (INSERT INTO venues (name, online, partnership_id) VALUES ('Hampshire online', true, $1) RETURNING id)
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status,
		                      meeting_url, partnership_id, own_area_only)
		SELECT $2, 'Exploitation across Hampshire and the Isle of Wight', v.id, $3::timestamptz, $3::timestamptz + interval '3 hours',
		       $3::timestamptz - interval '3 days', 20, 'published', 'https://meet.example.org/h', $1, true
		FROM v`, hampshire, course, a.clock.Now().Add(20*24*time.Hour))
	require.NoError(t, err)
	var own int64 // a Portsmouth course, to schedule
	require.NoError(t, a.pool.QueryRow(ctx, `SELECT min(id) FROM courses`).Scan(&own))
	b, _ := listening(t, a) // its directory reads both partnerships
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = b.app.Listener(ln) }()
	t.Cleanup(func() { _ = b.app.ShutdownWithTimeout(5 * time.Second) })
	base := "http://" + ln.Addr().String()

	wide := browsertest.New(t)
	signInBrowser(t, wide, base, "manager@example.org")
	narrow := narrowTab(t, base, "manager@example.org")
	pages := []string{
		"/admin/partnership",
		"/admin/courses",
		"/admin/courses/" + strconv.FormatInt(course, 10),
		"/admin/sessions/new?course=" + strconv.FormatInt(own, 10),
		"/admin/reports/hips",
		"/courses/hampshire-exploitation",
	}
	for _, path := range pages {
		resp := browsertest.Navigate(t, wide, base+path)
		require.Equal(t, int64(200), resp.Status, path)
		checkPage(t, wide)
		fitsNarrowScreen(t, narrow, base, path)
	}

	// The form shown again with its errors.
	browsertest.Navigate(t, wide, base+"/admin/partnership")
	require.NoError(t, chromedp.Do(wide, chromedp.Clear(chromedp.CSS("#name"))))
	submitExpecting(t, wide, `main form button[type=submit]`, 422)
	checkPage(t, wide)
}
