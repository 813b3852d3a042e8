package web_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/report"
)

// homeCounts is what report counts at the test's clock, for the page to
// show (the counts themselves are proven in internal/report).
func homeCounts(t *testing.T, a testApp) report.ToDo {
	t.Helper()
	got, err := report.New(a.pool, a.clock.Now).Home(actor.With(context.Background(), actor.Actor{ID: 1, Manager: true}))
	require.NoError(t, err)
	return got
}

// homeWants is each item of the home page: its id, count and link.
func homeWants(c report.ToDo) []struct {
	id    string
	count int
	href  string
} {
	return []struct {
		id    string
		count int
		href  string
	}{
		{"requests", c.RequestsWaiting, "/admin/training-requests?status=submitted"},
		{"registers", c.RegistersNotTaken, "/admin/sessions?when=past"},
		{"charges", c.ChargesToDecide, "/admin/sessions?when=past"},
		{"no-trainer", c.SessionsWithoutTrainer, "/admin/sessions"},
		{"under-half-full", c.SessionsUnderHalfFull, "/admin/sessions?status=published"},
		{"offers", c.OffersLapsing, "/admin/sessions"},
		{"holds", c.HoldsLapsing, "/admin/sessions"},
		{"organisations", c.OrganisationsToConfirm, "/admin/organisations"},
		{"agency-changes", c.AgencyChangesToConfirm, "/admin/agency-changes"},
		{"emails", c.EmailsFailed, "/admin/emails?status=failed"},
		{"jobs", c.JobsFailed, "/admin/attention"},
	}
}

// The manager's "Manage" lands on what needs doing: each thing with its
// count and a link to where it is done; nothing to do is listed quietly.
func TestAdminHomeShowsWhatNeedsDoing(t *testing.T) {
	t.Parallel()
	f := setupScheduling(t)
	a, m := f.a, f.manager
	ctx := context.Background()

	// A request past its target, an email given up on and a job failed for
	// good, on top of whatever the demo term leaves to do.
	var agency, requester int64
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT id, agency_id FROM users WHERE email = 'trainer0@example.org'").Scan(&requester, &agency))
	_, err := a.pool.Exec(ctx, `INSERT INTO enquiries (agency_id, requested_by, kind, course_id, audience, participants, location,
	                                                  contact_name, contact_email, status, submitted_at, updated_at)
	                            VALUES ($1, $2, 'course', $3, 'Leaders', 12, 'online', 'Kim', 'kim@example.org', 'submitted', $4, $4)`,
		agency, requester, f.course, now.AddDate(0, -1, 0))
	require.NoError(t, err)
	_, err = a.pool.Exec(ctx, `INSERT INTO emails (to_address, subject, body_text, created_at, failed_at, last_error)
	                           VALUES ('x@example.org', 'Hi', 'Hi', $1, $1, 'mailbox unavailable')`, now.Add(-time.Hour))
	require.NoError(t, err)
	_, err = a.pool.Exec(ctx, `INSERT INTO river_job (kind, args, state, max_attempts, attempt, finalized_at, errors)
	                           VALUES ('email', '{}', 'discarded', 5, 5, $1, ARRAY['{"error":"no"}'::jsonb])`, now.Add(-time.Hour))
	require.NoError(t, err)

	want := homeCounts(t, a)
	require.Positive(t, want.RequestsOverdue)
	require.Positive(t, want.EmailsFailed)
	require.Positive(t, want.JobsFailed)

	resp, page := m.get("/admin")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	contains(t, page, "<h1 class=\"govuk-heading-l\">What needs doing</h1>")
	contains(t, page, `href="/admin" aria-current="page">Manage</a>`, "the header's Manage leads here")
	contains(t, page, `href="/admin" aria-current="page">Home</a>`, "Home is first in the manager's navigation")
	contains(t, page, `href="/admin/sessions">Programme</a>`, "Home is not the current section of every page")
	for _, w := range homeWants(want) {
		item := regexp.MustCompile(`(?s)id="todo-` + w.id + `">(.*?)</li>`).FindStringSubmatch(page)
		require.NotNil(t, item, "%s is listed", w.id)
		if w.count > 0 {
			assert.Contains(t, item[1], fmt.Sprintf(`href="%s"><span class="app-todo__count">%d</span> `, strings.ReplaceAll(w.href, "&", "&amp;"), w.count), w.id)
		} else {
			assert.Contains(t, item[1], fmt.Sprintf(`href="%s">No `, w.href), w.id)
		}
	}
	contains(t, page, fmt.Sprintf(`<strong class="govuk-tag govuk-tag--red">%d overdue</strong>`, want.RequestsOverdue))
	contains(t, page, "The target is an answer within 10 working days.")

	// Dealt with: the job no longer counts, and the page says so.
	_, err = a.pool.Exec(ctx, `INSERT INTO job_failures_dealt_with (job_id, failed_at, dealt_by, dealt_at)
	                           SELECT id, finalized_at, $1, $2 FROM river_job WHERE state = 'discarded'`, requester, now)
	require.NoError(t, err)
	_, page = m.get("/admin")
	contains(t, page, `<li id="todo-jobs"><a class="govuk-link" href="/admin/attention">No background tasks that failed</a></li>`)

	// Every other page of the area has Home in its navigation, not current.
	_, page = m.get("/admin/people")
	contains(t, page, `<a class="govuk-link govuk-link--no-visited-state" href="/admin">Home</a>`)
	contains(t, page, `href="/admin" aria-current="true">Manage</a>`)
}

// contains and notContains say what a page lacks without printing it all.
func contains(t *testing.T, page, s string, msg ...any) {
	t.Helper()
	if !strings.Contains(page, s) {
		assert.Fail(t, fmt.Sprintf("the page lacks %q", s), msg...)
	}
}

func notContains(t *testing.T, page, s string, msg ...any) {
	t.Helper()
	if strings.Contains(page, s) {
		assert.Fail(t, fmt.Sprintf("the page has %q", s), msg...)
	}
}

// calendarCell is what a day of the calendar holds.
func calendarCell(t *testing.T, page, day string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<td class="([^"]*)" id="day-` + day + `">(.*?)</td>`).FindStringSubmatch(page)
	require.NotNil(t, m, "no day %s in the calendar", day)
	return m[1] + " " + m[2]
}

// The programme as a month calendar: each session on its day in London,
// whatever the clocks do, every status in words; the months either side;
// and a month that is not one answered with the current month.
func TestProgrammeCalendar(t *testing.T) {
	t.Parallel()
	f := setupScheduling(t)
	m := f.manager
	ctx := context.Background()
	session := func(starts time.Time, status string) string {
		reason := ""
		if status == "cancelled" {
			reason = "Trainer ill"
		}
		var id int64
		require.NoError(t, f.a.pool.QueryRow(ctx, `
			INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status, cancelled_reason)
			SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), $2::timestamptz, $2::timestamptz + interval '1 hour',
			       $2::timestamptz - interval '3 days', 20, $3, $4
			FROM courses c WHERE c.id = $1 RETURNING id`, f.course, starts, status, reason).Scan(&id))
		return `href="/admin/sessions/` + strconv.FormatInt(id, 10) + `"`
	}
	// British Summer Time: 23:30 on 30 September is still that day; 00:30
	// on 1 September (23:30 on 31 August in UTC) is September's.
	lateSeptember := session(time.Date(2026, 9, 30, 22, 30, 0, 0, time.UTC), "completed")
	firstSeptember := session(time.Date(2026, 8, 31, 23, 30, 0, 0, time.UTC), "cancelled")
	// The clocks go back at 2am on Sunday 25 October 2026.
	beforeChange := session(time.Date(2026, 10, 24, 23, 30, 0, 0, time.UTC), "published") // 00:30 BST on the 25th
	afterChange := session(time.Date(2026, 10, 25, 23, 30, 0, 0, time.UTC), "draft")      // 23:30 GMT on the 25th
	nextDay := session(time.Date(2026, 10, 26, 0, 30, 0, 0, time.UTC), "published")       // 00:30 GMT on the 26th

	resp, page := m.get("/admin/sessions/calendar?month=2026-09")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	contains(t, page, `<h1 class="govuk-heading-l">September 2026</h1>`)
	assert.Contains(t, calendarCell(t, page, "2026-09-30"), lateSeptember)
	assert.Contains(t, calendarCell(t, page, "2026-09-30"), "11:30pm")
	assert.Contains(t, calendarCell(t, page, "2026-09-30"), ">Delivered</strong>")
	first := calendarCell(t, page, "2026-09-01")
	assert.Contains(t, first, firstSeptember)
	assert.Contains(t, first, "12:30am")
	assert.Contains(t, first, ">Cancelled</strong>", "the status in words")
	assert.NotContains(t, calendarCell(t, page, "2026-08-31"), firstSeptember)
	assert.Contains(t, calendarCell(t, page, "2026-08-31"), "app-calendar__day--outside", "Monday 31 August leads the grid, shaded")
	assert.Contains(t, calendarCell(t, page, "2026-10-04"), "app-calendar__day--outside", "Sunday 4 October ends it")
	assert.Equal(t, 35, strings.Count(page, `id="day-`), "five weeks of seven days")
	contains(t, page, `href="/admin/sessions/calendar?month=2026-08" rel="prev"`)
	contains(t, page, `href="/admin/sessions/calendar?month=2026-10" rel="next"`)
	contains(t, page, `href="/admin/sessions" id="list-view"`)

	_, page = m.get("/admin/sessions/calendar?month=2026-08")
	notContains(t, page, firstSeptember, "August does not show September's first session")

	_, page = m.get("/admin/sessions/calendar?month=2026-10")
	day25 := calendarCell(t, page, "2026-10-25")
	assert.Contains(t, day25, beforeChange)
	assert.Contains(t, day25, afterChange)
	assert.Contains(t, day25, ">Draft</strong>")
	assert.Contains(t, day25, ">Published</strong>")
	assert.NotContains(t, calendarCell(t, page, "2026-10-24"), beforeChange)
	assert.Contains(t, calendarCell(t, page, "2026-10-26"), nextDay)
	assert.NotContains(t, day25, nextDay)

	// A month that starts on a Monday and has 28 days: four weeks exactly.
	_, page = m.get("/admin/sessions/calendar?month=2021-02")
	assert.Equal(t, 28, strings.Count(page, `id="day-`))
	contains(t, page, `id="day-2021-02-01"`)
	contains(t, page, `id="day-2021-02-28"`)
	contains(t, page, `href="/admin/sessions/calendar?month=2021-01" rel="prev"`)
	contains(t, page, `href="/admin/sessions/calendar?month=2021-03" rel="next"`)
	contains(t, page, `id="no-sessions"`)

	// No month: this one, in London, with today marked.
	_, page = m.get("/admin/sessions/calendar")
	contains(t, page, `<h1 class="govuk-heading-l">November 2026</h1>`)
	assert.Contains(t, calendarCell(t, page, "2026-11-23"), "app-calendar__day--today")
	notContains(t, page, `id="unreadable-month"`)

	// Not a month: this month, and the page says why.
	for _, bad := range []string{"2026-13", "december", "1999-12", "2101-01", "2026-1", "%3Cscript%3Ealert(1)%3C/script%3E", "2026-12-01"} {
		resp, page := m.get("/admin/sessions/calendar?month=" + bad)
		require.Equal(t, http.StatusOK, resp.StatusCode, bad)
		contains(t, page, `<h1 class="govuk-heading-l">November 2026</h1>`, bad)
		contains(t, page, `id="unreadable-month"`, bad)
		notContains(t, page, "<script>alert", bad)
	}

	// The list links here, keeping its month.
	_, page = m.get("/admin/sessions")
	contains(t, page, `href="/admin/sessions/calendar" id="month-view">Month view</a>`)
	_, page = m.get("/admin/sessions?when=all&month=2026-10")
	contains(t, page, `href="/admin/sessions/calendar?month=2026-10" id="month-view">Month view</a>`)
}
