package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/browsertest"
)

// listFixture is a manager signed in, and a session of the first course
// starting in ten days, with booking closing three days before.
type listFixture struct {
	a       testApp
	boss    *client
	bossID  int64
	session int64
	svc     *booking.Service // to set the scene; changes under test go through HTTP
}

func setupList(t *testing.T, capacity int) listFixture {
	t.Helper()
	a := setup(t)
	f := listFixture{a: a, bossID: a.newUser(t, "boss@example.org", "", "manager")}
	f.boss = a.as(t, "boss@example.org")
	f.session = a.addSession(t, capacity, 10*24*time.Hour, 3*24*time.Hour)
	f.svc = booking.New(a.pool, nil, nil, "", a.clock.Now, nil)
	return f
}

// bookIn books a new practitioner onto session (or its waiting list) and
// returns their ID and booking.
func (f listFixture) bookIn(t *testing.T, addr string, session int64) (person, bookingID int64) {
	t.Helper()
	person = f.a.newUser(t, addr, "")
	out, err := f.svc.Book(actor.With(context.Background(), actor.Actor{ID: person}), booking.Request{
		SessionID: session, PersonID: person, JoinWaitingList: true,
		Details: booking.Details{LineManagerName: "Lee Manager", LineManagerEmail: "lee@example.org", AgreePolicy: true},
	})
	require.NoError(t, err)
	return person, out.BookingID
}

func (f listFixture) list(session int64) string {
	return fmt.Sprintf("/admin/sessions/%d/bookings", session)
}

// emailsTo counts the emails kept for person whose subject starts with subject.
func (f listFixture) emailsTo(t *testing.T, person int64, subject string) int {
	t.Helper()
	var n int
	require.NoError(t, f.a.pool.QueryRow(context.Background(),
		"SELECT count(*) FROM emails WHERE user_id = $1 AND subject LIKE $2 || '%'", person, subject).Scan(&n))
	return n
}

func (f listFixture) audited(t *testing.T, action string, subject int64) int {
	t.Helper()
	var n int
	require.NoError(t, f.a.pool.QueryRow(context.Background(),
		"SELECT count(*) FROM audit_events WHERE action = $1 AND actor_id = $2 AND subject_user_id = $3",
		action, f.bossID, subject).Scan(&n))
	return n
}

// bookingsDigest sums up every booking, to show a refused change changed nothing.
func (f listFixture) bookingsDigest(t *testing.T) string {
	t.Helper()
	var s string
	require.NoError(t, f.a.pool.QueryRow(context.Background(), `
		SELECT coalesce(md5(string_agg(concat_ws(',', id, session_id, user_id, status, late, end_note, queue_position, replaced_by), ';' ORDER BY id)), '')
		FROM bookings`).Scan(&s))
	return s
}

func TestSessionBookingsAreForManagersOnly(t *testing.T) {
	t.Parallel()
	f := setupList(t, 5)
	_, held := f.bookIn(t, "held@example.org", f.session)
	before := f.bookingsDigest(t)
	base := f.list(f.session)

	resp, _ := f.a.client(t).get(base)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "signed out: sent to sign in")
	for _, role := range []string{"", "trainer", "coordinator"} {
		addr := "as-" + role + "@example.org"
		var roles []string
		if role != "" {
			roles = append(roles, role)
		}
		f.a.newUser(t, addr, "", roles...)
		c := f.a.as(t, addr)
		for _, path := range []string{base, base + "/add", fmt.Sprintf("%s/%d/remove", base, held),
			fmt.Sprintf("%s/%d/move", base, held), fmt.Sprintf("%s/%d/late", base, held),
			fmt.Sprintf("%s/%d/reorder?direction=up", base, held)} {
			resp, _ := c.get(path)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, "GET %s as %q", path, role)
		}
		c.get("/account")
		resp, _ := c.post(base+"/add", with(bookingDetails(), "person-email", addr))
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		resp, _ = c.post(fmt.Sprintf("%s/%d/remove", base, held), url.Values{"note": {"Sneaky"}})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	}
	assert.Equal(t, before, f.bookingsDigest(t), "nothing changed")
}

func TestABookingOfAnotherSessionIsNotFound(t *testing.T) {
	t.Parallel()
	f := setupList(t, 5)
	other := f.a.addSession(t, 5, 20*24*time.Hour, 3*24*time.Hour)
	_, held := f.bookIn(t, "held@example.org", other)
	before := f.bookingsDigest(t)
	base := f.list(f.session)
	for _, act := range []string{"remove", "move", "late", "reorder?direction=up"} {
		resp, _ := f.boss.get(fmt.Sprintf("%s/%d/%s", base, held, act))
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, act)
		resp, _ = f.boss.get(fmt.Sprintf("%s/%d/%s", base, 999999, act))
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, act)
	}
	f.boss.get(base)
	resp, _ := f.boss.post(fmt.Sprintf("%s/%d/remove", base, held), url.Values{"note": {"Wrong session"}})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = f.boss.post(fmt.Sprintf("%s/%d/move", base, held), url.Values{"to-session": {fmt.Sprint(f.session)}})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = f.boss.get("/admin/sessions/999999/bookings")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, before, f.bookingsDigest(t), "nothing changed")
}

func TestManagerAddsAndRemovesThroughTheList(t *testing.T) {
	t.Parallel()
	f := setupList(t, 1)
	c := f.boss
	_, page := c.get(fmt.Sprintf("/admin/sessions/%d", f.session))
	assert.Contains(t, page, `href="/admin/sessions/`+fmt.Sprint(f.session)+`/bookings">Bookings (0 booked, 0 waiting)</a>`)
	assert.Contains(t, page, `href="/sessions/`+fmt.Sprint(f.session)+`/register">Take the register</a>`)
	_, page = c.get(f.list(f.session))
	assert.Contains(t, page, "No one has a place yet")

	// Bad input: the error summary, and nothing booked.
	pat := f.a.newUser(t, "pat@example.org", "")
	c.get(f.list(f.session) + "/add")
	resp, page := c.post(f.list(f.session)+"/add", with(bookingDetails(), "person-email", "nobody@example.org"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "There is no account with that email address")
	resp, page = c.post(f.list(f.session)+"/add", with(bookingDetails(), "person-email", "pat@example.org", "line-manager-name", ""))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Enter their line manager’s name")
	assert.Contains(t, page, `value="pat@example.org"`, "what was typed is kept")
	assert.Empty(t, f.bookingsDigest(t), "nothing booked")

	resp, _ = c.post(f.list(f.session)+"/add", with(bookingDetails(), "person-email", "pat@example.org", "dietary-needs", "Vegan"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, f.list(f.session)+"?done=added", resp.Header.Get("Location"))
	assert.Equal(t, 1, f.emailsTo(t, pat, "Booking confirmed"))
	assert.Equal(t, 1, f.audited(t, "booking_added", pat))

	// The session is full now: another needs the waiting list.
	sam := f.a.newUser(t, "sam@example.org", "")
	resp, page = c.post(f.list(f.session)+"/add", with(bookingDetails(), "person-email", "sam@example.org"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "The session is full")
	resp, _ = c.post(f.list(f.session)+"/add", with(bookingDetails(), "person-email", "sam@example.org", "join-waiting-list", "yes"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, f.list(f.session)+"?done=waiting", resp.Header.Get("Location"))

	_, page = c.get(f.list(f.session))
	assert.Contains(t, page, "Pat Tester")
	assert.Contains(t, page, "pat@example.org")
	assert.Contains(t, page, "A hearing loop")
	assert.Contains(t, page, "Vegan")
	assert.Contains(t, page, "Lee Manager")
	assert.Contains(t, page, "Sam Tester")
	_, page = c.get(fmt.Sprintf("/admin/sessions/%d", f.session))
	assert.Contains(t, page, "Bookings (1 booked, 1 waiting)")

	// Remove Pat's place: a note is required.
	var held int64
	require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT id FROM bookings WHERE user_id = $1", pat).Scan(&held))
	remove := fmt.Sprintf("%s/%d/remove", f.list(f.session), held)
	resp, page = c.get(remove)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Remove Pat Tester’s place")
	assert.Contains(t, page, `aria-describedby="late-item-hint">`, "before the cut-off, not late unless the manager says so")
	before := f.bookingsDigest(t)
	resp, page = c.post(remove, url.Values{"note": {"  "}, "late": {"yes"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Enter why the booking is being removed")
	assert.Equal(t, before, f.bookingsDigest(t), "nothing changed")
	resp, _ = c.post(remove, url.Values{"note": {"Left the agency"}, "late": {"yes"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	status, late := f.a.bookingState(t, held)
	assert.Equal(t, "cancelled", status)
	assert.True(t, late)
	assert.Equal(t, 1, f.emailsTo(t, pat, "Booking cancelled"), "the person is told")
	assert.Equal(t, 1, f.emailsTo(t, sam, "A place is available"), "the place is offered to the person waiting")
	assert.Equal(t, 1, f.audited(t, "booking_cancelled", pat))

	_, page = c.get(f.list(f.session) + "?done=removed")
	assert.Contains(t, page, "Booking removed")
	assert.Contains(t, page, "Late cancellation")
	assert.Contains(t, page, "Left the agency")
	assert.Contains(t, page, "Places offered or held for payment")

	// Removing it again is refused with a message, not an error page.
	resp, page = c.post(remove, url.Values{"note": {"Again"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "already ended")
}

func TestManagerMovesAPlaceThroughTheList(t *testing.T) {
	t.Parallel()
	f := setupList(t, 5)
	c := f.boss
	target := f.a.addSession(t, 1, 20*24*time.Hour, 3*24*time.Hour)
	full := f.a.addSession(t, 1, 25*24*time.Hour, 3*24*time.Hour)
	f.bookIn(t, "occupant@example.org", full)
	person, held := f.bookIn(t, "mover@example.org", f.session)
	move := fmt.Sprintf("%s/%d/move", f.list(f.session), held)

	resp, page := c.get(move)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, fmt.Sprintf(`<option value="%d"`, target))
	assert.NotContains(t, page, fmt.Sprintf(`<option value="%d"`, full), "a full session is not offered")

	before := f.bookingsDigest(t)
	resp, page = c.post(move, url.Values{"to-session": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Choose a session to move them to")
	resp, page = c.post(move, url.Values{"to-session": {fmt.Sprint(full)}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "no places left")
	assert.Equal(t, before, f.bookingsDigest(t), "nothing changed")

	resp, _ = c.post(move, url.Values{"to-session": {fmt.Sprint(target)}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	status, _ := f.a.bookingState(t, held)
	assert.Equal(t, "moved", status)
	var moved int
	require.NoError(t, f.a.pool.QueryRow(context.Background(),
		"SELECT count(*) FROM bookings WHERE session_id = $1 AND user_id = $2 AND status = 'confirmed'", target, person).Scan(&moved))
	assert.Equal(t, 1, moved)
	assert.Equal(t, 1, f.emailsTo(t, person, "Your place has been moved"))
	assert.Equal(t, 1, f.audited(t, "booking_moved", person))
	_, page = c.get(f.list(f.session))
	assert.Contains(t, page, "Moved to another session")
}

func TestManagerReordersTheWaitingList(t *testing.T) {
	t.Parallel()
	f := setupList(t, 1)
	c := f.boss
	f.bookIn(t, "holder@example.org", f.session)
	_, first := f.bookIn(t, "first@example.org", f.session)
	second, secondBooking := f.bookIn(t, "second@example.org", f.session)

	_, page := c.get(f.list(f.session))
	up := fmt.Sprintf("%s/%d/reorder?direction=up", f.list(f.session), secondBooking)
	assert.Contains(t, page, `href="`+htmlEscape(up)+`"`, "the second person can move up")
	assert.NotContains(t, page, fmt.Sprintf("%d/reorder?direction=up", first), "the first cannot")
	assert.Less(t, strings.Index(page, "First Tester"), strings.Index(page, "Second Tester"))

	resp, page := c.get(up)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "number 2 on the waiting list")
	post := fmt.Sprintf("%s/%d/reorder", f.list(f.session), secondBooking)
	before := f.bookingsDigest(t)
	resp, page = c.post(post, url.Values{"direction": {"up"}, "reason": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Enter why you are changing the order")
	assert.Equal(t, before, f.bookingsDigest(t), "nothing changed")

	resp, _ = c.post(post, url.Values{"direction": {"up"}, "reason": {"Needs it to keep their registration"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = c.get(f.list(f.session))
	assert.Less(t, strings.Index(page, "Second Tester"), strings.Index(page, "First Tester"), "the order changed")
	assert.Equal(t, 1, f.audited(t, "waiting_list_reordered", second))

	resp, page = c.post(post, url.Values{"direction": {"up"}, "reason": {"Again"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "already first")
	resp, _ = c.post(post, url.Values{"direction": {"sideways"}, "reason": {"Again"}})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestManagerMarksACancellationLate(t *testing.T) {
	t.Parallel()
	f := setupList(t, 5)
	c := f.boss
	person, held := f.bookIn(t, "pat@example.org", f.session)
	late := fmt.Sprintf("%s/%d/late", f.list(f.session), held)

	c.get(late)
	resp, page := c.post(late, url.Values{"late": {"yes"}, "reason": {"Rang after the cut-off"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Only a cancelled booking")

	_, err := f.svc.Cancel(actor.With(context.Background(), actor.Actor{ID: person}), held)
	require.NoError(t, err)
	_, page = c.get(f.list(f.session))
	assert.Contains(t, page, "Mark as late")
	resp, page = c.get(late)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, `value="yes" checked`, "the usual change is chosen")

	before := f.bookingsDigest(t)
	resp, page = c.post(late, url.Values{"late": {"yes"}, "reason": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Enter why you are changing this")
	resp, page = c.post(late, url.Values{"reason": {"Rang after the cut-off"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Select whether the cancellation was late")
	assert.Equal(t, before, f.bookingsDigest(t), "nothing changed")

	resp, _ = c.post(late, url.Values{"late": {"yes"}, "reason": {"Rang after the cut-off"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, isLate := f.a.bookingState(t, held)
	assert.True(t, isLate)
	assert.Equal(t, 1, f.audited(t, "booking_marked_late", person))
	_, page = c.get(f.list(f.session))
	assert.Contains(t, page, "Mark as not late")
}

// A manager opens a session's list from its page and each change's form,
// with and without mistakes; every page passes axe-core.
func TestBrowserSessionBookingsPages(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	f := listFixture{a: a, bossID: a.newUser(t, "boss@example.org", "", "manager")}
	f.session = a.addSession(t, 2, 10*24*time.Hour, 3*24*time.Hour)
	a.addSession(t, 5, 20*24*time.Hour, 3*24*time.Hour) // somewhere to move to
	f.svc = booking.New(a.pool, nil, nil, "", a.clock.Now, nil)
	gone, cancelled := f.bookIn(t, "gone@example.org", f.session)
	_, held := f.bookIn(t, "held@example.org", f.session)
	f.bookIn(t, "offered@example.org", f.session)
	_, waiting := f.bookIn(t, "waiting@example.org", f.session)
	f.bookIn(t, "last@example.org", f.session)
	_, err := f.svc.Cancel(actor.With(context.Background(), actor.Actor{ID: gone}), cancelled)
	require.NoError(t, err)

	b := browsertest.New(t)
	browsertest.Navigate(t, b, base+"/sign-in")
	require.NoError(t, chromedp.Do(b,
		chromedp.SendKeys(chromedp.ID("email"), "boss@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
	))
	follow(t, b, "form[action='/sign-in'] button[type=submit]")

	browsertest.Navigate(t, b, fmt.Sprintf("%s/admin/sessions/%d", base, f.session))
	u := follow(t, b, "a[href$='/bookings']")
	assert.Equal(t, f.list(f.session), u.Path)
	assert.Equal(t, "Bookings", text(t, b, "h1"))
	for _, section := range []string{"#places", "#offers", "#waiting", "#ended"} {
		assert.NotEmpty(t, text(t, b, section), section)
	}
	checkPage(t, b)

	// Each form is checked as it shows a mistake: the form and its error summary.
	follow(t, b, "a[href$='/bookings/add']")
	followExpecting(t, b, "main form button[type=submit]", 422)
	assert.Contains(t, text(t, b, ".govuk-error-summary"), "Enter the email address of the person to book")
	checkPage(t, b)

	for _, page := range []string{
		fmt.Sprintf("%d/remove", held), fmt.Sprintf("%d/move", held), fmt.Sprintf("%d/late", cancelled),
		fmt.Sprintf("%d/remove", waiting),
	} {
		browsertest.Navigate(t, b, base+f.list(f.session)+"/"+page)
		followExpecting(t, b, "main form button[type=submit]", 422)
		checkPage(t, b)
	}
	browsertest.Navigate(t, b, fmt.Sprintf("%s%s/%d/reorder?direction=down", base, f.list(f.session), waiting))
	followExpecting(t, b, "main form button[type=submit]", 422)
	assert.Contains(t, text(t, b, ".govuk-error-summary"), "Enter why you are changing the order")
	checkPage(t, b)
}
