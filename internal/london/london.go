// Package london is the partnership's clock and calendar: the Europe/London
// time zone, in which sessions are entered and shown, the GOV.UK way of
// writing its dates and times ("Friday 4 December 2026", "9:30am"), and the
// reading of GOV.UK date inputs typed on forms.
//
// It is the only place that loads the zone. The zone comes with the binary
// (time/tzdata), and the package panics when its program starts if it
// cannot load it: times are never shown or read in UTC by mistake.
package london

import (
	"fmt"
	"time"
	_ "time/tzdata" // Europe/London loads on machines without zoneinfo
)

// Name is the zone's IANA name, as calendar files and PostgreSQL spell it.
const Name = "Europe/London"

// Zone is Europe/London: GMT in winter, BST (GMT+1) from 1am GMT on the last
// Sunday in March to 1am GMT on the last Sunday in October.
var Zone = mustLoad(Name)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("london: load %s: %v", name, err))
	}
	return loc
}

// Midnight is the start of day d of month m of year y in London. Midnight
// always exists there: the clocks change at 1am.
func Midnight(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, Zone)
}

// StartOfDay is the start of the London day that t falls on.
func StartOfDay(t time.Time) time.Time {
	l := t.In(Zone)
	return Midnight(l.Year(), l.Month(), l.Day())
}

// Date is the GOV.UK short date: "4 December 2026".
func Date(t time.Time) string { return t.In(Zone).Format("2 January 2006") }

// LongDate is the GOV.UK date with its day's name: "Friday 4 December 2026".
func LongDate(t time.Time) string { return t.In(Zone).Format("Monday 2 January 2006") }

// MonthYear is a month as a heading says it: "December 2026".
func MonthYear(t time.Time) string { return t.In(Zone).Format("January 2006") }

// Clock is the GOV.UK time: "9:30am", "4pm", "midday", "midnight".
func Clock(t time.Time) string {
	t = t.In(Zone)
	h, m := t.Hour(), t.Minute()
	switch {
	case h == 12 && m == 0:
		return "midday"
	case h == 0 && m == 0:
		return "midnight"
	}
	suffix := "am"
	if h >= 12 {
		suffix = "pm"
	}
	h12 := h % 12
	if h12 == 0 {
		h12 = 12
	}
	if m == 0 {
		return fmt.Sprintf("%d%s", h12, suffix)
	}
	return fmt.Sprintf("%d:%02d%s", h12, m, suffix)
}

// When is a stretch of time such as a session's: "Friday 4 December 2026,
// 9:30am to 4pm", or with both dates when it ends on another day.
func When(start, end time.Time) string {
	if LongDate(start) == LongDate(end) {
		return fmt.Sprintf("%s, %s to %s", LongDate(start), Clock(start), Clock(end))
	}
	return fmt.Sprintf("%s, %s to %s, %s", LongDate(start), Clock(start), LongDate(end), Clock(end))
}

// Clock24 is t's London time as the forms take it back: "09:30", "16:00".
func Clock24(t time.Time) string { return t.In(Zone).Format("15:04") }

// ISODate is t's London day as "2026-12-04", for spreadsheets and audit
// details.
func ISODate(t time.Time) string { return t.In(Zone).Format(time.DateOnly) }
