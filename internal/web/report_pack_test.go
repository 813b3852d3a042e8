package web_test

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/report"
)

// The annual pack downloads as an XLSX workbook for the period asked, a
// sheet per report (its figures are proven in internal/report), and the
// download is in the audit log; anyone else is refused, and a period that
// cannot be read says so rather than sending a workbook.
func TestAnnualPackDownload(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	m := w.as(t, "manager@example.org")
	year := report.PartnershipYear(now)
	y := strconv.Itoa(year.From.Year())

	resp, body := m.get("/admin/reports/pack.xlsx?year=" + y)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", resp.Header.Get("Content-Type"))
	assert.Equal(t, `attachment; filename="`+report.PackFileName(year)+`"`, resp.Header.Get("Content-Disposition"))
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	require.NoError(t, err, "the body is a zip")
	var workbook []byte
	for _, f := range zr.File {
		if f.Name == "xl/workbook.xml" {
			r, err := f.Open()
			require.NoError(t, err)
			workbook, err = io.ReadAll(r)
			require.NoError(t, err)
			r.Close()
		}
	}
	for _, sheet := range []string{"Cover", "Delivery", "Attendance", "Non-attendance", "Unmet demand", "Requests", "Money",
		"Contribution ledger", "Trainers", "Evaluation"} {
		assert.True(t, bytes.Contains(workbook, []byte(`name="`+sheet+`"`)), "the workbook has a %s sheet", sheet)
	}
	assert.Equal(t, 1, w.auditCount(t, "personal_data_viewed", w.manager, 0, `{"what": "the annual pack (XLSX) for `+year.String()+`, with trainers' names"}`))

	// Dates as the report pages take them.
	resp, _ = m.get("/admin/reports/pack.xlsx?from=2026-04-01&to=2026-06-30")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Disposition"), "annual-pack-2026-04-01-to-2026-06-30.xlsx")

	// A period that cannot be read.
	resp, body = m.get("/admin/reports/pack.xlsx?from=2026-06-30&to=2026-04-01")
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.NotContains(t, resp.Header.Get("Content-Type"), "spreadsheetml")
	assert.Contains(t, body, "Choose a period")

	// Not for a coordinator.
	resp, _ = w.as(t, "coordinator@example.org").get("/admin/reports/pack.xlsx?year=" + y)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}
