package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v76"

	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/stripetest"
)

// chargeWorld is a session delivered a week ago, with one person of
// coordAgency absent and one of otherAgency who cancelled late; both
// agencies are billed £75 for either.
type chargeWorld struct {
	adminWorld
	session, absent, late int64
}

// withInvoices gives the app Stripe (stripe-mock) and the invoice webhooks,
// wired as cmd/server wires them.
func withInvoices(t *testing.T, payments **payment.Service) deps {
	stripe := withStripe(t)
	return func(d *testDeps) {
		stripe(d)
		*payments = d.Payments
	}
}

func chargeSetup(t *testing.T, opts ...deps) chargeWorld {
	t.Helper()
	a := setup(t, opts...)
	w := chargeWorld{adminWorld: adminWorld{
		testApp:      a,
		manager:      a.newUser(t, "manager@example.org", managerAgency, "manager"),
		coordinator:  a.newUser(t, "coordinator@example.org", coordAgency, "coordinator"),
		colleague:    a.newUser(t, "colleague@example.org", coordAgency),
		trainer:      a.newUser(t, "trainer@example.org", otherAgency, "trainer"),
		practitioner: a.newUser(t, "practitioner@example.org", otherAgency),
	}}
	ctx := context.Background()
	_, err := a.pool.Exec(ctx, "UPDATE charge_policy SET amount_pence = 7500")
	require.NoError(t, err)
	_, err = a.pool.Exec(ctx, "UPDATE agencies SET billing_contact_email = 'accounts@example.org'")
	require.NoError(t, err)
	_, err = a.pool.Exec(ctx, "UPDATE agency_partnerships SET charging_band = 'non_contributing'")
	require.NoError(t, err)
	w.session = a.addSession(t, 10, -7*24*time.Hour, 0)
	_, err = a.pool.Exec(ctx, "UPDATE sessions SET status = 'completed' WHERE id = $1", w.session)
	require.NoError(t, err)
	w.absent = a.placeOn(t, w.session, w.colleague)
	w.late = a.placeOn(t, w.session, w.practitioner)
	_, err = a.pool.Exec(ctx, "UPDATE bookings SET attendance = 'absent' WHERE id = $1", w.absent)
	require.NoError(t, err)
	_, err = a.pool.Exec(ctx, "UPDATE bookings SET status = 'cancelled', late = true, ended_at = now() WHERE id = $1", w.late)
	require.NoError(t, err)
	return w
}

func (w chargeWorld) chargesPath() string {
	return fmt.Sprintf("/admin/sessions/%d/charges", w.session)
}

func (w chargeWorld) charge(t *testing.T, booking int64) (status, reason string) {
	t.Helper()
	err := w.pool.QueryRow(context.Background(), "SELECT status, waiver_reason FROM charges WHERE booking_id = $1", booking).Scan(&status, &reason)
	if err != nil {
		return "", ""
	}
	return status, reason
}

func TestManagerConfirmsTheChargesOfASession(t *testing.T) {
	t.Parallel()
	w := chargeSetup(t)
	m := w.as(t, "manager@example.org")

	_, show := m.get(fmt.Sprintf("/admin/sessions/%d", w.session))
	assert.Contains(t, show, `href="`+w.chargesPath()+`"`, "the session page links to its charges")

	resp, page := m.get(w.chargesPath())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Colleague Tester")
	assert.Contains(t, page, "Practitioner Tester")
	assert.Contains(t, page, "Non-attendance")
	assert.Contains(t, page, "Late cancellation")
	assert.Contains(t, page, "Charge £75")
	assert.NotContains(t, page, "Trainer Tester")
	assert.Contains(t, page, "Online payment is not configured", "offline, the page says charges wait")

	// Nothing chosen, then a waiver without a reason: the form again, with
	// the GOV.UK error summary, and nothing recorded.
	resp, page = m.post(w.chargesPath(), url.Values{})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Select whether to charge or waive the non-attendance of Colleague Tester")
	assert.Contains(t, errorSummary(page), "Select whether to charge or waive the late cancellation of Practitioner Tester")
	form := url.Values{
		payment.DecisionField(w.absent): {"charge"},
		payment.DecisionField(w.late):   {"waive"}, payment.ReasonField(w.late): {"  "},
	}
	resp, page = m.post(w.chargesPath(), form)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Enter why the charge for Practitioner Tester is waived")
	assert.Contains(t, page, fmt.Sprintf(`href="#%s"`, payment.ReasonField(w.late)))
	assert.Contains(t, page, fmt.Sprintf(`id="%s" name="%[1]s" type="radio" value="charge" checked`, payment.DecisionField(w.absent)), "choices are kept")
	st, _ := w.charge(t, w.absent)
	assert.Empty(t, st)

	form.Set(payment.ReasonField(w.late), "Family emergency")
	resp, _ = m.post(w.chargesPath(), form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, w.chargesPath()+"?done=charges", resp.Header.Get("Location"))
	st, _ = w.charge(t, w.absent)
	assert.Equal(t, "proposed", st)
	st, reason := w.charge(t, w.late)
	assert.Equal(t, "waived", st)
	assert.Equal(t, "Family emergency", reason)
	assert.Equal(t, 1, w.auditCount(t, "charges_confirmed", w.manager, 0, `{"session_id": `+id(w.session)+`}`))

	_, page = m.get(w.chargesPath() + "?done=charges")
	assert.Contains(t, page, "Charges confirmed")
	assert.Contains(t, page, "To be invoiced")
	assert.Contains(t, page, "Family emergency")
	assert.NotContains(t, page, "Confirm charges", "nothing left to decide")

	// A second confirm (the back button, another manager) records nothing more.
	resp, _ = m.post(w.chargesPath(), url.Values{payment.DecisionField(w.late): {"charge"}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	st, _ = w.charge(t, w.late)
	assert.Equal(t, "waived", st)
	var n int
	require.NoError(t, w.pool.QueryRow(context.Background(), "SELECT count(*) FROM charges").Scan(&n))
	assert.Equal(t, 2, n)
}

func TestChargesPageIsForManagersOnly(t *testing.T) {
	t.Parallel()
	w := chargeSetup(t)
	for _, who := range []string{"coordinator@example.org", "trainer@example.org", "practitioner@example.org"} {
		c := w.as(t, who)
		resp, _ := c.get(w.chargesPath())
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, who)
		resp, _ = c.post(w.chargesPath(), url.Values{payment.DecisionField(w.absent): {"charge"}})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, who)
	}
	st, _ := w.charge(t, w.absent)
	assert.Empty(t, st)
	resp, _ := w.client(t).get(w.chargesPath())
	assert.NotEqual(t, http.StatusOK, resp.StatusCode, "signed out")
	resp, _ = w.as(t, "manager@example.org").get("/admin/sessions/999999/charges")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestCoordinatorSeesOnlyTheirAgencysCharges(t *testing.T) {
	t.Parallel()
	w := chargeSetup(t)
	m := w.as(t, "manager@example.org")
	resp, _ := m.post(w.chargesPath(), url.Values{
		payment.DecisionField(w.absent): {"charge"},
		payment.DecisionField(w.late):   {"waive"}, payment.ReasonField(w.late): {"Snow closed the roads"},
	})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	co := w.as(t, "coordinator@example.org")
	_, account := co.get("/account")
	assert.Contains(t, account, `href="/agency/charges"`)
	resp, page := co.get("/agency/charges")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Charges to "+coordAgency)
	assert.Contains(t, page, "Colleague Tester")
	assert.Contains(t, page, "To be invoiced")
	assert.Contains(t, page, "£75")
	assert.NotContains(t, page, "Practitioner Tester", "another agency's charge")
	assert.NotContains(t, page, "Snow closed the roads")

	// The other agency's coordinator sees its waiver, and nothing of the first.
	w.newUser(t, "other.coordinator@example.org", otherAgency, "coordinator")
	_, page = w.as(t, "other.coordinator@example.org").get("/agency/charges")
	assert.Contains(t, page, "Practitioner Tester")
	assert.Contains(t, page, "Waived: Snow closed the roads")
	assert.NotContains(t, page, "Colleague Tester")

	resp, _ = w.as(t, "practitioner@example.org").get("/agency/charges")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}

// Confirmed charges are invoiced to each agency by the invoice jobs, through
// Stripe, and become paid when Stripe's signed invoice.paid webhook says so.
func TestChargesAreInvoicedAndPaidThroughStripe(t *testing.T) {
	t.Parallel()
	var payments *payment.Service
	w := chargeSetup(t, withInvoices(t, &payments))
	m := w.as(t, "manager@example.org")
	_, page := m.get(w.chargesPath())
	assert.NotContains(t, page, "Online payment is not configured")
	resp, _ := m.post(w.chargesPath(), url.Values{
		payment.DecisionField(w.absent): {"charge"}, payment.DecisionField(w.late): {"charge"},
	})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	n, err := payments.BillAgencies(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, n, "one invoice to each agency")
	var invoice string
	require.NoError(t, w.pool.QueryRow(context.Background(),
		"SELECT stripe_invoice_id FROM charges WHERE booking_id = $1 AND status = 'invoiced'", w.absent).Scan(&invoice))
	_, page = m.get(w.chargesPath())
	assert.Contains(t, page, "Invoiced")

	body, sig := stripetest.Event(webhookSecret, "evt_invoice_paid", stripe.EventTypeInvoicePaid,
		map[string]any{"id": invoice, "object": "invoice", "status": "paid"}, time.Now())
	resp, text := w.postWebhook(t, body, sig)
	require.Equal(t, http.StatusOK, resp.StatusCode, text)
	st, _ := w.charge(t, w.absent)
	assert.Equal(t, "paid", st)
	_, page = w.as(t, "coordinator@example.org").get("/agency/charges")
	assert.Contains(t, page, "Paid")
}

// A session not yet marked delivered is invoiced once nothing on it is left
// to decide; the manager's page says so while something is.
func TestChargesPageSaysInvoicingWaitsForEveryDecision(t *testing.T) {
	t.Parallel()
	w := chargeSetup(t)
	_, err := w.pool.Exec(context.Background(), "UPDATE sessions SET status = 'published' WHERE id = $1", w.session)
	require.NoError(t, err)
	m := w.as(t, "manager@example.org")
	_, page := m.get(w.chargesPath())
	assert.Contains(t, page, `id="billing-waits"`)
	assert.Contains(t, page, "Nothing on this session is invoiced until every charge below is charged or waived")
	assert.NotContains(t, page, `id="register-not-taken"`, "the register is taken")

	resp, _ := m.post(w.chargesPath(), url.Values{
		payment.DecisionField(w.absent): {"charge"}, payment.DecisionField(w.late): {"charge"},
	})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = m.get(w.chargesPath())
	assert.NotContains(t, page, `id="billing-waits"`, "nothing left to decide")

	// Marked delivered, it is invoiced whatever is left.
	other := w.addSession(t, 10, -14*24*time.Hour, 0)
	absent := w.placeOn(t, other, w.colleague)
	_, err = w.pool.Exec(context.Background(), "UPDATE bookings SET attendance = 'absent' WHERE id = $1", absent)
	require.NoError(t, err)
	_, page = m.get(fmt.Sprintf("/admin/sessions/%d/charges", other))
	assert.Contains(t, page, `id="billing-waits"`)
	_, err = w.pool.Exec(context.Background(), "UPDATE sessions SET status = 'completed' WHERE id = $1", other)
	require.NoError(t, err)
	_, page = m.get(fmt.Sprintf("/admin/sessions/%d/charges", other))
	assert.NotContains(t, page, `id="billing-waits"`)
}
