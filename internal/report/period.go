package report

import (
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
