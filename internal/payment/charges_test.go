package payment_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v76"

	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/stripetest"
	"github.com/pscp/booktraining/internal/validation"
)

// world builds sessions, agencies, people and bookings for charge tests.
type world struct {
	t    *testing.T
	pool *pgxpool.Pool
	n    int
}

func (w *world) scalar(query string, args ...any) int64 {
	w.t.Helper()
	var id int64
	require.NoError(w.t, w.pool.QueryRow(context.Background(), query, args...).Scan(&id))
	return id
}

func (w *world) exec(query string, args ...any) {
	w.t.Helper()
	_, err := w.pool.Exec(context.Background(), query, args...)
	require.NoError(w.t, err)
}

// agency adds an agency of band, billed at email ("" for none).
func (w *world) agency(band agency.ChargingBand, email string) int64 {
	w.n++
	return w.scalar(`INSERT INTO agencies (name, sector, charging_band, billing_contact_email)
		VALUES ($1, 'private_independent', $2, $3) RETURNING id`, fmt.Sprintf("Agency %d", w.n), string(band), email)
}

// session adds a session of a course of duration that took place a week
// ago, with status ("published" or "completed").
func (w *world) session(duration, status string) int64 {
	starts := now.AddDate(0, 0, -7)
	return w.scalar(`
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), $2, $3, $4, 20, $5
		FROM courses c WHERE c.id = (SELECT min(id) FROM courses WHERE duration = $1) RETURNING id`,
		duration, starts, starts.Add(3*time.Hour), starts.AddDate(0, 0, -3), status)
}

// person adds someone of agencyID (0: an unlisted organisation).
func (w *world) person(name string, agencyID int64) int64 {
	w.n++
	var a *int64
	unlisted := "Unlisted Club"
	if agencyID != 0 {
		a, unlisted = &agencyID, ""
	}
	return w.scalar(`INSERT INTO users (email, full_name, job_title, agency_id, unlisted_agency_name, password_hash, email_verified_at)
		VALUES ($1, $2, 'Practitioner', $3, $4, 'x', now()) RETURNING id`, fmt.Sprintf("p%d@example.org", w.n), name, a, unlisted)
}

// booking gives person a booking on session: "absent", "attended",
// "cancelled-late", "cancelled" or "substituted".
func (w *world) booking(session, person int64, how string) int64 {
	status, attendance, late := "confirmed", any(nil), false
	switch how {
	case "absent", "attended":
		attendance = how
	case "cancelled-late":
		status, late = "cancelled", true
	case "cancelled", "substituted":
		status = how
	}
	return w.scalar(`
		INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at, ended_at, late, attendance)
		SELECT $1, u.id, u.agency_id, $3::booking_status, u.id, $4, $4, CASE WHEN $3::booking_status <> 'confirmed' THEN $4::timestamptz END, $5, $6
		FROM users u WHERE u.id = $2 RETURNING id`, session, person, status, now.AddDate(0, 0, -20), late, attendance)
}

// invoicePlace puts a booking's place on the agency's invoice.
func (w *world) invoicePlace(bookingID int64, pence int) int64 {
	return w.scalar(`INSERT INTO payments (booking_id, method, amount_pence, status, purchase_order)
		VALUES ($1::bigint, 'invoice', $2, 'pending', 'PO-' || $1::bigint::text) RETURNING id`, bookingID, pence)
}

func (w *world) chargeStatus(bookingID int64) (status, invoice string) {
	w.t.Helper()
	var inv *string
	require.NoError(w.t, w.pool.QueryRow(context.Background(),
		"SELECT status, stripe_invoice_id FROM charges WHERE booking_id = $1", bookingID).Scan(&status, &inv))
	if inv != nil {
		invoice = *inv
	}
	return status, invoice
}

func candidate(t *testing.T, sc payment.SessionCharges, bookingID int64) payment.ChargeCandidate {
	t.Helper()
	for _, c := range sc.Candidates {
		if c.BookingID == bookingID {
			return c
		}
	}
	t.Fatalf("booking %d is not a candidate", bookingID)
	return payment.ChargeCandidate{}
}

func TestChargeFollowsThePolicyForEachBandAndDayLength(t *testing.T) {
	t.Parallel()
	f := setup(t)
	w := &world{t: t, pool: f.pool}
	ctx := context.Background()
	// Every amount of the policy different: kind, length and band each count.
	w.exec(`UPDATE charge_policy SET amount_pence =
		(CASE kind WHEN 'non_attendance' THEN 10000 ELSE 20000 END)
		+ (CASE duration WHEN 'half_day' THEN 1000 ELSE 2000 END)
		+ (CASE charging_band WHEN 'partner' THEN 100 WHEN 'contributing' THEN 200 ELSE 300 END)`)
	for _, duration := range []string{"half_day", "full_day"} {
		session := w.session(duration, "completed")
		for _, band := range agency.ChargingBands {
			a := w.agency(band, "")
			absent := w.booking(session, w.person("Absent "+string(band), a), "absent")
			late := w.booking(session, w.person("Late "+string(band), a), "cancelled-late")
			sc, err := f.svc.SessionCharges(ctx, session)
			require.NoError(t, err)
			assert.True(t, sc.RegisterTaken)
			want := map[string]int64{"half_day": 1000, "full_day": 2000}[duration] +
				map[agency.ChargingBand]int64{agency.BandPartner: 100, agency.BandContributing: 200, agency.BandNonContributing: 300}[band]
			na, lc := candidate(t, sc, absent), candidate(t, sc, late)
			assert.Equal(t, payment.NonAttendance, na.Kind)
			assert.Equal(t, payment.Pence(10000+want), na.Amount, "non-attendance, %s, %s", duration, band)
			assert.Equal(t, payment.LateCancellation, lc.Kind)
			assert.Equal(t, payment.Pence(20000+want), lc.Amount, "late cancellation, %s, %s", duration, band)
			assert.True(t, na.Undecided() && lc.Undecided())
		}
	}
}

func TestWhoIsNotCharged(t *testing.T) {
	t.Parallel()
	f := setup(t)
	w := &world{t: t, pool: f.pool}
	ctx := context.Background()
	session := w.session("full_day", "published")
	a := w.agency(agency.BandNonContributing, "accounts@example.org")
	partner := w.agency(agency.BandPartner, "")
	// Nothing marked yet: the register is not taken.
	late := w.booking(session, w.person("Lou Late", a), "cancelled-late")
	sc, err := f.svc.SessionCharges(ctx, session)
	require.NoError(t, err)
	assert.False(t, sc.RegisterTaken)
	assert.Equal(t, payment.Pence(10000), candidate(t, sc, late).Amount, "a late cancellation is listed at once")

	absent := w.booking(session, w.person("Abe Absent", a), "absent")
	substituted := w.booking(session, w.person("Sue Substituted", a), "substituted")
	w.booking(session, w.person("Cal Cancelled", a), "cancelled")
	w.booking(session, w.person("Ada Attended", a), "attended")
	unlisted := w.booking(session, w.person("Una Unlisted", 0), "absent")
	paidLate := w.booking(session, w.person("Pat Paid", a), "cancelled-late")
	w.invoicePlace(paidLate, 8000)
	free := w.booking(session, w.person("Fay Partner", partner), "absent")

	sc, err = f.svc.SessionCharges(ctx, session)
	require.NoError(t, err)
	assert.True(t, sc.RegisterTaken, "a mark is recorded")
	var ids []int64
	for _, c := range sc.Candidates {
		ids = append(ids, c.BookingID)
	}
	assert.ElementsMatch(t, []int64{absent, free, late, paidLate, unlisted}, ids, "no substitute, no early cancellation, nobody who came")
	assert.NotContains(t, ids, substituted)
	assert.Equal(t, payment.NoAgencyToBill, candidate(t, sc, unlisted).NoCharge)
	assert.Equal(t, payment.PlaceAlreadyPaid, candidate(t, sc, paidLate).NoCharge)
	assert.Equal(t, payment.FreeByPolicy, candidate(t, sc, free).NoCharge, "partners pay nothing by default")
	assert.Equal(t, 2, sc.Undecided())

	// A cancelled session charges nobody.
	w.exec("UPDATE sessions SET status = 'cancelled', cancelled_reason = 'Trainer ill' WHERE id = $1", session)
	sc, err = f.svc.SessionCharges(ctx, session)
	require.NoError(t, err)
	assert.Empty(t, sc.Candidates)
}

func TestConfirmChargesNeedsADecisionAndAReasonToWaive(t *testing.T) {
	t.Parallel()
	f := setup(t)
	w := &world{t: t, pool: f.pool}
	ctx := context.Background()
	manager := managerID(t, f.pool)
	session := w.session("half_day", "completed")
	a := w.agency(agency.BandContributing, "")
	absent := w.booking(session, w.person("Abe Absent", a), "absent")
	late := w.booking(session, w.person("Lou Late", a), "cancelled-late")
	count := func() int64 { return w.scalar("SELECT count(*) FROM charges") }

	_, err := f.svc.ConfirmCharges(byManager(ctx, manager, "127.0.0.1"), session, map[int64]payment.Decision{
		absent: {Chosen: true, Charge: true},
	})
	var verr *validation.Errors
	require.ErrorAs(t, err, &verr)
	assert.Contains(t, verr.Message(payment.DecisionField(late)), "Select whether to charge or waive the late cancellation of Lou Late")
	assert.Zero(t, count(), "nothing is recorded while anything is wrong")

	_, err = f.svc.ConfirmCharges(byManager(ctx, manager, "127.0.0.1"), session, map[int64]payment.Decision{
		absent: {Chosen: true, Charge: true}, late: {Chosen: true, Reason: "   "},
	})
	require.ErrorAs(t, err, &verr)
	assert.Equal(t, "Enter why the charge for Lou Late is waived", verr.Message(payment.ReasonField(late)))
	assert.Zero(t, count())

	decisions := map[int64]payment.Decision{absent: {Chosen: true, Charge: true}, late: {Chosen: true, Reason: " Bereavement "}}
	n, err := f.svc.ConfirmCharges(byManager(ctx, manager, "127.0.0.1"), session, decisions)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	st, _ := w.chargeStatus(absent)
	assert.Equal(t, "proposed", st)
	st, _ = w.chargeStatus(late)
	assert.Equal(t, "waived", st)
	assert.Equal(t, int64(1), w.scalar(`SELECT count(*) FROM charges WHERE booking_id = $1 AND waiver_reason = 'Bereavement'
		AND decided_by = $2 AND decided_at IS NOT NULL AND amount_pence = 5000`, late, manager))
	assert.Equal(t, int64(1), w.scalar(`SELECT count(*) FROM audit_events WHERE action = 'charges_confirmed' AND actor_id = $1 AND host(ip) = '127.0.0.1'`, manager),
		"the decision is the actor's in ctx, audited with their address")

	sc, err := f.svc.SessionCharges(ctx, session)
	require.NoError(t, err)
	assert.Equal(t, payment.ChargeWaived, candidate(t, sc, late).Status)
	assert.Equal(t, "Bereavement", candidate(t, sc, late).WaiverReason)
	assert.True(t, candidate(t, sc, absent).NoBillingContact, "the agency has no billing contact")

	n, err = f.svc.ConfirmCharges(byManager(ctx, manager, "127.0.0.1"), session, decisions)
	require.NoError(t, err)
	assert.Zero(t, n, "a second confirm records nothing")
	assert.Equal(t, int64(2), count())
}

func TestConcurrentConfirmsRecordEachChargeOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	w := &world{t: t, pool: f.pool}
	ctx := context.Background()
	manager := managerID(t, f.pool)
	session := w.session("full_day", "completed")
	a := w.agency(agency.BandNonContributing, "")
	decisions := map[int64]payment.Decision{}
	for i := range 5 {
		b := w.booking(session, w.person(fmt.Sprintf("Person %d", i), a), "absent")
		decisions[b] = payment.Decision{Chosen: true, Charge: true}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := f.svc.ConfirmCharges(byManager(ctx, manager, "127.0.0.1"), session, decisions)
			assert.NoError(t, err)
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	assert.Equal(t, 5, total, "each charge recorded by one confirm")
	assert.Equal(t, int64(5), w.scalar("SELECT count(*) FROM charges"))
	assert.Equal(t, int64(5), w.scalar("SELECT count(DISTINCT booking_id) FROM charges"))
}

func TestBillAgenciesSendsOneInvoicePerAgencyPerSession(t *testing.T) {
	t.Parallel()
	f := setup(t)
	w := &world{t: t, pool: f.pool}
	ctx := context.Background()
	manager := managerID(t, f.pool)
	session := w.session("full_day", "completed")
	scouts := w.agency(agency.BandNonContributing, "treasurer@scouts.example.org")
	nursery := w.agency(agency.BandContributing, "office@nursery.example.org")
	noEmail := w.agency(agency.BandNonContributing, "")
	sam := w.booking(session, w.person("Sam Akela", scouts), "absent")
	jo := w.booking(session, w.person("Jo Bloggs", scouts), "cancelled-late")
	kim := w.booking(session, w.person("Kim Cook", nursery), "absent")
	lee := w.booking(session, w.person("Lee Dunn", noEmail), "absent")
	// A place the scouts booked on invoice, who came.
	ann := w.booking(session, w.person("Ann Attended", scouts), "attended")
	place := w.invoicePlace(ann, 8000)
	decisions := map[int64]payment.Decision{}
	for _, b := range []int64{sam, jo, kim, lee} {
		decisions[b] = payment.Decision{Chosen: true, Charge: true}
	}
	_, err := f.svc.ConfirmCharges(byManager(ctx, manager, ""), session, decisions)
	require.NoError(t, err)

	// Offline, nothing is billed.
	n, err := payment.New(f.pool, nil, "", func() time.Time { return now }).BillAgencies(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)

	n, err = f.svc.BillAgencies(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "one invoice to the scouts, one to the nursery; none without a billing contact")

	type invoice struct {
		customerKey string
		lines       []string
	}
	var invoices []invoice
	for _, r := range f.rec.sent() {
		switch {
		case r.Path == "/v1/customers":
			invoices = append(invoices, invoice{customerKey: r.Key})
		case r.Path == "/v1/invoices":
			assert.Equal(t, "send_invoice", r.Form.Get("collection_method"))
			invoices[len(invoices)-1].lines = append(invoices[len(invoices)-1].lines, "key "+r.Key)
		case r.Path == "/v1/invoiceitems":
			invoices[len(invoices)-1].lines = append(invoices[len(invoices)-1].lines, r.Form.Get("amount")+" "+r.Form.Get("description"))
		}
	}
	require.Len(t, invoices, 2)
	day := now.AddDate(0, 0, -7).Format("2 January 2006")
	var course string
	require.NoError(t, f.pool.QueryRow(ctx, "SELECT course_title FROM sessions WHERE id = $1", session).Scan(&course))
	assert.Equal(t, invoice{payment.CustomerKey(scouts), []string{
		"key " + payment.BillKey(session, scouts, 0) + "-invoice",
		fmt.Sprintf("8000 Place: Ann Attended, %s, %s, purchase order PO-%d", course, day, ann),
		fmt.Sprintf("10000 Late cancellation: Jo Bloggs, %s, %s", course, day),
		fmt.Sprintf("10000 Non-attendance: Sam Akela, %s, %s", course, day),
	}}, invoices[0])
	assert.Equal(t, invoice{payment.CustomerKey(nursery), []string{
		"key " + payment.BillKey(session, nursery, 0) + "-invoice",
		fmt.Sprintf("10000 Non-attendance: Kim Cook, %s, %s", course, day),
	}}, invoices[1])

	for _, b := range []int64{sam, jo, kim} {
		st, inv := w.chargeStatus(b)
		assert.Equal(t, "invoiced", st)
		assert.True(t, strings.HasPrefix(inv, "in_"), inv)
	}
	st, inv := w.chargeStatus(lee)
	assert.Equal(t, "proposed", st, "waits for a billing contact")
	assert.Empty(t, inv)
	assert.Equal(t, int64(1), w.scalar(`SELECT count(*) FROM payments WHERE id = $1 AND status = 'invoiced' AND stripe_invoice_id LIKE 'in_%'`, place))

	// Nothing more to bill: a second sweep sends nothing.
	before := len(f.rec.sent())
	n, err = f.svc.BillAgencies(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Len(t, f.rec.sent(), before, "no second invoice")

	// Stripe says the scouts' invoice is paid: their charges and place are paid.
	_, scoutsInvoice := w.chargeStatus(sam)
	f.svc.Handle(stripe.EventTypeInvoicePaid, f.svc.InvoicePaid)
	f.svc.Handle(stripe.EventTypeInvoiceVoided, f.svc.InvoiceVoided)
	body, sig := stripetest.Event(secret, "evt_inv_paid", stripe.EventTypeInvoicePaid,
		map[string]any{"id": scoutsInvoice, "object": "invoice", "status": "paid"}, time.Now())
	ev, err := f.svc.Verify(body, sig)
	require.NoError(t, err)
	require.NoError(t, f.svc.Dispatch(ctx, ev))
	require.NoError(t, f.svc.Dispatch(ctx, ev), "a duplicate is harmless")
	for _, b := range []int64{sam, jo} {
		st, _ := w.chargeStatus(b)
		assert.Equal(t, "paid", st)
	}
	assert.Equal(t, int64(1), w.scalar(`SELECT count(*) FROM payments WHERE id = $1 AND status = 'paid' AND paid_at = $2`, place, now))
	st, _ = w.chargeStatus(lee)
	assert.Equal(t, "proposed", st, "another invoice's charge is untouched")

	// An invoice that is none of ours changes nothing, and is not an error.
	body, sig = stripetest.Event(secret, "evt_other", stripe.EventTypeInvoiceVoided,
		map[string]any{"id": "in_someone_elses", "object": "invoice"}, time.Now())
	ev, err = f.svc.Verify(body, sig)
	require.NoError(t, err)
	require.NoError(t, f.svc.Dispatch(ctx, ev))
}

func TestBillingWaitsForTheRegister(t *testing.T) {
	t.Parallel()
	f := setup(t)
	w := &world{t: t, pool: f.pool}
	ctx := context.Background()
	session := w.session("full_day", "published")
	a := w.agency(agency.BandNonContributing, "accounts@example.org")
	late := w.booking(session, w.person("Lou Late", a), "cancelled-late")
	_, err := f.svc.ConfirmCharges(byManager(ctx, managerID(t, f.pool), ""), session,
		map[int64]payment.Decision{late: {Chosen: true, Charge: true}})
	require.NoError(t, err)
	n, err := f.svc.BillAgencies(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "not before the register is taken")
	assert.Empty(t, f.rec.sent())

	w.booking(session, w.person("Ada Attended", a), "attended")
	n, err = f.svc.BillAgencies(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	st, _ := w.chargeStatus(late)
	assert.Equal(t, "invoiced", st)
}

func TestConcurrentRunsBillOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	w := &world{t: t, pool: f.pool}
	ctx := context.Background()
	session := w.session("half_day", "completed")
	decisions := map[int64]payment.Decision{}
	for i := range 3 {
		a := w.agency(agency.BandNonContributing, fmt.Sprintf("accounts%d@example.org", i))
		decisions[w.booking(session, w.person(fmt.Sprintf("Person %d", i), a), "absent")] = payment.Decision{Chosen: true, Charge: true}
	}
	_, err := f.svc.ConfirmCharges(byManager(ctx, managerID(t, f.pool), ""), session, decisions)
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := f.svc.BillAgencies(ctx)
			assert.NoError(t, err)
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	assert.Equal(t, 3, total, "each agency's invoice recorded by one run")
	// Runs at once may each ask Stripe (no lock is held while it answers),
	// but always with the batch's keys: Stripe makes one invoice per batch.
	keys := map[string]bool{}
	for _, r := range f.rec.sent() {
		if r.Path == "/v1/invoices" {
			keys[r.Key] = true
		}
	}
	assert.Len(t, keys, 3, "three invoices, whatever the number of calls")
	assert.Equal(t, int64(3), w.scalar("SELECT count(*) FROM charges WHERE status = 'invoiced'"))
	assert.Equal(t, int64(3), w.scalar("SELECT count(DISTINCT billing_batch) FROM charges"), "no row on two invoices")
	assert.Equal(t, int64(3), w.scalar("SELECT count(*) FROM audit_events WHERE action = 'agency_invoiced'"), "audited once each")
}

// lossy passes every request on to stripe-mock (through the recorder) and,
// while lose is set, loses the answer to sending an invoice: Stripe has made,
// finalized and sent it, and the sweep never hears, as when the commit after
// it fails or the process dies.
type lossy struct {
	rec  *recorder
	lose atomic.Bool
}

func (l *lossy) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.rec.RoundTrip(req)
	if err == nil && l.lose.Load() && strings.HasSuffix(req.URL.Path, "/send") {
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, err
}

// stripeCalls are the requests of an invoice batch: key → form (without the
// invoice's id, which stripe-mock makes up afresh).
func stripeCalls(reqs []sent, batch string) map[string]string {
	out := map[string]string{}
	for _, r := range reqs {
		if !strings.HasPrefix(r.Key, batch+"-") {
			continue
		}
		f := url.Values{}
		for k, v := range r.Form {
			if k != "invoice" {
				f[k] = v
			}
		}
		out[r.Key] = f.Encode()
	}
	return out
}

func TestAFailedInvoiceIsResumedWithTheSameKeysAndNewChargesWait(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	_, err := demo.Seed(context.Background(), pool, now)
	require.NoError(t, err)
	rec := &recorder{}
	tr := &lossy{rec: rec}
	svc := payment.New(pool, payment.NewStripeGateway(stripetest.Key, stripetest.Start(t),
		&http.Client{Transport: tr, Timeout: 30 * time.Second}), secret, func() time.Time { return now })
	w := &world{t: t, pool: pool}
	ctx := context.Background()
	manager := managerID(t, pool)
	session := w.session("full_day", "completed")
	a := w.agency(agency.BandNonContributing, "accounts@example.org")
	sam := w.booking(session, w.person("Sam Akela", a), "absent")
	jo := w.booking(session, w.person("Jo Bloggs", a), "cancelled-late")
	place := w.invoicePlace(w.booking(session, w.person("Ann Attended", a), "attended"), 8000)
	_, err = svc.ConfirmCharges(byManager(ctx, manager, ""), session, map[int64]payment.Decision{
		sam: {Chosen: true, Charge: true}, jo: {Chosen: true, Charge: true},
	})
	require.NoError(t, err)
	first, second := payment.BillKey(session, a, 0), payment.BillKey(session, a, 1)

	tr.lose.Store(true)
	n, err := svc.BillAgencies(ctx)
	require.Error(t, err, "the answer to sending the invoice was lost")
	assert.Zero(t, n)
	attempt1 := rec.sent()
	require.Contains(t, stripeCalls(attempt1, first), first+"-send", "Stripe sent the invoice")
	for _, b := range []int64{sam, jo} {
		st, inv := w.chargeStatus(b)
		assert.Equal(t, "proposed", st)
		assert.Empty(t, inv)
	}
	assert.Equal(t, int64(3), w.scalar(`SELECT (SELECT count(*) FROM charges WHERE billing_batch = $1)
		+ (SELECT count(*) FROM payments WHERE billing_batch = $1)`, first), "the rows stay in their batch")

	// Before the retry, another non-attendance is confirmed.
	kim := w.booking(session, w.person("Kim Cook", a), "absent")
	_, err = svc.ConfirmCharges(byManager(ctx, manager, ""), session, map[int64]payment.Decision{kim: {Chosen: true, Charge: true}})
	require.NoError(t, err)

	tr.lose.Store(false)
	n, err = svc.BillAgencies(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "the first invoice, resumed, and a second for the new charge")
	attempt2 := rec.sent()[len(attempt1):]
	assert.Equal(t, stripeCalls(attempt1, first), stripeCalls(attempt2, first),
		"the resumed invoice asks Stripe exactly what the first attempt did")

	chargeID := func(booking int64) int64 {
		return w.scalar("SELECT id FROM charges WHERE booking_id = $1", booking)
	}
	keys := func(reqs []sent, batch string) []string {
		var out []string
		for k := range stripeCalls(reqs, batch) {
			out = append(out, strings.TrimPrefix(k, batch+"-"))
		}
		return out
	}
	assert.ElementsMatch(t, []string{"invoice", "finalize", "send",
		fmt.Sprintf("place-%d", place), fmt.Sprintf("charge-%d", chargeID(jo)), fmt.Sprintf("charge-%d", chargeID(sam)),
	}, keys(attempt2, first))
	assert.ElementsMatch(t, []string{"invoice", "finalize", "send", fmt.Sprintf("charge-%d", chargeID(kim))},
		keys(attempt2, second), "the new charge is on an invoice of its own")

	for b, batch := range map[int64]string{sam: first, jo: first, kim: second} {
		st, inv := w.chargeStatus(b)
		assert.Equal(t, "invoiced", st)
		assert.True(t, strings.HasPrefix(inv, "in_"), inv)
		assert.Equal(t, int64(1), w.scalar("SELECT count(*) FROM charges WHERE booking_id = $1 AND billing_batch = $2", b, batch))
	}
	assert.Equal(t, int64(1), w.scalar(`SELECT count(*) FROM payments WHERE id = $1 AND status = 'invoiced' AND billing_batch = $2`, place, first))

	// Nothing is left: a third sweep asks Stripe nothing.
	before := len(rec.sent())
	n, err = svc.BillAgencies(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Len(t, rec.sent(), before)
}

func TestANonAttendanceCorrectedOnTheRegisterIsNotBilled(t *testing.T) {
	t.Parallel()
	f := setup(t)
	w := &world{t: t, pool: f.pool}
	ctx := context.Background()
	session := w.session("full_day", "completed")
	a := w.agency(agency.BandNonContributing, "accounts@example.org")
	sam := w.booking(session, w.person("Sam Akela", a), "absent")
	jo := w.booking(session, w.person("Jo Bloggs", a), "cancelled-late")
	_, err := f.svc.ConfirmCharges(byManager(ctx, managerID(t, f.pool), ""), session, map[int64]payment.Decision{
		sam: {Chosen: true, Charge: true}, jo: {Chosen: true, Charge: true},
	})
	require.NoError(t, err)
	// Sam came after all: the register is corrected.
	w.exec("UPDATE bookings SET attendance = 'attended' WHERE id = $1", sam)

	n, err := f.svc.BillAgencies(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	var lines []string
	for _, r := range f.rec.sent() {
		if r.Path == "/v1/invoiceitems" {
			lines = append(lines, r.Form.Get("description"))
		}
	}
	require.Len(t, lines, 1)
	assert.True(t, strings.HasPrefix(lines[0], "Late cancellation: Jo Bloggs"), lines[0])
	st, inv := w.chargeStatus(sam)
	assert.Equal(t, "proposed", st, "not billed")
	assert.Empty(t, inv)
	assert.Equal(t, int64(0), w.scalar("SELECT count(*) FROM charges WHERE booking_id = $1 AND billing_batch IS NOT NULL", sam))
	st, _ = w.chargeStatus(jo)
	assert.Equal(t, "invoiced", st)
}

func TestBillingWaitsUntilNothingIsLeftToDecide(t *testing.T) {
	t.Parallel()
	f := setup(t)
	w := &world{t: t, pool: f.pool}
	ctx := context.Background()
	manager := managerID(t, f.pool)
	session := w.session("full_day", "published")
	a := w.agency(agency.BandNonContributing, "accounts@example.org")
	partner := w.agency(agency.BandPartner, "partner@example.org")
	// A late cancellation confirmed before the day, and a place on invoice.
	lou := w.booking(session, w.person("Lou Late", a), "cancelled-late")
	_, err := f.svc.ConfirmCharges(byManager(ctx, manager, ""), session, map[int64]payment.Decision{lou: {Chosen: true, Charge: true}})
	require.NoError(t, err)
	place := w.invoicePlace(w.booking(session, w.person("Ann Attended", a), "attended"), 8000)
	// The register is taken: someone is absent, and nobody has decided yet.
	abe := w.booking(session, w.person("Abe Absent", a), "absent")
	// Absences that ask no decision do not hold the bill up.
	w.booking(session, w.person("Fay Partner", partner), "absent")
	w.booking(session, w.person("Una Unlisted", 0), "absent")

	n, err := f.svc.BillAgencies(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "Abe's non-attendance is still to decide")
	assert.Empty(t, f.rec.sent())
	assert.Equal(t, int64(0), w.scalar("SELECT count(*) FROM charges WHERE billing_batch IS NOT NULL"))

	_, err = f.svc.ConfirmCharges(byManager(ctx, manager, ""), session, map[int64]payment.Decision{abe: {Chosen: true, Charge: true}})
	require.NoError(t, err)
	n, err = f.svc.BillAgencies(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "one invoice with everything")
	var lines []string
	for _, r := range f.rec.sent() {
		if r.Path == "/v1/invoiceitems" {
			lines = append(lines, strings.SplitN(r.Form.Get("description"), ",", 2)[0])
		}
	}
	assert.Equal(t, []string{"Place: Ann Attended", "Late cancellation: Lou Late", "Non-attendance: Abe Absent"}, lines)
	assert.Equal(t, int64(1), w.scalar("SELECT count(*) FROM payments WHERE id = $1 AND status = 'invoiced'", place))

	// A session marked delivered is billed even with something undecided.
	other := w.session("half_day", "completed")
	late := w.booking(other, w.person("Lee Late", a), "cancelled-late")
	_, err = f.svc.ConfirmCharges(byManager(ctx, manager, ""), other, map[int64]payment.Decision{late: {Chosen: true, Charge: true}})
	require.NoError(t, err)
	w.booking(other, w.person("Uri Undecided", a), "absent")
	n, err = f.svc.BillAgencies(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	st, _ := w.chargeStatus(late)
	assert.Equal(t, "invoiced", st)
}

func TestAChangedBillingContactIsSentToStripeFirst(t *testing.T) {
	t.Parallel()
	f := setup(t)
	w := &world{t: t, pool: f.pool}
	ctx := context.Background()
	manager := managerID(t, f.pool)
	a := w.agency(agency.BandNonContributing, "old@example.org")
	bill := func(name string) (int64, int) {
		t.Helper()
		session := w.session("full_day", "completed")
		b := w.booking(session, w.person(name, a), "absent")
		_, err := f.svc.ConfirmCharges(byManager(ctx, manager, ""), session, map[int64]payment.Decision{b: {Chosen: true, Charge: true}})
		require.NoError(t, err)
		n, err := f.svc.BillAgencies(ctx)
		require.NoError(t, err)
		return b, n
	}
	calls := func(reqs []sent) []string {
		var out []string
		for _, r := range reqs {
			if !strings.HasPrefix(r.Path, "/v1/invoiceitems") && !strings.Contains(r.Path, "/finalize") && !strings.Contains(r.Path, "/send") {
				out = append(out, r.Path+" "+r.Key+" "+r.Form.Get("email"))
			}
		}
		return out
	}
	_, n := bill("Sam Akela")
	require.Equal(t, 1, n)
	customer := ""
	require.NoError(t, f.pool.QueryRow(ctx, "SELECT stripe_customer_id FROM agencies WHERE id = $1", a).Scan(&customer))
	before := len(f.rec.sent())

	w.exec("UPDATE agencies SET billing_contact_email = 'new@example.org', updated_at = $2 WHERE id = $1", a, now.Add(time.Hour))
	var name string
	var changed time.Time
	require.NoError(t, f.pool.QueryRow(ctx, "SELECT name, updated_at FROM agencies WHERE id = $1", a).Scan(&name, &changed))
	_, n = bill("Jo Bloggs")
	require.Equal(t, 1, n)
	got := calls(f.rec.sent()[before:])
	require.Len(t, got, 2)
	assert.Equal(t, "/v1/customers/"+customer+" "+payment.CustomerUpdateKey(a, name, "new@example.org", changed)+" new@example.org", got[0],
		"the customer is brought up to date before the invoice")
	assert.True(t, strings.HasPrefix(got[1], "/v1/invoices "), got[1])
	assert.Equal(t, int64(1), w.scalar("SELECT count(*) FROM agencies WHERE id = $1 AND stripe_customer_email = 'new@example.org'", a))
	assert.Equal(t, int64(1), w.scalar("SELECT count(*) FROM audit_events WHERE action = 'stripe_customer_updated' AND agency_id = $1", a))
	assert.NotEqual(t, payment.CustomerUpdateKey(a, name, "new@example.org", changed),
		payment.CustomerUpdateKey(a, name, "new@example.org", changed.Add(time.Second)), "a change back and forth has a new key")

	// Unchanged: no update next time.
	before = len(f.rec.sent())
	_, n = bill("Kim Cook")
	require.Equal(t, 1, n)
	for _, c := range calls(f.rec.sent()[before:]) {
		assert.NotContains(t, c, "/v1/customers", "nothing to update")
	}

	// The contact is cleared: nothing is billed, and nothing asked of Stripe.
	w.exec("UPDATE agencies SET billing_contact_email = '' WHERE id = $1", a)
	before = len(f.rec.sent())
	lee, n := bill("Lee Dunn")
	assert.Zero(t, n)
	assert.Len(t, f.rec.sent(), before)
	st, inv := w.chargeStatus(lee)
	assert.Equal(t, "proposed", st)
	assert.Empty(t, inv)
}
