package web_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// The evaluation pages, signed in through the real form, pass axe-core's
// WCAG 2.2 A and AA rules with no console errors: the settings and
// questions (and their errors), a question's form, a session's and a
// course's results, and a trainer's results.
func TestBrowserEvaluationPagesAreAccessible(t *testing.T) {
	t.Parallel()
	w := evaluationSetup(t)
	base := listen(t, w.testApp)
	ctx := browsertest.New(t)
	signInBrowser(t, ctx, base, "manager@example.org")
	visit := func(ctx context.Context, path string, status int64) {
		t.Helper()
		resp := browsertest.Navigate(t, ctx, base+path)
		require.Equal(t, status, resp.Status, path)
		checkPage(t, ctx)
	}

	visit(ctx, "/admin/evaluation", 200)
	assert.Equal(t, "Evaluation", text(t, ctx, "h1"))
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#close-days"), "500")))
	submitExpecting(t, ctx, `form[action="/admin/evaluation"] button[type=submit]`, 422)
	assert.Contains(t, text(t, ctx, ".govuk-error-summary"), "from 7 to 90")
	checkPage(t, ctx)

	follow(t, ctx, `a[href="/admin/evaluation/questions/new"]`)
	assert.Equal(t, "Add a question", text(t, ctx, "h1"))
	checkPage(t, ctx)
	submitExpecting(t, ctx, `main form button[type=submit]`, 422)
	assert.Contains(t, text(t, ctx, ".govuk-error-summary"), "Enter the question")
	checkPage(t, ctx)

	visit(ctx, "/admin/evaluation", 200)
	follow(t, ctx, `main table a[href^="/admin/evaluation/questions/"]`)
	assert.Equal(t, "Change a question", text(t, ctx, "h1"))
	checkPage(t, ctx)

	visit(ctx, "/admin/sessions/"+itoa(int(w.session))+"/evaluation", 200)
	assert.Contains(t, text(t, ctx, "main"), "More role play please")
	visit(ctx, "/admin/courses/"+itoa(int(w.course))+"/evaluation", 200)
	visit(ctx, "/admin/courses/"+itoa(int(w.course))+"/evaluation?from-day=31&from-month=2&from-year=2026", 422)
	assert.Contains(t, text(t, ctx, ".govuk-error-summary"), "Date from must be a real date")

	trainer := browsertest.NewTab(t, ctx)
	signInBrowser(t, trainer, base, "trainer@example.org")
	visit(trainer, "/trainer/sessions/"+itoa(int(w.session))+"/evaluation", 200)
	assert.Contains(t, text(t, trainer, "main"), "More role play please")
}
