package london

import (
	"strconv"
	"strings"
	"time"

	"github.com/pscp/booktraining/internal/validation"
)

// DateInput is a GOV.UK date input as typed: its day, month and year boxes.
type DateInput struct{ Day, Month, Year string }

// InputOf fills a date input with t's London day, for a form shown again.
func InputOf(t time.Time) DateInput {
	l := t.In(Zone)
	return DateInput{strconv.Itoa(l.Day()), strconv.Itoa(int(l.Month())), strconv.Itoa(l.Year())}
}

// Blank reports whether nothing but spaces was typed in any box.
func (in DateInput) Blank() bool {
	return strings.TrimSpace(in.Day) == "" && strings.TrimSpace(in.Month) == "" && strings.TrimSpace(in.Year) == ""
}

// DateError is what is wrong with a date input, in GOV.UK's words, and the
// box (Part: "day", "month" or "year") to mark and link to.
type DateError struct {
	Part    string
	Message string
}

func (e *DateError) Error() string { return e.Message }

// Parse reads the input as the start of that day in London. label names the
// date in messages, as a sentence starts ("Date from", "The first day"). Its
// error follows the GOV.UK date input pattern:
//
//   - nothing typed: "Enter the first day"
//   - a box empty: "The first day must include a month" (or "a day and year")
//   - a year that is not 4 numbers: "Year must include 4 numbers"
//   - anything else that is not a day of the calendar (letters, 13 for the
//     month, 31 April, 29 February 2027): "The first day must be a real date"
//
// Spaces around each part are ignored, and a month may be typed as its name
// or its first three letters ("March", "mar"). Whether the date is too early
// or too late is for the caller to say.
func (in DateInput) Parse(label string) (time.Time, *DateError) {
	day, month, year := strings.TrimSpace(in.Day), strings.TrimSpace(in.Month), strings.TrimSpace(in.Year)
	if day == "" && month == "" && year == "" {
		return time.Time{}, &DateError{"day", "Enter " + strings.ToLower(label[:1]) + label[1:]}
	}
	var missing []string
	for _, p := range []struct{ value, part string }{{day, "day"}, {month, "month"}, {year, "year"}} {
		if p.value == "" {
			missing = append(missing, p.part)
		}
	}
	if len(missing) > 0 {
		return time.Time{}, &DateError{missing[0], label + " must include a " + strings.Join(missing, " and ")}
	}
	y, okY := digits(year)
	if !okY || len(year) != 4 {
		return time.Time{}, &DateError{"year", "Year must include 4 numbers"}
	}
	d, okD := digits(day)
	m, okM := monthNumber(month)
	switch {
	case !okD || d < 1 || d > 31:
		return time.Time{}, &DateError{"day", label + " must be a real date"}
	case !okM:
		return time.Time{}, &DateError{"month", label + " must be a real date"}
	}
	t := Midnight(y, time.Month(m), d)
	if t.Day() != d { // 31 April, 29 February 2027
		return time.Time{}, &DateError{"day", label + " must be a real date"}
	}
	return t, nil
}

// Check is Parse for a form whose date boxes are named name-day,
// name-month and name-year: a problem is added to v under the box at fault.
func (in DateInput) Check(v *validation.Errors, name, label string) (time.Time, bool) {
	t, err := in.Parse(label)
	if err != nil {
		v.Add(name+"-"+err.Part, err.Message)
		return time.Time{}, false
	}
	return t, true
}

// digits reads a number typed with the digits 0 to 9 only (no sign, no
// spaces, no decimal point).
func digits(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// monthNumber reads a month typed as a number (1 to 12), a name or its
// first three letters, as GOV.UK asks services to accept.
func monthNumber(s string) (int, bool) {
	if n, ok := digits(s); ok {
		return n, n >= 1 && n <= 12
	}
	s = strings.ToLower(s)
	for m := time.January; m <= time.December; m++ {
		name := strings.ToLower(m.String())
		if s == name || s == name[:3] {
			return int(m), true
		}
	}
	return 0, false
}

// ParseClock reads a time typed on the 24-hour clock ("9:30", "13:45", or
// "9" for 9:00) as that time of day's London date, or false when it is not
// one.
func ParseClock(day time.Time, s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	h, m, ok := strings.Cut(s, ":")
	if !ok {
		h, m = s, "00"
	}
	hh, okH := digits(h)
	mm, okM := digits(m)
	if !okH || !okM || len(h) > 2 || len(m) != 2 || hh > 23 || mm > 59 {
		return time.Time{}, false
	}
	d := day.In(Zone)
	return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, Zone), true
}
