package report

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/london"
)

// ErrBadPeriod: a period must end on or after the day it starts.
var ErrBadPeriod = errs.New(errs.Invalid, "the period must end on or after the day it starts")

// Period is the span of whole London days a report covers, From to To
// inclusive. A session belongs to the period its start falls in, in London
// time: one starting at 23:30 on 31 March belongs to the year it started in,
// even though it ends in the next.
type Period struct {
	From time.Time // the first day, midnight in London
	To   time.Time // the last day, midnight in London
}

// PartnershipYear is the partnership's year (1 April to 31 March, London)
// that t falls in.
func PartnershipYear(t time.Time) Period {
	l := t.In(london.Zone)
	y := l.Year()
	if l.Month() < time.April {
		y--
	}
	return Period{From: london.Midnight(y, time.April, 1), To: london.Midnight(y+1, time.March, 31)}
}

// Quarter is the quarter of the partnership's year (April to June, July to
// September, October to December, January to March) that t falls in.
func Quarter(t time.Time) Period {
	l := t.In(london.Zone)
	first := time.Month((int(l.Month())-1)/3*3 + 1) // January, April, July or October
	from := london.Midnight(l.Year(), first, 1)
	next := london.Midnight(l.Year(), first+3, 1) // time.Date normalises month 13
	return Period{From: from, To: next.AddDate(0, 0, -1)}
}

// Dates is the period from one London date to another, both included; only
// the dates of from and to count, not their times.
func Dates(from, to time.Time) (Period, error) {
	p := Period{From: london.StartOfDay(from), To: london.StartOfDay(to)}
	if p.To.Before(p.From) {
		return Period{}, ErrBadPeriod
	}
	return p, nil
}

// Start is the first moment of the period.
func (p Period) Start() time.Time { return p.From }

// End is the first moment after the period: midnight in London after its
// last day (a day of 23 or 25 hours when the clocks change is still a day).
func (p Period) End() time.Time {
	next := p.To.In(london.Zone).AddDate(0, 0, 1)
	return london.Midnight(next.Year(), next.Month(), next.Day())
}

// Contains reports whether a session starting at t belongs to the period.
func (p Period) Contains(t time.Time) bool {
	return !t.Before(p.Start()) && t.Before(p.End())
}

// String says the period the GOV.UK way: "1 April 2026 to 31 March 2027".
func (p Period) String() string {
	return london.Date(p.From) + " to " + london.Date(p.To)
}

// ErrPeriodQuery: the period asked for in a page's address could not be read.
var ErrPeriodQuery = errs.Says(errs.Invalid,
	"Choose a period: a partnership year such as 2026, or dates from and to as YYYY-MM-DD, the end on or after the start")

// ParsePeriod reads the period a report page or export is asked for:
// year=2026 for the partnership year starting 1 April 2026, or from and to
// as YYYY-MM-DD (London days, both included). With neither it is the
// partnership year now falls in. The pages and the exports share it so the
// same address means the same figures.
func ParsePeriod(values url.Values, now time.Time) (Period, error) {
	year := strings.TrimSpace(values.Get("year"))
	from := strings.TrimSpace(values.Get("from"))
	to := strings.TrimSpace(values.Get("to"))
	switch {
	case from != "" || to != "":
		if from == "" || to == "" {
			return Period{}, ErrPeriodQuery
		}
		f, err1 := time.ParseInLocation(time.DateOnly, from, london.Zone)
		t, err2 := time.ParseInLocation(time.DateOnly, to, london.Zone)
		if err1 != nil || err2 != nil {
			return Period{}, ErrPeriodQuery
		}
		p, err := Dates(f, t)
		if err != nil {
			return Period{}, ErrPeriodQuery
		}
		return p, nil
	case year != "":
		y, err := strconv.Atoi(year)
		if err != nil || y < 2000 || y > 2200 {
			return Period{}, ErrPeriodQuery
		}
		return PartnershipYear(london.Midnight(y, time.April, 1)), nil
	default:
		return PartnershipYear(now), nil
	}
}

// Query is the period as ParsePeriod reads it back: year=… for a whole
// partnership year, from=…&to=… otherwise.
func (p Period) Query() url.Values {
	v := url.Values{}
	if y := PartnershipYear(p.From); y.From.Equal(p.From) && y.To.Equal(p.To) {
		v.Set("year", strconv.Itoa(p.From.In(london.Zone).Year()))
		return v
	}
	v.Set("from", london.ISODate(p.From))
	v.Set("to", london.ISODate(p.To))
	return v
}
