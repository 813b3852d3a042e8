// Package workday knows the working days of England and Wales: Monday to
// Friday less the bank holidays, for the targets counted in working days (a
// training request's answer) and the days sessions are scheduled on.
package workday

import (
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/gb"

	"github.com/pscp/booktraining/internal/london"
)

// workingDays is Monday to Friday less the bank holidays of England and
// Wales, as rickar/cal's gb package keeps them: the fixed and moveable ones
// with their substitute days, and one-off days such as the coronation of
// 8 May 2023. Updating that module brings new one-off days.
var workingDays = func() *cal.BusinessCalendar {
	c := cal.NewBusinessCalendar()
	c.AddHoliday(gb.Holidays...)
	return c
}()

// Is reports whether day (its date in London) is a working day.
func Is(day time.Time) bool {
	d := day.In(london.Zone)
	return workingDays.IsWorkday(time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, time.UTC))
}

// Between counts the working days after from's date up to and
// including to's date, in London: a request made on a Friday is 1 working
// day old on Monday, and 0 on the day it was made or at the weekend after.
func Between(from, to time.Time) int {
	f, t := from.In(london.Zone), to.In(london.Zone)
	day := time.Date(f.Year(), f.Month(), f.Day(), 12, 0, 0, 0, time.UTC)
	end := time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, time.UTC)
	n := 0
	for day = day.AddDate(0, 0, 1); !day.After(end); day = day.AddDate(0, 0, 1) {
		if workingDays.IsWorkday(day) {
			n++
		}
	}
	return n
}

// Add is the date n working days after from's date, in London.
func Add(from time.Time, n int) time.Time {
	f := from.In(london.Zone)
	day := time.Date(f.Year(), f.Month(), f.Day(), 12, 0, 0, 0, time.UTC)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if workingDays.IsWorkday(day) {
			n--
		}
	}
	return london.Midnight(day.Year(), day.Month(), day.Day())
}

// Holiday names the bank holiday on day's date in London ("Christmas Day",
// "Boxing Day (substitute day)"), or "" when there is none, so a warning can
// say which holiday a date falls on.
func Holiday(day time.Time) string {
	d := day.In(london.Zone)
	actual, observed, h := workingDays.IsHoliday(time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, time.UTC))
	switch {
	case h == nil:
		return ""
	case !actual && observed:
		return h.Name + " (substitute day)"
	case actual && (d.Weekday() == time.Saturday || d.Weekday() == time.Sunday):
		return "" // kept on a weekday instead: the weekend is what matters
	}
	return h.Name
}
