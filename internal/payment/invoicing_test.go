package payment_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/validation"
)

// offline is the payments service without Stripe, as most councils run it.
func offline(t *testing.T) (*pgxpool.Pool, *payment.Service) {
	t.Helper()
	pool := pgtest.New(t)
	_, err := demo.Seed(context.Background(), pool, now)
	require.NoError(t, err)
	return pool, payment.New(pool, nil, "", func() time.Time { return now })
}

// invoiceWorld is a delivered session with a confirmed charge and a place on
// invoice of one agency, and a place another person's nursery pays for.
type invoiceWorld struct {
	*world
	session, agencyID        int64
	charge, place, ownPlace  string
	chargeBooking, ownBooked int64
}

func newInvoiceWorld(t *testing.T, pool *pgxpool.Pool, svc *payment.Service, manager int64) invoiceWorld {
	t.Helper()
	w := &world{t: t, pool: pool}
	session := w.session("full_day", "completed")
	a := w.agency(agency.BandNonContributing, "accounts@agency.example.org")
	w.exec("UPDATE agencies SET billing_contact_name = 'Pat Accounts' WHERE id = $1", a)
	absent := w.booking(session, w.person("Sam Absent", a), "absent")
	_, err := svc.ConfirmCharges(byManager(context.Background(), manager, ""), session,
		map[int64]payment.Decision{absent: {Chosen: true, Charge: true}})
	require.NoError(t, err)
	charge := w.scalar("SELECT id FROM charges WHERE booking_id = $1", absent)
	place := w.invoicePlace(w.booking(session, w.person("Ann Attended", a), "attended"), 8000)
	own := w.booking(session, w.person("Jo Nursery", a), "attended")
	ownPlace := w.scalar(`INSERT INTO payments (booking_id, method, amount_pence, status, purchase_order, payer, payer_name, payer_email)
		VALUES ($1, 'invoice', 4000, 'pending', 'NUR-7', 'organisation', 'Little Acorns Nursery', 'office@acorns.example.org') RETURNING id`, own)
	return invoiceWorld{world: w, session: session, agencyID: a,
		charge: fmt.Sprintf("charge-%d", charge), place: fmt.Sprintf("place-%d", place), ownPlace: fmt.Sprintf("place-%d", ownPlace),
		chargeBooking: absent, ownBooked: own}
}

func refs(rows []payment.InvoiceRow) []string {
	out := []string{}
	for _, r := range rows {
		out = append(out, r.Ref)
	}
	return out
}

func fieldMessage(t *testing.T, err error, field string) string {
	t.Helper()
	var verr *validation.Errors
	require.True(t, errors.As(err, &verr), "a validation error, got %v", err)
	return verr.Message(field)
}

func TestInvoicingByHandWithoutStripe(t *testing.T) {
	t.Parallel()
	pool, svc := offline(t)
	manager := managerID(t, pool)
	w := newInvoiceWorld(t, pool, svc, manager)
	ctx := context.Background()

	rows, err := svc.InvoicingRows(ctx, payment.ToInvoice)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{w.charge, w.place, w.ownPlace}, refs(rows))
	groups := payment.GroupByPayer(rows)
	require.Len(t, groups, 2, "the agency's invoice and the nursery's")
	var agencyGroup, nursery payment.InvoiceGroup
	for _, g := range groups {
		if g.PayerKind == "organisation" {
			nursery = g
		} else {
			agencyGroup = g
		}
	}
	assert.Equal(t, "Little Acorns Nursery", nursery.Payer)
	assert.Equal(t, "office@acorns.example.org", nursery.BillingEmail)
	assert.Equal(t, payment.Pence(4000), nursery.Total)
	assert.Equal(t, "Pat Accounts", agencyGroup.BillingName)
	assert.Equal(t, "accounts@agency.example.org", agencyGroup.BillingEmail)
	assert.Equal(t, payment.Pence(18000), agencyGroup.Total, "£100 full-day non-attendance and the £80 place")

	// One invoice goes to one payer.
	_, err = svc.MarkInvoiced(byManager(ctx, manager, ""), []string{w.charge, w.ownPlace}, "INV-1")
	assert.Contains(t, fieldMessage(t, err, payment.FieldInvoiceRows), "one payer’s rows at a time")
	_, err = svc.MarkInvoiced(byManager(ctx, manager, ""), []string{w.charge}, " ")
	assert.Equal(t, "Enter the invoice reference from your finance system", fieldMessage(t, err, payment.FieldInvoiceReference))
	_, err = svc.MarkInvoiced(byManager(ctx, manager, ""), nil, "INV-1")
	assert.Equal(t, "Select the charges and places you have invoiced", fieldMessage(t, err, payment.FieldInvoiceRows))

	n, err := svc.MarkInvoiced(byManager(ctx, manager, "203.0.113.9"), []string{w.charge, w.place}, "INV-2026-0042")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	status, stripeInvoice := w.chargeStatus(w.chargeBooking)
	assert.Equal(t, "invoiced", status)
	assert.Empty(t, stripeInvoice, "billed by hand, not through Stripe")
	var ref string
	require.NoError(t, pool.QueryRow(ctx, "SELECT invoice_reference FROM charges WHERE booking_id = $1", w.chargeBooking).Scan(&ref))
	assert.Equal(t, "INV-2026-0042", ref)
	var audited int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE action = $1 AND actor_id = $2 AND host(ip) = '203.0.113.9'",
		string(payment.InvoiceMarked), manager).Scan(&audited))
	assert.Equal(t, 1, audited, "audited as the actor in ctx, with their address")

	// Marking a row twice is refused, and changes nothing.
	_, err = svc.MarkInvoiced(byManager(ctx, manager, ""), []string{w.place}, "INV-OTHER")
	assert.Equal(t, w.place+" is already marked as invoiced, with reference INV-2026-0042", fieldMessage(t, err, payment.FieldInvoiceRows))
	// A row not invoiced cannot be marked paid.
	_, err = svc.MarkPaid(byManager(ctx, manager, ""), []string{w.ownPlace})
	assert.Equal(t, w.ownPlace+" has not been marked as invoiced", fieldMessage(t, err, payment.FieldPaidRows))

	rows, err = svc.InvoicingRows(ctx, payment.ToInvoice)
	require.NoError(t, err)
	assert.Equal(t, []string{w.ownPlace}, refs(rows))
	awaiting, err := svc.InvoicingRows(ctx, payment.AwaitingPayment)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{w.charge, w.place}, refs(awaiting))

	n, err = svc.MarkPaid(byManager(ctx, manager, "203.0.113.9"), []string{w.place, w.charge})
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	status, _ = w.chargeStatus(w.chargeBooking)
	assert.Equal(t, "paid", status)
	var placeStatus string
	var paidAt *time.Time
	require.NoError(t, pool.QueryRow(ctx, "SELECT status, paid_at FROM payments WHERE id = $1",
		w.scalar("SELECT substr($1::text, 7)::bigint", w.place)).Scan(&placeStatus, &paidAt))
	assert.Equal(t, "paid", placeStatus)
	require.NotNil(t, paidAt)
	_, err = svc.MarkPaid(byManager(ctx, manager, ""), []string{w.place})
	assert.Equal(t, w.place+" is already marked as paid", fieldMessage(t, err, payment.FieldPaidRows))

	// Each step is audited: who, from where, which rows, the reference.
	type entry struct {
		Actor   int64
		IP      string
		Details map[string]any
	}
	read := func(action string) []entry {
		r, err := pool.Query(ctx, "SELECT actor_id, host(ip), details FROM audit_events WHERE action = $1 ORDER BY id", action)
		require.NoError(t, err)
		defer r.Close()
		var out []entry
		for r.Next() {
			var e entry
			var raw []byte
			require.NoError(t, r.Scan(&e.Actor, &e.IP, &raw))
			require.NoError(t, json.Unmarshal(raw, &e.Details))
			out = append(out, e)
		}
		require.NoError(t, r.Err())
		return out
	}
	invoiced := read("invoice_marked")
	require.Len(t, invoiced, 1, "refusals record nothing")
	assert.Equal(t, manager, invoiced[0].Actor)
	assert.Equal(t, "203.0.113.9", invoiced[0].IP)
	assert.Equal(t, "INV-2026-0042", invoiced[0].Details["invoice_reference"])
	assert.Equal(t, "£180", invoiced[0].Details["total"])
	assert.Len(t, invoiced[0].Details["rows"], 2)
	paid := read("invoice_marked_paid")
	require.Len(t, paid, 1)
	assert.Equal(t, []any{"INV-2026-0042"}, paid[0].Details["invoice_references"])
}

func TestInvoicingByHandNeverTakesAStripeRow(t *testing.T) {
	t.Parallel()
	pool, svc := offline(t)
	manager := managerID(t, pool)
	w := newInvoiceWorld(t, pool, svc, manager)
	ctx := context.Background()

	// A row the Stripe sweep reserved into a batch (Stripe was on, then
	// switched off) is never marked by hand, nor one Stripe billed.
	w.exec("UPDATE charges SET billing_batch = 'invoice-session-1-agency-1-0' WHERE id = $1", w.scalar("SELECT substr($1::text, 8)::bigint", w.charge))
	w.exec("UPDATE payments SET status = 'invoiced', stripe_invoice_id = 'in_123' WHERE id = $1", w.scalar("SELECT substr($1::text, 7)::bigint", w.place))
	rows, err := svc.InvoicingRows(ctx, payment.ToInvoice)
	require.NoError(t, err)
	assert.Equal(t, []string{w.ownPlace}, refs(rows))
	_, err = svc.MarkInvoiced(byManager(ctx, manager, ""), []string{w.charge}, "INV-9")
	assert.Equal(t, w.charge+" is billed through Stripe, which records its payment", fieldMessage(t, err, payment.FieldInvoiceRows))
	_, err = svc.MarkPaid(byManager(ctx, manager, ""), []string{w.place})
	assert.Equal(t, w.place+" is billed through Stripe, which records its payment", fieldMessage(t, err, payment.FieldPaidRows))
	status, _ := w.chargeStatus(w.chargeBooking)
	assert.Equal(t, "proposed", status)

	// The database refuses a row billed both ways.
	_, err = pool.Exec(ctx, "UPDATE payments SET invoice_reference = 'INV-9' WHERE stripe_invoice_id = 'in_123'")
	assert.ErrorContains(t, err, "payments_billed_one_way")
}

// With Stripe on, the sweep bills agencies: only a place whose payer is the
// person's own organisation is invoiced by hand, and the sweep never takes
// it; a row marked by hand is never reserved by the sweep.
func TestWithStripeOnlyOwnPayersAreInvoicedByHand(t *testing.T) {
	t.Parallel()
	f := setup(t)
	manager := managerID(t, f.pool)
	w := newInvoiceWorld(t, f.pool, f.svc, manager)
	ctx := context.Background()

	rows, err := f.svc.InvoicingRows(ctx, payment.ToInvoice)
	require.NoError(t, err)
	assert.Equal(t, []string{w.ownPlace}, refs(rows))
	_, err = f.svc.MarkInvoiced(byManager(ctx, manager, ""), []string{w.place}, "INV-1")
	assert.Equal(t, w.place+" is billed through Stripe, which records its payment", fieldMessage(t, err, payment.FieldInvoiceRows))

	n, err := f.svc.MarkInvoiced(byManager(ctx, manager, ""), []string{w.ownPlace}, "NUR-INV-1")
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	sent, err := f.svc.BillAgencies(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, sent, "the agency's charge and place, on one Stripe invoice")
	var ownBatch, ownStripe *string
	var ownRef string
	require.NoError(t, f.pool.QueryRow(ctx, "SELECT billing_batch, stripe_invoice_id, invoice_reference FROM payments WHERE booking_id = $1",
		w.ownBooked).Scan(&ownBatch, &ownStripe, &ownRef))
	assert.Nil(t, ownBatch, "never reserved by the sweep")
	assert.Nil(t, ownStripe)
	assert.Equal(t, "NUR-INV-1", ownRef)
	status, stripeInvoice := w.chargeStatus(w.chargeBooking)
	assert.Equal(t, "invoiced", status)
	assert.NotEmpty(t, stripeInvoice)
}

// Two managers marking the same rows at once: one marks them, the other is
// told they are marked; one audit entry, one reference.
func TestTwoManagersMarkTheSameRowsAtOnce(t *testing.T) {
	t.Parallel()
	pool, svc := offline(t)
	manager := managerID(t, pool)
	w := newInvoiceWorld(t, pool, svc, manager)
	ctx := context.Background()

	const tries = 8
	var wg sync.WaitGroup
	errs := make([]error, tries)
	start := make(chan struct{})
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = svc.MarkInvoiced(byManager(ctx, manager, ""), []string{w.place, w.charge}, fmt.Sprintf("INV-%d", i))
		}()
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		if err == nil {
			require.Equal(t, -1, winner, "only one marking succeeds")
			winner = i
			continue
		}
		assert.Contains(t, fieldMessage(t, err, payment.FieldInvoiceRows), "is already marked as invoiced")
	}
	require.NotEqual(t, -1, winner)
	var refsSeen []string
	r, err := pool.Query(ctx, `SELECT invoice_reference FROM charges WHERE invoice_reference IS NOT NULL
		UNION ALL SELECT invoice_reference FROM payments WHERE invoice_reference IS NOT NULL`)
	require.NoError(t, err)
	for r.Next() {
		var s string
		require.NoError(t, r.Scan(&s))
		refsSeen = append(refsSeen, s)
	}
	require.NoError(t, r.Err())
	want := fmt.Sprintf("INV-%d", winner)
	assert.Equal(t, []string{want, want}, refsSeen)
	assert.Equal(t, int64(1), w.scalar("SELECT count(*) FROM audit_events WHERE action = 'invoice_marked'"))
}
