package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// The manager's home and the month calendar pass axe-core at a desktop's
// width and at 320 pixels, where the calendar is a list of the days that
// have sessions and nothing scrolls sideways. Screenshots of each are kept
// (their paths are in the test's log) to be looked at.
func TestBrowserAdminHomeAndCalendar(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	ctx := context.Background()
	a.newUser(t, "home@example.org", "", "manager")
	// Something to do: an email given up on, so the page has both lists.
	_, err := a.pool.Exec(ctx, `INSERT INTO emails (to_address, subject, body_text, created_at, failed_at, last_error)
	                           VALUES ('x@example.org', 'Hi', 'Hi', $1, $1, 'mailbox unavailable')`, now.Add(-time.Hour))
	require.NoError(t, err)

	b := browsertest.New(t)
	require.NoError(t, chromedp.Do(b, chromedp.EmulateViewport(1280, 1024)))
	signInBrowser(t, b, base, "home@example.org")

	browsertest.Navigate(t, b, base+"/admin")
	assert.Equal(t, "What needs doing", text(t, b, "h1"))
	assert.Contains(t, text(t, b, "#todo-emails"), "1 email that could not be delivered")
	checkPage(t, b)
	browsertest.Screenshot(t, b, "admin-home-desktop")
	require.NoError(t, chromedp.Do(b, chromedp.Click(chromedp.CSS("#nothing-waiting summary"))))
	checkPage(t, b)

	// The header's Manage and the calendar's links.
	browsertest.Navigate(t, b, base+"/courses")
	u := follow(t, b, "#navigation a[href='/admin']")
	assert.Equal(t, "/admin", u.Path)
	u = follow(t, b, "a[href='/admin/sessions/calendar']")
	assert.Equal(t, "/admin/sessions/calendar", u.Path)
	assert.Equal(t, "November 2026", text(t, b, "h1"))
	checkPage(t, b)
	browsertest.Screenshot(t, b, "calendar-desktop")
	u = follow(t, b, "#next-month")
	assert.Equal(t, "2026-12", u.Query().Get("month"))
	assert.Equal(t, "December 2026", text(t, b, "h1"))
	checkPage(t, b)
	browsertest.Screenshot(t, b, "calendar-december-desktop")
	require.NoError(t, chromedp.Do(b, chromedp.ScrollIntoView(chromedp.CSS("#day-2026-12-14"))))
	browsertest.Screenshot(t, b, "calendar-december-desktop-lower")
	follow(t, b, "#list-view")
	assert.Equal(t, "Programme", text(t, b, "h1"))
	u = follow(t, b, "#month-view")
	assert.Equal(t, "/admin/sessions/calendar", u.Path)

	// At 320 pixels.
	require.NoError(t, chromedp.Do(b, chromedp.EmulateViewport(browsertest.NarrowWidth, 800)))
	for _, p := range []string{"/admin", "/admin/sessions/calendar", "/admin/sessions/calendar?month=2026-12", "/admin/sessions/calendar?month=bad"} {
		fitsNarrowScreen(t, b, base, p)
		browsertest.Screenshot(t, b, "narrow "+p)
	}
	// The calendar is a list: days of other months and days with nothing
	// on are not shown; a day with sessions shows its full date.
	browsertest.Navigate(t, b, base+"/admin/sessions/calendar?month=2026-12")
	require.NoError(t, chromedp.Do(b, chromedp.ScrollIntoView(chromedp.CSS("#calendar"))))
	browsertest.Screenshot(t, b, "narrow calendar list")
	shown, err := chromedp.Run(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.app-calendar__day')]
		.filter(d => getComputedStyle(d).display !== 'none').map(d => d.id)`))
	require.NoError(t, err)
	require.NotEmpty(t, shown)
	outsideShown, err := chromedp.Run(b, chromedp.Evaluate[bool](`[...document.querySelectorAll('.app-calendar__day--outside')].some(d => getComputedStyle(d).display !== 'none')`))
	require.NoError(t, err)
	emptyShown, err := chromedp.Run(b, chromedp.Evaluate[bool](`[...document.querySelectorAll('.app-calendar__day--empty')].some(d => getComputedStyle(d).display !== 'none')`))
	require.NoError(t, err)
	assert.False(t, outsideShown, "days of other months are hidden at 320px")
	assert.False(t, emptyShown, "days without sessions are hidden at 320px")
	assert.Regexp(t, `^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d+ December 2026`, text(t, b, "#"+shown[0]+" .app-calendar__date"))
}
