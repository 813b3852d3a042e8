package scheduling_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/validation"
)

// A new session is scheduled from now until two years ahead; anything else is
// a mistyped date and says why.
func TestSessionDateRange(t *testing.T) {
	t.Parallel()
	f := setup(t) // now: Monday 5 January 2026, 9am
	tests := []struct {
		name, day, month, year, start, end string
		message                            string // "" when the session is scheduled
	}{
		{"1900", "10", "2", "1900", "9:30", "16:00", "The session must be in the future"},
		{"9999", "10", "2", "9999", "9:30", "16:00", "The session must be within 2 years from today"},
		{"yesterday", "4", "1", "2026", "9:30", "16:00", "The session must be in the future"},
		{"earlier today", "5", "1", "2026", "8:00", "8:30", "The session must be in the future"},
		{"later today", "5", "1", "2026", "13:00", "16:00", ""},
		{"a normal date", "10", "2", "2026", "9:30", "16:00", ""},
		{"the last day in range", "4", "1", "2028", "9:30", "16:00", ""},
		{"two years and a bit", "5", "1", "2028", "9:30", "16:00", "The session must be within 2 years from today"},
		{"a two-digit year", "10", "2", "26", "9:30", "16:00", "Year must include 4 numbers"},
		{"31 April", "31", "4", "2026", "9:30", "16:00", "The date must be a real date"},
		{"no month", "10", " ", "2026", "9:30", "16:00", "The date must include a month"},
		{"no date", "", "", "", "9:30", "16:00", "Enter the date"},
		{"a month by name", "11", "Feb", "2026", "9:30", "16:00", ""},
	}
	for i, tt := range tests {
		form := f.form(tt.day, f.trainers[i%9]) // trainers[9] is the series's
		form.Month, form.Year, form.Start, form.End = tt.month, tt.year, tt.start, tt.end
		_, _, err := f.svc.Create(f.ctx, form)
		if tt.message == "" {
			assert.NoError(t, err, tt.name)
			continue
		}
		var v *validation.Errors
		require.ErrorAs(t, err, &v, tt.name)
		assert.Equal(t, tt.message, v.Message("date"), tt.name)
	}

	// A series whose later dates run past two years is refused whole.
	form := f.form("1", f.trainers[9])
	form.Month, form.Year = "10", "2027"
	_, err := f.svc.CreateSeries(f.ctx, form, scheduling.Pattern{Week: 1, Weekday: 2, Count: 6})
	var v *validation.Errors
	require.ErrorAs(t, err, &v)
	assert.Equal(t, "The session must be within 2 years from today", v.Message("date"))
}
