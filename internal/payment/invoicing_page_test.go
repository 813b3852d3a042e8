package payment_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/payment"
)

// The invoicing page shows a page of rows at a time; each payer's total and
// count, and the list's, are over every page, so a payer split across pages
// still shows what its invoice comes to.
func TestInvoicingPagesKeepTheTotalsOfEveryPage(t *testing.T) {
	t.Parallel()
	pool, svc := offline(t)
	w := newInvoiceWorld(t, pool, svc, managerID(t, pool))
	ctx := context.Background()
	all, err := svc.InvoicingRows(ctx, payment.ToInvoice)
	require.NoError(t, err)
	require.Len(t, all, 3)

	var seen []string
	for page := 1; page <= 3; page++ {
		p, err := svc.InvoicingPage(ctx, payment.ToInvoice, page, 1)
		require.NoError(t, err)
		assert.Equal(t, 3, p.Rows, "page %d", page)
		assert.Equal(t, payment.Pence(22000), p.Total, "£100 + £80 for the agency, £40 for the nursery")
		assert.Equal(t, 3, p.Pages)
		require.Len(t, p.Groups, 1, "page %d", page)
		g := p.Groups[0]
		require.Len(t, g.Rows, 1)
		seen = append(seen, g.Rows[0].Ref)
		assert.Equal(t, all[page-1].Ref, g.Rows[0].Ref, "the order of the whole list")
		if g.PayerKind == "organisation" {
			assert.Equal(t, payment.Pence(4000), g.Total)
			assert.Equal(t, 1, g.Count)
			assert.False(t, g.Before || g.After)
		} else {
			assert.Equal(t, payment.Pence(18000), g.Total, "the agency's total over both its pages")
			assert.Equal(t, 2, g.Count)
			assert.True(t, g.Before != g.After, "its other row is on one side: %+v", g)
		}
	}
	assert.ElementsMatch(t, []string{w.charge, w.place, w.ownPlace}, seen)

	p, err := svc.InvoicingPage(ctx, payment.ToInvoice, 1, 50)
	require.NoError(t, err)
	assert.Equal(t, 1, p.Pages)
	require.Len(t, p.Groups, 2)
	for _, g := range p.Groups {
		assert.Equal(t, g.Count, len(g.Rows))
		assert.False(t, g.Before || g.After)
	}

	p, err = svc.InvoicingPage(ctx, payment.ToInvoice, 9, 50)
	require.NoError(t, err)
	assert.Equal(t, 1, p.Page, "past the last page: the first")
	assert.Len(t, p.Groups, 2)
}

// A coordinator's charges come a page at a time, the most recent first.
func TestAgencyChargesComeAPageAtATime(t *testing.T) {
	t.Parallel()
	pool, svc := offline(t)
	w := newInvoiceWorld(t, pool, svc, managerID(t, pool))
	ctx := context.Background()
	second := w.booking(w.session, w.person("Kim Late", w.agencyID), "absent")
	w.exec(`INSERT INTO charges (booking_id, agency_id, kind, amount_pence, status, created_at)
	        VALUES ($1, $2, 'non_attendance', 5000, 'proposed', now() + interval '1 hour')`, second, w.agencyID)

	first, more, err := svc.AgencyCharges(ctx, w.agencyID, 1, 1)
	require.NoError(t, err)
	require.Len(t, first, 1)
	assert.True(t, more)
	assert.Equal(t, "Kim Late", first[0].Person, "the most recent first")
	next, more, err := svc.AgencyCharges(ctx, w.agencyID, 2, 1)
	require.NoError(t, err)
	require.Len(t, next, 1)
	assert.False(t, more)
	assert.Equal(t, "Sam Absent", next[0].Person)
	all, more, err := svc.AgencyCharges(ctx, w.agencyID, 1, 50)
	require.NoError(t, err)
	assert.Len(t, all, 2)
	assert.False(t, more)
}

// The invoicing page reads both lists at once, each at its own page: each is
// what InvoicingPage gives for its state alone.
func TestInvoicingPagesReadsEachListAtItsOwnPage(t *testing.T) {
	t.Parallel()
	pool, svc := offline(t)
	manager := managerID(t, pool)
	w := newInvoiceWorld(t, pool, svc, manager)
	ctx := context.Background()
	_, err := svc.MarkInvoiced(byManager(ctx, manager, ""), []string{w.charge, w.place}, "INV-1") // the agency's two
	require.NoError(t, err)

	refs := func(p payment.InvoicePage) (out []string) {
		for _, g := range p.Groups {
			for _, r := range g.Rows {
				out = append(out, r.Ref)
			}
		}
		return out
	}
	for _, pages := range [][2]int{{1, 1}, {1, 2}, {2, 1}, {2, 2}, {1, 9}} {
		toInvoice, awaiting, err := svc.InvoicingPages(ctx, pages[0], pages[1], 1)
		require.NoError(t, err)
		wantTo, err := svc.InvoicingPage(ctx, payment.ToInvoice, pages[0], 1)
		require.NoError(t, err)
		wantAwaiting, err := svc.InvoicingPage(ctx, payment.AwaitingPayment, pages[1], 1)
		require.NoError(t, err)
		assert.Equal(t, wantTo, toInvoice, "to invoice, pages %v", pages)
		assert.Equal(t, wantAwaiting, awaiting, "awaiting payment, pages %v", pages)
		assert.Equal(t, 1, toInvoice.Rows)
		assert.Equal(t, 2, awaiting.Rows)
		assert.Equal(t, 1, toInvoice.Page, "past the last page: the first, %v", pages)
		assert.Equal(t, map[int]int{1: 1, 2: 2, 9: 1}[pages[1]], awaiting.Page, "past the last page: the first, %v", pages)
	}
	toInvoice, awaiting, err := svc.InvoicingPages(ctx, 1, 2, 1)
	require.NoError(t, err)
	assert.Equal(t, []string{w.ownPlace}, refs(toInvoice))
	assert.Len(t, refs(awaiting), 1)
	assert.NotContains(t, refs(awaiting), w.ownPlace)
}
