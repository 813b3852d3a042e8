package web_test

import (
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A table by agency lists, on the report's page and the printable pack,
// the 20 agencies with the most of its measure, says so, and links to its
// CSV, which has every agency; the totals stay the totals of them all.
//
// The fixture's year gets 22 more agencies, Many Agency 01 to 22, whose
// staff took 6 to 27 places on one more session (the even ones one of them
// absent): 24 agencies in all.
func TestReportTablesByAgencyShowTheTopAndTheCSVEveryAgency(t *testing.T) {
	t.Parallel()
	f := setupReports(t)
	m := f.manager
	session := f.id(`
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT course_id, course_title, venue_id, starts_at + interval '7 days', ends_at + interval '7 days',
		       booking_cutoff_at + interval '7 days', 500, 'completed'
		FROM sessions WHERE starts_at = '2021-05-12 08:30Z' RETURNING id`)
	booked := time.Date(2021, 4, 20, 12, 0, 0, 0, time.UTC)
	for k := 1; k <= 22; k++ {
		agency := f.id(`INSERT INTO agencies (name, sector, charging_band) VALUES ($1, 'health', 'partner') RETURNING id`,
			fmt.Sprintf("Many Agency %02d", k))
		for i := range k + 5 {
			how := "attended"
			if i == 0 && k%2 == 0 {
				how = "absent"
			}
			f.place(session, agency, how, booked)
		}
	}

	csvOf := func(page, id string) [][]string {
		t.Helper()
		m := csvLinkRE.FindAllStringSubmatch(page, -1)
		for _, l := range m {
			target := html.UnescapeString(l[1])
			if !strings.HasSuffix(target, "table="+id) {
				continue
			}
			resp, body := f.manager.get(target)
			require.Equal(t, http.StatusOK, resp.StatusCode, target)
			records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			require.NoError(t, err)
			return records
		}
		t.Fatalf("no CSV of table %s", id)
		return nil
	}
	names := func(rows [][]string) []string {
		var out []string
		for _, r := range rows[1 : len(rows)-1] { // neither the header nor the totals
			out = append(out, r[0])
		}
		return out
	}
	many := func(ks ...int) []string {
		var out []string
		for _, k := range ks {
			out = append(out, fmt.Sprintf("Many Agency %02d", k))
		}
		return out
	}

	// Attendance: the most places booked first.
	resp, page := m.get("/admin/reports/attendance?year=2021")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	shown := pageTable(t, page, "by-agency")
	assert.Equal(t, many(22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3), names(shown))
	contains(t, page, `<p class="govuk-body-s" id="table-by-agency-cut">The 20 agencies with the most places booked are shown, of 24; the totals are of all 24. Every one is in the CSV.`)
	contains(t, page, `aria-describedby="table-by-agency-cut"`)
	all := csvOf(page, "by-agency")
	assert.Len(t, all, 26, "the CSV has every agency, by name, with the header and the totals")
	assert.Equal(t, "Many Agency 01", all[1][0])
	assert.Equal(t, all[len(all)-1], shown[len(shown)-1], "the page's totals are of every agency")
	for _, r := range shown[1 : len(shown)-1] {
		assert.Contains(t, all, r, "a row shown is the CSV's")
	}
	notContains(t, page, `id="table-by-sector-cut"`, "a short table is not cut")

	// Non-attendance: the most places lost first (the school's two, then the
	// even agencies' one each, then by name).
	_, page = m.get("/admin/reports/non-attendance?year=2021")
	shown = pageTable(t, page, "by-agency")
	assert.Equal(t, append(append([]string{"Report School"}, many(2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22)...), many(1, 3, 5, 7, 9, 11, 13, 15)...), names(shown))
	contains(t, page, "The 20 agencies with the most places lost are shown, of 24")
	assert.Len(t, csvOf(page, "by-agency"), 26)

	// The contribution ledger: the most hours given and received first (an
	// even agency's absent place receives nothing: it ties with the one
	// before it, which comes first, as in the CSV).
	_, page = m.get("/admin/reports/contribution?year=2021")
	shown = pageTable(t, page, "agencies")
	assert.Equal(t, many(21, 22, 19, 20, 17, 18, 15, 16, 13, 14, 11, 12, 9, 10, 7, 8, 5, 6, 3, 4), names(shown))
	contains(t, page, "The 20 agencies with the most hours given and received are shown, of 24")
	assert.Len(t, csvOf(page, "agencies"), 26)

	// The board's printable pack shows the same cuts, said so, its ids kept apart.
	_, page = m.get("/admin/reports/pack?year=2021")
	for _, id := range []string{"attendance-by-agency", "non-attendance-by-agency", "contribution-agencies"} {
		contains(t, page, `id="table-`+id+`-cut"`)
		assert.Len(t, pageTable(t, page, id), 22, "%s: the header, 20 agencies and the totals", id)
	}
}
