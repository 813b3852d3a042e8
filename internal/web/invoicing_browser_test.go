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
)

// The manager's invoicing page: the list, a refusal shown with its error
// summary, marking invoiced and then paid, each page passing axe-core and
// reading at 320 px.
func TestBrowserInvoicingPageIsAccessible(t *testing.T) {
	t.Parallel()
	w := invoicingSetup(t)
	base := listen(t, w.testApp)
	ctx := browsertest.New(t)
	signInBrowser(t, ctx, base, "manager@example.org")

	browsertest.Navigate(t, ctx, base+"/admin/invoicing")
	assert.Equal(t, "Invoicing", text(t, ctx, "h1"))
	assert.Contains(t, text(t, ctx, "#to-invoice"), "Colleague Tester")
	checkPage(t, ctx)
	browsertest.FitsWidth(t, ctx, browsertest.NarrowWidth)

	// Ticking rows without a reference.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[value=%q]`, w.charge))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[value=%q]`, w.place))),
	))
	followExpecting(t, ctx, "#mark-invoiced", 422)
	assert.Contains(t, text(t, ctx, ".govuk-error-summary"), "Enter the invoice reference from your finance system")
	checkPage(t, ctx)
	browsertest.FitsWidth(t, ctx, browsertest.NarrowWidth)

	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("invoice-reference"), "SAP-7781")))
	u := follow(t, ctx, "#mark-invoiced")
	assert.Equal(t, "/admin/invoicing", u.Path)
	assert.Contains(t, text(t, ctx, "#awaiting"), "Invoice SAP-7781")
	checkPage(t, ctx)

	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#awaiting input[value=%q]`, w.place)))))
	follow(t, ctx, "#mark-paid")
	assert.Contains(t, text(t, ctx, ".govuk-notification-banner"), "Marked as paid")
	assert.NotContains(t, text(t, ctx, "#awaiting"), "Coordinator Tester")
	checkPage(t, ctx)
}

// A nursery manager of an umbrella agency asks for an invoice to their own
// nursery: the pay page's choice of payer, its error summary, and the
// confirmed booking, without JavaScript's help needed and at 320 px.
func TestBrowserPayingAsYourOwnOrganisation(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	a.priceSessions(t)
	const umbrella = "Early years settings and childminders (Portsmouth)"
	_, err := a.pool.Exec(context.Background(), `UPDATE agency_partnerships SET charging_band = 'non_contributing'
		WHERE agency_id = (SELECT id FROM agencies WHERE name = $1)`, umbrella)
	require.NoError(t, err)
	a.newUser(t, "jo@example.org", umbrella)
	session := a.addSession(t, 10, 40*24*time.Hour, 3*24*time.Hour)
	b := browsertest.New(t)
	signInBrowser(t, b, base, "jo@example.org")

	browsertest.Navigate(t, b, base+fmt.Sprintf("/sessions/%d/book", session))
	require.NoError(t, chromedp.Do(b,
		chromedp.SendKeys(chromedp.ID("line-manager-name"), "Lee Manager"),
		chromedp.SendKeys(chromedp.ID("line-manager-email"), "lee@example.org"),
		chromedp.Click(chromedp.ID("agree-policy")),
	))
	u := follow(t, b, "main form button[type=submit]")
	require.Regexp(t, `^/bookings/\d+/pay$`, u.Path)
	assert.Contains(t, text(t, b, "main"), "Who pays for this place?")
	checkPage(t, b)
	browsertest.FitsWidth(t, b, browsertest.NarrowWidth)

	require.NoError(t, chromedp.Do(b, chromedp.Click(chromedp.ID("payer"))))
	followExpecting(t, b, "#pay-invoice", 422)
	summary := text(t, b, ".govuk-error-summary")
	assert.Contains(t, summary, "Enter the name of your organisation")
	assert.Contains(t, summary, "Enter the email address your organisation’s invoices go to")
	checkPage(t, b)
	browsertest.FitsWidth(t, b, browsertest.NarrowWidth)

	require.NoError(t, chromedp.Do(b,
		chromedp.SendKeys(chromedp.ID("organisation-name"), "Little Acorns Nursery"),
		chromedp.SendKeys(chromedp.ID("billing-email"), "office@acorns.example.org"),
		chromedp.SendKeys(chromedp.ID("organisation-purchase-order"), "ACORN-0193"),
	))
	u = follow(t, b, "#pay-invoice")
	assert.True(t, strings.HasPrefix(u.Path, "/bookings/"), u.Path)
	assert.Contains(t, text(t, b, ".govuk-notification-banner"), "The partnership will send the invoice")
	checkPage(t, b)
}
