package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/account"
)

// behindProxy puts the app behind a load balancer at app.Test's peer
// address (0.0.0.0), so a test says who the client is in X-Forwarded-For.
func behindProxy(d *testDeps) {
	d.TrustedProxies = []string{"0.0.0.0", "10.0.0.0/8"}
	d.ProxyHeader = "X-Forwarded-For"
}

// from is a client whose requests reach the app through the proxy from ip.
func (a testApp) from(t *testing.T, forwardedFor string) *client {
	c := a.client(t)
	c.headers = map[string]string{"X-Forwarded-For": forwardedFor}
	return c
}

// The audit log records the client's address as the proxies say, read from
// the right: a forged left-most entry is not believed, and a trusted inner
// proxy is skipped.
func TestClientAddressBehindTrustedProxies(t *testing.T) {
	t.Parallel()
	a := setup(t, behindProxy)
	a.newUser(t, "pat@example.org", "")
	c := a.from(t, "6.6.6.6, 203.0.113.7, 10.0.0.2")
	c.signIn("pat@example.org", testPassword)
	var ip string
	require.NoError(t, a.pool.QueryRow(context.Background(),
		"SELECT host(ip) FROM audit_events WHERE action = 'sign_in' ORDER BY id DESC LIMIT 1").Scan(&ip))
	assert.Equal(t, "203.0.113.7", ip)
	require.NoError(t, a.pool.QueryRow(context.Background(),
		"SELECT host(ip) FROM web_sessions WHERE user_id IS NOT NULL").Scan(&ip))
	assert.Equal(t, "203.0.113.7", ip, "sessions too")
	assert.Contains(t, a.logs.String(), "ip=203.0.113.7", "and the access log")
	assert.NotContains(t, a.logs.String(), "6.6.6.6")

	// Without trusted proxies the header is nobody's word.
	b := setup(t)
	b.newUser(t, "pat@example.org", "")
	d := b.from(t, "203.0.113.7")
	d.signIn("pat@example.org", testPassword)
	require.NoError(t, b.pool.QueryRow(context.Background(),
		"SELECT host(ip) FROM audit_events WHERE action = 'sign_in' ORDER BY id DESC LIMIT 1").Scan(&ip))
	assert.Equal(t, "0.0.0.0", ip)
}

// One attacker at a shared address cannot lock out a colleague whose
// browser has signed in there before; a stranger there is limited.
func TestSharedAddressLockoutSparesKnownBrowsers(t *testing.T) {
	t.Parallel()
	a := setup(t, behindProxy)
	const trust = "198.51.100.50" // a whole NHS trust behind one address
	a.newUser(t, "colleague@example.org", "")
	a.newUser(t, "stranger@example.org", "")
	colleague := a.from(t, trust)
	colleague.signIn("colleague@example.org", testPassword)
	require.NotEmpty(t, colleague.cookies["device"], "a device cookie at sign-in")
	colleague.post("/sign-out", url.Values{})

	attacker := a.from(t, trust)
	attacker.get("/sign-in")
	for i := range account.MaxFailuresPerIP {
		resp, _ := attacker.post("/sign-in", url.Values{"email": {fmt.Sprintf("p%d@example.org", i)}, "password": {"a wrong guess"}})
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	}

	stranger := a.from(t, trust)
	stranger.get("/sign-in")
	resp, page := stranger.post("/sign-in", url.Values{"email": {"stranger@example.org"}, "password": {testPassword}})
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "You have tried to sign in too many times. Try again in 5 minutes.", errorSummary(page))

	colleague.signIn("colleague@example.org", testPassword)
}

// Past the per-IP limit, asking for a password reset shows when to try
// again; past the per-address limit, the answer is the same as ever and
// nothing more is sent.
func TestEmailFloodIsLimited(t *testing.T) {
	t.Parallel()
	a := setup(t, behindProxy)
	a.newUser(t, "target@example.org", "")
	for i := range account.MaxEmailsPerAddress + 2 {
		c := a.from(t, fmt.Sprintf("192.0.2.%d", i+1))
		c.get("/forgot-password")
		resp, _ := c.post("/forgot-password", url.Values{"email": {"target@example.org"}})
		assert.Equal(t, "/forgot-password/check-email", resp.Header.Get("Location"))
	}
	a.workResets(t)
	var sent int
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT count(*) FROM emails WHERE to_address = 'target@example.org'").Scan(&sent))
	assert.Equal(t, account.MaxEmailsPerAddress, sent)

	c := a.from(t, "203.0.113.20")
	c.get("/forgot-password")
	for i := range account.MaxEmailsPerIP {
		resp, _ := c.post("/forgot-password", url.Values{"email": {fmt.Sprintf("x%d@example.org", i)}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		c.get("/forgot-password")
	}
	resp, page := c.post("/forgot-password", url.Values{"email": {"one-more@example.org"}})
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "3600", resp.Header.Get("Retry-After"))
	assert.Contains(t, page, "Sorry, you have asked for too many emails")
	assert.Contains(t, page, "Try again in 60 minutes.")
}

// A double click on "Send request": two identical POSTs at once make one
// request and one email, and both land on it.
func TestDoubleSubmittedTrainingRequest(t *testing.T) {
	t.Parallel()
	f := setupTrainingRequests(t)
	_, page := f.coordinator.get("/training-requests/new")
	key := regexp.MustCompile(`name="form-key" value="([^"]+)"`).FindStringSubmatch(page)
	require.NotNil(t, key)
	day := now.AddDate(0, 1, 0)
	form := url.Values{
		"_csrf": {f.coordinator.csrf}, "form-key": {key[1]},
		"kind": {"course"}, "course": {fmt.Sprint(f.course)}, "audience": {"Social workers"}, "participants": {"12"},
		"date-1-day": {fmt.Sprint(day.Day())}, "date-1-month": {fmt.Sprint(int(day.Month()))}, "date-1-year": {fmt.Sprint(day.Year())},
		"date-1-start": {"9:30"}, "date-1-end": {"16:00"}, "location": {"online"},
		"contact-name": {"Lee Lead"}, "contact-email": {"lead@example.org"},
	}.Encode()

	var wg sync.WaitGroup
	locations := make([]string, 2)
	for i := range locations {
		wg.Go(func() {
			req := httptest.NewRequest(http.MethodPost, "/training-requests/new", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range f.coordinator.cookies {
				req.AddCookie(&http.Cookie{Name: k, Value: v})
			}
			resp, err := f.a.app.Test(req, -1)
			if assert.NoError(t, err) {
				assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
				locations[i] = resp.Header.Get("Location")
			}
		})
	}
	wg.Wait()
	assert.NotEmpty(t, locations[0])
	assert.Equal(t, locations[0], locations[1], "both go to the same request")
	var requests, emails int
	require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT count(*) FROM enquiries").Scan(&requests))
	require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT count(*) FROM emails WHERE subject LIKE 'Training request % received'").Scan(&emails))
	assert.Equal(t, 1, requests)
	assert.Equal(t, 1, emails)

	// A new form is a new request.
	_, page = f.coordinator.get("/training-requests/new")
	key2 := regexp.MustCompile(`name="form-key" value="([^"]+)"`).FindStringSubmatch(page)
	require.NotNil(t, key2)
	assert.NotEqual(t, key[1], key2[1])
}

// A person may send MaxRequestMessagesPerPerson requests and messages an
// hour; the next is refused with a page saying when to try again.
func TestTrainingRequestMessagesAreLimited(t *testing.T) {
	t.Parallel()
	f := setupTrainingRequests(t)
	_, page := f.coordinator.get("/training-requests/new")
	key := regexp.MustCompile(`name="form-key" value="([^"]+)"`).FindStringSubmatch(page)[1]
	day := now.AddDate(0, 1, 0)
	resp, _ := f.coordinator.post("/training-requests/new", url.Values{
		"form-key": {key}, "kind": {"course"}, "course": {fmt.Sprint(f.course)}, "audience": {"Social workers"}, "participants": {"12"},
		"date-1-day": {fmt.Sprint(day.Day())}, "date-1-month": {fmt.Sprint(int(day.Month()))}, "date-1-year": {fmt.Sprint(day.Year())},
		"date-1-start": {"9:30"}, "date-1-end": {"16:00"}, "location": {"online"},
		"contact-name": {"Lee Lead"}, "contact-email": {"lead@example.org"},
	})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	where := strings.SplitN(resp.Header.Get("Location"), "?", 2)[0]
	for range account.MaxRequestMessagesPerPerson - 1 {
		f.coordinator.get(where)
		resp, _ := f.coordinator.post(where+"/messages", url.Values{"message": {"Any news?"}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	}
	f.a.clock.Advance(time.Minute)
	f.coordinator.get(where)
	resp, page = f.coordinator.post(where+"/messages", url.Values{"message": {"Any news?"}})
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Contains(t, page, "Try again in 59 minutes.")
	f.manager.get("/admin" + where)
	resp, _ = f.manager.post("/admin"+where+"/messages", url.Values{"message": {"Soon, we promise."}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "the training team is not limited")
}
