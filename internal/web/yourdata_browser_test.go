package web_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// A training manager signs in through the real form and visits the pages
// that look after their own data, and the list of changes of organisation
// to confirm; every page passes axe-core's WCAG 2.2 A and AA rules and logs
// no console error.
func TestBrowserYourDataPages(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	ag := a.firstAgencies(t, 2)
	a.newUser(t, "morgan@example.org", ag[0].Name, "manager")
	mover := a.newUser(t, "mover@example.org", ag[0].Name)
	_, err := a.pool.Exec(context.Background(),
		"UPDATE users SET requested_agency_id = $1, agency_requested_at = now() WHERE id = $2", ag[1].ID, mover)
	require.NoError(t, err)
	ctx := browsertest.New(t)

	browsertest.Navigate(t, ctx, base+"/sign-in")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("email"), "morgan@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
	))
	u := follow(t, ctx, "form[action='/sign-in'] button[type=submit]")
	assert.Equal(t, "/account", u.Path)
	checkPage(t, ctx)

	u = follow(t, ctx, "a[href='/account/profile']")
	assert.Equal(t, "/account/profile", u.Path)
	assert.Equal(t, "Change your details", text(t, ctx, "h1"))
	checkPage(t, ctx)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Clear(chromedp.ID("full-name")),
		chromedp.Clear(chromedp.ID("job-title")),
	))
	u = followExpecting(t, ctx, "form[action='/account/profile'] button[type=submit]", 422)
	assert.Equal(t, "/account/profile", u.Path)
	assert.Equal(t, "There is a problem", text(t, ctx, ".govuk-error-summary__title"))
	assert.Contains(t, text(t, ctx, ".govuk-error-summary__list"), "Enter your full name")
	checkPage(t, ctx)

	for _, page := range []struct{ path, h1 string }{
		{"/account/agency", "Change your organisation"},
		{"/account/data", "Download your data"},
		{"/account/delete", "Delete your account"},
		{"/admin/agency-changes", "Changes of organisation"},
	} {
		resp := browsertest.Navigate(t, ctx, base+page.path)
		assert.Equal(t, int64(200), resp.Status, page.path)
		assert.Equal(t, page.h1, text(t, ctx, "h1"), page.path)
		checkPage(t, ctx)
	}
	assert.Contains(t, text(t, ctx, "table"), "mover@example.org")
}
