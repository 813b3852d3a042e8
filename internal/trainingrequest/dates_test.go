package trainingrequest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/trainingrequest"
	"github.com/pscp/booktraining/internal/validation"
)

// A preferred date is in the future and within 18 months; 1900 and 9999 say
// which. The clock: Monday 23 November 2026, 9am.
func TestPreferredDateRange(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for _, tc := range []struct {
		name, day, month, year, start string
		want                          string // "" when the request is made
	}{
		{"1900", "10", "2", "1900", "9:30", "Preferred date 1 must be in the future"},
		{"9999", "10", "2", "9999", "9:30", "Preferred date 1 must be within 18 months from today"},
		{"yesterday", "22", "11", "2026", "9:30", "Preferred date 1 must be in the future"},
		{"earlier today", "23", "11", "2026", "8:00", "Preferred date 1 must be in the future"},
		{"later today", "23", "11", "2026", "13:00", ""},
		{"a normal date", "10", "3", "2027", "9:30", ""},
		{"18 months ahead", "23", "5", "2028", "8:00", ""},
		{"a day more", "24", "5", "2028", "9:30", "Preferred date 1 must be within 18 months from today"},
		{"a two-digit year", "10", "2", "27", "9:30", "Year must include 4 numbers"},
		{"29 February 2027", "29", "2", "2027", "9:30", "Preferred date 1 must be a real date"},
		{"29 February 2028", "29", "2", "2028", "9:30", ""},
		{"no day or year", "", "3", "", "9:30", "Preferred date 1 must include a day and year"},
		{"a time in letters", "10", "3", "2027", "nine", "Enter the start and end times of preferred date 1 in 24-hour format, for example 9:30 and 16:00"},
	} {
		_, err := f.svc.Submit(as(context.Background(), f.lead), trainingrequest.Form{
			Kind: "bespoke", Topic: "Safeguarding at the front desk " + tc.name, Need: "Passing on concerns", Audience: "Receptionists",
			Participants: "40", Location: trainingrequest.Online, ContactName: "Lead", ContactEmail: "lead@example.org",
			Dates: []trainingrequest.DateInput{{Day: tc.day, Month: tc.month, Year: tc.year, Start: tc.start, End: "16:00"}},
		})
		if tc.want == "" {
			assert.NoError(t, err, tc.name)
			continue
		}
		var v *validation.Errors
		require.ErrorAs(t, err, &v, tc.name)
		assert.Equal(t, tc.want, v.Message(trainingrequest.DateField(1)), tc.name)
	}
}
