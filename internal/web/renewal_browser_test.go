package web_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// The renewal pages pass axe-core at a desktop's width and at 320 pixels:
// the coordinator's training status (summary, filter and list), My training
// with its renewal dates, and the course form's validity with an error.
func TestBrowserRenewal(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	coordinator := a.newUser(t, "renew.coordinator@example.org", coordAgency, "coordinator")
	colleague := a.newUser(t, "renew.colleague@example.org", coordAgency)
	a.newUser(t, "renew.manager@example.org", "", "manager")
	id, _, _ := a.expiring(t, 12)
	a.addAttended(t, colleague, 335*24*time.Hour, 3*time.Hour, "attended")   // due
	a.addAttended(t, coordinator, 400*24*time.Hour, 3*time.Hour, "attended") // lapsed

	b := browsertest.New(t)
	require.NoError(t, chromedp.Do(b, chromedp.EmulateViewport(1280, 1024)))
	signInBrowser(t, b, base, "renew.coordinator@example.org")
	browsertest.Navigate(t, b, base+"/agency/training")
	assert.Equal(t, "Training status in "+coordAgency, text(t, b, "h1"))
	checkPage(t, b)
	browsertest.Screenshot(t, b, "agency-training-desktop")
	browsertest.Navigate(t, b, base+"/agency/training?status=due&course="+id)
	assert.Contains(t, text(t, b, "#staff"), "Renew.Colleague")
	checkPage(t, b)
	browsertest.Navigate(t, b, base+"/my-training")
	assert.Contains(t, text(t, b, "#renewal + p + table"), "Lapsed on")
	checkPage(t, b)
	require.NoError(t, chromedp.Do(b, chromedp.EmulateViewport(browsertest.NarrowWidth, 800)))
	for _, p := range []string{"/agency/training", "/agency/training?course=" + id, "/my-training"} {
		fitsNarrowScreen(t, b, base, p)
		browsertest.Screenshot(t, b, "narrow "+p)
	}

	m := browsertest.New(t)
	require.NoError(t, chromedp.Do(m, chromedp.EmulateViewport(1280, 1024)))
	signInBrowser(t, m, base, "renew.manager@example.org")
	browsertest.Navigate(t, m, base+"/admin/courses/"+id)
	require.NoError(t, chromedp.Do(m, chromedp.SendKeys(chromedp.ID("valid-for-months"), "121")))
	followExpecting(t, m, "main form button[type=submit]", 422)
	assert.Contains(t, text(t, m, ".govuk-error-summary"), "from 1 to 120")
	checkPage(t, m)
	browsertest.Screenshot(t, m, "course-validity-error")
}
