package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const badInputHeading = "The address or form contained characters the service cannot accept"

// TestNULAndInvalidUTF8AreRefusedWithAPage sends a NUL byte (and bytes that
// are not UTF-8) in a path, a query, the fields of real forms (urlencoded and
// multipart) and a cookie: each gets the 400 page, or for the cookie, a page
// as if there were none; never a 5xx, and nothing reaches PostgreSQL.
func TestNULAndInvalidUTF8AreRefusedWithAPage(t *testing.T) {
	t.Parallel()
	a := setup(t)
	ctx := context.Background()
	a.newUser(t, "boss@example.org", "", "manager")
	a.newUser(t, "pat@example.org", "Portsmouth City Council", "coordinator")
	var sessionID, agencyID int64
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT min(id) FROM sessions WHERE status = 'published' AND closed_to_agency_id IS NULL").Scan(&sessionID))
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT min(id) FROM agencies").Scan(&agencyID))
	manager := a.as(t, "boss@example.org")
	practitioner := a.as(t, "pat@example.org")
	anonymous := a.client(t)
	anonymous.get("/sign-in") // an anonymous session and its CSRF token

	for _, bad := range []string{"\x00", "\xff\xfe"} {
		cases := []struct {
			name   string
			c      *client
			method string
			target string
			form   url.Values
		}{
			{"path segment", anonymous, http.MethodGet, "/courses/" + url.PathEscape("safe"+bad), nil},
			{"path of a manager page", manager, http.MethodGet, "/admin/people/" + url.PathEscape(bad), nil},
			{"query value", anonymous, http.MethodGet, "/courses?q=" + url.QueryEscape("neglect"+bad), nil},
			{"query name", manager, http.MethodGet, "/admin/audit?" + url.QueryEscape("from"+bad) + "=1", nil},
			{"sign-in", anonymous, http.MethodPost, "/sign-in", url.Values{"email": {"a" + bad + "@example.org"}, "password": {"whatever it is"}}},
			{"sign-up", anonymous, http.MethodPost, "/sign-up", url.Values{
				"full-name": {"Sam" + bad + "Jones"}, "email": {"sam@example.org"}, "job-title": {"Nurse"},
				"agency": {strconv.FormatInt(agencyID, 10)}, "password": {"tide comes in at southsea"},
			}},
			{"booking", practitioner, http.MethodPost, "/sessions/" + strconv.FormatInt(sessionID, 10) + "/book", url.Values{
				"line-manager-name": {"Lee" + bad}, "line-manager-email": {"lee@example.org"}, "access-needs": {"none" + bad},
			}},
			{"manager's venue form", manager, http.MethodPost, "/admin/venues/new", url.Values{"name": {"Room" + bad}, "capacity": {"20"}}},
			{"training request", practitioner, http.MethodPost, "/training-requests/new", url.Values{"contact-name": {"Pat" + bad}}},
		}
		for _, tc := range cases {
			resp, page := tc.c.do(tc.method, tc.target, tc.form)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s %q", tc.name, bad)
			assert.Contains(t, page, badInputHeading, "%s %q", tc.name, bad)
		}

		// The same, as a multipart form.
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		require.NoError(t, mw.WriteField("_csrf", anonymous.csrf))
		require.NoError(t, mw.WriteField("email", "a"+bad+"@example.org"))
		require.NoError(t, mw.WriteField("password", "whatever it is"))
		require.NoError(t, mw.Close())
		req := httptest.NewRequest(http.MethodPost, "/sign-in", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		for k, v := range anonymous.cookies {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		resp, err := a.app.Test(req, -1)
		require.NoError(t, err)
		page, _ := io.ReadAll(resp.Body)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "multipart %q", bad)
		assert.Contains(t, string(page), badInputHeading)

		// A damaged session cookie is an unknown session: the page is
		// served as to someone signed out.
		req = httptest.NewRequest(http.MethodGet, "/courses", nil)
		req.Header.Set("Cookie", "session=abc"+bad+"def; other="+bad)
		resp, err = a.app.Test(req, -1)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "cookie %q", bad)
	}

	// A real form with nothing wrong still works after all that.
	resp, page := manager.post("/admin/venues/new", url.Values{
		"kind": {"room"}, "name": {"Civic Offices room 3"}, "address-line-1": {"Guildhall Square"}, "town": {"Portsmouth"},
		"postcode": {"PO1 2AL"}, "capacity": {"20"},
	})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	assert.NotContains(t, a.logs.String(), "level=ERROR")
}

var routeParam = regexp.MustCompile(`:[A-Za-z]+(<[^>]*>)?`)

// TestEveryPageAnswersOddInputWithoutAServerError walks every GET route as a
// person holding every role, putting NUL, control characters, text-direction
// overrides, huge and negative numbers in each path parameter and absurd
// values in the usual query parameters (dates, pages, filters): no route may
// answer 5xx. Then it posts a NUL to every form: each is refused with the 400
// page.
func TestEveryPageAnswersOddInputWithoutAServerError(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "boss@example.org", "Portsmouth City Council", "manager", "trainer", "coordinator")
	c := a.as(t, "boss@example.org")

	params := []string{"%00", "%01", "%E2%80%AE", "99999999999999999999", "-1", "0", "%25", "a%2Fb"}
	queries := []string{
		"?x=%00",
		"?q=%01%E2%80%AE&page=-1&from=9999-12-31&to=1900-01-01&status=%01&course=abc&agency=-1&venue=x&trainer=99999999999999999999",
		"?page=99999999999999999999&from-day=99&from-month=13&from-year=99999&to-day=1&to-month=1&to-year=1&date=0000-00-00",
		"?from=2026-02-30&to=%00&kind=zzz&level=9&mode=%01&organisation=%E2%80%AE&token=" + strings.Repeat("x", 300),
	}
	seen := map[string]bool{}
	for _, r := range a.app.GetRoutes(true) {
		if r.Method != http.MethodGet || seen[r.Path] || r.Path == "/sign-out" {
			continue
		}
		seen[r.Path] = true
		targets := []string{}
		if routeParam.MatchString(r.Path) {
			for _, p := range params {
				targets = append(targets, routeParam.ReplaceAllString(r.Path, p))
			}
		}
		base := routeParam.ReplaceAllString(r.Path, "1")
		for _, q := range queries {
			targets = append(targets, base+q)
		}
		for _, target := range targets {
			resp, _ := c.get(target)
			assert.Less(t, resp.StatusCode, 500, "GET %s", target)
			if strings.Contains(target, "%00") {
				assert.Contains(t, []int{http.StatusBadRequest, http.StatusNotFound}, resp.StatusCode, "GET %s", target)
			}
		}
	}
	assert.Greater(t, len(seen), 40, "the walk saw the routes")

	// Every form, wherever it is posted, is refused whole if it carries a
	// NUL: in a path parameter or in a field.
	posts := 0
	for _, r := range a.app.GetRoutes(true) {
		if r.Method != http.MethodPost || r.Path == "/sign-out" {
			continue
		}
		posts++
		targets := []string{routeParam.ReplaceAllString(r.Path, "1")}
		if routeParam.MatchString(r.Path) {
			targets = append(targets, routeParam.ReplaceAllString(r.Path, "%00"))
		}
		for i, target := range targets {
			form := url.Values{"anything": {"odd"}}
			if i == 0 {
				form.Set("anything", "odd\x00")
			}
			resp, page := c.post(target, form)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "POST %s", target)
			assert.Contains(t, page, badInputHeading, "POST %s", target)
		}
	}
	assert.Greater(t, posts, 40, "the walk saw the forms")
	assert.NotContains(t, a.logs.String(), "level=ERROR")
}
