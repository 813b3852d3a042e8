package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// prereqFixture: a manager, and the first course (the one addSession
// schedules) and another, by id.
type prereqFixture struct {
	a             testApp
	boss          *client
	bossID        int64
	first, second int64
	secondSlug    string
	secondTitle   string
}

func setupPrereq(t *testing.T) prereqFixture {
	t.Helper()
	a := setup(t)
	bossID := a.newUser(t, "boss@example.org", "", "manager")
	f := prereqFixture{a: a, boss: a.as(t, "boss@example.org"), bossID: bossID}
	ctx := context.Background()
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT id FROM courses ORDER BY id LIMIT 1").Scan(&f.first))
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT id, slug, title FROM courses WHERE id <> $1 AND NOT bespoke ORDER BY id LIMIT 1", f.first).
		Scan(&f.second, &f.secondSlug, &f.secondTitle))
	// The demo's own prerequisites are not these tests'.
	_, err := a.pool.Exec(ctx, "DELETE FROM course_prerequisites")
	require.NoError(t, err)
	return f
}

func (f prereqFixture) page(course int64) string {
	return fmt.Sprintf("/admin/courses/%d/prerequisites", course)
}

func (f prereqFixture) prerequisites(t *testing.T) int {
	t.Helper()
	var n int
	require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT count(*) FROM course_prerequisites").Scan(&n))
	return n
}

func (f prereqFixture) require(t *testing.T, months string) {
	t.Helper()
	f.boss.get(f.page(f.first))
	resp, page := f.boss.post(f.page(f.first), url.Values{"requires-course": {strconv.FormatInt(f.second, 10)}, "within-months": {months}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
}

func TestThePrerequisitesPageRefusesBadInput(t *testing.T) {
	t.Parallel()
	f := setupPrereq(t)
	resp, page := f.boss.get(fmt.Sprintf("/admin/courses/%d", f.first))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, f.page(f.first), "linked from the course's page")

	resp, page = f.boss.get(f.page(f.first))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "no prerequisites")
	first := strconv.FormatInt(f.first, 10)
	second := strconv.FormatInt(f.second, 10)
	for _, c := range []struct{ requires, months, want string }{
		{"", "", "Choose the course it requires"},
		{"999999", "", "Choose the course it requires"},
		{first, "", "cannot require itself"},
		{second, "0", "whole number from 1 to 120"},
		{second, "121", "whole number from 1 to 120"},
		{second, "2.5", "whole number from 1 to 120"},
	} {
		resp, page := f.boss.post(f.page(f.first), url.Values{"requires-course": {c.requires}, "within-months": {c.months}})
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "%+v", c)
		assert.Contains(t, errorSummary(page), c.want, "%+v", c)
	}
	// A NUL byte is refused before the form is read, as everywhere.
	resp, _ = f.boss.post(f.page(f.first), url.Values{"requires-course": {second}, "within-months": {"36\x00"}})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Zero(t, f.prerequisites(t), "nothing saved")

	f.require(t, "36")
	_, page = f.boss.get(f.page(f.first))
	assert.Contains(t, page, "completed within the last 3 years")
	assert.Equal(t, 1, f.a.auditCount(t, "prerequisite_added", f.bossID, 0, "{}"))

	// The loop back: refused, with the reason.
	f.boss.get(f.page(f.second))
	resp, page = f.boss.post(f.page(f.second), url.Values{"requires-course": {first}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "already needs this one")
	assert.Equal(t, 1, f.prerequisites(t))

	// Removed.
	f.boss.get(f.page(f.first))
	resp, _ = f.boss.post(fmt.Sprintf("%s/%d/remove", f.page(f.first), f.second), url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Zero(t, f.prerequisites(t))

	// Not for practitioners.
	f.a.newUser(t, "pat@example.org", "")
	pat := f.a.as(t, "pat@example.org")
	resp, _ = pat.get(f.page(f.first))
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = pat.post(f.page(f.first), url.Values{"requires-course": {second}})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Zero(t, f.prerequisites(t))
}

// The booking form says what is missing, with a link to the course needed
// and to the prior learning form; the place is had once the record has it.
func TestBookingSaysWhichCourseIsMissing(t *testing.T) {
	t.Parallel()
	f := setupPrereq(t)
	f.require(t, "36")
	session := f.a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	pat := f.a.newUser(t, "pat@example.org", "")
	c := f.a.as(t, "pat@example.org")
	book := fmt.Sprintf("/sessions/%d/book", session)

	// The course's page says so first.
	var slug string
	require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT slug FROM courses WHERE id = $1", f.first).Scan(&slug))
	_, page := c.get("/courses/" + slug)
	assert.Contains(t, page, `<a class="govuk-link" href="/courses/`+f.secondSlug+`">`+f.secondTitle+`</a> (completed within the last 3 years)`)

	resp, page := c.get(book)
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "You need "+f.secondTitle+" (completed within the last 3 years) before you can book this course.")
	assert.Contains(t, page, `href="/courses/`+f.secondSlug+`"`)
	assert.Contains(t, page, fmt.Sprintf(`href="/my-training/prior-learning/new?course=%d"`, f.second))

	// Posted anyway (a form kept open): refused the same way, nothing booked.
	resp, page = c.post(book, bookingDetails())
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, `href="/courses/`+f.secondSlug+`"`)
	var n int
	require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT count(*) FROM bookings WHERE user_id = $1", pat).Scan(&n))
	assert.Zero(t, n)

	// Attended the course needed a year ago: booked.
	_, err := f.a.pool.Exec(context.Background(), `
		WITH s AS (
			INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
			SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), $2::timestamptz, $2::timestamptz + interval '3 hours', $2::timestamptz, 10, 'completed'
			FROM courses c WHERE c.id = $1 RETURNING id)
		INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at, attendance)
		SELECT s.id, u.id, u.agency_id, 'confirmed', u.id, $2, $2, 'attended' FROM s, users u WHERE u.id = $3`,
		f.second, f.a.clock.Now().Add(-365*24*time.Hour), pat)
	require.NoError(t, err)
	c.book(session, bookingDetails())
}

// A person claims training done elsewhere; a manager decides; the person
// sees the decision on My training.
func TestPriorLearningFromClaimToDecision(t *testing.T) {
	t.Parallel()
	f := setupPrereq(t)
	f.a.newUser(t, "pat@example.org", "")
	pat := f.a.as(t, "pat@example.org")
	form := fmt.Sprintf("/my-training/prior-learning/new?course=%d", f.second)
	resp, page := pat.get(form)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, fmt.Sprintf(`<option value="%d" selected>`, f.second), "the course asked for is chosen")

	good := url.Values{"course": {strconv.FormatInt(f.second, 10)}, "completed-on-day": {"3"}, "completed-on-month": {"2"},
		"completed-on-year": {"2025"}, "provider": {"Hampshire Safeguarding Children Partnership"}, "note": {"I have the certificate"}}
	tomorrow := f.a.clock.Now().Add(36 * time.Hour).In(time.UTC)
	for _, c := range []struct {
		name string
		form url.Values
		want string
	}{
		{"no provider", with(good, "provider", ""), "Enter who provided the training"},
		{"hidden formatting", with(good, "provider", "NHS\u202eTrust"), "hidden formatting"},
		{"no course", with(good, "course", ""), "Choose the course you did"},
		{"no date", with(good, "completed-on-day", "", "completed-on-month", "", "completed-on-year", ""), "Enter the date you completed it"},
		{"future", with(good, "completed-on-day", strconv.Itoa(tomorrow.Day()), "completed-on-month", strconv.Itoa(int(tomorrow.Month())),
			"completed-on-year", strconv.Itoa(tomorrow.Year())), "today or in the past"},
	} {
		resp, page := pat.post("/my-training/prior-learning/new", c.form)
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, c.name)
		assert.Contains(t, errorSummary(page), c.want, c.name)
	}
	resp, _ = pat.post("/my-training/prior-learning/new", with(good, "note", "certificate\x00"))
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "a NUL byte is refused before the form is read, as everywhere")
	var claims int
	require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT count(*) FROM prior_learning_claims").Scan(&claims))
	assert.Zero(t, claims)
	resp, page = pat.post("/my-training/prior-learning/new", good)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	_, page = pat.get("/my-training")
	assert.Contains(t, page, "Waiting for a decision")

	// Practitioners cannot see or decide claims.
	resp, _ = pat.get("/admin/prior-learning")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)

	var claim int64
	require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT id FROM prior_learning_claims").Scan(&claim))
	resp, _ = pat.post(fmt.Sprintf("/admin/prior-learning/%d", claim), url.Values{"decision": {"confirmed"}})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)

	// The manager: on the home page, the list, the claim.
	_, page = f.boss.get("/admin")
	assert.Regexp(t, `id="todo-prior-learning">\s*<a[^>]*href="/admin/prior-learning"><span class="app-todo__count">1</span> claim of training done elsewhere to decide`, page)
	_, page = f.boss.get("/admin/prior-learning")
	assert.Contains(t, page, "Hampshire Safeguarding Children Partnership")
	resp, page = f.boss.get(fmt.Sprintf("/admin/prior-learning/%d", claim))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "I have the certificate")
	resp, _ = f.boss.get("/admin/prior-learning/999999")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	resp, page = f.boss.post(fmt.Sprintf("/admin/prior-learning/%d", claim), url.Values{"decision": {"rejected"}, "reject-reason": {" "}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Enter why the claim is not accepted")
	resp, page = f.boss.post(fmt.Sprintf("/admin/prior-learning/%d", claim), url.Values{})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Choose whether to confirm")
	resp, _ = f.boss.post(fmt.Sprintf("/admin/prior-learning/%d", claim), url.Values{"decision": {"rejected"}, "reject-reason": {"No record of this course"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/admin/prior-learning?done=rejected", resp.Header.Get("Location"))
	resp, _ = f.boss.post(fmt.Sprintf("/admin/prior-learning/%d", claim), url.Values{"decision": {"confirmed"}})
	assert.Equal(t, "/admin/prior-learning?done=decided", resp.Header.Get("Location"), "decided once")

	_, page = pat.get("/my-training")
	assert.Contains(t, page, "Not accepted")
	assert.Contains(t, page, "No record of this course")
	_, page = f.boss.get("/admin/prior-learning")
	assert.Contains(t, page, "No claims are waiting")
}

// A manager adding someone who lacks a prerequisite is told what is
// missing and may add them with a reason, which the booking keeps.
func TestAManagerAddsSomeoneWithoutAPrerequisite(t *testing.T) {
	t.Parallel()
	f := setupPrereq(t)
	f.require(t, "")
	session := f.a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	pat := f.a.newUser(t, "pat@example.org", "")
	add := fmt.Sprintf("/admin/sessions/%d/bookings/add", session)
	f.boss.get(add)
	resp, page := f.boss.post(add, with(bookingDetails(), "person-email", "pat@example.org"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "They need "+f.secondTitle+" before they can book this course.")
	assert.Contains(t, page, `name="prerequisite-override"`)

	resp, page = f.boss.post(add, with(bookingDetails(), "person-email", "pat@example.org",
		"prerequisite-override", "Did the equivalent with the Isle of Wight partnership"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	var reason string
	require.NoError(t, f.a.pool.QueryRow(context.Background(),
		"SELECT prerequisite_override FROM bookings WHERE user_id = $1 AND status = 'confirmed'", pat).Scan(&reason))
	assert.Equal(t, "Did the equivalent with the Isle of Wight partnership", reason)
	assert.Equal(t, 1, f.a.auditCount(t, "prerequisite_overridden", f.bossID, pat, "{}"))
}
