// Package prerequisite owns the courses a course requires (level 3 needs
// level 2 within three years, say), the check booking makes against a
// person's training record, the reason a training manager gives for booking
// someone without one, and the claims people make of training done
// elsewhere (prior learning), which a training manager confirms or rejects.
//
// The database refuses a prerequisite that would make a loop of any length
// (a trigger with a recursive query); this package words that refusal.
package prerequisite

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/prerequisite/internal/prerequisitedb"
	"github.com/pscp/booktraining/internal/validation"
)

// Errors of the package, each of its kind.
var (
	ErrNotFound  = errs.New(errs.NotFound, "course or claim not found")
	ErrForbidden = errs.New(errs.Forbidden, "only a training manager may do this")
	ErrDecided   = errs.Says(errs.Conflict, "This claim has already been decided.")
)

// Field names of the forms, as they name their inputs.
const (
	FieldRequires     = "requires-course"
	FieldWithinMonths = "within-months"
	FieldCourse       = "course"
	FieldCompletedOn  = "completed-on" // the date boxes are completed-on-day, -month and -year
	FieldProvider     = "provider"
	FieldNote         = "note"
	FieldDecision     = "decision"
	FieldRejectReason = "reject-reason"
	FieldOverride     = "prerequisite-override"
)

// MaxMonths is the longest window a prerequisite may give: ten years.
const MaxMonths = 120

// Service keeps prerequisites and prior learning claims.
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

func (s *Service) link(path string) string {
	if s.baseURL == nil {
		return path
	}
	return s.baseURL.JoinPath(path).String()
}

func (s *Service) inTx(ctx context.Context, fn func(pgx.Tx, *prerequisitedb.Queries) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return fn(tx, prerequisitedb.New(tx)) })
}

// Requirement is one course another requires.
type Requirement struct {
	CourseID     int64 // the course required
	Title        string
	Slug         string
	WithinMonths int // 0: done at any time
}

// Path is the required course's public page.
func (r Requirement) Path() string { return "/courses/" + r.Slug }

// ClaimPath is where a person says they did the required course elsewhere.
func (r Requirement) ClaimPath() string { return ClaimFormPath(r.CourseID) }

// ClaimFormPath is the prior learning form for a course.
func ClaimFormPath(courseID int64) string {
	return "/my-training/prior-learning/new?course=" + strconv.FormatInt(courseID, 10)
}

// Window words how recent the course must be: "completed within the last 3
// years", or "" for any time.
func (r Requirement) Window() string {
	switch m := r.WithinMonths; {
	case m == 0:
		return ""
	case m%12 == 0 && m == 12:
		return "completed within the last year"
	case m%12 == 0:
		return fmt.Sprintf("completed within the last %d years", m/12)
	case m == 1:
		return "completed within the last month"
	default:
		return fmt.Sprintf("completed within the last %d months", m)
	}
}

// Sentence says what is needed: "Level 2 (completed within the last 3
// years)".
func (r Requirement) Sentence() string {
	if w := r.Window(); w != "" {
		return r.Title + " (" + w + ")"
	}
	return r.Title
}

func requirement(id int64, title, slug string, months *int16) Requirement {
	r := Requirement{CourseID: id, Title: title, Slug: slug}
	if months != nil {
		r.WithinMonths = int(*months)
	}
	return r
}

// MissingError says which prerequisites a person's training record does not
// meet: a conflict, worded for the person.
type MissingError struct {
	Missing []Requirement
}

func (e *MissingError) Error() string {
	return "You need " + e.needs() + " before you can book this course."
}

// ForSomeoneElse words the error for a manager booking someone else.
func (e *MissingError) ForSomeoneElse() string {
	return "They need " + e.needs() + " before they can book this course."
}

func (e *MissingError) needs() string {
	names := make([]string, len(e.Missing))
	for i, r := range e.Missing {
		names[i] = r.Sentence()
	}
	return joinAnd(names)
}

// Kind makes a MissingError a conflict: the record, not the request, is short.
func (e *MissingError) Kind() errs.Kind { return errs.Conflict }

func joinAnd(ss []string) string {
	switch len(ss) {
	case 0:
		return ""
	case 1:
		return ss[0]
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " and " + ss[len(ss)-1]
}

// Course is a course whose prerequisites a manager edits.
type Course struct {
	ID       int64
	Title    string
	Slug     string
	Requires []Requirement
}

// Choice is a course a form offers.
type Choice struct {
	ID    int64
	Title string
}

// Course returns a course with what it requires.
func (s *Service) Course(ctx context.Context, id int64) (Course, error) {
	q := prerequisitedb.New(s.pool)
	c, err := q.GetCourse(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Course{}, ErrNotFound
	} else if err != nil {
		return Course{}, fmt.Errorf("course %d: %w", id, err)
	}
	reqs, err := s.Requires(ctx, id)
	if err != nil {
		return Course{}, err
	}
	return Course{ID: c.ID, Title: c.Title, Slug: c.Slug, Requires: reqs}, nil
}

// Requires returns what a course requires, by title.
func (s *Service) Requires(ctx context.Context, courseID int64) ([]Requirement, error) {
	rows, err := prerequisitedb.New(s.pool).ListPrerequisites(ctx, courseID)
	if err != nil {
		return nil, fmt.Errorf("prerequisites of course %d: %w", courseID, err)
	}
	out := make([]Requirement, len(rows))
	for i, r := range rows {
		out[i] = requirement(r.RequiresCourseID, r.Title, r.Slug, r.WithinMonths)
	}
	return out, nil
}

// Choices returns the courses of the catalogue a form may offer: those not
// retired and not bespoke.
func (s *Service) Choices(ctx context.Context) ([]Choice, error) {
	rows, err := prerequisitedb.New(s.pool).CourseChoices(ctx)
	if err != nil {
		return nil, fmt.Errorf("courses: %w", err)
	}
	out := make([]Choice, len(rows))
	for i, r := range rows {
		out[i] = Choice{ID: r.ID, Title: r.Title}
	}
	return out, nil
}

// Add makes courseID require the course typed as requires, done within
// the months typed (blank: at any time); adding one already there changes
// its months. Bad input (no such course, the course itself, a loop, months
// not a whole number from 1 to 120) is a validation.Errors and changes
// nothing.
func (s *Service) Add(ctx context.Context, courseID int64, requires, months string) error {
	who := actor.From(ctx)
	if !who.Manager {
		return ErrForbidden
	}
	var v validation.Errors
	reqID, err := strconv.ParseInt(strings.TrimSpace(requires), 10, 64)
	if err != nil || reqID <= 0 {
		v.Add(FieldRequires, "Choose the course it requires")
	} else if reqID == courseID {
		v.Add(FieldRequires, "Choose a different course: a course cannot require itself")
	}
	var within *int16
	if m := strings.TrimSpace(validation.CleanLine(months)); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > MaxMonths {
			v.Add(FieldWithinMonths, fmt.Sprintf("Months must be a whole number from 1 to %d, or left blank", MaxMonths))
		} else {
			w := int16(n)
			within = &w
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx pgx.Tx, q *prerequisitedb.Queries) error {
		if _, err := q.GetCourse(ctx, courseID); errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("course %d: %w", courseID, err)
		}
		req, err := q.GetCourse(ctx, reqID)
		if errors.Is(err, pgx.ErrNoRows) {
			v.Add(FieldRequires, "Choose the course it requires")
			return v.Err()
		} else if err != nil {
			return fmt.Errorf("course %d: %w", reqID, err)
		}
		now := s.now()
		if _, err := q.AddPrerequisite(ctx, prerequisitedb.AddPrerequisiteParams{
			CourseID: courseID, RequiresCourseID: reqID, WithinMonths: within, Now: now,
		}); err != nil {
			return fmt.Errorf("add prerequisite: %w", err)
		}
		details := map[string]any{"course": courseID, "requires": reqID, "requires_title": req.Title}
		if within != nil {
			details["within_months"] = *within
		}
		return audit.RecordTx(ctx, tx, now, audit.Event{Action: audit.PrerequisiteAdded, ActorID: who.IDPtr(), IP: who.IP, Details: details})
	})
	switch {
	case pgerr.Violates(err, "course_prerequisites_no_loop"):
		v.Add(FieldRequires, "Choose a different course: that course already needs this one, directly or through its own prerequisites, so neither could ever be booked")
		return v.Err()
	case pgerr.Violates(err, "course_prerequisites_not_itself"):
		v.Add(FieldRequires, "Choose a different course: a course cannot require itself")
		return v.Err()
	}
	return err
}

// Remove stops courseID requiring requiresID.
func (s *Service) Remove(ctx context.Context, courseID, requiresID int64) error {
	who := actor.From(ctx)
	if !who.Manager {
		return ErrForbidden
	}
	return s.inTx(ctx, func(tx pgx.Tx, q *prerequisitedb.Queries) error {
		n, err := q.RemovePrerequisite(ctx, prerequisitedb.RemovePrerequisiteParams{CourseID: courseID, RequiresCourseID: requiresID})
		if err != nil {
			return fmt.Errorf("remove prerequisite: %w", err)
		}
		if n == 0 {
			return ErrNotFound
		}
		return audit.RecordTx(ctx, tx, s.now(), audit.Event{Action: audit.PrerequisiteRemoved, ActorID: who.IDPtr(), IP: who.IP,
			Details: map[string]any{"course": courseID, "requires": requiresID}})
	})
}
