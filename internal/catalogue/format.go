package catalogue

import (
	"fmt"
	"time"
)

// LongDate is the GOV.UK date style: "Tuesday 3 March 2026".
func LongDate(t time.Time) string {
	return t.In(London).Format("Monday 2 January 2006")
}

// Clock is the GOV.UK time style: "9:30am", "4pm", "midday", "midnight".
func Clock(t time.Time) string {
	t = t.In(London)
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

// When describes a session's time: "Tuesday 3 March 2026, 9:30am to 4pm".
func When(start, end time.Time) string {
	if LongDate(start) == LongDate(end) {
		return fmt.Sprintf("%s, %s to %s", LongDate(start), Clock(start), Clock(end))
	}
	return fmt.Sprintf("%s, %s to %s, %s", LongDate(start), Clock(start), LongDate(end), Clock(end))
}
