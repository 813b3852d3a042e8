package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/account"
)

func (a testApp) lastEmail(t *testing.T, to string) (subject, link string) {
	t.Helper()
	a.workResets(t)
	var body string
	require.NoError(t, a.pool.QueryRow(context.Background(),
		"SELECT subject, body_text FROM emails WHERE to_address = $1 ORDER BY id DESC LIMIT 1", to).Scan(&subject, &body))
	return subject, regexp.MustCompile(`http://\S+`).FindString(body)
}

// workResets does the password reset jobs queued so far, as the job client
// would (each acts once).
func (a testApp) workResets(t *testing.T) {
	t.Helper()
	rows, err := a.pool.Query(context.Background(), "SELECT args FROM river_job WHERE kind = 'account_reset_password' ORDER BY id")
	require.NoError(t, err)
	jobs, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	require.NoError(t, err)
	w := &account.ResetPasswordWorker{Accounts: a.accounts}
	for _, raw := range jobs {
		var args account.ResetPasswordArgs
		require.NoError(t, json.Unmarshal(raw, &args))
		require.NoError(t, w.Work(context.Background(), &river.Job[account.ResetPasswordArgs]{Args: args}))
	}
}

func pathOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	return u.RequestURI()
}

func TestSignUpVerifySignInAndOut(t *testing.T) {
	t.Parallel()
	a := setup(t)
	c := a.client(t)

	resp, page := c.get("/sign-up")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, `<option value="not-listed"`)
	var agencyID int64
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT min(id) FROM agencies").Scan(&agencyID))

	// Bad input: an error summary, the values kept, the password not.
	resp, page = c.post("/sign-up", url.Values{"full-name": {"Sam Jones"}, "email": {"sam@"}, "password": {"short"}, "agency": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, page, `<title>Error: Create an account`)
	assert.Contains(t, page, `<a href="#email">Enter an email address in the correct format, like name@example.org</a>`)
	assert.Contains(t, page, `<a href="#job-title">Enter your job title</a>`)
	assert.Contains(t, page, `<a href="#agency">`)
	assert.Contains(t, page, `<a href="#password">Password must be 12 characters or more</a>`)
	assert.Contains(t, page, `value="Sam Jones"`)
	assert.NotContains(t, page, `value="short"`)

	resp, _ = c.post("/sign-up", url.Values{
		"full-name": {"Sam Jones"}, "email": {"sam@example.org"}, "job-title": {"Health visitor"},
		"agency": {strconv.FormatInt(agencyID, 10)}, "password": {"tide comes in at southsea"},
	})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/sign-up/check-email", resp.Header.Get("Location"))

	subject, link := a.lastEmail(t, "sam@example.org")
	assert.Equal(t, "Confirm your email address", subject)
	resp, page = c.get(pathOf(t, link))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Confirm and sign in")
	verifyToken := strings.TrimPrefix(pathOf(t, link), "/verify-email?token=")
	// The link alone confirms nothing: whoever holds the mailbox must also
	// know the account's password.
	resp, page = c.post("/verify-email", url.Values{"token": {verifyToken}, "password": {"not the password at all"}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "The password is wrong. If you did not create this account")
	resp, _ = c.post("/verify-email", url.Values{"token": {verifyToken}, "password": {"tide comes in at southsea"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/account?confirmed=1", resp.Header.Get("Location"), "confirmed and signed in")
	_, page = c.get("/account?confirmed=1")
	assert.Contains(t, page, "Email address confirmed")
	assert.Contains(t, page, "Sam Jones")
	resp, _ = c.post("/sign-out", url.Values{})
	require.Equal(t, http.StatusOK, resp.StatusCode)

	// Sign in: a new session ID, an HttpOnly SameSite=Lax cookie, an uncached page.
	c.get("/sign-in")
	anonymous := c.cookies["session"]
	require.NotEmpty(t, anonymous)
	resp, _ = c.post("/sign-in", url.Values{"email": {"sam@example.org"}, "password": {"tide comes in at southsea"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/account", resp.Header.Get("Location"))
	set := resp.Header.Get("Set-Cookie")
	assert.Contains(t, set, "HttpOnly")
	assert.Contains(t, strings.ToLower(set), "samesite=lax")
	assert.NotEqual(t, anonymous, c.cookies["session"], "a new session ID at sign-in")

	resp, page = c.get("/account")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Sam Jones")
	assert.Contains(t, page, "Health visitor")
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))

	// Sign out destroys the session: the old cookie no longer works.
	old := c.cookies["session"]
	_, page = c.post("/sign-out", url.Values{})
	assert.Contains(t, page, "You have signed out")
	replay := a.client(t)
	replay.cookies["session"] = old
	resp, _ = replay.get("/account")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/sign-in?next=%2Faccount", resp.Header.Get("Location"))
}

func TestCSRFIsRequiredForEveryPost(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "victim@example.org", "")
	for _, path := range []string{"/sign-in", "/sign-up", "/forgot-password", "/sign-out", "/verify-email", "/reset-password", "/account/password"} {
		c := a.client(t)
		c.get("/sign-in") // a session and a token exist…
		resp, page := c.post(path, url.Values{"_csrf": {"forged"}, "email": {"victim@example.org"}, "password": {testPassword}})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, path)
		assert.Contains(t, page, "This form has expired", path)

		if path == "/sign-out" {
			continue // without a session there is nothing to sign out of (below)
		}
		bare := a.client(t) // …or none at all
		resp, _ = bare.post(path, url.Values{"email": {"victim@example.org"}, "password": {testPassword}})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, path)
	}

	// A signed-in person cannot be signed out by another site's form.
	c := a.client(t)
	c.signIn("victim@example.org", testPassword)
	resp, _ := c.post("/sign-out", url.Values{"_csrf": {"forged"}})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = c.get("/account")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "still signed in")

	// Signing out after the session expired just says so.
	a.clock.Advance(31 * time.Minute)
	_, page := c.post("/sign-out", url.Values{})
	assert.Contains(t, page, "You have signed out")
}

func TestSignInErrorsAndLimit(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "kim@example.org", "")
	c := a.client(t)
	c.get("/sign-in")

	resp, page := c.post("/sign-in", url.Values{"email": {""}, "password": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Enter your email address")
	assert.Contains(t, errorSummary(page), "Enter your password")

	for range 10 {
		_, page = c.post("/sign-in", url.Values{"email": {"kim@example.org"}, "password": {"not the right one"}})
		assert.Equal(t, "Enter a correct email address and password", errorSummary(page))
	}
	resp, page = c.post("/sign-in", url.Values{"email": {"kim@example.org"}, "password": {testPassword}})
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "You have tried to sign in too many times. Try again in 5 minutes.", errorSummary(page))
	assert.Equal(t, "300", resp.Header.Get("Retry-After"))
	assert.Contains(t, page, `value="kim@example.org"`)

	a.clock.Advance(5*time.Minute + time.Second)
	c.signIn("kim@example.org", testPassword)
}

// The same answer for known and unknown addresses.
func TestNoAccountEnumeration(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "known@example.org", "")
	answers := map[string][2]string{}
	for _, addr := range []string{"known@example.org", "unknown@example.org"} {
		c := a.client(t)
		c.get("/sign-in")
		_, signIn := c.post("/sign-in", url.Values{"email": {addr}, "password": {"wrong password here"}})
		c.get("/forgot-password")
		resp, _ := c.post("/forgot-password", url.Values{"email": {addr}})
		answers[addr] = [2]string{errorSummary(signIn), resp.Header.Get("Location")}
	}
	assert.Equal(t, answers["known@example.org"], answers["unknown@example.org"])
	assert.Equal(t, "/forgot-password/check-email", answers["known@example.org"][1])
}

func TestForgottenPassword(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "lee@example.org", "")
	c := a.client(t)
	c.get("/forgot-password")
	c.post("/forgot-password", url.Values{"email": {"lee@example.org"}})
	subject, link := a.lastEmail(t, "lee@example.org")
	require.Equal(t, "Reset your password", subject)
	resp, page := c.get(pathOf(t, link))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	token := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(page)[1]

	resp, page = c.post("/reset-password", url.Values{"token": {token}, "password": {"password1234"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "common passwords")

	_, page = c.post("/reset-password", url.Values{"token": {token}, "password": {"gunwharf quays at low tide"}})
	assert.Contains(t, page, "Your password has been reset")
	resp, page = c.get(pathOf(t, link))
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, page, "This link has expired or has already been used")

	a.client(t).signIn("lee@example.org", "gunwharf quays at low tide")
}

func TestChangePasswordPage(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "max@example.org", "")
	c := a.client(t)
	c.signIn("max@example.org", testPassword)
	_, page := c.get("/account/password")
	require.Contains(t, page, "Change your password")
	resp, page := c.post("/account/password", url.Values{"current-password": {"nope"}, "new-password": {"x"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Your current password is wrong")
	_, page = c.post("/account/password", url.Values{"current-password": {testPassword}, "new-password": {"spinnaker tower in the fog"}})
	assert.Contains(t, page, "Your password has been changed")
	a.client(t).signIn("max@example.org", "spinnaker tower in the fog")
}

func TestSignInRedirectsOnlyToLocalPaths(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "nat@example.org", "")
	for next, want := range map[string]string{
		"/courses?level=2":     "/courses?level=2",
		"https://evil.example": "/account",
		"//evil.example/path":  "/account",
		"/\\evil.example":      "/account",
		"javascript:alert(1)":  "/account",
	} {
		c := a.client(t)
		c.get("/sign-in?next=" + url.QueryEscape(next))
		resp, _ := c.post("/sign-in", url.Values{"email": {"nat@example.org"}, "password": {testPassword}, "next": {next}})
		assert.Equal(t, want, resp.Header.Get("Location"), next)
	}
}

// Behind a trusted load balancer the per-IP limit counts the client's
// address from X-Forwarded-For, not the balancer's.
func TestSignInLimitUsesTheForwardedClientIP(t *testing.T) {
	t.Parallel()
	a := setup(t, func(d *testDeps) {
		d.TrustedProxies = []string{"0.0.0.0/0"}
		d.ProxyHeader = "X-Forwarded-For"
	})
	attempt := func(c *client, ip, addr string) int {
		c.get("/sign-in")
		req := url.Values{"email": {addr}, "password": {"not a real password"}}
		req.Set("_csrf", c.csrf)
		r := httptest.NewRequest(http.MethodPost, "/sign-in", strings.NewReader(req.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("X-Forwarded-For", ip)
		for k, v := range c.cookies {
			r.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		resp, err := a.app.Test(r, -1)
		require.NoError(t, err)
		return resp.StatusCode
	}
	c := a.client(t)
	for i := range account.MaxFailuresPerIP {
		require.Equal(t, http.StatusUnprocessableEntity, attempt(c, "203.0.113.5", "p"+strconv.Itoa(i)+"@example.org"))
	}
	assert.Equal(t, http.StatusTooManyRequests, attempt(c, "203.0.113.5", "fresh@example.org"), "this client is limited")
	assert.Equal(t, http.StatusUnprocessableEntity, attempt(c, "203.0.113.6", "fresh@example.org"), "another client behind the same balancer is not")
}
