package web_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// programmeWidthAt320 is how wide a page lays out in a 320-pixel window: more
// than 320 means sideways scrolling.
func programmeWidthAt320(t *testing.T, b context.Context, address string) int {
	t.Helper()
	require.NoError(t, chromedp.Do(b, chromedp.EmulateViewport(browsertest.NarrowWidth, 800)))
	defer func() { require.NoError(t, chromedp.Do(b, chromedp.EmulateViewport(1280, 1024))) }()
	browsertest.Navigate(t, b, address)
	return browsertest.MeasureOverflow(t, b).Width
}

// A manager finds yesterday's session under past sessions, is warned before
// scheduling on Christmas Day, and sees who a cancellation will tell before
// it happens. Every page passes axe-core and reads at 320 pixels.
func TestBrowserProgrammePastHolidaysAndCancelling(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	ctx := context.Background()
	a.newUser(t, "programme@example.org", "", "manager")
	var course, online int64
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT id FROM courses WHERE slug = 'working-together-to-safeguard-children'").Scan(&course))
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT id FROM venues WHERE online ORDER BY id LIMIT 1").Scan(&online))
	trainer := a.newUser(t, "programme-trainer@example.org", "Hampshire and Isle of Wight Constabulary", "trainer")
	_, err := a.pool.Exec(ctx, "INSERT INTO trainer_courses (trainer_id, course_id) VALUES ($1, $2)", trainer, course)
	require.NoError(t, err)
	var past int64
	require.NoError(t, a.pool.QueryRow(ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT id, title, $2, $3::timestamptz, $3::timestamptz + interval '6 hours', $3::timestamptz - interval '3 days', 20, 'published'
		FROM courses WHERE id = $1 RETURNING id`, course, online, now.Add(-72*time.Hour)).Scan(&past))
	id := strconv.FormatInt(past, 10)

	b := browsertest.New(t)
	browsertest.Navigate(t, b, base+"/sign-in")
	require.NoError(t, chromedp.Do(b,
		chromedp.SendKeys(chromedp.ID("email"), "programme@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
	))
	follow(t, b, "form[action='/sign-in'] button[type=submit]")

	// Past sessions, by the filter's form.
	browsertest.Navigate(t, b, base+"/admin/sessions")
	require.NoError(t, chromedp.Do(b, chromedp.SetValue(chromedp.ID("when"), "past")))
	u := follow(t, b, "form[action='/admin/sessions'] button[type=submit]")
	assert.Equal(t, "past", u.Query().Get("when"))
	assert.Equal(t, "1 past session.", text(t, b, "main p.govuk-body"))
	checkPage(t, b)
	assert.LessOrEqual(t, programmeWidthAt320(t, b, base+"/admin/sessions?when=past"), 320)
	assert.LessOrEqual(t, programmeWidthAt320(t, b, base+"/admin/sessions"), 320)

	// It has ended: it can be marked as delivered.
	browsertest.Navigate(t, b, base+"/admin/sessions/"+id)
	assert.Equal(t, "Mark as delivered", text(t, b, "form[action$='/complete'] button"))
	checkPage(t, b)

	// Cancelling: first what it will do.
	follow(t, b, "a[href='/admin/sessions/"+id+"/cancel']")
	assert.Equal(t, "Cancel this session?", text(t, b, "h1"))
	assert.Equal(t, "No one is booked or waiting, so no one will be emailed.", text(t, b, "#told"))
	checkPage(t, b)
	assert.LessOrEqual(t, programmeWidthAt320(t, b, base+"/admin/sessions/"+id+"/cancel"), 320)
	followExpecting(t, b, "main form button[type=submit]", 422)
	assert.Contains(t, text(t, b, ".govuk-error-summary"), "Enter why the session is cancelled")
	checkPage(t, b)

	for _, page := range []string{"/admin/sessions/" + id, "/admin/sessions/new", "/admin/sessions/new?course=" + strconv.FormatInt(course, 10)} {
		assert.LessOrEqual(t, programmeWidthAt320(t, b, base+page), 320, page)
	}

	// Christmas Day: a warning, then confirmed.
	browsertest.Navigate(t, b, base+"/admin/sessions/new?course="+strconv.FormatInt(course, 10))
	require.NoError(t, chromedp.Do(b,
		chromedp.SendKeys(chromedp.ID("date-day"), "25"),
		chromedp.SendKeys(chromedp.ID("date-month"), "12"),
		chromedp.SendKeys(chromedp.ID("date-year"), "2026"),
		chromedp.SendKeys(chromedp.ID("start"), "9:30"),
		chromedp.SendKeys(chromedp.ID("end"), "12:30"),
		chromedp.SetValue(chromedp.ID("venue"), strconv.FormatInt(online, 10)),
		chromedp.Click(chromedp.ID("trainer-"+strconv.FormatInt(trainer, 10))),
	))
	follow(t, b, "main form button[type=submit]")
	assert.Contains(t, text(t, b, "main"), "Friday 25 December 2026 (bank holiday: Christmas Day)")
	checkPage(t, b)
	require.NoError(t, chromedp.Do(b, chromedp.Click(chromedp.ID("confirm-days"))))
	u = follow(t, b, "main form button[type=submit]")
	assert.Regexp(t, `^/admin/sessions/\d+$`, u.Path)
	assert.Contains(t, text(t, b, ".govuk-caption-l"), "Friday 25 December 2026")
}
