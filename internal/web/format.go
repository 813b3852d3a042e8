package web

import (
	"fmt"
	"time"

	"github.com/pscp/booktraining/internal/catalogue"
)

var london = catalogue.London

// longDate is the GOV.UK date style: "Tuesday 3 March 2026".
func longDate(t time.Time) string {
	return t.In(london).Format("Monday 2 January 2006")
}

// clock is the GOV.UK time style: "9:30am", "4pm", "midday", "midnight".
func clock(t time.Time) string {
	t = t.In(london)
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

// when describes a session's time: "Tuesday 3 March 2026, 9:30am to 4pm".
func when(start, end time.Time) string {
	if longDate(start) == longDate(end) {
		return fmt.Sprintf("%s, %s to %s", longDate(start), clock(start), clock(end))
	}
	return fmt.Sprintf("%s, %s to %s, %s", longDate(start), clock(start), longDate(end), clock(end))
}

// placesLeft says how many places a session has: "1 place left", "Fully booked".
func placesLeft(n int) string {
	switch {
	case n <= 0:
		return "Fully booked"
	case n == 1:
		return "1 place left"
	}
	return fmt.Sprintf("%d places left", n)
}

// plural picks the singular or plural word for n: plural(2, "course", "courses").
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
