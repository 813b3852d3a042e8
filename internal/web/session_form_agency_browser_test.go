package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// On a 320px screen, by keyboard once the form is filled: the agency of a
// session for one agency is typed, Enter sends it, the name matches two
// agencies, the form comes back (axe-clean, nothing scrolling sideways)
// offering both, and Tab, Space, the arrow key and Enter choose the second
// and schedule the session for it.
func TestBrowserASessionForOneAgencyByKeyboardOnASmallScreen(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	ctx := context.Background()
	a.newUser(t, "agency-planner@example.org", "", "manager")
	var course, room, trainer, south int64
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT id FROM courses WHERE slug = 'working-together-to-safeguard-children'").Scan(&course))
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT min(id) FROM venues WHERE NOT online").Scan(&room))
	trainer = a.newUser(t, "agency-deliverer@example.org", "Portsmouth City Council", "trainer")
	_, err := a.pool.Exec(ctx, "INSERT INTO trainer_courses (trainer_id, course_id) VALUES ($1, $2)", trainer, course)
	require.NoError(t, err)
	_, err = a.pool.Exec(ctx, `INSERT INTO agencies (name, sector, charging_band) VALUES ('Acorn Nursery North', 'private_independent', 'contributing')`)
	require.NoError(t, err)
	require.NoError(t, a.pool.QueryRow(ctx, `INSERT INTO agencies (name, sector, charging_band)
		VALUES ('Acorn Nursery South', 'private_independent', 'contributing') RETURNING id`).Scan(&south))

	tab := narrowTab(t, base, "agency-planner@example.org")
	fitsNarrowScreen(t, tab, base, "/admin/sessions/new?course="+strconv.FormatInt(course, 10))
	require.NoError(t, chromedp.Do(tab,
		chromedp.SendKeys(chromedp.ID("date-day"), "9"),
		chromedp.SendKeys(chromedp.ID("date-month"), "3"),
		chromedp.SendKeys(chromedp.ID("date-year"), "2028"),
		chromedp.SendKeys(chromedp.ID("start"), "9:30"),
		chromedp.SendKeys(chromedp.ID("end"), "16:00"),
		chromedp.SetValue(chromedp.ID("venue"), strconv.FormatInt(room, 10)),
		chromedp.Click(chromedp.ID("trainer-"+strconv.FormatInt(trainer, 10))),
		chromedp.Click(chromedp.ID("open-to-agency")),
		chromedp.SendKeys(chromedp.ID("agency-name"), "acorn"),
	))
	pressAndLoad := func(key string, status int64) {
		t.Helper()
		keyCtx, cancel := context.WithTimeout(tab, 15*time.Second)
		defer cancel()
		resp, err := chromedp.RunResponse(keyCtx, chromedp.KeyEvent(key))
		require.NoError(t, err)
		require.NotNil(t, resp, "pressing %q loaded no page", key)
		require.Equal(t, status, resp.Status, resp.URL)
	}
	pressAndLoad(kb.Enter, 422)
	assert.Contains(t, text(t, tab, ".govuk-error-summary"), "More than one agency’s name contains “acorn”: choose one")
	m := browsertest.MeasureOverflow(t, tab)
	assert.LessOrEqual(t, m.Width, narrowWidth, "the form with the agencies to choose from scrolls sideways: %s", m.Outer)
	checkPage(t, tab)

	require.NoError(t, chromedp.Do(tab, chromedp.Focus(chromedp.ID("agency-name"))))
	press(t, tab, kb.Tab)
	assert.True(t, strings.HasPrefix(focused(t, tab), "input radio agency"), "the agencies offered come next, not %q", focused(t, tab))
	press(t, tab, " ")
	press(t, tab, kb.ArrowDown)
	assert.Equal(t, strconv.FormatInt(south, 10), checkedValue(t, tab, "agency"))
	press(t, tab, kb.Tab)
	assert.Contains(t, focused(t, tab), "button submit")
	pressAndLoad(kb.Enter, 200)
	var closedTo *int64
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT closed_to_agency_id FROM sessions WHERE starts_at::date = '2028-03-09'").Scan(&closedTo))
	require.NotNil(t, closedTo)
	assert.Equal(t, south, *closedTo)
}
