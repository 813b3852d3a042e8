package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
	"github.com/pscp/booktraining/internal/payment"
)

// The manager's charges page, shown again with its errors and after the
// charges are confirmed, and the coordinator's list pass axe-core's WCAG 2.2
// A and AA rules and log no console errors.
func TestBrowserChargePagesAreAccessible(t *testing.T) {
	t.Parallel()
	w := chargeSetup(t)
	base := listen(t, w.testApp)

	ctx := browsertest.New(t)
	signInBrowser(t, ctx, base, "manager@example.org")
	resp := browsertest.Navigate(t, ctx, base+w.chargesPath())
	require.Equal(t, int64(200), resp.Status)
	assert.Equal(t, "Non-attendance and late cancellation charges", text(t, ctx, "h1"))
	checkPage(t, ctx)

	// Waive without a reason: the error summary, and the page still passes.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID(payment.DecisionField(w.absent))),
		chromedp.Click(chromedp.ID(payment.DecisionField(w.late)+"-waive")),
	))
	submitExpecting(t, ctx, "main form button[type=submit]", 422)
	assert.Contains(t, text(t, ctx, ".govuk-error-summary"), "Enter why the charge for Practitioner Tester is waived")
	checkPage(t, ctx)

	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID(payment.ReasonField(w.late)), "Family emergency")))
	u := follow(t, ctx, "main form button[type=submit]")
	assert.Equal(t, w.chargesPath(), u.Path)
	assert.Contains(t, text(t, ctx, "#charges"), "To be invoiced")
	checkPage(t, ctx)

	co := browsertest.New(t)
	signInBrowser(t, co, base, "coordinator@example.org")
	u = follow(t, co, `a[href="/agency/charges"]`)
	assert.Equal(t, "/agency/charges", u.Path)
	assert.Contains(t, text(t, co, "#charges"), "Colleague Tester")
	checkPage(t, co)
}
