package evaluation_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/evaluation"
)

// column returns the value of the named column in row.
func column(t *testing.T, header, row []string, name string) string {
	t.Helper()
	i := slices.Index(header, name)
	require.GreaterOrEqual(t, i, 0, "no column %q in %q", name, header)
	return row[i]
}

func TestSessionCSVHasARowPerAnsweredEvaluationAndNoNames(t *testing.T) {
	t.Parallel()
	d := newResultsData(t)
	var buf bytes.Buffer
	require.NoError(t, d.svc.WriteSessionCSV(d.manager, &buf, d.one))
	for _, name := range d.names {
		assert.NotContains(t, buf.String(), name, "the CSV names someone")
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 1+3, "a header and a row for each answered evaluation")
	header := rows[0]
	assert.Equal(t, []string{"Session date", "Course", "Agency", "Sector", "Submitted",
		"Before: Spot the signs", "After: Spot the signs", "Before: Know who to tell", "After: Know who to tell"}, header[:9])
	assert.Contains(t, header, "What one thing should we change?", "a question is headed by its current wording")
	assert.Contains(t, header, "Three months on: confidence now: Spot the signs")

	byAgency := map[string][]string{}
	var formula []string
	for _, r := range rows[1:] {
		assert.Equal(t, "Spotting neglect", column(t, header, r, "Course"))
		assert.Equal(t, "2026-05-06", column(t, header, r, "Session date"))
		if strings.Contains(strings.Join(r, "|"), "HYPERLINK") {
			formula = r
		}
		byAgency[column(t, header, r, "Agency")] = r
	}
	// Alice (Harbour Health Trust) answered first, with a follow-up.
	alice := rows[1]
	assert.Equal(t, "Harbour Health Trust", column(t, header, alice, "Agency"))
	assert.Equal(t, "Health", column(t, header, alice, "Sector"))
	assert.Equal(t, "2", column(t, header, alice, "Before: Spot the signs"))
	assert.Equal(t, "4", column(t, header, alice, "After: Spot the signs"))
	assert.Equal(t, "5", column(t, header, alice, "Overall, how would you rate the session?"))
	assert.Equal(t, "Yes", column(t, header, alice, "Would you recommend this session to a colleague?"))
	assert.Equal(t, "More breaks", column(t, header, alice, "What one thing should we change?"))
	assert.Equal(t, "Used the checklist with a family", column(t, header, alice, "Three months on: an example from practice"))
	assert.Equal(t, "4", column(t, header, alice, "Three months on: confidence now: Spot the signs"))
	assert.Equal(t, "5", column(t, header, alice, "Line manager: confidence now: Spot the signs"))
	assert.Equal(t, "", column(t, header, alice, "Line manager: confidence now: Know who to tell"))

	require.NotNil(t, formula, "Bilal's answer is in the CSV")
	assert.Equal(t, `'=HYPERLINK("http://evil.example","click")`, column(t, header, formula, "What one thing should we change?"),
		"a cell starting with = is not left for a spreadsheet to run")
	assert.Equal(t, "City Police", column(t, header, formula, "Agency"))
	assert.Equal(t, "", column(t, header, formula, "Three months on: an example from practice"))
}

func TestCourseCSVAndWhoMayHaveIt(t *testing.T) {
	t.Parallel()
	d := newResultsData(t)
	var buf bytes.Buffer
	require.NoError(t, d.svc.WriteCourseCSV(d.manager, &buf, d.course, time.Time{}, time.Time{}))
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	assert.Len(t, rows, 1+4, "the two sessions of the last twelve months")

	assert.ErrorIs(t, d.svc.WriteSessionCSV(d.trainerOne, &bytes.Buffer{}, d.one), evaluation.ErrForbidden,
		"trainers read results, not the answers row by row")
	assert.ErrorIs(t, d.svc.WriteCourseCSV(d.practitioner, &bytes.Buffer{}, d.course, time.Time{}, time.Time{}), evaluation.ErrForbidden)
	assert.ErrorIs(t, d.svc.WriteSessionCSV(d.manager, &bytes.Buffer{}, 987654), evaluation.ErrNotFound)
	assert.ErrorIs(t, d.svc.WriteCourseCSV(d.manager, &bytes.Buffer{}, 987654, time.Time{}, time.Time{}), evaluation.ErrNotFound)
}

func TestFormulaCellsAreGuarded(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"=1+1", "+44 7700", "-2", "@SUM(A1)", "\tx", "\rx"} {
		assert.Equal(t, "'"+in, evaluation.CSVSafe(in))
	}
	for _, in := range []string{"", "fine", "1=1", " =x"} {
		assert.Equal(t, in, evaluation.CSVSafe(in))
	}
}
