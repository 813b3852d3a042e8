package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// focused describes the element that has the focus: its tag, type, name
// and value, as "input radio outcome-1-before 2".
func focused(t *testing.T, tab context.Context) string {
	t.Helper()
	s, err := chromedp.Run(tab, chromedp.Evaluate[string](`(() => { const e = document.activeElement;
		return [e.tagName.toLowerCase(), e.type || "", e.name || "", e.value || ""].join(" ").trim(); })()`))
	require.NoError(t, err)
	return s
}

func checkedValue(t *testing.T, tab context.Context, name string) string {
	t.Helper()
	s, err := chromedp.Run(tab, chromedp.Evaluate[string](`(document.querySelector('input[name="`+name+`"]:checked') || {value: ""}).value`))
	require.NoError(t, err)
	return s
}

func press(t *testing.T, tab context.Context, key string) {
	t.Helper()
	require.NoError(t, chromedp.Do(tab, chromedp.KeyEvent(key)))
}

// The evaluation form on a 320px screen: axe-core finds nothing wrong with
// it, before or after a failed submit (the error summary), nothing scrolls
// sideways, and it can be filled in and sent by keyboard alone: Tab to a
// radio, Space to choose, the arrow keys to change, Tab on to the next
// question, text typed, Enter to send.
func TestBrowserEvaluateBySmallScreenAndKeyboard(t *testing.T) {
	t.Parallel()
	a := setup(t)
	base := listen(t, a)
	sam := a.newUser(t, "sam@example.org", "")
	place := a.evaluationPlace(t, sam, 2*24*time.Hour, "attended", 28*24*time.Hour)
	path := "/my-training/evaluations/" + id(place)
	tab := narrowTab(t, base, "sam@example.org")

	fitsNarrowScreen(t, tab, base, path)
	assert.Equal(t, "Evaluate the session", text(t, tab, "h1"))
	browsertest.Screenshot(t, tab, "evaluation-form-320")
	for _, part := range []string{"#outcome-1", `[name="question-1"]`, `[name="question-4"]`, `main form button[type=submit]`} {
		require.NoError(t, chromedp.Do(tab, chromedp.ScrollIntoView(part)))
		browsertest.Screenshot(t, tab, "evaluation-form-320-"+part)
	}

	// Sent empty: the error summary, still accessible and narrow.
	submitExpecting(t, tab, `main form button[type=submit]`, 422)
	m := browsertest.MeasureOverflow(t, tab)
	assert.LessOrEqual(t, m.Width, narrowWidth, "with errors, %s sticks out", m.Outer)
	checkPage(t, tab)
	assert.Contains(t, text(t, tab, ".govuk-error-summary"), "Select how confident you were before the session about:")
	browsertest.Screenshot(t, tab, "evaluation-form-320-errors")

	// By keyboard alone, from the top of a fresh form.
	browsertest.Navigate(t, tab, base+path)
	for range 40 {
		if f := focused(t, tab); f == "input radio outcome-1-before 1" {
			break
		}
		press(t, tab, kb.Tab)
	}
	require.Equal(t, "input radio outcome-1-before 1", focused(t, tab), "Tab reaches the first radio")
	press(t, tab, " ")
	assert.Equal(t, "1", checkedValue(t, tab, "outcome-1-before"), "Space chooses it")
	press(t, tab, kb.ArrowDown)
	assert.Equal(t, "2", checkedValue(t, tab, "outcome-1-before"), "an arrow key moves the choice")
	press(t, tab, kb.Tab)
	require.Equal(t, "input radio outcome-1-now 1", focused(t, tab), "Tab goes on to the next question")
	press(t, tab, kb.ArrowDown)
	press(t, tab, kb.ArrowDown)
	press(t, tab, kb.ArrowDown)
	assert.Equal(t, "4", checkedValue(t, tab, "outcome-1-now"))
	// Every other question in turn: a radio group gets Space and an arrow
	// key; a text box a few words.
	press(t, tab, kb.Tab)
	for range 60 {
		f := focused(t, tab)
		if f == "button submit" || f == "button submit " {
			break
		}
		switch {
		case len(f) >= len("input radio") && f[:len("input radio")] == "input radio":
			press(t, tab, " ")
			press(t, tab, kb.ArrowRight)
		case len(f) >= len("textarea") && f[:len("textarea")] == "textarea":
			require.NoError(t, chromedp.Do(tab, chromedp.KeyEvent("Typed by keyboard")))
		}
		press(t, tab, kb.Tab)
	}
	require.Contains(t, focused(t, tab), "button submit", "Tab reaches the button")
	resp, err := chromedp.RunResponse(tab, chromedp.KeyEvent(kb.Enter))
	require.NoError(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, int64(200), resp.Status)
	assert.Equal(t, "Evaluation sent", text(t, tab, "h1"))
	checkPage(t, tab)
	browsertest.Screenshot(t, tab, "evaluation-sent-320")

	var before, after int
	require.NoError(t, a.pool.QueryRow(context.Background(),
		"SELECT before, after FROM evaluation_outcomes WHERE booking_id = $1 AND position = 1", place).Scan(&before, &after))
	assert.Equal(t, []int{2, 4}, []int{before, after})
	assert.Equal(t, 3, a.countRows(t, "SELECT count(*) FROM evaluation_answers WHERE answer = 'Typed by keyboard' AND booking_id = "+id(place)))
}

// The follow-ups' pages pass axe-core and fit a 320px screen: the person's
// own, and their line manager's, with its errors.
func TestBrowserFollowUpPages(t *testing.T) {
	t.Parallel()
	a := setup(t)
	base := listen(t, a)
	sam := a.newUser(t, "sam@example.org", "")
	place := a.evaluationPlace(t, sam, 92*24*time.Hour, "attended", -60*24*time.Hour)
	a.followUp(t, place, "attendee", 20*24*time.Hour, "")
	const token = "k3Jv9QeXw0Zt8uY2pLmN4bH6cD1fG5aS7rT0yU9iO2E"
	a.followUp(t, place, "line_manager", 20*24*time.Hour, token)

	own := narrowTab(t, base, "sam@example.org")
	fitsNarrowScreen(t, own, base, "/my-training")
	fitsNarrowScreen(t, own, base, "/my-training/follow-ups/"+id(place))
	assert.Equal(t, "How have you used the training?", text(t, own, "h1"))

	lm := narrowTab(t, base, "")
	fitsNarrowScreen(t, lm, base, "/follow-ups/"+token)
	assert.Equal(t, "How has Sam Tester used the training?", text(t, lm, "h1"))
	submitExpecting(t, lm, `main form button[type=submit]`, 422)
	checkPage(t, lm)
	fitsNarrowScreenAnswering(t, lm, base, "/follow-ups/made-up", 404)
	assert.Equal(t, "This link does not work", text(t, lm, "h1"))
}
