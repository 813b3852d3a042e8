package payment_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/stripetest"
	"github.com/pscp/booktraining/internal/validation"
)

// Paid places end to end: booking holds the place, this package takes the
// payment (paid.go, checkout_webhooks.go), through stripe-mock.

var placesStart = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)

// placesClock is a test clock that moves only when told.
type placesClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *placesClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *placesClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// places is a booking service on the demo data, to which paid gives
// payments.
type places struct {
	ctx    context.Context
	pool   *pgxpool.Pool
	svc    *booking.Service
	clock  *placesClock
	agency int64 // the agency most people work for
	other  int64 // another agency
}

func setupPlaces(t testing.TB) places {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := demo.Seed(ctx, pool, placesStart)
	require.NoError(t, err)
	jobs, err := queue.NewInsertOnly(pool)
	require.NoError(t, err)
	base, _ := url.Parse("http://localhost:3000")
	clk := &placesClock{now: placesStart}
	f := places{ctx: ctx, pool: pool, clock: clk,
		svc: booking.New(pool, email.NewOutbox(jobs), base, "Test Partnership", clk.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM agencies ORDER BY id LIMIT 1").Scan(&f.agency))
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM agencies ORDER BY id OFFSET 1 LIMIT 1").Scan(&f.other))
	return f
}

// session adds a published session starting in days, with the cut-off
// three days before it.
func (f places) session(t testing.TB, capacity int, days int) int64 {
	t.Helper()
	var id int64
	begins := placesStart.Add(time.Duration(days) * 24 * time.Hour)
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online LIMIT 1), $1, $2, $3, $4, 'published'
		FROM courses c ORDER BY c.id LIMIT 1 RETURNING id`,
		begins, begins.Add(3*time.Hour), begins.Add(-3*24*time.Hour), capacity).Scan(&id))
	return id
}

// person adds a verified practitioner of agency.
func (f places) person(t testing.TB, name string, agency int64) actor.Actor {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
		VALUES ($1, $2, $3, '!', now()) RETURNING id`, name+"@example.org", name, agency).Scan(&id))
	a := agency
	return actor.Actor{ID: id, AgencyID: &a}
}

func placeDetails() booking.Details {
	return booking.Details{LineManagerName: "Lee Manager", LineManagerEmail: "lee@example.org", AgreePolicy: true}
}

func (f places) book(who actor.Actor, session int64, wait bool) (booking.Outcome, error) {
	return f.svc.Book(actor.With(f.ctx, who), booking.Request{SessionID: session, PersonID: who.ID, Details: placeDetails(), JoinWaitingList: wait})
}

// consistent checks the session's count of places against its bookings
// and returns the number of confirmed places.
func (f places) consistent(t *testing.T, session int64) (confirmed int) {
	t.Helper()
	var taken, capacity, held int
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		SELECT s.seats_taken, s.capacity,
		       (SELECT count(*) FROM bookings b WHERE b.session_id = s.id AND booking_status_takes_seat(b.status)),
		       (SELECT count(*) FROM bookings b WHERE b.session_id = s.id AND b.status = 'confirmed')
		FROM sessions s WHERE s.id = $1`, session).Scan(&taken, &capacity, &held, &confirmed))
	assert.Equal(t, held, taken, "seats_taken must equal the places confirmed or held for an offer or a payment")
	assert.LessOrEqual(t, taken, capacity, "the session is over-filled")
	return confirmed
}

func (f places) emailsTo(t *testing.T, person actor.Actor, prefix string) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx,
		"SELECT count(*) FROM emails WHERE user_id = $1 AND starts_with(subject, $2)", person.ID, prefix).Scan(&n))
	return n
}

func (f places) status(t *testing.T, id int64) booking.Status {
	t.Helper()
	var s booking.Status
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT status FROM bookings WHERE id = $1", id).Scan(&s))
	return s
}

// pay is the payment service f.paid gave f's bookings.
func (f places) pay() *payment.Service { return f.svc.Money.(*payment.Service) }

const placesWebhookSecret = "whsec_places_tests"

// paid gives f's service card payments through stripe-mock and prices the
// places's course at £80 for every band, and returns the payment service
// with the booking webhooks registered, as cmd/server does.
func (f places) paid(t *testing.T) *payment.Service {
	t.Helper()
	gw := payment.NewStripeGateway(stripetest.Key, stripetest.Start(t), &http.Client{Timeout: 30 * time.Second})
	pay := payment.New(f.pool, gw, placesWebhookSecret, f.clock.Now)
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

// use makes pay f's bookings' payment service, its jobs inserted as
// f.paid's are.
func (f places) use(pay *payment.Service) {
	pay.Jobs = f.pay().Jobs
	pay.Bookings, f.svc.Money = f.svc, pay
}

// deliver signs a Stripe event about checkout session cs and hands it to
// the payment service as the webhook endpoint does.
func deliver(t *testing.T, f places, pay *payment.Service, id string, typ stripe.EventType, cs map[string]any) error {
	t.Helper()
	body, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "type": typ, "api_version": stripe.APIVersion, "created": f.clock.Now().Unix(),
		"data": map[string]any{"object": cs},
	})
	require.NoError(t, err)
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: placesWebhookSecret, Timestamp: time.Now()})
	ev, err := pay.Verify(body, signed.Header)
	require.NoError(t, err)
	return pay.Dispatch(f.ctx, ev)
}

func paidSession(id string) map[string]any {
	return map[string]any{"id": id, "object": "checkout.session", "payment_status": "paid", "status": "complete",
		"payment_intent": "pi_test_paid"}
}

// checkout opens the card payment of held booking id and returns the
// checkout session's id as stored.
func (f places) checkout(t *testing.T, who actor.Actor, id int64) string {
	t.Helper()
	url, err := f.pay().PayByCard(actor.With(f.ctx, who), id)
	require.NoError(t, err)
	assert.NotEmpty(t, url)
	var cs string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT checkout_session_id FROM payments WHERE booking_id = $1", id).Scan(&cs))
	return cs
}

func (f places) paymentStatus(t *testing.T, booking int64) (status string, refundAsked bool) {
	t.Helper()
	require.NoError(t, f.pool.QueryRow(f.ctx,
		"SELECT status, refund_requested_at IS NOT NULL FROM payments WHERE booking_id = $1 ORDER BY id DESC LIMIT 1", booking).
		Scan(&status, &refundAsked))
	return status, refundAsked
}

func TestPaidPlaceIsHeldThenConfirmedByTheWebhook(t *testing.T) {
	t.Parallel()
	f := setupPlaces(t)
	pay := f.paid(t)
	session := f.session(t, 2, 30)
	sam := f.person(t, "sam", f.agency)

	out, err := f.book(sam, session, false)
	require.NoError(t, err)
	assert.Equal(t, booking.Held, out.Status)
	assert.Equal(t, payment.Pence(8000), out.Price)
	assert.Equal(t, 0, f.consistent(t, session), "held, not confirmed")
	var taken int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT seats_taken FROM sessions WHERE id = $1", session).Scan(&taken))
	assert.Equal(t, 1, taken, "a held place counts against capacity")
	assert.Zero(t, f.emailsTo(t, sam, "Booking confirmed:"), "not confirmed until paid")

	cs := f.checkout(t, sam, out.BookingID)
	again := f.checkout(t, sam, out.BookingID)
	assert.Equal(t, cs, again, "asking twice opens one checkout")
	b, err := f.svc.Get(actor.With(f.ctx, sam), out.BookingID)
	require.NoError(t, err)
	require.NotNil(t, b.HoldExpiresAt)
	assert.False(t, b.HoldExpiresAt.Before(placesStart.Add(30*time.Minute)), "the hold lasts as long as Stripe's page")

	// An expired event that arrives first for another session changes nothing;
	// the completed one confirms, once, however often it comes.
	require.NoError(t, deliver(t, f, pay, "evt_other", stripe.EventTypeCheckoutSessionExpired, map[string]any{"id": "cs_not_ours", "object": "checkout.session"}))
	require.NoError(t, deliver(t, f, pay, "evt_paid", stripe.EventTypeCheckoutSessionCompleted, paidSession(cs)))
	require.NoError(t, deliver(t, f, pay, "evt_paid", stripe.EventTypeCheckoutSessionCompleted, paidSession(cs)))
	require.NoError(t, deliver(t, f, pay, "evt_paid_again", stripe.EventTypeCheckoutSessionCompleted, paidSession(cs)))
	require.NoError(t, deliver(t, f, pay, "evt_expired_late", stripe.EventTypeCheckoutSessionExpired, map[string]any{"id": cs, "object": "checkout.session"}))
	assert.Equal(t, 1, f.consistent(t, session))
	assert.Equal(t, 1, f.emailsTo(t, sam, "Booking confirmed:"), "confirmed once")
	status, _ := f.paymentStatus(t, out.BookingID)
	assert.Equal(t, "paid", status)
	b, err = f.svc.Get(actor.With(f.ctx, sam), out.BookingID)
	require.NoError(t, err)
	assert.Equal(t, booking.Confirmed, b.Status)
	assert.Equal(t, payment.Pence(8000), b.Paid)
}

func TestWebhookDeliveredTwiceAtOnceConfirmsOnce(t *testing.T) {
	t.Parallel()
	f := setupPlaces(t)
	pay := f.paid(t)
	session := f.session(t, 2, 30)
	sam := f.person(t, "sam", f.agency)
	out, err := f.book(sam, session, false)
	require.NoError(t, err)
	cs := f.checkout(t, sam, out.BookingID)

	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = deliver(t, f, pay, "evt_same", stripe.EventTypeCheckoutSessionCompleted, paidSession(cs))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err)
	}
	assert.Equal(t, 1, f.emailsTo(t, sam, "Booking confirmed:"))
	assert.Equal(t, 1, f.consistent(t, session))
}

func TestUnpaidHoldLapsesAndThePlaceGoesOn(t *testing.T) {
	t.Parallel()
	f := setupPlaces(t)
	f.paid(t)
	session := f.session(t, 1, 30)
	sam, kim := f.person(t, "sam", f.agency), f.person(t, "kim", f.agency)
	out, err := f.book(sam, session, false)
	require.NoError(t, err)
	_, err = f.book(kim, session, false)
	assert.ErrorIs(t, err, booking.ErrFull, "the held place is taken")
	waiting, err := f.book(kim, session, true)
	require.NoError(t, err)
	assert.Equal(t, booking.Waiting, waiting.Status)

	f.clock.Set(placesStart.Add(29 * time.Minute))
	n, err := f.svc.ExpireHolds(f.ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "not yet")

	f.clock.Set(placesStart.Add(30 * time.Minute))
	_, err = f.pay().PayByCard(actor.With(f.ctx, sam), out.BookingID)
	assert.ErrorIs(t, err, booking.ErrHoldLapsed, "too late to start paying")
	n, err = f.svc.ExpireHolds(f.ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	b, err := f.svc.Get(actor.With(f.ctx, sam), out.BookingID)
	require.NoError(t, err)
	assert.True(t, b.HoldLapsed())
	assert.Equal(t, booking.Lapsed, f.status(t, out.BookingID), "its own status, not an expired offer")
	assert.Equal(t, 1, f.emailsTo(t, sam, "Your place was not paid for in time:"))
	k, err := f.svc.Get(actor.With(f.ctx, kim), waiting.BookingID)
	require.NoError(t, err)
	assert.Equal(t, booking.Offered, k.Status, "the place went to the waiting list")
	f.consistent(t, session)
}

func TestPaymentAfterTheHoldLapsed(t *testing.T) {
	t.Parallel()
	for name, placeTaken := range map[string]bool{"place taken: refunded": true, "place still free: booked": false} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := setupPlaces(t)
			pay := f.paid(t)
			session := f.session(t, 1, 30)
			sam, kim := f.person(t, "sam", f.agency), f.person(t, "kim", f.agency)
			out, err := f.book(sam, session, false)
			require.NoError(t, err)
			cs := f.checkout(t, sam, out.BookingID)
			f.clock.Set(placesStart.Add(time.Hour))
			_, err = f.svc.ExpireHolds(f.ctx)
			require.NoError(t, err)
			if placeTaken {
				k, err := f.book(kim, session, false)
				require.NoError(t, err)
				require.NoError(t, f.pay().PayByInvoice(actor.With(f.ctx, kim), k.BookingID, "PO-1"))
			}

			var payID int64
			require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT id FROM payments WHERE booking_id = $1", out.BookingID).Scan(&payID))
			assert.Equal(t, []int64{payID}, f.jobPayments(t, payment.KindCloseCheckout), "the lapse closes its page at Stripe by a job")

			require.NoError(t, deliver(t, f, pay, "evt_late", stripe.EventTypeCheckoutSessionCompleted, paidSession(cs)))
			b, err := f.svc.Get(actor.With(f.ctx, sam), out.BookingID)
			require.NoError(t, err)
			status, refund := f.paymentStatus(t, out.BookingID)
			assert.Equal(t, "paid", status, "the money was taken")
			if placeTaken {
				assert.True(t, b.HoldLapsed())
				assert.True(t, refund, "refunded in full")
				assert.Equal(t, []int64{payID}, f.jobPayments(t, payment.KindRefund), "by a job inserted with the webhook's effect")
				assert.Equal(t, 1, f.emailsTo(t, sam, "Your payment has been refunded:"))
				assert.Zero(t, f.emailsTo(t, sam, "Booking confirmed:"))
			} else {
				assert.Equal(t, booking.Confirmed, b.Status, "the place was still free")
				assert.False(t, refund)
				assert.Empty(t, f.jobPayments(t, payment.KindRefund))
				assert.Equal(t, 1, f.emailsTo(t, sam, "Booking confirmed:"))
			}
			assert.Equal(t, 1, f.consistent(t, session))
		})
	}
}

func TestCancellingAPaidPlaceRefundsOnlyBeforeTheCutoff(t *testing.T) {
	t.Parallel()
	f := setupPlaces(t)
	pay := f.paid(t)
	session := f.session(t, 5, 30) // cut-off 27 days from start
	sam := f.person(t, "sam", f.agency)
	out, err := f.book(sam, session, false)
	require.NoError(t, err)
	cs := f.checkout(t, sam, out.BookingID)
	require.NoError(t, deliver(t, f, pay, "evt_1", stripe.EventTypeCheckoutSessionCompleted, paidSession(cs)))

	b, err := f.svc.Get(actor.With(f.ctx, sam), out.BookingID)
	require.NoError(t, err)
	due, err := f.pay().RefundDue(f.ctx, b)
	require.NoError(t, err)
	assert.Equal(t, payment.Pence(8000), due, "the cancel page promises a full refund")
	res, err := f.svc.Cancel(actor.With(f.ctx, sam), out.BookingID)
	require.NoError(t, err)
	assert.False(t, res.Late)
	assert.Equal(t, payment.Pence(8000), res.Refund)
	_, asked := f.paymentStatus(t, out.BookingID)
	assert.True(t, asked)
	var paid int64
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT id FROM payments WHERE booking_id = $1", out.BookingID).Scan(&paid))
	assert.Equal(t, []int64{paid}, f.jobPayments(t, payment.KindRefund), "the refund job went in with the cancellation")
	assert.Equal(t, 1, f.emailsTo(t, sam, "Booking cancelled:"))

	// Inside the cut-off: an invoiced place stays on the invoice; no refund.
	kim := f.person(t, "kim", f.agency)
	k, err := f.book(kim, session, false)
	require.NoError(t, err)
	require.NoError(t, f.pay().PayByInvoice(actor.With(f.ctx, kim), k.BookingID, "PO-77"))
	f.clock.Set(placesStart.Add(28 * 24 * time.Hour))
	kb, err := f.svc.Get(actor.With(f.ctx, kim), k.BookingID)
	require.NoError(t, err)
	due, err = f.pay().RefundDue(f.ctx, kb)
	require.NoError(t, err)
	assert.Zero(t, due)
	res, err = f.svc.Cancel(actor.With(f.ctx, kim), k.BookingID)
	require.NoError(t, err)
	assert.True(t, res.Late)
	assert.Zero(t, res.Refund)
	status, _ := f.paymentStatus(t, k.BookingID)
	assert.Equal(t, "pending", status, "still to be invoiced: a late cancellation is paid for")
	assert.Len(t, f.jobPayments(t, payment.KindRefund), 1, "no refund job for a late cancellation")
}

// Paying by card opens Stripe's page, and putting the place on the invoice
// then closes it at Stripe first: neither holds a database connection (a
// transaction, a row lock) while Stripe answers. The test's own pool, with
// no River client on it, so the count means something.
func TestNoConnectionIsHeldWhileStripeAnswersAPayment(t *testing.T) {
	t.Parallel()
	f := setupPlaces(t)
	f.paid(t)
	guard := stripetest.NoConnHeld(t, f.pool,
		payment.NewStripeGateway(stripetest.Key, stripetest.Start(t), &http.Client{Timeout: 30 * time.Second}))
	pay := payment.New(f.pool, guard, placesWebhookSecret, f.clock.Now)
	f.use(pay)
	session := f.session(t, 5, 30)
	sam := f.person(t, "sam", f.agency)
	out, err := f.book(sam, session, false)
	require.NoError(t, err)

	f.checkout(t, sam, out.BookingID)
	assert.Equal(t, 1, guard.Calls(), "the checkout page was made")
	require.NoError(t, f.pay().PayByInvoice(actor.With(f.ctx, sam), out.BookingID, "PO-9"))
	assert.Equal(t, 2, guard.Calls(), "and closed before the invoice")
	ids := f.jobPayments(t, payment.KindCloseCheckout)
	require.Len(t, ids, 1)
	closed, err := pay.CloseCheckout(f.ctx, ids[0]) // its job, asking again with the same key
	require.NoError(t, err)
	assert.True(t, closed)
	assert.Equal(t, 3, guard.Calls())
}

// Taking the register of a session makes its places on invoice billable:
// the invoice job of their agency goes in the register's transaction.
func TestTakingTheRegisterInsertsTheInvoiceJob(t *testing.T) {
	t.Parallel()
	f := setupPlaces(t)
	pay := f.paid(t)
	pay.Jobs = email.NewOutbox(f.insertOnly(t))
	_, err := f.pool.Exec(f.ctx, "UPDATE agencies SET billing_contact_email = 'accounts@example.org' WHERE id = $1", f.agency)
	require.NoError(t, err)
	session := f.session(t, 5, 10)
	sam := f.person(t, "sam", f.agency)
	out, err := f.book(sam, session, false)
	require.NoError(t, err)
	require.NoError(t, f.pay().PayByInvoice(actor.With(f.ctx, sam), out.BookingID, "PO-9"))
	assert.Empty(t, f.invoiceJobs(t), "not billable before the register")

	manager := f.person(t, "manager", f.other)
	manager.Manager = true
	f.clock.Set(placesStart.Add(10*24*time.Hour + time.Hour))
	_, err = f.svc.MarkEveryoneAttended(actor.With(f.ctx, manager), session)
	require.NoError(t, err)
	assert.Equal(t, []string{fmt.Sprintf("%d/%d", session, f.agency)}, f.invoiceJobs(t))
}

func (f places) insertOnly(t *testing.T) *river.Client[pgx.Tx] {
	t.Helper()
	c, err := queue.NewInsertOnly(f.pool)
	require.NoError(t, err)
	return c
}

// invoiceJobs is each invoice job's session/agency.
func (f places) invoiceJobs(t *testing.T) []string {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, "SELECT (args->>'session_id') || '/' || (args->>'agency_id') FROM river_job WHERE kind = $1 ORDER BY id", payment.KindInvoice)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return out
}

func TestInvoiceRouteNeedsAPurchaseOrder(t *testing.T) {
	t.Parallel()
	f := setupPlaces(t)
	f.paid(t)                                        // the prices
	f.use(payment.New(f.pool, nil, "", f.clock.Now)) // and no card payments
	session := f.session(t, 5, 30)
	sam := f.person(t, "sam", f.agency)
	out, err := f.book(sam, session, false)
	require.NoError(t, err)
	require.Equal(t, booking.Held, out.Status)

	_, err = f.pay().PayByCard(actor.With(f.ctx, sam), out.BookingID)
	assert.ErrorIs(t, err, payment.ErrPaymentUnavailable)
	p, err := f.pay().PaymentFor(actor.With(f.ctx, sam), out.BookingID)
	require.NoError(t, err)
	assert.False(t, p.Card)
	assert.True(t, p.Invoice)

	var verr *validation.Errors
	require.True(t, errors.As(f.pay().PayByInvoice(actor.With(f.ctx, sam), out.BookingID, "  "), &verr))
	assert.NotEmpty(t, verr.Message(payment.FieldPurchaseOrder))
	b, err := f.svc.Get(actor.With(f.ctx, sam), out.BookingID)
	require.NoError(t, err)
	assert.Equal(t, booking.Held, b.Status, "nothing changed")

	other := f.person(t, "other", f.agency)
	assert.ErrorIs(t, f.pay().PayByInvoice(actor.With(f.ctx, other), out.BookingID, "PO-1"), booking.ErrNotFound, "someone else's booking")

	require.NoError(t, f.pay().PayByInvoice(actor.With(f.ctx, sam), out.BookingID, "PO-12345"))
	b, err = f.svc.Get(actor.With(f.ctx, sam), out.BookingID)
	require.NoError(t, err)
	assert.Equal(t, booking.Confirmed, b.Status)
	var po, method string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT method, purchase_order FROM payments WHERE booking_id = $1", out.BookingID).Scan(&method, &po))
	assert.Equal(t, "invoice", method)
	assert.Equal(t, "PO-12345", po)
	assert.ErrorIs(t, f.pay().PayByInvoice(actor.With(f.ctx, sam), out.BookingID, "PO-2"), booking.ErrWrongState, "paid once")
}

// A paid place passed to a colleague takes its payment along: the
// colleague's cancellation before the cut-off refunds it.
func TestPaymentFollowsAPlacePassedOn(t *testing.T) {
	t.Parallel()
	f := setupPlaces(t)
	pay := f.paid(t)
	session := f.session(t, 5, 30)
	sam := f.person(t, "sam", f.agency)
	f.person(t, "dee", f.agency)
	out, err := f.book(sam, session, false)
	require.NoError(t, err)
	cs := f.checkout(t, sam, out.BookingID)
	require.NoError(t, deliver(t, f, pay, "evt_1", stripe.EventTypeCheckoutSessionCompleted, paidSession(cs)))
	assert.Equal(t, 1, f.emailsTo(t, sam, "Booking confirmed:"))

	deeID, err := f.svc.Substitute(actor.With(f.ctx, sam), out.BookingID, "dee@example.org", placeDetails())
	require.NoError(t, err)
	var owner int64
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT booking_id FROM payments").Scan(&owner))
	assert.Equal(t, deeID, owner, "the payment went with the place")

	var dee actor.Actor
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT id FROM users WHERE email = 'dee@example.org'").Scan(&dee.ID))
	dee.AgencyID = &f.agency
	res, err := f.svc.Cancel(actor.With(f.ctx, dee), deeID)
	require.NoError(t, err)
	assert.Equal(t, payment.Pence(8000), res.Refund)
	_, asked := f.paymentStatus(t, deeID)
	assert.True(t, asked)
}

// Someone opens the card checkout, then puts the place on the invoice: the
// checkout is closed at Stripe first, and if a card payment still arrives
// it is refunded, never taken as well as the invoice.
func TestInvoiceAfterOpeningACheckout(t *testing.T) {
	t.Parallel()
	f := setupPlaces(t)
	pay := f.paid(t)
	session := f.session(t, 5, 30)
	sam := f.person(t, "sam", f.agency)
	out, err := f.book(sam, session, false)
	require.NoError(t, err)
	cs := f.checkout(t, sam, out.BookingID)

	require.NoError(t, f.pay().PayByInvoice(actor.With(f.ctx, sam), out.BookingID, "PO-9"))
	assert.Equal(t, 1, f.emailsTo(t, sam, "Booking confirmed:"))
	var card, invoice string
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT
		(SELECT status FROM payments WHERE booking_id = $1 AND method = 'card'),
		(SELECT status FROM payments WHERE booking_id = $1 AND method = 'invoice')`, out.BookingID).Scan(&card, &invoice))
	assert.Equal(t, "expired", card)
	assert.Equal(t, "pending", invoice)

	require.NoError(t, deliver(t, f, pay, "evt_stray", stripe.EventTypeCheckoutSessionCompleted, paidSession(cs)))
	var refundAsked bool
	require.NoError(t, f.pool.QueryRow(f.ctx,
		"SELECT refund_requested_at IS NOT NULL FROM payments WHERE booking_id = $1 AND method = 'card'", out.BookingID).Scan(&refundAsked))
	assert.True(t, refundAsked, "the card payment goes back")
	assert.Equal(t, 1, f.emailsTo(t, sam, "Your card payment has been refunded:"))
	assert.Equal(t, 1, f.emailsTo(t, sam, "Booking confirmed:"), "still one place")
	var cardID int64
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT id FROM payments WHERE booking_id = $1 AND method = 'card'", out.BookingID).Scan(&cardID))
	assert.Equal(t, []int64{cardID}, f.jobPayments(t, payment.KindRefund), "its refund job went in with the webhook's transaction")
	assert.Equal(t, []int64{cardID}, f.jobPayments(t, payment.KindCloseCheckout), "and the job closing its page with the invoice's")
	made, err := pay.Refund(f.ctx, cardID)
	require.NoError(t, err)
	assert.True(t, made)
}

// jobPayments is the payment of each job of kind, in order.
func (f places) jobPayments(t *testing.T, kind string) []int64 {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, "SELECT (args->>'payment_id')::bigint FROM river_job WHERE kind = $1 ORDER BY id", kind)
	require.NoError(t, err)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	return ids
}

// A person of an organisation not listed (a childminder) has no agency to
// invoice: they say who pays, and may invoice themselves, at their own name
// and email, without a purchase order. A person of a listed partner agency
// cannot move their place off the agency's invoice.
func TestWhoPaysAnInvoiceIsChosenByPeopleOutsideTheListedAgencies(t *testing.T) {
	t.Parallel()
	f := setupPlaces(t)
	f.paid(t)
	f.use(payment.New(f.pool, nil, "", f.clock.Now))
	session := f.session(t, 5, 30)

	var minderID int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO users (email, full_name, unlisted_agency_name, password_hash, email_verified_at)
		VALUES ('minder@example.org', 'Mo Minder', 'Tiny Tots Childminding', '!', now()) RETURNING id`).Scan(&minderID))
	minder := actor.Actor{ID: minderID}
	out, err := f.book(minder, session, false)
	require.NoError(t, err)
	require.Equal(t, booking.Held, out.Status)
	p, err := f.pay().PaymentFor(actor.With(f.ctx, minder), out.BookingID)
	require.NoError(t, err)
	assert.True(t, p.Invoice, "an invoice is possible without a listed agency")
	assert.True(t, p.ChoosesPayer)
	assert.Equal(t, "Mo Minder", p.PersonName)

	var verr *validation.Errors
	require.True(t, errors.As(f.pay().PayByInvoiceAs(actor.With(f.ctx, minder), out.BookingID, payment.InvoicePayer{Kind: payment.PayerAgency, PurchaseOrder: "PO-1"}), &verr))
	assert.Equal(t, "Select who pays for this place", verr.Message(payment.FieldPayer))
	require.NoError(t, f.pay().PayByInvoiceAs(actor.With(f.ctx, minder), out.BookingID, payment.InvoicePayer{Kind: payment.PayerPerson}))
	var payer, name, email string
	var po *string
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT payer, payer_name, payer_email::text, purchase_order FROM payments WHERE booking_id = $1`,
		out.BookingID).Scan(&payer, &name, &email, &po))
	assert.Equal(t, []string{"person", "Mo Minder", "minder@example.org"}, []string{payer, name, email})
	assert.Nil(t, po)
	b, err := f.svc.Get(actor.With(f.ctx, minder), out.BookingID)
	require.NoError(t, err)
	assert.Equal(t, booking.Confirmed, b.Status)

	sam := f.person(t, "sam", f.agency)
	held, err := f.book(sam, session, false)
	require.NoError(t, err)
	p, err = f.pay().PaymentFor(actor.With(f.ctx, sam), held.BookingID)
	require.NoError(t, err)
	assert.False(t, p.ChoosesPayer, "a partner agency pays for its own people")
	require.True(t, errors.As(f.pay().PayByInvoiceAs(actor.With(f.ctx, sam), held.BookingID, payment.InvoicePayer{Kind: payment.PayerPerson}), &verr))
	assert.Equal(t, "Select who pays for this place", verr.Message(payment.FieldPayer))
}

// closingMeanwhile is a gateway that, while Stripe makes a Checkout page,
// closes the payment on our side, as the place going on the invoice (or its
// hold lapsing) at that moment would.
type closingMeanwhile struct {
	payment.Gateway
	pool *pgxpool.Pool
}

func (g closingMeanwhile) CreateCheckoutSession(ctx context.Context, r payment.CheckoutRequest) (payment.CheckoutSession, error) {
	if _, err := g.pool.Exec(ctx, "UPDATE payments SET status = 'expired' WHERE id = $1", r.PaymentID); err != nil {
		return payment.CheckoutSession{}, err
	}
	return g.Gateway.CreateCheckoutSession(ctx, r)
}

// A Checkout page Stripe opened for a payment closed while it answered is
// kept with the payment, with the job that closes it at Stripe, so money it
// still takes is found by the webhook rather than ignored as not ours.
func TestACheckoutOpenedForAPaymentClosedMeanwhileIsClosedByAJob(t *testing.T) {
	t.Parallel()
	f := setupPlaces(t)
	f.paid(t)
	gw := payment.NewStripeGateway(stripetest.Key, stripetest.Start(t), &http.Client{Timeout: 30 * time.Second})
	pay := payment.New(f.pool, closingMeanwhile{gw, f.pool}, placesWebhookSecret, f.clock.Now)
	f.use(pay)
	pay.Handle(stripe.EventTypeCheckoutSessionCompleted, pay.CheckoutCompleted)
	session := f.session(t, 5, 30)
	sam := f.person(t, "sam", f.agency)
	out, err := f.book(sam, session, false)
	require.NoError(t, err)

	_, err = f.pay().PayByCard(actor.With(f.ctx, sam), out.BookingID)
	assert.ErrorIs(t, err, booking.ErrWrongState)
	var payID int64
	var cs *string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT id, checkout_session_id FROM payments WHERE booking_id = $1", out.BookingID).Scan(&payID, &cs))
	require.NotNil(t, cs, "the page Stripe made is kept")
	assert.Equal(t, []int64{payID}, f.jobPayments(t, payment.KindCloseCheckout))

	require.NoError(t, deliver(t, f, pay, "evt_meanwhile", stripe.EventTypeCheckoutSessionCompleted, paidSession(*cs)))
	status, _ := f.paymentStatus(t, out.BookingID)
	assert.Equal(t, "paid", status, "money it took is ours to confirm or refund, not ignored")
}
