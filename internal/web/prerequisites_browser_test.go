package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// The prerequisite pages pass axe-core's WCAG 2.2 A and AA rules with no
// console errors, with their error summaries: a course's prerequisites, the
// booking refusal, the prior learning form, My training with a claim, the
// managers' claims and a claim's decision, and adding someone without a
// prerequisite.
func TestBrowserPrerequisitePagesAreAccessible(t *testing.T) {
	t.Parallel()
	f := setupPrereq(t)
	f.require(t, "36")
	session := f.a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	f.a.newUser(t, "pat@example.org", "")
	pat := f.a.as(t, "pat@example.org")
	pat.get("/my-training/prior-learning/new")
	resp, page := pat.post("/my-training/prior-learning/new", url.Values{"course": {strconv.FormatInt(f.second, 10)},
		"completed-on-day": {"3"}, "completed-on-month": {"2"}, "completed-on-year": {"2025"}, "provider": {"Hampshire Safeguarding Children Partnership"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	var claim int64
	require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT id FROM prior_learning_claims").Scan(&claim))

	base := listen(t, f.a)
	ctx := browsertest.New(t)
	signInBrowser(t, ctx, base, "boss@example.org")
	visit := func(ctx context.Context, path string, status int64) {
		t.Helper()
		resp := browsertest.Navigate(t, ctx, base+path)
		require.Equal(t, status, resp.Status, path)
		checkPage(t, ctx)
	}

	visit(ctx, fmt.Sprintf("/admin/courses/%d/prerequisites", f.first), 200)
	assert.Equal(t, "Prerequisites", text(t, ctx, "h1"))
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#within-months"), "500")))
	submitExpecting(t, ctx, `main form[action$="/prerequisites"] button[type=submit]`, 422)
	assert.Contains(t, text(t, ctx, ".govuk-error-summary"), "whole number from 1 to 120")
	checkPage(t, ctx)

	visit(ctx, "/admin/prior-learning", 200)
	follow(t, ctx, fmt.Sprintf(`main table a[href="/admin/prior-learning/%d"]`, claim))
	checkPage(t, ctx)
	submitExpecting(t, ctx, `main form button[type=submit]`, 422)
	assert.Contains(t, text(t, ctx, ".govuk-error-summary"), "Choose whether to confirm")
	checkPage(t, ctx)

	visit(ctx, fmt.Sprintf("/admin/sessions/%d/bookings/add", session), 200)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#person-email"), "pat@example.org"),
		chromedp.SendKeys(chromedp.CSS("#line-manager-name"), "Lee Manager"),
		chromedp.SendKeys(chromedp.CSS("#line-manager-email"), "lee@example.org"),
		chromedp.Click(chromedp.CSS("#agree-policy")),
	))
	submitExpecting(t, ctx, `main form button[type=submit]`, 422)
	assert.Contains(t, text(t, ctx, ".govuk-error-summary"), "They need "+f.secondTitle)
	checkPage(t, ctx)

	person := browsertest.NewTab(t, ctx)
	signInBrowser(t, person, base, "pat@example.org")
	visit(person, fmt.Sprintf("/sessions/%d/book", session), 409)
	assert.Contains(t, text(t, person, "main"), "You need "+f.secondTitle)
	follow(t, person, fmt.Sprintf(`main a[href="/my-training/prior-learning/new?course=%d"]`, f.second))
	assert.Equal(t, "Training you did elsewhere", text(t, person, "h1"))
	checkPage(t, person)
	require.NoError(t, chromedp.Do(person, chromedp.SetValue(chromedp.CSS("#completed-on-year"), "20")))
	submitExpecting(t, person, `main form button[type=submit]`, 422)
	assert.Contains(t, text(t, person, ".govuk-error-summary"), "must include a day and month")
	checkPage(t, person)
	visit(person, "/my-training", 200)
	assert.Contains(t, text(t, person, "main"), "Waiting for a decision")
}
