package booking_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v76"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/stripetest"
)

const webhookSecret = "whsec_booking_tests"

// paid gives f's service card payments through stripe-mock and prices the
// fixture's course at £80 for every band, and returns the payment service
// with the booking webhooks registered, as cmd/server does.
func (f fixture) paid(t *testing.T) *payment.Service {
	t.Helper()
	gw := payment.NewStripeGateway(stripetest.Key, stripetest.Start(t), &http.Client{Timeout: 30 * time.Second})
	pay := payment.New(f.pool, gw, webhookSecret, f.clock.Now)
	jobs, err := queue.NewInsertOnly(f.pool)
	require.NoError(t, err)
	pay.Jobs = email.NewOutbox(jobs)
	pay.Handle(stripe.EventTypeCheckoutSessionCompleted, pay.CheckoutCompleted)
	pay.Handle(stripe.EventTypeCheckoutSessionExpired, pay.CheckoutExpired)
	pay.Bookings, f.svc.Money = f.svc, pay
	_, err = f.pool.Exec(f.ctx, `
		INSERT INTO course_prices (course_id, charging_band, amount_pence)
		SELECT (SELECT id FROM courses ORDER BY id LIMIT 1), b, 8000
		FROM unnest(ARRAY['partner', 'contributing', 'non_contributing']) AS b`)
	require.NoError(t, err)
	return pay
}

// pay is the payment service f.paid gave f's bookings.
func (f fixture) pay() *payment.Service { return f.svc.Money.(*payment.Service) }

// checkout opens the card payment of held booking id and returns the
// checkout session's id as stored.
func (f fixture) checkout(t *testing.T, who actor.Actor, id int64) string {
	t.Helper()
	url, err := f.pay().PayByCard(actor.With(f.ctx, who), id)
	require.NoError(t, err)
	assert.NotEmpty(t, url)
	var cs string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT checkout_session_id FROM payments WHERE booking_id = $1", id).Scan(&cs))
	return cs
}
