package web_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// The trainers' pages, signed in through the real form as a manager who also
// trains, pass axe-core's WCAG 2.2 A and AA rules and log no console errors,
// including the time off form shown again with its errors.
func TestBrowserTrainerPagesAreAccessible(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	me := a.newUser(t, "lead@example.org", managerAgency, "manager", "trainer")
	other := a.newUser(t, "cotrainer@example.org", coordAgency, "trainer")
	w := trainerWorld{testApp: a}
	ctx := context.Background()
	require.NoError(t, a.pool.QueryRow(ctx,
		"SELECT id, title FROM courses WHERE retired_at IS NULL ORDER BY id LIMIT 1").Scan(&w.course, &w.courseTitle))
	require.NoError(t, a.pool.QueryRow(ctx,
		"INSERT INTO venues (name, online) VALUES ('Trainers Test Teams', true) RETURNING id").Scan(&w.online))
	sid := w.session(t, w.online, londonAt(2026, 12, 1, 9, 30), londonAt(2026, 12, 1, 16, 0), "published", me, other)
	w.session(t, w.online, londonAt(2026, 10, 1, 9, 30), londonAt(2026, 10, 1, 12, 0), "completed", me)

	tab := browsertest.New(t)
	signInBrowser(t, tab, base, "lead@example.org")

	resp := browsertest.Navigate(t, tab, base+"/admin/trainers")
	require.Equal(t, int64(200), resp.Status)
	assert.Equal(t, "Trainers", text(t, tab, "h1"))
	checkPage(t, tab)

	u := follow(t, tab, `a[href="/admin/trainers/`+id(me)+`"]`)
	assert.Equal(t, "/admin/trainers/"+id(me), u.Path)
	assert.Equal(t, "Lead Tester", text(t, tab, "h1"))
	checkPage(t, tab)

	// An empty time off form comes back with its errors.
	u = followExpecting(t, tab, `form[action$="/time-off"] button[type=submit]`, 422)
	assert.Equal(t, "/admin/trainers/"+id(me)+"/time-off", u.Path)
	assert.Contains(t, text(t, tab, ".govuk-error-summary"), "Enter the first day")
	checkPage(t, tab)

	// Saving courses leads back to the page with a notice.
	follow(t, tab, `form[action$="/courses"] button[type=submit]`)
	assert.Contains(t, text(t, tab, ".govuk-notification-banner"), "Courses saved")
	checkPage(t, tab)

	resp = browsertest.Navigate(t, tab, base+"/trainer/sessions")
	require.Equal(t, int64(200), resp.Status)
	assert.Equal(t, "My sessions", text(t, tab, "h1"))
	assert.Regexp(t, `/calendar/[A-Za-z0-9_-]{43}\.ics$`, text(t, tab, "#feed-url"))
	checkPage(t, tab)

	u = follow(t, tab, `a[href="/trainer/sessions/`+id(sid)+`"]`)
	assert.Equal(t, "/trainer/sessions/"+id(sid), u.Path)
	assert.Equal(t, w.courseTitle, text(t, tab, "h1"))
	assert.Contains(t, text(t, tab, "#no-attendees"), "No one has booked yet")
	checkPage(t, tab)
}
