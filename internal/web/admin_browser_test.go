package web_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// serveAdmin runs adminSetup's app on a real loopback listener for the
// browser, and returns it with its address.
func serveAdmin(t *testing.T) (adminWorld, string) {
	t.Helper()
	w := adminSetup(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = w.app.Listener(ln) }()
	t.Cleanup(func() { _ = w.app.ShutdownWithTimeout(5 * time.Second) })
	return w, "http://" + ln.Addr().String()
}

// signInBrowser signs the tab in through the real form.
func signInBrowser(t *testing.T, ctx context.Context, base, addr string) {
	t.Helper()
	resp := browsertest.Navigate(t, ctx, base+"/sign-in")
	require.Equal(t, int64(200), resp.Status)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#email"), addr),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
	))
	u := follow(t, ctx, `main form button[type=submit]`)
	require.Equal(t, "/account", u.Path)
}

// submitExpecting clicks a form's button and checks the status of the page
// the form answers with.
func submitExpecting(t *testing.T, ctx context.Context, sel string, status int64) {
	t.Helper()
	clickCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(clickCtx, chromedp.Click(chromedp.CSS(sel)))
	require.NoError(t, err, "click %s", sel)
	require.NotNil(t, resp)
	require.Equal(t, status, resp.Status, resp.URL)
}

// The manager's and the coordinator's pages, signed in through the real
// form, pass axe-core's WCAG 2.2 A and AA rules and log no console errors,
// including forms shown again with their errors.
func TestBrowserAdminPagesAreAccessible(t *testing.T) {
	t.Parallel()
	w, base := serveAdmin(t)
	for i := range 30 {
		w.newUser(t, "pager"+itoa(i)+"@example.org", coordAgency)
	}
	_, err := w.pool.Exec(context.Background(), `INSERT INTO emails (to_address, to_name, subject, body_text)
		VALUES ('sam@example.org', 'Sam Jones', 'Booking confirmed',
		        E'Hello Sam,\n\nSee your booking:\nhttp://localhost:3000/bookings/12\n\nWe look forward to seeing you.')`)
	require.NoError(t, err)
	_, err = w.pool.Exec(context.Background(), `INSERT INTO emails (to_address, subject, body_text, attempts, last_error, failed_at, created_at)
		VALUES ('gone@example.org', 'Booking confirmed: Working Together', '', 1,
		        'sending SMTP RCPT TO command: 550 5.1.1 No such user', now(), now() - interval '1 hour')`)
	require.NoError(t, err)
	ctx := browsertest.New(t)
	signInBrowser(t, ctx, base, "manager@example.org")

	visit := func(path string, status int64) {
		t.Helper()
		resp := browsertest.Navigate(t, ctx, base+path)
		require.Equal(t, status, resp.Status, path)
		checkPage(t, ctx)
	}

	visit("/admin/people", 200)
	assert.Equal(t, "People", text(t, ctx, "h1"))
	u := follow(t, ctx, `a[rel=next]`)
	assert.Equal(t, "2", u.Query().Get("page"))
	checkPage(t, ctx)
	u = follow(t, ctx, `a[href="/admin/people/`+id(w.practitioner)+`"]`)
	assert.Equal(t, "/admin/people/"+id(w.practitioner), u.Path)
	assert.Equal(t, "Practitioner Tester", text(t, ctx, "h1"))
	checkPage(t, ctx)
	// Giving no role shows the error summary.
	submitExpecting(t, ctx, `form[action$="/roles"] button[type=submit]`, 422)
	assert.Contains(t, text(t, ctx, ".govuk-error-summary"), "Select a role to give")
	checkPage(t, ctx)
	// Erasing on their behalf: the form, and its errors.
	follow(t, ctx, `a[href="/admin/people/`+id(w.practitioner)+`/erase"]`)
	assert.Equal(t, "Erase this person’s account", text(t, ctx, "h1"))
	checkPage(t, ctx)
	submitExpecting(t, ctx, `form[action$="/erase"] button[type=submit]`, 422)
	assert.Contains(t, text(t, ctx, ".govuk-error-summary"), "Enter why you are erasing this account")
	checkPage(t, ctx)

	visit("/admin/organisations", 200)
	u = follow(t, ctx, `a[href^="/admin/organisations/review"]`)
	assert.Equal(t, "Southsea Youth Club", u.Query().Get("organisation"))
	checkPage(t, ctx)
	// The agency to merge into is typed; a name several agencies hold
	// offers them to choose from (issue 21: never a list of every agency).
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#merge-agency-name"), "portsmouth city")))
	submitExpecting(t, ctx, `form[action="/admin/organisations/merge"] button[type=submit]`, 422)
	assert.Contains(t, text(t, ctx, ".govuk-error-summary"), "More than one agency’s name contains “portsmouth city”: choose one")
	assert.Contains(t, text(t, ctx, `form[action="/admin/organisations/merge"] fieldset`), "Portsmouth City Council")
	checkPage(t, ctx)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`input[name="merge-agency"][value="`+id(w.agencyID(t, "Portsmouth City Council"))+`"]`))))
	submitExpecting(t, ctx, `form[action="/admin/organisations/merge"] button[type=submit]`, 200)
	assert.Contains(t, text(t, ctx, "main"), "now works for this agency")

	visit("/admin/agencies", 200)
	u = follow(t, ctx, `a[href="/admin/agencies/`+id(w.agencyID(t, coordAgency))+`"]`)
	assert.Equal(t, coordAgency, text(t, ctx, "h1"))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#name"), "portsmouth city council"),
		chromedp.SetValue(chromedp.CSS("#billing-email"), "accounts@"),
	))
	submitExpecting(t, ctx, `form[action="`+u.Path+`"] button[type=submit]`, 422)
	summary := text(t, ctx, ".govuk-error-summary")
	assert.Contains(t, summary, "An agency with this name already exists")
	assert.Contains(t, summary, "Enter the billing contact’s email address in the correct format")
	checkPage(t, ctx)
	visit("/admin/agencies/new", 200)

	visit("/admin/audit", 200)
	visit("/admin/audit?action=sign_in&from-day=31&from-month=2&from-year=2026", 422)
	assert.Contains(t, text(t, ctx, ".govuk-error-summary"), "Date from must be a real date")

	_, err = w.pool.Exec(context.Background(), `INSERT INTO retention_runs (started_at, finished_at, counts, error)
		VALUES (now() - interval '1 hour', now() - interval '59 minutes', '{"sign_in_attempts": 12}', 'bookings: deadlock detected')`)
	require.NoError(t, err)
	visit("/admin/retention", 200)
	assert.Contains(t, text(t, ctx, "main"), "Part of the last run failed")

	visit("/admin/emails?status=failed", 200)
	assert.Contains(t, text(t, ctx, "main table"), "550 5.1.1 No such user")
	visit("/admin/emails", 200)
	u = follow(t, ctx, `main table a.govuk-link`)
	assert.Regexp(t, `^/admin/emails/\d+$`, u.Path)
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".govuk-inset-text a").href`))
	require.NoError(t, err)
	assert.Equal(t, "http://localhost:3000/bookings/12", href)
	checkPage(t, ctx)

	// The coordinator, in a tab of their own.
	coord := browsertest.NewTab(t, ctx)
	signInBrowser(t, coord, base, "coordinator@example.org")
	resp := browsertest.Navigate(t, coord, base+"/agency/people")
	require.Equal(t, int64(200), resp.Status)
	assert.Equal(t, "People in "+coordAgency, text(t, coord, "h1"))
	checkPage(t, coord)
	follow(t, coord, `a[href="/agency/people/`+id(w.colleague)+`"]`)
	assert.Equal(t, "Colleague Tester", text(t, coord, "h1"))
	checkPage(t, coord)
}
