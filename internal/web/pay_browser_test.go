package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// A practitioner books a paid place without card payments configured: the
// payment page holds the place, refuses a missing purchase order with an
// error summary, then confirms the place on the agency's invoice. Every page
// passes axe-core.
func TestBrowserPayForAPlaceOnTheInvoice(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	a.priceSessions(t)
	a.newUser(t, "robin@example.org", "")
	session := a.addSession(t, 10, 40*24*time.Hour, 3*24*time.Hour)
	b := browsertest.New(t)
	signInBrowser(t, b, base, "robin@example.org")

	browsertest.Navigate(t, b, base+fmt.Sprintf("/sessions/%d/book", session))
	require.NoError(t, chromedp.Do(b,
		chromedp.SendKeys(chromedp.ID("line-manager-name"), "Lee Manager"),
		chromedp.SendKeys(chromedp.ID("line-manager-email"), "lee@example.org"),
		chromedp.Click(chromedp.ID("agree-policy")),
	))
	u := follow(t, b, "main form button[type=submit]")
	assert.Regexp(t, `^/bookings/\d+/pay$`, u.Path)
	pay := u.Path
	held := strings.TrimSuffix(pay, "/pay")

	// The booking itself and the page Stripe would send them back to say
	// honestly that nothing is confirmed yet.
	browsertest.Navigate(t, b, base+held)
	assert.Contains(t, text(t, b, "#status"), "not paid for yet")
	checkPage(t, b)
	browsertest.Navigate(t, b, base+held+"/paid")
	assert.Equal(t, "We are confirming your payment", text(t, b, "h1"))
	checkPage(t, b)

	browsertest.Navigate(t, b, base+pay)
	assert.Equal(t, "Pay for your place", text(t, b, "h1"))
	assert.Contains(t, text(t, b, "#price"), "£80")
	assert.Contains(t, text(t, b, "#hold"), "We are holding this place for you until")
	assert.Contains(t, text(t, b, "#card-unavailable"), "Online card payment is not available")
	checkPage(t, b)

	followExpecting(t, b, "#pay-invoice", 422)
	assert.Contains(t, text(t, b, ".govuk-error-summary"), "Enter your agency’s purchase order number")
	checkPage(t, b)

	require.NoError(t, chromedp.Do(b, chromedp.SendKeys(chromedp.ID("purchase-order"), "PO-2026-118")))
	u = follow(t, b, "#pay-invoice")
	assert.Regexp(t, `^/bookings/\d+$`, u.Path)
	assert.Contains(t, text(t, b, ".govuk-notification-banner"), "The price will go on your agency’s invoice")
	assert.Equal(t, "Confirmed", text(t, b, "#status"))
	checkPage(t, b)
}
