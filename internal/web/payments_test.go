package web_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v76"

	"github.com/pscp/booktraining/internal/browsertest"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/stripetest"
)

const webhookSecret = "whsec_web_test"

// stripeEvent is a checkout.session event as Stripe would send it, signed
// with secret.
func stripeEvent(id string, typ stripe.EventType, secret string) (body []byte, signature string) {
	return stripetest.Event(secret, id, typ, map[string]any{"id": "cs_test_1", "object": "checkout.session"}, time.Now())
}

func (a testApp) postWebhook(t *testing.T, body []byte, signature string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/stripe/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if signature != "" {
		req.Header.Set("Stripe-Signature", signature)
	}
	resp, err := a.app.Test(req, -1)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

// The webhook takes a signed event with no session and no CSRF token,
// refuses one Stripe did not sign, processes each event once, and answers 500
// when processing fails, so that Stripe tries again.
func TestStripeWebhook(t *testing.T) {
	t.Parallel()
	var payments *payment.Service
	a := setup(t, func(d *testDeps) {
		payments = payment.New(d.Pool, nil, webhookSecret, d.Now)
		d.Payments = payments
	})
	effects := func(id string) int {
		var n int
		require.NoError(t, a.pool.QueryRow(context.Background(),
			"SELECT count(*) FROM audit_events WHERE action = 'test_webhook' AND details->>'event' = $1", id).Scan(&n))
		return n
	}
	failing := true
	payments.Handle("checkout.session.completed", func(ctx context.Context, tx pgx.Tx, ev stripe.Event) error {
		_, err := tx.Exec(ctx, "INSERT INTO audit_events (at, action, details) VALUES (now(), 'test_webhook', jsonb_build_object('event', $1::text))", ev.ID)
		if err == nil && ev.ID == "evt_fails" && failing {
			err = errors.New("the booking is locked")
		}
		return err
	})

	body, sig := stripeEvent("evt_paid", "checkout.session.completed", webhookSecret)
	resp, text := a.postWebhook(t, body, sig)
	assert.Equal(t, http.StatusOK, resp.StatusCode, text)
	assert.Empty(t, resp.Header.Values("Set-Cookie"), "no session for Stripe")
	assert.Equal(t, 1, effects("evt_paid"))

	resp, _ = a.postWebhook(t, body, sig)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "a duplicate is acknowledged")
	assert.Equal(t, 1, effects("evt_paid"), "and has no effect")

	// Not signed by Stripe: refused, and nothing recorded.
	forged, _ := stripeEvent("evt_forged", "checkout.session.completed", "whsec_not_ours")
	_, forgedSig := stripeEvent("evt_forged", "checkout.session.completed", "whsec_not_ours")
	for name, c := range map[string]struct {
		body []byte
		sig  string
	}{
		"wrong secret":   {forged, forgedSig},
		"no signature":   {body, ""},
		"tampered body":  {bytes.Replace(body, []byte("evt_paid"), []byte("evt_else"), 1), sig},
		"not a webhook!": {[]byte("_csrf=x"), "t=1,v1=00"},
	} {
		resp, _ := a.postWebhook(t, c.body, c.sig)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, name)
	}
	var ledger int
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT count(*) FROM stripe_events").Scan(&ledger))
	assert.Equal(t, 1, ledger)

	// An unknown type is recorded and acknowledged.
	other, otherSig := stripeEvent("evt_other", "customer.created", webhookSecret)
	resp, _ = a.postWebhook(t, other, otherSig)
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// Processing fails: 500, no ledger row, no effect; Stripe's retry works.
	fails, failsSig := stripeEvent("evt_fails", "checkout.session.completed", webhookSecret)
	resp, _ = a.postWebhook(t, fails, failsSig)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.Equal(t, 0, effects("evt_fails"))
	assert.Contains(t, a.logs.String(), "stripe event failed")
	failing = false
	resp, _ = a.postWebhook(t, fails, failsSig)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 1, effects("evt_fails"))
}

func TestStripeWebhookWithoutStripeIsUnavailable(t *testing.T) {
	t.Parallel()
	a := setup(t)
	body, sig := stripeEvent("evt_1", "checkout.session.completed", webhookSecret)
	resp, _ := a.postWebhook(t, body, sig)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
}

func TestPricePagesAreForManagersOnly(t *testing.T) {
	t.Parallel()
	w := setup(t)
	course := w.scalar(t, "SELECT min(id)::text FROM courses")
	gets := []string{"/admin/prices", "/admin/prices/charge-policy", "/admin/courses/" + course + "/prices"}
	posts := []string{"/admin/prices/charge-policy", "/admin/courses/" + course + "/prices"}
	const manager = "manager@example.org"
	w.newUser(t, manager, "", "manager")
	w.newUser(t, "coordinator@example.org", "", "coordinator")
	w.newUser(t, "trainer@example.org", "", "trainer")
	visitors := map[string]*client{"": w.client(t), manager: w.as(t, manager),
		"coordinator": w.as(t, "coordinator@example.org"), "trainer": w.as(t, "trainer@example.org")}
	visitors[""].get("/sign-in")
	for who, c := range visitors {
		for _, path := range gets {
			resp, _ := c.get(path)
			switch who {
			case "":
				assert.Equal(t, http.StatusSeeOther, resp.StatusCode, path)
				assert.Equal(t, "/sign-in?next="+url.QueryEscape(path), resp.Header.Get("Location"), path)
			case manager:
				assert.Equal(t, http.StatusOK, resp.StatusCode, path)
			default:
				assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s as %s", path, who)
			}
		}
		if who == manager {
			continue
		}
		for _, path := range posts {
			c.get("/account")
			resp, _ := c.post(path, url.Values{"price-non_contributing": {"1"}, "non_attendance-half_day-partner": {"1"}})
			assert.Contains(t, []int{http.StatusForbidden, http.StatusSeeOther}, resp.StatusCode, "%s as %s", path, who)
			if who == "" {
				assert.NotEqual(t, "/admin/prices/charge-policy?done=policy", resp.Header.Get("Location"))
			}
		}
	}
	var prices, policyChanged int
	require.NoError(t, w.pool.QueryRow(context.Background(), "SELECT count(*) FROM course_prices").Scan(&prices))
	require.NoError(t, w.pool.QueryRow(context.Background(), "SELECT count(*) FROM charge_policy WHERE amount_pence = 100").Scan(&policyChanged))
	assert.Zero(t, prices)
	assert.Zero(t, policyChanged)

	resp, _ := visitors[manager].get("/admin/courses/999999/prices")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = visitors[manager].get("/admin/courses/nope/prices")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestManagerSetsCoursePrices(t *testing.T) {
	t.Parallel()
	w := setup(t)
	managerID := w.newUser(t, "manager@example.org", "", "manager")
	m := w.as(t, "manager@example.org")
	course := w.scalar(t, "SELECT min(id)::text FROM courses WHERE duration = 'full_day'")
	path := "/admin/courses/" + course + "/prices"

	_, page := m.get(path)
	assert.Contains(t, page, `id="price-non_contributing" name="price-non_contributing" type="text" inputmode="decimal" spellcheck="false" autocomplete="off" value="0"`)

	resp, page := m.post(path, url.Values{"price-partner": {""}, "price-contributing": {"-40"}, "price-non_contributing": {"10000.50"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, page, `<a href="#price-contributing">The price for contributing agencies cannot be negative</a>`)
	assert.Contains(t, page, `<a href="#price-non_contributing">The price for non-contributing organisations must be £10,000 or less</a>`)
	assert.Contains(t, page, `value="10000.50"`, "what was typed is shown again")
	assert.Equal(t, "0", w.scalar(t, "SELECT count(*)::text FROM course_prices"))

	resp, _ = m.post(path, url.Values{"price-partner": {""}, "price-contributing": {"40"}, "price-non_contributing": {"£80.00"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, path+"?done=prices", resp.Header.Get("Location"))
	_, page = m.get(path + "?done=prices")
	assert.Contains(t, page, "Prices changed")
	assert.Contains(t, page, `value="80"`)
	assert.Equal(t, 1, w.auditCount(t, "course_prices_changed", managerID, 0, `{"non_contributing": {"from": "£0", "to": "£80"}}`))

	_, page = m.get("/admin/prices")
	assert.Contains(t, page, `<td class="govuk-table__cell govuk-table__cell--numeric" data-label="Non-contributing organisation">£80</td>`)
	assert.Contains(t, page, `href="/admin/prices"`)
}

func TestManagerSetsChargePolicy(t *testing.T) {
	t.Parallel()
	w := setup(t)
	managerID := w.newUser(t, "manager@example.org", "", "manager")
	m := w.as(t, "manager@example.org")
	_, page := m.get("/admin/prices/charge-policy")
	assert.Contains(t, page, `id="non_attendance-full_day-non_contributing" name="non_attendance-full_day-non_contributing" type="text" inputmode="decimal" spellcheck="false" autocomplete="off" value="100"`)

	form := url.Values{}
	for _, k := range []string{"non_attendance", "late_cancellation"} {
		for _, d := range []string{"half_day", "full_day"} {
			for _, b := range []string{"partner", "contributing", "non_contributing"} {
				form.Set(k+"-"+d+"-"+b, "0")
			}
		}
	}
	form.Set("late_cancellation-half_day-contributing", "fifty")
	resp, page := m.post("/admin/prices/charge-policy", form)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, page, `<a href="#late_cancellation-half_day-contributing">Enter the late cancellation charge for a half day for contributing agencies in pounds, like 80 or 80.50</a>`)

	form.Set("late_cancellation-half_day-contributing", "25")
	resp, _ = m.post("/admin/prices/charge-policy", form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "2500", w.scalar(t, `SELECT amount_pence::text FROM charge_policy
		WHERE kind = 'late_cancellation' AND duration = 'half_day' AND charging_band = 'contributing'`))
	assert.Equal(t, "0", w.scalar(t, `SELECT amount_pence::text FROM charge_policy
		WHERE kind = 'non_attendance' AND duration = 'full_day' AND charging_band = 'non_contributing'`))
	assert.Equal(t, 1, w.auditCount(t, "charge_policy_changed", managerID, 0, `{"late_cancellation-half_day-contributing": {"from": "£50", "to": "£25"}}`))
}

func TestCoursePageShowsThePriceForTheViewersAgency(t *testing.T) {
	t.Parallel()
	w := setup(t)
	slug := w.scalar(t, "SELECT slug FROM courses WHERE duration = 'full_day' ORDER BY id LIMIT 1")
	_, err := w.pool.Exec(context.Background(), `INSERT INTO course_prices (course_id, charging_band, amount_pence)
		SELECT id, 'non_contributing', 8000 FROM courses WHERE slug = $1`, slug)
	require.NoError(t, err)
	payer := w.scalar(t, "SELECT name FROM agencies WHERE charging_band = 'non_contributing' ORDER BY id LIMIT 1")
	partner := w.scalar(t, "SELECT name FROM agencies WHERE charging_band = 'partner' ORDER BY id LIMIT 1")
	w.newUser(t, "payer@example.org", payer)
	w.newUser(t, "partner@example.org", partner)

	_, page := w.client(t).get("/courses/" + slug)
	assert.Contains(t, page, "<li>Non-contributing organisation: £80</li>")
	assert.Contains(t, page, "<li>Safeguarding partner: free</li>")

	_, page = w.as(t, "payer@example.org").get("/courses/" + slug)
	assert.Contains(t, page, "£80 for your agency")
	_, page = w.as(t, "partner@example.org").get("/courses/" + slug)
	assert.Contains(t, page, "Free for your agency")

	free := w.scalar(t, "SELECT slug FROM courses WHERE slug <> $1 ORDER BY id LIMIT 1", slug)
	_, page = w.client(t).get("/courses/" + free)
	assert.Regexp(t, `Price</dt>\s*<dd class="govuk-summary-list__value">\s*Free\s*</dd>`, page)
}

// The price pages pass axe-core's WCAG 2.2 A and AA rules, a form shown again
// with its errors included.
func TestBrowserPricePagesAreAccessible(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	a.newUser(t, "manager@example.org", "", "manager")
	ctx := browsertest.New(t)
	resp := browsertest.Navigate(t, ctx, base+"/sign-in")
	require.Equal(t, int64(200), resp.Status)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("email"), "manager@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
	))
	follow(t, ctx, "main form button[type=submit]")

	resp = browsertest.Navigate(t, ctx, base+"/admin/prices")
	require.Equal(t, int64(200), resp.Status)
	assert.Equal(t, "Prices and charges", text(t, ctx, "h1"))
	checkPage(t, ctx)

	follow(t, ctx, "main table tbody tr:first-child a")
	require.NoError(t, chromedp.Do(ctx, chromedp.Clear(chromedp.ID("price-contributing")),
		chromedp.SendKeys(chromedp.ID("price-contributing"), "lots")))
	followExpecting(t, ctx, "main form button[type=submit]", 422)
	assert.Contains(t, text(t, ctx, ".govuk-error-summary"), "Enter the price for contributing agencies in pounds")
	checkPage(t, ctx)

	resp = browsertest.Navigate(t, ctx, base+"/admin/prices/charge-policy")
	require.Equal(t, int64(200), resp.Status)
	checkPage(t, ctx)
}
