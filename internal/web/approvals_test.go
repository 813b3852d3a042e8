package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// approvalAgency is an agency no other test books for, whose bookings the
// tests here make wait for the line manager.
const approvalAgency = "Hampshire Youth Offending Team"

var approvalLinkIn = regexp.MustCompile(`/approvals/([A-Za-z0-9_-]{43})`)

// approvalToken is the token of the newest approval link emailed.
func (a testApp) approvalToken(t *testing.T) string {
	t.Helper()
	var body string
	require.NoError(t, a.pool.QueryRow(context.Background(),
		"SELECT body_text FROM emails WHERE subject LIKE 'Approval needed:%' ORDER BY id DESC LIMIT 1").Scan(&body))
	m := approvalLinkIn.FindStringSubmatch(body)
	require.NotNil(t, m, body)
	return m[1]
}

// bookForApproval turns approval on for approvalAgency through the
// manager's page, and books a place as a person of it through the booking
// form: the booking, waiting for approval, and the line manager's token.
func (a testApp) bookForApproval(t *testing.T, capacity int) (int64, int64, string) {
	t.Helper()
	a.newUser(t, "boss@example.org", "", "manager")
	boss := a.as(t, "boss@example.org")
	agencyPath := fmt.Sprintf("/admin/agencies/%d", a.agencyID(t, approvalAgency))
	boss.get(agencyPath)
	resp, _ := boss.post(agencyPath+"/approval", url.Values{"line-manager-approval": {"yes"}, "approval-hours": {"48"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	a.newUser(t, "asker@example.org", approvalAgency)
	session := a.addSession(t, capacity, 10*24*time.Hour, 3*24*time.Hour)
	c := a.as(t, "asker@example.org")
	c.get(fmt.Sprintf("/sessions/%d/book", session))
	resp, page := c.post(fmt.Sprintf("/sessions/%d/book", session), bookingDetails())
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	var id int64
	_, err := fmt.Sscanf(resp.Header.Get("Location"), "/bookings/%d?done=awaiting-approval", &id)
	require.NoError(t, err, resp.Header.Get("Location"))
	return session, id, a.approvalToken(t)
}

func TestAgencyApprovalSetting(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "boss@example.org", "", "manager")
	boss := a.as(t, "boss@example.org")
	id := a.agencyID(t, approvalAgency)
	path := fmt.Sprintf("/admin/agencies/%d", id)
	resp, page := boss.get(path)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Line manager’s approval")

	for _, bad := range []struct{ hours, message string }{
		{"", "Enter how many hours the line manager has to answer"},
		{"three days", "The hours to answer must be a whole number, like 72"},
		{"337", "The hours to answer must be between 1 and 336 (two weeks)"},
		{"0", "The hours to answer must be between 1 and 336 (two weeks)"},
	} {
		resp, page = boss.post(path+"/approval", url.Values{"line-manager-approval": {"yes"}, "approval-hours": {bad.hours}})
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, bad.hours)
		assert.Contains(t, errorSummary(page), bad.message)
		assert.Contains(t, page, `href="#approval-hours"`)
	}
	resp, page = boss.post(path+"/approval", url.Values{"approval-hours": {"24"}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Select whether bookings need the line manager’s approval")
	assert.Equal(t, 0, a.countRows(t, fmt.Sprintf("SELECT count(*) FROM agencies WHERE id = %d AND line_manager_approval", id)),
		"nothing saved from a form with mistakes")

	resp, _ = boss.post(path+"/approval", url.Values{"line-manager-approval": {"yes"}, "approval-hours": {" 24 "}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, 1, a.countRows(t, fmt.Sprintf("SELECT count(*) FROM agencies WHERE id = %d AND line_manager_approval AND approval_hours = 24", id)))
	assert.Equal(t, 1, a.countRows(t, fmt.Sprintf(`SELECT count(*) FROM audit_events WHERE action = 'agency_updated' AND agency_id = %d
		AND details ? 'line_manager_approval' AND details ? 'approval_hours'`, id)))

	resp, _ = a.as(t, "boss@example.org").get(path)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	a.newUser(t, "sam@example.org", "")
	resp, _ = a.as(t, "sam@example.org").post(path+"/approval", url.Values{"line-manager-approval": {"no"}, "approval-hours": {"24"}})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "managers only")
}

func TestLineManagerApprovesThroughTheLink(t *testing.T) {
	t.Parallel()
	a := setup(t)
	session, booking, token := a.bookForApproval(t, 1)

	// The person's pages say it waits, and until when.
	c := a.as(t, "asker@example.org")
	_, page := c.get(fmt.Sprintf("/bookings/%d?done=awaiting-approval", booking))
	assert.Contains(t, page, "We have emailed your line manager to approve it")
	assert.Contains(t, page, "Waiting for your line manager’s approval (until ")
	_, page = c.get("/my-training")
	assert.Contains(t, page, "Waiting for your line manager’s approval (until ")
	_, page = c.get(fmt.Sprintf("/bookings/%d/cancel", booking))
	assert.Contains(t, page, "Cancelling before the line manager answers is free")

	// The session of one is full.
	a.newUser(t, "late@example.org", "")
	late := a.as(t, "late@example.org")
	_, page = late.get(fmt.Sprintf("/sessions/%d/book", session))
	assert.Contains(t, page, "waiting list")

	// The manager's list shows it.
	_, page = a.as(t, "boss@example.org").get(fmt.Sprintf("/admin/sessions/%d/bookings", session))
	assert.Contains(t, page, "Waiting for the line manager’s approval")

	// The line manager, with no account.
	lm := a.client(t)
	path := "/approvals/" + token
	resp, page := lm.get(path)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"))
	assert.Contains(t, resp.Header.Get("Cache-Control"), "no-store")
	assert.Contains(t, page, "Approve Asker Tester’s place on safeguarding training")
	assert.NotContains(t, page, "asker@example.org", "nothing else about them")
	assert.NotContains(t, page, "lee@example.org")
	assert.NotContains(t, page, "A hearing loop", "not their needs")

	resp, page = lm.post(path, url.Values{"decision": {"declined"}, "reason": {"  "}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Enter why you are declining the place")
	assert.Contains(t, page, `href="#reason"`)
	status, _ := a.bookingState(t, booking)
	assert.Equal(t, "awaiting_approval", status, "nothing changed")

	resp, _ = lm.post(path, url.Values{"decision": {"approved"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, path+"?done=approved", resp.Header.Get("Location"))
	_, page = lm.get(path + "?done=approved")
	assert.Contains(t, page, "Place approved")
	status, _ = a.bookingState(t, booking)
	assert.Equal(t, "confirmed", status)

	// Used twice: a clear page, nothing changed.
	resp, _ = lm.post(path, url.Values{"decision": {"declined"}, "reason": {"Changed my mind"}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, page = lm.get(path)
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "This request has already been answered")
	status, _ = a.bookingState(t, booking)
	assert.Equal(t, "confirmed", status)

	for _, madeUp := range []string{"made-up-token", strings.Repeat("x", 300)} {
		resp, page = lm.get("/approvals/" + madeUp)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		assert.Contains(t, page, "This link does not work")
		resp, _ = lm.post("/approvals/"+madeUp, url.Values{"decision": {"approved"}})
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	}
	assert.NotContains(t, a.logs.String(), token, "the link is a secret: it never reaches the logs")
	assert.Contains(t, a.logs.String(), "/approvals/(secret)")
}

func TestApprovalLinkOfACancelledBooking(t *testing.T) {
	t.Parallel()
	a := setup(t)
	_, booking, token := a.bookForApproval(t, 2)
	lm := a.client(t)
	resp, _ := lm.get("/approvals/" + token) // the line manager opens the link, and answers after the person cancels
	require.Equal(t, http.StatusOK, resp.StatusCode)
	c := a.as(t, "asker@example.org")
	c.get(fmt.Sprintf("/bookings/%d/cancel", booking))
	resp, _ = c.post(fmt.Sprintf("/bookings/%d/cancel", booking), url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/my-training?done=withdrawn", resp.Header.Get("Location"))
	_, page := c.get("/my-training?done=withdrawn")
	assert.Contains(t, page, "Booking cancelled before your line manager answered")

	resp, _ = lm.post("/approvals/"+token, url.Values{"decision": {"approved"}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, page = lm.get("/approvals/" + token)
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "This booking has been cancelled")
	status, _ := a.bookingState(t, booking)
	assert.Equal(t, "cancelled", status)
}

// A training manager may approve a waiting place for its line manager, from
// the session's list, once.
func TestManagerApprovesForTheLineManager(t *testing.T) {
	t.Parallel()
	a := setup(t)
	session, booking, token := a.bookForApproval(t, 2)
	boss := a.as(t, "boss@example.org")
	list := fmt.Sprintf("/admin/sessions/%d/bookings", session)
	_, page := boss.get(list)
	approve := fmt.Sprintf("%s/%d/approve", list, booking)
	assert.Contains(t, page, `action="`+approve+`"`)
	resp, _ := boss.post(approve, url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, list+"?done=approved", resp.Header.Get("Location"))
	status, _ := a.bookingState(t, booking)
	assert.Equal(t, "confirmed", status)
	assert.Equal(t, 1, a.countRows(t, `SELECT count(*) FROM audit_events e JOIN users u ON u.id = e.actor_id
		WHERE e.action = 'booking_approval_decided' AND u.email = 'boss@example.org'`))
	resp, page = boss.post(approve, url.Values{})
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "This request has already been answered")
	resp, page = a.client(t).get("/approvals/" + token)
	assert.Equal(t, http.StatusConflict, resp.StatusCode, "the line manager's link then says so")
	assert.Contains(t, page, "already been answered")

	a.newUser(t, "sam@example.org", "")
	sam := a.as(t, "sam@example.org")
	resp, _ = sam.post(approve, url.Values{})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "managers only")
}
