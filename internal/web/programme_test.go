package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sessionAt puts a session of the fixture's course straight into the
// database, online, at any time (the form refuses the past).
func (f schedulingFixture) sessionAt(t *testing.T, starts time.Time, status string) int64 {
	t.Helper()
	var id int64
	require.NoError(t, f.a.pool.QueryRow(context.Background(), `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), $2::timestamptz, $2::timestamptz + interval '6 hours 30 minutes', $2::timestamptz - interval '3 days', 20, $3
		FROM courses c WHERE c.id = $1 RETURNING id`, f.course, starts, status).Scan(&id))
	return id
}

// sessionLinks lists the sessions a programme page links to, in order.
func sessionLinks(page string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<td class="govuk-table__cell"[^>]*><a class="govuk-link" href="/admin/sessions/(\d+)">`).FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

// The day after a session, the manager finds it under past sessions (and by
// its month), marks it delivered, and downloads what the filter shows.
func TestProgrammeFindsPastSessions(t *testing.T) {
	t.Parallel()
	f := setupScheduling(t)
	c := f.manager
	yesterday := f.sessionAt(t, time.Date(2026, time.November, 20, 9, 30, 0, 0, time.UTC), "published") // the Friday before the clock's Monday
	october := f.sessionAt(t, time.Date(2026, time.October, 6, 9, 0, 0, 0, time.UTC), "completed")
	soon := f.sessionAt(t, time.Date(2026, time.December, 1, 9, 30, 0, 0, time.UTC), "published")
	course := "course=" + strconv.FormatInt(f.course, 10)
	id := func(n int64) string { return strconv.FormatInt(n, 10) }

	_, page := c.get("/admin/sessions?" + course)
	assert.Contains(t, sessionLinks(page), id(soon))
	assert.NotContains(t, sessionLinks(page), id(yesterday), "upcoming is the default")
	assert.Regexp(t, `\d+ upcoming sessions?\.`, page)

	assert.Contains(t, page, `<a class="govuk-link" href="/admin/sessions?status=published&amp;when=past">1 past session is not yet marked as delivered</a>`,
		"the programme points to what is left to do")

	resp, page := c.get("/admin/sessions?when=past&" + course)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, []string{id(yesterday), id(october)}, sessionLinks(page), "past sessions, the most recent first")
	assert.Contains(t, page, "2 past sessions.")
	assert.Contains(t, page, `<option value="past" selected>`)

	_, page = c.get("/admin/sessions?when=all&month=2026-10&" + course)
	assert.Equal(t, []string{id(october)}, sessionLinks(page))
	assert.Contains(t, page, "1 session in October 2026.")
	assert.Contains(t, page, `<option value="2026-10" selected>October 2026</option>`, "the months that have sessions are offered")
	assert.Contains(t, page, `href="/admin/sessions/export.csv?course=`+id(f.course)+`&amp;month=2026-10&amp;when=all"`, "the spreadsheet takes the same filter")

	_, page = c.get("/admin/sessions?when=all&" + course)
	all := sessionLinks(page)
	require.GreaterOrEqual(t, len(all), 3)
	assert.Equal(t, []string{id(october), id(yesterday)}, all[:2], "all sessions, in date order")
	assert.Contains(t, all, id(soon))

	// The spreadsheet covers exactly what the filter shows.
	resp, csv := c.get("/admin/sessions/export.csv?when=past&" + course)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, csv, id(yesterday)+",Working Together to Safeguard Children,2026-11-20,")
	assert.Contains(t, csv, id(october)+",Working Together to Safeguard Children,2026-10-06,")
	assert.NotContains(t, csv, "2026-12-01", "an upcoming session is not a past one")
	assert.Len(t, strings.Split(strings.TrimSpace(csv), "\n"), 3)

	// A month that is not one is explained, not a 500.
	resp, page = c.get("/admin/sessions?month=2026-13")
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Select a month from the list")
	resp, _ = c.get("/admin/sessions/export.csv?month=junk")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)

	// Found, it can be marked as delivered.
	_, page = c.get("/admin/sessions/" + id(yesterday))
	assert.Contains(t, page, `action="/admin/sessions/`+id(yesterday)+`/complete"`)
	resp, _ = c.post("/admin/sessions/"+id(yesterday)+"/complete", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = c.get("/admin/sessions?when=past&status=completed&" + course)
	assert.Equal(t, []string{id(yesterday), id(october)}, sessionLinks(page))
	assert.NotContains(t, page, "not yet marked as delivered")
}

// Fifty-five past sessions: pages of fifty, the most recent first.
func TestProgrammePastIsPaginated(t *testing.T) {
	t.Parallel()
	f := setupScheduling(t)
	first := time.Date(2026, time.November, 20, 10, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 55 {
		ids = append(ids, strconv.FormatInt(f.sessionAt(t, first.AddDate(0, 0, -i), "completed"), 10))
	}
	q := "/admin/sessions?when=past&course=" + strconv.FormatInt(f.course, 10)
	_, page := f.manager.get(q)
	assert.Equal(t, ids[:50], sessionLinks(page))
	assert.Contains(t, page, "55 past sessions.")
	assert.Contains(t, page, `href="/admin/sessions?course=`+strconv.FormatInt(f.course, 10)+`&amp;page=2&amp;when=past"`, "the next page keeps the filter")
	_, page = f.manager.get(q + "&page=2")
	assert.Equal(t, ids[50:], sessionLinks(page))
	_, csv := f.manager.get("/admin/sessions/export.csv?when=past&course=" + strconv.FormatInt(f.course, 10))
	assert.Len(t, strings.Split(strings.TrimSpace(csv), "\n"), 56, "the spreadsheet has every page")
}

// "Mark as delivered" is offered once a session has ended, and refused
// before with words that say when it can be.
func TestMarkAsDeliveredOnlyOnceEnded(t *testing.T) {
	t.Parallel()
	f := setupScheduling(t)
	c := f.manager
	// The clock says 9am on Monday 23 November 2026: this one runs until 4pm.
	today := strconv.FormatInt(f.sessionAt(t, time.Date(2026, time.November, 23, 8, 30, 0, 0, time.UTC), "published"), 10)
	_, page := c.get("/admin/sessions/" + today)
	assert.NotContains(t, page, "/complete")
	assert.NotContains(t, page, "Mark as delivered</button>")
	assert.Contains(t, page, "You can mark it as delivered once it has ended, from 3pm on Monday 23 November 2026.")

	resp, page := c.post("/admin/sessions/"+today+"/complete", url.Values{})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, "This session has not ended yet: you can mark it as delivered from 3pm on Monday 23 November 2026", errorSummary(page))
	var status string
	require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT status FROM sessions WHERE id = $1", today).Scan(&status))
	assert.Equal(t, "published", status, "the domain refuses, not only the button")

	// A draft that is over is not delivered either, and the words say why.
	draft := strconv.FormatInt(f.sessionAt(t, time.Date(2026, time.November, 2, 9, 30, 0, 0, time.UTC), "draft"), 10)
	_, page = c.get("/admin/sessions/" + draft)
	assert.NotContains(t, page, "/complete")
	resp, page = c.post("/admin/sessions/"+draft+"/complete", url.Values{})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, "This session is a draft: only a published session that has ended can be marked as delivered", errorSummary(page))

	// Once it has ended, it can.
	f.a.clock.Advance(6 * time.Hour)
	f.manager.signIn("boss@example.org", testPassword)
	_, page = c.get("/admin/sessions/" + today)
	assert.Contains(t, page, "Mark as delivered</button>")
	assert.NotContains(t, page, "You can mark it as delivered once")
	resp, _ = c.post("/admin/sessions/"+today+"/complete", url.Values{})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
}

// Cancelling asks first, on a page that counts who will be told and what
// will be refunded; the counts are what the cancellation then does.
func TestCancellingASessionSaysWhoIsToldFirst(t *testing.T) {
	t.Parallel()
	f := setupScheduling(t)
	ctx := context.Background()
	c := f.manager
	session := f.sessionAt(t, time.Date(2026, time.December, 8, 9, 30, 0, 0, time.UTC), "published")
	id := strconv.FormatInt(session, 10)
	people := map[string]int64{}
	for _, who := range []string{"card", "invoice", "free", "paying", "offered", "waiting", "gone"} {
		people[who] = f.a.newUser(t, who+"@example.org", "")
	}
	book := func(who, status string) int64 {
		var b int64
		require.NoError(t, f.a.pool.QueryRow(ctx, `
			INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at,
			                      waiting_since, offer_expires_at, ended_at, hold_expires_at)
			SELECT $1, u.id, u.agency_id, $3::booking_status, u.id, now(),
			       CASE WHEN $3::booking_status = 'confirmed' THEN now() END,
			       CASE WHEN $3::booking_status IN ('waiting', 'offered') THEN now() END,
			       CASE WHEN $3::booking_status = 'offered' THEN now() + interval '2 days' END,
			       CASE WHEN $3::booking_status = 'cancelled' THEN now() END,
			       CASE WHEN $3::booking_status = 'held' THEN now() + interval '30 minutes' END
			FROM users u WHERE u.id = $2 RETURNING id`, session, people[who], status).Scan(&b))
		return b
	}
	card := book("card", "confirmed")
	_, err := f.a.pool.Exec(ctx, `INSERT INTO payments (booking_id, method, amount_pence, status, payment_intent_id, paid_at)
		VALUES ($1, 'card', 8000, 'paid', 'pi_test_cancel', now())`, card)
	require.NoError(t, err)
	invoice := book("invoice", "confirmed")
	_, err = f.a.pool.Exec(ctx, `INSERT INTO payments (booking_id, method, amount_pence, status, purchase_order)
		VALUES ($1, 'invoice', 4000, 'pending', 'PO-1')`, invoice)
	require.NoError(t, err)
	book("free", "confirmed")
	book("paying", "held")
	book("offered", "offered")
	book("waiting", "waiting")
	book("gone", "cancelled") // already cancelled: not told again

	_, page := c.get("/admin/sessions/" + id)
	assert.Contains(t, page, `href="/admin/sessions/`+id+`/cancel"`)
	assert.NotContains(t, page, `action="/admin/sessions/`+id+`/cancel"`, "the session page does not cancel at once")

	resp, page := c.get("/admin/sessions/" + id + "/cancel")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	text := strings.Join(strings.Fields(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(page, " ")), " ")
	assert.Contains(t, text, "6 people will be emailed that the session is cancelled")
	assert.Contains(t, text, "3 with a place, which is taken out of their calendar")
	assert.Contains(t, text, "1 with a place held while they pay")
	assert.Contains(t, text, "1 offered a place from the waiting list")
	assert.Contains(t, text, "1 on the waiting list")
	assert.Contains(t, text, "1 paid place will be refunded in full to the card that paid: £80 in total")
	assert.Contains(t, text, "1 place on the agency’s invoice will not be invoiced")
	var status string
	require.NoError(t, f.a.pool.QueryRow(ctx, "SELECT status FROM sessions WHERE id = $1", session).Scan(&status))
	assert.Equal(t, "published", status, "asking cancels nothing")

	// A reason is required; the counts stay on the page.
	resp, page = c.post("/admin/sessions/"+id+"/cancel", url.Values{"reason": {"  "}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Enter why the session is cancelled")
	assert.Contains(t, page, "6 people will be emailed")

	// Someone joins the waiting list while the page is open: the manager is
	// shown the new numbers, and nothing is cancelled yet.
	people["late"] = f.a.newUser(t, "late@example.org", "")
	book("late", "waiting")
	resp, page = c.post("/admin/sessions/"+id+"/cancel", url.Values{"reason": {"The trainer is ill"}, "told": {"6"}, "refunds": {"1"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "The bookings changed while this page was open")
	assert.Contains(t, page, "7 people will be emailed")
	assert.Contains(t, page, `name="told" value="7"`)
	require.NoError(t, f.a.pool.QueryRow(ctx, "SELECT status FROM sessions WHERE id = $1", session).Scan(&status))
	assert.Equal(t, "published", status)

	resp, _ = c.post("/admin/sessions/"+id+"/cancel", url.Values{"reason": {"The trainer is ill"}, "told": {"7"}, "refunds": {"1"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	var told, refunds, uninvoiced int
	require.NoError(t, f.a.pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE end_note = 'The trainer is ill') FROM bookings WHERE session_id = $1`, session).Scan(&told))
	assert.Equal(t, 7, told, "everyone counted had their booking ended")
	require.NoError(t, f.a.pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE refund_requested_at IS NOT NULL), count(*) FILTER (WHERE p.method = 'invoice' AND p.status = 'cancelled')
		FROM payments p JOIN bookings b ON b.id = p.booking_id WHERE b.session_id = $1`, session).Scan(&refunds, &uninvoiced))
	assert.Equal(t, 1, refunds)
	assert.Equal(t, 1, uninvoiced)

	// Cancelled, there is nothing left to confirm.
	resp, _ = c.get("/admin/sessions/" + id + "/cancel")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = c.get("/admin/sessions/" + id)
	assert.NotContains(t, page, "/cancel\"")
}

// newRoom is a room no demo session uses.
func (f schedulingFixture) newRoom(t *testing.T, name string) string {
	t.Helper()
	var id int64
	require.NoError(t, f.a.pool.QueryRow(context.Background(), `
		INSERT INTO venues (name, address_line1, town, postcode, capacity) VALUES ($1, '1 High Street', 'Portsmouth', 'PO1 1AA', 30)
		RETURNING id`, name).Scan(&id))
	return strconv.FormatInt(id, 10)
}

// A session on Christmas Day or a Saturday is saved only once the manager
// confirms that day; an ordinary Tuesday is saved at once. So are a moved
// session's new date and each date of a series.
func TestSchedulingOnAWeekendOrBankHolidayAsksToConfirm(t *testing.T) {
	t.Parallel()
	f := setupScheduling(t)
	c := f.manager
	room := f.newRoom(t, "Holiday Test Room")
	on := func(day, month, year string, trainers ...int64) url.Values {
		v := f.form(day, trainers...)
		v.Set("date-month", month)
		v.Set("date-year", year)
		v.Set("venue", room)
		return v
	}
	saved := func() int {
		var n int
		require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT count(*) FROM sessions WHERE venue_id = $1", room).Scan(&n))
		return n
	}

	// Christmas Day 2026 is a Friday.
	christmas := on("25", "12", "2026", f.trainers[0], f.trainers[1])
	resp, page := c.post("/admin/sessions/new", christmas)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "a warning, not an error")
	assert.Empty(t, errorSummary(page))
	assert.Contains(t, page, "This session would be on a day that is not a working day:")
	assert.Contains(t, page, "Friday 25 December 2026 (bank holiday: Christmas Day)")
	assert.Contains(t, page, `name="confirm-days" type="checkbox" value="2026-12-25"`)
	assert.Contains(t, page, `value="25"`, "what was typed is kept")
	assert.Zero(t, saved(), "nothing is saved before the manager confirms")
	resp, _ = c.post("/admin/sessions/new", with(christmas, "confirm-days", "2026-12-25"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, 1, saved())

	// A Saturday; confirming another day does not cover it.
	saturday := on("12", "12", "2026", f.trainers[0])
	resp, page = c.post("/admin/sessions/new", with(saturday, "confirm-days", "2026-12-25"))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Saturday 12 December 2026 (a weekend)")
	assert.Equal(t, 1, saved())

	// An ordinary Tuesday needs no confirming.
	resp, _ = c.post("/admin/sessions/new", on("15", "12", "2026", f.trainers[0]))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, 2, saved())
	tuesday := strings.Split(strings.TrimPrefix(resp.Header.Get("Location"), "/admin/sessions/"), "?")[0]

	// Moving it to a Saturday asks; a new time on its own day does not.
	resp, page = c.post("/admin/sessions/"+tuesday+"/edit", on("19", "12", "2026", f.trainers[0]))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Saturday 19 December 2026 (a weekend)")
	later := on("15", "12", "2026", f.trainers[0])
	later.Set("start", "10:00")
	resp, _ = c.post("/admin/sessions/"+tuesday+"/edit", later)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)

	// A series of Fridays from 18 December: Christmas Day and New Year's Day
	// are named together, and confirmed together.
	series := on("18", "12", "2026", f.trainers[2])
	series.Set("venue", f.newRoom(t, "Series Test Room"))
	series.Set("week", "0")
	series.Set("weekday", "5")
	series.Set("count", "3")
	resp, page = c.post("/admin/sessions/series", series)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "2 sessions of the series would be on days that are not working days:")
	assert.Contains(t, page, "Friday 25 December 2026 (bank holiday: Christmas Day)")
	assert.Contains(t, page, "Friday 1 January 2027 (bank holiday: New Year")
	assert.NotContains(t, page, "Friday 18 December 2026 (")
	assert.Contains(t, page, `value="2026-12-25,2027-01-01"`)
	resp, _ = c.post("/admin/sessions/series", with(series, "confirm-days", "2026-12-25,2027-01-01"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	var n int
	require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT count(*) FROM sessions WHERE venue_id = $1", series.Get("venue")).Scan(&n))
	assert.Equal(t, 3, n)
}

// The course comes first; then the trainers approved for it are offered
// (the first few: they grow with the partnership), and any other trainer is
// found by a typed name, shown apart when not approved, so no one learns it
// from an error.
func TestChoosingTrainersShowsWhoIsApproved(t *testing.T) {
	t.Parallel()
	f := setupScheduling(t)
	c := f.manager
	outsider := f.a.newUser(t, "outsider@example.org", "", "trainer")
	course := strconv.FormatInt(f.course, 10)

	for _, path := range []string{"/admin/sessions/new", "/admin/sessions/series"} {
		resp, page := c.get(path)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, page, `<form method="get" action="`+path+`"`)
		assert.Contains(t, page, "Which course?")
		assert.NotContains(t, page, `name="trainers"`, "trainers come once the course is known")

		resp, page = c.get(path + "?course=" + course)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		approved := strings.Index(page, "Approved for Working Together to Safeguard Children")
		require.Positive(t, approved)
		for _, id := range f.trainers {
			at := strings.Index(page, `id="trainer-`+strconv.FormatInt(id, 10)+`"`)
			assert.Greater(t, at, approved, "an approved trainer is offered")
		}
		assert.NotContains(t, page, "Outsider Tester", "a trainer not approved is not offered")
		assert.NotContains(t, page, "more trainers are approved")
		assert.Contains(t, page, `name="trainer-name"`)
		assert.Contains(t, page, `<input type="hidden" name="course" value="`+course+`">`)
	}

	resp, page := c.get("/admin/sessions/new?course=999999")
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Select a course from the list")

	// A typed name adds the trainer it finds (when saved), apart when not
	// approved: here the date is missing, so the form comes back with them.
	scheduled := func() (n int) {
		t.Helper()
		require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT count(*) FROM sessions").Scan(&n))
		return n
	}
	before := scheduled()
	form := f.form("10", f.trainers[0])
	resp, page = c.post("/admin/sessions/new", with(form, "trainer-name", "outsid", "date-day", ""))
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Outsider Tester is not approved to deliver", "the scheduler's own check")
	others := strings.Index(page, "Not approved for this course")
	require.Greater(t, others, strings.Index(page, "Approved for Working Together"))
	assert.Regexp(t, `id="trainer-`+strconv.FormatInt(outsider, 10)+`" name="trainers" type="checkbox" value="\d+" checked`, page)
	assert.Greater(t, strings.LastIndex(page, "Outsider Tester"), others)
	assert.Regexp(t, `id="trainer-`+strconv.FormatInt(f.trainers[0], 10)+`" name="trainers" type="checkbox" value="\d+" checked`, page)
	assert.Contains(t, page, `name="start" type="text" value="9:30"`, "what was typed is kept")
	assert.Contains(t, page, `name="trainer-name" type="text" value=""`, "the name found is not asked again")
	assert.Equal(t, before, scheduled())

	// A name several trainers hold asks which; one no trainer holds is refused.
	resp, page = c.post("/admin/sessions/new", with(form, "trainer-name", "tester"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "More than one trainer’s name contains “tester”: choose one")
	assert.Contains(t, page, "Which trainer?")
	assert.Contains(t, page, `name="trainer" type="radio" value="`+strconv.FormatInt(f.trainers[1], 10)+`"`)
	resp, page = c.post("/admin/sessions/new", with(form, "trainer-name", "nobody at all"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "No trainer’s name contains “nobody at all”")
	assert.Equal(t, before, scheduled(), "nothing scheduled while a typed trainer is unresolved")

	// The one chosen among those the name found is scheduled with the rest.
	resp, _ = c.post("/admin/sessions/new", with(form, "trainer-name", "tester", "trainer", strconv.FormatInt(f.trainers[1], 10)))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	made, err := strconv.ParseInt(strings.TrimPrefix(strings.Split(resp.Header.Get("Location"), "?")[0], "/admin/sessions/"), 10, 64)
	require.NoError(t, err)
	var trainers []int64
	require.NoError(t, f.a.pool.QueryRow(context.Background(), `
		SELECT array_agg(trainer_id ORDER BY trainer_id) FROM session_trainers WHERE session_id = $1`, made).Scan(&trainers))
	assert.Equal(t, []int64{f.trainers[0], f.trainers[1]}, trainers)

	// Changing a session shows its trainers ticked.
	_, page = c.get(strings.Split(resp.Header.Get("Location"), "?")[0] + "/edit")
	assert.Contains(t, page, "Approved for Working Together to Safeguard Children")
	assert.Regexp(t, `id="trainer-`+strconv.FormatInt(f.trainers[0], 10)+`" name="trainers" type="checkbox" value="\d+" checked`, page)
}

// However many trainers are approved for a course, the form offers ten of
// them and says how many more a name finds.
func TestSessionFormOffersAFewTrainers(t *testing.T) {
	t.Parallel()
	f := setupScheduling(t)
	_, err := f.a.pool.Exec(context.Background(), `
		WITH u AS (
		    INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
		    SELECT 'many' || g || '@example.org', 'Many Trainer ' || lpad(g::text, 2, '0'), 'Trainer',
		           (SELECT min(id) FROM agencies), '!', now()
		    FROM generate_series(1, 20) g
		    RETURNING id),
		     r AS (INSERT INTO user_roles (user_id, role) SELECT id, 'trainer' FROM u)
		INSERT INTO trainer_courses (trainer_id, course_id) SELECT id, $1 FROM u`, f.course)
	require.NoError(t, err)
	_, page := f.manager.get("/admin/sessions/new?course=" + strconv.FormatInt(f.course, 10))
	assert.Equal(t, 10, strings.Count(page, `name="trainers" type="checkbox"`))
	assert.Contains(t, page, "13 more trainers are approved for this course")
	assert.Contains(t, page, "Many Trainer 10")
	assert.NotContains(t, page, "Many Trainer 11")

	// A trainer found by name is offered ticked, beside the ten (the form
	// comes back: its date is missing).
	resp, page := f.manager.post("/admin/sessions/new", with(f.form("10"), "trainer-name", "many trainer 17", "date-day", ""))
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.NotContains(t, errorSummary(page), "trainer’s name")
	assert.Equal(t, 11, strings.Count(page, `name="trainers" type="checkbox"`))
	assert.Regexp(t, `value="\d+" checked>\s*<label[^>]*>\s*Many Trainer 17`, page)
	assert.Contains(t, page, "12 more trainers are approved for this course")
}

// The export is read a batch at a time: across batches it still has every
// session once, in the programme's order (the past newest first), with two
// sessions at the same moment on either side of a batch's edge.
func TestProgrammeExportStreamsEverySessionOnce(t *testing.T) {
	t.Parallel()
	f := setupScheduling(t)
	ctx := context.Background()
	// 2,100 past sessions three hours apart, two at each moment: more than
	// one of the export's windows of starts (92 days), the first of them
	// more than one batch (1,000); none at a venue with a room, so none
	// clash.
	rows, err := f.a.pool.Query(ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), t.at, t.at + interval '3 hours',
		       t.at - interval '3 days', 20, 'completed'
		FROM courses c, generate_series(1, 2100) g,
		     LATERAL (SELECT $2::timestamptz - (g / 2) * interval '3 hours' AS at) t
		WHERE c.id = $1
		RETURNING id`, f.course, now.Add(-24*time.Hour))
	require.NoError(t, err)
	made := map[string]bool{}
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		made[strconv.FormatInt(id, 10)] = true
	}
	require.NoError(t, rows.Err())
	require.Len(t, made, 2100)

	// The page counts them only so far (four pages), and links onwards.
	q := "when=past&course=" + strconv.FormatInt(f.course, 10)
	_, page := f.manager.get("/admin/sessions?" + q)
	assert.Contains(t, page, "More than 200 past sessions.")
	assert.Contains(t, page, `href="/admin/sessions?course=`+strconv.FormatInt(f.course, 10)+`&amp;page=2&amp;when=past"`)
	_, page = f.manager.get("/admin/sessions?page=40&" + q)
	assert.Len(t, sessionLinks(page), 50, "a page far on still has its sessions")
	assert.Contains(t, page, "2100 past sessions.", "counted to the end when it is a few pages on")

	resp, csv := f.manager.get("/admin/sessions/export.csv?" + q)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	require.Equal(t, "Session,Course,Date,Start,End,Venue,Status,Open to,Trainers,Booked,Capacity,Waiting", lines[0])
	seen := map[string]bool{}
	last := "9999-12-31"
	for _, line := range lines[1:] {
		cells := strings.Split(line, ",")
		require.False(t, seen[cells[0]], "session %s exported twice", cells[0])
		seen[cells[0]] = true
		assert.LessOrEqual(t, cells[2], last, "newest first")
		last = cells[2]
	}
	for id := range made {
		assert.True(t, seen[id], "session %s not exported", id)
	}

	// Every date, soonest first, across the batches as well.
	resp, csv = f.manager.get("/admin/sessions/export.csv?when=all&course=" + strconv.FormatInt(f.course, 10))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	lines = strings.Split(strings.TrimSpace(csv), "\n")
	seen, last = map[string]bool{}, ""
	for _, line := range lines[1:] {
		cells := strings.Split(line, ",")
		require.False(t, seen[cells[0]], "session %s exported twice", cells[0])
		seen[cells[0]] = true
		assert.GreaterOrEqual(t, cells[2], last, "soonest first")
		last = cells[2]
	}
	for id := range made {
		assert.True(t, seen[id], "session %s not exported", id)
	}
}

// The programme is filtered by a trainer typed by name, found on the
// server among the partnership's trainers (never a list of every one); a
// name several hold asks which, and links onwards name the trainer.
func TestProgrammeFilterByATypedTrainer(t *testing.T) {
	t.Parallel()
	f := setupScheduling(t)
	c := f.manager
	made := func(day string, trainer int64) string {
		t.Helper()
		resp, _ := c.post("/admin/sessions/new", f.form(day, trainer))
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		return strings.TrimPrefix(strings.Split(resp.Header.Get("Location"), "?")[0], "/admin/sessions/")
	}
	first, second := made("10", f.trainers[0]), made("11", f.trainers[1])

	resp, page := c.get("/admin/sessions?when=all&trainer-name=trainer1")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, []string{second}, sessionLinks(page))
	assert.Contains(t, page, `name="trainer-name" type="text" value="Trainer1 Tester (Hampshire and Isle of Wight Constabulary)"`)
	assert.Contains(t, page, `href="/admin/sessions/export.csv?trainer=`+strconv.FormatInt(f.trainers[1], 10)+`&amp;when=all"`)
	assert.NotContains(t, page, `<select class="govuk-select govuk-!-width-full" id="trainer"`, "no list of every trainer")

	// A link names the trainer by ID.
	_, page = c.get("/admin/sessions?when=all&trainer=" + strconv.FormatInt(f.trainers[0], 10))
	assert.Equal(t, []string{first}, sessionLinks(page))
	assert.Contains(t, page, `value="Trainer0 Tester (Portsmouth City Council)"`)

	// Several match: the form asks which, and shows every session meanwhile.
	resp, page = c.get("/admin/sessions?when=all&trainer-name=tester")
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "More than one trainer’s name contains “tester”: choose one")
	assert.Contains(t, page, `name="trainer" type="radio" value="`+strconv.FormatInt(f.trainers[0], 10)+`"`)
	assert.Subset(t, sessionLinks(page), []string{first, second})
	_, page = c.get("/admin/sessions?when=all&trainer-name=tester&trainer=" + strconv.FormatInt(f.trainers[0], 10))
	assert.Equal(t, []string{first}, sessionLinks(page))

	// None match, or the field emptied: no trainer filter.
	resp, page = c.get("/admin/sessions?when=all&trainer-name=nobody&trainer=" + strconv.FormatInt(f.trainers[0], 10))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "No trainer’s name contains “nobody”")
	_, page = c.get("/admin/sessions?when=all&trainer-name=&trainer=" + strconv.FormatInt(f.trainers[0], 10))
	assert.Subset(t, sessionLinks(page), []string{first, second})
}
