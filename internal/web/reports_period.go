package web

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/report"
	"github.com/pscp/booktraining/internal/validation"
)

// --- the period ---

// periodChooser is the period form as shown: the choice made, and what was
// typed when it was wrong.
type periodChooser struct {
	Choice   string // year, previous, quarter or dates
	Quarter  string // 2026-Q3
	From, To london.DateInput
	Quarters []choice
	ThisYear string // "1 April 2026 to 31 March 2027"
	LastYear string
}

var quarterParam = regexp.MustCompile(`^(\d{4})-Q([1-4])$`)

// The years a report may cover: nothing in the service is older or further
// ahead, so another year is a typing mistake, said as such.
const minReportYear, maxReportYear = 2000, 2100

// partnershipQuarter is quarter n (1 to 4) of the partnership year starting
// in April of year: Q1 is April to June, Q4 January to March of the next
// calendar year.
func partnershipQuarter(year, n int) report.Period {
	return report.Quarter(london.Midnight(year, time.April+time.Month(3*(n-1)), 1))
}

// quarterName says a quarter as its parameter: "2026-Q1".
func quarterName(year, n int) string { return fmt.Sprintf("%d-Q%d", year, n) }

// reportPeriod reads the period of a report from its address: the form's
// period=year|previous|quarter|dates (with quarter=, and from-day… for
// dates), or the short forms the pages link with: year=2026 (the
// partnership year from April 2026), quarter=2026-Q1 (its first quarter,
// April to June), from=2026-04-01&to=2026-06-30. Nothing at all is this
// partnership year. It returns the period, the short form of it for links,
// and the form to show again; v holds what is wrong.
func reportPeriod(q url.Values, now time.Time) (p report.Period, query string, f periodChooser, v *validation.Errors) {
	v = &validation.Errors{}
	this := report.PartnershipYear(now)
	last := report.PartnershipYear(this.From.AddDate(0, 0, -1))
	f = periodChooser{ThisYear: this.String(), LastYear: last.String(), Choice: q.Get("period"), Quarter: q.Get("quarter")}
	for _, y := range []int{this.From.Year(), last.From.Year()} {
		for n := 1; n <= 4; n++ {
			qp := partnershipQuarter(y, n)
			f.Quarters = append(f.Quarters, choice{Value: quarterName(y, n),
				Text: fmt.Sprintf("%s to %s", london.MonthYear(qp.From), london.MonthYear(qp.To))})
		}
	}
	var badFrom, badTo bool
	f.From, badFrom = dateParam(q, "from")
	f.To, badTo = dateParam(q, "to")
	if f.Choice == "" {
		switch {
		case !f.From.Blank() || !f.To.Blank():
			f.Choice = "dates"
		case f.Quarter != "":
			f.Choice = "quarter"
		default:
			f.Choice = "year"
		}
	}
	switch f.Choice {
	case "year":
		p = this
		if s := q.Get("year"); s != "" {
			y, err := strconv.Atoi(s)
			if err != nil || y < minReportYear || y > maxReportYear {
				v.Add("period", fmt.Sprintf("The year must be a partnership year from %d to %d, like %d", minReportYear, maxReportYear, this.From.Year()))
				break
			}
			p = report.PartnershipYear(london.Midnight(y, time.April, 1))
		}
	case "previous":
		p = last
	case "quarter":
		m := quarterParam.FindStringSubmatch(f.Quarter)
		if m == nil {
			v.Add("quarter", "Select a quarter")
			break
		}
		y, _ := strconv.Atoi(m[1])
		n, _ := strconv.Atoi(m[2])
		if y < minReportYear || y > maxReportYear {
			v.Add("quarter", "Select a quarter")
			break
		}
		p = partnershipQuarter(y, n)
	case "dates":
		var from, to *time.Time
		if badFrom {
			v.Add("from-day", "The first day must be a real date")
		} else {
			from = parseDate(v, "from", "The first day", f.From, 0)
		}
		if badTo {
			v.Add("to-day", "The last day must be a real date")
		} else {
			to = parseDate(v, "to", "The last day", f.To, 0)
		}
		if from == nil && f.From.Blank() {
			v.Add("from-day", "Enter the first day")
		}
		if to == nil && f.To.Blank() {
			v.Add("to-day", "Enter the last day")
		}
		if from != nil && to != nil {
			var err error
			if p, err = report.Dates(*from, *to); err != nil {
				v.Add("to-day", "The last day must be the same as or after the first day")
			}
		}
	default:
		v.Add("period", "Select the period the reports cover")
	}
	if len(v.Fields) > 0 {
		return report.Period{}, "", f, v
	}
	// Shown again as the simplest choice that names it.
	f.From, f.To, f.Quarter = london.InputOf(p.From), london.InputOf(p.To), ""
	switch {
	case samePeriod(p, this):
		f.Choice, query = "year", "year="+strconv.Itoa(p.From.Year())
	case samePeriod(p, last):
		f.Choice, query = "previous", "year="+strconv.Itoa(p.From.Year())
	case samePeriod(p, report.PartnershipYear(p.From)):
		f.Choice, query = "dates", "year="+strconv.Itoa(p.From.Year())
	default:
		query, f.Choice = "from="+london.ISODate(p.From)+"&to="+london.ISODate(p.To), "dates"
		y := report.PartnershipYear(p.From).From.Year()
		for n := 1; n <= 4; n++ {
			if !samePeriod(partnershipQuarter(y, n), p) {
				continue
			}
			query = "quarter=" + quarterName(y, n)
			for _, listed := range f.Quarters {
				if listed.Value == quarterName(y, n) {
					f.Choice, f.Quarter = "quarter", listed.Value
				}
			}
		}
	}
	return p, query, f, nil
}

// samePeriod reports whether a and b cover the same days.
func samePeriod(a, b report.Period) bool { return a.From.Equal(b.From) && a.To.Equal(b.To) }

// dateParam reads a date of the period: the short form (from=2026-04-01)
// or the form's three boxes (from-day, from-month, from-year). bad is a
// short form that is not three parts.
func dateParam(q url.Values, name string) (in london.DateInput, bad bool) {
	if s := q.Get(name); s != "" {
		parts := strings.Split(s, "-")
		if len(parts) != 3 {
			return london.DateInput{Day: s}, true
		}
		return london.DateInput{Day: parts[2], Month: parts[1], Year: parts[0]}, false
	}
	return london.DateInput{Day: q.Get(name + "-day"), Month: q.Get(name + "-month"), Year: q.Get(name + "-year")}, false
}
