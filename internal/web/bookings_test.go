package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/london"
)

// addSession adds a published session open to everyone, of the first
// course, online, starting after `in` with the cut-off `cutoff` before it.
func (a testApp) addSession(t *testing.T, capacity int, in, cutoff time.Duration) int64 {
	t.Helper()
	var id int64
	begins := a.clock.Now().Add(in)
	require.NoError(t, a.pool.QueryRow(context.Background(), `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status, meeting_url)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), $1, $2, $3, $4, 'published',
		       'https://meet.example.org/abc'
		FROM courses c ORDER BY c.id LIMIT 1 RETURNING id`,
		begins, begins.Add(3*time.Hour), begins.Add(-cutoff), capacity).Scan(&id))
	return id
}

// addAttended puts on user's record a delivered session that began ago and
// lasted hours, with their attendance as the register marked it.
func (a testApp) addAttended(t *testing.T, user int64, ago, hours time.Duration, attendance string) {
	t.Helper()
	_, err := a.pool.Exec(context.Background(), `
		WITH s AS (
			INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
			SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), $1::timestamptz, $2::timestamptz, $1::timestamptz, 10, 'completed'
			FROM courses c ORDER BY c.id DESC LIMIT 1 RETURNING id)
		INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at, attendance)
		SELECT s.id, u.id, u.agency_id, 'confirmed', u.id, $1, $1, $4 FROM s, users u WHERE u.id = $3`,
		a.clock.Now().Add(-ago), a.clock.Now().Add(-ago+hours), user, attendance)
	require.NoError(t, err)
}

func bookingDetails() url.Values {
	return url.Values{
		"line-manager-name": {"Lee Manager"}, "line-manager-email": {"lee@example.org"},
		"access-needs": {"A hearing loop"}, "dietary-needs": {""}, "agree-policy": {"yes"},
	}
}

func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// bookedRedirect is where booking leads: the booking, and what was done.
var bookedRedirect = regexp.MustCompile(`^/bookings/(\d+)\?done=(\w+)$`)

func bookingIn(t *testing.T, resp *http.Response) (int64, string) {
	t.Helper()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	m := bookedRedirect.FindStringSubmatch(resp.Header.Get("Location"))
	require.NotNil(t, m, resp.Header.Get("Location"))
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id, m[2]
}

// book books session for the client's person and returns the booking.
func (c *client) book(session int64, form url.Values) int64 {
	c.t.Helper()
	c.get(fmt.Sprintf("/sessions/%d/book", session))
	resp, page := c.post(fmt.Sprintf("/sessions/%d/book", session), form)
	require.Equal(c.t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	id, _ := bookingIn(c.t, resp)
	return id
}

func (a testApp) bookingState(t *testing.T, id int64) (status string, late bool) {
	t.Helper()
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT status, late FROM bookings WHERE id = $1", id).Scan(&status, &late))
	return status, late
}

func TestBookAPlace(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "sam@example.org", "")
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	c := a.as(t, "sam@example.org")

	form := fmt.Sprintf("/sessions/%d/book", session)
	resp, page := c.get(form)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	cutoff := now.Add(7 * 24 * time.Hour).In(london.Zone)
	assert.Contains(t, page, "You can cancel free of charge until 9am on "+cutoff.Format("Monday 2 January 2006")+
		". After that, cancelling or not attending is recorded and your agency may be charged. You can pass your place to a colleague from your agency at any time before the session.")
	for _, name := range []string{"access-needs", "dietary-needs", "line-manager-name", "line-manager-email"} {
		assert.Contains(t, page, `name="`+name+`"`)
	}
	assert.Contains(t, page, `name="agree-policy" type="checkbox" value="yes"`)
	assert.Contains(t, page, "10 places left")
	assert.NotContains(t, page, `name="join-waiting-list"`)

	resp, _ = c.post(form, bookingDetails())
	id, done := bookingIn(t, resp)
	assert.Equal(t, "booked", done)
	status, _ := a.bookingState(t, id)
	assert.Equal(t, "confirmed", status)
	subject, link := a.lastEmail(t, "sam@example.org")
	assert.Contains(t, subject, "Booking confirmed")
	assert.Equal(t, fmt.Sprintf("/bookings/%d", id), pathOf(t, link))

	resp, page = c.get(resp.Header.Get("Location"))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Booking confirmed")
	assert.Regexp(t, `id="status">Confirmed<`, page)
	assert.Contains(t, page, "A hearing loop")
	assert.Contains(t, page, "Lee Manager")
	assert.Contains(t, page, `href="https://meet.example.org/abc"`, "a confirmed place shows the meeting link")
	assert.Contains(t, page, fmt.Sprintf(`href="/bookings/%d/cancel"`, id))
	assert.Contains(t, page, fmt.Sprintf(`href="/bookings/%d/substitute"`, id))
}

func TestBookingFormErrorsSaveNothing(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "sam@example.org", "")
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	c := a.as(t, "sam@example.org")
	emails := a.countRows(t, "SELECT count(*) FROM emails")

	resp, page := c.post(fmt.Sprintf("/sessions/%d/book", session), url.Values{
		"access-needs": {"Step-free access"}, "line-manager-name": {"Lee Manager"}, "line-manager-email": {"not an email"},
	})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, page, "<title>Error: Book a place")
	summary := errorSummary(page)
	assert.Contains(t, summary, "Enter your line manager’s email address in the correct format")
	assert.Contains(t, summary, "Confirm that you agree to the cancellation policy")
	assert.Contains(t, page, `<a href="#agree-policy">`)
	assert.Contains(t, page, `id="agree-policy"`)
	assert.Contains(t, page, ">Step-free access</textarea>", "typed values are kept")
	assert.Contains(t, page, `value="Lee Manager"`)
	assert.Contains(t, page, `value="not an email"`)
	assert.Zero(t, a.countRows(t, "SELECT count(*) FROM bookings"))
	assert.Equal(t, emails, a.countRows(t, "SELECT count(*) FROM emails"))
}

func TestBookingTwiceIsRefused(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "sam@example.org", "")
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	c := a.as(t, "sam@example.org")
	id := c.book(session, bookingDetails())

	resp, page := c.get(fmt.Sprintf("/sessions/%d/book", session))
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "You already have a place on this session")
	assert.Contains(t, page, fmt.Sprintf(`href="/bookings/%d"`, id))
	assert.NotContains(t, page, `name="line-manager-name"`)

	resp, page = c.post(fmt.Sprintf("/sessions/%d/book", session), bookingDetails())
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "You already have a place on this session")
	assert.Contains(t, page, `href="/my-training"`)
	assert.Equal(t, 1, a.countRows(t, "SELECT count(*) FROM bookings"))
}

// The last place goes while a person fills in the form: they are told, and
// join the waiting list with what they typed.
func TestFullSessionOffersTheWaitingList(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "first@example.org", "")
	a.newUser(t, "sam@example.org", "")
	session := a.addSession(t, 1, 10*24*time.Hour, 3*24*time.Hour)
	sam := a.as(t, "sam@example.org")
	form := fmt.Sprintf("/sessions/%d/book", session)
	_, page := sam.get(form)
	assert.Contains(t, page, "1 place left")

	a.as(t, "first@example.org").book(session, bookingDetails())

	resp, page := sam.post(form, with(bookingDetails(), "line-manager-name", "Pat Typed"))
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "All places have just been taken")
	assert.Contains(t, page, `<input type="hidden" name="join-waiting-list" value="yes">`)
	assert.Contains(t, page, `value="Pat Typed"`)
	assert.Contains(t, page, `value="yes" checked`)
	assert.Regexp(t, `<button type="submit"[^>]*>Join the waiting list</button>`, page)
	assert.Equal(t, 1, a.countRows(t, "SELECT count(*) FROM bookings"))

	resp, _ = sam.post(form, with(bookingDetails(), "join-waiting-list", "yes"))
	id, done := bookingIn(t, resp)
	assert.Equal(t, "waiting", done)
	status, _ := a.bookingState(t, id)
	assert.Equal(t, "waiting", status)
	_, page = sam.get(resp.Header.Get("Location"))
	assert.Contains(t, page, "You are on the waiting list: number 1")
	assert.Contains(t, page, "On the waiting list, number 1")
	assert.NotContains(t, page, "meet.example.org", "no meeting link without a place")
	assert.Contains(t, page, fmt.Sprintf(`action="/bookings/%d/leave"`, id))

	// Someone else opening the form now sees the waiting list offered.
	a.newUser(t, "late@example.org", "")
	_, page = a.as(t, "late@example.org").get(form)
	assert.Contains(t, page, "This session is full")
	assert.Contains(t, page, `<input type="hidden" name="join-waiting-list" value="yes">`)
	assert.Contains(t, page, "<h1 class=\"govuk-heading-l\">Join the waiting list</h1>")
}

func TestUnconfirmedEmailCannotBook(t *testing.T) {
	t.Parallel()
	a := setup(t)
	id := a.newUser(t, "new@example.org", "")
	_, err := a.pool.Exec(context.Background(), "UPDATE users SET email_verified_at = NULL WHERE id = $1", id)
	require.NoError(t, err)
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	c := a.as(t, "new@example.org")

	resp, page := c.get(fmt.Sprintf("/sessions/%d/book", session))
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, page, "Confirm your email address first")
	assert.Contains(t, page, `action="/account/resend-verification"`)
	assert.NotContains(t, page, `name="line-manager-name"`)

	resp, page = c.post(fmt.Sprintf("/sessions/%d/book", session), bookingDetails())
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, page, "Confirm your email address first")
	assert.Zero(t, a.countRows(t, "SELECT count(*) FROM bookings"))
}

func TestBookingPagesNeedSignIn(t *testing.T) {
	t.Parallel()
	a := setup(t)
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	for _, path := range []string{fmt.Sprintf("/sessions/%d/book", session), "/invite/abc", "/bookings/1", "/my-training", "/my-training/record"} {
		resp, _ := a.get(t, path)
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode, path)
		assert.Equal(t, "/sign-in?next="+url.QueryEscape(path), resp.Header.Get("Location"), path)
	}

	// Signing in leads back to the form.
	a.newUser(t, "sam@example.org", "")
	c := a.client(t)
	c.get("/sign-in?next=" + url.QueryEscape(fmt.Sprintf("/sessions/%d/book", session)))
	resp, _ := c.post("/sign-in", url.Values{"email": {"sam@example.org"}, "password": {testPassword}, "next": {fmt.Sprintf("/sessions/%d/book", session)}})
	assert.Equal(t, fmt.Sprintf("/sessions/%d/book", session), resp.Header.Get("Location"))
}

func TestSessionsThatCannotBeBooked(t *testing.T) {
	t.Parallel()
	a := setup(t)
	ctx := context.Background()
	a.newUser(t, "sam@example.org", "")
	c := a.as(t, "sam@example.org")

	draft := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	_, err := a.pool.Exec(ctx, "UPDATE sessions SET status = 'draft' WHERE id = $1", draft)
	require.NoError(t, err)
	cancelled := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	_, err = a.pool.Exec(ctx, "UPDATE sessions SET status = 'cancelled', cancelled_reason = 'The trainer is unwell' WHERE id = $1", cancelled)
	require.NoError(t, err)
	pastCutoff := a.addSession(t, 10, 2*24*time.Hour, 3*24*time.Hour)

	for _, path := range []string{fmt.Sprintf("/sessions/%d/book", draft), "/sessions/999999/book", "/sessions/99999999999999999999999/book"} {
		resp, _ := c.get(path)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		resp, _ = c.post(path, bookingDetails())
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
	}

	resp, page := c.get(fmt.Sprintf("/sessions/%d/book", cancelled))
	assert.Equal(t, http.StatusGone, resp.StatusCode)
	assert.Contains(t, page, "Booking has closed for this session")
	assert.Contains(t, page, "The training team has cancelled")
	assert.Contains(t, page, "The trainer is unwell")

	resp, page = c.get(fmt.Sprintf("/sessions/%d/book", pastCutoff))
	assert.Equal(t, http.StatusGone, resp.StatusCode)
	assert.Contains(t, page, "Booking has closed for this session")
	assert.Regexp(t, `closed at \d+(:\d\d)?[ap]m on`, page)
	assert.NotContains(t, page, `name="line-manager-name"`)

	for _, s := range []int64{cancelled, pastCutoff} {
		resp, page = c.post(fmt.Sprintf("/sessions/%d/book", s), bookingDetails())
		assert.Equal(t, http.StatusGone, resp.StatusCode)
		assert.Contains(t, page, "Booking has closed for this session")
	}
	assert.Zero(t, a.countRows(t, "SELECT count(*) FROM bookings"))
}

// No request shows or changes another person's booking: each answers 404.
func TestAnotherPersonsBookingIsNotFound(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "owner@example.org", "")
	a.newUser(t, "waiter@example.org", "")
	a.newUser(t, "nosy@example.org", "")
	a.newUser(t, "colleague@example.org", "")
	session := a.addSession(t, 1, 10*24*time.Hour, 3*24*time.Hour)
	placed := a.as(t, "owner@example.org").book(session, bookingDetails())
	waiting := a.as(t, "waiter@example.org").book(session, with(bookingDetails(), "join-waiting-list", "yes"))

	nosy := a.as(t, "nosy@example.org")
	for _, id := range []int64{placed, waiting} {
		base := fmt.Sprintf("/bookings/%d", id)
		for _, path := range []string{base, base + "/cancel", base + "/substitute"} {
			resp, _ := nosy.get(path)
			assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		}
		for _, path := range []string{base + "/cancel", base + "/substitute", base + "/accept", base + "/leave"} {
			resp, _ := nosy.post(path, with(bookingDetails(), "colleague-email", "colleague@example.org"))
			assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		}
	}
	status, _ := a.bookingState(t, placed)
	assert.Equal(t, "confirmed", status)
	status, _ = a.bookingState(t, waiting)
	assert.Equal(t, "waiting", status)
	assert.Equal(t, 2, a.countRows(t, "SELECT count(*) FROM bookings"))
}

func TestCancelBeforeTheCutoffIsFree(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "sam@example.org", "")
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	c := a.as(t, "sam@example.org")
	id := c.book(session, bookingDetails())

	resp, page := c.get(fmt.Sprintf("/bookings/%d/cancel", id))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Cancelling now is free")
	assert.NotContains(t, page, "late cancellation")

	resp, _ = c.post(fmt.Sprintf("/bookings/%d/cancel", id), url.Values{})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/my-training?done=cancelled", resp.Header.Get("Location"))
	status, late := a.bookingState(t, id)
	assert.Equal(t, "cancelled", status)
	assert.False(t, late)
	_, page = c.get(resp.Header.Get("Location"))
	assert.Contains(t, page, "it is not recorded as a late cancellation")
	assert.Contains(t, page, "Other bookings")
	assert.Regexp(t, `>Cancelled by you</td>`, page)

	// Cancelled already: the form says so rather than offering it again.
	resp, page = c.get(fmt.Sprintf("/bookings/%d/cancel", id))
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "This booking cannot be cancelled")
	resp, _ = c.post(fmt.Sprintf("/bookings/%d/cancel", id), url.Values{})
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
}

func TestCancelAfterTheCutoffIsLate(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "sam@example.org", "")
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	c := a.as(t, "sam@example.org")
	id := c.book(session, bookingDetails())
	a.clock.Advance(8 * 24 * time.Hour) // past the cut-off, before the session
	c = a.as(t, "sam@example.org")      // the old sign-in has timed out

	resp, page := c.get(fmt.Sprintf("/bookings/%d/cancel", id))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "If you cancel now, it will be recorded as a late cancellation")
	assert.Contains(t, page, fmt.Sprintf(`href="/bookings/%d/substitute"`, id))
	assert.NotContains(t, page, "Cancelling now is free")

	resp, _ = c.post(fmt.Sprintf("/bookings/%d/cancel", id), url.Values{})
	assert.Equal(t, "/my-training?done=cancelled-late", resp.Header.Get("Location"))
	status, late := a.bookingState(t, id)
	assert.Equal(t, "cancelled", status)
	assert.True(t, late)
	_, page = c.get(resp.Header.Get("Location"))
	assert.Contains(t, page, "it is recorded as a late cancellation")
	assert.Contains(t, page, ">Cancelled by you (late)</td>")

	// Once the session has started there is nothing to cancel.
	other := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	id = c.book(other, bookingDetails())
	a.clock.Advance(11 * 24 * time.Hour)
	c = a.as(t, "sam@example.org")
	resp, page = c.get(fmt.Sprintf("/bookings/%d/cancel", id))
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "The session has already started")
	resp, _ = c.post(fmt.Sprintf("/bookings/%d/cancel", id), url.Values{})
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	status, _ = a.bookingState(t, id)
	assert.Equal(t, "confirmed", status)
}

func TestInviteLink(t *testing.T) {
	t.Parallel()
	a := setup(t)
	ctx := context.Background()
	var session int64
	var token, agency string
	require.NoError(t, a.pool.QueryRow(ctx, `
		SELECT s.id, s.invite_token, a.name FROM sessions s JOIN agencies a ON a.id = s.closed_to_agency_id
		WHERE s.status = 'published' ORDER BY s.id LIMIT 1`).Scan(&session, &token, &agency))
	a.newUser(t, "insider@example.org", agency)
	var outsiderAgency string
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT name FROM agencies WHERE name <> $1 ORDER BY id LIMIT 1", agency).Scan(&outsiderAgency))
	a.newUser(t, "outsider@example.org", outsiderAgency)

	// Without the link, even its agency's staff are sent to it.
	insider := a.as(t, "insider@example.org")
	resp, page := insider.get(fmt.Sprintf("/sessions/%d/book", session))
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, page, "This session is for one agency only")
	resp, _ = insider.post(fmt.Sprintf("/sessions/%d/book", session), bookingDetails())
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)

	outsider := a.as(t, "outsider@example.org")
	resp, page = outsider.get("/invite/" + token)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, page, "This session is for one agency only")
	resp, _ = outsider.post(fmt.Sprintf("/sessions/%d/book", session), with(bookingDetails(), "invite", token))
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)

	for _, bad := range []string{"nope", "x" + token, "%01", "a%2Fb"} {
		resp, _ = insider.get("/invite/" + bad)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, bad)
	}
	resp, _ = insider.get("/invite/%00")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Zero(t, a.countRows(t, "SELECT count(*) FROM bookings"))

	resp, page = insider.get("/invite/" + token)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, `<input type="hidden" name="invite" value="`+token+`">`)
	assert.Contains(t, page, fmt.Sprintf(`action="/sessions/%d/book"`, session))
	resp, _ = insider.post(fmt.Sprintf("/sessions/%d/book", session), with(bookingDetails(), "invite", token))
	id, _ := bookingIn(t, resp)
	status, _ := a.bookingState(t, id)
	assert.Equal(t, "confirmed", status)
	assert.NotContains(t, a.logs.String(), token, "an invite link is a secret: it never reaches the logs")
	assert.Contains(t, a.logs.String(), "/invite/(secret)")
}

// A place comes up for the person waiting: they accept it; a second offer
// runs out before it is answered.
func TestOffersFromTheWaitingList(t *testing.T) {
	t.Parallel()
	a := setup(t)
	for _, p := range []string{"first", "second", "third"} {
		a.newUser(t, p+"@example.org", "")
	}
	session := a.addSession(t, 1, 10*24*time.Hour, 3*24*time.Hour)
	first := a.as(t, "first@example.org")
	placed := first.book(session, bookingDetails())
	second := a.as(t, "second@example.org")
	waiting := second.book(session, with(bookingDetails(), "join-waiting-list", "yes"))
	third := a.as(t, "third@example.org")
	waitingToo := third.book(session, with(bookingDetails(), "join-waiting-list", "yes"))

	first.post(fmt.Sprintf("/bookings/%d/cancel", placed), url.Values{})
	_, page := second.get("/my-training")
	assert.Contains(t, page, "Places offered to you")
	assert.Contains(t, page, fmt.Sprintf(`action="/bookings/%d/accept"`, waiting))
	_, page = second.get(fmt.Sprintf("/bookings/%d", waiting))
	assert.Contains(t, page, "Place offered: accept by")

	// Only the person may accept.
	resp, _ := first.post(fmt.Sprintf("/bookings/%d/accept", waiting), url.Values{})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	resp, _ = second.post(fmt.Sprintf("/bookings/%d/accept", waiting), url.Values{})
	assert.Equal(t, fmt.Sprintf("/bookings/%d?done=accepted", waiting), resp.Header.Get("Location"))
	status, _ := a.bookingState(t, waiting)
	assert.Equal(t, "confirmed", status)
	resp, page = second.post(fmt.Sprintf("/bookings/%d/accept", waiting), url.Values{})
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "This offer has expired or has already been answered")

	// The place is given up again; the third person's offer runs out.
	second.post(fmt.Sprintf("/bookings/%d/cancel", waiting), url.Values{})
	status, _ = a.bookingState(t, waitingToo)
	require.Equal(t, "offered", status)
	a.clock.Advance(3 * 24 * time.Hour)
	third = a.as(t, "third@example.org")
	resp, page = third.post(fmt.Sprintf("/bookings/%d/accept", waitingToo), url.Values{})
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "This offer has expired or has already been answered")
	status, _ = a.bookingState(t, waitingToo)
	assert.Equal(t, "offered", status, "not confirmed: expiry is the job's to record")
}

func TestDeclineAnOfferAndLeaveTheWaitingList(t *testing.T) {
	t.Parallel()
	a := setup(t)
	for _, p := range []string{"first", "second", "third"} {
		a.newUser(t, p+"@example.org", "")
	}
	session := a.addSession(t, 1, 10*24*time.Hour, 3*24*time.Hour)
	first := a.as(t, "first@example.org")
	placed := first.book(session, bookingDetails())
	second := a.as(t, "second@example.org")
	offered := second.book(session, with(bookingDetails(), "join-waiting-list", "yes"))
	third := a.as(t, "third@example.org")
	waiting := third.book(session, with(bookingDetails(), "join-waiting-list", "yes"))
	_, page := third.get("/my-training")
	assert.Contains(t, page, "Number 2")

	first.post(fmt.Sprintf("/bookings/%d/cancel", placed), url.Values{})
	resp, _ := second.post(fmt.Sprintf("/bookings/%d/leave", offered), url.Values{})
	assert.Equal(t, "/my-training?done=declined", resp.Header.Get("Location"))
	status, _ := a.bookingState(t, offered)
	assert.Equal(t, "left", status)
	status, _ = a.bookingState(t, waiting)
	assert.Equal(t, "offered", status, "the declined place goes to the next person")
	resp, page = second.post(fmt.Sprintf("/bookings/%d/leave", offered), url.Values{})
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "This offer has expired or has already been answered")

	a.newUser(t, "fourth@example.org", "")
	fourth := a.as(t, "fourth@example.org")
	last := fourth.book(session, with(bookingDetails(), "join-waiting-list", "yes"))
	resp, _ = fourth.post(fmt.Sprintf("/bookings/%d/leave", last), url.Values{})
	assert.Equal(t, "/my-training?done=left", resp.Header.Get("Location"))
	_, page = fourth.get(resp.Header.Get("Location"))
	assert.Contains(t, page, "You have left the waiting list")
	assert.Contains(t, page, "You are not on any waiting lists.")
}

func TestPassAPlaceToAColleague(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "sam@example.org", "")
	colleague := a.newUser(t, "kim@example.org", "")
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	c := a.as(t, "sam@example.org")
	id := c.book(session, bookingDetails())
	a.clock.Advance(8 * 24 * time.Hour) // after the cut-off: still not late
	c = a.as(t, "sam@example.org")

	path := fmt.Sprintf("/bookings/%d/substitute", id)
	resp, page := c.get(path)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "never recorded as a late cancellation")

	resp, page = c.post(path, url.Values{"colleague-email": {"nobody@example.org"}, "line-manager-name": {"Jo"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	summary := errorSummary(page)
	assert.Contains(t, summary, "Enter your colleague’s line manager’s email address", "the form asks about the colleague")
	assert.Contains(t, summary, "Confirm that your colleague agrees to the cancellation policy")
	assert.Contains(t, page, `value="nobody@example.org"`)
	resp, page = c.post(path, with(bookingDetails(), "colleague-email", "nobody@example.org"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "There is no account with that email address")
	status, _ := a.bookingState(t, id)
	assert.Equal(t, "confirmed", status, "a refused substitution changes nothing")

	resp, _ = c.post(path, with(bookingDetails(), "colleague-email", "kim@example.org"))
	assert.Equal(t, fmt.Sprintf("/bookings/%d?done=substituted", id), resp.Header.Get("Location"))
	status, late := a.bookingState(t, id)
	assert.Equal(t, "substituted", status)
	assert.False(t, late)
	assert.Equal(t, 1, a.countRows(t, "SELECT count(*) FROM bookings WHERE user_id = $1 AND status = 'confirmed'", colleague))
	_, page = c.get(resp.Header.Get("Location"))
	assert.Contains(t, page, "The place has passed to the colleague")
	assert.Contains(t, page, `id="status">Passed to a colleague<`)
	assert.NotContains(t, page, "/cancel\"", "nothing left to change")
}

func TestMyTraining(t *testing.T) {
	t.Parallel()
	a := setup(t)
	sam := a.newUser(t, "sam@example.org", "")
	a.newUser(t, "first@example.org", "")
	c := a.as(t, "sam@example.org")

	_, page := c.get("/my-training")
	assert.Contains(t, page, "You have no training booked.")
	assert.Contains(t, page, `<a class="govuk-link" href="/courses">Find a course</a>`)
	assert.Contains(t, page, "You are not on any waiting lists.")
	assert.Contains(t, page, "Training you attend will appear here")
	assert.NotContains(t, page, "Print your training record")

	upcoming := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	full := a.addSession(t, 1, 20*24*time.Hour, 3*24*time.Hour)
	a.as(t, "first@example.org").book(full, bookingDetails())
	booked := c.book(upcoming, bookingDetails())
	waiting := c.book(full, with(bookingDetails(), "join-waiting-list", "yes"))

	// Two sessions in the past, attended (6.5 hours) and arrived late (3 hours).
	a.addAttended(t, sam, 40*24*time.Hour, 390*time.Minute, "attended")
	a.addAttended(t, sam, 20*24*time.Hour, 3*time.Hour, "late")

	_, page = c.get("/my-training")
	assert.Contains(t, page, fmt.Sprintf(`href="/bookings/%d"`, booked))
	assert.Contains(t, page, fmt.Sprintf(`href="/bookings/%d"`, waiting))
	assert.Contains(t, page, "Number 1")
	assert.Contains(t, page, ">6.5 hours</td>")
	assert.Contains(t, page, ">3 hours</td>")
	assert.Contains(t, page, ">Attended (arrived late)</td>")
	assert.Contains(t, page, "Total: 9.5 hours of training.")
	assert.Contains(t, page, `href="/my-training/record"`)
	assert.NotContains(t, page, "You have no training booked.")
	assert.NotContains(t, page, "Places offered to you")

	resp, page := c.get("/my-training/record")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Training record")
	assert.Contains(t, page, "Sam Tester")
	assert.Contains(t, page, ">6.5 hours</td>")
	assert.Contains(t, page, "9.5 hours")
	assert.NotContains(t, page, fmt.Sprintf(`href="/bookings/%d"`, booked), "the record holds attended training only")
}

func TestCoursePageLinksToBooking(t *testing.T) {
	t.Parallel()
	a := setup(t)
	ctx := context.Background()
	var slug string
	var open, full int64
	require.NoError(t, a.pool.QueryRow(ctx, `
		SELECT c.slug, min(s.id), max(s.id) FROM sessions s JOIN courses c ON c.id = s.course_id
		WHERE s.status = 'published' AND s.closed_to_agency_id IS NULL
		GROUP BY c.slug HAVING count(*) > 1 ORDER BY c.slug LIMIT 1`).Scan(&slug, &open, &full))
	_, err := a.pool.Exec(ctx, "UPDATE sessions SET capacity = 1, agency_cap = NULL, sector_cap = NULL, caps_release_at = NULL WHERE id = $1", full)
	require.NoError(t, err)
	a.newUser(t, "first@example.org", "")
	a.as(t, "first@example.org").book(full, bookingDetails())

	resp, page := a.get(t, "/courses/"+slug)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Regexp(t, fmt.Sprintf(`<a class="govuk-link" href="/sessions/%d/book">Book a place<span class="govuk-visually-hidden"> on [A-Z][a-z]+day \d`, open), page)
	assert.Regexp(t, fmt.Sprintf(`<a class="govuk-link" href="/sessions/%d/book">Join the waiting list<span class="govuk-visually-hidden"> on `, full), page)
}
