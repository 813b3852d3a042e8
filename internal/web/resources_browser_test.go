package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// The course and venue pages, signed in through the real form as a training
// manager, pass axe-core's WCAG 2.2 A and AA rules and log no console errors,
// including forms shown again with their errors.
func TestBrowserResourcePagesAreAccessible(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	a.newUser(t, "manager@example.org", "", "manager")
	ctx := browsertest.New(t)

	resp := browsertest.Navigate(t, ctx, base+"/sign-in")
	require.Equal(t, int64(200), resp.Status)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("email"), "manager@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
	))
	u := follow(t, ctx, "main form button[type=submit]")
	require.Equal(t, "/account", u.Path)

	resp = browsertest.Navigate(t, ctx, base+"/admin/courses")
	require.Equal(t, int64(200), resp.Status)
	assert.Equal(t, "Courses", text(t, ctx, "h1"))
	checkPage(t, ctx)

	// Open the first course, clear its title and save: the form comes back
	// with its error.
	follow(t, ctx, "main table tbody tr:first-child a")
	require.NoError(t, chromedp.Do(ctx, chromedp.Clear(chromedp.ID("title"))))
	followExpecting(t, ctx, "main form button[type=submit]", 422)
	assert.Contains(t, text(t, ctx, ".govuk-error-summary"), "Enter the course title")
	checkPage(t, ctx)

	resp = browsertest.Navigate(t, ctx, base+"/admin/venues")
	require.Equal(t, int64(200), resp.Status)
	assert.Equal(t, "Venues", text(t, ctx, "h1"))
	checkPage(t, ctx)

	u = follow(t, ctx, `a[href="/admin/venues/new"]`)
	assert.Equal(t, "/admin/venues/new", u.Path)
	checkPage(t, ctx)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("name"), "Milton Library"),
		chromedp.Click(chromedp.ID("kind")),
		chromedp.SendKeys(chromedp.ID("address-line-1"), "1 Milton Road"),
		chromedp.SendKeys(chromedp.ID("town"), "Portsmouth"),
		chromedp.SendKeys(chromedp.ID("postcode"), "not a postcode"),
		chromedp.SendKeys(chromedp.ID("capacity"), "40"),
	))
	followExpecting(t, ctx, "main form button[type=submit]", 422)
	assert.Contains(t, text(t, ctx, ".govuk-error-summary"), "Enter a real postcode")
	checkPage(t, ctx)
}
