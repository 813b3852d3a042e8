package workday_test

import (
	"testing"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/gb"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/workday"
)

// Between counts from each year's working days worked out once: it agrees
// with asking the calendar about every day in between, across years, leap
// years and clock changes.
func TestBetweenAgreesWithCountingDayByDay(t *testing.T) {
	t.Parallel()
	c := cal.NewBusinessCalendar()
	c.AddHoliday(gb.Holidays...)
	byDay := func(from, to time.Time) int {
		f, e := from.In(london.Zone), to.In(london.Zone)
		d := time.Date(f.Year(), f.Month(), f.Day(), 12, 0, 0, 0, time.UTC)
		end := time.Date(e.Year(), e.Month(), e.Day(), 12, 0, 0, 0, time.UTC)
		n := 0
		for d = d.AddDate(0, 0, 1); !d.After(end); d = d.AddDate(0, 0, 1) {
			if c.IsWorkday(d) {
				n++
			}
		}
		return n
	}
	for from := time.Date(2019, time.December, 30, 23, 30, 0, 0, time.UTC); from.Year() < 2028; from = from.Add(97*time.Hour + 13*time.Minute) {
		for _, days := range []int{0, 1, 3, 6, 30, 200, 365, 366, 800} {
			to := from.AddDate(0, 0, days).Add(time.Duration(days%5) * time.Hour)
			require.Equal(t, byDay(from, to), workday.Between(from, to), "%s to %s", from, to)
		}
		require.Equal(t, c.IsWorkday(time.Date(from.In(london.Zone).Year(), from.In(london.Zone).Month(), from.In(london.Zone).Day(), 12, 0, 0, 0, time.UTC)),
			workday.Is(from), "%s", from)
	}
}
