package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/scheduling"
)

// hrefOf returns the (unescaped) address of the first link whose address
// starts with prefix.
func hrefOf(t *testing.T, page, prefix string) string {
	t.Helper()
	m := regexp.MustCompile(`href="(` + regexp.QuoteMeta(prefix) + `[^"]*)"`).FindStringSubmatch(page)
	require.NotNil(t, m, "no link to %s", prefix)
	return html.UnescapeString(m[1])
}

// nextOf returns the destination a link carries.
func nextOf(t *testing.T, href string) string {
	t.Helper()
	u, err := url.Parse(href)
	require.NoError(t, err)
	return u.Query().Get("next")
}

// hiddenNext returns the value of a form's hidden "next" field, or "".
func hiddenNext(page string) string {
	m := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// A signed-out person presses "Book a place", creates an account, confirms
// their address from the email and signs in once: they land on that
// session's booking form, not on Your account.
func TestSignUpFromBookAPlaceLandsOnTheBookingForm(t *testing.T) {
	t.Parallel()
	a := setup(t)
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	form := fmt.Sprintf("/sessions/%d/book", session)
	var agencyID int64
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT min(id) FROM agencies").Scan(&agencyID))
	c := a.client(t)

	resp, _ := c.get(form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	signIn := resp.Header.Get("Location")
	assert.Equal(t, "/sign-in?next="+url.QueryEscape(form), signIn)

	_, page := c.get(signIn)
	assert.Contains(t, page, "Sign in to book your place")
	signUp := hrefOf(t, page, "/sign-up?")
	assert.Equal(t, form, nextOf(t, signUp))
	assert.Equal(t, form, nextOf(t, hrefOf(t, page, "/forgot-password?")))

	_, page = c.get(signUp)
	assert.Equal(t, form, hiddenNext(page))
	details := url.Values{
		"full-name": {"Sam Jones"}, "email": {"sam@example.org"}, "job-title": {"Health visitor"},
		"agency": {strconv.FormatInt(agencyID, 10)}, "password": {"tide comes in at southsea"}, "next": {form},
	}
	// A mistake keeps the destination in the form shown again.
	resp, page = c.post("/sign-up", with(details, "job-title", ""))
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, form, hiddenNext(page))

	resp, _ = c.post("/sign-up", details)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	checkEmail := resp.Header.Get("Location")
	assert.Equal(t, "/sign-up/check-email?next="+url.QueryEscape(form), checkEmail)
	_, page = c.get(checkEmail)
	assert.Equal(t, form, nextOf(t, hrefOf(t, page, "/sign-in?")))

	subject, link := a.lastEmail(t, "sam@example.org")
	require.Equal(t, "Confirm your email address", subject)
	verify, err := url.Parse(link)
	require.NoError(t, err)
	assert.Equal(t, form, verify.Query().Get("next"), "the emailed link carries the booking form")

	_, page = c.get(verify.RequestURI())
	assert.Equal(t, form, hiddenNext(page))
	resp, _ = c.post("/verify-email", url.Values{"token": {verify.Query().Get("token")}, "password": {"tide comes in at southsea"}, "next": {form}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, form, resp.Header.Get("Location"), "confirmed, signed in, and on to the booking form")

	resp, page = c.get(form)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, `<h1 class="govuk-heading-l">Book a place</h1>`)
}

// The same journey when the person has forgotten their password: the reset
// link and the page after it carry the booking form too.
func TestPasswordResetFromBookAPlaceLandsOnTheBookingForm(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "robin@example.org", "")
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	form := fmt.Sprintf("/sessions/%d/book", session)
	c := a.client(t)

	_, page := c.get("/forgot-password?next=" + url.QueryEscape(form))
	assert.Equal(t, form, hiddenNext(page))
	resp, _ := c.post("/forgot-password", url.Values{"email": {"robin@example.org"}, "next": {form}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/forgot-password/check-email?next="+url.QueryEscape(form), resp.Header.Get("Location"))

	_, link := a.lastEmail(t, "robin@example.org")
	reset, err := url.Parse(link)
	require.NoError(t, err)
	assert.Equal(t, form, reset.Query().Get("next"))
	_, page = c.get(reset.RequestURI())
	assert.Equal(t, form, hiddenNext(page))
	_, page = c.post("/reset-password", url.Values{"token": {reset.Query().Get("token")}, "password": {"a brand new harbour password"}, "next": {form}})
	assert.Contains(t, page, "Your password has been reset")
	signIn := hrefOf(t, page, "/sign-in?")
	assert.Equal(t, form, nextOf(t, signIn))

	c.get(signIn)
	resp, _ = c.post("/sign-in", url.Values{"email": {"robin@example.org"}, "password": {"a brand new harbour password"}, "next": {form}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, form, resp.Header.Get("Location"))
}

// Nothing but a local address survives sign-in, and nothing but a booking
// form travels through sign-up and its emails.
func TestDestinationsAreNeverAnOpenRedirect(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "robin@example.org", "")
	var agencyID int64
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT min(id) FROM agencies").Scan(&agencyID))

	for i, next := range []string{
		"//evil.example", "https://evil.example", "/\\evil.example", "/\\/evil.example", "/\t/evil.example",
		"http:/evil.example", "javascript:alert(1)", "/sessions/1/book/../../../account/delete",
		"/sessions/1/book?x=//evil.example", " /sessions/1/book",
	} {
		t.Run(strconv.Quote(next), func(t *testing.T) {
			c := a.client(t)
			_, page := c.get("/sign-up?next=" + url.QueryEscape(next))
			assert.Empty(t, hiddenNext(page), "no destination in the sign-up form")

			addr := fmt.Sprintf("newcomer%d@example.org", i)
			resp, _ := c.post("/sign-up", url.Values{
				"full-name": {"New Comer"}, "email": {addr}, "job-title": {"Teacher"},
				"agency": {strconv.FormatInt(agencyID, 10)}, "password": {"tide comes in at southsea"}, "next": {next},
			})
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			assert.Equal(t, "/sign-up/check-email", resp.Header.Get("Location"))
			_, link := a.lastEmail(t, addr)
			u, err := url.Parse(link)
			require.NoError(t, err)
			assert.Equal(t, "", u.Query().Get("next"), "the email carries no destination")

			resp, _ = c.post("/verify-email", url.Values{"token": {u.Query().Get("token")}, "password": {"tide comes in at southsea"}, "next": {next}})
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			assert.Equal(t, "/account?confirmed=1", resp.Header.Get("Location"), "confirmed, and nowhere else")
			c.get("/account")
			resp, _ = c.post("/sign-out", url.Values{})
			require.Equal(t, http.StatusOK, resp.StatusCode)

			c.get("/sign-in?next=" + url.QueryEscape(next))
			resp, _ = c.post("/sign-in", url.Values{"email": {"robin@example.org"}, "password": {testPassword}, "next": {next}})
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			loc := resp.Header.Get("Location")
			if loc != "/account" {
				// Only a path on this site may be kept, however it is written.
				assert.True(t, strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//") && !strings.ContainsAny(loc, "\\\t"), loc)
				target, err := url.Parse(loc)
				require.NoError(t, err)
				assert.Empty(t, target.Host, loc)
			}
		})
	}
}

// A second sign-up with the address of an account still waiting for
// confirmation changes nothing in it, even carrying a destination: only the
// emailed links bring the mailbox's owner back to the booking form.
func TestRepeatSignUpWithADestinationChangesNothing(t *testing.T) {
	t.Parallel()
	a := setup(t)
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	form := fmt.Sprintf("/sessions/%d/book", session)
	var agencyID int64
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT min(id) FROM agencies").Scan(&agencyID))
	c := a.client(t)
	c.get("/sign-up")
	first := url.Values{
		"full-name": {"Sam Jones"}, "email": {"sam@example.org"}, "job-title": {"Health visitor"},
		"agency": {strconv.FormatInt(agencyID, 10)}, "password": {"tide comes in at southsea"},
	}
	resp, _ := c.post("/sign-up", first)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	row := func() string {
		var s string
		require.NoError(t, a.pool.QueryRow(context.Background(), `
			SELECT concat_ws('|', full_name, job_title, agency_id, unlisted_agency_name, password_hash, email_verified_at, updated_at)
			FROM users WHERE email = 'sam@example.org'`).Scan(&s))
		return s
	}
	before := row()

	other := a.client(t)
	other.get("/sign-up?next=" + url.QueryEscape(form))
	again := with(first, "full-name", "Someone Else", "password", "another harbour password here", "next", form)
	again.Del("_csrf") // the first client's
	resp, _ = other.post("/sign-up", again)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, before, row(), "the waiting account is unchanged")

	subject, link := a.lastEmail(t, "sam@example.org")
	assert.Equal(t, "An account is waiting for you to confirm your email address", subject)
	u, err := url.Parse(link)
	require.NoError(t, err)
	assert.Equal(t, form, u.Query().Get("next"))
}

// The line manager given at a booking fills in the next booking form, can be
// changed on the profile page, and goes with the account's erasure.
func TestLineManagerIsRememberedFromTheLastBooking(t *testing.T) {
	t.Parallel()
	a := setup(t)
	id := a.newUser(t, "sam@example.org", "")
	first := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	second := a.addSession(t, 10, 20*24*time.Hour, 3*24*time.Hour)
	sam := a.as(t, "sam@example.org")

	_, page := sam.get(fmt.Sprintf("/sessions/%d/book", first))
	assert.Equal(t, "", inputValue(t, page, "line-manager-name"), "nothing to remember yet")
	assert.NotContains(t, page, "We have filled in the line manager you gave last time")
	sam.book(first, with(bookingDetails(), "line-manager-name", "Lee Manager", "line-manager-email", "Lee@Example.org"))

	_, page = sam.get(fmt.Sprintf("/sessions/%d/book", second))
	assert.Equal(t, "Lee Manager", inputValue(t, page, "line-manager-name"))
	assert.Equal(t, "Lee@Example.org", inputValue(t, page, "line-manager-email"))
	assert.Contains(t, page, "We have filled in the line manager you gave last time")

	// A failed booking remembers nothing: the booking's transaction does.
	resp, _ := sam.post(fmt.Sprintf("/sessions/%d/book", second),
		with(bookingDetails(), "line-manager-name", "Wrong Person", "agree-policy", ""))
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	_, page = sam.get("/account/profile")
	assert.Equal(t, "Lee Manager", inputValue(t, page, "line-manager-name"))

	// The profile page changes it, with the booking form's rules.
	resp, page = sam.post("/account/profile", url.Values{"full-name": {"Sam Tester"}, "job-title": {"Practitioner"},
		"line-manager-name": {"Kim New"}, "line-manager-email": {"not an address"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, "Enter your line manager’s email address in the correct format, like name@example.org", errorSummary(page))
	resp, page = sam.post("/account/profile", url.Values{"full-name": {"Sam Tester"}, "job-title": {"Practitioner"},
		"line-manager-name": {""}, "line-manager-email": {"kim@example.org"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, "Enter your line manager’s name, or clear their email address too", errorSummary(page))
	resp, _ = sam.post("/account/profile", url.Values{"full-name": {"Sam Tester"}, "job-title": {"Practitioner"},
		"line-manager-name": {"Kim New"}, "line-manager-email": {"kim@example.org"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = sam.get(fmt.Sprintf("/sessions/%d/book", second))
	assert.Equal(t, "Kim New", inputValue(t, page, "line-manager-name"))
	assert.Equal(t, "kim@example.org", inputValue(t, page, "line-manager-email"))
	var changed string
	require.NoError(t, a.pool.QueryRow(context.Background(),
		"SELECT details->>'changed' FROM audit_events WHERE action = 'profile_changed' AND subject_user_id = $1", id).Scan(&changed))
	assert.Equal(t, `["line_manager"]`, changed, "the audit log names the field, not the person")

	// In the download, and gone with the account.
	sam.get("/account/data")
	resp, body := sam.post("/account/data/download", url.Values{})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `"line_manager_name": "Kim New"`)
	assert.Contains(t, body, `"line_manager_email": "kim@example.org"`)
	sam.get("/account/delete")
	resp, _ = sam.post("/account/delete", url.Values{"password": {testPassword}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	var name, addr string
	require.NoError(t, a.pool.QueryRow(context.Background(),
		"SELECT line_manager_name, line_manager_email::text FROM users WHERE id = $1", id).Scan(&name, &addr))
	assert.Equal(t, "", name)
	assert.Equal(t, "", addr)
}

// A coordinator booking for a colleague does not change the colleague's
// remembered line manager: a profile changes only by its owner's hand.
func TestBookingForSomeoneElseLeavesTheirProfileAlone(t *testing.T) {
	t.Parallel()
	a := setup(t)
	id := a.newUser(t, "sam@example.org", "")
	_, err := a.pool.Exec(context.Background(),
		"UPDATE users SET line_manager_name = 'Lee Manager', line_manager_email = 'lee@example.org' WHERE id = $1", id)
	require.NoError(t, err)
	a.newUser(t, "coordinator@example.org", "", "coordinator")
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	c := a.as(t, "coordinator@example.org")
	path := fmt.Sprintf("/agency/bookings/new?session=%d", session)
	c.get(path)
	form := agencyBookingForm(id)
	form.Set("line-manager-name", "Someone Else")
	resp, page := c.post(path, form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	require.Equal(t, 1, a.countRows(t, "SELECT count(*) FROM bookings WHERE user_id = $1 AND line_manager_name = 'Someone Else'", id))
	var name string
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT line_manager_name FROM users WHERE id = $1", id).Scan(&name))
	assert.Equal(t, "Lee Manager", name)
}

// cancelSession cancels a session as the programme does (scheduling's
// Cancel, ending its bookings), with reason.
func (a testApp) cancelSession(t *testing.T, id int64, reason string) {
	t.Helper()
	jobs, err := queue.NewInsertOnly(a.pool)
	require.NoError(t, err)
	base, _ := url.Parse("http://localhost:3000")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := scheduling.New(a.pool, a.clock.Now, quiet)
	s.Bookings = booking.New(a.pool, email.NewOutbox(jobs), base, "Portsmouth Safeguarding Children Partnership", a.clock.Now, quiet)
	pay := payment.New(a.pool, nil, "", a.clock.Now) // offline, as services wires it without Stripe
	pay.Jobs = email.NewOutbox(jobs)
	pay.Bookings, s.Bookings.Money = s.Bookings, pay
	require.NoError(t, s.Cancel(context.Background(), id, reason))
}

// My training tells apart a place the person cancelled, one cancelled for
// them, and a session the partnership cancelled (with its reason).
func TestMyTrainingTellsWhoCancelled(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "sam@example.org", "")
	a.newUser(t, "boss@example.org", "", "manager")
	a.newUser(t, "coordinator@example.org", "", "coordinator")
	mine := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	byTeam := a.addSession(t, 10, 11*24*time.Hour, 3*24*time.Hour)
	byAgency := a.addSession(t, 10, 12*24*time.Hour, 3*24*time.Hour)
	dropped := a.addSession(t, 10, 13*24*time.Hour, 3*24*time.Hour)
	sam := a.as(t, "sam@example.org")
	own := sam.book(mine, bookingDetails())
	team := sam.book(byTeam, bookingDetails())
	agency := sam.book(byAgency, bookingDetails())
	gone := sam.book(dropped, bookingDetails())

	sam.get(fmt.Sprintf("/bookings/%d/cancel", own))
	resp, _ := sam.post(fmt.Sprintf("/bookings/%d/cancel", own), url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	for who, id := range map[string]int64{"boss@example.org": team, "coordinator@example.org": agency} {
		c := a.as(t, who)
		c.get(fmt.Sprintf("/bookings/%d/cancel", id))
		resp, _ := c.post(fmt.Sprintf("/bookings/%d/cancel", id), url.Values{})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, who)
	}
	a.cancelSession(t, dropped, "The trainer is ill and no one else can deliver it")

	_, page := sam.get("/my-training")
	other := page[strings.Index(page, `id="other"`):]
	row := func(id int64) string {
		t.Helper()
		i := strings.Index(other, fmt.Sprintf(`href="/bookings/%d"`, id))
		require.GreaterOrEqual(t, i, 0, "booking %d is listed", id)
		end := strings.Index(other[i:], "</tr>")
		return other[i : i+end]
	}
	assert.Contains(t, row(own), "Cancelled by you")
	assert.Contains(t, row(team), "Cancelled for you by the training team")
	assert.Contains(t, row(agency), "Cancelled for you by your agency’s coordinator")
	assert.Contains(t, row(gone), "Session cancelled by the training team")
	assert.Contains(t, row(gone), "Their reason: The trainer is ill and no one else can deliver it")
	assert.NotContains(t, row(own), "reason")

	_, page = sam.get(fmt.Sprintf("/bookings/%d", gone))
	assert.Contains(t, page, `id="status">Session cancelled by the training team<`)
	assert.Contains(t, page, `id="cancelled-reason">The trainer is ill and no one else can deliver it<`)
	_, page = sam.get(fmt.Sprintf("/bookings/%d", own))
	assert.Contains(t, page, `id="status">Cancelled by you<`)
	assert.NotContains(t, page, `id="cancelled-reason"`)
	// The manager, looking at it, is not "you".
	_, page = a.as(t, "boss@example.org").get(fmt.Sprintf("/bookings/%d", own))
	assert.Contains(t, page, `id="status">Cancelled by Sam Tester<`)
}

// Someone waiting for a place on a session the partnership cancels did not
// leave the waiting list: the session was cancelled.
func TestWaitingListOfACancelledSessionSaysSo(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "sam@example.org", "")
	a.newUser(t, "alex@example.org", "")
	session := a.addSession(t, 1, 10*24*time.Hour, 3*24*time.Hour)
	a.as(t, "alex@example.org").book(session, bookingDetails())
	sam := a.as(t, "sam@example.org")
	waiting := sam.book(session, with(bookingDetails(), "join-waiting-list", "yes"))
	a.cancelSession(t, session, "Not enough people booked")
	_, page := sam.get(fmt.Sprintf("/bookings/%d", waiting))
	assert.Contains(t, page, `id="status">Session cancelled by the training team<`)
	assert.Contains(t, page, `id="cancelled-reason">Not enough people booked<`)
}

// A place on the agency's invoice shows its price and purchase order on the
// booking page, as a card payment shows what was paid.
func TestInvoicedPlaceShowsPriceAndPurchaseOrder(t *testing.T) {
	t.Parallel()
	a := setup(t) // no Stripe: the agency's invoice
	a.priceSessions(t)
	a.newUser(t, "sam@example.org", "")
	session := a.addSession(t, 10, 40*24*time.Hour, 3*24*time.Hour)
	sam := a.as(t, "sam@example.org")
	id := sam.bookPaid(session)
	sam.get(fmt.Sprintf("/bookings/%d/pay", id))
	resp, _ := sam.post(fmt.Sprintf("/bookings/%d/pay", id), url.Values{"method": {"invoice"}, "purchase-order": {"PO-4471"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	var agency string
	require.NoError(t, a.pool.QueryRow(context.Background(),
		"SELECT a.name FROM bookings b JOIN agencies a ON a.id = b.agency_id WHERE b.id = $1", id).Scan(&agency))
	_, page := sam.get(fmt.Sprintf("/bookings/%d", id))
	assert.Contains(t, page, `id="invoice">£80 on `+html.EscapeString(agency)+`’s invoice: not invoiced yet<`)
	assert.Contains(t, page, `id="purchase-order">PO-4471<`)

	_, err := a.pool.Exec(context.Background(),
		"UPDATE payments SET status = 'invoiced', stripe_invoice_id = 'in_test_1' WHERE booking_id = $1", id)
	require.NoError(t, err)
	_, page = sam.get(fmt.Sprintf("/bookings/%d", id))
	assert.Contains(t, page, "’s invoice: invoiced, not paid yet<")

	// A free place shows neither.
	free := a.addSession(t, 10, 41*24*time.Hour, 3*24*time.Hour)
	_, err = a.pool.Exec(context.Background(), "DELETE FROM course_prices")
	require.NoError(t, err)
	other := sam.book(free, bookingDetails())
	_, page = sam.get(fmt.Sprintf("/bookings/%d", other))
	assert.NotContains(t, page, `id="invoice"`)
	assert.NotContains(t, page, `id="purchase-order"`)
}

// The page saying booking has closed gives the training team's mailbox and
// telephone, not only "contact the training team".
func TestBookingClosedPageGivesTheTrainingTeamsContact(t *testing.T) {
	t.Parallel()
	a := setup(t, func(d *testDeps) {
		d.TrainingEmail, d.TrainingPhone = "training@example.org", "023 9268 8000"
	})
	a.newUser(t, "sam@example.org", "")
	closed := a.addSession(t, 10, 2*24*time.Hour, 3*24*time.Hour) // its cut-off has passed
	sam := a.as(t, "sam@example.org")
	resp, page := sam.get(fmt.Sprintf("/sessions/%d/book", closed))
	require.Equal(t, http.StatusGone, resp.StatusCode)
	assert.Contains(t, page, "Booking has closed for this session")
	assert.Contains(t, page, "If you need a place urgently, contact the training team:")
	assert.Contains(t, page, `<a class="govuk-link" href="mailto:training@example.org">training@example.org</a>`)
	assert.Contains(t, page, `<a class="govuk-link" href="tel:02392688000">023 9268 8000</a>`)

	// A cancelled session has nothing to ask the team for.
	a.cancelSession(t, closed, "Room flooded")
	_, page = sam.get(fmt.Sprintf("/sessions/%d/book", closed))
	assert.Contains(t, page, "Room flooded")
	assert.NotContains(t, page, "mailto:")
}

// Someone who signed in before confirming their address and was stopped at a
// booking form asks for the link again: the new link brings them back there.
func TestResentConfirmationLinkReturnsToTheBookingForm(t *testing.T) {
	t.Parallel()
	a := setup(t)
	id := a.newUser(t, "sam@example.org", "")
	_, err := a.pool.Exec(context.Background(), "UPDATE users SET email_verified_at = NULL WHERE id = $1", id)
	require.NoError(t, err)
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	form := fmt.Sprintf("/sessions/%d/book", session)
	sam := a.as(t, "sam@example.org")
	resp, page := sam.get(form)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, page, "Confirm your email address first")
	assert.Equal(t, form, hiddenNext(page))
	resp, _ = sam.post("/account/resend-verification", url.Values{"next": {hiddenNext(page)}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	_, link := a.lastEmail(t, "sam@example.org")
	assert.Equal(t, form, nextOf(t, link))
}
