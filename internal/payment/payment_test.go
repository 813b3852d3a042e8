package payment_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/stripetest"
	"github.com/pscp/booktraining/internal/validation"
)

func TestMain(m *testing.M) { os.Exit(stripetest.Main(m)) }

// byManager is ctx acting as training manager id, asking from ip.
func byManager(ctx context.Context, id int64, ip string) context.Context {
	return actor.With(ctx, actor.Actor{ID: id, Manager: true, IP: ip})
}

var now = time.Date(2026, time.November, 23, 9, 0, 0, 0, time.UTC)

const secret = "whsec_test_secret"

// recorder is the HTTP client's transport: it remembers every request sent
// to Stripe (method, path, idempotency key, form body) and passes it on.
type recorder struct {
	mu   sync.Mutex
	reqs []sent
}

type sent struct {
	Method, Path, Key string
	Form              url.Values
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	form, _ := url.ParseQuery(string(body))
	r.mu.Lock()
	r.reqs = append(r.reqs, sent{req.Method, req.URL.Path, req.Header.Get("Idempotency-Key"), form})
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) sent() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sent(nil), r.reqs...)
}

type fixture struct {
	pool *pgxpool.Pool
	svc  *payment.Service
	rec  *recorder
}

func setup(t *testing.T) fixture {
	t.Helper()
	pool := pgtest.New(t)
	_, err := demo.Seed(context.Background(), pool, now)
	require.NoError(t, err)
	rec := &recorder{}
	gw := payment.NewStripeGateway(stripetest.Key, stripetest.Start(t), &http.Client{Transport: rec, Timeout: 30 * time.Second})
	return fixture{pool: pool, svc: payment.New(pool, gw, secret, func() time.Time { return now }), rec: rec}
}

func TestOnlineOnlyWithKeyAndWebhookSecret(t *testing.T) {
	t.Parallel()
	gw := payment.NewStripeGateway("sk_test_x", "", nil)
	assert.True(t, payment.New(nil, gw, secret, nil).Online())
	assert.False(t, payment.New(nil, nil, secret, nil).Online())
	assert.False(t, payment.New(nil, gw, "", nil).Online())
	_, err := payment.New(nil, nil, "", nil).Gateway()
	assert.ErrorIs(t, err, payment.ErrOffline)
}

func TestParsePounds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want payment.Pence
		bad  bool
	}{
		{"", 0, false}, {"0", 0, false}, {"80", 8000, false}, {"80.00", 8000, false}, {"80.5", 8050, false},
		{"£80.50", 8050, false}, {" 1,250 ", 125000, false}, {".99", 99, false}, {"10000", 1000000, false},
		{"10000.01", 0, true}, {"-5", 0, true}, {"80.505", 0, true}, {"80.", 0, true}, {"eighty", 0, true},
		{"8 0", 0, true}, {"1e3", 0, true}, {"99999999", 0, true},
	} {
		got, err := payment.ParsePounds(c.in)
		if c.bad {
			assert.Error(t, err, c.in)
			continue
		}
		assert.NoError(t, err, c.in)
		assert.Equal(t, c.want, got, c.in)
	}
	assert.Equal(t, "£80", payment.Pence(8000).String())
	assert.Equal(t, "£80.05", payment.Pence(8005).String())
	assert.Equal(t, "£10,000", payment.Pence(1000000).String())
	assert.Equal(t, "80.50", payment.Pence(8050).Input())
}

// --- the gateway, against stripe-mock ---

func TestGatewayCallsStripeWithIdempotencyKeys(t *testing.T) {
	t.Parallel()
	f := setup(t)
	gw, err := f.svc.Gateway()
	require.NoError(t, err)
	ctx := context.Background()

	cs, err := gw.CreateCheckoutSession(ctx, payment.CheckoutRequest{
		BookingID: 42, PaymentID: 7, AmountPence: 8000, Description: "Child Exploitation, Tuesday 1 December 2026",
		CustomerEmail: "priya@example.org", SuccessURL: "http://localhost:3000/bookings/42/paid?session={CHECKOUT_SESSION_ID}",
		CancelURL: "http://localhost:3000/bookings/42", ExpiresAt: now.Add(30 * time.Minute),
		IdempotencyKey: payment.CheckoutKey(7),
	})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(cs.ID, "cs_"), cs.ID)
	assert.NotEmpty(t, cs.URL)

	require.NoError(t, gw.ExpireCheckoutSession(ctx, cs.ID, payment.ExpireKey(7)))

	refund, err := gw.Refund(ctx, "pi_123", 8000, payment.RefundKey(42))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(refund, "re_"), refund)

	cus, err := gw.EnsureCustomer(ctx, payment.Customer{AgencyID: 3, Name: "Milton Scouts", BillingEmail: "treasurer@example.org"}, payment.CustomerKey(3))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(cus, "cus_"), cus)

	inv, err := gw.InvoiceCharges(ctx, cus, []payment.InvoiceLine{
		{Description: "Non-attendance: Sam Akela, 1 December 2026", AmountPence: 10000},
		{Description: "Late cancellation: Jo Bloggs, 2 December 2026", AmountPence: 5000},
	}, payment.InvoiceKey("charges", 9))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(inv, "in_"), inv)

	reqs := f.rec.sent()
	var got []string
	for _, r := range reqs {
		got = append(got, r.Method+" "+r.Path+" "+r.Key)
	}
	assert.Equal(t, []string{
		"POST /v1/checkout/sessions checkout-payment-7",
		"POST /v1/checkout/sessions/" + cs.ID + "/expire expire-payment-7",
		"POST /v1/refunds refund-payment-42",
		"POST /v1/customers customer-agency-3",
		"POST /v1/invoices invoice-charges-9-invoice",
		"POST /v1/invoiceitems invoice-charges-9-line-0",
		"POST /v1/invoiceitems invoice-charges-9-line-1",
		"POST /v1/invoices/" + inv + "/finalize invoice-charges-9-finalize",
		"POST /v1/invoices/" + inv + "/send invoice-charges-9-send",
	}, got)

	// What was asked of Stripe: the right amounts, currency and references.
	checkout := reqs[0].Form
	assert.Equal(t, "payment", checkout.Get("mode"))
	assert.Equal(t, "8000", checkout.Get("line_items[0][price_data][unit_amount]"))
	assert.Equal(t, "gbp", checkout.Get("line_items[0][price_data][currency]"))
	assert.Equal(t, "booking-42", checkout.Get("client_reference_id"))
	assert.Equal(t, "42", checkout.Get("metadata[booking_id]"))
	assert.Equal(t, "7", checkout.Get("payment_intent_data[metadata][payment_id]"))
	assert.Equal(t, fmt.Sprint(now.Add(30*time.Minute).Unix()), checkout.Get("expires_at"))
	assert.Equal(t, "priya@example.org", checkout.Get("customer_email"))
	assert.Equal(t, "pi_123", reqs[2].Form.Get("payment_intent"))
	assert.Equal(t, "8000", reqs[2].Form.Get("amount"))
	assert.Equal(t, "treasurer@example.org", reqs[3].Form.Get("email"))
	assert.Equal(t, "send_invoice", reqs[4].Form.Get("collection_method"))
	assert.Equal(t, "exclude", reqs[4].Form.Get("pending_invoice_items_behavior"))
	assert.Equal(t, inv, reqs[5].Form.Get("invoice"))
	assert.Equal(t, "10000", reqs[5].Form.Get("amount"))
	assert.Equal(t, "5000", reqs[6].Form.Get("amount"))
}

func TestGatewayRefusesAChangeWithoutAKey(t *testing.T) {
	t.Parallel()
	f := setup(t)
	gw, _ := f.svc.Gateway()
	ctx := context.Background()
	_, err := gw.Refund(ctx, "pi_123", 8000, "")
	assert.Error(t, err)
	_, err = gw.CreateCheckoutSession(ctx, payment.CheckoutRequest{BookingID: 1, AmountPence: 100})
	assert.Error(t, err)
	assert.Empty(t, f.rec.sent(), "nothing may reach Stripe without a key")
}

// A Stripe call that may go through later (no connection, Stripe's own
// fault) is Unavailable, shown as such; one Stripe refuses for good (our
// request is wrong) is a fault of ours, with no kind. The package's own
// refusals carry theirs.
func TestStripeFailuresCarryTheirKind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	refund := func(status int, body string) error {
		down := &stripeDown{suffix: "/v1/refunds", status: status, body: body}
		down.down.Store(true)
		gw := payment.NewStripeGateway(stripetest.Key, "http://stripe.invalid", &http.Client{Transport: down, Timeout: 30 * time.Second})
		_, err := gw.Refund(ctx, "pi_1", 8000, "refund-payment-1")
		require.Error(t, err)
		return err
	}
	err := refund(http.StatusServiceUnavailable, `{"error":{"type":"api_error","message":"Stripe is down."}}`)
	assert.Equal(t, errs.Unavailable, errs.KindOf(err), "%v", err)
	msg, ok := errs.PublicMessage(err)
	assert.True(t, ok)
	assert.Contains(t, msg, "cannot be reached")
	var serr *stripe.Error
	assert.True(t, errors.As(err, &serr), "Stripe's own error is still in the chain")

	err = refund(http.StatusBadRequest, `{"error":{"type":"invalid_request_error","message":"No such payment_intent."}}`)
	assert.Equal(t, errs.Internal, errs.KindOf(err), "%v", err)

	gw := payment.NewStripeGateway("sk_test_unreachable", "http://127.0.0.1:1", &http.Client{Timeout: 5 * time.Second})
	err = gw.ExpireCheckoutSession(ctx, "cs_1", "expire-payment-1")
	assert.Equal(t, errs.Unavailable, errs.KindOf(err), "no connection: %v", err)

	_, err = payment.New(nil, nil, "", nil).Gateway()
	assert.Equal(t, errs.Unavailable, errs.KindOf(err))
	for err, kind := range map[error]errs.Kind{
		payment.ErrOffline: errs.Unavailable, payment.ErrNotFound: errs.NotFound, payment.ErrNoBillingEmail: errs.Conflict,
		payment.ErrBadSignature: errs.Invalid, payment.ErrBadPayload: errs.Invalid, payment.ErrAPIVersion: errs.Invalid,
	} {
		assert.Equal(t, kind, errs.KindOf(fmt.Errorf("wrapped: %w", err)), "%v", err)
	}
}

func TestEnsureAgencyCustomerMakesOnePerAgency(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	var withEmail, without int64
	require.NoError(t, f.pool.QueryRow(ctx, `UPDATE agencies SET billing_contact_email = 'accounts@example.org'
		WHERE id = (SELECT min(id) FROM agencies) RETURNING id`).Scan(&withEmail))
	require.NoError(t, f.pool.QueryRow(ctx, `UPDATE agencies SET billing_contact_email = ''
		WHERE id = (SELECT max(id) FROM agencies) RETURNING id`).Scan(&without))

	id, err := f.svc.EnsureAgencyCustomer(ctx, withEmail)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(id, "cus_"))
	var stored string
	require.NoError(t, f.pool.QueryRow(ctx, "SELECT stripe_customer_id FROM agencies WHERE id = $1", withEmail).Scan(&stored))
	assert.Equal(t, id, stored)

	again, err := f.svc.EnsureAgencyCustomer(ctx, withEmail)
	require.NoError(t, err)
	assert.Equal(t, id, again)
	assert.Len(t, f.rec.sent(), 1, "the second call uses the stored customer")
	assert.Equal(t, payment.CustomerKey(withEmail), f.rec.sent()[0].Key)

	_, err = f.svc.EnsureAgencyCustomer(ctx, without)
	assert.ErrorIs(t, err, payment.ErrNoBillingEmail)
	_, err = f.svc.EnsureAgencyCustomer(ctx, 1<<40)
	assert.ErrorIs(t, err, payment.ErrNotFound)
	_, err = payment.New(f.pool, nil, "", nil).EnsureAgencyCustomer(ctx, withEmail)
	assert.ErrorIs(t, err, payment.ErrOffline)
}

// --- webhooks ---

// Event builds a Stripe event's JSON for the API version we expect.
func Event(id string, typ stripe.EventType, version string) []byte {
	b, _ := json.Marshal(map[string]any{
		"id": id, "object": "event", "type": typ, "api_version": version, "created": now.Unix(),
		"data": map[string]any{"object": map[string]any{"id": "cs_test_1", "object": "checkout.session"}},
	})
	return b
}

func sign(payload []byte, key string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: key, Timestamp: at}).Header
}

func TestVerify(t *testing.T) {
	t.Parallel()
	svc := payment.New(nil, nil, secret, nil)
	body := Event("evt_1", "checkout.session.completed", stripe.APIVersion)

	ev, err := svc.Verify(body, sign(body, secret, time.Now()))
	require.NoError(t, err)
	assert.Equal(t, "evt_1", ev.ID)
	assert.Equal(t, stripe.EventType("checkout.session.completed"), ev.Type)
	assert.Equal(t, "cs_test_1", ev.Data.Object["id"])

	// stripetest.Event builds what Stripe sends; its object reads back.
	b, h := stripetest.Event(secret, "evt_cs", "checkout.session.completed",
		&stripe.CheckoutSession{ID: "cs_1", PaymentIntent: &stripe.PaymentIntent{ID: "pi_1"}, ClientReferenceID: "booking-42"}, time.Now())
	ev, err = svc.Verify(b, h)
	require.NoError(t, err)
	var cs stripe.CheckoutSession
	require.NoError(t, json.Unmarshal(ev.Data.Raw, &cs))
	assert.Equal(t, "pi_1", cs.PaymentIntent.ID)
	assert.Equal(t, "booking-42", cs.ClientReferenceID)

	tampered := bytes.Replace(body, []byte("evt_1"), []byte("evt_2"), 1)
	for name, c := range map[string]struct {
		body   []byte
		header string
	}{
		"tampered body":  {tampered, sign(body, secret, time.Now())},
		"wrong secret":   {body, sign(body, "whsec_someone_else", time.Now())},
		"old timestamp":  {body, sign(body, secret, time.Now().Add(-payment.WebhookTolerance-time.Minute))},
		"no signature":   {body, ""},
		"garbage header": {body, "t=abc,v1=def"},
	} {
		_, err := svc.Verify(c.body, c.header)
		assert.ErrorIs(t, err, payment.ErrBadSignature, name)
	}

	other := Event("evt_3", "checkout.session.completed", "2022-11-15")
	_, err = svc.Verify(other, sign(other, secret, time.Now()))
	assert.ErrorIs(t, err, payment.ErrAPIVersion)

	notJSON := []byte("not json")
	_, err = svc.Verify(notJSON, sign(notJSON, secret, time.Now()))
	assert.ErrorIs(t, err, payment.ErrBadPayload)

	_, err = payment.New(nil, nil, "", nil).Verify(body, sign(body, "", time.Now()))
	assert.ErrorIs(t, err, payment.ErrOffline)
}

// effect is a handler whose effect can be counted: a row in audit_events.
func effect(ctx context.Context, tx pgx.Tx, ev stripe.Event) error {
	_, err := tx.Exec(ctx, "INSERT INTO audit_events (at, action, details) VALUES (now(), 'test_effect', jsonb_build_object('event', $1::text))", ev.ID)
	return err
}

func effects(t *testing.T, pool *pgxpool.Pool, id string) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(),
		"SELECT count(*) FROM audit_events WHERE action = 'test_effect' AND details->>'event' = $1", id).Scan(&n))
	return n
}

func TestProcessEventTakesEffectOnce(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	svc := payment.New(pool, nil, secret, func() time.Time { return now })
	ctx := context.Background()
	ev := stripe.Event{ID: "evt_once", Type: "checkout.session.completed"}

	require.NoError(t, svc.ProcessEvent(ctx, ev, effect))
	require.NoError(t, svc.ProcessEvent(ctx, ev, effect), "a duplicate is harmless")
	assert.Equal(t, 1, effects(t, pool, ev.ID))
	done, err := svc.Processed(ctx, ev.ID)
	require.NoError(t, err)
	assert.True(t, done)
}

func TestProcessEventConcurrentlyTakesEffectOnce(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	svc := payment.New(pool, nil, secret, nil)
	ev := stripe.Event{ID: "evt_race", Type: "checkout.session.completed"}

	// The handler holds its transaction open a moment, so the others arrive
	// while the first is still inside.
	slow := func(ctx context.Context, tx pgx.Tx, ev stripe.Event) error {
		time.Sleep(50 * time.Millisecond)
		return effect(ctx, tx, ev)
	}
	const n = 8
	errs := make(chan error, n)
	var start sync.WaitGroup
	start.Add(1)
	for range n {
		go func() {
			start.Wait()
			errs <- svc.ProcessEvent(context.Background(), ev, slow)
		}()
	}
	start.Done()
	for range n {
		assert.NoError(t, <-errs)
	}
	assert.Equal(t, 1, effects(t, pool, ev.ID))
}

func TestFailedHandlerLeavesEventForTheRetry(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	svc := payment.New(pool, nil, secret, nil)
	ctx := context.Background()
	ev := stripe.Event{ID: "evt_retry", Type: "invoice.paid"}
	boom := errors.New("database said no")

	err := svc.ProcessEvent(ctx, ev, func(ctx context.Context, tx pgx.Tx, ev stripe.Event) error {
		if err := effect(ctx, tx, ev); err != nil {
			return err
		}
		return boom // after its effect: the effect must roll back too
	})
	assert.ErrorIs(t, err, boom)
	done, err := svc.Processed(ctx, ev.ID)
	require.NoError(t, err)
	assert.False(t, done, "no ledger row for a failed event")
	assert.Equal(t, 0, effects(t, pool, ev.ID))

	require.NoError(t, svc.ProcessEvent(ctx, ev, effect))
	assert.Equal(t, 1, effects(t, pool, ev.ID))
}

func TestConcurrentRetryAfterAFailureTakesEffectOnce(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	svc := payment.New(pool, nil, secret, nil)
	ev := stripe.Event{ID: "evt_fail_then_win", Type: "invoice.paid"}
	inside := make(chan struct{})
	failed := make(chan error, 1)
	go func() {
		failed <- svc.ProcessEvent(context.Background(), ev, func(ctx context.Context, tx pgx.Tx, ev stripe.Event) error {
			close(inside)
			time.Sleep(100 * time.Millisecond)
			return errors.New("first delivery fails")
		})
	}()
	<-inside
	// This delivery waits on the first's row, then processes the event itself.
	require.NoError(t, svc.ProcessEvent(context.Background(), ev, effect))
	assert.Error(t, <-failed)
	assert.Equal(t, 1, effects(t, pool, ev.ID))
}

func TestDispatchUsesTheRegisteredHandler(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	svc := payment.New(pool, nil, secret, nil)
	ctx := context.Background()
	svc.Handle("checkout.session.completed", effect)
	assert.Panics(t, func() { svc.Handle("checkout.session.completed", effect) })

	require.NoError(t, svc.Dispatch(ctx, stripe.Event{ID: "evt_a", Type: "checkout.session.completed"}))
	require.NoError(t, svc.Dispatch(ctx, stripe.Event{ID: "evt_b", Type: "customer.created"}))
	assert.Equal(t, 1, effects(t, pool, "evt_a"))
	assert.Equal(t, 0, effects(t, pool, "evt_b"))
	done, err := svc.Processed(ctx, "evt_b")
	require.NoError(t, err)
	assert.True(t, done, "an event of an unknown type is recorded")
}

// --- prices and the charge policy ---

func courseID(t *testing.T, pool *pgxpool.Pool, duration string) int64 {
	t.Helper()
	var id int64
	require.NoError(t, pool.QueryRow(context.Background(),
		"SELECT min(id) FROM courses WHERE duration = $1", duration).Scan(&id))
	return id
}

func managerID(t *testing.T, pool *pgxpool.Pool) int64 {
	t.Helper()
	var id int64
	require.NoError(t, pool.QueryRow(context.Background(), `
		INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
		VALUES ('helen@example.org', 'Helen Carter', 'Manager', (SELECT min(id) FROM agencies), 'x', now()) RETURNING id`).Scan(&id))
	return id
}

func TestCoursePricesPerBand(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	_, err := demo.Seed(context.Background(), pool, now)
	require.NoError(t, err)
	svc := payment.New(pool, nil, "", func() time.Time { return now })
	ctx := context.Background()
	course := courseID(t, pool, "full_day")
	manager := managerID(t, pool)
	first := firstPartnership(t, pool)

	p, err := payment.CoursePrice(ctx, pool, course, first, agency.BandNonContributing)
	require.NoError(t, err)
	assert.Equal(t, payment.Pence(0), p, "no price set: free")

	require.NoError(t, svc.SetCoursePrices(byManager(ctx, manager, "192.0.2.1"), course, payment.PriceForm{
		agency.BandPartner: "", agency.BandContributing: "40.50", agency.BandNonContributing: "£80",
	}))
	prices, err := svc.CoursePrices(ctx, course)
	require.NoError(t, err)
	assert.Equal(t, []payment.BandPrice{{agency.BandPartner, 0}, {agency.BandContributing, 4050}, {agency.BandNonContributing, 8000}}, prices.Bands)
	assert.False(t, prices.Free())
	p, err = payment.CoursePrice(ctx, pool, course, first, agency.BandNonContributing)
	require.NoError(t, err)
	assert.Equal(t, payment.Pence(8000), p)

	var details string
	require.NoError(t, pool.QueryRow(ctx, "SELECT details::text FROM audit_events WHERE action = 'course_prices_changed' AND actor_id = $1 AND host(ip) = '192.0.2.1'", manager).Scan(&details))
	assert.Contains(t, details, `"non_contributing": {"to": "£80", "from": "£0"}`)

	// Back to free: the row goes, and the change is audited again.
	require.NoError(t, svc.SetCoursePrices(byManager(ctx, manager, ""), course, payment.PriceForm{agency.BandContributing: "0"}))
	prices, err = svc.CoursePrices(ctx, course)
	require.NoError(t, err)
	assert.True(t, prices.Free())
	var rows, audits int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM course_prices WHERE course_id = $1", course).Scan(&rows))
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE action = 'course_prices_changed'").Scan(&audits))
	assert.Equal(t, 0, rows)
	assert.Equal(t, 2, audits)

	// Saving what is already there changes and records nothing.
	require.NoError(t, svc.SetCoursePrices(byManager(ctx, manager, ""), course, payment.PriceForm{}))
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE action = 'course_prices_changed'").Scan(&audits))
	assert.Equal(t, 2, audits)

	assert.ErrorIs(t, svc.SetCoursePrices(byManager(ctx, manager, ""), 1<<40, payment.PriceForm{}), payment.ErrNotFound)
	_, err = svc.CoursePrices(ctx, 1<<40)
	assert.ErrorIs(t, err, payment.ErrNotFound)
}

func TestCoursePriceValidation(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	_, err := demo.Seed(context.Background(), pool, now)
	require.NoError(t, err)
	svc := payment.New(pool, nil, "", nil)
	course := courseID(t, pool, "half_day")
	manager := managerID(t, pool)
	for _, c := range []struct {
		value, message string
	}{
		{"-5", "The price for contributing agencies cannot be negative"},
		{"10000.01", "The price for contributing agencies must be £10,000 or less"},
		{"eighty", "Enter the price for contributing agencies in pounds, like 80 or 80.50"},
		{"80.123", "Enter the price for contributing agencies in pounds, like 80 or 80.50"},
	} {
		err := svc.SetCoursePrices(byManager(context.Background(), manager, ""), course, payment.PriceForm{agency.BandContributing: c.value})
		var v *validation.Errors
		require.ErrorAs(t, err, &v, c.value)
		assert.Equal(t, c.message, v.Message("price-contributing"), c.value)
	}
	var rows int
	require.NoError(t, pool.QueryRow(context.Background(), "SELECT count(*) FROM course_prices").Scan(&rows))
	assert.Equal(t, 0, rows)
}

func TestChargePolicyDefaultsAndChanges(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	_, err := demo.Seed(context.Background(), pool, now)
	require.NoError(t, err)
	svc := payment.New(pool, nil, "", func() time.Time { return now })
	ctx := context.Background()
	first := firstPartnership(t, pool)
	for _, c := range []struct {
		kind     payment.ChargeKind
		duration catalogue.Duration
		band     agency.ChargingBand
		want     payment.Pence
	}{
		{payment.NonAttendance, catalogue.HalfDay, agency.BandPartner, 0},
		{payment.NonAttendance, catalogue.HalfDay, agency.BandContributing, 5000},
		{payment.NonAttendance, catalogue.FullDay, agency.BandNonContributing, 10000},
		{payment.LateCancellation, catalogue.FullDay, agency.BandPartner, 0},
		{payment.LateCancellation, catalogue.HalfDay, agency.BandNonContributing, 5000},
		{payment.LateCancellation, catalogue.FullDay, agency.BandContributing, 10000},
	} {
		got, err := payment.PolicyCharge(ctx, pool, first, c.kind, c.duration, c.band)
		require.NoError(t, err)
		assert.Equal(t, c.want, got, "%s %s %s", c.kind, c.duration, c.band)
	}

	entries, err := svc.ChargePolicy(ctx)
	require.NoError(t, err)
	require.Len(t, entries, 12)
	form := payment.PolicyForm{}
	for _, e := range entries {
		form[e.Field()] = e.Amount.Input()
	}
	manager := managerID(t, pool)
	form["late_cancellation-full_day-non_contributing"] = "75"
	form["non_attendance-half_day-partner"] = "-1"
	err = svc.SetChargePolicy(byManager(ctx, manager, ""), form)
	var v *validation.Errors
	require.ErrorAs(t, err, &v)
	assert.Equal(t, "The non-attendance charge for a half day for safeguarding partners cannot be negative", v.Message("non_attendance-half_day-partner"))
	got, err := payment.PolicyCharge(ctx, pool, first, payment.LateCancellation, catalogue.FullDay, agency.BandNonContributing)
	require.NoError(t, err)
	assert.Equal(t, payment.Pence(10000), got, "nothing saved when anything is wrong")

	form["non_attendance-half_day-partner"] = "0"
	require.NoError(t, svc.SetChargePolicy(byManager(ctx, manager, ""), form))
	got, err = payment.PolicyCharge(ctx, pool, first, payment.LateCancellation, catalogue.FullDay, agency.BandNonContributing)
	require.NoError(t, err)
	assert.Equal(t, payment.Pence(7500), got)
	var details string
	require.NoError(t, pool.QueryRow(ctx, "SELECT details::text FROM audit_events WHERE action = 'charge_policy_changed'").Scan(&details))
	assert.Equal(t, `{"late_cancellation-full_day-non_contributing": {"to": "£75", "from": "£100"}}`, details)
}

func TestPriceForViewer(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	_, err := demo.Seed(context.Background(), pool, now)
	require.NoError(t, err)
	svc := payment.New(pool, nil, "", nil)
	ctx := context.Background()
	course := courseID(t, pool, "full_day")
	require.NoError(t, svc.SetCoursePrices(byManager(ctx, managerID(t, pool), ""), course, payment.PriceForm{agency.BandNonContributing: "80"}))
	var payer, partner int64
	require.NoError(t, pool.QueryRow(ctx, "SELECT min(id) FROM agencies WHERE charging_band = 'non_contributing'").Scan(&payer))
	require.NoError(t, pool.QueryRow(ctx, "SELECT min(id) FROM agencies WHERE charging_band = 'partner'").Scan(&partner))

	v, err := svc.PriceForViewer(ctx, course, &payer)
	require.NoError(t, err)
	assert.True(t, v.ForAgency)
	assert.Equal(t, payment.Pence(8000), v.Yours)
	v, err = svc.PriceForViewer(ctx, course, &partner)
	require.NoError(t, err)
	assert.Equal(t, payment.Pence(0), v.Yours)
	v, err = svc.PriceForViewer(ctx, course, nil)
	require.NoError(t, err)
	assert.False(t, v.ForAgency)
	assert.Equal(t, payment.Pence(8000), v.For(agency.BandNonContributing))

	p, band, err := payment.AgencyCoursePrice(ctx, pool, course, firstPartnership(t, pool), payer)
	require.NoError(t, err)
	assert.Equal(t, agency.BandNonContributing, band)
	assert.Equal(t, payment.Pence(8000), p)
}

// firstPartnership is the deployment's own partnership, whose every price and
// band a one-partnership database holds.
func firstPartnership(t *testing.T, pool *pgxpool.Pool) int64 {
	t.Helper()
	var id int64
	require.NoError(t, pool.QueryRow(context.Background(), "SELECT first_partnership_id()").Scan(&id))
	return id
}
