// Package workday knows the working days of England and Wales: Monday to
// Friday less the bank holidays, for the targets counted in working days (a
// training request's answer) and the days sessions are scheduled on.
package workday

import (
	"sync"
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

// workingYear counts a year's working days: before[d] is how many of its
// days before day d (from 1, as time.YearDay) are working days. Asking
// rickar/cal works out every holiday of the year on each call, about a
// microsecond a holiday; a request two years old is 500 working days, so a
// list of them asked it tens of thousands of times per page.
type workingYear struct {
	before [368]int32
}

// years holds each year's count, made on first use (a few dozen years at most).
var years sync.Map // int → *workingYear

func yearOf(year int) *workingYear {
	if y, ok := years.Load(year); ok {
		return y.(*workingYear)
	}
	y := &workingYear{}
	day := time.Date(year, time.January, 1, 12, 0, 0, 0, time.UTC)
	for d := 1; day.Year() == year; d, day = d+1, day.AddDate(0, 0, 1) {
		y.before[d+1] = y.before[d]
		if workingDays.IsWorkday(day) {
			y.before[d+1]++
		}
	}
	for d := 367; d > 0 && y.before[d] == 0; d-- { // 365-day years: the last entry as the 366th
		y.before[d] = y.before[d-1]
	}
	got, _ := years.LoadOrStore(year, y)
	return got.(*workingYear)
}

// upTo counts the working days of date's year up to and including date.
func upTo(date time.Time) int {
	return int(yearOf(date.Year()).before[date.YearDay()+1])
}

// inYear counts a whole year's working days.
func inYear(year int) int { return int(yearOf(year).before[367]) }

// Is reports whether day (its date in London) is a working day.
func Is(day time.Time) bool {
	d := day.In(london.Zone)
	y := yearOf(d.Year())
	return y.before[d.YearDay()+1] > y.before[d.YearDay()]
}

// Between counts the working days after from's date up to and
// including to's date, in London: a request made on a Friday is 1 working
// day old on Monday, and 0 on the day it was made or at the weekend after.
func Between(from, to time.Time) int {
	f, t := from.In(london.Zone), to.In(london.Zone)
	if !t.After(f) || (t.Year() == f.Year() && t.YearDay() <= f.YearDay()) {
		return 0
	}
	n := upTo(t) - upTo(f)
	for y := f.Year(); y < t.Year(); y++ {
		n += inYear(y)
	}
	return n
}

// Add is the date n working days after from's date, in London.
func Add(from time.Time, n int) time.Time {
	f := from.In(london.Zone)
	day := time.Date(f.Year(), f.Month(), f.Day(), 12, 0, 0, 0, time.UTC)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if Is(day) {
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
