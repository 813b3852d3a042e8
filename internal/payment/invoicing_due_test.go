package payment_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/pgtest"
)

// toInvoiceFromTheSessions is the rule of what is to invoice, read from the
// sessions themselves as the list did before each place carried its
// session's start (migration 00060): confirmed charges, and places on
// invoice whose session has begun by at and is not cancelled.
const toInvoiceFromTheSessions = `
	SELECT 'place-' || p.id
	FROM payments p JOIN bookings b ON b.id = p.booking_id JOIN sessions s ON s.id = b.session_id
	WHERE p.method = 'invoice' AND p.status = 'pending' AND p.billing_batch IS NULL AND p.stripe_invoice_id IS NULL
	  AND s.starts_at <= $1 AND s.status <> 'cancelled' AND (p.payer <> 'agency' OR b.agency_id IS NOT NULL)
	UNION ALL
	SELECT 'charge-' || ch.id
	FROM charges ch JOIN bookings b ON b.id = ch.booking_id
	WHERE ch.status = 'proposed' AND ch.billing_batch IS NULL AND ch.stripe_invoice_id IS NULL
	  AND (ch.kind <> 'non_attendance' OR b.attendance = 'absent')`

// A place on invoice is to invoice once its session has begun: it becomes due
// as the session starts, a session moved takes its places with it, and a
// place moved to another booking takes that booking's session. At each step
// the list, and its count over every page, is what the rule gives read from
// the sessions.
func TestPlacesOnInvoiceBecomeDueWhenTheirSessionStarts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := demo.Seed(ctx, pool, now)
	require.NoError(t, err)
	clock := now
	svc := payment.New(pool, nil, "", func() time.Time { return clock })
	w := &world{t: t, pool: pool}
	a := w.agency(agency.BandNonContributing, "accounts@agency.example.org")
	startsAt := func(session int64, at time.Time) {
		w.exec("UPDATE sessions SET starts_at = $2, ends_at = $3, booking_cutoff_at = $4 WHERE id = $1",
			session, at, at.Add(3*time.Hour), at.AddDate(0, 0, -3))
	}
	past := w.session("full_day", "completed") // a week ago
	soon := w.session("full_day", "published")
	startsAt(soon, now.Add(2*time.Hour))
	later := w.session("full_day", "published")
	startsAt(later, now.AddDate(0, 0, 10))

	place := func(session int64, name, how string) (int64, string) {
		id := w.invoicePlace(w.booking(session, w.person(name, a), how), 8000)
		return id, fmt.Sprintf("place-%d", id)
	}
	_, pastPlace := place(past, "Ann Attended", "attended")
	_, soonPlace := place(soon, "Bo Booked", "")
	laterID, laterPlace := place(later, "Cy Booked", "")

	// toInvoice checks the list against the rule, and returns it.
	toInvoice := func(step string) []string {
		t.Helper()
		rows, err := svc.InvoicingRows(ctx, payment.ToInvoice)
		require.NoError(t, err)
		want := []string{}
		found, err := pool.Query(ctx, toInvoiceFromTheSessions, clock)
		require.NoError(t, err)
		for found.Next() {
			var r string
			require.NoError(t, found.Scan(&r))
			want = append(want, r)
		}
		require.NoError(t, found.Err())
		assert.ElementsMatch(t, want, refs(rows), step)
		page, err := svc.InvoicingPage(ctx, payment.ToInvoice, 1, 2)
		require.NoError(t, err)
		assert.Equal(t, len(want), page.Rows, "%s: the count over every page", step)
		return refs(rows)
	}

	got := toInvoice("now")
	assert.Contains(t, got, pastPlace, "its session has begun")
	assert.NotContains(t, got, soonPlace, "its session starts in two hours")
	assert.NotContains(t, got, laterPlace)

	clock = now.Add(3 * time.Hour)
	got = toInvoice("the next session has begun")
	assert.Contains(t, got, soonPlace, "due as its session starts")
	assert.NotContains(t, got, laterPlace)

	startsAt(later, now.Add(time.Hour)) // brought forward, begun
	startsAt(soon, now.AddDate(0, 0, 5))
	got = toInvoice("sessions moved")
	assert.Contains(t, got, laterPlace, "its session was brought forward and has begun")
	assert.NotContains(t, got, soonPlace, "its session was put back")

	// The place moves to another person's booking, on a session to come.
	w.exec("UPDATE payments SET booking_id = $2 WHERE id = $1", laterID, w.booking(soon, w.person("Di Instead", a), ""))
	got = toInvoice("a place moved to a session to come")
	assert.NotContains(t, got, laterPlace, "it is now a place on a session to come")
}
