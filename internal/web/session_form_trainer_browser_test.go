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

// On a 320px screen, by keyboard once the form is filled: a trainer not
// among those offered is typed, Enter sends it, the name matches two
// trainers, the form comes back (axe-clean, nothing scrolling sideways)
// offering both, and Tab, Space, the arrow key and Enter choose the second
// and schedule the session with them.
func TestBrowserATrainerFoundByNameByKeyboardOnASmallScreen(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	ctx := context.Background()
	a.newUser(t, "trainer-planner@example.org", "", "manager")
	var course, room int64
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT id FROM courses WHERE slug = 'working-together-to-safeguard-children'").Scan(&course))
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT min(id) FROM venues WHERE NOT online").Scan(&room))
	first := a.newUser(t, "rowan-ashby@example.org", "Portsmouth City Council", "trainer")
	second := a.newUser(t, "rowan-ashcroft@example.org", "Portsmouth City Council", "trainer")
	_, err := a.pool.Exec(ctx, "INSERT INTO trainer_courses (trainer_id, course_id) VALUES ($1, $3), ($2, $3)", first, second, course)
	require.NoError(t, err)

	tab := narrowTab(t, base, "trainer-planner@example.org")
	fitsNarrowScreen(t, tab, base, "/admin/sessions/new?course="+strconv.FormatInt(course, 10))
	require.NoError(t, chromedp.Do(tab,
		chromedp.SendKeys(chromedp.ID("date-day"), "9"),
		chromedp.SendKeys(chromedp.ID("date-month"), "3"),
		chromedp.SendKeys(chromedp.ID("date-year"), "2028"),
		chromedp.SendKeys(chromedp.ID("start"), "9:30"),
		chromedp.SendKeys(chromedp.ID("end"), "16:00"),
		chromedp.SetValue(chromedp.ID("venue"), strconv.FormatInt(room, 10)),
		chromedp.SendKeys(chromedp.ID("trainer-name"), "rowan-ash"),
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
	assert.Contains(t, text(t, tab, ".govuk-error-summary"), "More than one trainer’s name contains “rowan-ash”: choose one")
	m := browsertest.MeasureOverflow(t, tab)
	assert.LessOrEqual(t, m.Width, narrowWidth, "the form with the trainers to choose from scrolls sideways: %s", m.Outer)
	checkPage(t, tab)

	require.NoError(t, chromedp.Do(tab, chromedp.Focus(chromedp.ID("trainer-name"))))
	press(t, tab, kb.Tab)
	assert.True(t, strings.HasPrefix(focused(t, tab), "input radio trainer"), "the trainers found come next, not %q", focused(t, tab))
	press(t, tab, " ")
	press(t, tab, kb.ArrowDown)
	assert.Equal(t, strconv.FormatInt(second, 10), checkedValue(t, tab, "trainer"))
	pressAndLoad(kb.Enter, 200)
	var trainers []int64
	require.NoError(t, a.pool.QueryRow(ctx, `
		SELECT array_agg(st.trainer_id) FROM session_trainers st JOIN sessions s ON s.id = st.session_id
		WHERE s.starts_at::date = '2028-03-09'`).Scan(&trainers))
	assert.Equal(t, []int64{second}, trainers)
}
