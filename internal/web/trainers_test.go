package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/london"
)

// trainerWorld is an app with a manager, two trainers, a practitioner and a
// coordinator, a course, a training room and an online platform.
type trainerWorld struct {
	testApp
	manager, trainer, other, practitioner, coordinator int64
	course                                             int64
	courseTitle                                        string
	room, online                                       int64
}

func trainerSetup(t *testing.T) trainerWorld {
	t.Helper()
	a := setup(t)
	w := trainerWorld{
		testApp:      a,
		manager:      a.newUser(t, "manager@example.org", managerAgency, "manager"),
		trainer:      a.newUser(t, "trainer@example.org", otherAgency, "trainer"),
		other:        a.newUser(t, "other@example.org", coordAgency, "trainer"),
		practitioner: a.newUser(t, "practitioner@example.org", otherAgency),
		coordinator:  a.newUser(t, "coordinator@example.org", coordAgency, "coordinator"),
	}
	ctx := context.Background()
	require.NoError(t, a.pool.QueryRow(ctx,
		"SELECT id, title FROM courses WHERE retired_at IS NULL ORDER BY id LIMIT 1").Scan(&w.course, &w.courseTitle))
	require.NoError(t, a.pool.QueryRow(ctx, `
		INSERT INTO venues (name, address_line1, town, postcode, capacity, directions)
		VALUES ('Trainers Test Room', '1 Guildhall Square', 'Portsmouth', 'PO1 2AL', 20, 'Second floor, turn left')
		RETURNING id`).Scan(&w.room))
	require.NoError(t, a.pool.QueryRow(ctx,
		"INSERT INTO venues (name, online) VALUES ('Trainers Test Teams', true) RETURNING id").Scan(&w.online))
	return w
}

// session inserts a session of the world's course (as the scheduling pages
// will) and has trainers deliver it.
func (w trainerWorld) session(t *testing.T, venue int64, start, end time.Time, status string, trainers ...int64) int64 {
	t.Helper()
	ctx := context.Background()
	reason := ""
	if status == "cancelled" {
		reason = "Trainer unwell"
	}
	var sid int64
	require.NoError(t, w.pool.QueryRow(ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity,
		                      status, cancelled_reason, meeting_url)
		SELECT c.id, c.title, $2, $3, $4, $3, 12, $5, $6,
		       CASE WHEN v.online THEN 'https://teams.example.org/meet/abc' ELSE '' END
		FROM courses c, venues v WHERE c.id = $1 AND v.id = $2
		RETURNING id`, w.course, venue, start, end, status, reason).Scan(&sid))
	w.putTrainerOn(t, sid, trainers...)
	return sid
}

// londonAt is a wall-clock time in London.
func londonAt(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, london.Zone)
}

// Every route answers each kind of person as it should: sign in first, a
// 403 for the wrong role, and a trainer only ever sees their own sessions.
func TestTrainerRoutesRoleMatrix(t *testing.T) {
	t.Parallel()
	w := trainerSetup(t)
	own := w.session(t, w.room, londonAt(2026, 12, 1, 9, 30), londonAt(2026, 12, 1, 16, 0), "published", w.trainer)
	theirs := w.session(t, w.room, londonAt(2026, 12, 2, 9, 30), londonAt(2026, 12, 2, 16, 0), "published", w.other)

	adminGets := []string{"/admin/trainers", "/admin/trainers/" + id(w.trainer)}
	trainerGets := []string{"/trainer/sessions", "/trainer/sessions/" + id(own)}
	posts := []string{
		"/admin/trainers/" + id(w.trainer) + "/courses",
		"/admin/trainers/" + id(w.trainer) + "/time-off",
		"/admin/trainers/" + id(w.trainer) + "/time-off/1/delete",
		"/trainer/calendar/reset",
	}

	anon := w.client(t)
	for _, p := range append(append([]string{}, adminGets...), trainerGets...) {
		resp, _ := anon.get(p)
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode, p)
		assert.True(t, strings.HasPrefix(resp.Header.Get("Location"), "/sign-in"), p)
	}

	for _, who := range []string{"practitioner@example.org", "coordinator@example.org"} {
		c := w.as(t, who)
		for _, p := range append(append([]string{}, adminGets...), trainerGets...) {
			resp, _ := c.get(p)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s %s", who, p)
		}
		for _, p := range posts {
			resp, _ := c.post(p, url.Values{})
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s POST %s", who, p)
		}
	}

	tr := w.as(t, "trainer@example.org")
	for _, p := range adminGets {
		resp, _ := tr.get(p)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, "trainer %s", p)
	}
	for _, p := range posts[:3] {
		resp, _ := tr.post(p, url.Values{})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, "trainer POST %s", p)
	}
	for _, p := range trainerGets {
		resp, _ := tr.get(p)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "trainer %s", p)
	}
	resp, _ := tr.get("/trainer/sessions/" + id(theirs))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "another trainer's session")

	m := w.as(t, "manager@example.org")
	for _, p := range adminGets {
		resp, _ := m.get(p)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "manager %s", p)
	}
	for _, p := range trainerGets {
		resp, _ := m.get(p)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, "manager without the trainer role %s", p)
	}
	resp, _ = m.get("/admin/trainers/" + id(w.practitioner))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "someone who does not train")
	resp, _ = m.get("/admin/trainers/999999")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func (w trainerWorld) approvedCourses(t *testing.T, trainer int64) []int64 {
	t.Helper()
	rows, err := w.pool.Query(context.Background(), "SELECT course_id FROM trainer_courses WHERE trainer_id = $1 ORDER BY course_id", trainer)
	require.NoError(t, err)
	var out []int64
	for rows.Next() {
		var c int64
		require.NoError(t, rows.Scan(&c))
		out = append(out, c)
	}
	require.NoError(t, rows.Err())
	return out
}

func TestTrainerCourseApprovals(t *testing.T) {
	t.Parallel()
	w := trainerSetup(t)
	ctx := context.Background()
	var courses []int64
	rows, err := w.pool.Query(ctx, "SELECT id FROM courses WHERE retired_at IS NULL ORDER BY id LIMIT 3")
	require.NoError(t, err)
	for rows.Next() {
		var c int64
		require.NoError(t, rows.Scan(&c))
		courses = append(courses, c)
	}
	require.Len(t, courses, 3)

	m := w.as(t, "manager@example.org")
	page := "/admin/trainers/" + id(w.trainer)
	_, body := m.get(page)
	assert.Contains(t, body, "Trainer Tester")
	assert.Contains(t, body, otherAgency)

	resp, _ := m.post(page+"/courses", url.Values{"course": {id(courses[0]), id(courses[1])}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, page+"?done=courses-saved", resp.Header.Get("Location"))
	assert.Equal(t, courses[:2], w.approvedCourses(t, w.trainer))

	_, body = m.get(page + "?done=courses-saved")
	assert.Contains(t, body, "Courses saved")
	assert.Regexp(t, `value="`+id(courses[0])+`" checked`, body)
	assert.NotRegexp(t, `value="`+id(courses[2])+`" checked`, body)

	// Saving a different set replaces the old one in one go.
	resp, _ = m.post(page+"/courses", url.Values{"course": {id(courses[1]), id(courses[2])}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, courses[1:], w.approvedCourses(t, w.trainer))

	// Down to deliver a session of courses[1] still to come (by the
	// database's clock), the trainer stays approved for it: unticking it is
	// refused with the reason, and nothing changes.
	var toCome int64
	require.NoError(t, w.pool.QueryRow(ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, $2, now() + interval '60 days', now() + interval '60 days 3 hours', now() + interval '50 days', 10, 'published'
		FROM courses c WHERE c.id = $1 RETURNING id`, courses[1], w.online).Scan(&toCome))
	w.putTrainerOn(t, toCome, w.trainer)
	resp, body = m.post(page+"/courses", url.Values{"course": {id(courses[2])}})
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, body, "This trainer is down to deliver a session still to come of a course you unticked")
	assert.Equal(t, courses[1:], w.approvedCourses(t, w.trainer))

	_, body = m.get("/admin/trainers")
	assert.Regexp(t, `(?s)Trainer Tester</a></td>.*?`+regexp.QuoteMeta(otherAgency)+`</td>\s*<td[^>]*>2</td>`, body)

	var audits int
	require.NoError(t, w.pool.QueryRow(ctx, `SELECT count(*) FROM audit_events e JOIN users u ON u.id = e.actor_id
		WHERE e.action = 'trainer_courses_changed' AND e.subject_user_id = $1
		AND u.email = 'manager@example.org' AND e.ip IS NOT NULL`, w.trainer).Scan(&audits))
	assert.Equal(t, 2, audits)

	// Not a trainer: no page, nothing saved.
	resp, _ = m.post("/admin/trainers/"+id(w.practitioner)+"/courses", url.Values{"course": {id(courses[0])}})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Empty(t, w.approvedCourses(t, w.practitioner))
}

func (w trainerWorld) timeOff(t *testing.T, trainer int64) [][2]time.Time {
	t.Helper()
	rows, err := w.pool.Query(context.Background(), `
		SELECT lower(during), upper(during) FROM trainer_commitments
		WHERE trainer_id = $1 AND session_id IS NULL ORDER BY lower(during)`, trainer)
	require.NoError(t, err)
	var out [][2]time.Time
	for rows.Next() {
		var r [2]time.Time
		require.NoError(t, rows.Scan(&r[0], &r[1]))
		out = append(out, r)
	}
	require.NoError(t, rows.Err())
	return out
}

func dates(fromD, fromM, fromY, toD, toM, toY, reason string) url.Values {
	return url.Values{"from-day": {fromD}, "from-month": {fromM}, "from-year": {fromY},
		"to-day": {toD}, "to-month": {toM}, "to-year": {toY}, "reason": {reason}}
}

// Time off runs from local midnight of the first day to local midnight after
// the last, whichever side of a clock change each falls.
func TestTrainerTimeOffAcrossClockChanges(t *testing.T) {
	t.Parallel()
	w := trainerSetup(t)
	m := w.as(t, "manager@example.org")
	page := "/admin/trainers/" + id(w.trainer)

	// Summer time starts at 1am on Sunday 28 March 2027.
	resp, body := m.post(page+"/time-off", dates("28", "3", "2027", "29", "3", "2027", "Annual leave"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(body))
	// and ends at 2am on Sunday 31 October 2027.
	resp, body = m.post(page+"/time-off", dates("31", "10", "2027", "31", "10", "2027", ""))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(body))

	got := w.timeOff(t, w.trainer)
	require.Len(t, got, 2)
	assert.Equal(t, time.Date(2027, 3, 28, 0, 0, 0, 0, time.UTC), got[0][0].UTC(), "midnight GMT")
	assert.Equal(t, time.Date(2027, 3, 29, 23, 0, 0, 0, time.UTC), got[0][1].UTC(), "midnight BST after 29 March")
	assert.Equal(t, time.Date(2027, 10, 30, 23, 0, 0, 0, time.UTC), got[1][0].UTC(), "midnight BST")
	assert.Equal(t, time.Date(2027, 11, 1, 0, 0, 0, 0, time.UTC), got[1][1].UTC(), "midnight GMT after 31 October")
	assert.Equal(t, 25*time.Hour, got[1][1].Sub(got[1][0]), "the day the clocks go back is 25 hours long")

	_, body = m.get(page + "?done=time-off-added")
	assert.Contains(t, body, "Time off added")
	assert.Contains(t, body, "Sunday 28 March 2027")
	assert.Contains(t, body, "Monday 29 March 2027")
	assert.Contains(t, body, "Annual leave")

	// Remove the first.
	var entry int64
	require.NoError(t, w.pool.QueryRow(context.Background(),
		"SELECT id FROM trainer_commitments WHERE trainer_id = $1 AND session_id IS NULL ORDER BY lower(during) LIMIT 1", w.trainer).Scan(&entry))
	resp, _ = m.post(page+"/time-off/"+id(entry)+"/delete", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Len(t, w.timeOff(t, w.trainer), 1)
	resp, _ = m.post(page+"/time-off/"+id(entry)+"/delete", url.Values{})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "already removed")

	// Mistakes are shown with an error summary, and nothing is saved.
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{dates("", "", "", "", "", "", ""), "Enter the first day"},
		{dates("31", "4", "2027", "1", "5", "2027", ""), "The first day must be a real date"},
		{dates("2", "5", "2027", "1", "5", "2027", ""), "The last day must be the same as or after the first day"},
		{dates("1", "5", "2027", "", "5", "2027", ""), "The last day must include a day"},
		{dates("1", "5", "2027", "1", "5", "2027", strings.Repeat("x", 201)), "Reason must be 200 characters or fewer"},
	} {
		resp, body := m.post(page+"/time-off", tc.form)
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, tc.want)
		assert.Contains(t, errorSummary(body), tc.want)
	}
	assert.Len(t, w.timeOff(t, w.trainer), 1)
}

// The database refuses time off over a session the trainer delivers, and the
// form says which session is in the way.
func TestTrainerTimeOffOverlappingSessionRefused(t *testing.T) {
	t.Parallel()
	w := trainerSetup(t)
	w.session(t, w.room, londonAt(2027, 3, 30, 9, 30), londonAt(2027, 3, 30, 16, 0), "published", w.trainer)
	m := w.as(t, "manager@example.org")
	page := "/admin/trainers/" + id(w.trainer)

	resp, body := m.post(page+"/time-off", dates("29", "3", "2027", "31", "3", "2027", "Holiday"))
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(body), w.courseTitle+", Tuesday 30 March 2027, 9:30am to 4pm")
	assert.Contains(t, body, `value="Holiday"`, "the form keeps what was typed")
	assert.Empty(t, w.timeOff(t, w.trainer))

	// The day before is fine; then time off over it is refused too.
	resp, _ = m.post(page+"/time-off", dates("29", "3", "2027", "29", "3", "2027", ""))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, body = m.post(page+"/time-off", dates("28", "3", "2027", "29", "3", "2027", ""))
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(body), "overlaps time off already recorded, from Monday 29 March 2027 to Monday 29 March 2027")
	assert.Len(t, w.timeOff(t, w.trainer), 1)
}

// A trainer's "My sessions": their sessions with co-trainers and venue,
// upcoming and past apart, each ten a page, and never another trainer's.
func TestTrainerMySessions(t *testing.T) {
	t.Parallel()
	w := trainerSetup(t)
	own := w.session(t, w.room, londonAt(2026, 12, 1, 9, 30), londonAt(2026, 12, 1, 16, 0), "published", w.trainer, w.other)
	onlineSession := w.session(t, w.online, londonAt(2026, 12, 3, 13, 0), londonAt(2026, 12, 3, 16, 30), "draft", w.trainer)
	theirs := w.session(t, w.room, londonAt(2026, 12, 2, 9, 30), londonAt(2026, 12, 2, 16, 0), "published", w.other)
	for i := range 21 {
		day := londonAt(2026, 10, 1, 9, 30).AddDate(0, 0, i)
		w.session(t, w.online, day, day.Add(3*time.Hour), "completed", w.trainer)
	}
	var later []int64
	for i := range 10 {
		day := londonAt(2027, 1, 4, 9, 30).AddDate(0, 0, i)
		later = append(later, w.session(t, w.online, day, day.Add(3*time.Hour), "published", w.trainer))
	}
	items := func(body string) int { return strings.Count(body, `class="app-session-list__item"`) }

	c := w.as(t, "trainer@example.org")
	resp, body := c.get("/trainer/sessions")
	require.Equal(t, http.StatusOK, resp.StatusCode, w.logs.String())
	assert.Contains(t, body, "Tuesday 1 December 2026, 9:30am to 4pm")
	assert.Contains(t, body, "Other Tester ("+coordAgency+")")
	assert.Contains(t, body, "Trainers Test Room")
	assert.Contains(t, body, "PO1 2AL")
	assert.Contains(t, body, "https://teams.example.org/meet/abc")
	assert.Contains(t, body, "12 places, 0 booked")
	assert.Contains(t, body, `href="/trainer/sessions/`+id(own)+`"`)
	assert.Contains(t, body, `href="/trainer/sessions/`+id(onlineSession)+`"`)
	assert.NotContains(t, body, `href="/trainer/sessions/`+id(theirs)+`"`)
	assert.Contains(t, body, "Upcoming (12)")
	assert.Contains(t, body, "Past (21)")
	assert.Contains(t, body, "12 sessions to deliver, soonest first (page 1 of 2)")
	assert.Equal(t, 10, items(body), "upcoming only, ten a page")
	assert.NotContains(t, body, "Thursday 1 October 2026", "no past session among the upcoming")
	assert.NotContains(t, body, `href="/trainer/sessions/`+id(later[9])+`"`, "the last is on page 2")
	assert.Contains(t, body, `href="/trainer/sessions?page=2"`)

	_, body = c.get("/trainer/sessions?page=2")
	assert.Equal(t, 2, items(body))
	assert.Contains(t, body, `href="/trainer/sessions/`+id(later[9])+`"`)

	_, body = c.get("/trainer/sessions?show=past")
	assert.Contains(t, body, "21 past sessions, most recent first (page 1 of 3)")
	assert.Equal(t, 10, items(body))
	assert.NotContains(t, body, `href="/trainer/sessions/`+id(own)+`"`, "no upcoming session among the past")
	assert.Contains(t, body, `href="/trainer/sessions?page=2&amp;show=past"`)
	assert.Contains(t, body, `aria-current="page">Past (21)`)

	_, body = c.get("/trainer/sessions?show=past&page=3")
	assert.Equal(t, 1, items(body))
	assert.Contains(t, body, "Thursday 1 October 2026", "the earliest is last")

	_, body = c.get("/trainer/sessions?show=past&page=9")
	assert.Zero(t, items(body))
	assert.Contains(t, body, "There are no sessions on this page")

	resp, body = c.get("/trainer/sessions/" + id(own))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, w.courseTitle)
	assert.Contains(t, body, "Second floor, turn left")
	assert.Contains(t, body, "Other Tester ("+coordAgency+")")
	assert.Contains(t, body, "No one has booked yet")

	resp, body = c.get("/trainer/sessions/" + id(onlineSession))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "Online (Trainers Test Teams)")
	assert.Contains(t, body, "None: you deliver it alone")

	resp, _ = c.get("/trainer/sessions/" + id(theirs))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = c.get("/trainer/sessions/nonsense")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

var feedPath = regexp.MustCompile(`/calendar/[A-Za-z0-9_-]{43}\.ics`)

// The personal feed parses with an independent reader: one event per
// session that is not cancelled, at 9:30 London time on either side of both
// clock changes, and a reset token stops the old address working.
func TestTrainerCalendarFeed(t *testing.T) {
	t.Parallel()
	w := trainerSetup(t)
	spring := w.session(t, w.room, londonAt(2027, 3, 29, 9, 30), londonAt(2027, 3, 29, 16, 0), "published", w.trainer, w.other)
	autumn := w.session(t, w.online, londonAt(2027, 11, 1, 9, 30), londonAt(2027, 11, 1, 12, 30), "published", w.trainer)
	w.session(t, w.room, londonAt(2027, 1, 5, 9, 30), londonAt(2027, 1, 5, 16, 0), "cancelled", w.trainer)
	w.session(t, w.online, now.AddDate(0, 0, -60), now.AddDate(0, 0, -60).Add(time.Hour), "completed", w.trainer)
	w.session(t, w.room, londonAt(2027, 2, 2, 9, 30), londonAt(2027, 2, 2, 16, 0), "published", w.other)
	_, err := w.pool.Exec(context.Background(), "UPDATE sessions SET sequence = 3 WHERE id = $1", spring)
	require.NoError(t, err)

	c := w.as(t, "trainer@example.org")
	_, body := c.get("/trainer/sessions")
	assert.Contains(t, body, "Your calendar feed")
	path := feedPath.FindString(body)
	require.NotEmpty(t, path)
	_, again := c.get("/trainer/sessions")
	assert.Equal(t, path, feedPath.FindString(again), "the token is made once")

	anon := w.client(t)
	resp, ical := anon.get(path)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/calendar; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	assert.Contains(t, ical, "BEGIN:VCALENDAR\r\n")
	assert.NotRegexp(t, `[^\r]\n`, ical, "every line ends CRLF")
	assert.Contains(t, ical, "DTSTART;TZID=Europe/London:20270329T093000\r\n")
	assert.Contains(t, ical, "DTSTART;TZID=Europe/London:20271101T093000\r\n")

	cal, err := ics.ParseCalendar(strings.NewReader(ical))
	require.NoError(t, err)
	require.Len(t, cal.Timezones(), 1)
	assert.Equal(t, "Europe/London", cal.Timezones()[0].GetProperty(ics.ComponentPropertyTzid).Value)
	events := cal.Events()
	require.Len(t, events, 2, "not cancelled, not older than 30 days, not another trainer's")

	type want struct {
		session          int64
		sequence         string
		location         string
		start, end       time.Time
		startUTCHour     int
		endLocalH, endLM int
	}
	for i, wv := range []want{
		{spring, "3", "Trainers Test Room, 1 Guildhall Square, Portsmouth, PO1 2AL",
			londonAt(2027, 3, 29, 9, 30), londonAt(2027, 3, 29, 16, 0), 8, 16, 0},
		{autumn, "0", "Online", londonAt(2027, 11, 1, 9, 30), londonAt(2027, 11, 1, 12, 30), 9, 12, 30},
	} {
		e := events[i]
		assert.Equal(t, "session-"+id(wv.session)+"-trainer-"+id(w.trainer)+"@localhost", e.Id(), "the UID of the trainer's emailed invitation")
		assert.Equal(t, wv.sequence, e.GetProperty(ics.ComponentPropertySequence).Value)
		assert.Equal(t, w.courseTitle, e.GetProperty(ics.ComponentPropertySummary).Value)
		assert.Equal(t, wv.location, strings.ReplaceAll(e.GetProperty(ics.ComponentPropertyLocation).Value, `\,`, ","))
		assert.Equal(t, "CONFIRMED", e.GetProperty(ics.ComponentPropertyStatus).Value)
		start, err := e.GetStartAt()
		require.NoError(t, err)
		end, err := e.GetEndAt()
		require.NoError(t, err)
		assert.True(t, start.Equal(wv.start), "start %s", start)
		assert.True(t, end.Equal(wv.end), "end %s", end)
		local := start.In(london.Zone)
		assert.Equal(t, [2]int{9, 30}, [2]int{local.Hour(), local.Minute()}, "9:30 local")
		assert.Equal(t, wv.startUTCHour, start.UTC().Hour())
		assert.Equal(t, [2]int{wv.endLocalH, wv.endLM}, [2]int{end.In(london.Zone).Hour(), end.In(london.Zone).Minute()})
	}

	// A new address: the old one stops working.
	resp, _ = c.post("/trainer/calendar/reset", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, body = c.get("/trainer/sessions?done=feed-reset")
	assert.Contains(t, body, "Your calendar feed has a new address")
	newPath := feedPath.FindString(body)
	require.NotEmpty(t, newPath)
	assert.NotEqual(t, path, newPath)
	resp, _ = anon.get(path)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "old address")
	resp, _ = anon.get(newPath)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "new address")
	resp, _ = anon.get("/calendar/" + strings.Repeat("A", 43) + ".ics")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "unknown token")

	// Someone who no longer trains keeps their feed, for their own places,
	// but the sessions they were to deliver leave it. (The role goes only
	// once they are off their sessions to come: the database keeps it
	// while they have any.)
	_, err = w.pool.Exec(context.Background(), `DELETE FROM session_trainers st USING sessions s
		WHERE s.id = st.session_id AND st.trainer_id = $1 AND s.ends_at > now()`, w.trainer)
	require.NoError(t, err)
	_, err = w.pool.Exec(context.Background(), "DELETE FROM user_roles WHERE user_id = $1 AND role = 'trainer'", w.trainer)
	require.NoError(t, err)
	resp, ical = anon.get(newPath)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "no longer a trainer")
	assert.NotContains(t, ical, "BEGIN:VEVENT", "no longer a trainer")
}

// Trainers come a page of 25 at a time, by name, each page counting only
// its own trainers' courses and sessions; the caption counts them all.
func TestTrainersArePaginated(t *testing.T) {
	t.Parallel()
	w := trainerSetup(t)
	_, err := w.pool.Exec(context.Background(), `
		WITH u AS (
		    INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
		    SELECT 'paged' || g || '@example.org', 'Paged Trainer ' || lpad(g::text, 2, '0'), 'Trainer',
		           (SELECT min(id) FROM agencies), '!', now()
		    FROM generate_series(1, 30) g
		    RETURNING id)
		INSERT INTO user_roles (user_id, role) SELECT id, 'trainer' FROM u`)
	require.NoError(t, err)
	m := w.as(t, "manager@example.org")
	names := regexp.MustCompile(`<a class="govuk-link" href="/admin/trainers/\d+">([^<]+)</a>`)
	listed := func(body string) []string {
		var out []string
		for _, m := range names.FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	_, body := m.get("/admin/trainers")
	first := listed(body)
	require.Len(t, first, 25)
	assert.Equal(t, "Other Tester", first[0])
	assert.Equal(t, "Paged Trainer 24", first[24])
	assert.Contains(t, body, "32 trainers")
	assert.Contains(t, body, `href="/admin/trainers?page=2"`)
	_, body = m.get("/admin/trainers?page=2")
	assert.Equal(t, []string{"Paged Trainer 25", "Paged Trainer 26", "Paged Trainer 27", "Paged Trainer 28",
		"Paged Trainer 29", "Paged Trainer 30", "Trainer Tester"}, listed(body))
	assert.Contains(t, body, "32 trainers")
	assert.Contains(t, body, `href="/admin/trainers"`, "back to the first page")
}
