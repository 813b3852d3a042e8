package payment_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/payment"
)

// The invoicing list reads its lines as migration 00072's triggers keep
// them: after each way a line can change, the kept lines are what the
// tables say (invoice_lines_fresh), and the list follows.
func TestInvoiceLinesAreKeptThroughEveryChange(t *testing.T) {
	t.Parallel()
	pool, svc := offline(t)
	manager := managerID(t, pool)
	w := newInvoiceWorld(t, pool, svc, manager)
	ctx := context.Background()

	kept := func(step string) {
		t.Helper()
		var wrong, lines int
		require.NoError(t, pool.QueryRow(ctx, `
			SELECT (SELECT count(*) FROM ((TABLE invoice_lines EXCEPT SELECT * FROM invoice_lines_fresh)
			                              UNION ALL (SELECT * FROM invoice_lines_fresh EXCEPT TABLE invoice_lines)) d),
			       (SELECT count(*) FROM invoice_lines)`).Scan(&wrong, &lines))
		assert.Zero(t, wrong, "%s: lines not as the tables say (%d kept)", step, lines)
	}
	listed := func(state payment.InvoiceState) []string {
		t.Helper()
		rows, err := svc.InvoicingRows(ctx, state)
		require.NoError(t, err)
		return refs(rows)
	}
	kept("made")
	require.ElementsMatch(t, []string{w.charge, w.place, w.ownPlace}, listed(payment.ToInvoice))

	// A place on a session to come: not to invoice until it begins.
	later := w.world.session("full_day", "published")
	w.exec(`UPDATE sessions SET starts_at = $2::timestamptz + interval '30 days', ends_at = $2::timestamptz + interval '30 days 6 hours',
		booking_cutoff_at = $2::timestamptz + interval '29 days' WHERE id = $1`, later, now)
	laterPlace := w.invoicePlace(w.world.booking(later, w.person("Lee Later", w.agencyID), "confirmed"), 6000)
	kept("a place on invoice made")
	assert.Len(t, listed(payment.ToInvoice), 3, "not due yet")
	w.exec(`UPDATE sessions SET starts_at = $2::timestamptz - interval '1 day', ends_at = $2::timestamptz - interval '20 hours',
		booking_cutoff_at = $2::timestamptz - interval '2 days' WHERE id = $1`, later, now)
	kept("its session moved to before now")
	assert.Len(t, listed(payment.ToInvoice), 4, "due once its session has begun")
	w.exec("UPDATE sessions SET status = 'cancelled', cancelled_reason = 'Trainer ill' WHERE id = $1", later)
	kept("its session cancelled")
	assert.Len(t, listed(payment.ToInvoice), 3, "a cancelled session's places are not billed")
	w.exec("UPDATE payments SET amount_pence = 6500, payer = 'person', payer_name = 'Lee Later', payer_email = 'lee@example.org' WHERE id = $1",
		laterPlace)
	kept("its amount and payer changed")
	w.exec("DELETE FROM payments WHERE id = $1", laterPlace)
	kept("deleted")

	// A charge: its amount, its booking's attendance, Stripe's batch.
	w.exec("UPDATE charges SET amount_pence = 9000 WHERE booking_id = $1", w.chargeBooking)
	kept("a charge's amount changed")
	w.exec("UPDATE bookings SET attendance = 'attended' WHERE id = $1", w.chargeBooking)
	kept("its person marked attended after all")
	assert.NotContains(t, listed(payment.ToInvoice), w.charge, "a non-attendance charge of someone who came")
	w.exec("UPDATE bookings SET attendance = 'absent' WHERE id = $1", w.chargeBooking)
	kept("absent again")
	w.exec("UPDATE charges SET billing_batch = 'batch-1' WHERE booking_id = $1", w.chargeBooking)
	kept("reserved for Stripe")
	w.exec("UPDATE charges SET billing_batch = NULL WHERE booking_id = $1", w.chargeBooking)
	kept("released")

	// A booking's agency: who an agency's place is invoiced to.
	other := w.agency(agency.BandNonContributing, "ledger@other.example.org")
	w.exec("UPDATE bookings SET agency_id = $2 WHERE id = (SELECT booking_id FROM payments WHERE id = $1)", refID(t, w.place), other)
	kept("a place's person moved to another agency")

	// Marked invoiced, then paid, by hand.
	_, err := svc.MarkInvoiced(byManager(ctx, manager, ""), []string{w.charge}, "INV-1")
	require.NoError(t, err)
	_, err = svc.MarkInvoiced(byManager(ctx, manager, ""), []string{w.place}, "INV-2")
	require.NoError(t, err)
	kept("marked invoiced")
	assert.ElementsMatch(t, []string{w.charge, w.place}, listed(payment.AwaitingPayment))
	_, err = svc.MarkPaid(byManager(ctx, manager, ""), []string{w.charge})
	require.NoError(t, err)
	kept("marked paid")
	assert.Equal(t, []string{w.place}, listed(payment.AwaitingPayment))

	// Gone altogether.
	w.exec("DELETE FROM charges WHERE booking_id = $1", w.chargeBooking)
	kept("a charge deleted")
	w.exec("UPDATE payments SET status = 'cancelled' WHERE id = $1", refID(t, w.ownPlace))
	kept("a place on invoice cancelled")
	assert.Empty(t, listed(payment.ToInvoice))
}

// refID is the id in a row reference ("place-12": 12).
func refID(t *testing.T, ref string) int64 {
	t.Helper()
	_, num, _ := strings.Cut(ref, "-")
	id, err := strconv.ParseInt(num, 10, 64)
	require.NoError(t, err)
	return id
}
