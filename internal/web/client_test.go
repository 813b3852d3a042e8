package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/password"
)

// client is a browser for handler tests: it keeps cookies, and sends the
// CSRF token of the last page it saw with every form.
type client struct {
	t       *testing.T
	app     testApp
	cookies map[string]string
	csrf    string
	headers map[string]string // sent with every request, e.g. X-Forwarded-For
}

func (a testApp) client(t *testing.T) *client {
	return &client{t: t, app: a, cookies: map[string]string{}}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

func (c *client) do(method, target string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		if _, ok := form["_csrf"]; !ok {
			form.Set("_csrf", c.csrf)
		}
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	resp, err := c.app.app.Test(req, -1)
	require.NoError(c.t, err)
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	page := string(b)
	if m := csrfField.FindStringSubmatch(page); m != nil {
		c.csrf = html.UnescapeString(m[1])
	}
	return resp, page
}

func (c *client) get(target string) (*http.Response, string) {
	c.t.Helper()
	return c.do(http.MethodGet, target, nil)
}

func (c *client) post(target string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	return c.do(http.MethodPost, target, form)
}

// signIn signs the client in through the real form.
func (c *client) signIn(addr, pw string) {
	c.t.Helper()
	c.get("/sign-in")
	resp, body := c.post("/sign-in", url.Values{"email": {addr}, "password": {pw}})
	require.Equal(c.t, http.StatusSeeOther, resp.StatusCode, "sign in as %s: %s", addr, errorSummary(body))
	c.get("/account") // the new session's CSRF token
}

var summaryItem = regexp.MustCompile(`(?s)<div class="govuk-error-summary__body">(.*?)</div>`)

func errorSummary(page string) string {
	m := summaryItem.FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return strings.Join(strings.Fields(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], " ")), " ")
}

// testPassword signs in every user made by newUser.
const testPassword = "sea wall at old portsmouth"

var testPasswordHash = func() string {
	h, err := password.Hash(testPassword)
	if err != nil {
		panic(err)
	}
	return h
}()

// newUser makes a verified person in the first agency (or the named one)
// holding roles, and returns their ID.
func (a testApp) newUser(t *testing.T, addr string, agencyName string, roles ...string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := a.pool.QueryRow(ctx, `
		INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
		VALUES ($1::text, initcap(split_part($1::text, '@', 1)) || ' Tester', 'Practitioner',
		        (SELECT id FROM agencies WHERE $2::text = '' OR name = $2::text ORDER BY id LIMIT 1), $3, now())
		RETURNING id`, addr, agencyName, testPasswordHash).Scan(&id)
	require.NoError(t, err)
	for _, r := range roles {
		_, err := a.pool.Exec(ctx, "INSERT INTO user_roles (user_id, role) VALUES ($1, $2)", id, r)
		require.NoError(t, err)
	}
	return id
}
