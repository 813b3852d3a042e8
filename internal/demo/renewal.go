package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/demo/internal/demodb"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/scheduling"
)

// ValidForMonths is how long the demo's safeguarding training stays valid:
// refreshed every three years.
const ValidForMonths = 36

// RenewalAgency is the agency whose coordinator (the demo coordinator) sees
// every training status: its staff from the past term are current, and the
// two below are due and lapsed; the rest have never done a course.
const RenewalAgency = "Portsmouth Hospitals University NHS Trust"

// renewalPlaces are old attended places that make training due for renewal
// (done 34 months ago: it lapses in two months, so its notice is due) and
// lapsed (done 40 months ago).
// Each is on the first course of the catalogue the person has no place
// on, so nothing later renews it.
var renewalPlaces = []struct {
	email  string // "" for the first past colleague of RenewalAgency
	months int    // how long ago
}{
	{"eli.ward@example.org", 34},
	{"", 40},
}

// giveDemoRenewals gives every demo course a validity period and the demo
// coordinator's colleagues training due and lapsed, so My training and the
// coordinator's training status show every status.
func giveDemoRenewals(ctx context.Context, tx pgx.Tx, now time.Time) error {
	slugs := make([]string, 0, len(Courses))
	for _, c := range Courses {
		slugs = append(slugs, c.Slug)
		if err := catalogue.SetDemoValidityTx(ctx, tx, c.Slug, ValidForMonths); err != nil {
			return err
		}
	}
	lapsedEmail := ""
	for i := range PastColleagues {
		if p := PastColleague(i); p.Agency == RenewalAgency {
			lapsedEmail = p.Email
			break
		}
	}
	for _, r := range renewalPlaces {
		email := r.email
		if email == "" {
			email = lapsedEmail
		}
		if email == "" {
			continue
		}
		course, err := demodb.New(tx).DemoCourseNotAttended(ctx, demodb.DemoCourseNotAttendedParams{Slugs: slugs, Email: email})
		if errors.Is(err, pgx.ErrNoRows) {
			continue // every course attended: nothing to show
		} else if err != nil {
			return fmt.Errorf("demo renewal course of %s: %w", email, err)
		}
		starts := monthsBefore(now, r.months).Add(9*time.Hour + 30*time.Minute)
		id, ok, err := scheduling.AddDemoPastSessionTx(ctx, tx, course, starts, starts.Add(3*time.Hour), starts.AddDate(0, 0, -3))
		if err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("demo renewal: no course %q", course)
		}
		if err := booking.AddDemoTx(ctx, tx, booking.DemoBooking{SessionID: id, Email: email, Attendance: "attended"}); err != nil {
			return fmt.Errorf("demo renewal place of %s: %w", email, err)
		}
	}
	return nil
}

// monthsBefore is midnight in London on the day n months before now's, a
// month end kept in its month (31 May less 3 months is 28 or 29 February),
// as PostgreSQL counts the months back.
func monthsBefore(now time.Time, n int) time.Time {
	y, m, d := now.In(london.Zone).Date()
	first := time.Date(y, m-time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return london.Midnight(first.Year(), first.Month(), min(d, last))
}
