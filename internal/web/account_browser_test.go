package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// serveApp is serve that also returns the app, to make people in it.
func serveApp(t *testing.T) (testApp, string) {
	t.Helper()
	a := setup(t)
	base := listen(t, a)
	return a, base
}

// A person signs up (first making mistakes), signs in, and looks after their
// password; every page passes axe-core.
func TestBrowserAccountPages(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	a.newUser(t, "robin@example.org", "")
	ctx := browsertest.New(t)

	browsertest.Navigate(t, ctx, base+"/sign-up")
	checkPage(t, ctx)
	u := followExpecting(t, ctx, "form[action='/sign-up'] button[type=submit]", 422)
	assert.Equal(t, "/sign-up", u.Path)
	assert.Equal(t, "There is a problem", text(t, ctx, ".govuk-error-summary__title"))
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.activeElement.closest('.govuk-error-summary') !== null`))
	require.NoError(t, err)
	assert.True(t, focused, "GOV.UK Frontend moves focus to the error summary")
	checkPage(t, ctx)

	browsertest.Navigate(t, ctx, base+"/forgot-password")
	checkPage(t, ctx)

	browsertest.Navigate(t, ctx, base+"/sign-in")
	checkPage(t, ctx)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("email"), "robin@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
	))
	u = follow(t, ctx, "form[action='/sign-in'] button[type=submit]")
	assert.Equal(t, "/account", u.Path)
	assert.Equal(t, "Your account", text(t, ctx, "h1"))
	checkPage(t, ctx)

	browsertest.Navigate(t, ctx, base+"/account/password")
	checkPage(t, ctx)

	u = follow(t, ctx, "form[action='/sign-out'] button")
	assert.Equal(t, "/sign-out", u.Path)
	assert.Equal(t, "You have signed out", text(t, ctx, "h1"))
	checkPage(t, ctx)
}
