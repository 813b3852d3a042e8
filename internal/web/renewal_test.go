package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// expiring gives the newest course (the one addAttended books) a validity
// period and returns its slug.
func (a testApp) expiring(t *testing.T, months int) (id, slug, title string) {
	t.Helper()
	require.NoError(t, a.pool.QueryRow(context.Background(), `
		UPDATE courses SET valid_for_months = $1 WHERE id = (SELECT max(id) FROM courses)
		RETURNING id::text, slug, title`, months).Scan(&id, &slug, &title))
	return id, slug, title
}

// The course form's validity: out of range is an error summary with the
// value kept and nothing saved; in range it is saved and audited.
func TestCourseFormValidity(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	m := w.as(t, "manager@example.org")
	id := w.scalar(t, "SELECT min(id)::text FROM courses WHERE NOT bespoke")
	renewer := w.scalar(t, "SELECT max(id)::text FROM courses WHERE NOT bespoke")
	_, page := m.get("/admin/courses/" + id)
	assert.Contains(t, page, `id="valid-for-months"`)
	assert.Contains(t, page, `<option value="`+renewer+`"`)
	assert.NotContains(t, page, `<option value="`+id+`"`, "a course is not offered as its own renewer by name")

	form := func(months, by string) url.Values {
		f := courseForm(w.scalar(t, "SELECT slug FROM courses WHERE id = $1::bigint", id),
			w.scalar(t, "SELECT title FROM courses WHERE id = $1::bigint", id))
		f.Set("valid-for-months", months)
		f.Set("renewed-by", by)
		return f
	}
	before := w.resourceSnapshot(t)
	validity := func() string {
		return w.scalar(t, "SELECT concat_ws('/', valid_for_months, renewed_by_course_id) FROM courses WHERE id = $1::bigint", id)
	}
	was := validity()
	for _, months := range []string{"0", "121", "three years"} {
		resp, page := m.post("/admin/courses/"+id, form(months, renewer))
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, months)
		assert.Contains(t, errorSummary(page), "How long the training stays valid must be a whole number of months from 1 to 120", months)
		assert.Contains(t, page, `href="#valid-for-months"`)
		assert.Contains(t, page, `value="`+months+`"`, "the value kept")
	}
	resp, page := m.post("/admin/courses/"+id, form("", renewer))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, page, `href="#renewed-by"`)
	assert.Equal(t, before, w.resourceSnapshot(t), "nothing saved")
	assert.Equal(t, was, validity())

	resp, page = m.post("/admin/courses/"+id, form("36", renewer))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	assert.Equal(t, "36/"+renewer, validity())
	assert.Equal(t, 1, w.auditCount(t, "course_updated", w.manager, 0, `{"valid_for_months": {"to": 36}}`))
	_, page = m.get("/admin/courses/" + id)
	assert.Contains(t, page, `value="36"`)
	assert.Regexp(t, `<option value="`+renewer+`" selected>`, page)
}

// My training shows each course done that expires: valid until, due or
// lapsed, with a link to book the course that renews it; the rest of the
// page stays.
func TestMyTrainingShowsRenewal(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	_, slug, title := w.expiring(t, 12)
	// Eleven months ago: due within three months.
	w.addAttended(t, w.colleague, 335*24*time.Hour, 3*time.Hour, "attended")
	c := w.as(t, "colleague@example.org")
	resp, page := c.get("/my-training")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, `id="renewal"`)
	until := now.Add(-335*24*time.Hour).AddDate(1, 0, 0).Format("2 January 2006")
	assert.Contains(t, page, "Due for renewal by "+until)
	assert.Contains(t, page, `href="/courses/`+slug+`">Book `+title)
	assert.Contains(t, page, `id="upcoming"`)
	assert.Contains(t, page, `id="record"`)

	// Someone with nothing that expires sees no such section.
	_, page = w.as(t, "practitioner@example.org").get("/my-training")
	assert.NotContains(t, page, `id="renewal"`)
}

var statusCell = regexp.MustCompile(`<strong class="govuk-tag [^"]*">([^<]*)</strong>`)

// A coordinator sees their own agency's staff by level and course, and the
// list by person as CSV with the same rows, formulas guarded; another
// agency's coordinator sees only theirs; a practitioner and a manager are
// refused.
func TestAgencyTrainingStatus(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	ctx := context.Background()
	courseID, _, title := w.expiring(t, 12)
	w.addAttended(t, w.colleague, 400*24*time.Hour, 3*time.Hour, "attended")   // lapsed
	w.addAttended(t, w.coordinator, 30*24*time.Hour, 3*time.Hour, "attended")  // current
	w.addAttended(t, w.practitioner, 30*24*time.Hour, 3*time.Hour, "attended") // another agency
	_, err := w.pool.Exec(ctx, `UPDATE users SET job_title = '=HYPERLINK("http://x")' WHERE id = $1`, w.colleague)
	require.NoError(t, err)

	co := w.as(t, "coordinator@example.org")
	_, acct := co.get("/account")
	assert.Contains(t, acct, `href="/agency/training"`)
	_, reports := co.get("/agency/reports")
	assert.Contains(t, reports, `href="/agency/training"`)
	resp, page := co.get("/agency/training?course=" + courseID)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Training status in "+coordAgency)
	assert.Contains(t, page, title)
	assert.Contains(t, page, "Colleague Tester")
	assert.NotContains(t, page, "Practitioner Tester", "nobody of another agency")
	assert.Contains(t, page, `href="/agency/training.csv?course=`+courseID+`"`)
	shown := statusCell.FindAllStringSubmatch(page, -1)

	resp, body := co.get("/agency/training.csv?course=" + courseID)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
	rows := readFiguresCSV(t, body)
	assert.Equal(t, []string{"Name", "Email address", "Job title", "Course", "Level", "Completed on", "Valid until", "Status"}, rows[0])
	require.Len(t, rows[1:], len(shown), "the CSV has the page's rows")
	for i, r := range rows[1:] {
		assert.Equal(t, shown[i][1], r[7], "row %d's status", i)
		assert.Equal(t, title, r[3])
	}
	byEmail := map[string][]string{}
	for _, r := range rows[1:] {
		byEmail[r[1]] = r
	}
	require.Contains(t, byEmail, "colleague@example.org")
	assert.Equal(t, `'=HYPERLINK("http://x")`, byEmail["colleague@example.org"][2], "a formula is disarmed")
	assert.Equal(t, "Lapsed", byEmail["colleague@example.org"][7])
	assert.Equal(t, "Current", byEmail["coordinator@example.org"][7])
	assert.Equal(t, now.Add(-30*24*time.Hour).Format(time.DateOnly), byEmail["coordinator@example.org"][5])
	assert.NotContains(t, byEmail, "practitioner@example.org")
	assert.Equal(t, 1, w.auditCount(t, "personal_data_viewed", w.coordinator, 0, `{"what": "their agency's staff training status (CSV)"}`))

	// Filtered by status, the page and the CSV narrow alike.
	_, page = co.get("/agency/training?status=lapsed&course=" + courseID)
	assert.Contains(t, page, "Colleague Tester")
	assert.NotContains(t, page, "Coordinator Tester</a>")
	_, body = co.get("/agency/training.csv?status=lapsed&course=" + courseID)
	for _, r := range readFiguresCSV(t, body)[1:] {
		assert.Equal(t, "Lapsed", r[7])
	}

	w.newUser(t, "other.coordinator@example.org", otherAgency, "coordinator")
	other := w.as(t, "other.coordinator@example.org")
	_, page = other.get("/agency/training?course=" + courseID)
	assert.Contains(t, page, "Practitioner Tester")
	assert.NotContains(t, page, "Colleague Tester")
	_, body = other.get("/agency/training.csv")
	assert.False(t, strings.Contains(body, "colleague@example.org"), "another agency's CSV has none of the first")

	resp, _ = w.as(t, "practitioner@example.org").get("/agency/training")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = w.as(t, "practitioner@example.org").get("/agency/training.csv")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = w.as(t, "manager@example.org").get("/agency/training")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "the manager is not a coordinator")
}
