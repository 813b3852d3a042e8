package workday_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/workday"
)

func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 10, 0, 0, 0, london.Zone)
}

func TestWorkingDaysCountEnglandAndWalesBankHolidays(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     int
	}{
		{"same day", day(2026, time.March, 2), day(2026, time.March, 2), 0},
		{"Friday to Monday skips the weekend", day(2026, time.March, 6), day(2026, time.March, 9), 1},
		{"a plain fortnight", day(2026, time.March, 2), day(2026, time.March, 16), 10},
		// Good Friday 3 April and Easter Monday 6 April 2026.
		{"across Easter 2026", day(2026, time.April, 2), day(2026, time.April, 9), 3},
		// Christmas 2021 fell on a Saturday and Boxing Day on a Sunday: the
		// bank holidays were Monday 27 and Tuesday 28 December.
		{"Christmas substitute days 2021", day(2021, time.December, 24), day(2021, time.December, 31), 3},
		// Christmas 2022 on a Sunday: bank holidays Monday 26 and Tuesday 27.
		{"Christmas substitute days 2022", day(2022, time.December, 23), day(2022, time.December, 30), 3},
		// The coronation of King Charles III, Monday 8 May 2023, a one-off day,
		// after the early May bank holiday on Monday 1 May.
		{"coronation 2023", day(2023, time.April, 28), day(2023, time.May, 12), 8},
		// The platinum jubilee: Thursday 2 and Friday 3 June 2022, and no
		// spring bank holiday at the end of May that year.
		{"jubilee 2022", day(2022, time.May, 27), day(2022, time.June, 6), 4},
		{"New Year 2027 on a Friday", day(2026, time.December, 31), day(2027, time.January, 4), 1},
		{"backwards is nothing", day(2026, time.March, 9), day(2026, time.March, 2), 0},
	} {
		assert.Equal(t, tc.want, workday.Between(tc.from, tc.to), tc.name)
	}
	for _, holiday := range []time.Time{
		day(2023, time.May, 8), day(2021, time.December, 27), day(2021, time.December, 28),
		day(2026, time.April, 3), day(2026, time.April, 6), day(2026, time.December, 25), day(2026, time.December, 28),
		day(2026, time.August, 31),
	} {
		assert.False(t, workday.Is(holiday), holiday.Format(time.DateOnly))
	}
	assert.True(t, workday.Is(day(2023, time.May, 9)))
	assert.False(t, workday.Is(day(2026, time.March, 7)), "a Saturday")

	// Ten working days from Monday 21 December 2026: 25 and 28 December
	// (Boxing Day on a Saturday moves to Monday) and 1 January are holidays.
	assert.Equal(t, "2027-01-07", workday.Add(day(2026, time.December, 21), 10).Format(time.DateOnly))
}

func TestHolidayNamesTheBankHoliday(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		day  time.Time
		want string
	}{
		{day(2026, time.December, 25), "Christmas Day"},
		{day(2026, time.December, 28), "Boxing Day (substitute day)"}, // Boxing Day 2026 is a Saturday
		{day(2026, time.December, 26), ""},                            // that Saturday: a weekend, not a working-day holiday
		{day(2026, time.April, 3), "Good Friday"},
		{day(2023, time.May, 8), "Coronation of King Charles III"},
		{day(2026, time.December, 22), ""}, // an ordinary Tuesday
	} {
		assert.Equal(t, tc.want, workday.Holiday(tc.day), tc.day.Format(time.DateOnly))
	}
}
