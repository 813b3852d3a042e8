package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v76"

	"github.com/pscp/booktraining/internal/stripetest"
)

// withCardPayments gives the app card payments through stripe-mock and the
// booking webhooks, wired as cmd/server wires them.
func withCardPayments(t *testing.T) deps { return withStripe(t) }

// priceSessions puts an £80 price on the course addSession uses, for every band.
func (a testApp) priceSessions(t *testing.T) {
	t.Helper()
	_, err := a.pool.Exec(context.Background(), `
		INSERT INTO course_prices (course_id, charging_band, amount_pence)
		SELECT (SELECT id FROM courses ORDER BY id LIMIT 1), b, 8000
		FROM unnest(ARRAY['partner', 'contributing', 'non_contributing']) AS b`)
	require.NoError(t, err)
}

// bookPaid books a paid place and returns its id, from the redirect to its payment page.
func (c *client) bookPaid(session int64) int64 {
	c.t.Helper()
	c.get(fmt.Sprintf("/sessions/%d/book", session))
	resp, page := c.post(fmt.Sprintf("/sessions/%d/book", session), bookingDetails())
	require.Equal(c.t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	var id int64
	_, err := fmt.Sscanf(resp.Header.Get("Location"), "/bookings/%d/pay", &id)
	require.NoError(c.t, err, resp.Header.Get("Location"))
	return id
}

func TestPayingForAPlaceByCard(t *testing.T) {
	t.Parallel()
	a := setup(t, withCardPayments(t))
	a.priceSessions(t)
	a.newUser(t, "sam@example.org", "")
	session := a.addSession(t, 10, 40*24*time.Hour, 3*24*time.Hour)
	sam := a.as(t, "sam@example.org")
	id := sam.bookPaid(session)
	status, _ := a.bookingState(t, id)
	assert.Equal(t, "held", status)

	payPath := fmt.Sprintf("/bookings/%d/pay", id)
	resp, page := sam.get(payPath)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "£80")
	assert.Contains(t, page, "Pay £80 by card")
	assert.Contains(t, page, "We are holding this place for you until")
	a.newUser(t, "alex@example.org", "")
	resp, _ = a.as(t, "alex@example.org").get(payPath)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "someone else's booking")

	resp, _ = sam.post(payPath, url.Values{"method": {"card"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	to, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "https", to.Scheme, "off to Stripe Checkout")
	assert.NotEqual(t, "example.com", to.Host)
	var cs, checkoutURL string
	require.NoError(t, a.pool.QueryRow(context.Background(),
		"SELECT checkout_session_id, checkout_url FROM payments WHERE booking_id = $1", id).Scan(&cs, &checkoutURL))
	assert.Equal(t, checkoutURL, resp.Header.Get("Location"), "to the page Stripe made for this payment")

	paidPath := fmt.Sprintf("/bookings/%d/paid", id)
	_, page = sam.get(paidPath)
	assert.Contains(t, page, "We are confirming your payment", "the return page never confirms by itself")
	status, _ = a.bookingState(t, id)
	assert.Equal(t, "held", status)

	body, sig := stripetest.Event(webhookSecret, "evt_paid_1", stripe.EventTypeCheckoutSessionCompleted, map[string]any{
		"id": cs, "object": "checkout.session", "payment_status": "paid", "status": "complete", "payment_intent": "pi_test_1",
	}, time.Now())
	resp, text := a.postWebhook(t, body, sig)
	require.Equal(t, http.StatusOK, resp.StatusCode, text)
	_, page = sam.get(paidPath)
	assert.Contains(t, page, "Payment received: your place is booked")
	_, page = sam.get(fmt.Sprintf("/bookings/%d", id))
	assert.Contains(t, page, "£80 by card")

	// Cancelling before the cut-off says the refund first, then asks for it.
	_, page = sam.get(fmt.Sprintf("/bookings/%d/cancel", id))
	assert.Contains(t, page, "The £80 paid for the place will be refunded in full")
	resp, _ = sam.post(fmt.Sprintf("/bookings/%d/cancel", id), url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/my-training?done=cancelled-refunded", resp.Header.Get("Location"))
	var asked bool
	require.NoError(t, a.pool.QueryRow(context.Background(),
		"SELECT refund_requested_at IS NOT NULL FROM payments WHERE booking_id = $1", id).Scan(&asked))
	assert.True(t, asked)
}

func TestPayingForAPlaceOnTheAgencysInvoice(t *testing.T) {
	t.Parallel()
	a := setup(t) // no Stripe: card payments are off
	a.priceSessions(t)
	a.newUser(t, "sam@example.org", "")
	session := a.addSession(t, 10, 40*24*time.Hour, 3*24*time.Hour)
	sam := a.as(t, "sam@example.org")
	_, form := sam.get(fmt.Sprintf("/sessions/%d/book", session))
	assert.Contains(t, form, "£80 for your agency", "the price is shown before booking")
	id := sam.bookPaid(session)
	payPath := fmt.Sprintf("/bookings/%d/pay", id)

	_, page := sam.get(payPath)
	assert.Contains(t, page, "Online card payment is not available")
	assert.NotContains(t, page, "by card</button>")

	resp, page := sam.post(payPath, url.Values{"method": {"invoice"}, "purchase-order": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, page, "govuk-error-summary")
	assert.Contains(t, page, "Enter your agency’s purchase order number")
	status, _ := a.bookingState(t, id)
	assert.Equal(t, "held", status, "nothing changed")

	resp, _ = sam.post(payPath, url.Values{"method": {"card"}})
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "no card payments to be had")

	resp, _ = sam.post(payPath, url.Values{"method": {"invoice"}, "purchase-order": {"PO-4471"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, fmt.Sprintf("/bookings/%d?done=invoiced", id), resp.Header.Get("Location"))
	status, _ = a.bookingState(t, id)
	assert.Equal(t, "confirmed", status)
	_, page = sam.get(fmt.Sprintf("/bookings/%d?done=invoiced", id))
	assert.Contains(t, page, "The price will go on your agency’s invoice")

	resp, page = sam.get(payPath)
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "There is nothing to pay for this booking")
	assert.False(t, strings.Contains(page, "Pay £80"), "paid once")
}
