package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
	"github.com/pscp/booktraining/internal/queue"
)

// A manager finds what needs attention from their account page, reads it
// at 320 px, tries a task again and marks one dealt with (its note shown
// again with its error first); every page passes axe-core. River UI loads
// in the same browser: its script and API calls work under our CSP and
// its JSON POSTs pass the cross-origin check.
func TestBrowserNeedsAttention(t *testing.T) {
	t.Parallel()
	w := jobsSetup(t)
	exhausted := w.run(t, refundJob{PaymentID: 7})
	refused := w.run(t, refundJob{PaymentID: 8, Refuse: true})
	w.failedEmailJob(t)
	_, err := w.pool.Exec(context.Background(), `INSERT INTO sweep_runs (sweep, process, started_at, finished_at, found, error) VALUES
		('offers', 'app-1.internal:4242', now() - interval '2 minutes', now() - interval '2 minutes', 3, ''),
		('refunds', 'app-2.internal:77', now() - interval '1 minute', now() - interval '1 minute', 0, 'refund 12: stripe: connection refused')`)
	require.NoError(t, err)
	base := listen(t, w.testApp)
	ctx := browsertest.New(t)
	signInBrowser(t, ctx, base, "manager@example.org")

	assert.Contains(t, text(t, ctx, ".govuk-notification-banner"), "3 background tasks failed and need attention")
	checkPage(t, ctx)
	u := follow(t, ctx, `.govuk-notification-banner a[href="/admin/attention"]`)
	assert.Equal(t, "/admin/attention", u.Path)
	assert.Equal(t, "Needs attention", text(t, ctx, "h1"))
	checkPage(t, ctx)
	browsertest.FitsWidth(t, ctx, 320)
	sweeps := text(t, ctx, "table")
	assert.Contains(t, sweeps, "app-1.internal:4242")
	assert.Contains(t, sweeps, "Did missed work")
	assert.Contains(t, sweeps, "refund 12: stripe: connection refused")

	follow(t, ctx, fmt.Sprintf(`form[action="/admin/attention/%d/retry"] button`, exhausted))
	assert.Contains(t, text(t, ctx, ".govuk-notification-banner"), "Tried again")
	checkPage(t, ctx)

	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(fmt.Sprintf("#note-%d", refused)), strings.Repeat("x", queue.MaxNoteLength+1))))
	submitExpecting(t, ctx, fmt.Sprintf(`form[action="/admin/attention/%d/dealt-with"] button`, refused), 422)
	assert.Contains(t, text(t, ctx, ".govuk-error-summary"), "The note must be 500 characters or fewer")
	checkPage(t, ctx)
	browsertest.FitsWidth(t, ctx, 320)
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(fmt.Sprintf("#note-%d", refused)), "Refunded by bank transfer")))
	follow(t, ctx, fmt.Sprintf(`form[action="/admin/attention/%d/dealt-with"] button`, refused))
	assert.Contains(t, text(t, ctx, ".govuk-notification-banner"), "Marked as dealt with")
	checkPage(t, ctx)
	assert.Equal(t, 1, w.jobAudits(t, "job_retried", exhausted))
	assert.Equal(t, 1, w.jobAudits(t, "job_dealt_with", refused))

	// River UI: the SPA lists the discarded job from its JSON API.
	resp := browsertest.Navigate(t, ctx, base+"/admin/jobs/jobs?state=discarded")
	require.Equal(t, int64(200), resp.Status)
	waitCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_, err = chromedp.Run(waitCtx, chromedp.Poll[bool](`document.body.innerText.includes("test_refund")`, chromedp.WithPollingInterval(100*time.Millisecond)))
	require.NoError(t, err, "River UI shows the job")
	// Its POSTs, from its own page, pass.
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`fetch('/admin/jobs/api/jobs/retry', {method: 'POST',
		headers: {'Content-Type': 'application/json'}, body: JSON.stringify({ids: ['%d']})}).then(r => r.status)`, exhausted),
		chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, 200, status)
	browsertest.CheckNoConsoleErrors(t, ctx)
}
