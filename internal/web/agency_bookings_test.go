package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// agencyBookingWorld has a coordinator and two colleagues of one agency,
// someone from another agency, and two sessions open to everyone.
type agencyBookingWorld struct {
	testApp
	coordinator, colleague, newcomer, outsider int64
	open, second                               int64
}

func agencyBookingSetup(t *testing.T) agencyBookingWorld {
	t.Helper()
	a := setup(t)
	w := agencyBookingWorld{
		testApp:     a,
		coordinator: a.newUser(t, "coordinator@example.org", coordAgency, "coordinator"),
		colleague:   a.newUser(t, "colleague@example.org", coordAgency),
		newcomer:    a.newUser(t, "newcomer@example.org", coordAgency),
		outsider:    a.newUser(t, "outsider@example.org", otherAgency),
	}
	a.newUser(t, "practitioner@example.org", coordAgency)
	rows, err := a.pool.Query(context.Background(), `
		SELECT id FROM sessions
		WHERE status = 'published' AND closed_to_agency_id IS NULL AND booking_cutoff_at > $1 AND seats_taken + 3 < capacity
		ORDER BY starts_at, id LIMIT 2`, now)
	require.NoError(t, err)
	var ids []int64
	for rows.Next() {
		var s int64
		require.NoError(t, rows.Scan(&s))
		ids = append(ids, s)
	}
	require.NoError(t, rows.Err())
	require.Len(t, ids, 2)
	w.open, w.second = ids[0], ids[1]
	return w
}

// courseOf is the course of a session.
func (w agencyBookingWorld) courseOf(t *testing.T, session int64) int64 {
	t.Helper()
	var course int64
	require.NoError(t, w.pool.QueryRow(context.Background(), "SELECT course_id FROM sessions WHERE id = $1", session).Scan(&course))
	return course
}

// bookingsOf counts a person's bookings.
func (w agencyBookingWorld) bookingsOf(t *testing.T, person int64) int {
	t.Helper()
	var n int
	require.NoError(t, w.pool.QueryRow(context.Background(), "SELECT count(*) FROM bookings WHERE user_id = $1", person).Scan(&n))
	return n
}

func agencyBookingForm(person int64) url.Values {
	return url.Values{
		"person": {id(person)}, "line-manager-name": {"Lee Manager"}, "line-manager-email": {"lee@example.org"},
		"access-needs": {"Hearing loop"}, "dietary-needs": {""}, "agree-policy": {"yes"},
	}
}

func TestCoordinatorSeesOnlyTheirAgencysBookings(t *testing.T) {
	t.Parallel()
	w := agencyBookingSetup(t)
	ours := w.placeOn(t, w.open, w.colleague)
	theirs := w.placeOn(t, w.open, w.outsider)

	c := w.as(t, "coordinator@example.org")
	_, body := c.get("/account")
	assert.Contains(t, body, `href="/agency/bookings"`, "the coordinator's account page links to it")

	resp, body := c.get("/agency/bookings")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "Bookings for "+coordAgency)
	assert.Contains(t, body, `href="/bookings/`+id(ours)+`">Colleague Tester</a>`)
	assert.NotContains(t, body, "/bookings/"+id(theirs))
	assert.NotContains(t, body, "Outsider Tester")
	assert.Regexp(t, `(?s)id="upcoming">Upcoming \(1\)</h2>.*Colleague Tester.*id="waiting">`, body)
	for _, section := range []string{"waiting", "past", "late-cancellations", "non-attendance"} {
		assert.Contains(t, body, `id="`+section+`"`)
	}

	_, body = c.get("/agency/bookings?q=nobody-matches")
	assert.NotContains(t, body, "Colleague Tester")

	// A practitioner, even of the same agency, cannot see or use these pages.
	p := w.as(t, "practitioner@example.org")
	for _, path := range []string{"/agency/bookings", "/agency/bookings/new", "/agency/bookings/new?session=" + id(w.open)} {
		resp, _ := p.get(path)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, path)
	}
	resp, _ = p.post("/agency/bookings/new?session="+id(w.open), agencyBookingForm(w.newcomer))
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Zero(t, w.bookingsOf(t, w.newcomer))
	resp, _ = w.client(t).get("/agency/bookings")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "sign in first")
}

func TestCoordinatorBooksSomeoneFromTheirAgency(t *testing.T) {
	t.Parallel()
	w := agencyBookingSetup(t)
	ctx := context.Background()
	var otherAgencyID int64
	require.NoError(t, w.pool.QueryRow(ctx, "SELECT id FROM agencies WHERE name = $1", otherAgency).Scan(&otherAgencyID))
	// The second session is run for the other agency only.
	_, err := w.pool.Exec(ctx, "UPDATE sessions SET closed_to_agency_id = $2, invite_token = 'agency-bookings-test', agency_cap = NULL, sector_cap = NULL, caps_release_at = NULL WHERE id = $1", w.second, otherAgencyID)
	require.NoError(t, err)
	c := w.as(t, "coordinator@example.org")

	// First choose a course, then one of its sessions: only those open to
	// the agency are offered.
	course := w.courseOf(t, w.open)
	resp, body := c.get("/agency/bookings/new")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `<option value="`+id(course)+`">`)
	resp, body = c.get("/agency/bookings/new?session=")
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(body), "Select a course")
	resp, body = c.get("/agency/bookings/new?course=" + id(course))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `name="session" type="radio" value="`+id(w.open)+`"`)
	assert.NotContains(t, body, `value="`+id(w.second)+`"`)
	resp, body = c.get("/agency/bookings/new?course=" + id(course) + "&session=")
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(body), "Select a session")
	assert.Contains(t, body, `name="session" type="radio" value="`+id(w.open)+`"`, "the course's sessions shown again")
	resp, body = c.get("/agency/bookings/new?session=" + id(w.second))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(body), "not open for booking")

	// Then who: the verified people of the agency, nobody else.
	form := "/agency/bookings/new?session=" + id(w.open)
	resp, body = c.get(form)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `name="person" type="radio" value="`+id(w.newcomer)+`"`)
	assert.NotContains(t, body, `value="`+id(w.outsider)+`"`)
	for _, name := range []string{"access-needs", "dietary-needs", "line-manager-name", "line-manager-email"} {
		assert.Contains(t, body, `name="`+name+`"`)
	}
	assert.Contains(t, body, `name="agree-policy" type="checkbox" value="yes"`)
	assert.Contains(t, body, `name="join-waiting-list" type="checkbox" value="yes"`)

	// Someone of another agency, by changing the form's value: refused, nothing booked.
	resp, body = c.post(form, agencyBookingForm(w.outsider))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(body), "Select the person you are booking")
	assert.Zero(t, w.bookingsOf(t, w.outsider))
	// Nor onto a session closed to another agency.
	resp, _ = c.post("/agency/bookings/new?session="+id(w.second), agencyBookingForm(w.newcomer))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Zero(t, w.bookingsOf(t, w.newcomer))

	// Missing details are all explained at once.
	resp, body = c.post(form, url.Values{"person": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	summary := errorSummary(body)
	for _, want := range []string{"Select the person you are booking", "line manager’s name", "line manager’s email", "cancellation policy"} {
		assert.Contains(t, summary, want)
	}

	// A good booking, made for the newcomer by the coordinator.
	resp, _ = c.post(form, agencyBookingForm(w.newcomer))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/agency/bookings?done=booked", resp.Header.Get("Location"))
	var status string
	var bookedBy int64
	require.NoError(t, w.pool.QueryRow(ctx, "SELECT status, booked_by FROM bookings WHERE user_id = $1 AND session_id = $2",
		w.newcomer, w.open).Scan(&status, &bookedBy))
	assert.Equal(t, "confirmed", status)
	assert.Equal(t, w.coordinator, bookedBy)
	_, body = c.get("/agency/bookings?done=booked")
	assert.Contains(t, body, "Place booked")
	assert.Regexp(t, regexp.MustCompile(`(?s)id="upcoming">Upcoming \(1\)</h2>.*Newcomer Tester`), body)

	// Booking them twice is explained, not repeated.
	resp, body = c.post(form, agencyBookingForm(w.newcomer))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(body), "Newcomer Tester already has a place")
	assert.Equal(t, 1, w.bookingsOf(t, w.newcomer))
}

// A coordinator goes from their account to their agency's bookings, books
// a colleague (first forgetting the details), and sees the booking; every
// page passes axe-core.
func TestBrowserCoordinatorBooksAColleague(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	w := agencyBookingWorld{testApp: a}
	a.newUser(t, "coordinator@example.org", coordAgency, "coordinator")
	colleague := a.newUser(t, "colleague@example.org", coordAgency)
	var session int64
	require.NoError(t, a.pool.QueryRow(context.Background(), `
		SELECT id FROM sessions
		WHERE status = 'published' AND closed_to_agency_id IS NULL AND booking_cutoff_at > $1 AND seats_taken < capacity
		ORDER BY starts_at, id LIMIT 1`, now).Scan(&session))

	tab := browsertest.New(t)
	signInBrowser(t, tab, base, "coordinator@example.org")
	u := follow(t, tab, `a[href="/agency/bookings"]`)
	assert.Equal(t, "/agency/bookings", u.Path)
	assert.Equal(t, "Bookings for "+coordAgency, text(t, tab, "h1"))
	checkPage(t, tab)

	follow(t, tab, "#book-someone")
	assert.Equal(t, "Choose a course", text(t, tab, "h1"))
	checkPage(t, tab)
	require.NoError(t, chromedp.Do(tab, chromedp.SetValue(chromedp.CSS("#course"), id(w.courseOf(t, session)))))
	u = follow(t, tab, `main form button[type=submit]`)
	assert.Equal(t, "course="+id(w.courseOf(t, session)), u.RawQuery)
	assert.Contains(t, text(t, tab, "h1"), "Choose a session of")
	checkPage(t, tab)
	require.NoError(t, chromedp.Do(tab, chromedp.Click(chromedp.CSS(`input[name="session"][value="`+id(session)+`"]`))))
	u = follow(t, tab, `main form button[type=submit]`)
	assert.Equal(t, id(session), u.Query().Get("session"))
	checkPage(t, tab)

	followExpecting(t, tab, `#book button[type=submit]`, 422)
	assert.Contains(t, text(t, tab, ".govuk-error-summary"), "Select the person you are booking")
	checkPage(t, tab)

	// The person found by a search, the form sent with the details.
	require.NoError(t, chromedp.Do(tab, chromedp.SendKeys(chromedp.CSS("#q"), "colleague")))
	u = follow(t, tab, `#find-person button[type=submit]`)
	assert.Equal(t, "colleague", u.Query().Get("q"))
	checkPage(t, tab)
	require.NoError(t, chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`input[name="person"][value="`+id(colleague)+`"]`)),
		chromedp.SendKeys(chromedp.CSS("#line-manager-name"), "Lee Manager"),
		chromedp.SendKeys(chromedp.CSS("#line-manager-email"), "lee@example.org"),
		chromedp.Click(chromedp.CSS(`label[for="agree-policy"]`)),
	))
	u = follow(t, tab, `#book button[type=submit]`)
	assert.Equal(t, "/agency/bookings", u.Path)
	assert.Contains(t, text(t, tab, ".govuk-notification-banner"), "Place booked")
	assert.Contains(t, text(t, tab, "#upcoming-table"), "Colleague Tester")
	checkPage(t, tab)
	assert.Equal(t, 1, w.bookingsOf(t, colleague))
}

// The booking form never lists what grows with the partnership: a course's
// sessions come ten at a time, and the agency's people are searched, twenty
// at most shown. A form sent back with a mistake keeps the person chosen
// (even one the search no longer shows), the search and every detail.
func TestCoordinatorFindsTheSessionAndThePersonInBoundedSteps(t *testing.T) {
	t.Parallel()
	w := agencyBookingSetup(t)
	ctx := context.Background()
	course := w.courseOf(t, w.open)
	// Twelve more sessions of the course, a day apart from a month on.
	_, err := w.pool.Exec(ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status, meeting_url)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1),
		       $2::timestamptz + g * interval '1 day', $2::timestamptz + g * interval '1 day' + interval '3 hours',
		       $2::timestamptz + g * interval '1 day' - interval '3 days', 10, 'published', 'https://meet.example.org/more'
		FROM courses c, generate_series(1, 12) g WHERE c.id = $1`, course, now.AddDate(0, 1, 0))
	require.NoError(t, err)
	var open int
	require.NoError(t, w.pool.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE course_id = $1 AND status = 'published'
		AND booking_cutoff_at > $2 AND starts_at > $2 AND closed_to_agency_id IS NULL`, course, now).Scan(&open))
	require.Greater(t, open, 10)
	// Thirty people of the agency whose names hold "Rowan", and one of
	// another agency.
	_, err = w.pool.Exec(ctx, `
		INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
		SELECT 'rowan' || g || '@example.org', 'Rowan ' || lpad(g::text, 2, '0'), 'Practitioner',
		       (SELECT id FROM agencies WHERE name = $1), '!', now()
		FROM generate_series(1, 30) g`, coordAgency)
	require.NoError(t, err)
	stranger := w.newUser(t, "rowan.elsewhere@example.org", otherAgency)
	c := w.as(t, "coordinator@example.org")
	radios := regexp.MustCompile(`name="(session|person)" type="radio" value="(\d+)"`)
	count := func(body, name string) int {
		n := 0
		for _, m := range radios.FindAllStringSubmatch(body, -1) {
			if m[1] == name {
				n++
			}
		}
		return n
	}

	// Sessions, ten a page, the rest on the next.
	resp, body := c.get("/agency/bookings/new?course=" + id(course))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 10, count(body, "session"))
	assert.Contains(t, body, `href="/agency/bookings/new?course=`+id(course)+`&amp;page=2"`)
	_, body = c.get("/agency/bookings/new?course=" + id(course) + "&page=2")
	assert.Equal(t, open-10, count(body, "session"))
	_, body = c.get("/agency/bookings/new?course=" + id(course) + "&page=9")
	assert.Equal(t, 10, count(body, "session"), "past the last page: the first")
	resp, body = c.get("/agency/bookings/new?course=999999")
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(body), "That course has no sessions open for booking")

	// People: twenty at most, a search narrows them, the other agency's
	// never.
	form := "/agency/bookings/new?session=" + id(w.open)
	_, body = c.get(form)
	assert.Equal(t, 20, count(body, "person"))
	assert.Contains(t, body, "Search to find someone else")
	_, body = c.get(form + "&q=" + url.QueryEscape("rowan 0"))
	assert.Equal(t, 9, count(body, "person"), "Rowan 01 to 09")
	_, body = c.get(form + "&q=elsewhere")
	assert.Zero(t, count(body, "person"))
	assert.Contains(t, body, `id="nobody-matches"`)
	assert.NotContains(t, body, id(stranger)+`"`)
	_, body = c.get(form + "&q=newcomer")
	require.Equal(t, 1, count(body, "person"))
	assert.Contains(t, body, `value="`+id(w.newcomer)+`"`)

	// Sent without the policy agreed, after searching for someone else: the
	// newcomer stays chosen, with the search and the details.
	sent := agencyBookingForm(w.newcomer)
	sent.Del("agree-policy")
	sent.Set("q", "rowan 1")
	resp, body = c.post(form, sent)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(body), "cancellation policy")
	assert.Regexp(t, `value="`+id(w.newcomer)+`"[^>]* checked`, body)
	assert.Contains(t, body, `name="q" value="rowan 1"`)
	assert.Contains(t, body, `value="Lee Manager"`)
	assert.Contains(t, body, "Hearing loop")
	assert.Equal(t, 1+10, count(body, "person"), "the newcomer and Rowan 10 to 19")

	// A crafted form: the other agency's person, or one not confirmed.
	resp, body = c.post(form, agencyBookingForm(stranger))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(body), "Select the person you are booking")
	assert.NotContains(t, body, "Rowan.Elsewhere")
	_, err = w.pool.Exec(ctx, "UPDATE users SET email_verified_at = NULL WHERE id = $1", w.colleague)
	require.NoError(t, err)
	resp, body = c.post(form, agencyBookingForm(w.colleague))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(body), "Select the person you are booking")
	// A session closed meanwhile: the courses are offered again.
	_, err = w.pool.Exec(ctx, "UPDATE sessions SET booking_cutoff_at = $2 WHERE id = $1", w.open, now.Add(-time.Hour))
	require.NoError(t, err)
	resp, body = c.post(form, agencyBookingForm(w.newcomer))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(body), "Booking has closed for that session")
	assert.Equal(t, 0, w.bookingsOf(t, w.newcomer)+w.bookingsOf(t, stranger)+w.bookingsOf(t, w.colleague))
}

// A group of more bookings than the page shows lists its first few, with a
// link to the whole group, which is paged in order: late cancellations
// newest first, then by name.
func TestCoordinatorPagesThroughAGroupOfBookings(t *testing.T) {
	t.Parallel()
	w := agencyBookingSetup(t)
	_, err := w.pool.Exec(context.Background(), `
		WITH u AS (
		    INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
		    SELECT 'paged-' || n || '@example.org', 'Paged Person ' || lpad(n::text, 2, '0'), 'Social worker',
		           c.agency_id, '!', now()
		    FROM generate_series(1, 30) n, (SELECT agency_id FROM users WHERE id = $2) c
		    RETURNING id, agency_id)
		INSERT INTO bookings (session_id, user_id, agency_id, status, late, booked_by, line_manager_name,
		                      line_manager_email, policy_agreed_at, confirmed_at, ended_at)
		SELECT $1, u.id, u.agency_id, 'cancelled', true, u.id, 'Lee Manager', 'lee@example.org', now(), now(), now()
		FROM u`, w.open, w.coordinator)
	require.NoError(t, err)
	names := regexp.MustCompile(`>Paged Person (\d\d)</a>`)
	numbers := func(body string) (out []string) {
		for _, m := range names.FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	c := w.as(t, "coordinator@example.org")

	_, body := c.get("/agency/bookings")
	assert.Contains(t, body, `id="late-cancellations">Late cancellations (more than 10)</h2>`)
	assert.Equal(t, []string{"01", "02", "03", "04", "05", "06", "07", "08", "09", "10"}, numbers(body))
	assert.Contains(t, body, `<a class="govuk-link" href="/agency/bookings?show=late-cancellations">See all late cancellations</a>`)
	assert.NotContains(t, body, `See all upcoming`, "no link to a group shown whole")

	resp, body := c.get("/agency/bookings?show=late-cancellations")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	got := numbers(body)
	require.Len(t, got, 25)
	assert.Equal(t, []string{"01", "25"}, []string{got[0], got[24]})
	assert.NotContains(t, body, `id="upcoming"`, "the group alone")
	assert.Contains(t, body, `class="govuk-pagination"`)
	assert.Contains(t, body, `href="/agency/bookings?page=2&amp;show=late-cancellations" rel="next"`)

	_, body = c.get("/agency/bookings?show=late-cancellations&page=2")
	assert.Equal(t, []string{"26", "27", "28", "29", "30"}, numbers(body))
	assert.Contains(t, body, `href="/agency/bookings?show=late-cancellations" rel="prev"`)
	assert.NotContains(t, body, `rel="next"`)

	_, body = c.get("/agency/bookings?show=late-cancellations&page=9")
	assert.Len(t, numbers(body), 25, "past the last page: the first")

	_, body = c.get("/agency/bookings?show=late-cancellations&q=Person+3")
	assert.Equal(t, []string{"30"}, numbers(body), "a search within the group")
	assert.Contains(t, body, `<input type="hidden" name="show" value="late-cancellations">`)

	resp, _ = c.get("/agency/bookings?show=everything")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
