package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type schedulingFixture struct {
	a        testApp
	manager  *client
	course   int64
	room     int64
	trainers []int64
}

func setupScheduling(t *testing.T) schedulingFixture {
	t.Helper()
	a := setup(t)
	ctx := context.Background()
	f := schedulingFixture{a: a}
	a.newUser(t, "boss@example.org", "", "manager")
	f.manager = a.client(t)
	f.manager.signIn("boss@example.org", testPassword)
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT id FROM courses WHERE slug = 'working-together-to-safeguard-children'").Scan(&f.course))
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT min(id) FROM venues WHERE NOT online").Scan(&f.room))
	for i, agency := range []string{"Portsmouth City Council", "Hampshire and Isle of Wight Constabulary", "Portsmouth City Council"} {
		id := a.newUser(t, "trainer"+strconv.Itoa(i)+"@example.org", agency, "trainer")
		_, err := a.pool.Exec(ctx, "INSERT INTO trainer_courses (trainer_id, course_id) VALUES ($1, $2)", id, f.course)
		require.NoError(t, err)
		f.trainers = append(f.trainers, id)
	}
	return f
}

func (f schedulingFixture) form(day string, trainers ...int64) url.Values {
	v := url.Values{
		"course": {strconv.FormatInt(f.course, 10)}, "date-day": {day}, "date-month": {"2"}, "date-year": {"2028"},
		"start": {"9:30"}, "end": {"16:00"}, "venue": {strconv.FormatInt(f.room, 10)}, "cutoff": {"3"}, "open-to": {"everyone"},
	}
	for _, t := range trainers {
		v.Add("trainers", strconv.FormatInt(t, 10))
	}
	return v
}

func TestSchedulingIsForManagersOnly(t *testing.T) {
	t.Parallel()
	f := setupScheduling(t)
	resp, _ := f.a.client(t).get("/admin/sessions")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	for _, role := range []string{"", "trainer", "coordinator"} {
		roles := []string{}
		if role != "" {
			roles = append(roles, role)
		}
		f.a.newUser(t, "role-"+role+"@example.org", "", roles...)
		c := f.a.client(t)
		c.signIn("role-"+role+"@example.org", testPassword)
		for _, path := range []string{"/admin/sessions", "/admin/sessions/new", "/admin/sessions/series", "/admin/sessions/export.csv"} {
			resp, _ := c.get(path)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s as %q", path, role)
		}
		c.get("/account")
		resp, _ := c.post("/admin/sessions/new", f.form("10", f.trainers[0]))
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	}
	var n int
	require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT count(*) FROM sessions WHERE starts_at > '2028-01-01'").Scan(&n))
	assert.Zero(t, n, "nothing was scheduled")
}

func TestScheduleAndPublishASession(t *testing.T) {
	t.Parallel()
	f := setupScheduling(t)
	c := f.manager
	_, page := c.get("/admin/sessions/new")
	require.Contains(t, page, "Schedule a session")

	resp, _ := c.post("/admin/sessions/new", f.form("10", f.trainers[0], f.trainers[1]))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc := resp.Header.Get("Location")
	assert.Contains(t, loc, "done=created")
	assert.NotContains(t, loc, "warn=", "trainers from two agencies")
	_, page = c.get(loc)
	assert.Contains(t, page, "Thursday 10 February 2028, 9:30am to 4pm")
	assert.Contains(t, page, "Draft")

	id := strings.TrimPrefix(strings.Split(loc, "?")[0], "/admin/sessions/")
	resp, _ = c.post("/admin/sessions/"+id+"/publish", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = f.a.client(t).get("/courses/working-together-to-safeguard-children")
	assert.Contains(t, page, "Thursday 10 February 2028, 9:30am to 4pm", "published sessions are public")

	// Move it: the calendar version goes up.
	form := f.form("10", f.trainers[0], f.trainers[1])
	form.Set("start", "10:00")
	resp, _ = c.post("/admin/sessions/"+id+"/edit", form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = c.get("/admin/sessions/" + id)
	assert.Contains(t, page, "10am to 4pm")
	assert.Regexp(t, `Calendar version</dt><dd class="govuk-summary-list__value">1<`, page)

	// Cancel: a reason is required.
	resp, page = c.post("/admin/sessions/"+id+"/cancel", url.Values{"reason": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Enter why the session is cancelled")
	resp, _ = c.post("/admin/sessions/"+id+"/cancel", url.Values{"reason": {"Venue flooded"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = c.get("/admin/sessions/" + id)
	assert.Contains(t, page, "Venue flooded")
	resp, page = c.post("/admin/sessions/"+id+"/publish", url.Values{})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "This session is cancelled, so it cannot be published")

	// The audit log says who changed it and how, and who cancelled it (so
	// ending its bookings and starting refunds) and why.
	_, page = c.get("/admin/audit?action=session_cancelled")
	assert.Contains(t, page, "Boss Tester")
	assert.Contains(t, page, "reason: Venue flooded")
	assert.Contains(t, page, "session: "+id)
	_, page = c.get("/admin/audit?action=session_moved")
	assert.Contains(t, page, "when: from “Thursday 10 February 2028, 9:30am to 4pm” to “Thursday 10 February 2028, 10am to 4pm”")
	for _, action := range []string{"session_created", "session_published"} {
		_, page = c.get("/admin/audit?action=" + action)
		assert.Contains(t, page, "session: "+id, action)
	}
}

func TestSameAgencyTrainersWarn(t *testing.T) {
	t.Parallel()
	f := setupScheduling(t)
	resp, _ := f.manager.post("/admin/sessions/new", f.form("11", f.trainers[0], f.trainers[2]))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page := f.manager.get(resp.Header.Get("Location"))
	assert.Contains(t, page, "Both trainers come from the same agency")
}

func TestClashAndBadInputAreExplained(t *testing.T) {
	t.Parallel()
	f := setupScheduling(t)
	c := f.manager
	resp, _ := c.post("/admin/sessions/new", f.form("10", f.trainers[0]))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	form := f.form("10", f.trainers[1])
	form.Set("start", "13:00")
	form.Set("end", "17:00")
	resp, page := c.post("/admin/sessions/new", form)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "This clashes with another booking:")
	assert.Contains(t, errorSummary(page), "is already booked for Working Together to Safeguard Children on Thursday 10 February 2028, 9:30am to 4pm")
	assert.Contains(t, page, `value="13:00"`, "what was typed is kept")

	bad := f.form("31", f.trainers[1])
	bad.Set("end", "8:00")
	bad.Set("capacity", "0")
	resp, page = c.post("/admin/sessions/new", bad)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	summary := errorSummary(page)
	assert.Contains(t, summary, "The date must be a real date")
	assert.Contains(t, summary, "A session must have at least 1 place")

	var n int
	require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT count(*) FROM sessions WHERE starts_at > '2028-01-01'").Scan(&n))
	assert.Equal(t, 1, n)
}

func TestSeriesAndProgrammeExport(t *testing.T) {
	t.Parallel()
	f := setupScheduling(t)
	c := f.manager
	// Block the room on the third first-Tuesday: the series saves nothing.
	block := f.form("4", f.trainers[2])
	block.Set("date-month", "4")
	resp, _ := c.post("/admin/sessions/new", block)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	series := f.form("1", f.trainers[0])
	series.Set("week", "1")
	series.Set("weekday", "2")
	series.Set("count", "6")
	resp, page := c.post("/admin/sessions/series", series)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "of the series clash")
	assert.Contains(t, page, "Tuesday 4 April 2028: ")

	series.Set("venue", strconv.FormatInt(f.room+1, 10))
	resp, _ = c.post("/admin/sessions/series", series)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = c.get(resp.Header.Get("Location"))
	assert.Contains(t, page, "Series scheduled as drafts")

	resp, csv := c.get("/admin/sessions/export.csv?course=" + strconv.FormatInt(f.course, 10))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/csv")
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	assert.Equal(t, "Session,Course,Date,Start,End,Venue,Status,Open to,Trainers,Booked,Capacity,Waiting", strings.TrimSpace(lines[0]))
	assert.Contains(t, csv, "2028-06-06,09:30,16:00")
	var rows int
	for _, l := range lines[1:] {
		if strings.Contains(l, "2028-") {
			rows++
		}
	}
	assert.Equal(t, 7, rows, "one single session and six in the series")
}

func TestSchedulingPagesRefuseJunkCalmly(t *testing.T) {
	t.Parallel()
	f := setupScheduling(t)
	resp, _ := f.manager.get("/admin/sessions/999999")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = f.manager.get("/admin/sessions/new?from=999999")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = f.manager.get("/admin/sessions?page=50000000")
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// A trainer's feed link is a secret: it never reaches the logs.
	f.a.client(t).get("/calendar/s3cretfeedtoken.ics")
	assert.NotContains(t, f.a.logs.String(), "s3cretfeedtoken")
	assert.Contains(t, f.a.logs.String(), "/calendar/(secret).ics")
}
