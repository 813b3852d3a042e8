package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/report"
)

func readFiguresCSV(t *testing.T, body string) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(body))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	require.NoError(t, err)
	return rows
}

// A coordinator sees their own agency's figures for a period, each table
// downloadable as CSV with the same figures as report gives; another
// agency's coordinator sees theirs, and no one else sees the page.
func TestAgencyReportsShowTheirOwnAgency(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	own := w.agencyID(t, coordAgency)
	// A place of the coordinator's colleague, attended in the partnership's
	// year, so the agency has a figure of its own.
	w.addAttended(t, w.colleague, 48*time.Hour, 3*time.Hour, "attended")

	year := report.PartnershipYear(now)
	y := strconv.Itoa(year.From.Year())
	want, err := report.New(w.pool, w.clock.Now).AgencyFigures(
		actor.With(context.Background(), actor.Actor{ID: w.manager, Manager: true}), year, own)
	require.NoError(t, err)
	require.Positive(t, want.Places.Attended)

	co := w.as(t, "coordinator@example.org")
	_, acct := co.get("/account")
	assert.True(t, strings.Contains(acct, `href="/agency/reports"`))
	resp, page := co.get("/agency/reports")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, strings.Contains(page, "Training figures for "+coordAgency))
	for _, id := range []string{"places", "cost", "contribution", "evaluation"} {
		assert.True(t, strings.Contains(page, `id="`+id+`"`), "the page has the %s table", id)
		assert.True(t, strings.Contains(page, `href="/agency/reports/`+id+`.csv?year=`+y+`"`), "the page links to %s.csv", id)
	}
	assert.True(t, strings.Contains(page, `href="/agency/staff-training.csv"`))

	// The places table as CSV: its total is report's.
	resp, body := co.get("/agency/reports/places.csv?year=" + y)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
	rows := readFiguresCSV(t, body)
	require.GreaterOrEqual(t, len(rows), 2)
	assert.Equal(t, []string{"Course", "Places booked", "Attended", "Of which late", "Absent", "Not marked", "Cancelled late",
		"Places lost", "Attendance rate"}, rows[0])
	total := rows[len(rows)-1]
	assert.Equal(t, "Total", total[0])
	assert.Equal(t, strconv.Itoa(want.Places.Booked), total[1])
	assert.Equal(t, strconv.Itoa(want.Places.Attended), total[2])

	// The contribution table names the agency with its hours received.
	resp, body = co.get("/agency/reports/contribution.csv?year=" + y)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	rows = readFiguresCSV(t, body)
	require.Len(t, rows, 2)
	assert.Equal(t, coordAgency, rows[1][0])
	assert.Equal(t, strconv.FormatFloat(want.Contribution.HoursReceived(), 'f', 1, 64), rows[1][4])

	// Dates instead of a year; a period that cannot be read; a table that
	// is not there.
	resp, page = co.get("/agency/reports?from=2026-04-01&to=2026-06-30")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, strings.Contains(page, "From Wednesday 1 April 2026 to Tuesday 30 June 2026"), "the period chosen")
	assert.True(t, strings.Contains(page, `href="/agency/reports/places.csv?from=2026-04-01&amp;to=2026-06-30"`), "the CSV of the period chosen")
	resp, _ = co.get("/agency/reports?from=2026-06-30&to=2026-04-01")
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	resp, _ = co.get("/agency/reports/people.csv")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	// Another agency's coordinator sees their own agency, whatever the
	// address asks for.
	w.newUser(t, "other.coordinator@example.org", otherAgency, "coordinator")
	other := w.as(t, "other.coordinator@example.org")
	_, page = other.get("/agency/reports?agency=" + strconv.FormatInt(own, 10))
	assert.True(t, strings.Contains(page, "Training figures for "+otherAgency))
	assert.False(t, strings.Contains(page, coordAgency), "nothing of the first agency")

	resp, _ = w.as(t, "practitioner@example.org").get("/agency/reports")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = w.as(t, "manager@example.org").get("/agency/staff-training.csv")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "the manager is not a coordinator")
}

// The staff training records: everyone of the coordinator's agency now,
// each course attended, those with none once; formulas disarmed; no one of
// another agency, and the download is audited.
func TestStaffTrainingCSV(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	ctx := context.Background()
	own := w.agencyID(t, coordAgency)
	w.addAttended(t, w.colleague, 48*time.Hour, 3*time.Hour, "attended")
	w.addAttended(t, w.practitioner, 48*time.Hour, 3*time.Hour, "attended") // another agency
	_, err := w.pool.Exec(ctx, `UPDATE users SET job_title = '=HYPERLINK("http://x")' WHERE id = $1`, w.colleague)
	require.NoError(t, err)
	var course string
	require.NoError(t, w.pool.QueryRow(ctx, `SELECT title FROM courses ORDER BY id DESC LIMIT 1`).Scan(&course))
	var staff int
	require.NoError(t, w.pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE agency_id = $1 AND erased_at IS NULL`, own).Scan(&staff))

	co := w.as(t, "coordinator@example.org")
	resp, body := co.get("/agency/staff-training.csv")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
	rows := readFiguresCSV(t, body)
	assert.Equal(t, []string{"Name", "Email address", "Job title", "Course", "Level", "Date", "Hours", "Certificate"}, rows[0])

	people := map[string]bool{}
	var colleague [][]string
	for _, r := range rows[1:] {
		require.Len(t, r, 8)
		people[r[1]] = true
		var agency *int64
		require.NoError(t, w.pool.QueryRow(ctx, `SELECT agency_id FROM users WHERE email = $1`, r[1]).Scan(&agency), r[1])
		require.NotNil(t, agency, r[1])
		assert.Equal(t, own, *agency, "%s is of the coordinator's agency", r[1])
		if r[1] == "colleague@example.org" {
			colleague = append(colleague, r)
		}
	}
	assert.Len(t, people, staff, "everyone of the agency is listed")
	assert.True(t, people["coordinator@example.org"])
	assert.False(t, people["practitioner@example.org"], "another agency's person is not listed")
	require.Len(t, colleague, 1)
	assert.Equal(t, `'=HYPERLINK("http://x")`, colleague[0][2], "a formula is disarmed")
	assert.Equal(t, course, colleague[0][3])
	assert.Equal(t, "3.0", colleague[0][6])
	for _, r := range rows[1:] {
		if r[1] == "coordinator@example.org" {
			assert.Equal(t, "", r[3], "the coordinator has attended nothing: listed once with no course")
		}
	}
	assert.Equal(t, 1, w.auditCount(t, "personal_data_viewed", w.coordinator, 0, `{"what": "their agency's staff training records (CSV)"}`))
}
