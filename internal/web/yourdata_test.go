package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// partnerAgency is a partner agency of the demo data.
type partnerAgency struct {
	ID   int64
	Name string
}

// firstAgencies returns the first n partner agencies, by ID.
func (a testApp) firstAgencies(t *testing.T, n int) []partnerAgency {
	t.Helper()
	rows, err := a.pool.Query(context.Background(), "SELECT id, name FROM agencies WHERE retired_at IS NULL ORDER BY id LIMIT $1", n)
	require.NoError(t, err)
	defer rows.Close()
	var out []partnerAgency
	for rows.Next() {
		var p partnerAgency
		require.NoError(t, rows.Scan(&p.ID, &p.Name))
		out = append(out, p)
	}
	require.Len(t, out, n)
	return out
}

// agencyOf returns a person's agency and requested agency.
func (a testApp) agencyOf(t *testing.T, userID int64) (agency, requested *int64) {
	t.Helper()
	require.NoError(t, a.pool.QueryRow(context.Background(),
		"SELECT agency_id, requested_agency_id FROM users WHERE id = $1", userID).Scan(&agency, &requested))
	return agency, requested
}

func (a testApp) countRows(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, a.pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

func TestProfilePage(t *testing.T) {
	t.Parallel()
	a := setup(t)
	id := a.newUser(t, "alex@example.org", "")
	c := a.client(t)

	resp, _ := c.get("/account/profile")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/sign-in?next=%2Faccount%2Fprofile", resp.Header.Get("Location"))

	c.signIn("alex@example.org", testPassword)
	_, page := c.get("/account")
	assert.Contains(t, page, `href="/account/profile"`)
	resp, page = c.get("/account/profile")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Change your details")
	assert.Contains(t, page, `value="Alex Tester"`)
	assert.Contains(t, page, `value="Practitioner"`)

	resp, page = c.post("/account/profile", url.Values{"full-name": {"  "}, "job-title": {strings.Repeat("x", 201)}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, page, "<title>Error: Change your details")
	assert.Equal(t, "Enter your full name Job title must be 200 characters or fewer", errorSummary(page))
	assert.Contains(t, page, `<a href="#full-name">`)
	assert.Contains(t, page, `<a href="#job-title">`)
	assert.Equal(t, 0, a.countRows(t, "SELECT count(*) FROM audit_events WHERE action = 'profile_changed'"))

	resp, _ = c.post("/account/profile", url.Values{"full-name": {"Alex Morgan"}, "job-title": {"Designated safeguarding lead"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/account", resp.Header.Get("Location"))
	_, page = c.get("/account")
	assert.Contains(t, page, "Alex Morgan")
	assert.Contains(t, page, "Designated safeguarding lead")
	assert.Equal(t, 1, a.countRows(t, "SELECT count(*) FROM audit_events WHERE action = 'profile_changed' AND actor_id = $1 AND ip IS NOT NULL", id))
}

func TestAgencyChangePagesAndWhoMayConfirm(t *testing.T) {
	t.Parallel()
	a := setup(t)
	ag := a.firstAgencies(t, 3)
	mover := a.newUser(t, "mover@example.org", ag[0].Name)
	a.newUser(t, "coord-b@example.org", ag[1].Name, "coordinator")
	a.newUser(t, "coord-c@example.org", ag[2].Name, "coordinator")
	a.newUser(t, "boss@example.org", ag[2].Name, "manager")
	a.newUser(t, "someone@example.org", ag[1].Name)
	target := strconv.FormatInt(ag[1].ID, 10)

	c := a.client(t)
	c.signIn("mover@example.org", testPassword)
	resp, page := c.get("/account/agency")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Change your organisation")
	assert.Contains(t, page, htmlEscape(ag[0].Name), "the current one is shown")
	assert.NotContains(t, page, fmt.Sprintf(`<option value="%d"`, ag[0].ID), "but not offered")
	assert.Contains(t, page, `<option value="`+target+`"`)

	resp, page = c.post("/account/agency", url.Values{"agency": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, "Select the organisation you work for now", errorSummary(page))
	resp, page = c.post("/account/agency", url.Values{"agency": {"nonsense"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, "Select an organisation from the list", errorSummary(page))

	resp, _ = c.post("/account/agency", url.Values{"agency": {target}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/account", resp.Header.Get("Location"))
	_, page = c.get("/account")
	assert.Contains(t, page, "You asked to change to "+htmlEscape(ag[1].Name)+": waiting for confirmation")
	_, requested := a.agencyOf(t, mover)
	require.NotNil(t, requested)
	_, page = c.get("/account/agency")
	assert.Contains(t, page, "Cancel this request")

	// A practitioner may not decide: 403.
	someone := a.client(t)
	someone.signIn("someone@example.org", testPassword)
	for _, path := range []string{"/admin/agency-changes", "/agency/agency-changes"} {
		resp, _ := someone.get(path)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, path)
		resp, _ = someone.post(fmt.Sprintf("%s/%d/confirm", path, mover), url.Values{})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, path)
	}

	// Another agency's coordinator neither sees nor decides it: 404.
	coordC := a.client(t)
	coordC.signIn("coord-c@example.org", testPassword)
	resp, page = coordC.get("/agency/agency-changes")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.NotContains(t, page, "mover@example.org")
	assert.Contains(t, page, "There are no changes of organisation waiting")
	for _, action := range []string{"confirm", "decline"} {
		resp, _ = coordC.post(fmt.Sprintf("/agency/agency-changes/%d/%s", mover, action), url.Values{})
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, action)
	}
	resp, _ = coordC.get("/admin/agency-changes")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "a coordinator is no manager")
	agency, requested := a.agencyOf(t, mover)
	assert.Equal(t, ag[0].ID, *agency, "nothing changed")
	require.NotNil(t, requested, "still waiting")
	assert.Equal(t, 0, a.countRows(t, "SELECT count(*) FROM audit_events WHERE action = 'agency_change_confirmed'"))

	// The manager sees it; the coordinator of the agency joined confirms it.
	boss := a.client(t)
	boss.signIn("boss@example.org", testPassword)
	_, page = boss.get("/account")
	assert.Contains(t, page, `href="/admin/agency-changes"`)
	resp, page = boss.get("/admin/agency-changes")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "mover@example.org")
	assert.Contains(t, page, "1 request waiting")

	coordB := a.client(t)
	coordB.signIn("coord-b@example.org", testPassword)
	_, page = coordB.get("/agency/agency-changes")
	assert.Contains(t, page, "mover@example.org")
	assert.Contains(t, page, fmt.Sprintf(`action="/agency/agency-changes/%d/confirm"`, mover))
	resp, _ = coordB.post(fmt.Sprintf("/agency/agency-changes/%d/confirm", mover), url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/agency/agency-changes?done=confirmed", resp.Header.Get("Location"))
	_, page = coordB.get("/agency/agency-changes?done=confirmed")
	assert.Contains(t, page, "Change of organisation confirmed")
	agency, requested = a.agencyOf(t, mover)
	assert.Equal(t, ag[1].ID, *agency)
	assert.Nil(t, requested)
	subject, _ := a.lastEmail(t, "mover@example.org")
	assert.Equal(t, "Your change of organisation has been confirmed", subject)
	resp, _ = boss.post(fmt.Sprintf("/admin/agency-changes/%d/decline", mover), url.Values{})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "already decided")

	// Asked again, withdrawn, asked again, declined by the manager.
	back := strconv.FormatInt(ag[0].ID, 10)
	c.post("/account/agency", url.Values{"agency": {back}})
	c.get("/account/agency")
	resp, _ = c.post("/account/agency/cancel", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, requested = a.agencyOf(t, mover)
	assert.Nil(t, requested, "withdrawn")
	c.post("/account/agency", url.Values{"agency": {back}})
	boss.get("/admin/agency-changes")
	resp, _ = boss.post(fmt.Sprintf("/admin/agency-changes/%d/decline", mover), url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/admin/agency-changes?done=declined", resp.Header.Get("Location"))
	agency, requested = a.agencyOf(t, mover)
	assert.Equal(t, ag[1].ID, *agency)
	assert.Nil(t, requested)
	subject, _ = a.lastEmail(t, "mover@example.org")
	assert.Equal(t, "Your change of organisation was not confirmed", subject)
	assert.Equal(t, 2, a.countRows(t, "SELECT count(*) FROM audit_events WHERE action = 'agency_change_confirmed' AND subject_user_id = $1", mover))

	for _, bad := range []string{"abc", "0", "-1", "99999999"} {
		resp, _ = boss.post("/admin/agency-changes/"+bad+"/confirm", url.Values{})
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, bad)
	}
}

func TestDownloadYourData(t *testing.T) {
	t.Parallel()
	a := setup(t)
	id := a.newUser(t, "dee@example.org", "", "trainer")
	c := a.client(t)
	c.signIn("dee@example.org", testPassword)

	resp, page := c.get("/account/data")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, `action="/account/data/download"`)
	assert.Contains(t, page, "in the last 90 days")

	resp, body := c.post("/account/data/download", url.Values{})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, `attachment; filename="my-data.json"`, resp.Header.Get("Content-Disposition"))
	assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json"), resp.Header.Get("Content-Type"))
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))

	var doc struct {
		Profile struct {
			Email    string `json:"email"`
			FullName string `json:"full_name"`
		} `json:"profile"`
		Roles          []map[string]any `json:"roles"`
		Sessions       []map[string]any `json:"sessions"`
		SignInAttempts []map[string]any `json:"sign_in_attempts"`
		AuditEvents    []map[string]any `json:"audit_events"`
		Emails         []map[string]any `json:"emails"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &doc))
	assert.Equal(t, "dee@example.org", doc.Profile.Email)
	assert.Equal(t, "Dee Tester", doc.Profile.FullName)
	assert.Len(t, doc.Roles, 1)
	assert.Len(t, doc.Sessions, 1, "this browser, signed in")
	assert.Len(t, doc.SignInAttempts, 1)
	assert.NotEmpty(t, doc.AuditEvents)
	assert.NotNil(t, doc.Emails)

	var hash, csrf string
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT password_hash FROM users WHERE id = $1", id).Scan(&hash))
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT csrf_token FROM web_sessions WHERE user_id = $1", id).Scan(&csrf))
	assert.NotContains(t, body, hash)
	assert.NotContains(t, body, "argon2")
	assert.NotContains(t, body, csrf)
	assert.NotContains(t, body, c.cookies["session"])
	assert.Equal(t, 1, a.countRows(t, "SELECT count(*) FROM audit_events WHERE action = 'data_exported' AND actor_id = $1 AND ip IS NOT NULL", id))

	resp, _ = a.client(t).post("/account/data/download", url.Values{})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "no session, no token: no data")
}

func TestDeleteYourAccount(t *testing.T) {
	t.Parallel()
	a := setup(t)
	ag := a.firstAgencies(t, 2)
	id := a.newUser(t, "gone@example.org", ag[1].Name, "coordinator")
	c := a.client(t)
	c.signIn("gone@example.org", testPassword)
	elsewhere := a.client(t)
	elsewhere.signIn("gone@example.org", testPassword)

	resp, page := c.get("/account/delete")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Delete your account")
	assert.Contains(t, page, "govuk-button--warning")

	resp, page = c.post("/account/delete", url.Values{"password": {"not my password at all"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, "Your password is wrong", errorSummary(page))
	assert.Contains(t, page, "<title>Error: Delete your account")
	resp, page = c.post("/account/delete", url.Values{"password": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, "Enter your password", errorSummary(page))
	var email, name string
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT email, full_name FROM users WHERE id = $1", id).Scan(&email, &name))
	assert.Equal(t, "gone@example.org", email, "nothing changed")
	assert.Equal(t, "Gone Tester", name)
	resp, _ = elsewhere.get("/account")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "still signed in")

	old := c.cookies["session"]
	resp, _ = c.post("/account/delete", url.Values{"password": {testPassword}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/deleted-account", resp.Header.Get("Location"))
	assert.Empty(t, c.cookies["session"], "the browser is signed out")
	resp, page = c.get("/deleted-account")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Your account has been deleted")

	var job string
	var agency *int64
	var erased bool
	require.NoError(t, a.pool.QueryRow(context.Background(),
		"SELECT email, full_name, job_title, agency_id, erased_at IS NOT NULL FROM users WHERE id = $1", id).Scan(&email, &name, &job, &agency, &erased))
	assert.Equal(t, fmt.Sprintf("deleted-%d@deleted.invalid", id), email)
	assert.Equal(t, "Deleted person", name)
	assert.Empty(t, job)
	assert.True(t, erased)
	require.NotNil(t, agency)
	assert.Equal(t, ag[1].ID, *agency, "kept for anonymous figures")
	assert.Zero(t, a.countRows(t, "SELECT count(*) FROM web_sessions WHERE user_id = $1", id))
	assert.Zero(t, a.countRows(t, "SELECT count(*) FROM user_roles WHERE user_id = $1", id))
	assert.Zero(t, a.countRows(t, "SELECT count(*) FROM sign_in_attempts WHERE email = 'gone@example.org'"))
	assert.Equal(t, 1, a.countRows(t, "SELECT count(*) FROM audit_events WHERE action = 'account_erased' AND actor_id = $1", id))

	// Every session is dead: this browser's old cookie, and the other browser.
	replay := a.client(t)
	replay.cookies["session"] = old
	resp, _ = replay.get("/account")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = elsewhere.get("/account")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/sign-in?next=%2Faccount", resp.Header.Get("Location"))

	// No way back in.
	again := a.client(t)
	again.get("/sign-in")
	_, page = again.post("/sign-in", url.Values{"email": {"gone@example.org"}, "password": {testPassword}})
	assert.Equal(t, "Enter a correct email address and password", errorSummary(page))

	// The address is free to sign up afresh.
	fresh := a.client(t)
	fresh.get("/sign-up")
	resp, page = fresh.post("/sign-up", url.Values{
		"full-name": {"Gwen Jones"}, "email": {"gone@example.org"}, "job-title": {"Teacher"},
		"agency": {strconv.FormatInt(ag[0].ID, 10)}, "password": {"back again by the seafront"},
	})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	subject, _ := a.lastEmail(t, "gone@example.org")
	assert.Equal(t, "Confirm your email address", subject)
	assert.Equal(t, 1, a.countRows(t, "SELECT count(*) FROM users WHERE email = 'gone@example.org' AND erased_at IS NULL AND id <> $1", id))
}

// Every POST of these pages needs the session's CSRF token.
func TestYourDataPostsNeedCSRF(t *testing.T) {
	t.Parallel()
	a := setup(t)
	ag := a.firstAgencies(t, 2)
	mover := a.newUser(t, "mover@example.org", ag[0].Name)
	_, err := a.pool.Exec(context.Background(), "UPDATE users SET requested_agency_id = $1 WHERE id = $2", ag[1].ID, mover)
	require.NoError(t, err)
	a.newUser(t, "both@example.org", ag[1].Name, "manager", "coordinator")

	posts := []string{"/account/profile", "/account/agency", "/account/agency/cancel", "/account/data/download", "/account/delete"}
	for _, base := range []string{"/admin/agency-changes", "/agency/agency-changes"} {
		for _, action := range []string{"confirm", "decline"} {
			posts = append(posts, fmt.Sprintf("%s/%d/%s", base, mover, action))
		}
	}
	c := a.client(t)
	c.signIn("both@example.org", testPassword)
	c.get("/account")
	for _, path := range posts {
		resp, page := c.post(path, url.Values{
			"_csrf": {"forged"}, "full-name": {"Forged"}, "job-title": {"Forged"},
			"agency": {strconv.FormatInt(ag[0].ID, 10)}, "password": {testPassword},
		})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, path)
		assert.Contains(t, page, "This form has expired", path)
	}
	var name string
	var erased bool
	require.NoError(t, a.pool.QueryRow(context.Background(),
		"SELECT full_name, erased_at IS NOT NULL FROM users WHERE email = 'both@example.org'").Scan(&name, &erased))
	assert.Equal(t, "Both Tester", name)
	assert.False(t, erased)
	agency, requested := a.agencyOf(t, mover)
	assert.Equal(t, ag[0].ID, *agency)
	assert.NotNil(t, requested)
	assert.Zero(t, a.countRows(t, "SELECT count(*) FROM audit_events WHERE action IN ('data_exported', 'profile_changed', 'agency_change_confirmed', 'agency_change_requested', 'account_erased')"))
}
