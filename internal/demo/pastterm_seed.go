package demo

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/demo/internal/demodb"
	"github.com/pscp/booktraining/internal/evaluation"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/trainer"
	"github.com/pscp/booktraining/internal/trainingrequest"
	"github.com/pscp/booktraining/internal/workday"
)

// seedPastTerm makes the past term in the seeding transaction; ids holds the
// demo accounts' ids by email, avoid the days of the demo's own past
// sessions.
func seedPastTerm(ctx context.Context, tx pgx.Tx, ids map[string]int64, now time.Time, avoid ...time.Time) error {
	plan := PlanPastTerm(now, avoid...)
	q := demodb.New(tx)
	courseIDs, err := q.DemoCourseIDs(ctx)
	if err != nil {
		return err
	}
	venueIDs, err := q.DemoVenueIDs(ctx)
	if err != nil {
		return err
	}
	agencyIDs, err := q.DemoAgencyIDs(ctx)
	if err != nil {
		return err
	}
	if len(courseIDs) != len(Courses) || len(venueIDs) != len(Venues) || len(agencyIDs) != len(Agencies) {
		return fmt.Errorf("past term: the demo catalogue is not as planned")
	}
	manager := ids["manager@example.org"]

	requesters := map[int]bool{}
	for _, r := range pastRequests {
		requesters[requesterOf(r.session)] = true
	}
	people := make([]int64, PastColleagues)
	for i := range people {
		p := PastColleague(i)
		if requesters[i] {
			p.Roles = []account.Role{account.Coordinator}
		}
		if people[i], err = account.AddDemoPersonTx(ctx, tx, p); err != nil {
			return fmt.Errorf("past colleague %s: %w", p.Email, err)
		}
	}
	approvals := map[string][]string{}
	for _, s := range plan.Sessions {
		for _, t := range s.Trainers {
			approvals[t] = append(approvals[t], Courses[s.Course].Slug)
		}
	}
	for _, t := range pastTrainers {
		t.PasswordHash = "!"
		t.Roles = []account.Role{account.Trainer}
		id, err := account.AddDemoPersonTx(ctx, tx, t)
		if err != nil {
			return fmt.Errorf("past trainer %s: %w", t.Email, err)
		}
		ids[t.Email] = id
		if err := trainer.ApproveDemoTx(ctx, tx, id, approvals[t.Email]); err != nil {
			return err
		}
	}

	sessionIDs := make([]int64, len(plan.Sessions))
	for i, s := range plan.Sessions {
		c := Courses[s.Course]
		ds := scheduling.DemoSession{
			CourseID: courseIDs[s.Course], VenueID: venueIDs[s.Venue], StartsAt: s.StartsAt, EndsAt: s.EndsAt,
			Cutoff: s.StartsAt.AddDate(0, 0, -3), Capacity: s.Capacity, Status: s.Status, CancelledReason: s.CancelledReason,
		}
		if Venues[s.Venue].Online {
			ds.MeetingURL = fmt.Sprintf("https://teams.microsoft.com/l/meetup-join/demo-%s-%d", c.Slug, s.StartsAt.Unix())
		}
		if s.ClosedToAgency >= 0 {
			token := rand.Text()
			ds.ClosedToAgencyID, ds.InviteToken = &agencyIDs[s.ClosedToAgency], &token
		}
		if sessionIDs[i], err = scheduling.AddDemoSessionTx(ctx, tx, ds); err != nil {
			return fmt.Errorf("past session of %q on %s: %w", c.Slug, s.StartsAt.Format(time.DateOnly), err)
		}
		for _, t := range s.Trainers {
			if err := scheduling.AssignDemoTrainerTx(ctx, tx, sessionIDs[i], ids[t]); err != nil {
				return err
			}
		}
	}

	placeIDs := make([]int64, len(plan.Places))
	claims := make([]booking.DemoPlace, len(plan.Places))
	// Places another took over come second: they name the place that did.
	for _, second := range []bool{false, true} {
		var batch []booking.DemoPlace
		var which []int
		for k, p := range plan.Places {
			if (p.Ref >= 0) != second {
				continue
			}
			claims[k] = pastClaim(plan, k, sessionIDs, people, placeIDs, ids, manager)
			batch, which = append(batch, claims[k]), append(which, k)
		}
		made, err := booking.AddDemoPlacesTx(ctx, tx, batch)
		if err != nil {
			return err
		}
		for i, k := range which {
			placeIDs[k] = made[i]
		}
	}
	var evaluations []evaluation.DemoEvaluation
	for k, p := range plan.Places {
		s, id := plan.Sessions[p.Session], placeIDs[k]
		switch p.Outcome {
		case placeAttended, placeLate:
			evaluations = append(evaluations, pastEvaluation(s, p, sessionIDs[p.Session], PastColleague(p.Person).Email,
				claims[k].LineManagerEmail != "", now))
		case placeAbsent:
			err = chargePastPlace(ctx, tx, s, k, id, "non_attendance", manager, now)
		case placeLateCancel:
			err = chargePastPlace(ctx, tx, s, k, id, "late_cancellation", manager, now)
		}
		if err != nil {
			return err
		}
		// Private and independent providers pay for their places.
		band := Agencies[p.Person%len(Agencies)].ChargingBand
		if band == agency.BandNonContributing && (p.Outcome == placeAttended || p.Outcome == placeLate || p.Outcome == placeAbsent) {
			if _, err := payment.AddDemoPaymentTx(ctx, tx, payment.DemoPayment{BookingID: id, Card: p.N%2 == 0,
				PurchaseOrder: fmt.Sprintf("PO-%05d", 10000+k), PaidAt: claims[k].BookedAt.Add(20 * time.Minute)}); err != nil {
				return err
			}
		}
	}
	if err := evaluation.AddDemoManyTx(ctx, tx, evaluations); err != nil {
		return err
	}
	return seedPastRequests(ctx, tx, plan, sessionIDs, people, manager, now)
}

// pastClaim is place k of the plan as booking keeps it; placeIDs must hold
// the id of the place that took its place, if any.
func pastClaim(plan PastTerm, k int, sessionIDs, people, placeIDs []int64, ids map[string]int64, manager int64) booking.DemoPlace {
	p := plan.Places[k]
	s := plan.Sessions[p.Session]
	cutoff := s.StartsAt.AddDate(0, 0, -3)
	d := booking.DemoPlace{SessionID: sessionIDs[p.Session], UserID: people[p.Person], Status: "confirmed",
		BookedAt: s.StartsAt.AddDate(0, 0, -(14 + (p.N*5)%30))}
	if p.N%3 == 0 {
		lm := pastLineManagers[p.N%len(pastLineManagers)]
		d.LineManagerName, d.LineManagerEmail = lm[0], lm[1]
	}
	if len(s.Trainers) > 0 {
		d.MarkedBy = ids[s.Trainers[0]]
	}
	d.MarkedAt = s.EndsAt.Add(10 * time.Minute)
	switch p.Outcome {
	case placeAttended, placeLate, placeAbsent:
		d.Attendance = p.Outcome
	case placeCancelled:
		d.Status, d.EndedAt, d.EndedBy = "cancelled", cutoff.AddDate(0, 0, -5), people[p.Person]
	case placeLateCancel:
		d.Status, d.EndedAt, d.EndedBy, d.Late = "cancelled", s.StartsAt.AddDate(0, 0, -1), people[p.Person], true
		d.EndNote = "Called to an urgent child protection visit."
	case placeSessionOff:
		d.Status, d.EndedAt, d.EndedBy = "cancelled", cutoff.AddDate(0, 0, -7), manager
		d.EndNote = "The partnership cancelled the session: " + s.CancelledReason
	case placeSubstituted:
		d.Status, d.EndedAt, d.EndedBy, d.ReplacedBy = "substituted", cutoff.AddDate(0, 0, -2), people[p.Person], placeIDs[p.Ref]
		d.BookedAt = s.StartsAt.AddDate(0, 0, -30)
	case placeMoved:
		d.Status, d.EndedAt, d.EndedBy, d.ReplacedBy = "moved", cutoff.AddDate(0, 0, -4), manager, placeIDs[p.Ref]
		d.BookedAt = s.StartsAt.AddDate(0, 0, -30)
	case placeWaiting:
		d.Status, d.BookedAt = "waiting", s.StartsAt.AddDate(0, 0, -10)
	case placeExpired:
		d.Status, d.BookedAt, d.EndedAt = "expired", s.StartsAt.AddDate(0, 0, -10), s.StartsAt.AddDate(0, 0, -5)
	}
	return d
}

// pastEvaluation: an attended place was asked for its evaluation an hour after
// the session; most answered the next day (not those asked less than a day
// and a half ago), and most of those answered the three-month follow-up too;
// once due, every follow-up was asked, answered or not.
func pastEvaluation(s PastSession, p PastPlace, sessionID int64, email string, hasManager bool, now time.Time) evaluation.DemoEvaluation {
	asked := s.EndsAt.Add(time.Hour)
	answered := p.N%6 != 5 && asked.Add(36*time.Hour).Before(now)
	due := s.EndsAt.AddDate(0, 0, 13*7+3).Before(now)
	followUp := due && answered && p.N%4 != 3
	return evaluation.DemoEvaluation{SessionID: sessionID, Email: email, AskedAt: asked,
		Answered: answered, Seed: p.Session*7 + p.N, FollowUp: followUp, Manager: followUp && hasManager && p.N%2 == 0,
		FollowUpUnanswered: due && !followUp}
}

var waiverReasons = []string{
	"Their manager told us of a family emergency on the morning.",
	"Off sick that day; the agency let us know before the session.",
	"Redeployed to an urgent case by their team leader; waived as agreed with the agency.",
}

// chargePastPlace records the manager's decision on an absence or a late
// cancellation of a session more than three weeks ago, in turn: waived,
// invoiced, paid, or charged and waiting to be invoiced (proposed). Those of
// the last three weeks are left for the manager to decide.
func chargePastPlace(ctx context.Context, tx pgx.Tx, s PastSession, k int, bookingID int64, kind string, manager int64, now time.Time) error {
	if !s.EndsAt.AddDate(0, 0, 21).Before(now) {
		return nil
	}
	decided := s.EndsAt.AddDate(0, 0, 7)
	c := payment.DemoCharge{BookingID: bookingID, Kind: kind, Status: "proposed", CreatedAt: decided,
		DecidedBy: manager, DecidedAt: decided}
	switch k % 4 {
	case 0:
		c.Status, c.WaiverReason = "waived", waiverReasons[k%len(waiverReasons)]
	case 1:
		c.Status, c.InvoiceReference = "invoiced", fmt.Sprintf("PSCP-%s-%04d", decided.Format("0601"), k)
	case 2:
		c.Status, c.InvoiceReference = "paid", fmt.Sprintf("PSCP-%s-%04d", decided.Format("0601"), k)
	}
	_, err := payment.AddDemoChargeTx(ctx, tx, c)
	return err
}

// pastRequest is a training request of the past term: made by the
// colleague requesterOf(session), for session's course, answered after
// days working days (accepted into the session when it is closed to their
// agency), or declined with a reason; a negative session for one still
// waiting.
type pastRequest struct {
	session       int
	days          int
	declineReason string
}

var pastRequests = []pastRequest{
	{session: 5, days: 4},
	{session: 26, days: 14},
	{session: 12, days: 6, declineReason: "We cannot run a single-agency session for fewer than twelve people; your team is welcome on the open sessions."},
	{session: 18, days: 13, declineReason: "This course is for designated safeguarding leads; the foundation course fits the team you describe."},
	{session: 30, days: 3, declineReason: "The trainers for this course are fully booked this term; we have added an open session in the spring."},
	{session: 37, days: -12}, // still waiting, twelve working days on: overdue
}

// seedPastRequests makes the past term's training requests.
func seedPastRequests(ctx context.Context, tx pgx.Tx, plan PastTerm, sessionIDs, people []int64, manager int64, now time.Time) error {
	for _, r := range pastRequests {
		if r.session >= len(plan.Sessions) {
			continue
		}
		s := plan.Sessions[r.session]
		d := trainingrequest.DemoRequest{
			RequestedBy: people[requesterOf(r.session)], CourseSlug: Courses[s.Course].Slug,
			Audience: "Our frontline team: practitioners who work directly with children and families.", Participants: 14,
			Online: Venues[s.Venue].Online, Status: trainingrequest.Submitted,
		}
		if r.days < 0 {
			d.SubmittedAt = workdayBefore(london.StartOfDay(now), -r.days).Add(10 * time.Hour)
		} else {
			// Eight weeks before the session, within the term.
			d.SubmittedAt = s.StartsAt.AddDate(0, 0, -56)
			if start := PastTermStart(now).Add(9 * time.Hour); d.SubmittedAt.Before(start) {
				d.SubmittedAt = start
			}
			d.DecidedBy, d.DecidedAt = manager, workday.Add(d.SubmittedAt, r.days).Add(15*time.Hour)
			if s.ClosedToAgency >= 0 {
				d.Status, d.SessionID = trainingrequest.Accepted, sessionIDs[r.session]
			} else {
				d.Status, d.DeclineReason = trainingrequest.Declined, r.declineReason
			}
			if !d.DecidedAt.Before(now) {
				d.Status, d.DecidedBy, d.DecidedAt, d.SessionID, d.DeclineReason = trainingrequest.Submitted, 0, time.Time{}, 0, ""
			}
		}
		if err := trainingrequest.AddDemoRequestTx(ctx, tx, d); err != nil {
			return err
		}
	}
	return nil
}

// workdayBefore is the London midnight n working days before day.
func workdayBefore(day time.Time, n int) time.Time {
	d := day
	for n > 0 {
		d = d.AddDate(0, 0, -1)
		if workday.Is(d) {
			n--
		}
	}
	return london.StartOfDay(d)
}
