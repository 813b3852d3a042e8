package demo

import (
	"context"
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
	"github.com/pscp/booktraining/internal/prerequisite"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/trainer"
)

// DemoPassword signs in every demo account. For local use only: demo
// accounts are made only when DEMO_DATA is on, which it can be only when
// BASE_URL is localhost, and only in the transaction that seeds an empty
// database.
const DemoPassword = "demo password for local use"

// Account is a demo person holding some roles.
type Account struct {
	Email, FullName, JobTitle, Agency string
	Roles                             []string
}

// Accounts has one person for each role.
var Accounts = []Account{
	{"practitioner@example.org", "Priya Shah", "Family support worker", "Portsmouth City Council Children and Families Service", nil},
	{"trainer@example.org", "Tom Hughes", "Detective sergeant", "Hampshire and Isle of Wight Constabulary", []string{"trainer"}},
	// Courses are delivered in pairs from different agencies: Tom's co-trainer.
	{"cotrainer@example.org", "Grace Mensah", "Named nurse for safeguarding", "Hampshire and Isle of Wight Healthcare NHS Foundation Trust", []string{"trainer"}},
	{"manager@example.org", "Helen Carter", "Training manager", "Portsmouth City Council", []string{"manager"}},
	{"coordinator@example.org", "Ade Okafor", "Named nurse for safeguarding children", "Portsmouth Hospitals University NHS Trust", []string{"coordinator"}},
	// A private provider: its places are paid for (see SeedDemoPrices).
	{"provider@example.org", "Jo Bennett", "Nursery manager", "Early years settings and childminders (Portsmouth)", nil},
}

// seedAccounts creates the demo accounts, verified, with some work and
// bookings, in the transaction that seeds an empty database.
func seedAccounts(ctx context.Context, tx pgx.Tx, passwordHash string, now time.Time) error {
	var trainerID int64 // the first trainer, whose sessions the demo bookings are on
	ids := map[string]int64{}
	for _, a := range Accounts {
		roles := make([]account.Role, len(a.Roles))
		for i, r := range a.Roles {
			roles[i] = account.Role(r)
		}
		id, err := account.AddDemoPersonTx(ctx, tx, account.DemoPerson{
			Email: a.Email, FullName: a.FullName, JobTitle: a.JobTitle, Agency: a.Agency, PasswordHash: passwordHash, Roles: roles,
		})
		if err != nil {
			return fmt.Errorf("seed demo account %s: %w", a.Email, err)
		}
		ids[a.Email] = id
		for _, r := range a.Roles {
			if r == "trainer" {
				if err := giveTrainerWork(ctx, tx, id, trainerCourses[a.Email]); err != nil {
					return fmt.Errorf("seed demo trainer %s: %w", a.Email, err)
				}
				if trainerID == 0 {
					trainerID = id
				}
			}
		}
	}
	if err := payment.SeedDemoPricesTx(ctx, tx); err != nil {
		return fmt.Errorf("seed demo prices: %w", err)
	}
	if trainerID != 0 {
		if err := giveDemoBookings(ctx, tx, trainerID, now); err != nil {
			return fmt.Errorf("seed demo bookings: %w", err)
		}
	}
	// The practitioner says they did the level 2 course the advanced one
	// needs with another partnership: a claim for a manager to decide.
	if err := prerequisite.AddDemoClaimTx(ctx, tx, prerequisite.DemoClaim{
		Email: "practitioner@example.org", Course: "child-exploitation-including-county-lines",
		CompletedOn: now.In(london.Zone).AddDate(-1, -2, 0), Provider: "Hampshire Safeguarding Children Partnership",
		Note: "A full day at Winchester. I have the certificate if you need it.",
	}, now); err != nil {
		return fmt.Errorf("seed demo prior learning: %w", err)
	}
	// The past term keeps clear of the days of the practitioner's own past
	// sessions (see giveDemoBookings), which the demo trainer delivered.
	local := now.In(london.Zone)
	if err := seedPastTerm(ctx, tx, ids, now, local.AddDate(0, 0, -14), local.AddDate(0, 0, -16*7)); err != nil {
		return fmt.Errorf("seed demo past term: %w", err)
	}
	if err := giveDemoRenewals(ctx, tx, now); err != nil {
		return fmt.Errorf("seed demo renewals: %w", err)
	}
	return nil
}

// giveDemoBookings books the demo practitioner and coordinator onto the
// demo trainer's first session, and gives the practitioner a course they
// attended a fortnight ago, so My training, the trainer's list and the
// coordinator's pages have something to show.
func giveDemoBookings(ctx context.Context, tx pgx.Tx, trainerID int64, now time.Time) error {
	sessions, err := demodb.New(tx).DemoTrainerSessions(ctx, trainerID)
	if err != nil {
		return err
	}
	if len(sessions) > 0 {
		for _, b := range []booking.DemoBooking{
			{Email: "practitioner@example.org", LineManagerName: "Sam Patel", LineManagerEmail: "sam.patel@example.org", AccessNeeds: "A seat near the front: I have some hearing loss."},
			{Email: "coordinator@example.org", LineManagerName: "Jo Williams", LineManagerEmail: "jo.williams@example.org"},
		} {
			b.SessionID = sessions[0]
			if err := booking.AddDemoTx(ctx, tx, b); err != nil {
				return err
			}
		}
	}
	if err := giveDemoApproval(ctx, tx, sessions, now); err != nil {
		return err
	}
	day := now.In(london.Zone).AddDate(0, 0, -14)
	starts := time.Date(day.Year(), day.Month(), day.Day(), 9, 30, 0, 0, london.Zone)
	past, ok, err := scheduling.AddDemoPastSessionTx(ctx, tx, "keeping-children-safe-online",
		starts, starts.Add(3*time.Hour), starts.AddDate(0, 0, -3))
	if err != nil {
		return err
	} else if !ok {
		return nil // no such course or no online venue: nothing to show
	}
	if err := booking.AddDemoTx(ctx, tx, booking.DemoBooking{
		SessionID: past, Email: "practitioner@example.org", LineManagerName: "Sam Patel",
		LineManagerEmail: "sam.patel@example.org", Attendance: "attended",
	}); err != nil {
		return err
	}
	return giveDemoEvaluations(ctx, tx, trainerID, past, starts.Add(3*time.Hour), now)
}

// approvalAgency asks its staff's bookings to wait for their line
// manager's approval, in the demo; approvalPerson's place is waiting.
const approvalAgency = "Hampshire Youth Offending Team"

var approvalPerson = account.DemoPerson{
	Email: "gus.reid@example.org", FullName: "Gus Reid", JobTitle: "Youth justice worker", Agency: approvalAgency,
	PasswordHash: "!", // no password: the demo shows the place, not the person
}

// giveDemoApproval turns approval on for approvalAgency and gives
// approvalPerson a place on the demo trainer's first session that waits for
// their line manager, so the manager's list and the agency page show both.
func giveDemoApproval(ctx context.Context, tx pgx.Tx, sessions []int64, now time.Time) error {
	if err := agency.SetDemoApprovalTx(ctx, tx, approvalAgency, agency.DefaultApprovalHours); err != nil {
		return err
	}
	if len(sessions) == 0 {
		return nil
	}
	if _, err := account.AddDemoPersonTx(ctx, tx, approvalPerson); err != nil {
		return fmt.Errorf("seed demo person %s: %w", approvalPerson.Email, err)
	}
	return booking.AddDemoAwaitingTx(ctx, tx, booking.DemoAwaiting{
		Email: approvalPerson.Email, SessionID: sessions[0], LineManagerName: "Kim Doyle",
		LineManagerEmail: "kim.doyle@example.org", Hours: agency.DefaultApprovalHours,
	}, now)
}

// Colleagues are demo people without a password who came to the demo's
// past sessions, so evaluation results have answers to show.
var colleagues = []account.DemoPerson{
	{Email: "alex.morgan@example.org", FullName: "Alex Morgan", JobTitle: "Social worker", Agency: "Portsmouth City Council Children and Families Service"},
	{Email: "bea.lewis@example.org", FullName: "Bea Lewis", JobTitle: "Health visitor", Agency: "Hampshire and Isle of Wight Healthcare NHS Foundation Trust"},
	{Email: "cal.evans@example.org", FullName: "Cal Evans", JobTitle: "Police constable", Agency: "Hampshire and Isle of Wight Constabulary"},
	{Email: "dee.khan@example.org", FullName: "Dee Khan", JobTitle: "Designated safeguarding lead", Agency: "Portsmouth City Council"},
	{Email: "eli.ward@example.org", FullName: "Eli Ward", JobTitle: "Midwife", Agency: "Portsmouth Hospitals University NHS Trust"},
	{Email: "fay.olsen@example.org", FullName: "Fay Olsen", JobTitle: "Nursery practitioner", Agency: "Early years settings and childminders (Portsmouth)"},
}

// giveDemoEvaluations fills the fortnight-old session with colleagues who
// evaluated it (the demo practitioner's own evaluation is still open, so
// My training asks for it and the certificate waits), and adds a session
// four months ago whose people also answered the three-month follow-up,
// with their line managers. The demo trainer delivered both.
func giveDemoEvaluations(ctx context.Context, tx pgx.Tx, trainerID, recent int64, recentEnds, now time.Time) error {
	day := now.In(london.Zone).AddDate(0, 0, -16*7)
	starts := time.Date(day.Year(), day.Month(), day.Day(), 9, 30, 0, 0, london.Zone)
	older, ok, err := scheduling.AddDemoPastSessionTx(ctx, tx, "working-together-to-safeguard-children",
		starts, starts.Add(3*time.Hour), starts.AddDate(0, 0, -3))
	if err != nil {
		return err
	}
	sessions := []int64{recent}
	if ok {
		sessions = append(sessions, older)
	}
	for _, s := range sessions {
		if err := scheduling.AssignDemoTrainerTx(ctx, tx, s, trainerID); err != nil {
			return err
		}
	}
	for _, c := range colleagues {
		c.PasswordHash = "!" // no password: these people cannot sign in
		if _, err := account.AddDemoPersonTx(ctx, tx, c); err != nil {
			return fmt.Errorf("demo colleague %s: %w", c.Email, err)
		}
	}
	asked := recentEnds.Add(time.Hour)
	if err := evaluation.AddDemoTx(ctx, tx, evaluation.DemoEvaluation{SessionID: recent, Email: "practitioner@example.org", AskedAt: asked}); err != nil {
		return err
	}
	for i, c := range colleagues {
		lm := booking.DemoBooking{Email: c.Email, Attendance: "attended"}
		if i%2 == 0 {
			lm.LineManagerName, lm.LineManagerEmail = "Jo Williams", "jo.williams@example.org"
		}
		for _, s := range sessions {
			b := lm
			b.SessionID = s
			if err := booking.AddDemoTx(ctx, tx, b); err != nil {
				return err
			}
		}
		if err := evaluation.AddDemoTx(ctx, tx, evaluation.DemoEvaluation{SessionID: recent, Email: c.Email, AskedAt: asked,
			Answered: i != 5, Seed: i}); err != nil {
			return err
		}
		if ok {
			if err := evaluation.AddDemoTx(ctx, tx, evaluation.DemoEvaluation{SessionID: older, Email: c.Email,
				AskedAt: starts.Add(4 * time.Hour), Answered: true, Seed: i + 2, FollowUp: i != 4, Manager: i%2 == 0,
				FollowUpUnanswered: i == 4}); err != nil {
				return err
			}
		}
	}
	return nil
}

// trainerCourses are what each demo trainer delivers: a police officer and a
// nurse, together on three courses.
var trainerCourses = map[string][]string{
	"trainer@example.org": {
		"working-together-to-safeguard-children", "domestic-abuse-and-its-impact-on-children",
		"child-exploitation-including-county-lines", "keeping-children-safe-online",
	},
	"cotrainer@example.org": {
		"working-together-to-safeguard-children", "domestic-abuse-and-its-impact-on-children",
		"keeping-children-safe-online", "neglect-and-the-graded-care-profile-2",
	},
}

// giveTrainerWork approves a demo trainer for their courses and puts them on
// those courses' demo sessions, skipping any that would overlap (the
// database would refuse them anyway).
func giveTrainerWork(ctx context.Context, tx pgx.Tx, trainerID int64, courses []string) error {
	if err := trainer.ApproveDemoTx(ctx, tx, trainerID, courses); err != nil {
		return err
	}
	sessions, err := demodb.New(tx).DemoSessionsForCourses(ctx, courses)
	if err != nil {
		return err
	}
	var busyUntil time.Time
	for _, s := range sessions {
		if s.StartsAt.Before(busyUntil) {
			continue
		}
		if err := scheduling.AssignDemoTrainerTx(ctx, tx, s.ID, trainerID); err != nil {
			return err
		}
		busyUntil = s.EndsAt
	}
	return nil
}
