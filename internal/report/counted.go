package report

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/figcache"
)

// The reports as the pages read them: who may read them checked on every
// call, the figures counted once and kept (internal/figcache). Each count... function
// is the plain computation.

// Delivery counts the period's sessions and places, by course, by month and
// in total.
func (s *Service) Delivery(ctx context.Context, p Period) (Delivery, error) {
	if !actor.From(ctx).Manager {
		return Delivery{}, ErrForbidden
	}
	return kept(ctx, s, periodKey("delivery", p), func(ctx context.Context) (Delivery, error) { return s.countDelivery(ctx, p) })
}

// Attendance counts the places of the period's delivered sessions by agency
// and by sector, and the sectors in each room.
func (s *Service) Attendance(ctx context.Context, p Period) (Attendance, error) {
	if !actor.From(ctx).Manager {
		return Attendance{}, ErrForbidden
	}
	return kept(ctx, s, periodKey("attendance", p), func(ctx context.Context) (Attendance, error) { return s.countAttendance(ctx, p) })
}

// NonAttendance counts the absences and late cancellations on the period's
// delivered sessions, by agency and sector: the places of the attendance
// report, counted once for both.
func (s *Service) NonAttendance(ctx context.Context, p Period) (NonAttendance, error) {
	a, err := s.Attendance(ctx, p)
	if err != nil {
		return NonAttendance{}, err
	}
	return NonAttendance{Period: a.Period, ByAgency: a.ByAgency, BySector: a.BySector, Total: a.Total}, nil
}

// UnmetDemand counts the waiting lists of the period's delivered sessions
// that never got a place, by course.
func (s *Service) UnmetDemand(ctx context.Context, p Period) (UnmetDemand, error) {
	if !actor.From(ctx).Manager {
		return UnmetDemand{}, ErrForbidden
	}
	return kept(ctx, s, periodKey("unmet", p), func(ctx context.Context) (UnmetDemand, error) { return s.countUnmetDemand(ctx, p) })
}

// Requests counts the training requests made and decided in the period.
func (s *Service) Requests(ctx context.Context, p Period) (Requests, error) {
	if !actor.From(ctx).Manager {
		return Requests{}, ErrForbidden
	}
	return kept(ctx, s, periodKey(fmt.Sprintf("requests|%d", s.ResponseDays), p),
		func(ctx context.Context) (Requests, error) { return s.countRequests(ctx, p) })
}

// Money counts the charges and the paid places of the period's sessions.
func (s *Service) Money(ctx context.Context, p Period) (Money, error) {
	if !actor.From(ctx).Manager {
		return Money{}, ErrForbidden
	}
	return kept(ctx, s, periodKey("money", p), func(ctx context.Context) (Money, error) { return s.countMoney(ctx, p) })
}

// Ledger sets each agency's trainer hours against its staff's hours of
// training for the period.
func (s *Service) Ledger(ctx context.Context, p Period) (Ledger, error) {
	if !actor.From(ctx).Manager {
		return Ledger{}, ErrForbidden
	}
	return kept(ctx, s, periodKey("ledger", p), func(ctx context.Context) (Ledger, error) { return s.countLedger(ctx, p) })
}

// Trainers lists each trainer's delivered sessions in the period, by
// trainer name and then date.
func (s *Service) Trainers(ctx context.Context, p Period) ([]TrainerRecord, error) {
	if !actor.From(ctx).Manager {
		return nil, ErrForbidden
	}
	return kept(ctx, s, periodKey("trainers", p), func(ctx context.Context) ([]TrainerRecord, error) { return s.countTrainers(ctx, p) })
}

// Evaluation reads what the period's evaluations and follow-ups say, by
// course and in total.
func (s *Service) Evaluation(ctx context.Context, p Period) (Evaluation, error) {
	if !actor.From(ctx).Manager {
		return Evaluation{}, ErrForbidden
	}
	return kept(ctx, s, periodKey("evaluation", p), func(ctx context.Context) (Evaluation, error) { return s.evaluation(ctx, p, nil) })
}

// AgencyFigures reads the period's figures for the staff of agencyID. A
// coordinator may ask for their own agency only; a training manager for
// any.
func (s *Service) AgencyFigures(ctx context.Context, p Period, agencyID int64) (AgencyFigures, error) {
	if err := mayReadAgency(ctx, agencyID); err != nil {
		return AgencyFigures{}, err
	}
	return kept(ctx, s, periodKey(fmt.Sprintf("agency|%d", agencyID), p),
		func(ctx context.Context) (AgencyFigures, error) { return s.countAgencyFigures(ctx, p, agencyID) })
}

// WritePack writes the period's annual pack for partnership to w as an
// XLSX workbook: a cover sheet, then a sheet per report, made once from
// the figures kept and kept itself as they are. Training managers only.
func (s *Service) WritePack(ctx context.Context, w io.Writer, p Period, partnership string) error {
	if !actor.From(ctx).Manager {
		return ErrForbidden
	}
	b, err := keptUnbounded(ctx, s, periodKey("pack|"+partnership, p), func(ctx context.Context) ([]byte, error) {
		var buf bytes.Buffer
		err := s.writePack(ctx, &buf, p, partnership)
		return buf.Bytes(), err
	})
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// CountAgain forgets every figure kept for the period, the board's and the
// agencies', so that each is counted afresh by the next to ask for it: a
// training manager's way to see a change at once. Training managers only.
func (s *Service) CountAgain(ctx context.Context, p Period) error {
	if !actor.From(ctx).Manager {
		return ErrForbidden
	}
	period := periodKey("", p)
	s.Figures.ForgetWhere(func(key string) bool { return strings.HasSuffix(key, period) })
	return nil
}

// kept is the figures of key, counted by compute once and kept.
func kept[T any](ctx context.Context, s *Service, key string, compute func(context.Context) (T, error)) (T, error) {
	return figcache.Get(ctx, s.Figures, key, true, compute)
}

// keptUnbounded is kept for what is made of other figures kept (the pack):
// it takes none of the slots for counting, which the figures it waits for
// need.
func keptUnbounded[T any](ctx context.Context, s *Service, key string, compute func(context.Context) (T, error)) (T, error) {
	return figcache.Get(ctx, s.Figures, key, false, compute)
}

// periodKey names a report's figures for a period.
func periodKey(report string, p Period) string { return figcache.Key(report, p.Start(), p.End()) }
