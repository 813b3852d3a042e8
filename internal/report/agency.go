package report

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/payment/money"
	"github.com/pscp/booktraining/internal/report/internal/reportdb"
)

// ErrNotOwnAgency: a coordinator sees the figures of their own agency only.
var ErrNotOwnAgency = errs.New(errs.Forbidden, "agency coordinators see their own agency's figures only")

// ErrNoAgency: the agency asked for is not listed.
var ErrNoAgency = errs.New(errs.NotFound, "no such agency")

// AgencyFigures are the board's figures for the places of one agency's
// staff: what its coordinators see of their own agency. Places count for
// the agency on the booking, as in every report.
type AgencyFigures struct {
	Period   Period
	AgencyID int64
	Agency   string
	Sector   string
	// Places: their staff's places on the period's delivered sessions, by
	// course and in total (the course on each row's CourseID and Course).
	ByCourse []AgencyPlaces
	Places   AgencyPlaces
	// Charges: non-attendance and late-cancellation charges to the agency;
	// PaidPlaces: what its staff's paid places cost.
	Charges    Charges
	PaidPlaces PlaceIncome
	// Contribution: the hours its trainers gave against the hours of
	// training its staff received (the ledger's row for the agency).
	Contribution Contribution
	// Evaluation: its staff's evaluations and follow-ups, by course and in
	// total, and confidence per learning outcome.
	Evaluation Evaluation
}

// AgencyPlaces is an agency's places on one course, or on all.
type AgencyPlaces struct {
	CourseID int64
	Course   string
	Places
}

// mayReadAgency lets a training manager read any agency's figures and a
// coordinator their own agency's only.
func mayReadAgency(ctx context.Context, agencyID int64) error {
	who := actor.From(ctx)
	switch {
	case who.Manager:
		return nil
	case who.Coordinator && who.AgencyID != nil && *who.AgencyID == agencyID:
		return nil
	case who.Coordinator:
		return ErrNotOwnAgency
	}
	return ErrForbidden
}

// countAgencyFigures reads the period's figures for the staff of agencyID.
func (s *Service) countAgencyFigures(ctx context.Context, p Period, agencyID int64) (AgencyFigures, error) {
	out := AgencyFigures{Period: p, AgencyID: agencyID}
	err := s.read(ctx, func(q *reportdb.Queries) error {
		a, err := q.AgencyName(ctx, agencyID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNoAgency
		} else if err != nil {
			return fmt.Errorf("agency %d: %w", agencyID, err)
		}
		out.Agency, out.Sector = a.Name, a.Sector
		rows, err := q.AgencyPlacesByCourse(ctx, reportdb.AgencyPlacesByCourseParams{
			AgencyID: agencyID, PeriodStart: p.Start(), PeriodEnd: p.End(), Now: s.now()})
		if err != nil {
			return fmt.Errorf("places: %w", err)
		}
		for _, r := range rows {
			row := AgencyPlaces{CourseID: r.CourseID, Course: r.CourseTitle, Places: Places{AgencyID: agencyID, Agency: a.Name,
				Sector: a.Sector, Booked: int(r.Booked), Attended: int(r.Attended), ArrivedLate: int(r.ArrivedLate),
				Absent: int(r.Absent), Unmarked: int(r.Unmarked), CancelledLate: int(r.CancelledLate)}}
			if r.Total {
				out.Places = row
			} else {
				out.ByCourse = append(out.ByCourse, row)
			}
		}
		c, err := q.AgencyChargeFigures(ctx, reportdb.AgencyChargeFiguresParams{AgencyID: agencyID, PeriodStart: p.Start(), PeriodEnd: p.End()})
		if err != nil {
			return fmt.Errorf("charges: %w", err)
		}
		out.Charges = Charges{Proposed: Tally{int(c.Proposed), money.Pence(c.ProposedPence)},
			Waived: Tally{int(c.Waived), money.Pence(c.WaivedPence)}, Invoiced: Tally{int(c.Invoiced), money.Pence(c.InvoicedPence)},
			Paid: Tally{int(c.Paid), money.Pence(c.PaidPence)}}
		i, err := q.AgencyPlaceIncome(ctx, reportdb.AgencyPlaceIncomeParams{AgencyID: agencyID, PeriodStart: p.Start(), PeriodEnd: p.End()})
		if err != nil {
			return fmt.Errorf("paid places: %w", err)
		}
		out.PaidPlaces = PlaceIncome{Paid: Tally{int(i.Paid), money.Pence(i.PaidPence)},
			Refunded: Tally{int(i.Refunded), money.Pence(i.RefundedPence)}, Owed: Tally{int(i.Owed), money.Pence(i.OwedPence)}}
		ledger, err := q.ContributionLedger(ctx, reportdb.ContributionLedgerParams{PeriodStart: p.Start(), PeriodEnd: p.End(), Now: s.now()})
		if err != nil {
			return fmt.Errorf("contribution: %w", err)
		}
		out.Contribution = Contribution{AgencyID: agencyID, Agency: a.Name, Sector: a.Sector}
		for _, r := range ledger {
			if !r.Total && r.AgencyID == agencyID {
				out.Contribution.Deliveries, out.Contribution.MinutesGiven = int(r.SessionsDelivered), r.MinutesGiven
				out.Contribution.PlacesAttended, out.Contribution.MinutesReceived = int(r.PlacesAttended), r.MinutesReceived
			}
		}
		return nil
	})
	if err != nil {
		return AgencyFigures{}, fmt.Errorf("figures of agency %d for %s: %w", agencyID, p, err)
	}
	if out.Evaluation, err = s.evaluation(ctx, p, &agencyID); err != nil {
		return AgencyFigures{}, fmt.Errorf("figures of agency %d for %s: %w", agencyID, p, err)
	}
	return out, nil
}

// StaffTraining is one line of an agency's staff training records: a place
// a person attended, or, with Course "", a person who has attended none.
type StaffTraining struct {
	UserID          int64
	Name            string
	Email           string
	JobTitle        string
	Course          string // "" for someone who has attended nothing
	Level           int
	StartsAt        time.Time
	Minutes         int64
	CertificateCode string // "" until a certificate is made
}

// StaffTraining lists the training records of the people of agencyID now
// (not erased), by name and then date, for the agency's safeguarding
// self-assessment (the section 11 audit). A coordinator may ask for their
// own agency only. The export streams them instead (StaffPeople, then
// EachStaffTraining).
func (s *Service) StaffTraining(ctx context.Context, agencyID int64) ([]StaffTraining, error) {
	people, err := s.StaffPeople(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	var out []StaffTraining
	err = s.EachStaffTraining(ctx, agencyID, people, func(t StaffTraining) error {
		out = append(out, t)
		return nil
	})
	return out, err
}

// StaffPeople returns the people of agencyID now (not erased), by name:
// whose training records EachStaffTraining lists, known before any is
// shown (for the audit log).
func (s *Service) StaffPeople(ctx context.Context, agencyID int64) ([]int64, error) {
	if err := mayReadAgency(ctx, agencyID); err != nil {
		return nil, err
	}
	people, err := reportdb.New(s.pool).AgencyStaffPeople(ctx, agencyID)
	if err != nil {
		return nil, fmt.Errorf("people of agency %d: %w", agencyID, err)
	}
	return people, nil
}

// staffTrainingBatch is how many people's records are read at once: a
// few statements for the largest agency (4,000 people at 100x), each read
// person by person, and a batch of a thousand people's records (some 250
// kB) in memory.
const staffTrainingBatch = 1000

// staffTrainingBegin starts the export's snapshot, whose statement uses its
// generic plan: planned for each batch, a thousand people's keys cost more
// to plan than to read (2-3 ms at 100x), and the generic plan is the same,
// each person found by key and their attended places in 00070's index.
const staffTrainingBegin = readBegin + "; SET LOCAL plan_cache_mode = force_generic_plan"

// EachStaffTraining calls fn with the training records of people (from
// StaffPeople), by name and then date, stopping at fn's first error. Those
// who have left agencyID or been erased since are left out, so no one is
// listed who was not in people. The records are read a batch of people at a
// time in one snapshot: thousands of people take the memory of one batch,
// and each batch's SQL costs what it returns.
func (s *Service) EachStaffTraining(ctx context.Context, agencyID int64, people []int64, fn func(StaffTraining) error) error {
	if err := mayReadAgency(ctx, agencyID); err != nil {
		return err
	}
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{BeginQuery: staffTrainingBegin}, func(tx pgx.Tx) error {
		q := reportdb.New(tx)
		for from := 0; from < len(people); from += staffTrainingBatch {
			rows, err := q.AgencyStaffTraining(ctx, reportdb.AgencyStaffTrainingParams{
				AgencyID: agencyID, People: people[from:min(from+staffTrainingBatch, len(people))],
			})
			if err != nil {
				return fmt.Errorf("staff training records of agency %d: %w", agencyID, err)
			}
			for _, r := range rows {
				t := StaffTraining{UserID: r.UserID, Name: r.FullName, Email: r.Email, JobTitle: r.JobTitle}
				if r.Attended {
					t.Course, t.Level, t.StartsAt, t.Minutes, t.CertificateCode = r.CourseTitle, int(r.Level), r.StartsAt, r.Minutes, r.CertificateCode
				}
				if err := fn(t); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
