// Package renewal owns training that expires: a course's validity period
// makes each person's latest attended place on it (or on the course that
// renews it) valid until a date, and the rule here says whether that
// training is current, due for renewal, lapsed or never done. It sends the
// renewal notice two months before training lapses, once for each
// completion, and gives agency coordinators their staff's status by level
// and course.
//
// The dates come from one place, the view training_validity (migration
// 00038): completed on the session's date in Europe/London, valid until
// that date plus the course's months. Status compares them with today in
// London.
package renewal

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/renewal/internal/renewaldb"
)

// ErrForbidden: only an agency's coordinator sees its staff's training.
var ErrForbidden = errs.New(errs.Forbidden, "only the agency's coordinators see its staff's training")

// DueWithin is how long before training lapses it is due for renewal.
const DueWithin = 3 // months

// NoticeBefore is how long before training lapses the person is told.
const NoticeBefore = 2 // months

// Status is where a person's training on a course stands.
type Status string

const (
	Current Status = "current"
	Due     Status = "due"    // lapses within DueWithin months
	Lapsed  Status = "lapsed" // its valid-until date has passed
	Never   Status = "never"  // never attended
)

// Statuses in the order pages show them.
var Statuses = []Status{Current, Due, Lapsed, Never}

// Label is the status in words.
func (s Status) Label() string {
	switch s {
	case Current:
		return "Current"
	case Due:
		return "Due for renewal"
	case Lapsed:
		return "Lapsed"
	default:
		return "Never done"
	}
}

// Validity is one person's training on one course that expires. Dates are
// days in London, held as midnight UTC of that day.
type Validity struct {
	CompletedOn time.Time
	ValidUntil  time.Time
	// DueFrom is when it becomes due for renewal: DueWithin months before
	// ValidUntil.
	DueFrom time.Time
	// Done says whether there is a completion at all.
	Done bool
}

// Today is the day it is in London at now, as Validity's dates hold days.
func Today(now time.Time) time.Time {
	y, m, d := now.In(london.Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// StatusAt is the rule: never done without a completion; lapsed once the
// valid-until day has passed in London; due from DueWithin months before
// it; current until then.
func (v Validity) StatusAt(now time.Time) Status {
	today := Today(now)
	switch {
	case !v.Done:
		return Never
	case today.After(v.ValidUntil):
		return Lapsed
	case !today.Before(v.DueFrom):
		return Due
	default:
		return Current
	}
}

// LapsedOn is the first day the training is no longer valid.
func (v Validity) LapsedOn() time.Time { return v.ValidUntil.AddDate(0, 0, 1) }

func validityOf(completed, until, due pgtype.Date) Validity {
	if !completed.Valid || !until.Valid || !due.Valid {
		return Validity{}
	}
	return Validity{CompletedOn: completed.Time, ValidUntil: until.Time, DueFrom: due.Time, Done: true}
}

// Day formats a Validity date: "3 March 2029".
func Day(t time.Time) string { return t.Format("2 January 2006") }

// Service reads training status and sends renewal notices.
type Service struct {
	pool    *pgxpool.Pool
	outbox  *email.Outbox
	baseURL *url.URL
	now     func() time.Time
	log     *slog.Logger
	// From signs every letter.
	From email.Signature
}

// New returns a Service whose emails link to baseURL.
func New(pool *pgxpool.Pool, outbox *email.Outbox, baseURL *url.URL, now func() time.Time, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{pool: pool, outbox: outbox, baseURL: baseURL, now: now, log: log}
}

func (s *Service) link(path string) string { return s.baseURL.JoinPath(path).String() }

// Training is a person's training on one course that expires, as My
// training shows it.
type Training struct {
	CourseID    int64
	CourseTitle string
	Level       int
	Validity
	Status Status
	// The course that renews it (the course itself unless a refresher is
	// named), and whether it is still offered.
	RenewingCourseTitle   string
	RenewingCourseSlug    string
	RenewingCourseOffered bool
}

// ForPerson returns the training of userID on courses that expire, the
// soonest to lapse first.
func (s *Service) ForPerson(ctx context.Context, userID int64) ([]Training, error) {
	rows, err := renewaldb.New(s.pool).PersonTraining(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("training of person %d: %w", userID, err)
	}
	now := s.now()
	out := make([]Training, 0, len(rows))
	for _, r := range rows {
		v := validityOf(r.CompletedOn, r.ValidUntil, r.DueFrom)
		out = append(out, Training{CourseID: r.CourseID, CourseTitle: r.CourseTitle, Level: int(r.Level), Validity: v,
			Status: v.StatusAt(now), RenewingCourseTitle: r.RenewingCourseTitle, RenewingCourseSlug: r.RenewingCourseSlug,
			RenewingCourseOffered: r.RenewingCourseOffered})
	}
	return out, nil
}

func pgDate(t time.Time) pgtype.Date { return pgtype.Date{Time: t, Valid: true} }
