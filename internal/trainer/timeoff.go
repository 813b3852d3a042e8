package trainer

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/trainer/internal/trainerdb"
	"github.com/pscp/booktraining/internal/validation"
)

// TimeOff is a stretch of whole days, in London, when a trainer cannot train.
type TimeOff struct {
	ID     int64
	Start  time.Time // local midnight at the start of the first day
	End    time.Time // local midnight after the last day
	Reason string
}

// FirstDay is the first day off.
func (t TimeOff) FirstDay() time.Time { return t.Start.In(london.Zone) }

// LastDay is the last day off (End is the midnight after it).
func (t TimeOff) LastDay() time.Time { return t.End.In(london.Zone).AddDate(0, 0, -1) }

// Form field names of the time off form, which validation errors refer to.
const (
	FieldFrom   = "from"
	FieldTo     = "to"
	FieldReason = "reason"
)

// maxReason is the longest reason trainer_commitments accepts.
const maxReason = 200

// TimeOffForm is time off as typed: GOV.UK date inputs for the first and the
// last day (inclusive) and an optional reason.
type TimeOffForm struct {
	FromDay, FromMonth, FromYear string
	ToDay, ToMonth, ToYear       string
	Reason                       string
}

// Clash is the session or time off that new time off would overlap.
type Clash struct {
	SessionID   *int64 // nil when the clash is with other time off
	CourseTitle string
	Start, End  time.Time
}

// ClashError is returned when the database refused time off because it
// overlaps something already in the trainer's diary.
type ClashError struct{ Clash Clash }

// Kind makes a clash a conflict: the diary, not the form, is in the way.
func (e *ClashError) Kind() errs.Kind { return errs.Conflict }

func (e *ClashError) Error() string {
	if e.Clash.SessionID != nil {
		return fmt.Sprintf("time off overlaps session %d", *e.Clash.SessionID)
	}
	return "time off overlaps other time off"
}

// MaxTimeOffAhead is how far ahead time off can be recorded: the programme is
// planned about a year ahead, so a date further off than this is a typing
// mistake (9999 for 2026), not a plan.
const MaxTimeOffAhead = 2 // years

// check turns the form into the range it stands for, or returns
// *validation.Errors. Time off starts today or later (a day already gone
// cannot be kept free) and ends within MaxTimeOffAhead years of now.
func (f TimeOffForm) check(now time.Time) (start, end time.Time, reason string, err error) {
	var v validation.Errors
	today := london.StartOfDay(now)
	latest := today.AddDate(MaxTimeOffAhead, 0, 0)
	from := day(&v, FieldFrom, "The first day", london.DateInput{Day: f.FromDay, Month: f.FromMonth, Year: f.FromYear})
	to := day(&v, FieldTo, "The last day", london.DateInput{Day: f.ToDay, Month: f.ToMonth, Year: f.ToYear})
	switch {
	case from != nil && from.Before(today):
		v.Add(FieldFrom+"-day", "The first day must be today or in the future")
	case from != nil && from.After(latest):
		v.Add(FieldFrom+"-day", fmt.Sprintf("The first day must be within %d years from today", MaxTimeOffAhead))
	}
	switch {
	case from != nil && to != nil && to.Before(*from):
		v.Add(FieldTo+"-day", "The last day must be the same as or after the first day")
	case to != nil && to.After(latest):
		v.Add(FieldTo+"-day", fmt.Sprintf("The last day must be within %d years from today", MaxTimeOffAhead))
	}
	reason = validation.CleanLine(f.Reason)
	if utf8.RuneCountInString(reason) > maxReason {
		v.Add(FieldReason, fmt.Sprintf("Reason must be %d characters or fewer", maxReason))
	}
	if err := v.Err(); err != nil {
		return time.Time{}, time.Time{}, "", err
	}
	// Midnight always exists in London: the clocks change at 1am.
	return *from, to.AddDate(0, 0, 1), reason, nil
}

// day reads one date input as the start of that day in London, or adds its
// problem to v under the box at fault (name-day, name-month…).
func day(v *validation.Errors, name, label string, in london.DateInput) *time.Time {
	t, ok := in.Check(v, name, label)
	if !ok {
		return nil
	}
	return &t
}

// ListTimeOff returns the trainer's time off, earliest first.
func (s *Service) ListTimeOff(ctx context.Context, trainerID int64) ([]TimeOff, error) {
	rows, err := trainerdb.New(s.pool).ListTimeOff(ctx, trainerID)
	if err != nil {
		return nil, fmt.Errorf("list time off of %d: %w", trainerID, err)
	}
	out := make([]TimeOff, len(rows))
	for i, r := range rows {
		out[i] = TimeOff{ID: r.ID, Start: r.StartsAt, End: r.EndsAt, Reason: r.Reason}
	}
	return out, nil
}

// AddTimeOff records time off for a trainer, audited as done by the actor
// in ctx. The database refuses time off that overlaps a session they deliver
// or other time off; that comes back as *ClashError naming what is in the
// way, and nothing is saved.
func (s *Service) AddTimeOff(ctx context.Context, trainerID int64, f TimeOffForm) (TimeOff, error) {
	a := actor.From(ctx)
	start, end, reason, err := f.check(s.now())
	if err != nil {
		return TimeOff{}, err
	}
	t := TimeOff{Start: start, End: end, Reason: reason}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := trainerdb.New(tx)
		if err := lockTrainer(ctx, q, trainerID); err != nil {
			return err
		}
		now := s.now()
		id, err := q.InsertTimeOff(ctx, trainerdb.InsertTimeOffParams{
			TrainerID: trainerID, StartsAt: start, EndsAt: end, Reason: reason, Now: now,
		})
		t.ID = id
		if pgerr.Violates(err, noOverlap) {
			return errClash
		} else if err != nil {
			return fmt.Errorf("insert time off for trainer %d: %w", trainerID, err)
		}
		return audit.RecordTx(ctx, tx, now, audit.Event{
			Action: ActionTimeOffAdded, ActorID: a.IDPtr(), SubjectID: &trainerID, IP: a.IP,
			Details: map[string]any{
				"first_day": t.FirstDay().Format(time.DateOnly), "last_day": t.LastDay().Format(time.DateOnly), "reason": reason,
			},
		})
	})
	if errors.Is(err, errClash) {
		// The transaction rolled back: look up, outside it, what was in the way.
		return TimeOff{}, s.whatClashes(ctx, trainerID, start, end)
	}
	if err != nil {
		return TimeOff{}, err
	}
	return t, nil
}

// errClash carries the refusal out of the failed transaction.
var errClash = errors.New("clash")

func (s *Service) whatClashes(ctx context.Context, trainerID int64, start, end time.Time) error {
	r, err := trainerdb.New(s.pool).FirstClash(ctx, trainerdb.FirstClashParams{TrainerID: trainerID, StartsAt: start, EndsAt: end})
	if errors.Is(err, pgx.ErrNoRows) {
		// What was in the way has gone since: say so without details.
		return &ClashError{}
	} else if err != nil {
		return fmt.Errorf("find what clashes with time off for trainer %d: %w", trainerID, err)
	}
	return &ClashError{Clash{SessionID: r.SessionID, CourseTitle: r.CourseTitle, Start: r.StartsAt, End: r.EndsAt}}
}

// RemoveTimeOff deletes one stretch of a trainer's time off, audited as
// done by the actor in ctx.
func (s *Service) RemoveTimeOff(ctx context.Context, trainerID, id int64) error {
	a := actor.From(ctx)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := trainerdb.New(tx)
		if err := lockTrainer(ctx, q, trainerID); err != nil {
			return err
		}
		r, err := q.DeleteTimeOff(ctx, trainerdb.DeleteTimeOffParams{ID: id, TrainerID: trainerID})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrTimeOffNotFound
		} else if err != nil {
			return fmt.Errorf("delete time off %d: %w", id, err)
		}
		t := TimeOff{Start: r.StartsAt, End: r.EndsAt}
		return audit.RecordTx(ctx, tx, s.now(), audit.Event{
			Action: ActionTimeOffRemoved, ActorID: a.IDPtr(), SubjectID: &trainerID, IP: a.IP,
			Details: map[string]any{"first_day": t.FirstDay().Format(time.DateOnly), "last_day": t.LastDay().Format(time.DateOnly)},
		})
	})
}
