package web_test

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// A coordinator requests training for their agency (first leaving out the
// answers), and gets a reference; the manager finds it in the queue and
// accepts it with a session (first forgetting the trainers); the coordinator
// then sees the session's booking link. Every page passes axe-core.
func TestBrowserRequestTrainingAndAcceptIt(t *testing.T) {
	t.Parallel()
	f := setupTrainingRequests(t)
	base := listen(t, f.a)

	lead := browsertest.New(t)
	signInBrowser(t, lead, base, "lead@example.org")
	u := follow(t, lead, "a[href='/training-requests']")
	assert.Equal(t, "/training-requests", u.Path)
	assert.Equal(t, "Training requests", text(t, lead, "h1"))
	checkPage(t, lead)

	u = follow(t, lead, "#new-request")
	assert.Equal(t, "/training-requests/new", u.Path)
	checkPage(t, lead)
	followExpecting(t, lead, "main form button[type=submit]", 422)
	summary := text(t, lead, ".govuk-error-summary")
	assert.Contains(t, summary, "Select whether you want a course from our programme or bespoke training")
	assert.Contains(t, summary, "Enter at least one preferred date and time")
	checkPage(t, lead)

	require.NoError(t, chromedp.Do(lead,
		chromedp.Click(chromedp.ID("kind")),
		chromedp.SetValue(chromedp.ID("course"), strconv.FormatInt(f.course, 10)),
		chromedp.SendKeys(chromedp.ID("audience"), "Family support workers"),
		chromedp.SendKeys(chromedp.ID("participants"), "18"),
		chromedp.SendKeys(chromedp.ID("date-1-day"), "10"),
		chromedp.SendKeys(chromedp.ID("date-1-month"), "2"),
		chromedp.SendKeys(chromedp.ID("date-1-year"), "2027"),
		chromedp.SendKeys(chromedp.ID("date-1-start"), "9:30"),
		chromedp.SendKeys(chromedp.ID("date-1-end"), "16:00"),
		chromedp.Click(chromedp.ID("location-venue")),
	))
	u = follow(t, lead, "main form button[type=submit]")
	assert.Regexp(t, `^/training-requests/\d+$`, u.Path)
	request := u.Path
	assert.Equal(t, "Request sent", text(t, lead, ".govuk-panel__title"))
	assert.Contains(t, text(t, lead, ".govuk-panel__body"), "TR-")
	checkPage(t, lead)

	boss := browsertest.New(t)
	signInBrowser(t, boss, base, "boss@example.org")
	u = follow(t, boss, "a[href='/admin/training-requests']")
	assert.Equal(t, "/admin/training-requests", u.Path)
	checkPage(t, boss)
	follow(t, boss, "#queue a[href='/admin"+request+"']")
	assert.Equal(t, "Working Together to Safeguard Children", text(t, boss, "h1"))
	checkPage(t, boss)
	u = follow(t, boss, "#accept")
	assert.Equal(t, "/admin"+request+"/accept", u.Path)
	checkPage(t, boss)

	require.NoError(t, chromedp.Do(boss, chromedp.SetValue(chromedp.ID("venue"), strconv.FormatInt(f.room, 10))))
	followExpecting(t, boss, "main form button[type=submit]", 422)
	assert.Contains(t, text(t, boss, ".govuk-error-summary"), "Select at least one trainer")
	checkPage(t, boss)
	require.NoError(t, chromedp.Do(boss,
		chromedp.Click(chromedp.ID("trainer-"+strconv.FormatInt(f.trainers[0], 10))),
		chromedp.Click(chromedp.ID("trainer-"+strconv.FormatInt(f.trainers[1], 10))),
	))
	u = follow(t, boss, "main form button[type=submit]")
	assert.Equal(t, "/admin"+request, u.Path)
	assert.Contains(t, text(t, boss, ".govuk-notification-banner"), "Session scheduled and published")
	assert.Equal(t, "Accepted", text(t, boss, "#status"))
	checkPage(t, boss)

	browsertest.Navigate(t, lead, base+request)
	assert.Equal(t, "Accepted", text(t, lead, "#status"))
	assert.Contains(t, text(t, lead, ".app-invite-link"), "/invite/")
	checkPage(t, lead)
}

// The manager accepts a request at the agency's premises in the browser,
// on a phone-sized screen: the address from the request is offered, a
// mistake in it is told with the other mistakes, and the session is made
// there. Every page passes axe-core and fits 320 px.
func TestBrowserAcceptAtTheAgencysPremises(t *testing.T) {
	t.Parallel()
	f := setupTrainingRequests(t)
	base := listen(t, f.a)
	id := f.submit(t, f.coordinator, f.requestForm("location", "own_premises",
		"address", "Civic Offices, Guildhall Square, Portsmouth PO1 2AL"))
	request := "/admin/training-requests/" + strconv.FormatInt(id, 10)

	boss := browsertest.New(t)
	require.NoError(t, chromedp.Do(boss, chromedp.EmulateViewport(320, 740, chromedp.EmulateMobile)))
	signInBrowser(t, boss, base, "boss@example.org")
	browsertest.Navigate(t, boss, base+request)
	u := follow(t, boss, "#accept")
	assert.Equal(t, request+"/accept", u.Path)
	checkPage(t, boss)
	browsertest.FitsScreen(t, boss)
	postcode, err := chromedp.Run(boss, chromedp.Evaluate[string](`document.getElementById('premises-postcode').value`))
	require.NoError(t, err)
	assert.Equal(t, "PO1 2AL", postcode, "the request's address is offered")

	require.NoError(t, chromedp.Do(boss, chromedp.SetValue(chromedp.ID("premises-postcode"), "PO1")))
	followExpecting(t, boss, "main form button[type=submit]", 422)
	summary := text(t, boss, ".govuk-error-summary")
	assert.Contains(t, summary, "Enter a real postcode")
	assert.Contains(t, summary, "Select at least one trainer")
	checkPage(t, boss)
	browsertest.FitsScreen(t, boss)

	require.NoError(t, chromedp.Do(boss,
		chromedp.SetValue(chromedp.ID("premises-postcode"), "PO1 2AL"),
		chromedp.Click(chromedp.ID("trainer-"+strconv.FormatInt(f.trainers[0], 10))),
		chromedp.Click(chromedp.ID("trainer-"+strconv.FormatInt(f.trainers[1], 10))),
	))
	u = follow(t, boss, "main form button[type=submit]")
	assert.Equal(t, request, u.Path)
	assert.Contains(t, text(t, boss, ".govuk-notification-banner"), "Session scheduled and published")
	assert.Contains(t, text(t, boss, "main"), "Civic Offices (Portsmouth City Council)")
	checkPage(t, boss)
}
