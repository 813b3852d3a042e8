package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Time off is recorded from today to two years ahead; other dates are
// refused with a message and nothing is saved. The clock: Monday 23 November
// 2026.
func TestTrainerTimeOffDateRange(t *testing.T) {
	t.Parallel()
	w := trainerSetup(t)
	m := w.as(t, "manager@example.org")
	page := "/admin/trainers/" + id(w.trainer) + "/time-off"

	saved := 0
	for _, tc := range []struct {
		name                               string
		fromD, fromM, fromY, toD, toM, toY string
		want                               string // "" when saved
	}{
		{"1900", "1", "1", "1900", "2", "1", "1900", "The first day must be today or in the future"},
		{"9999", "1", "1", "9999", "2", "1", "9999", "The first day must be within 2 years from today"},
		{"ending in 9999", "1", "12", "2026", "1", "12", "9999", "The last day must be within 2 years from today"},
		{"yesterday", "22", "11", "2026", "22", "11", "2026", "The first day must be today or in the future"},
		{"today", "23", "11", "2026", "23", "11", "2026", ""},
		{"a normal fortnight", "1", "6", "2027", "14", "6", "2027", ""},
		{"ending two years from today", "22", "11", "2028", "23", "11", "2028", ""},
		{"ending the day after", "30", "11", "2028", "24", "11", "2028", "The last day must be the same as or after the first day"},
		{"ending a day too late", "23", "11", "2028", "24", "11", "2028", "The last day must be within 2 years from today"},
		{"a two-digit year", "1", "6", "27", "2", "6", "27", "Year must include 4 numbers"},
	} {
		resp, body := m.post(page, dates(tc.fromD, tc.fromM, tc.fromY, tc.toD, tc.toM, tc.toY, ""))
		if tc.want == "" {
			assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "%s: %s", tc.name, errorSummary(body))
			saved++
			continue
		}
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, tc.name)
		assert.Contains(t, errorSummary(body), tc.want, tc.name)
	}
	assert.Len(t, w.timeOff(t, w.trainer), saved)
}

// The audit log's date filter takes the years 2000 to 2100 and says so for
// others, rather than asking PostgreSQL for the year 1 or 9999.
func TestAuditLogDateFilterRange(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "manager@example.org", "", "manager")
	m := a.as(t, "manager@example.org")
	for _, tc := range []struct {
		from, to string // day/month/year
		status   int
		want     string
	}{
		{"1/1/1900", "", http.StatusUnprocessableEntity, "Date from must be in a year from 2000 to 2100"},
		{"1/1/0001", "", http.StatusUnprocessableEntity, "Date from must be in a year from 2000 to 2100"},
		{"", "31/12/9999", http.StatusUnprocessableEntity, "Date to must be in a year from 2000 to 2100"},
		{"22/11/2026", "23/11/2026", http.StatusOK, ""},
		{"1/1/2000", "31/12/2100", http.StatusOK, ""},
		{"23/11/26", "", http.StatusUnprocessableEntity, "Year must include 4 numbers"},
	} {
		q := url.Values{}
		for prefix, d := range map[string]string{"from": tc.from, "to": tc.to} {
			if parts := strings.Split(d, "/"); len(parts) == 3 {
				q.Set(prefix+"-day", parts[0])
				q.Set(prefix+"-month", parts[1])
				q.Set(prefix+"-year", parts[2])
			}
		}
		resp, body := m.get("/admin/audit?" + q.Encode())
		assert.Equal(t, tc.status, resp.StatusCode, "%s to %s", tc.from, tc.to)
		assert.Equal(t, tc.want, errorSummary(body), "%s to %s", tc.from, tc.to)
	}
}
