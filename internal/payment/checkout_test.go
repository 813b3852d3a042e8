package payment_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/payment"
)

// closedCheckout adds to a booking a card payment we have closed whose
// Stripe page is still open, and returns the payment's id.
func (f fixture) closedCheckout(t *testing.T) int64 {
	t.Helper()
	booking, _ := f.paidPlace(t)
	var id int64
	require.NoError(t, f.pool.QueryRow(context.Background(), `
		INSERT INTO payments (booking_id, method, amount_pence, status, checkout_session_id, checkout_url, expires_at)
		VALUES ($1, 'card', 8000, 'expired', 'cs_test_left_open', 'https://checkout.stripe.com/c/pay/x', now())
		RETURNING id`, booking).Scan(&id))
	return id
}

func (f fixture) checkoutClosed(t *testing.T, id int64) bool {
	t.Helper()
	var closed bool
	require.NoError(t, f.pool.QueryRow(context.Background(),
		"SELECT checkout_closed_at IS NOT NULL FROM payments WHERE id = $1", id).Scan(&closed))
	return closed
}

func TestClosedPaymentsCheckoutsAreClosedAtStripeOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.closedCheckout(t)
	ctx := context.Background()

	n, err := f.svc.CloseCheckouts(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.True(t, f.checkoutClosed(t, id))
	n, err = f.svc.CloseCheckouts(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)

	var calls []sent
	for _, r := range f.rec.sent() {
		if r.Path == "/v1/checkout/sessions/cs_test_left_open/expire" {
			calls = append(calls, r)
		}
	}
	require.Len(t, calls, 1, "asked once")
	assert.Equal(t, payment.ExpireKey(id), calls[0].Key)
}

func TestCheckoutLeftOpenWhenStripeIsOutOfReach(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.closedCheckout(t)
	gw := payment.NewStripeGateway("sk_test_unreachable", "http://127.0.0.1:1", &http.Client{Timeout: 5 * time.Second})
	n, err := payment.New(f.pool, gw, secret, nil).CloseCheckouts(context.Background())
	assert.Error(t, err)
	assert.Zero(t, n)
	assert.False(t, f.checkoutClosed(t, id), "tried again next time")
}
