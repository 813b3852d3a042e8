package report

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/payment/money"
	"github.com/pscp/booktraining/internal/report/internal/reportdb"
	"github.com/pscp/booktraining/internal/workday"
)

// The board's figures for a period. Words used throughout, as the queries
// in db/queries/report/figures.sql count them:
//
//   - A session is in the period when it starts in it (London time).
//   - Delivered: published or completed, and ended by now. Cancelled: its
//     status is cancelled. Drafts are not counted at all; a published
//     session still to run is "to come".
//   - Booked: a place whose booking is confirmed once the session is over,
//     whether marked attended, late, absent or not marked at all. A place
//     cancelled (on time or late), given to a substitute, moved to another
//     session, or never taken from a waiting list is not booked; the
//     substitute's own confirmed place is.
//   - Attended: booked and marked attended or late.
//   - A place counts for the agency on the booking (bookings.agency_id, the
//     person's agency when they booked), not the person's agency now; a
//     person since erased still counts. Places of an organisation not yet
//     listed have agency 0 and no sector.
//   - Places whose bookings the retention schedule deleted are counted from
//     the anonymous counts it keeps, in every figure made of places.

// Delivery is the first report: sessions and places.
type Delivery struct {
	Period   Period
	ByCourse []DeliveryRow // by course title
	ByMonth  []DeliveryRow // by London month, oldest first; months with no session are left out
	Total    DeliveryRow
}

// DeliveryRow is one course's, one month's, or the period's sessions and
// places.
type DeliveryRow struct {
	CourseID  int64     // in ByCourse
	Course    string    // in ByCourse
	Month     time.Time // in ByMonth: midnight on the 1st in London
	Delivered int       // sessions delivered
	Cancelled int       // sessions cancelled
	ToCome    int       // sessions published that have not yet ended
	Offered   int       // places offered: the capacity of the delivered sessions
	Booked    int       // places booked on them (see above)
	Attended  int       // of which attended (attended or late)
}

// FillRate is the share of places offered that were booked, 0 to 1.
func (r DeliveryRow) FillRate() float64 { return ratio(r.Booked, r.Offered) }

// AttendanceRate is the share of places booked that were attended, 0 to 1.
func (r DeliveryRow) AttendanceRate() float64 { return ratio(r.Attended, r.Booked) }

func ratio(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// countDelivery counts the period's sessions and places, by course, by month and
// in total.
func (s *Service) countDelivery(ctx context.Context, p Period) (Delivery, error) {
	var rows []reportdb.DeliveryFiguresRow
	err := s.read(ctx, func(q *reportdb.Queries) (err error) {
		rows, err = q.DeliveryFigures(ctx, reportdb.DeliveryFiguresParams{
			Now: s.now(), PeriodStart: p.Start(), PeriodEnd: p.End()})
		return err
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("delivery figures for %s: %w", p, err)
	}
	out := Delivery{Period: p}
	for _, r := range rows {
		row := DeliveryRow{Delivered: int(r.Delivered), Cancelled: int(r.Cancelled), ToCome: int(r.ToCome),
			Offered: int(r.Offered), Booked: int(r.Booked), Attended: int(r.Attended)}
		switch r.GroupedBy {
		case "course":
			row.CourseID, row.Course = r.CourseID, r.CourseTitle
			out.ByCourse = append(out.ByCourse, row)
		case "month":
			if row.Month, err = monthStart(r.Month); err != nil {
				return Delivery{}, err
			}
			out.ByMonth = append(out.ByMonth, row)
		default:
			out.Total = row
		}
	}
	return out, nil
}

// monthStart reads PostgreSQL's "2026-04" as midnight on 1 April 2026 in
// London.
func monthStart(ym string) (time.Time, error) {
	y, m, ok := strings.Cut(ym, "-")
	year, err1 := strconv.Atoi(y)
	month, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || month < 1 || month > 12 {
		return time.Time{}, fmt.Errorf("month %q from the database", ym)
	}
	return london.Midnight(year, time.Month(month), 1), nil
}

// Places is one agency's, one sector's or everyone's places on the
// period's delivered sessions.
type Places struct {
	AgencyID      int64  // by agency: 0 for organisations not yet listed
	Agency        string // by agency: its name, "" when not listed
	Sector        string // by agency and by sector: agencies.sector, "" when not listed
	Booked        int    // places booked (see above)
	Attended      int    // marked attended or late
	ArrivedLate   int    // of which late
	Absent        int    // booked and marked absent: the non-attendances
	Unmarked      int    // booked with no mark: the register not taken
	CancelledLate int    // cancelled inside the cut-off (bookings.late)
}

// AttendanceRate is the share of places booked that were attended, 0 to 1.
func (r Places) AttendanceRate() float64 { return ratio(r.Attended, r.Booked) }

// PlacesLost is what non-attendance and late cancellation cost: each
// absence is a place kept and not used, each late cancellation a place
// given back too late to offer to someone else. A late-cancelled place the
// waiting list did fill still counts: the bookings do not say whose place a
// later booking took.
func (r Places) PlacesLost() int { return r.Absent + r.CancelledLate }

// Attendance is the second report: who came, and how mixed the rooms were.
type Attendance struct {
	Period   Period
	ByAgency []Places // agencies with a place booked or cancelled late, by name
	BySector []Places // sectors likewise, by sector key
	Total    Places
	// Sessions is each delivered session with the sectors and agencies of
	// those who attended, in the order they ran.
	Sessions []SessionMix
	// Mix[n] is how many delivered sessions had n sectors in the room; Mix[4]
	// is 4 or more.
	Mix [5]int
}

// SessionMix is how multi-agency one delivered session really was.
type SessionMix struct {
	SessionID int64
	Course    string
	StartsAt  time.Time
	Sectors   int // distinct sectors among those who attended
	Agencies  int // distinct agencies among them (unlisted organisations not counted)
	Attended  int
}

// countAttendance counts the places of the period's delivered sessions by agency
// and by sector, and the sectors in each room.
func (s *Service) countAttendance(ctx context.Context, p Period) (Attendance, error) {
	out := Attendance{Period: p}
	err := s.read(ctx, func(q *reportdb.Queries) error {
		var err error
		if out.ByAgency, out.BySector, out.Total, err = s.places(ctx, q, p); err != nil {
			return err
		}
		rows, err := q.SessionSectors(ctx, reportdb.SessionSectorsParams{PeriodStart: p.Start(), PeriodEnd: p.End(), Now: s.now()})
		if err != nil {
			return fmt.Errorf("sectors per session: %w", err)
		}
		for _, r := range rows {
			out.Sessions = append(out.Sessions, SessionMix{SessionID: r.SessionID, Course: r.CourseTitle, StartsAt: r.StartsAt,
				Sectors: int(r.Sectors), Agencies: int(r.Agencies), Attended: int(r.Attended)})
			out.Mix[r.MixBucket] = int(r.SessionsInBucket) // the same on every row of the bucket
		}
		return nil
	})
	if err != nil {
		return Attendance{}, fmt.Errorf("attendance figures for %s: %w", p, err)
	}
	return out, nil
}

// NonAttendance is the third report: places booked and not used, and
// places cancelled late, by agency and by sector (PlacesLost on each row).
type NonAttendance struct {
	Period   Period
	ByAgency []Places
	BySector []Places
	Total    Places
}

// countNonAttendance counts the absences and late cancellations on the period's
// delivered sessions, by agency and sector.
func (s *Service) countNonAttendance(ctx context.Context, p Period) (NonAttendance, error) {
	out := NonAttendance{Period: p}
	err := s.read(ctx, func(q *reportdb.Queries) (err error) {
		out.ByAgency, out.BySector, out.Total, err = s.places(ctx, q, p)
		return err
	})
	if err != nil {
		return NonAttendance{}, fmt.Errorf("non-attendance figures for %s: %w", p, err)
	}
	return out, nil
}

func (s *Service) places(ctx context.Context, q *reportdb.Queries, p Period) (byAgency, bySector []Places, total Places, err error) {
	rows, err := q.PlacesByAgency(ctx, reportdb.PlacesByAgencyParams{PeriodStart: p.Start(), PeriodEnd: p.End(), Now: s.now()})
	if err != nil {
		return nil, nil, Places{}, fmt.Errorf("places by agency: %w", err)
	}
	for _, r := range rows {
		row := Places{Sector: r.Sector, Booked: int(r.Booked), Attended: int(r.Attended), ArrivedLate: int(r.ArrivedLate),
			Absent: int(r.Absent), Unmarked: int(r.Unmarked), CancelledLate: int(r.CancelledLate)}
		switch r.GroupedBy {
		case "agency":
			row.AgencyID, row.Agency = r.AgencyID, r.AgencyName
			byAgency = append(byAgency, row)
		case "sector":
			bySector = append(bySector, row)
		default:
			total = row
		}
	}
	return byAgency, bySector, total, nil
}

// UnmetDemand is the fourth report: waiting lists that never got a place.
type UnmetDemand struct {
	Period   Period
	ByCourse []Unmet
	Total    Unmet
}

// Unmet is one course's (or every course's) delivered sessions and the
// people their waiting lists did not place.
type Unmet struct {
	CourseID       int64
	Course         string
	Sessions       int // delivered sessions
	SessionsTurned int // of which some on the waiting list were never placed
	// PeopleNotPlaced: on each delivered session, the people whose claim
	// ended still waiting, with an offer open, or with an offer that
	// expired, and who never held a confirmed place on that session by
	// another claim; summed over the sessions (one person waiting for two
	// sessions counts twice).
	PeopleNotPlaced int
}

// countUnmetDemand counts the waiting lists of the period's delivered sessions
// that never got a place, by course.
func (s *Service) countUnmetDemand(ctx context.Context, p Period) (UnmetDemand, error) {
	var rows []reportdb.UnmetDemandRow
	err := s.read(ctx, func(q *reportdb.Queries) (err error) {
		rows, err = q.UnmetDemand(ctx, reportdb.UnmetDemandParams{PeriodStart: p.Start(), PeriodEnd: p.End(), Now: s.now()})
		return err
	})
	if err != nil {
		return UnmetDemand{}, fmt.Errorf("unmet demand for %s: %w", p, err)
	}
	out := UnmetDemand{Period: p}
	for _, r := range rows {
		u := Unmet{CourseID: r.CourseID, Course: r.CourseTitle, Sessions: int(r.Sessions),
			SessionsTurned: int(r.SessionsTurningAway), PeopleNotPlaced: int(r.PeopleNotPlaced)}
		if r.GroupedBy == "course" {
			out.ByCourse = append(out.ByCourse, u)
		} else {
			out.Total = u
		}
	}
	return out, nil
}

// Requests is the fifth report: training requests and how fast they were
// answered.
type Requests struct {
	Period   Period
	Received int // requests made in the period
	Accepted int // accepted in the period (the first decision's time)
	Declined int // declined in the period
	// Of the requests decided in the period, the working days from the
	// request to the decision, as trainingrequest counts a request's age:
	// the working days after the day it was made, up to and including the
	// day of the decision.
	TargetDays   int // the target (REQUEST_RESPONSE_DAYS)
	WithinTarget int // decided in TargetDays working days or fewer
	PastTarget   int
	MedianDays   int // the lower median
	LongestDays  int
}

// countRequests counts the training requests made and decided in the period.
func (s *Service) countRequests(ctx context.Context, p Period) (Requests, error) {
	var r reportdb.RequestFiguresRow
	err := s.read(ctx, func(q *reportdb.Queries) (err error) {
		r, err = q.RequestFigures(ctx, reportdb.RequestFiguresParams{
			PeriodStart: p.Start(), PeriodEnd: p.End(), Target: int32(s.ResponseDays),
			Holidays: bankHolidays(p.Start().AddDate(-2, 0, 0), p.End()),
		})
		return err
	})
	if err != nil {
		return Requests{}, fmt.Errorf("request figures for %s: %w", p, err)
	}
	return Requests{Period: p, Received: int(r.Received), Accepted: int(r.Accepted), Declined: int(r.Declined),
		TargetDays: s.ResponseDays, WithinTarget: int(r.WithinTarget), PastTarget: int(r.PastTarget),
		MedianDays: int(r.MedianDays), LongestDays: int(r.LongestDays)}, nil
}

// bankHolidays are the weekdays from one date to another that are not
// working days, for PostgreSQL to count working days as workday does: the
// holidays are known only to Go. Requests decided in a period are assumed
// made no more than two years before it.
func bankHolidays(from, to time.Time) []pgtype.Date {
	var out []pgtype.Date
	f, t := from.In(london.Zone), to.In(london.Zone)
	for d := time.Date(f.Year(), f.Month(), f.Day(), 12, 0, 0, 0, time.UTC); !d.After(t); d = d.AddDate(0, 0, 1) {
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday && !workday.Is(d) {
			out = append(out, pgtype.Date{Time: time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC), Valid: true})
		}
	}
	return out
}

// Money is the sixth report: charges and paid places on the period's
// sessions (a charge or payment belongs to the period its session started in).
type Money struct {
	Period  Period
	ByKind  []Charges // non_attendance and late_cancellation, those with any charge
	Charges Charges   // all kinds
	Places  PlaceIncome
}

// Charges counts the charges of a kind by status.
type Charges struct {
	Kind     string // non_attendance, late_cancellation, or "" for all
	Proposed Tally  // waiting for a decision
	Waived   Tally
	Invoiced Tally // billed, not yet paid
	Paid     Tally
}

// Tally is a number of things and their amount.
type Tally struct {
	N     int
	Pence money.Pence
}

// PlaceIncome is what paid places brought in.
type PlaceIncome struct {
	Paid     Tally // paid by card or on invoice, including those refunded since
	Refunded Tally // paid, then refunded in full
	Owed     Tally // on invoice, not yet paid
}

// Income is what paid places brought in and kept: paid less refunded.
func (i PlaceIncome) Income() money.Pence { return i.Paid.Pence - i.Refunded.Pence }

// countMoney counts the charges and the paid places of the period's sessions.
func (s *Service) countMoney(ctx context.Context, p Period) (Money, error) {
	out := Money{Period: p}
	err := s.read(ctx, func(q *reportdb.Queries) error {
		rows, err := q.ChargeFigures(ctx, reportdb.ChargeFiguresParams{PeriodStart: p.Start(), PeriodEnd: p.End()})
		if err != nil {
			return fmt.Errorf("charges: %w", err)
		}
		for _, r := range rows {
			c := Charges{Kind: r.Kind, Proposed: Tally{int(r.Proposed), money.Pence(r.ProposedPence)},
				Waived: Tally{int(r.Waived), money.Pence(r.WaivedPence)}, Invoiced: Tally{int(r.Invoiced), money.Pence(r.InvoicedPence)},
				Paid: Tally{int(r.Paid), money.Pence(r.PaidPence)}}
			if r.Kind == "total" {
				c.Kind = ""
				out.Charges = c
			} else {
				out.ByKind = append(out.ByKind, c)
			}
		}
		i, err := q.PlaceIncome(ctx, reportdb.PlaceIncomeParams{PeriodStart: p.Start(), PeriodEnd: p.End()})
		if err != nil {
			return fmt.Errorf("paid places: %w", err)
		}
		out.Places = PlaceIncome{Paid: Tally{int(i.Paid), money.Pence(i.PaidPence)},
			Refunded: Tally{int(i.Refunded), money.Pence(i.RefundedPence)}, Owed: Tally{int(i.Owed), money.Pence(i.OwedPence)}}
		return nil
	})
	if err != nil {
		return Money{}, fmt.Errorf("money figures for %s: %w", p, err)
	}
	return out, nil
}

// read runs a report's queries on one snapshot, so its tables agree with
// one another, and without PostgreSQL's JIT compilation: a grown period's
// plans cost enough to trigger it, and compiling them took longer (tens of
// milliseconds) than it saved.
func (s *Service) read(ctx context.Context, fn func(q *reportdb.Queries) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{BeginQuery: readBegin},
		func(tx pgx.Tx) error { return fn(reportdb.New(tx)) })
}

// readBegin starts a report's transaction: a read-only snapshot, JIT off
// until it ends. Sent as one simple-protocol message (pgx sends a statement
// without arguments so), so it costs no more round trips than BEGIN alone.
const readBegin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL jit = off"
