package payment_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/stripetest"
)

// paidPlace adds a booking paid by card for £80 whose refund has been asked
// for, as a cancellation before the cut-off leaves it, and returns the
// booking and payment ids.
func (f fixture) paidPlace(t *testing.T) (booking, paymentID int64) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, f.pool.QueryRow(ctx, `
		WITH s AS (
			INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
			SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1),
			       $1::timestamptz, $1::timestamptz + interval '3 hours', $1::timestamptz - interval '3 days', 10, 'published'
			FROM courses c ORDER BY c.id LIMIT 1 RETURNING id),
		u AS (
			INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
			VALUES ('payer@example.org', 'Pat Payer', (SELECT id FROM agencies ORDER BY id LIMIT 1), '!', now()) RETURNING id)
		INSERT INTO bookings (session_id, user_id, status, booked_by, policy_agreed_at, ended_at)
		SELECT s.id, u.id, 'cancelled', u.id, now(), now() FROM s, u RETURNING id`, now.Add(30*24*time.Hour)).Scan(&booking))
	require.NoError(t, f.pool.QueryRow(ctx, `
		INSERT INTO payments (booking_id, method, amount_pence, status, payment_intent_id, paid_at, refund_requested_at)
		VALUES ($1, 'card', 8000, 'paid', 'pi_test_refund', now(), now()) RETURNING id`, booking).Scan(&paymentID))
	return booking, paymentID
}

func (f fixture) paymentState(t *testing.T, id int64) (status string, refund *string) {
	t.Helper()
	require.NoError(t, f.pool.QueryRow(context.Background(), "SELECT status, refund_id FROM payments WHERE id = $1", id).Scan(&status, &refund))
	return status, refund
}

func TestRefundsAreMadeOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, id := f.paidPlace(t)
	ctx := context.Background()

	n, err := f.svc.SendRefunds(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	status, refund := f.paymentState(t, id)
	assert.Equal(t, "refunded", status)
	require.NotNil(t, refund)

	n, err = f.svc.SendRefunds(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "made already")
	var calls []sent
	for _, r := range f.rec.sent() {
		if r.Path == "/v1/refunds" {
			calls = append(calls, r)
		}
	}
	require.Len(t, calls, 1)
	assert.Equal(t, payment.RefundKey(id), calls[0].Key)
	assert.Equal(t, "8000", calls[0].Form.Get("amount"))
	assert.Equal(t, "pi_test_refund", calls[0].Form.Get("payment_intent"))
}

// flaky passes requests on to stripe-mock but loses the first answers (more
// than stripe-go's own retries), as a crash between Stripe's refund and our
// commit would.
type flaky struct{ lost atomic.Int32 }

func (l *flaky) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && l.lost.Add(1) <= 3 {
		resp.Body.Close()
		return nil, errors.New("connection reset after Stripe answered")
	}
	return resp, err
}

// A refund whose answer was lost is asked for again with the same key, so
// Stripe answers with the first refund rather than making a second.
func TestRefundRetriedWithTheSameKey(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, id := f.paidPlace(t)
	rec := &recorder{}
	lossy := &flaky{}
	gw := payment.NewStripeGateway(stripetest.Key, stripetest.Start(t), &http.Client{Transport: roundTrips{rec, lossy}, Timeout: 30 * time.Second})
	svc := payment.New(f.pool, gw, secret, func() time.Time { return now })
	ctx := context.Background()

	_, err := svc.SendRefunds(ctx)
	require.Error(t, err, "the first answer was lost")
	status, _ := f.paymentState(t, id)
	assert.Equal(t, "paid", status, "still to be refunded")

	n, err := svc.SendRefunds(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	status, _ = f.paymentState(t, id)
	assert.Equal(t, "refunded", status)
	reqs := rec.sent()
	require.GreaterOrEqual(t, len(reqs), 2)
	for _, r := range reqs {
		assert.Equal(t, payment.RefundKey(id), r.Key, "every attempt carries the same key")
	}
}

// roundTrips records a request, then sends it through next.
type roundTrips struct {
	rec  *recorder
	next http.RoundTripper
}

func (r roundTrips) RoundTrip(req *http.Request) (*http.Response, error) {
	r.rec.mu.Lock()
	r.rec.reqs = append(r.rec.reqs, sent{req.Method, req.URL.Path, req.Header.Get("Idempotency-Key"), nil})
	r.rec.mu.Unlock()
	return r.next.RoundTrip(req)
}

func TestTwoSweepsAtOnceRefundOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, id := f.paidPlace(t)
	var wg sync.WaitGroup
	made := make([]int, 4)
	for i := range made {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := f.svc.SendRefunds(context.Background())
			assert.NoError(t, err)
			made[i] = n
		}()
	}
	wg.Wait()
	total := 0
	for _, n := range made {
		total += n
	}
	assert.Equal(t, 1, total)
	refunds := 0
	for _, r := range f.rec.sent() {
		if r.Path == "/v1/refunds" {
			refunds++
		}
	}
	assert.Equal(t, 1, refunds, "one call to Stripe")
	status, _ := f.paymentState(t, id)
	assert.Equal(t, "refunded", status)
}

func TestNoRefundsWithoutStripe(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, id := f.paidPlace(t)
	n, err := payment.New(f.pool, nil, "", nil).SendRefunds(context.Background())
	require.NoError(t, err)
	assert.Zero(t, n)
	status, _ := f.paymentState(t, id)
	assert.Equal(t, "paid", status)
}
