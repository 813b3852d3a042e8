// Package catalogue owns the public view of the training programme: the
// courses on offer and their upcoming sessions, as anyone may see them
// without signing in.
package catalogue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/catalogue/internal/cataloguedb"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/validation"
)

// ErrCourseNotFound means no course on offer has that slug.
var ErrCourseNotFound = errs.New(errs.NotFound, "course not found")

// MaxQueryLength bounds keyword searches; longer input is cut.
const MaxQueryLength = 100

// maxUpcoming bounds the sessions listed on a course page.
const maxUpcoming = 50

// Service answers catalogue questions from the database.
type Service struct {
	pool     *pgxpool.Pool
	now      func() time.Time
	changes  changes       // what this process has heard (Listen)
	upcoming upcomingCache // the courses list's counts of sessions to come (upcoming.go)
}

// New returns a Service. now is the clock: time.Now in production.
func New(pool *pgxpool.Pool, now func() time.Time) *Service {
	return &Service{pool: pool, now: now}
}

// Filter narrows the course list. Empty fields match everything; values in a
// field are alternatives (level 1 or level 2), fields combine (and).
type Filter struct {
	Levels    []Level
	Audiences []Audience
	Modes     []DeliveryMode
	Query     string
	// Partnerships are the partnerships whose courses to list (issue 22:
	// across all, or within one); none for every partnership's.
	Partnerships []int64
}

// Empty reports whether the filter matches every course.
func (f Filter) Empty() bool {
	return len(f.Levels) == 0 && len(f.Audiences) == 0 && len(f.Modes) == 0 && f.Query == "" && len(f.Partnerships) == 0
}

// CleanQuery makes free text safe to search on: valid UTF-8, no control
// characters, single spaces, at most MaxQueryLength characters.
func CleanQuery(q string) string {
	q = validation.CleanLine(q)
	if utf8.RuneCountInString(q) > MaxQueryLength {
		q = string([]rune(q)[:MaxQueryLength])
		q = strings.TrimSpace(q)
	}
	return q
}

// Slot is when a session runs and how many places it has left.
type Slot struct {
	SessionID  int64
	StartsAt   time.Time
	EndsAt     time.Time
	PlacesLeft int
}

// CourseSummary is a course as the course list shows it.
type CourseSummary struct {
	Slug          string
	Title         string
	Summary       string
	Level         Level
	Duration      Duration
	Audiences     []Audience
	DeliveryModes []DeliveryMode
	Next          *Slot // the next open session; nil when none is scheduled
	// The partnership that runs it, by its short name ("Hampshire").
	PartnershipID int64
	Partnership   string
}

// Course is a course in full.
type Course struct {
	ID                  int64
	Slug                string
	Title               string
	Summary             string
	Description         string
	LearningOutcomes    []string
	AudienceDescription string
	Audiences           []Audience
	Level               Level
	Duration            Duration
	DeliveryModes       []DeliveryMode
	DefaultCapacity     int
	PartnershipID       int64
	Partnership         string // the partnership that wrote it and runs it, in full
	// Shared is a HIPS course: other partnerships may offer it too.
	Shared bool
	// OfferedBy names, in full, every partnership offering it.
	OfferedBy []string
}

// OfferedBySeveral reports whether more than one partnership runs sessions
// of the course, so that each session says whose it is.
func (c Course) OfferedBySeveral() bool { return len(c.OfferedBy) > 1 }

// Paragraphs splits the description at blank lines.
func (c Course) Paragraphs() []string {
	var out []string
	for _, p := range strings.Split(c.Description, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Session is an upcoming session of a course, open to everyone.
type Session struct {
	ID            int64
	StartsAt      time.Time
	EndsAt        time.Time
	BookingClosed bool // the booking cut-off has passed
	PlacesLeft    int
	VenueName     string
	VenueTown     string
	Online        bool
	// Places per agency and per sector while they hold (0: none).
	AgencyCap, SectorCap int
	// Partnership runs the session, by its short name.
	Partnership string
	// OwnAreaOnly: only staff of agencies in that partnership's area may
	// book it.
	OwnAreaOnly bool
	// ChangesAt is when the session's row on a course page next changes
	// by time alone: its booking cut-off or the release of its caps, or
	// else its start, when it leaves the page.
	ChangesAt time.Time
}

// ListCourses returns the courses on offer that match f, by title.
func (s *Service) ListCourses(ctx context.Context, f Filter) ([]CourseSummary, error) {
	levels := make([]int16, 0, len(f.Levels))
	for _, l := range f.Levels {
		levels = append(levels, int16(l))
	}
	rows, err := cataloguedb.New(s.pool).ListCourses(ctx, cataloguedb.ListCoursesParams{
		Now:          s.now(),
		Levels:       levels,
		Audiences:    strs(f.Audiences),
		Modes:        strs(f.Modes),
		Query:        CleanQuery(f.Query),
		Partnerships: append(make([]int64, 0, len(f.Partnerships)), f.Partnerships...), // never NULL
	})
	if err != nil {
		return nil, fmt.Errorf("list courses: %w", err)
	}
	out := make([]CourseSummary, 0, len(rows))
	for _, r := range rows {
		c := CourseSummary{
			Slug:          r.Slug,
			Title:         r.Title,
			Summary:       r.Summary,
			Level:         Level(r.Level),
			Duration:      Duration(r.Duration),
			Audiences:     typed[Audience](r.Audiences),
			DeliveryModes: typed[DeliveryMode](r.DeliveryModes),
			PartnershipID: r.PartnershipID,
			Partnership:   r.PartnershipName,
		}
		if r.NextSessionID != nil && r.NextStartsAt != nil && r.NextEndsAt != nil && r.NextPlacesLeft != nil {
			c.Next = &Slot{SessionID: *r.NextSessionID, StartsAt: *r.NextStartsAt, EndsAt: *r.NextEndsAt, PlacesLeft: int(*r.NextPlacesLeft)}
		}
		out = append(out, c)
	}
	return out, nil
}

// CourseWithSessions returns the course with that slug and its upcoming
// sessions, soonest first.
func (s *Service) CourseWithSessions(ctx context.Context, slug string) (Course, []Session, error) {
	q := cataloguedb.New(s.pool)
	r, err := q.GetCourseBySlug(ctx, slug)
	if errors.Is(err, pgx.ErrNoRows) {
		return Course{}, nil, ErrCourseNotFound
	} else if err != nil {
		return Course{}, nil, fmt.Errorf("get course %q: %w", slug, err)
	}
	c := Course{
		ID:                  r.ID,
		Slug:                r.Slug,
		Title:               r.Title,
		Summary:             r.Summary,
		Description:         r.Description,
		LearningOutcomes:    r.LearningOutcomes,
		AudienceDescription: r.AudienceDescription,
		Audiences:           typed[Audience](r.Audiences),
		Level:               Level(r.Level),
		Duration:            Duration(r.Duration),
		DeliveryModes:       typed[DeliveryMode](r.DeliveryModes),
		DefaultCapacity:     int(r.DefaultCapacity),
		PartnershipID:       r.PartnershipID,
		Partnership:         r.PartnershipName,
		Shared:              r.Shared,
		OfferedBy:           r.OfferedBy,
	}
	now := s.now()
	rows, err := q.ListUpcomingSessionsForCourse(ctx, cataloguedb.ListUpcomingSessionsForCourseParams{
		CourseID: r.ID, Now: now, MaxRows: maxUpcoming,
	})
	if err != nil {
		return Course{}, nil, fmt.Errorf("list sessions of course %q: %w", slug, err)
	}
	sessions := make([]Session, 0, len(rows))
	for _, r := range rows {
		changesAt := r.StartsAt
		if r.BookingCutoffAt.After(now) && r.BookingCutoffAt.Before(changesAt) {
			changesAt = r.BookingCutoffAt
		}
		if c := r.CapsReleaseAt; c != nil && c.After(now) && c.Before(changesAt) && (r.AgencyCap != 0 || r.SectorCap != 0) {
			changesAt = *c
		}
		sessions = append(sessions, Session{
			ID:            r.ID,
			StartsAt:      r.StartsAt,
			EndsAt:        r.EndsAt,
			BookingClosed: CutoffPassed(r.BookingCutoffAt, now),
			PlacesLeft:    int(r.PlacesLeft),
			VenueName:     r.VenueName,
			VenueTown:     r.VenueTown,
			Online:        r.VenueOnline,
			AgencyCap:     int(r.AgencyCap),
			SectorCap:     int(r.SectorCap),
			Partnership:   r.PartnershipName,
			OwnAreaOnly:   r.OwnAreaOnly,
			ChangesAt:     changesAt,
		})
	}
	return c, sessions, nil
}

// PlacesLeft returns the places left on each of the sessions ids, read
// now. Every booking changes them, so the catalogue pages cache them apart
// from the rest, for at most a second.
func (s *Service) PlacesLeft(ctx context.Context, ids []int64) (map[int64]int, error) {
	rows, err := cataloguedb.New(s.pool).PlacesLeft(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("places left on %d sessions: %w", len(ids), err)
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.ID] = int(r.PlacesLeft)
	}
	return out, nil
}

// ListChangesAt is when the course list next changes by time alone: when
// the first of its next sessions starts. It is zero when none is shown.
func ListChangesAt(courses []CourseSummary) time.Time {
	var at time.Time
	for _, c := range courses {
		if c.Next != nil && (at.IsZero() || c.Next.StartsAt.Before(at)) {
			at = c.Next.StartsAt
		}
	}
	return at
}

// SessionsChangeAt is when a course page's sessions next change by time
// alone (Session.ChangesAt); zero when it shows none.
func SessionsChangeAt(sessions []Session) time.Time {
	var at time.Time
	for _, s := range sessions {
		if at.IsZero() || s.ChangesAt.Before(at) {
			at = s.ChangesAt
		}
	}
	return at
}

func strs[T ~string](in []T) []string {
	out := make([]string, 0, len(in))
	for _, v := range in {
		out = append(out, string(v))
	}
	return out
}

func typed[T ~string](in []string) []T {
	out := make([]T, 0, len(in))
	for _, v := range in {
		out = append(out, T(v))
	}
	return out
}
