package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestManagerDownloadsSomeonesData(t *testing.T) {
	t.Parallel()
	a := setup(t)
	boss := a.newUser(t, "boss@example.org", "", "manager")
	id := a.newUser(t, "writer@example.org", "")
	a.newUser(t, "coord@example.org", "", "coordinator")
	a.newUser(t, "prac@example.org", "")
	m := a.client(t)
	m.signIn("boss@example.org", testPassword)

	resp, page := m.get(fmt.Sprintf("/admin/people/%d", id))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, fmt.Sprintf(`action="/admin/people/%d/data"`, id))
	assert.Contains(t, page, "Download their data")
	assert.Contains(t, page, fmt.Sprintf(`href="/admin/people/%d/erase"`, id))

	resp, body := m.post(fmt.Sprintf("/admin/people/%d/data", id), url.Values{})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, fmt.Sprintf(`attachment; filename="personal-data-%d.json"`, id), resp.Header.Get("Content-Disposition"))
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	var doc struct {
		Profile struct {
			Email string `json:"email"`
		} `json:"profile"`
		Bookings         []any `json:"bookings"`
		TrainingRequests any   `json:"training_requests"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &doc))
	assert.Equal(t, "writer@example.org", doc.Profile.Email)
	assert.NotNil(t, doc.Bookings)
	assert.NotNil(t, doc.TrainingRequests)
	assert.Equal(t, 1, a.countRows(t, "SELECT count(*) FROM audit_events WHERE action = 'data_exported' AND actor_id = $1 AND subject_user_id = $2", boss, id))

	// Their own page has no erase link; nobody's data is given for a made-up id.
	_, page = m.get(fmt.Sprintf("/admin/people/%d", boss))
	assert.NotContains(t, page, fmt.Sprintf(`/admin/people/%d/erase`, boss))
	resp, _ = m.post("/admin/people/99999999/data", url.Values{})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	// Only training managers.
	for _, addr := range []string{"coord@example.org", "prac@example.org"} {
		c := a.client(t)
		c.signIn(addr, testPassword)
		resp, body := c.post(fmt.Sprintf("/admin/people/%d/data", id), url.Values{})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, addr)
		assert.NotContains(t, body, "writer@example.org", addr)
	}
	assert.Equal(t, 1, a.countRows(t, "SELECT count(*) FROM audit_events WHERE action = 'data_exported'"))
}

func TestManagerErasesSomeonesAccount(t *testing.T) {
	t.Parallel()
	a := setup(t)
	boss := a.newUser(t, "boss@example.org", "", "manager")
	id := a.newUser(t, "leaver@example.org", "", "trainer")
	a.newUser(t, "coord@example.org", "", "coordinator")
	a.newUser(t, "prac@example.org", "")
	leaver := a.client(t)
	leaver.signIn("leaver@example.org", testPassword)
	m := a.client(t)
	m.signIn("boss@example.org", testPassword)
	target := fmt.Sprintf("/admin/people/%d/erase", id)

	// Others are refused, and change nothing.
	for _, addr := range []string{"coord@example.org", "prac@example.org"} {
		c := a.client(t)
		c.signIn(addr, testPassword)
		resp, _ := c.get(target)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, addr)
		resp, _ = c.post(target, url.Values{"reason": {"Request by letter"}, "confirm": {"yes"}})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, addr)
	}

	resp, page := m.get(target)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Erase this person’s account")
	assert.Contains(t, page, "You cannot undo this.")
	assert.Contains(t, page, "govuk-button--warning")

	// A reason and the confirmation are both needed.
	resp, page = m.post(target, url.Values{"reason": {"  "}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Enter why you are erasing this account")
	assert.Contains(t, errorSummary(page), "Confirm that the person asked for their account to be erased")
	resp, page = m.post(target, url.Values{"reason": {"Request by letter received 3 December 2026"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, page, "Request by letter received 3 December 2026", "what was typed is kept")
	assert.NotContains(t, errorSummary(page), "Enter why")
	resp, page = m.post(target, url.Values{"confirm": {"yes"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, "Enter why you are erasing this account, for example the request it answers and when it was received", errorSummary(page))
	assert.Equal(t, 1, a.countRows(t, "SELECT count(*) FROM users WHERE id = $1 AND erased_at IS NULL", id), "nothing erased yet")

	resp, _ = m.post(target, url.Values{"reason": {"Request by letter received 3 December 2026"}, "confirm": {"yes"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/admin/people?done=erased", resp.Header.Get("Location"))
	_, page = m.get("/admin/people?done=erased")
	assert.Contains(t, page, "Account erased")

	assert.Equal(t, 1, a.countRows(t, "SELECT count(*) FROM users WHERE id = $1 AND erased_at IS NOT NULL AND full_name = 'Deleted person'", id))
	assert.Zero(t, a.countRows(t, "SELECT count(*) FROM user_roles WHERE user_id = $1", id))
	assert.Equal(t, 1, a.countRows(t, `SELECT count(*) FROM audit_events WHERE action = 'account_erased' AND actor_id = $1 AND subject_user_id = $2
		AND details->>'reason' = 'Request by letter received 3 December 2026'`, boss, id))
	resp, _ = leaver.get("/account")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "the person is signed out")

	// Not twice, and not their own account.
	resp, _ = m.get(target)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = m.post(target, url.Values{"reason": {"Again"}, "confirm": {"yes"}})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	own := fmt.Sprintf("/admin/people/%d/erase", boss)
	resp, _ = m.get(own)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = m.post(own, url.Values{"reason": {"Leaving"}, "confirm": {"yes"}})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, 1, a.countRows(t, "SELECT count(*) FROM users WHERE id = $1 AND erased_at IS NULL", boss))
}
