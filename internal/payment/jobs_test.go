package payment_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/stripetest"
)

// enqueuer inserts jobs as main's does: the outbox over an insert-only
// River client.
func enqueuer(t *testing.T, pool *pgxpool.Pool) queue.Enqueuer {
	t.Helper()
	c, err := queue.NewInsertOnly(pool)
	require.NoError(t, err)
	return email.NewOutbox(c)
}

type jobRow struct {
	ID      int64
	State   string
	Attempt int
	Errors  []string
	Args    map[string]int64
}

// jobsOf reads the jobs of a kind from River's table, oldest first.
func jobsOf(t *testing.T, pool *pgxpool.Pool, kind string) []jobRow {
	t.Helper()
	rows, err := pool.Query(context.Background(), `
		SELECT id, state::text, attempt,
		       coalesce((SELECT array_agg(e->>'error') FROM unnest(errors) e), '{}')::text[], args
		FROM river_job WHERE kind = $1 ORDER BY id`, kind)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (jobRow, error) {
		var j jobRow
		var raw []byte
		if err := r.Scan(&j.ID, &j.State, &j.Attempt, &j.Errors, &raw); err != nil {
			return j, err
		}
		return j, json.Unmarshal(raw, &j.Args)
	})
	require.NoError(t, err)
	return out
}

// waitForJob waits until the only job of kind is in state.
func waitForJob(t *testing.T, pool *pgxpool.Pool, kind, state string) jobRow {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		jobs := jobsOf(t, pool, kind)
		if len(jobs) == 1 && jobs[0].State == state {
			return jobs[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s job came to be %s: %+v", kind, state, jobs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// paidPlace adds a booking paid by card for £80 whose refund has been asked
// for (with no job: as a lost job, or data from before jobs, leaves it), and
// returns the booking and payment ids.
func (f fixture) paidPlace(t *testing.T) (booking, paymentID int64) {
	t.Helper()
	booking, paymentID = f.paidByCard(t)
	_, err := f.pool.Exec(context.Background(), "UPDATE payments SET refund_requested_at = now() WHERE id = $1", paymentID)
	require.NoError(t, err)
	return booking, paymentID
}

// paidByCard adds a cancelled booking paid by card for £80, its refund not
// yet asked for.
func (f fixture) paidByCard(t *testing.T) (booking, paymentID int64) {
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
			VALUES ('payer' || CASE WHEN EXISTS (SELECT 1 FROM users WHERE email = 'payer@example.org')
			                        THEN (SELECT count(*) FROM users)::text ELSE '' END || '@example.org', 'Pat Payer', (SELECT id FROM agencies ORDER BY id LIMIT 1), '!', now()) RETURNING id)
		INSERT INTO bookings (session_id, user_id, status, booked_by, policy_agreed_at, ended_at)
		SELECT s.id, u.id, 'cancelled', u.id, now(), now() FROM s, u RETURNING id`, now.Add(30*24*time.Hour)).Scan(&booking))
	require.NoError(t, f.pool.QueryRow(ctx, `
		INSERT INTO payments (booking_id, method, amount_pence, status, payment_intent_id, paid_at)
		VALUES ($1, 'card', 8000, 'paid', 'pi_test_refund' || CASE WHEN EXISTS (SELECT 1 FROM payments)
		        THEN '_' || (SELECT count(*) FROM payments)::text ELSE '' END, now()) RETURNING id`, booking).Scan(&paymentID))
	return booking, paymentID
}

func (f fixture) paymentState(t *testing.T, id int64) (status string, refund *string) {
	t.Helper()
	require.NoError(t, f.pool.QueryRow(context.Background(), "SELECT status, refund_id FROM payments WHERE id = $1", id).Scan(&status, &refund))
	return status, refund
}

func (f fixture) refundCalls() []sent {
	var calls []sent
	for _, r := range f.rec.sent() {
		if r.Path == "/v1/refunds" {
			calls = append(calls, r)
		}
	}
	return calls
}

// sweep runs the payment sweep called name once.
func sweep(t *testing.T, svc *payment.Service, name string) int {
	t.Helper()
	for _, s := range svc.Sweeps() {
		if s.Name == name {
			n, err := s.Run(context.Background())
			require.NoError(t, err)
			return n
		}
	}
	t.Fatalf("no sweep %q", name)
	return 0
}

// The refund job goes in the transaction that asks for the refund: none if
// it rolls back, one however often it is asked.
func TestRefundJobIsInsertedWithItsCause(t *testing.T) {
	t.Parallel()
	f := setup(t)
	jobs := enqueuer(t, f.pool)
	_, id := f.paidByCard(t)
	ctx := context.Background()
	ask := func(commit bool) payment.Pence {
		tx, err := f.pool.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx) //nolint:errcheck
		amount, err := payment.RequestRefundTx(ctx, tx, jobs, id, now)
		require.NoError(t, err)
		if commit {
			require.NoError(t, tx.Commit(ctx))
		}
		return amount
	}

	assert.Equal(t, payment.Pence(8000), ask(false))
	assert.Empty(t, jobsOf(t, f.pool, payment.KindRefund), "rolled back: no job")
	var asked bool
	require.NoError(t, f.pool.QueryRow(ctx, "SELECT refund_requested_at IS NOT NULL FROM payments WHERE id = $1", id).Scan(&asked))
	assert.False(t, asked)

	assert.Equal(t, payment.Pence(8000), ask(true))
	got := jobsOf(t, f.pool, payment.KindRefund)
	require.Len(t, got, 1)
	assert.Equal(t, id, got[0].Args["payment_id"])
	assert.Equal(t, "available", got[0].State)

	assert.Zero(t, ask(true), "asked for already")
	assert.Len(t, jobsOf(t, f.pool, payment.KindRefund), 1, "one job per payment")
	assert.Zero(t, sweep(t, f.svc, "refunds"), "the sweep finds its job")
}

// A second run of the refund job asks Stripe nothing and records nothing.
func TestRefundIsMadeOnceUnderADoubleRun(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, id := f.paidPlace(t)
	ctx := context.Background()

	recorded, err := f.svc.Refund(ctx, id)
	require.NoError(t, err)
	assert.True(t, recorded)
	status, refund := f.paymentState(t, id)
	assert.Equal(t, "refunded", status)
	require.NotNil(t, refund)

	recorded, err = f.svc.Refund(ctx, id)
	require.NoError(t, err)
	assert.False(t, recorded, "made already")
	calls := f.refundCalls()
	require.Len(t, calls, 1, "Stripe asked once")
	assert.Equal(t, payment.RefundKey(id), calls[0].Key)
	assert.Equal(t, "8000", calls[0].Form.Get("amount"))
	assert.Equal(t, "pi_test_refund", calls[0].Form.Get("payment_intent"))
}

// Two workers (a job rescued while its first run still talks to Stripe)
// ask Stripe with the same key, which answers both with one refund, and
// only one of them records it.
func TestTwoRefundWorkersAtOnceRefundOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, id := f.paidPlace(t)
	var wg sync.WaitGroup
	var recorded atomic.Int32
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := f.svc.Refund(context.Background(), id)
			assert.NoError(t, err)
			if ok {
				recorded.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), recorded.Load(), "recorded once")
	calls := f.refundCalls()
	require.NotEmpty(t, calls)
	for _, c := range calls {
		assert.Equal(t, payment.RefundKey(id), c.Key, "every call carries the payment's key: Stripe makes one refund")
	}
	status, _ := f.paymentState(t, id)
	assert.Equal(t, "refunded", status)
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

// A refund whose answer was lost is asked for again with the same key, so
// Stripe answers with the first refund rather than making a second.
func TestRefundRetriedWithTheSameKey(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, id := f.paidPlace(t)
	rec := &recorder{}
	gw := payment.NewStripeGateway(stripetest.Key, stripetest.Start(t), &http.Client{Transport: roundTrips{rec, &flaky{}}, Timeout: 30 * time.Second})
	svc := payment.New(f.pool, gw, secret, func() time.Time { return now })
	ctx := context.Background()

	_, err := svc.Refund(ctx, id)
	require.Error(t, err, "the first answer was lost")
	var cancel *rivertype.JobCancelError
	assert.False(t, errors.As(err, &cancel), "a lost answer is tried again, not given up")
	status, _ := f.paymentState(t, id)
	assert.Equal(t, "paid", status, "still to be refunded")

	recorded, err := svc.Refund(ctx, id)
	require.NoError(t, err)
	assert.True(t, recorded)
	reqs := rec.sent()
	require.GreaterOrEqual(t, len(reqs), 2)
	for _, r := range reqs {
		assert.Equal(t, payment.RefundKey(id), r.Key, "every attempt carries the same key")
	}
}

// stripeDown answers the requests whose path ends with suffix as Stripe
// does when it refuses (status and error body) while down is set, and
// passes the rest (and everything after) on to stripe-mock.
type stripeDown struct {
	suffix string
	status int
	body   string
	down   atomic.Bool
	seen   atomic.Int32
}

func (s *stripeDown) RoundTrip(req *http.Request) (*http.Response, error) {
	if s.down.Load() && strings.HasSuffix(req.URL.Path, s.suffix) {
		s.seen.Add(1)
		return &http.Response{StatusCode: s.status, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(s.body)), Request: req}, nil
	}
	return http.DefaultTransport.RoundTrip(req)
}

// working starts a River client working svc's jobs on pool.
func working(t *testing.T, pool *pgxpool.Pool, svc *payment.Service) {
	t.Helper()
	client, err := queue.New(pool, nil, svc.Work())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() {
		cancel()
		stop, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = client.Stop(stop)
	})
}

// A refund Stripe refuses for good ends its job cancelled, with Stripe's
// reason kept for the Needs attention page, the payment still to refund,
// and no job inserted again by the sweep.
func TestARefundRefusedForGoodCancelsTheJob(t *testing.T) {
	t.Parallel()
	f := setup(t)
	refuse := &stripeDown{suffix: "/v1/refunds", status: http.StatusBadRequest,
		body: `{"error":{"type":"invalid_request_error","code":"charge_already_refunded","message":"Charge ch_1 has already been refunded."}}`}
	refuse.down.Store(true)
	gw := payment.NewStripeGateway(stripetest.Key, stripetest.Start(t), &http.Client{Transport: refuse, Timeout: 30 * time.Second})
	svc := payment.New(f.pool, gw, secret, func() time.Time { return now })
	svc.Jobs = enqueuer(t, f.pool)
	booking, id := f.paidByCard(t)
	ctx := context.Background()
	require.NoError(t, pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
		_, err := payment.RequestRefundTx(ctx, tx, svc.Jobs, id, now)
		return err
	}))
	working(t, f.pool, svc)

	job := waitForJob(t, f.pool, payment.KindRefund, "cancelled")
	assert.Equal(t, 1, job.Attempt, "not tried again")
	require.Len(t, job.Errors, 1)
	assert.Contains(t, job.Errors[0], fmt.Sprintf("refund of £80 (payment %d) refused for good", id))
	assert.Contains(t, job.Errors[0], "Stripe answered 400: Charge ch_1 has already been refunded. (charge_already_refunded)")
	assert.Equal(t, int32(1), refuse.seen.Load(), "asked once")
	status, _ := f.paymentState(t, id)
	assert.Equal(t, "paid", status)
	assert.Zero(t, sweep(t, svc, "refunds"), "a refusal waits for a manager: the sweep does not try it again")
	assert.Len(t, jobsOf(t, f.pool, payment.KindRefund), 1)

	// What the Needs attention page says of it.
	raw, err := json.Marshal(payment.RefundArgs{PaymentID: id})
	require.NoError(t, err)
	subject, err := svc.Describers()[payment.KindRefund](ctx, raw)
	require.NoError(t, err)
	assert.Regexp(t, `^Refund of £80 for .+ on \w+day \d+ \w+ \d{4}$`, subject.What)
	assert.Equal(t, "Pat Payer (payer@example.org)", subject.Who)
	assert.Equal(t, fmt.Sprintf("/bookings/%d", booking), subject.Link)
}

// A refund Stripe cannot make now (it is down) is tried again with River's
// backoff, and made when Stripe is back.
func TestATransientRefundFailureIsRetried(t *testing.T) {
	t.Parallel()
	f := setup(t)
	outage := &stripeDown{suffix: "/v1/refunds", status: http.StatusServiceUnavailable,
		body: `{"error":{"type":"api_error","message":"Stripe is down."}}`}
	outage.down.Store(true)
	gw := payment.NewStripeGateway(stripetest.Key, stripetest.Start(t), &http.Client{Transport: outage, Timeout: 30 * time.Second})
	svc := payment.New(f.pool, gw, secret, func() time.Time { return now })
	svc.Jobs = enqueuer(t, f.pool)
	_, id := f.paidByCard(t)
	ctx := context.Background()
	require.NoError(t, pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
		_, err := payment.RequestRefundTx(ctx, tx, svc.Jobs, id, now)
		return err
	}))
	working(t, f.pool, svc)

	job := waitForJob(t, f.pool, payment.KindRefund, "retryable")
	require.NotEmpty(t, job.Errors)
	for _, e := range job.Errors {
		assert.Contains(t, e, "Stripe is down")
	}
	outage.down.Store(false)

	job = waitForJob(t, f.pool, payment.KindRefund, "completed")
	assert.GreaterOrEqual(t, job.Attempt, 2, "made at a later attempt")
	assert.Len(t, job.Errors, job.Attempt-1, "each failed attempt is kept")
	status, _ := f.paymentState(t, id)
	assert.Equal(t, "refunded", status)
}

// closedCheckout adds to a booking a card payment we have closed whose
// Stripe page is still open, and returns the payment's id.
func (f fixture) closedCheckout(t *testing.T) int64 {
	t.Helper()
	booking, _ := f.paidByCard(t)
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

// Closing a card payment on our side inserts, with it, the job that closes
// its page at Stripe (only for a payment whose page was opened); the job
// asks Stripe once, with the payment's key.
func TestClosingACardPaymentClosesItsCheckoutByAJob(t *testing.T) {
	t.Parallel()
	f := setup(t)
	jobs := enqueuer(t, f.pool)
	ctx := context.Background()
	open, _ := f.paidByCard(t)
	unopened, _ := f.paidByCard(t)
	var id int64
	// Both are being paid for by card: one has its Checkout page, the other
	// not yet.
	require.NoError(t, f.pool.QueryRow(ctx, `
		UPDATE payments SET status = 'pending', payment_intent_id = NULL, paid_at = NULL, expires_at = now(),
		       checkout_session_id = 'cs_test_open', checkout_url = 'https://checkout.stripe.com/c/pay/x'
		WHERE booking_id = $1 RETURNING id`, open).Scan(&id))
	_, err := f.pool.Exec(ctx, `UPDATE payments SET status = 'pending', payment_intent_id = NULL, paid_at = NULL, expires_at = now()
		WHERE booking_id = $1`, unopened)
	require.NoError(t, err)
	close := func(booking int64, commit bool) {
		tx, err := f.pool.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx) //nolint:errcheck
		require.NoError(t, payment.CloseCardPaymentTx(ctx, tx, jobs, booking, now))
		if commit {
			require.NoError(t, tx.Commit(ctx))
		}
	}
	close(open, false)
	assert.Empty(t, jobsOf(t, f.pool, payment.KindCloseCheckout), "rolled back: no job")
	close(open, true)
	close(unopened, true)
	got := jobsOf(t, f.pool, payment.KindCloseCheckout)
	require.Len(t, got, 1, "no page opened, nothing to close at Stripe")
	assert.Equal(t, id, got[0].Args["payment_id"])

	closed, err := f.svc.CloseCheckout(ctx, id)
	require.NoError(t, err)
	assert.True(t, closed)
	assert.True(t, f.checkoutClosed(t, id))
	closed, err = f.svc.CloseCheckout(ctx, id)
	require.NoError(t, err)
	assert.False(t, closed, "closed already")
	var calls []sent
	for _, r := range f.rec.sent() {
		if r.Path == "/v1/checkout/sessions/cs_test_open/expire" {
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
	closed, err := payment.New(f.pool, gw, secret, nil).CloseCheckout(context.Background(), id)
	assert.Error(t, err)
	var cancel *rivertype.JobCancelError
	assert.False(t, errors.As(err, &cancel), "tried again")
	assert.False(t, closed)
	assert.False(t, f.checkoutClosed(t, id))
}

// The sweeps insert a job for work whose job is missing, once.
func TestSweepsInsertTheJobsThatAreMissing(t *testing.T) {
	t.Parallel()
	f := setup(t)
	w := &world{t: t, pool: f.pool}
	ctx := context.Background()
	_, refund := f.paidPlace(t)
	checkout := f.closedCheckout(t)
	session := w.session("full_day", "completed")
	a := w.agency(agency.BandNonContributing, "accounts@scouts.example.org")
	b := w.booking(session, w.person("Sam Akela", a), "absent")
	_, err := f.svc.ConfirmCharges(byManager(ctx, managerID(t, f.pool), ""), session, map[int64]payment.Decision{b: {Chosen: true, Charge: true}})
	require.NoError(t, err)
	f.svc.Jobs = enqueuer(t, f.pool) // the work above was made with no job

	for _, c := range []struct {
		sweep, kind string
		args        map[string]int64
	}{
		{"refunds", payment.KindRefund, map[string]int64{"payment_id": refund}},
		{"checkouts", payment.KindCloseCheckout, map[string]int64{"payment_id": checkout}},
		{"invoices", payment.KindInvoice, map[string]int64{"session_id": session, "agency_id": a}},
	} {
		assert.Equal(t, 1, sweep(t, f.svc, c.sweep), c.sweep)
		got := jobsOf(t, f.pool, c.kind)
		require.Len(t, got, 1, c.sweep)
		assert.Equal(t, c.args, got[0].Args, c.sweep)
		assert.Zero(t, sweep(t, f.svc, c.sweep), "%s: its job is there now", c.sweep)
	}
}

// A refund or checkout whose job is missing but which was asked for longer
// ago than the sweeps look back (one whose failed job a manager dealt with,
// since deleted) is not asked of Stripe again.
func TestSweepsLeaveOldWorkAlone(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	_, refund := f.paidPlace(t)
	checkout := f.closedCheckout(t)
	f.svc.Jobs = enqueuer(t, f.pool)
	old := now.Add(-payment.SweepLookback - time.Hour)
	_, err := f.pool.Exec(ctx, "UPDATE payments SET refund_requested_at = $2, updated_at = $2 WHERE id = ANY($1)", []int64{refund, checkout}, old)
	require.NoError(t, err)
	for _, c := range []struct{ sweep, kind string }{{"refunds", payment.KindRefund}, {"checkouts", payment.KindCloseCheckout}} {
		assert.Zero(t, sweep(t, f.svc, c.sweep), c.sweep)
		assert.Empty(t, jobsOf(t, f.pool, c.kind), c.sweep)
	}
}

// Confirming a completed session's charges makes it billable: the invoice
// job of each agency with a billing contact goes in the same transaction,
// and its work sends the invoice.
func TestConfirmingChargesInsertsTheInvoiceJobs(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.svc.Jobs = enqueuer(t, f.pool)
	w := &world{t: t, pool: f.pool}
	ctx := context.Background()
	session := w.session("full_day", "completed")
	scouts := w.agency(agency.BandNonContributing, "accounts@scouts.example.org")
	noEmail := w.agency(agency.BandNonContributing, "")
	sam := w.booking(session, w.person("Sam Akela", scouts), "absent")
	lee := w.booking(session, w.person("Lee Dunn", noEmail), "absent")
	_, err := f.svc.ConfirmCharges(byManager(ctx, managerID(t, f.pool), ""), session, map[int64]payment.Decision{
		sam: {Chosen: true, Charge: true}, lee: {Chosen: true, Charge: true}})
	require.NoError(t, err)

	got := jobsOf(t, f.pool, payment.KindInvoice)
	require.Len(t, got, 1, "none for an agency without a billing contact")
	assert.Equal(t, map[string]int64{"session_id": session, "agency_id": scouts}, got[0].Args)

	n, err := f.svc.BillAgency(ctx, session, scouts)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	st, inv := w.chargeStatus(sam)
	assert.Equal(t, "invoiced", st)
	assert.NotEmpty(t, inv)
	n, err = f.svc.BillAgency(ctx, session, scouts)
	require.NoError(t, err)
	assert.Zero(t, n, "billed already")

	raw, err := json.Marshal(payment.InvoiceArgs{SessionID: session, AgencyID: scouts})
	require.NoError(t, err)
	subject, err := f.svc.Describers()[payment.KindInvoice](ctx, raw)
	require.NoError(t, err)
	assert.Contains(t, subject.What, "Invoice for ")
	assert.Contains(t, subject.Who, "accounts@scouts.example.org")
	assert.Equal(t, fmt.Sprintf("/admin/sessions/%d/charges", session), subject.Link)
}

// An agency given the billing contact it lacked is billed at once: its
// invoice jobs go in with the change (agency.Service calls this in its
// transaction), for what waited to be invoiced.
func TestABillingContactAddedInsertsTheInvoiceJobs(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.svc.Jobs = enqueuer(t, f.pool)
	w := &world{t: t, pool: f.pool}
	ctx := context.Background()
	session := w.session("full_day", "completed")
	lacking := w.agency(agency.BandNonContributing, "")
	lee := w.booking(session, w.person("Lee Dunn", lacking), "absent")
	_, err := f.svc.ConfirmCharges(byManager(ctx, managerID(t, f.pool), ""), session, map[int64]payment.Decision{lee: {Chosen: true, Charge: true}})
	require.NoError(t, err)
	require.Empty(t, jobsOf(t, f.pool, payment.KindInvoice), "nobody to send it to yet")

	require.NoError(t, pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE agencies SET billing_contact_email = 'finance@example.org' WHERE id = $1", lacking); err != nil {
			return err
		}
		return f.svc.BillAgencyWhenDueTx(ctx, tx, lacking)
	}))
	got := jobsOf(t, f.pool, payment.KindInvoice)
	require.Len(t, got, 1)
	assert.Equal(t, map[string]int64{"session_id": session, "agency_id": lacking}, got[0].Args)
}

// No database connection (so no transaction and no row lock) is held while
// Stripe answers, on any path that calls it: refund, closing a checkout,
// making and updating an agency's customer, invoicing. Each runs alone on
// the test's own pool, with no River client on it.
func TestNoConnectionIsHeldWhileStripeAnswers(t *testing.T) {
	t.Parallel()
	f := setup(t)
	guard := stripetest.NoConnHeld(t, f.pool, payment.NewStripeGateway(stripetest.Key, stripetest.Start(t), &http.Client{Timeout: 30 * time.Second}))
	svc := payment.New(f.pool, guard, secret, func() time.Time { return now })
	ctx := context.Background()
	w := &world{t: t, pool: f.pool}

	_, refund := f.paidPlace(t)
	_, err := svc.Refund(ctx, refund)
	require.NoError(t, err)
	checkout := f.closedCheckout(t)
	_, err = svc.CloseCheckout(ctx, checkout)
	require.NoError(t, err)
	assert.Equal(t, 2, guard.Calls())

	a := w.agency(agency.BandNonContributing, "old@example.org")
	manager := managerID(t, f.pool)
	bill := func(name string) {
		session := w.session("full_day", "completed")
		b := w.booking(session, w.person(name, a), "absent")
		_, err := svc.ConfirmCharges(byManager(ctx, manager, ""), session, map[int64]payment.Decision{b: {Chosen: true, Charge: true}})
		require.NoError(t, err)
		n, err := svc.BillAgency(ctx, session, a)
		require.NoError(t, err)
		require.Equal(t, 1, n)
	}
	bill("Sam Akela") // the customer is made, then the invoice
	assert.Equal(t, 4, guard.Calls())
	w.exec("UPDATE agencies SET billing_contact_email = 'new@example.org', updated_at = $2 WHERE id = $1", a, now.Add(time.Hour))
	bill("Jo Bloggs") // the customer is updated, then the invoice
	assert.Equal(t, 6, guard.Calls())
}

// reported is a Reporter that keeps what NoConnHeld reports.
type reported struct {
	mu   sync.Mutex
	msgs []string
}

func (r *reported) Helper() {}
func (r *reported) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

// The guard can fail: a Stripe call made inside a transaction, as the
// refund sweep made them before jobs, is reported.
func TestTheConnectionGuardCatchesACallInsideATransaction(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, id := f.paidPlace(t)
	var r reported
	guard := stripetest.NoConnHeld(&r, f.pool, payment.NewStripeGateway(stripetest.Key, stripetest.Start(t), &http.Client{Timeout: 30 * time.Second}))
	ctx := context.Background()
	require.NoError(t, pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT id FROM payments WHERE id = $1 FOR UPDATE", id); err != nil {
			return err
		}
		_, err := guard.Refund(ctx, "pi_test_refund", 8000, payment.RefundKey(id))
		return err
	}))
	require.Len(t, r.msgs, 1)
	assert.Contains(t, r.msgs[0], "Stripe Refund called while 1 database connection(s) were held")

	r.msgs = nil
	_, err := guard.Refund(ctx, "pi_test_refund", 8000, payment.RefundKey(id))
	require.NoError(t, err)
	assert.Empty(t, r.msgs, "outside a transaction, nothing to report")
}

// Closing a page Stripe says is already complete or expired (400) is done
// with; a refusal for another reason (a revoked key: 401) ends the job
// cancelled, for a manager, and the page is not recorded closed.
func TestClosingACheckoutStripeRefuses(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		status  int
		body    string
		closed  bool
		message string
	}{
		{http.StatusBadRequest, `{"error":{"type":"invalid_request_error","message":"Only Checkout Sessions with a status in [\"open\"] can be expired."}}`, true, ""},
		{http.StatusUnauthorized, `{"error":{"type":"invalid_request_error","message":"Invalid API Key provided."}}`, false, "refused for good: Stripe answered 401: Invalid API Key provided."},
	} {
		t.Run(strconv.Itoa(c.status), func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			refuse := &stripeDown{suffix: "/expire", status: c.status, body: c.body}
			refuse.down.Store(true)
			gw := payment.NewStripeGateway(stripetest.Key, stripetest.Start(t), &http.Client{Transport: refuse, Timeout: 30 * time.Second})
			svc := payment.New(f.pool, gw, secret, func() time.Time { return now })
			id := f.closedCheckout(t)
			closed, err := svc.CloseCheckout(context.Background(), id)
			assert.Equal(t, c.closed, closed)
			assert.Equal(t, c.closed, f.checkoutClosed(t, id))
			if c.closed {
				assert.NoError(t, err)
				return
			}
			var cancel *rivertype.JobCancelError
			require.ErrorAs(t, err, &cancel)
			assert.Contains(t, err.Error(), c.message)
		})
	}
}

// An invoice Stripe refuses for good ends the job cancelled with Stripe's
// reason; its rows stay reserved in their batch, so trying again (from the
// Needs attention page) asks the same questions with the same keys.
func TestAnInvoiceRefusedForGoodCancelsTheJob(t *testing.T) {
	t.Parallel()
	f := setup(t)
	refuse := &stripeDown{suffix: "/v1/invoices", status: http.StatusBadRequest,
		body: `{"error":{"type":"invalid_request_error","code":"customer_tax_location_invalid","message":"The customer's location isn't recognized."}}`}
	refuse.down.Store(true)
	gw := payment.NewStripeGateway(stripetest.Key, stripetest.Start(t), &http.Client{Transport: refuse, Timeout: 30 * time.Second})
	svc := payment.New(f.pool, gw, secret, func() time.Time { return now })
	w := &world{t: t, pool: f.pool}
	ctx := context.Background()
	session := w.session("full_day", "completed")
	a := w.agency(agency.BandNonContributing, "accounts@scouts.example.org")
	sam := w.booking(session, w.person("Sam Akela", a), "absent")
	_, err := svc.ConfirmCharges(byManager(ctx, managerID(t, f.pool), ""), session, map[int64]payment.Decision{sam: {Chosen: true, Charge: true}})
	require.NoError(t, err)

	n, err := svc.BillAgency(ctx, session, a)
	assert.Zero(t, n)
	var cancel *rivertype.JobCancelError
	require.ErrorAs(t, err, &cancel)
	assert.Contains(t, err.Error(), "refused for good: Stripe answered 400: The customer's location isn't recognized. (customer_tax_location_invalid)")
	st, inv := w.chargeStatus(sam)
	assert.Equal(t, "proposed", st)
	assert.Empty(t, inv)
	batch := payment.BillKey(session, a, 0)
	assert.Equal(t, int64(1), w.scalar("SELECT count(*) FROM charges WHERE billing_batch = $1", batch), "still reserved")

	refuse.down.Store(false) // put right in Stripe, then tried again
	n, err = svc.BillAgency(ctx, session, a)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	st, _ = w.chargeStatus(sam)
	assert.Equal(t, "invoiced", st)
}
