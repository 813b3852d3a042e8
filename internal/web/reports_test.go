package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reportFixture is a small year of its own, the partnership year from
// April 2021, which the demo term does not reach:
//
//	Report Police (police), Report School (education); course Report
//	Neglect; trainer Tess Reporter (Report Police).
//	S1 12 May 2021 09:30, 3 hours, 10 places, completed, Tess: police
//	   attended twice, school attended once and absent once (4 booked, 3
//	   attended).
//	S2 5 October 2021 09:30, 3 hours, 4 places, completed, Tess: police
//	   attended three times, school cancelled late once (3 booked).
//	S3 10 November 2021, cancelled.
//
// So 2 of 3 sessions ran, 7 of 14 places were booked (50%), 6 of 7
// attended (86%), October the fullest month (3 of 4, 75%); 2 places lost,
// both the school's; Tess gave 6 hours, the staff received 18.
type reportFixture struct {
	testApp
	manager *client
	trainer int64
	people  int
}

func (f *reportFixture) id(sql string, args ...any) int64 {
	f.t().Helper()
	var id int64
	require.NoError(f.t(), f.pool.QueryRow(context.Background(), sql, args...).Scan(&id), sql)
	return id
}

func (f *reportFixture) t() *testing.T { return f.manager.t }

// place books a new person of agency on session: attended and absent are
// confirmed places so marked; "cancelled late" a late cancellation.
func (f *reportFixture) place(session, agency int64, how string, at time.Time) {
	f.people++
	user := f.id(`INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
	              VALUES ($1, 'Someone', $2, '!', $3) RETURNING id`, fmt.Sprintf("reportee%d@example.org", f.people), agency, at)
	status, attendance, late := "confirmed", any(how), false
	if how == "cancelled late" {
		status, attendance, late = "cancelled", nil, true
	}
	f.id(`INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at, ended_at, late, attendance)
	      VALUES ($1, $2, $3, $4::booking_status, $2, $5, $5, CASE WHEN $4 = 'cancelled' THEN $5::timestamptz + interval '1 day' END, $6, $7)
	      RETURNING id`, session, user, agency, status, at, late, attendance)
}

func setupReports(t *testing.T) *reportFixture {
	t.Helper()
	a := setup(t)
	a.newUser(t, "reports@example.org", "", "manager")
	m := a.client(t)
	m.signIn("reports@example.org", testPassword)
	f := &reportFixture{testApp: a, manager: m}
	police := f.id(`INSERT INTO agencies (name, sector, charging_band) VALUES ('Report Police', 'police', 'partner') RETURNING id`)
	school := f.id(`INSERT INTO agencies (name, sector, charging_band) VALUES ('Report School', 'education', 'contributing') RETURNING id`)
	course := f.id(`INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences,
	                                     level, duration, delivery_modes, default_capacity)
	                VALUES ('report-neglect', 'Report Neglect', 'S.', 'D.', ARRAY['Spot it'], 'Everyone', ARRAY['everyone'], 1,
	                        'half_day', ARRAY['online'], 10) RETURNING id`)
	venue := f.id("INSERT INTO venues (name, online) VALUES ('Report Teams', true) RETURNING id")
	f.trainer = f.id(`INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
	                  VALUES ('tess.reporter@example.org', 'Tess Reporter', $1, '!', now()) RETURNING id`, police)
	_, err := f.pool.Exec(context.Background(), `INSERT INTO user_roles (user_id, role) VALUES ($1, 'trainer');
	                                            `, f.trainer)
	require.NoError(t, err)
	_, err = f.pool.Exec(context.Background(), "INSERT INTO trainer_courses (trainer_id, course_id) VALUES ($1, $2)", f.trainer, course)
	require.NoError(t, err)
	session := func(start time.Time, capacity int, status string) int64 {
		reason := ""
		if status == "cancelled" {
			reason = "Trainer ill"
		}
		id := f.id(`INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status, cancelled_reason)
		            SELECT c.id, c.title, $2, $3, $3::timestamptz + interval '3 hours', $3::timestamptz - interval '3 days', $4, $5, $6
		            FROM courses c WHERE c.id = $1 RETURNING id`, course, venue, start, capacity, status, reason)
		if status != "cancelled" {
			_, err := f.pool.Exec(context.Background(), "INSERT INTO session_trainers (session_id, trainer_id) VALUES ($1, $2)", id, f.trainer)
			require.NoError(t, err)
		}
		return id
	}
	s1 := session(time.Date(2021, 5, 12, 8, 30, 0, 0, time.UTC), 10, "completed")
	s2 := session(time.Date(2021, 10, 5, 8, 30, 0, 0, time.UTC), 4, "completed")
	session(time.Date(2021, 11, 10, 9, 30, 0, 0, time.UTC), 8, "cancelled")
	booked := time.Date(2021, 4, 20, 12, 0, 0, 0, time.UTC)
	f.place(s1, police, "attended", booked)
	f.place(s1, police, "attended", booked)
	f.place(s1, school, "attended", booked)
	f.place(s1, school, "absent", booked)
	f.place(s2, police, "attended", booked)
	f.place(s2, police, "attended", booked)
	f.place(s2, police, "attended", booked)
	f.place(s2, school, "cancelled late", booked)
	return f
}

var (
	tagRE     = regexp.MustCompile(`<[^>]+>`)
	rowRE     = regexp.MustCompile(`(?s)<tr class="govuk-table__row[^"]*">(.*?)</tr>`)
	cellRE    = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
	csvLinkRE = regexp.MustCompile(`href="(/admin/reports/[^"]*\.csv\?[^"]*)"`)
)

// pageTable is the rows of the page's table id, the header first, each
// cell's text as shown.
func pageTable(t *testing.T, page, id string) [][]string {
	t.Helper()
	start := strings.Index(page, `id="table-`+id+`"`)
	require.GreaterOrEqual(t, start, 0, "no table %s", id)
	block := page[start:]
	block = block[:strings.Index(block, "</table>")]
	var out [][]string
	for _, row := range rowRE.FindAllStringSubmatch(block, -1) {
		var cells []string
		for _, c := range cellRE.FindAllStringSubmatch(row[1], -1) {
			cells = append(cells, html.UnescapeString(strings.TrimSpace(tagRE.ReplaceAllString(c[1], ""))))
		}
		out = append(out, cells)
	}
	return out
}

// summaryOf is the report's sentence.
func summaryOf(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<p class="govuk-body" id="summary">(.*?)</p>`).FindStringSubmatch(page)
	require.NotNil(t, m, "no sentence")
	return html.UnescapeString(m[1])
}

// checkCSVs downloads every table of page and reads it back: the same
// rows, cell for cell, as the page's table.
func checkCSVs(t *testing.T, c *client, page string) int {
	t.Helper()
	links := csvLinkRE.FindAllStringSubmatch(page, -1)
	require.NotEmpty(t, links, "no CSV links")
	for _, l := range links {
		target := html.UnescapeString(l[1])
		resp, body := c.get(target)
		require.Equal(t, http.StatusOK, resp.StatusCode, target)
		assert.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
		assert.Contains(t, resp.Header.Get("Content-Disposition"), "attachment;")
		records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		require.NoError(t, err, target)
		id := target[strings.LastIndex(target, "table=")+len("table="):]
		want := pageTable(t, page, id)
		want = slices.DeleteFunc(want, func(row []string) bool { return len(row) == 1 && row[0] == "Nothing in this period." })
		assert.Equal(t, want, records, "%s matches the page's table", target)
	}
	return len(links)
}

// Each report shows its figures for the fixture's year, its sentence, a
// chart with a text alternative and its tables; every table's CSV reads
// back as the page's table.
func TestReportPagesShowTheFiguresTheSentenceAndTheirCSV(t *testing.T) {
	t.Parallel()
	f := setupReports(t)
	m := f.manager

	resp, page := m.get("/admin/reports?year=2021")
	require.Equal(t, http.StatusOK, resp.StatusCode, errorSummary(page))
	contains(t, page, "Reports for 1 April 2021 to 31 March 2022")
	contains(t, page, "2 sessions delivered; 50% of places filled")
	contains(t, page, "2 places lost to non-attendance and late cancellation")
	contains(t, page, "6 trainer hours given by 1 agency")
	contains(t, page, `href="/admin/reports/delivery?year=2021"`)
	contains(t, page, `href="/admin/reports" aria-current="page">Reports</a>`, "Reports is in the manager's navigation")

	sentences := map[string]string{
		"delivery": "2 of 3 sessions ran (1 was cancelled); 50% of the 14 places offered were booked, and 86% of the places booked were attended. " +
			"October 2021 was the fullest month (75% of places filled).",
		"attendance": "7 places were booked by people from 2 agencies in 2 sectors; 86% of them were attended. " +
			"1 of 2 sessions delivered had people from two or more sectors in the room.",
		"non-attendance": "2 places were lost: 1 booked and not attended, and 1 cancelled too late to offer to someone else. The Education sector lost the most (2).",
		"unmet-demand":   "Everyone on the waiting lists of the sessions delivered in this period got a place, or nobody was waiting.",
		"requests":       "0 training requests were received; 0 were accepted and 0 declined.",
		"money":          "Charges: 0 proposed (£0), 0 waived (£0), 0 invoiced and not yet paid (£0), and 0 paid (£0). Paid places brought in £0, less £0 refunded: £0 kept.",
		"contribution": "The trainers of 1 agency gave 6 hours of training over 2 deliveries; the staff of all agencies received 18 hours. " +
			"Report Police gave the most (6 hours).",
	}
	tables := 0
	for slug, sentence := range sentences {
		resp, page := m.get("/admin/reports/" + slug + "?year=2021")
		require.Equal(t, http.StatusOK, resp.StatusCode, slug)
		assert.Equal(t, sentence, summaryOf(t, page), slug)
		contains(t, page, `<p class="govuk-body-l" id="period-text">1 April 2021 to 31 March 2022</p>`, slug)
		contains(t, page, `role="img" aria-labelledby="chart-`, slug)
		contains(t, page, `id="print-hint"`, slug)
		contains(t, page, `<a href="/admin/reports?year=2021" class="govuk-back-link">All reports</a>`, slug)
		tables += checkCSVs(t, m, page)
	}
	assert.Equal(t, 13, tables, "every table of every report has its CSV")

	// The figures themselves, in the tables.
	_, page = m.get("/admin/reports/delivery?year=2021")
	byMonth := pageTable(t, page, "by-month")
	assert.Equal(t, []string{"May 2021", "1", "0", "0", "10", "4", "3", "40%", "75%"}, byMonth[1])
	assert.Equal(t, []string{"October 2021", "1", "0", "0", "4", "3", "3", "75%", "100%"}, byMonth[2])
	assert.Equal(t, []string{"Total", "2", "1", "0", "14", "7", "6", "50%", "86%"}, byMonth[len(byMonth)-1])
	contains(t, page, `<text class="app-chart__value" x=`, "the chart writes each bar's value")
	contains(t, page, ">75% (3 of 4)</text>")

	_, page = m.get("/admin/reports/contribution?year=2021")
	ledger := pageTable(t, page, "agencies")
	assert.Contains(t, ledger, []string{"Report Police", "Police", "2", "6", "5", "15", "-9"})
	assert.Contains(t, ledger, []string{"Report School", "Education", "0", "0", "1", "3", "-3"})

	// The trainer's own page, linked from the ledger, and its CSV.
	href := fmt.Sprintf("/admin/reports/contribution/trainers/%d?year=2021", f.trainer)
	contains(t, page, `href="`+strings.ReplaceAll(href, "&", "&amp;")+`">Tess Reporter</a>`)
	resp, page = m.get(href)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	contains(t, page, "Sessions delivered by Tess Reporter</h1>")
	assert.Equal(t, "Tess Reporter (Report Police) delivered 2 sessions in this period: 6 hours of training.", summaryOf(t, page))
	sessions := pageTable(t, page, "sessions")
	assert.Equal(t, []string{"12 May 2021", "Report Neglect", "9:30am to 12:30pm", "Alone", "3"}, sessions[1])
	resp, body := m.get(fmt.Sprintf("/admin/reports/contribution/trainers/%d/sessions.csv?year=2021", f.trainer))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, sessions, records)
	// A trainer who delivered nothing in the period is said so.
	_, page = m.get(fmt.Sprintf("/admin/reports/contribution/trainers/%d?year=2020", f.trainer))
	assert.Equal(t, "This trainer delivered no sessions in this period.", summaryOf(t, page))
}

// A quarter and any dates are periods too: the pages link on with the
// period's short form, and the form shows it chosen.
func TestReportPeriodsQuarterAndDates(t *testing.T) {
	t.Parallel()
	f := setupReports(t)
	m := f.manager

	_, page := m.get("/admin/reports?period=dates&from-day=1&from-month=10&from-year=2021&to-day=31&to-month=10&to-year=2021")
	contains(t, page, "Reports for 1 October 2021 to 31 October 2021")
	contains(t, page, `href="/admin/reports/delivery?from=2021-10-01&amp;to=2021-10-31"`)
	contains(t, page, `href="/admin/reports/pack.xlsx?from=2021-10-01&amp;to=2021-10-31"`, "the pack of the period chosen")
	_, page = m.get("/admin/reports/delivery?from=2021-10-01&to=2021-10-31")
	assert.True(t, strings.HasPrefix(summaryOf(t, page), "1 of 1 session ran; 75% of the 4 places offered were booked"), summaryOf(t, page))

	_, page = m.get("/admin/reports/delivery?quarter=2021-Q1")
	contains(t, page, "1 April 2021 to 30 June 2021")
	contains(t, page, `/admin/reports/delivery.csv?quarter=2021-Q1&amp;table=by-month`)

	// This year's quarters are offered in the form, chosen when shown.
	_, page = m.get("/admin/reports?period=quarter&quarter=2026-Q3")
	contains(t, page, "Reports for 1 October 2026 to 31 December 2026")
	contains(t, page, `href="/admin/reports/pack.xlsx?from=2026-10-01&amp;to=2026-12-31"`, "a quarter's pack by its dates")
	contains(t, page, `<option value="2026-Q3" selected>October 2026 to December 2026</option>`)
	contains(t, page, `id="period-quarter" name="period" type="radio" value="quarter" checked`)

	// Nothing chosen is this partnership year (the test's clock is in
	// November 2026).
	_, page = m.get("/admin/reports")
	contains(t, page, "Reports for 1 April 2026 to 31 March 2027")
	contains(t, page, `id="period" name="period" type="radio" value="year" checked`)
	contains(t, page, `href="/admin/reports/delivery?year=2026"`)
	contains(t, page, `href="/admin/reports/pack.xlsx?year=2026"`)
	_, page = m.get("/admin/reports?period=previous")
	contains(t, page, "Reports for 1 April 2025 to 31 March 2026")
}

// A period that is not one is said so above the form, never a 500; the
// CSV of a bad period sends the manager to the page that says why.
func TestReportBadPeriods(t *testing.T) {
	t.Parallel()
	f := setupReports(t)
	m := f.manager
	for _, tc := range []struct{ query, want string }{
		{"period=dates&from-day=ab&from-month=cd&from-year=2021&to-day=1&to-month=1&to-year=2022", "The first day must be a real date"},
		{"period=dates&from-day=31&from-month=2&from-year=2022&to-day=1&to-month=3&to-year=2022", "The first day must be a real date"},
		{"period=dates&from-day=1&from-month=3&from-year=2022&to-day=1&to-month=2&to-year=2022", "The last day must be the same as or after the first day"},
		{"period=dates&from-day=1&from-month=1&from-year=1800&to-day=1&to-month=2&to-year=2022", "The first day must be in a year from 2000 to 2100"},
		{"period=dates", "Enter the first day"},
		{"year=1800", "The year must be a partnership year from 2000 to 2100, like 2026"},
		{"year=abc", "The year must be a partnership year from 2000 to 2100, like 2026"},
		{"quarter=2026-Q5", "Select a quarter"},
		{"from=2022-02-31&to=2022-03-01", "The first day must be a real date"},
		{"from=yesterday&to=2022-03-01", "The first day must be a real date"},
		{"period=decade", "Select the period the reports cover"},
	} {
		for _, path := range []string{"/admin/reports", "/admin/reports/attendance", fmt.Sprintf("/admin/reports/contribution/trainers/%d", f.trainer)} {
			resp, page := m.get(path + "?" + tc.query)
			assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "%s?%s", path, tc.query)
			assert.Contains(t, errorSummary(page), tc.want, "%s?%s", path, tc.query)
			notContains(t, page, `id="summary"`)
		}
		resp, _ := m.get("/admin/reports/attendance.csv?" + tc.query)
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode, tc.query)
		assert.Equal(t, "/admin/reports/attendance?"+tc.query, resp.Header.Get("Location"))
	}
	resp, _ := m.get("/admin/reports/delivery.csv?year=2021&table=nothing")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// Reports are the training managers': a coordinator, a trainer and a
// practitioner are refused, and someone not signed in is asked to sign in.
func TestReportsAreForManagersOnly(t *testing.T) {
	t.Parallel()
	a := setup(t)
	paths := []string{"/admin/reports", "/admin/reports/delivery?year=2021", "/admin/reports/money.csv", "/admin/reports/contribution/trainers/1"}
	for _, role := range []string{"coordinator", "trainer", ""} {
		addr := "x" + role + ".reports@example.org"
		if role == "" {
			a.newUser(t, addr, "") // a practitioner: no role on top
		} else {
			a.newUser(t, addr, "", role)
		}
		c := a.client(t)
		c.signIn(addr, testPassword)
		for _, p := range paths {
			resp, _ := c.get(p)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s %s", role, p)
		}
	}
	for _, p := range paths {
		resp, _ := a.client(t).get(p)
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode, p)
		assert.Contains(t, resp.Header.Get("Location"), "/sign-in", p)
	}

	// The manager's home links to the reports.
	a.newUser(t, "home.reports@example.org", "", "manager")
	m := a.client(t)
	m.signIn("home.reports@example.org", testPassword)
	_, page := m.get("/admin")
	contains(t, page, `<a class="govuk-link" href="/admin/reports" id="reports-link">`)
}

// The evaluation report: of the three places attended in May that were
// asked, two answered, with confidence on the course's first outcome of 2
// and 3 before and 4 and 5 after (2.5 to 4.5); one answered the follow-up
// three months on with 4.
func TestEvaluationReport(t *testing.T) {
	t.Parallel()
	f := setupReports(t)
	f.addEvaluations(t)

	resp, page := f.manager.get("/admin/reports/evaluation?year=2021")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "2 of the 3 people asked evaluated their session (67%). On the courses’ learning outcomes, average "+
		"confidence went from 2.5 before to 4.5 after, on a scale of 1 to 5. Three months on, 1 of 1 answered the follow-up, "+
		"with confidence at 4.0.", summaryOf(t, page))
	contains(t, page, `id="chart-confidence"`)
	total := pageTable(t, page, "courses")
	assert.Equal(t, []string{"Total", "3", "2", "67%", "2.5", "4.5", "+2.0", "4.0", "1 of 1", "0 of 0"}, total[len(total)-1])
	assert.Equal(t, 3, checkCSVs(t, f.manager, page))

	_, page = f.manager.get("/admin/reports?year=2021")
	contains(t, page, "67% answered; confidence 2.5 to 4.5")

	// A line manager answers too, putting their colleague at 3.
	_, err := f.pool.Exec(context.Background(), `
		INSERT INTO impact_follow_ups (booking_id, respondent, asked_at, closes_at, submitted_at, example)
		SELECT booking_id, 'line_manager', asked_at, closes_at, submitted_at, 'Seen it' FROM impact_follow_ups;
		INSERT INTO impact_outcomes (booking_id, respondent, position, outcome, confidence)
		SELECT booking_id, 'line_manager', 1, 'x', 3 FROM impact_follow_ups WHERE respondent = 'line_manager'`)
	require.NoError(t, err)
	// The figures counted a moment ago are kept a few minutes: the manager
	// has them counted again to see the answer at once.
	_, page = f.manager.get("/admin/reports/evaluation?year=2021")
	assert.NotContains(t, summaryOf(t, page), "line managers answered")
	contains(t, page, `id="as-of"`)
	resp, _ = f.manager.post("/admin/reports/count-again?year=2021", url.Values{"back": {"/admin/reports/evaluation"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/admin/reports/evaluation?year=2021", resp.Header.Get("Location"))
	_, page = f.manager.get("/admin/reports/evaluation?year=2021")
	assert.Contains(t, summaryOf(t, page), "with confidence at 4.0. 1 of 1 line managers answered, and put their staff's confidence at 3.0.")
}

// addEvaluations gives the fixture's May session evaluations: three of its
// attended places asked, two answered (confidence on the course's first
// outcome 2 and 3 before, 4 and 5 after), one follow-up answered with 4.
func (f *reportFixture) addEvaluations(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		_, err := f.pool.Exec(ctx, sql, args...)
		require.NoError(t, err, sql)
	}
	exec(`INSERT INTO evaluations (booking_id, asked_at, closes_at, follow_up_at, submitted_at)
	      SELECT b.id, s.ends_at, s.ends_at + interval '30 days', s.ends_at + interval '91 days',
	             CASE WHEN row_number() OVER (ORDER BY b.id) <= 2 THEN s.ends_at + interval '1 day' END
	      FROM bookings b JOIN sessions s ON s.id = b.session_id
	      WHERE b.attendance = 'attended' AND s.starts_at < '2021-06-01'`)
	exec(`INSERT INTO evaluation_outcomes (booking_id, position, outcome, before, after)
	      SELECT e.booking_id, 1, c.learning_outcomes[1], 1 + row_number() OVER (ORDER BY e.booking_id), 3 + row_number() OVER (ORDER BY e.booking_id)
	      FROM evaluations e JOIN bookings b ON b.id = e.booking_id JOIN sessions s ON s.id = b.session_id JOIN courses c ON c.id = s.course_id
	      WHERE e.submitted_at IS NOT NULL`)
	exec(`INSERT INTO impact_follow_ups (booking_id, respondent, asked_at, closes_at, submitted_at, example)
	      SELECT booking_id, 'attendee', follow_up_at, follow_up_at + interval '30 days', follow_up_at + interval '1 day', 'An example'
	      FROM evaluations WHERE submitted_at IS NOT NULL ORDER BY booking_id LIMIT 1`)
	exec(`INSERT INTO impact_outcomes (booking_id, respondent, position, outcome, confidence)
	      SELECT f.booking_id, f.respondent, 1, 'x', 4 FROM impact_follow_ups f`)
}

// Every report on one page, to print for the board: each report's title,
// sentence and tables, their ids kept apart; linked from the list.
func TestReportPackPage(t *testing.T) {
	t.Parallel()
	f := setupReports(t)
	f.addEvaluations(t)
	_, index := f.manager.get("/admin/reports?year=2021")
	contains(t, index, `href="/admin/reports/pack?year=2021"`)
	resp, page := f.manager.get("/admin/reports/pack?year=2021")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	contains(t, page, "1 April 2021 to 31 March 2022")
	for _, slug := range []string{"delivery", "attendance", "non-attendance", "unmet-demand", "requests", "money", "contribution", "evaluation"} {
		contains(t, page, `id="report-`+slug+`"`)
		_, alone := f.manager.get("/admin/reports/" + slug + "?year=2021")
		contains(t, page, html.EscapeString(summaryOf(t, alone)), "the %s report's sentence, as on its own page", slug)
	}
	assert.Equal(t, pageTable(t, page, "evaluation-courses"), pageTable(t, func() string {
		_, p := f.manager.get("/admin/reports/evaluation?year=2021")
		return p
	}(), "courses"))
	ids := regexp.MustCompile(`id="([^"]+)"`).FindAllStringSubmatch(page, -1)
	seen := map[string]bool{}
	for _, m := range ids {
		assert.False(t, seen[m[1]], "id %s is used once", m[1])
		seen[m[1]] = true
	}
	resp, page = f.manager.get("/admin/reports/pack?year=abc")
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	contains(t, page, "There is a problem")
}
