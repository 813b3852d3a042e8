package web_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// A manager schedules a session through the form, then tries to put another
// in the same room at the same time and is told what is in the way. Every
// page passes axe-core.
func TestBrowserScheduleASession(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	ctx := context.Background()
	a.newUser(t, "planner@example.org", "", "manager")
	var course, room int64
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT id FROM courses WHERE slug = 'working-together-to-safeguard-children'").Scan(&course))
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT min(id) FROM venues WHERE NOT online").Scan(&room))
	var trainers []int64
	for i, agency := range []string{"Portsmouth City Council", "Hampshire and Isle of Wight Constabulary"} {
		id := a.newUser(t, "deliverer"+strconv.Itoa(i)+"@example.org", agency, "trainer")
		_, err := a.pool.Exec(ctx, "INSERT INTO trainer_courses (trainer_id, course_id) VALUES ($1, $2)", id, course)
		require.NoError(t, err)
		trainers = append(trainers, id)
	}

	b := browsertest.New(t)
	browsertest.Navigate(t, b, base+"/sign-in")
	require.NoError(t, chromedp.Do(b,
		chromedp.SendKeys(chromedp.ID("email"), "planner@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
	))
	follow(t, b, "form[action='/sign-in'] button[type=submit]")

	browsertest.Navigate(t, b, base+"/admin/sessions")
	assert.Equal(t, "Programme", text(t, b, "h1"))
	checkPage(t, b)

	fill := func(start, end string) {
		t.Helper()
		require.NoError(t, chromedp.Do(b,
			chromedp.SendKeys(chromedp.ID("date-day"), "9"),
			chromedp.SendKeys(chromedp.ID("date-month"), "3"),
			chromedp.SendKeys(chromedp.ID("date-year"), "2028"),
			chromedp.SendKeys(chromedp.ID("start"), start),
			chromedp.SendKeys(chromedp.ID("end"), end),
			chromedp.SetValue(chromedp.ID("venue"), strconv.FormatInt(room, 10)),
			chromedp.Click(chromedp.ID("trainer-"+strconv.FormatInt(trainers[0], 10))),
		))
	}
	// The course first, then the rest of the form with its approved trainers.
	browsertest.Navigate(t, b, base+"/admin/sessions/new")
	checkPage(t, b)
	require.NoError(t, chromedp.Do(b, chromedp.SetValue(chromedp.ID("course"), strconv.FormatInt(course, 10))))
	follow(t, b, "main form button[type=submit]")
	assert.Equal(t, "Working Together to Safeguard Children", text(t, b, "#course-name"))
	assert.Contains(t, text(t, b, "#approved-heading"), "Approved for Working Together to Safeguard Children")
	checkPage(t, b)
	fill("9:30", "16:00")
	require.NoError(t, chromedp.Do(b, chromedp.Click(chromedp.ID("trainer-"+strconv.FormatInt(trainers[1], 10)))))
	u := follow(t, b, "main form button[type=submit]")
	assert.Regexp(t, `^/admin/sessions/\d+$`, u.Path)
	assert.Equal(t, "Working Together to Safeguard Children", text(t, b, "h1"))
	checkPage(t, b)
	follow(t, b, "form[action$='/publish'] button")
	assert.Contains(t, text(t, b, ".govuk-notification-banner"), "Session published")
	checkPage(t, b)

	// The same room, overlapping: refused, and the form says with what.
	browsertest.Navigate(t, b, base+"/admin/sessions/new?course="+strconv.FormatInt(course, 10))
	fill("13:00", "17:00")
	followExpecting(t, b, "main form button[type=submit]", 422)
	assert.Contains(t, text(t, b, ".govuk-error-summary"), "already booked for Working Together to Safeguard Children on Thursday 9 March 2028, 9:30am to 4pm")
	checkPage(t, b)
}
