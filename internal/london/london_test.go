package london_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/validation"
)

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func TestZoneIsLondon(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "Europe/London", london.Zone.String())
	_, winter := utc(2026, time.January, 15, 12, 0).In(london.Zone).Zone()
	_, summer := utc(2026, time.July, 15, 12, 0).In(london.Zone).Zone()
	assert.Equal(t, 0, winter, "GMT in winter")
	assert.Equal(t, 3600, summer, "BST in summer, never UTC all year")
}

// In 2026 the clocks go forward at 1am GMT on Sunday 29 March and back at
// 1am GMT (2am BST) on Sunday 25 October; in 2027 on 28 March and 31 October.
func TestFormatAcrossClockChanges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name            string
		at              time.Time
		date, long, clk string
	}{
		{"before spring forward", utc(2026, time.March, 29, 0, 59), "29 March 2026", "Sunday 29 March 2026", "12:59am"},
		{"at spring forward", utc(2026, time.March, 29, 1, 0), "29 March 2026", "Sunday 29 March 2026", "2am"},
		{"late evening, GMT", utc(2026, time.March, 28, 23, 30), "28 March 2026", "Saturday 28 March 2026", "11:30pm"},
		{"late evening UTC is the next day in BST", utc(2026, time.March, 29, 23, 30), "30 March 2026", "Monday 30 March 2026", "12:30am"},
		{"midnight BST", utc(2026, time.June, 30, 23, 0), "1 July 2026", "Wednesday 1 July 2026", "midnight"},
		{"midday BST", utc(2026, time.June, 30, 11, 0), "30 June 2026", "Tuesday 30 June 2026", "midday"},
		{"before fall back", utc(2026, time.October, 25, 0, 30), "25 October 2026", "Sunday 25 October 2026", "1:30am"},
		{"after fall back", utc(2026, time.October, 25, 1, 30), "25 October 2026", "Sunday 25 October 2026", "1:30am"},
		{"afternoon GMT", utc(2026, time.October, 26, 16, 0), "26 October 2026", "Monday 26 October 2026", "4pm"},
		{"2027 spring forward", utc(2027, time.March, 28, 8, 30), "28 March 2027", "Sunday 28 March 2027", "9:30am"},
		{"2027 fall back", utc(2027, time.October, 31, 9, 5), "31 October 2027", "Sunday 31 October 2027", "9:05am"},
		{"a winter morning", utc(2026, time.December, 4, 9, 30), "4 December 2026", "Friday 4 December 2026", "9:30am"},
	} {
		assert.Equal(t, tc.date, london.Date(tc.at), tc.name)
		assert.Equal(t, tc.long, london.LongDate(tc.at), tc.name)
		assert.Equal(t, tc.clk, london.Clock(tc.at), tc.name)
	}
	assert.Equal(t, "March 2026", london.MonthYear(utc(2026, time.March, 31, 22, 59)), "11:59pm BST on 31 March")
	assert.Equal(t, "April 2026", london.MonthYear(utc(2026, time.March, 31, 23, 0)), "midnight BST starts April")
	assert.Equal(t, "2026-04-01", london.ISODate(utc(2026, time.March, 31, 23, 0)))
	assert.Equal(t, "09:30", london.Clock24(utc(2026, time.July, 1, 8, 30)))
	assert.Equal(t, "09:30", london.Clock24(utc(2026, time.December, 1, 9, 30)))
}

func TestWhen(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "Sunday 25 October 2026, 9:30am to 4pm",
		london.When(utc(2026, time.October, 25, 9, 30), utc(2026, time.October, 25, 16, 0)), "after the change: GMT")
	assert.Equal(t, "Saturday 24 October 2026, 9:30am to 4pm",
		london.When(utc(2026, time.October, 24, 8, 30), utc(2026, time.October, 24, 15, 0)), "before the change: BST")
	assert.Equal(t, "Saturday 24 October 2026, 10pm to Sunday 25 October 2026, 6am",
		london.When(utc(2026, time.October, 24, 21, 0), utc(2026, time.October, 25, 6, 0)), "overnight, across the change")
}

func TestMidnightAndStartOfDay(t *testing.T) {
	t.Parallel()
	assert.Equal(t, utc(2026, time.March, 29, 0, 0), london.Midnight(2026, time.March, 29).UTC(), "GMT until 1am")
	assert.Equal(t, utc(2026, time.March, 29, 23, 0), london.Midnight(2026, time.March, 30).UTC(), "BST the day after")
	assert.Equal(t, utc(2026, time.October, 24, 23, 0), london.Midnight(2026, time.October, 25).UTC(), "BST until 2am")
	assert.Equal(t, utc(2026, time.October, 26, 0, 0), london.Midnight(2026, time.October, 26).UTC())
	assert.Equal(t, london.Midnight(2026, time.March, 30), london.StartOfDay(utc(2026, time.March, 29, 23, 30)))
	assert.Equal(t, london.Midnight(2026, time.October, 25), london.StartOfDay(utc(2026, time.October, 25, 23, 59)))
	assert.Equal(t, 25*time.Hour, london.Midnight(2026, time.October, 26).Sub(london.Midnight(2026, time.October, 25)), "the day the clocks go back")
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		in            london.DateInput
		want          time.Time // zero when refused
		part, message string
	}{
		{"a real date", london.DateInput{"4", "12", "2026"}, london.Midnight(2026, time.December, 4), "", ""},
		{"leading zeros", london.DateInput{"04", "03", "2026"}, london.Midnight(2026, time.March, 4), "", ""},
		{"spaces around the parts", london.DateInput{" 4 ", "\t12", "2026 "}, london.Midnight(2026, time.December, 4), "", ""},
		{"a summer date is local midnight", london.DateInput{"1", "7", "2026"}, utc(2026, time.June, 30, 23, 0), "", ""},
		{"29 February in a leap year", london.DateInput{"29", "2", "2028"}, london.Midnight(2028, time.February, 29), "", ""},
		{"a month by name", london.DateInput{"4", "December", "2026"}, london.Midnight(2026, time.December, 4), "", ""},
		{"a month abbreviated", london.DateInput{"4", "dec", "2026"}, london.Midnight(2026, time.December, 4), "", ""},
		{"a year far off is a date (the caller says it is too far)", london.DateInput{"1", "1", "9999"}, london.Midnight(9999, time.January, 1), "", ""},

		{"nothing", london.DateInput{"", " ", ""}, time.Time{}, "day", "Enter the first day"},
		{"no day", london.DateInput{"", "12", "2026"}, time.Time{}, "day", "The first day must include a day"},
		{"no month", london.DateInput{"4", "", "2026"}, time.Time{}, "month", "The first day must include a month"},
		{"no year", london.DateInput{"4", "12", ""}, time.Time{}, "year", "The first day must include a year"},
		{"no month or year", london.DateInput{"4", "", ""}, time.Time{}, "month", "The first day must include a month and year"},
		{"a two-digit year", london.DateInput{"4", "12", "26"}, time.Time{}, "year", "Year must include 4 numbers"},
		{"a five-digit year", london.DateInput{"4", "12", "20266"}, time.Time{}, "year", "Year must include 4 numbers"},
		{"letters in the year", london.DateInput{"4", "12", "2O26"}, time.Time{}, "year", "Year must include 4 numbers"},
		{"29 February in another year", london.DateInput{"29", "2", "2027"}, time.Time{}, "day", "The first day must be a real date"},
		{"31 April", london.DateInput{"31", "4", "2026"}, time.Time{}, "day", "The first day must be a real date"},
		{"day 32", london.DateInput{"32", "1", "2026"}, time.Time{}, "day", "The first day must be a real date"},
		{"day 0", london.DateInput{"0", "1", "2026"}, time.Time{}, "day", "The first day must be a real date"},
		{"month 13", london.DateInput{"1", "13", "2026"}, time.Time{}, "month", "The first day must be a real date"},
		{"month 0", london.DateInput{"1", "0", "2026"}, time.Time{}, "month", "The first day must be a real date"},
		{"letters in the day", london.DateInput{"x", "1", "2026"}, time.Time{}, "day", "The first day must be a real date"},
		{"a word for the day", london.DateInput{"first", "1", "2026"}, time.Time{}, "day", "The first day must be a real date"},
		{"not a month's name", london.DateInput{"1", "Decembre", "2026"}, time.Time{}, "month", "The first day must be a real date"},
		{"a sign", london.DateInput{"+1", "1", "2026"}, time.Time{}, "day", "The first day must be a real date"},
		{"a negative month", london.DateInput{"1", "-1", "2026"}, time.Time{}, "month", "The first day must be a real date"},
		{"a decimal", london.DateInput{"1.5", "1", "2026"}, time.Time{}, "day", "The first day must be a real date"},
		{"a space inside", london.DateInput{"1", "1", "20 26"}, time.Time{}, "year", "Year must include 4 numbers"},
	} {
		got, err := tc.in.Parse("The first day")
		if tc.message == "" {
			if assert.Nil(t, err, tc.name) {
				assert.True(t, tc.want.Equal(got), "%s: got %s, want %s", tc.name, got, tc.want)
				assert.Equal(t, london.Zone, got.Location(), tc.name)
			}
			continue
		}
		if assert.NotNil(t, err, tc.name) {
			assert.Equal(t, tc.part, err.Part, tc.name)
			assert.Equal(t, tc.message, err.Message, tc.name)
		}
	}
}

func TestCheckNamesThePartAtFault(t *testing.T) {
	t.Parallel()
	var v validation.Errors
	_, ok := london.DateInput{"1", "", "2026"}.Check(&v, "from", "Date from")
	assert.False(t, ok)
	_, ok = london.DateInput{"1", "1", "26"}.Check(&v, "to", "Date to")
	assert.False(t, ok)
	day, ok := london.DateInput{"1", "1", "2026"}.Check(&v, "on", "Date")
	assert.True(t, ok)
	assert.Equal(t, london.Midnight(2026, time.January, 1), day)
	assert.Equal(t, []validation.FieldError{
		{Field: "from-month", Message: "Date from must include a month"},
		{Field: "to-year", Message: "Year must include 4 numbers"},
	}, v.Fields)
}

func TestInputOfAndBlank(t *testing.T) {
	t.Parallel()
	assert.Equal(t, london.DateInput{"1", "7", "2026"}, london.InputOf(utc(2026, time.June, 30, 23, 30)), "the London day, not the UTC one")
	assert.Equal(t, london.DateInput{"4", "12", "2026"}, london.InputOf(utc(2026, time.December, 4, 23, 30)))
	assert.True(t, london.DateInput{" ", "", "\t"}.Blank())
	assert.False(t, london.DateInput{"", "", "2026"}.Blank())
}

func TestParseClock(t *testing.T) {
	t.Parallel()
	spring := london.Midnight(2026, time.March, 29) // the clocks go forward at 1am
	autumn := london.Midnight(2026, time.October, 25)
	for _, tc := range []struct {
		name string
		day  time.Time
		in   string
		want time.Time // zero when refused
	}{
		{"morning in BST", spring, "9:30", utc(2026, time.March, 29, 8, 30)},
		{"before the change, GMT", spring, "00:30", utc(2026, time.March, 29, 0, 30)},
		{"a leading zero", autumn, "09:30", utc(2026, time.October, 25, 9, 30)},
		{"afternoon after the change, GMT", autumn, "13:45", utc(2026, time.October, 25, 13, 45)},
		{"an hour alone", autumn, "16", utc(2026, time.October, 25, 16, 0)},
		{"spaces", autumn, " 16:00 ", utc(2026, time.October, 25, 16, 0)},
		{"a day given in UTC", utc(2026, time.June, 30, 23, 0), "9:00", utc(2026, time.July, 1, 8, 0)},
		{"empty", autumn, "", time.Time{}},
		{"24:00", autumn, "24:00", time.Time{}},
		{"minutes 60", autumn, "9:60", time.Time{}},
		{"one minute digit", autumn, "9:5", time.Time{}},
		{"a dot", autumn, "9.30", time.Time{}},
		{"am", autumn, "9:30am", time.Time{}},
		{"words", autumn, "nine", time.Time{}},
		{"a sign", autumn, "+9:30", time.Time{}},
		{"three digits for the hour", autumn, "009:30", time.Time{}},
	} {
		got, ok := london.ParseClock(tc.day, tc.in)
		if tc.want.IsZero() {
			assert.False(t, ok, tc.name)
			continue
		}
		if assert.True(t, ok, tc.name) {
			assert.True(t, tc.want.Equal(got), "%s: got %s, want %s", tc.name, got.UTC(), tc.want)
		}
	}
}
