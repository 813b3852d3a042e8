package scheduling

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/scheduling/internal/schedulingdb"
	"github.com/pscp/booktraining/internal/validation"
)

// Pattern is how a series repeats.
type Pattern struct {
	Week    int          // 1 to 4 for the first to fourth, 5 for the last of the month; 0 for every week
	Weekday time.Weekday // the day of the week
	Count   int          // how many sessions (months, or weeks)
}

// Dates lists the days of a pattern starting on or after from.
func (p Pattern) Dates(from time.Time) []time.Time {
	from = london.StartOfDay(from)
	var out []time.Time
	if p.Week == 0 {
		d := from
		for d.Weekday() != p.Weekday {
			d = d.AddDate(0, 0, 1)
		}
		for range p.Count {
			out = append(out, d)
			d = d.AddDate(0, 0, 7)
		}
		return out
	}
	for m := 0; len(out) < p.Count && m < p.Count+1; m++ {
		first := london.Midnight(from.Year(), from.Month()+time.Month(m), 1)
		var d time.Time
		if p.Week == 5 {
			d = first.AddDate(0, 1, -1)
			for d.Weekday() != p.Weekday {
				d = d.AddDate(0, 0, -1)
			}
		} else {
			d = first
			for d.Weekday() != p.Weekday {
				d = d.AddDate(0, 0, 1)
			}
			d = d.AddDate(0, 0, 7*(p.Week-1))
		}
		if !d.Before(from) {
			out = append(out, d)
		}
	}
	return out
}

// ParsePattern reads the series form's pattern fields.
func ParsePattern(week, weekday, count string) (Pattern, *validation.Errors) {
	var v validation.Errors
	var p Pattern
	w, err := strconv.Atoi(week)
	if err != nil || w < 0 || w > 5 {
		v.Add("week", "Select how the series repeats")
	}
	d, err := strconv.Atoi(weekday)
	if err != nil || d < 0 || d > 6 {
		v.Add("weekday", "Select the day of the week")
	}
	n, err := strconv.Atoi(strings.TrimSpace(count))
	if err != nil || n < 2 || n > 24 {
		v.Add("count", "Enter how many sessions, from 2 to 24")
	}
	p = Pattern{Week: w, Weekday: time.Weekday(d), Count: n}
	if len(v.Fields) > 0 {
		return p, &v
	}
	return p, nil
}

// SeriesClash is a clash on one date of a series.
type SeriesClash struct {
	Date    time.Time
	Clashes []Clash
}

// SeriesError lists every date of a series that cannot be scheduled.
type SeriesError struct {
	Dates []SeriesClash
}

func (e *SeriesError) Error() string {
	return fmt.Sprintf("%d dates of the series clash", len(e.Dates))
}

// CreateSeries schedules the same session on every date of a pattern, from
// the form's date onwards, in one transaction that checks every date and
// saves them all: every clash is reported before anything is saved, and if
// another manager takes a slot meanwhile, nothing is saved either. Dates on
// a weekend or a bank holiday are refused together with a *DayWarning until
// the form confirms them.
func (s *Service) CreateSeries(ctx context.Context, f Form, p Pattern) ([]int64, error) {
	from, wrong := f.date().Parse("The date of the first session")
	if wrong != nil {
		var v validation.Errors
		v.Add("date", wrong.Message)
		return nil, v.Err()
	}
	var ids []int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var plans []Plan
		var bad []SeriesClash
		for _, d := range p.Dates(from) {
			df := f
			in := london.InputOf(d)
			df.Day, df.Month, df.Year = in.Day, in.Month, in.Year
			plan, err := s.CheckTx(ctx, tx, df, 0)
			var clash *ClashError
			switch {
			case errors.As(err, &clash):
				bad = append(bad, SeriesClash{Date: d, Clashes: clash.Clashes})
			case err != nil:
				return err // the same form problem on every date: report it once
			default:
				plans = append(plans, plan)
			}
		}
		if len(bad) > 0 {
			return &SeriesError{Dates: bad}
		}
		starts := make([]time.Time, 0, len(plans))
		for _, plan := range plans {
			starts = append(starts, plan.StartsAt)
		}
		if w := nonWorkingDays(f, starts...); w != nil {
			return w
		}
		q := schedulingdb.New(tx)
		for _, plan := range plans {
			id, err := insert(ctx, q, plan)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		for _, id := range ids {
			if err := s.recordCreated(ctx, tx, id, map[string]any{"series_of": len(ids)}); err != nil {
				return err
			}
		}
		return nil
	})
	if IsClash(err) {
		return nil, &SeriesError{Dates: []SeriesClash{{Date: from, Clashes: []Clash{{Kind: "room", What: "The room or a trainer", CourseTitle: "a session scheduled a moment ago", StartsAt: from, EndsAt: from}}}}}
	} else if smaller := RoomMadeSmaller(err); smaller != nil {
		return nil, smaller
	} else if refused(err) {
		return nil, err
	} else if err != nil {
		return nil, fmt.Errorf("create series: %w", err)
	}
	return ids, nil
}
