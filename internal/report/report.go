// Package report owns the figures read across the other parts of the
// service: the training manager's home (what needs doing today) and, later,
// the board's reports. It only reads; every figure is counted in PostgreSQL.
package report

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/pgplan"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/figcache"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/report/internal/reportdb"
	"github.com/pscp/booktraining/internal/trainingrequest"
	"github.com/pscp/booktraining/internal/workday"
)

// ErrForbidden: only training managers see what needs doing.
var ErrForbidden = errs.New(errs.Forbidden, "only training managers may see the reports")

const (
	// LapsingWithin is how soon an offer or held place must lapse to be
	// counted as about to.
	LapsingWithin = 24 * time.Hour
	// HalfFullWithin is how close a session must be for being less than
	// half full to need doing something about.
	HalfFullWithin = 14 * 24 * time.Hour
	// FailedEmailsWithin is how far back an email given up on still needs a
	// look: the emails page counts the same window.
	FailedEmailsWithin = 30 * 24 * time.Hour
)

// Service reads the figures.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
	// ResponseDays is the target for answering a training request, in
	// working days (REQUEST_RESPONSE_DAYS), as trainingrequest has it.
	ResponseDays int
	// Figures keeps the figures counted, each (report, period) counted by
	// one computation at a time.
	Figures *figcache.Cache
}

// New returns the reports read from pool, on the clock now.
func New(pool *pgxpool.Pool, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{pool: pool, now: now, ResponseDays: trainingrequest.DefaultResponseDays,
		Figures: figcache.New(now)}
}

// ToDo is what waits for a training manager, each thing counted.
type ToDo struct {
	RequestsWaiting        int // training requests waiting for the training team
	RequestsOverdue        int // of which past the response target
	ResponseDays           int // that target, in working days
	RegistersNotTaken      int // sessions that ran and ended with a confirmed place unmarked
	ChargesToDecide        int // non-attendances and late cancellations to charge or waive
	SessionsWithoutTrainer int // draft or published sessions to come with nobody to deliver them
	SessionsUnderHalfFull  int // published, starting within a fortnight, under half the places taken
	OffersLapsing          int // waiting-list offers lapsing within a day
	HoldsLapsing           int // places held for payment lapsing within a day
	OrganisationsToConfirm int // organisation names people typed, waiting to be confirmed
	AgencyChangesToConfirm int // people asking to move to another agency
	PriorLearningToDecide  int // claims of training done elsewhere, waiting for a decision
	EmailsFailed           int // emails given up on in the last 30 days
	JobsFailed             int // background jobs that failed for good, not yet dealt with
}

// Total is how many things wait, all kinds together.
func (t ToDo) Total() int {
	return t.RequestsWaiting + t.RegistersNotTaken + t.ChargesToDecide + t.SessionsWithoutTrainer +
		t.SessionsUnderHalfFull + t.OffersLapsing + t.HoldsLapsing + t.OrganisationsToConfirm +
		t.AgencyChangesToConfirm + t.PriorLearningToDecide + t.EmailsFailed + t.JobsFailed
}

// Home counts what needs doing now, in one statement.
func (s *Service) Home(ctx context.Context) (ToDo, error) {
	if !actor.From(ctx).Manager {
		return ToDo{}, ErrForbidden
	}
	now := s.now()
	// With its generic plan (pgplan): its times made every count look
	// cheaper planned afresh, and planning thirteen counts under the
	// policies cost more than counting them (7.2 against 5.8 ms a visit at
	// 100x, on a loaded machine).
	var r reportdb.HomeCountsRow
	err := pgplan.Read(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		r, err = reportdb.New(tx).HomeCounts(ctx, reportdb.HomeCountsParams{
			Now:           now,
			OverdueBefore: overdueBefore(now, s.ResponseDays),
			Fortnight:     now.Add(HalfFullWithin),
			Soon:          now.Add(LapsingWithin),
			FailedSince:   now.Add(-FailedEmailsWithin),
		})
		return err
	})
	if err != nil {
		return ToDo{}, fmt.Errorf("count what needs doing: %w", err)
	}
	return ToDo{
		RequestsWaiting: int(r.RequestsWaiting), RequestsOverdue: int(r.RequestsOverdue), ResponseDays: s.ResponseDays,
		RegistersNotTaken: int(r.RegistersNotTaken), ChargesToDecide: int(r.ChargesToDecide),
		SessionsWithoutTrainer: int(r.SessionsWithoutTrainer), SessionsUnderHalfFull: int(r.SessionsUnderHalfFull),
		OffersLapsing: int(r.OffersLapsing), HoldsLapsing: int(r.HoldsLapsing),
		OrganisationsToConfirm: int(r.OrganisationsToConfirm), AgencyChangesToConfirm: int(r.AgencyChangesToConfirm),
		EmailsFailed: int(r.EmailsFailed), JobsFailed: int(r.JobsFailed), PriorLearningToDecide: int(r.PriorLearningToDecide),
	}, nil
}

// overdueBefore is the moment a request must have been made before to be
// past its target of days working days at now: the rule of trainingrequest
// (workday.Between(submitted, now) > days) turned into a time SQL can
// compare, since whether a day is a bank holiday is known only to Go.
func overdueBefore(now time.Time, days int) time.Time {
	t := now.In(london.Zone)
	day := time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, london.Zone)
	for workday.Between(day, now) <= days {
		day = day.AddDate(0, 0, -1)
	}
	// day is the latest date a request made on is overdue; the next
	// midnight is the first moment one is not.
	next := day.AddDate(0, 0, 1)
	return london.Midnight(next.Year(), next.Month(), next.Day())
}
