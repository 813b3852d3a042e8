package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/london"
)

// invoicingWorld is chargeWorld (no Stripe) with both charges confirmed and
// a place of the coordinator's agency on its invoice.
type invoicingWorld struct {
	chargeWorld
	attended          int64
	charge, lateFee   string
	place             string
	placeID, chargeID int64
}

func invoicingSetup(t *testing.T) invoicingWorld {
	t.Helper()
	w := invoicingWorld{chargeWorld: chargeSetup(t)}
	ctx := context.Background()
	_, err := w.pool.Exec(ctx, "UPDATE agencies SET billing_contact_name = 'Pat Accounts'")
	require.NoError(t, err)
	m := w.as(t, "manager@example.org")
	m.get(w.chargesPath())
	resp, page := m.post(w.chargesPath(), url.Values{
		fmt.Sprintf("decision-%d", w.absent): {"charge"}, fmt.Sprintf("decision-%d", w.late): {"charge"},
	})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	w.attended = w.placeOn(t, w.session, w.coordinator)
	require.NoError(t, w.pool.QueryRow(ctx, `INSERT INTO payments (booking_id, method, amount_pence, status, purchase_order)
		VALUES ($1, 'invoice', 8000, 'pending', 'PO-NHS-77') RETURNING id`, w.attended).Scan(&w.placeID))
	require.NoError(t, w.pool.QueryRow(ctx, "SELECT id FROM charges WHERE booking_id = $1", w.absent).Scan(&w.chargeID))
	var lateID int64
	require.NoError(t, w.pool.QueryRow(ctx, "SELECT id FROM charges WHERE booking_id = $1", w.late).Scan(&lateID))
	w.charge, w.place, w.lateFee = fmt.Sprintf("charge-%d", w.chargeID), fmt.Sprintf("place-%d", w.placeID), fmt.Sprintf("charge-%d", lateID)
	return w
}

// readCSV parses a download and keys each row by its Reference column.
func readCSV(t *testing.T, body string) ([]string, map[string]map[string]string) {
	t.Helper()
	records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, records)
	header := records[0]
	rows := map[string]map[string]string{}
	for _, rec := range records[1:] {
		r := map[string]string{}
		for i, h := range header {
			r[h] = rec[i]
		}
		rows[r["Reference"]] = r
	}
	return header, rows
}

func TestInvoicingWithoutStripeThroughTheApp(t *testing.T) {
	t.Parallel()
	w := invoicingSetup(t)
	ctx := context.Background()
	m := w.as(t, "manager@example.org")

	resp, page := m.get("/admin/invoicing")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Online payment is not configured, so invoices are raised in your finance system")
	assert.Contains(t, page, "To be invoiced (3)")
	assert.Contains(t, page, "Colleague Tester")
	assert.Contains(t, page, `href="/admin/invoicing"`, "in the managers' navigation")

	// The download a finance team works from, parsed.
	views := w.viewCount(t, w.manager, w.colleague)
	resp, body := m.get("/admin/invoicing/export.csv")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Contains(t, resp.Header.Get("Content-Disposition"), `filename="invoicing-to-invoice.csv"`)
	header, rows := readCSV(t, body)
	assert.Equal(t, []string{"Reference", "Kind", "Agency", "Payer", "Payer type", "Billing contact name", "Billing contact email",
		"Purchase order", "Course", "Session date", "Session start", "Person", "Amount", "Status", "Invoice reference"}, header)
	require.Len(t, rows, 3)
	var course string
	require.NoError(t, w.pool.QueryRow(ctx, "SELECT course_title FROM sessions WHERE id = $1", w.session).Scan(&course))
	day := w.clock.Now().Add(-7 * 24 * time.Hour).In(london.Zone).Format("2006-01-02")
	assert.Equal(t, map[string]string{
		"Reference": w.place, "Kind": "Place", "Agency": coordAgency, "Payer": coordAgency, "Payer type": "Agency",
		"Billing contact name": "Pat Accounts", "Billing contact email": "accounts@example.org", "Purchase order": "PO-NHS-77",
		"Course": course, "Session date": day, "Session start": w.clock.Now().Add(-7 * 24 * time.Hour).In(london.Zone).Format("15:04"),
		"Person": "Coordinator Tester", "Amount": "80.00", "Status": "pending", "Invoice reference": "",
	}, rows[w.place])
	assert.Equal(t, "Non-attendance", rows[w.charge]["Kind"])
	assert.Equal(t, "Colleague Tester", rows[w.charge]["Person"])
	assert.Equal(t, "75.00", rows[w.charge]["Amount"])
	assert.Equal(t, "Late cancellation", rows[w.lateFee]["Kind"])
	assert.Equal(t, otherAgency, rows[w.lateFee]["Payer"])
	assert.Equal(t, views+1, w.viewCount(t, w.manager, w.colleague), "the download is an audited view naming the people in it")
	assert.Equal(t, 1, w.countRows(t, `SELECT count(*) FROM audit_events WHERE action = 'personal_data_viewed'
		AND details ->> 'what' = 'the invoicing export (CSV): what is to be invoiced'`))

	// Marking the agency's two rows invoiced, then a second press.
	mark := url.Values{"rows": {w.charge, w.place}, "invoice-reference": {"SAP-100234"}}
	resp, page = m.post("/admin/invoicing/invoiced", mark)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	assert.Equal(t, "/admin/invoicing?done=invoiced", resp.Header.Get("Location"))
	_, page = m.get("/admin/invoicing?done=invoiced")
	assert.Contains(t, page, "Marked as invoiced")
	assert.Contains(t, page, "Invoiced, waiting for payment (2)")
	resp, page = m.post("/admin/invoicing/invoiced", mark)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "is already marked as invoiced, with reference SAP-100234")
	resp, page = m.post("/admin/invoicing/invoiced", url.Values{"rows": {w.lateFee}, "invoice-reference": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, "Enter the invoice reference from your finance system", errorSummary(page))
	assert.Regexp(t, `value="`+w.lateFee+`"[^>]* checked[ >]`, page, "the row ticked stays ticked")

	// The session's charges page says so too.
	_, page = m.get(w.chargesPath())
	assert.Contains(t, page, "Invoiced</strong><br>Invoice SAP-100234")

	// The coordinator sees the charge invoiced, with the finance reference.
	_, page = w.as(t, "coordinator@example.org").get("/agency/charges")
	assert.Contains(t, page, "Invoiced, invoice SAP-100234")

	_, body = m.get("/admin/invoicing/export.csv?state=invoiced")
	_, rows = readCSV(t, body)
	require.Len(t, rows, 2)
	assert.Equal(t, "SAP-100234", rows[w.place]["Invoice reference"])
	assert.Equal(t, "invoiced", rows[w.place]["Status"])

	resp, page = m.post("/admin/invoicing/paid", url.Values{"paid-rows": {w.charge, w.place}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	var placeStatus, chargeStatus string
	require.NoError(t, w.pool.QueryRow(ctx, "SELECT status FROM payments WHERE id = $1", w.placeID).Scan(&placeStatus))
	require.NoError(t, w.pool.QueryRow(ctx, "SELECT status FROM charges WHERE id = $1", w.chargeID).Scan(&chargeStatus))
	assert.Equal(t, "paid", placeStatus)
	assert.Equal(t, "paid", chargeStatus)
	resp, page = m.post("/admin/invoicing/paid", url.Values{"paid-rows": {w.place}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, w.place+" is already marked as paid", errorSummary(page))

	assert.Equal(t, 1, w.countRows(t, "SELECT count(*) FROM audit_events WHERE action = 'invoice_marked' AND actor_id = $1", w.manager))
	assert.Equal(t, 1, w.countRows(t, "SELECT count(*) FROM audit_events WHERE action = 'invoice_marked_paid' AND actor_id = $1", w.manager))

	// Only training managers.
	for _, who := range []string{"coordinator@example.org", "practitioner@example.org"} {
		resp, _ := w.as(t, who).get("/admin/invoicing/export.csv")
		assert.Contains(t, []int{http.StatusForbidden, http.StatusNotFound}, resp.StatusCode, who)
	}
}

// A nursery manager under an umbrella agency of private providers pays as
// their own nursery: the pay page asks who pays, the place is confirmed, and
// the manager's CSV names the nursery, its billing email and purchase order.
func TestAPrivateProviderPaysAsItself(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.priceSessions(t)
	const umbrella = "Early years settings and childminders (Portsmouth)"
	_, err := a.pool.Exec(context.Background(), `UPDATE agency_partnerships SET charging_band = 'non_contributing'
		WHERE agency_id = (SELECT id FROM agencies WHERE name = $1)`, umbrella)
	require.NoError(t, err)
	a.newUser(t, "jo@example.org", umbrella)
	a.newUser(t, "kim@example.org", umbrella)
	a.newUser(t, "boss@example.org", "", "manager")
	session := a.addSession(t, 10, 40*24*time.Hour, 3*24*time.Hour)

	jo := a.as(t, "jo@example.org")
	id := jo.bookPaid(session)
	payPath := fmt.Sprintf("/bookings/%d/pay", id)
	_, page := jo.get(payPath)
	assert.Contains(t, page, "Who pays for this place?")
	assert.Contains(t, page, "The invoice goes to Jo Tester at")
	assert.NotContains(t, page, "Invoice "+umbrella, "the umbrella agency is not the payer")
	assert.Contains(t, page, "Online card payment is not available at the moment. You can ask for an invoice instead.")

	resp, page := jo.post(payPath, url.Values{"method": {"invoice"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, "Select who pays for this place", errorSummary(page))
	resp, page = jo.post(payPath, url.Values{"method": {"invoice"}, "payer": {"organisation"}, "billing-email": {"not an email"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	summary := errorSummary(page)
	assert.Contains(t, summary, "Enter the name of your organisation")
	assert.Contains(t, summary, "Enter an email address in the correct format")
	assert.Contains(t, summary, "Enter your organisation’s purchase order number")
	status, _ := a.bookingState(t, id)
	assert.Equal(t, "held", status)

	resp, page = jo.post(payPath, url.Values{"method": {"invoice"}, "payer": {"organisation"},
		"organisation-name": {"Little Acorns Nursery"}, "billing-email": {"office@acorns.example.org"},
		"organisation-purchase-order": {"ACORN-0193"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	assert.Equal(t, fmt.Sprintf("/bookings/%d?done=own-invoice", id), resp.Header.Get("Location"))
	status, _ = a.bookingState(t, id)
	assert.Equal(t, "confirmed", status)

	// Kim pays for herself, on an invoice to her own name.
	kim := a.as(t, "kim@example.org")
	kimID := kim.bookPaid(session)
	resp, page = kim.post(fmt.Sprintf("/bookings/%d/pay", kimID), url.Values{"method": {"invoice"}, "payer": {"person"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))

	// Once the session has begun, the manager's CSV names the payers.
	a.clock.Advance(41 * 24 * time.Hour)
	_, body := a.as(t, "boss@example.org").get("/admin/invoicing/export.csv")
	_, rows := readCSV(t, body)
	require.Len(t, rows, 2)
	byPerson := map[string]map[string]string{}
	for _, r := range rows {
		byPerson[r["Person"]] = r
	}
	require.Contains(t, byPerson, "Jo Tester")
	assert.Equal(t, "Little Acorns Nursery", byPerson["Jo Tester"]["Payer"])
	assert.Equal(t, "Their own organisation", byPerson["Jo Tester"]["Payer type"])
	assert.Equal(t, "office@acorns.example.org", byPerson["Jo Tester"]["Billing contact email"])
	assert.Equal(t, "ACORN-0193", byPerson["Jo Tester"]["Purchase order"])
	assert.Equal(t, umbrella, byPerson["Jo Tester"]["Agency"])
	require.Contains(t, byPerson, "Kim Tester")
	assert.Equal(t, "Kim Tester", byPerson["Kim Tester"]["Payer"])
	assert.Equal(t, "The person", byPerson["Kim Tester"]["Payer type"])
	assert.Equal(t, "kim@example.org", byPerson["Kim Tester"]["Billing contact email"])
	assert.Equal(t, "", byPerson["Kim Tester"]["Purchase order"])
}

// Each list of the invoicing page shows 25 rows at a time, with the count
// and total of every page, and GOV.UK pagination to the rest.
func TestInvoicingListsTwentyFiveRowsAPage(t *testing.T) {
	t.Parallel()
	w := invoicingSetup(t) // three rows to invoice
	ctx := context.Background()
	_, err := w.pool.Exec(ctx, "UPDATE sessions SET capacity = 40 WHERE id = $1", w.session)
	require.NoError(t, err)
	for i := range 23 {
		person := w.newUser(t, fmt.Sprintf("payer%02d@example.org", i), coordAgency)
		booking := w.placeOn(t, w.session, person)
		_, err := w.pool.Exec(ctx, `INSERT INTO payments (booking_id, method, amount_pence, status, purchase_order)
			VALUES ($1, 'invoice', 8000, 'pending', 'PO-NHS-77')`, booking)
		require.NoError(t, err)
	}
	m := w.as(t, "manager@example.org")
	checkboxes := regexp.MustCompile(`<input class="govuk-checkboxes__input" id="[^"]*" name="rows" type="checkbox"`)

	resp, page := m.get("/admin/invoicing")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "To be invoiced (26)")
	assert.Contains(t, page, "£2,070 in all, over several pages")
	assert.Len(t, checkboxes.FindAllString(page, -1), 25)
	assert.Contains(t, page, `href="/admin/invoicing?page=2"`)

	resp, page = m.get("/admin/invoicing?page=2")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "To be invoiced (26)")
	assert.Len(t, checkboxes.FindAllString(page, -1), 1)
}
