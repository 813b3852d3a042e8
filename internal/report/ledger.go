package report

import (
	"context"
	"fmt"
	"time"

	"github.com/pscp/booktraining/internal/report/internal/reportdb"
)

// Ledger is the trainers' contribution ledger: for each agency, the hours
// of training its staff delivered on the period's delivered sessions
// against the hours of training its staff received there.
type Ledger struct {
	Period   Period
	Agencies []Contribution // agencies with hours either way, by name
	Total    Contribution
}

// Contribution is one agency's side of the ledger.
type Contribution struct {
	// AgencyID is 0 for trainers whose account has no agency (an erased
	// account, an organisation not yet listed) and for places of an
	// organisation not yet listed.
	AgencyID int64
	Agency   string
	Sector   string
	// Deliveries is how many times one of its staff delivered a session (a
	// session two of its trainers delivered counts twice); MinutesGiven
	// their length, once per trainer. A trainer counts for the agency of
	// their account now (users.agency_id).
	Deliveries   int
	MinutesGiven int64
	// PlacesAttended is its staff's places marked attended or late (the
	// booking's agency); MinutesReceived each such place times the session's
	// length.
	PlacesAttended  int
	MinutesReceived int64
}

// HoursGiven is MinutesGiven in hours.
func (c Contribution) HoursGiven() float64 { return float64(c.MinutesGiven) / 60 }

// HoursReceived is MinutesReceived in hours.
func (c Contribution) HoursReceived() float64 { return float64(c.MinutesReceived) / 60 }

// BalanceMinutes is what the agency gave less what it received: above
// zero it gave more than it took.
func (c Contribution) BalanceMinutes() int64 { return c.MinutesGiven - c.MinutesReceived }

// countLedger sets each agency's trainer hours against its staff's hours of
// training for the period.
func (s *Service) countLedger(ctx context.Context, p Period) (Ledger, error) {
	var rows []reportdb.ContributionLedgerRow
	err := s.read(ctx, func(q *reportdb.Queries) (err error) {
		rows, err = q.ContributionLedger(ctx, reportdb.ContributionLedgerParams{
			PeriodStart: p.Start(), PeriodEnd: p.End(), Now: s.now()})
		return err
	})
	if err != nil {
		return Ledger{}, fmt.Errorf("contribution ledger for %s: %w", p, err)
	}
	out := Ledger{Period: p}
	for _, r := range rows {
		c := Contribution{AgencyID: r.AgencyID, Agency: r.AgencyName, Sector: r.Sector,
			Deliveries: int(r.SessionsDelivered), MinutesGiven: r.MinutesGiven,
			PlacesAttended: int(r.PlacesAttended), MinutesReceived: r.MinutesReceived}
		if r.Total {
			out.Total = c
		} else {
			out.Agencies = append(out.Agencies, c)
		}
	}
	return out, nil
}

// TrainerRecord is what one trainer delivered in the period, for their
// appraisal.
type TrainerRecord struct {
	TrainerID int64
	Name      string
	Agency    string // their account's agency now, "" when none
	Sessions  []Delivered
	Minutes   int64 // the sessions' length together
}

// Delivered is one session a trainer delivered.
type Delivered struct {
	SessionID  int64
	Course     string
	StartsAt   time.Time
	EndsAt     time.Time
	Minutes    int64
	CoTrainers string // the others who delivered it, by name, comma separated; "" when alone
}

// countTrainers lists each trainer's delivered sessions in the period, by
// trainer name and then date.
func (s *Service) countTrainers(ctx context.Context, p Period) ([]TrainerRecord, error) {
	var rows []reportdb.TrainerSessionsRow
	err := s.read(ctx, func(q *reportdb.Queries) (err error) {
		rows, err = q.TrainerSessions(ctx, reportdb.TrainerSessionsParams{
			PeriodStart: p.Start(), PeriodEnd: p.End(), Now: s.now()})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("trainers' sessions for %s: %w", p, err)
	}
	var out []TrainerRecord
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].TrainerID != r.TrainerID {
			out = append(out, TrainerRecord{TrainerID: r.TrainerID, Name: r.TrainerName, Agency: r.AgencyName,
				Minutes: r.TrainerMinutes, Sessions: make([]Delivered, 0, r.TrainerSessions)})
		}
		t := &out[len(out)-1]
		t.Sessions = append(t.Sessions, Delivered{SessionID: r.SessionID, Course: r.CourseTitle, StartsAt: r.StartsAt,
			EndsAt: r.EndsAt, Minutes: r.Minutes, CoTrainers: r.CoTrainers})
	}
	return out, nil
}
