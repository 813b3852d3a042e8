package prerequisite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/prerequisite/internal/prerequisitedb"
	"github.com/pscp/booktraining/internal/validation"
)

// maxOverride is the longest reason kept for booking without a prerequisite.
const maxOverride = 500

// missing returns what of courseID's prerequisites personID's record does
// not meet for a session starting at ref, as the record stands at now.
func missing(ctx context.Context, q *prerequisitedb.Queries, personID, courseID int64, ref, now time.Time) ([]Requirement, error) {
	rows, err := q.MissingPrerequisites(ctx, prerequisitedb.MissingPrerequisitesParams{
		Ref: ref, Now: now, UserID: personID, CourseID: courseID,
	})
	if err != nil {
		return nil, fmt.Errorf("prerequisites of course %d for person %d: %w", courseID, personID, err)
	}
	out := make([]Requirement, len(rows))
	for i, r := range rows {
		out[i] = requirement(r.RequiresCourseID, r.Title, r.Slug, r.WithinMonths)
	}
	return out, nil
}

// Missing returns what personID lacks to book courseID's session starting
// at ref (the course page asks with the clock's now): nothing when their
// training record meets every prerequisite.
func (s *Service) Missing(ctx context.Context, personID, courseID int64, ref time.Time) ([]Requirement, error) {
	return missing(ctx, prerequisitedb.New(s.pool), personID, courseID, ref, s.now())
}

// MissingForSession is what personID lacks to book sessionID, as the
// booking form asks before it is filled in: nil when nothing is missing,
// else a *MissingError.
func (s *Service) MissingForSession(ctx context.Context, personID, sessionID int64) error {
	q := prerequisitedb.New(s.pool)
	se, err := q.SessionCourse(ctx, sessionID)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	} else if err != nil {
		return fmt.Errorf("session %d: %w", sessionID, err)
	}
	lacks, err := missing(ctx, q, personID, se.CourseID, se.StartsAt, s.now())
	if err != nil || len(lacks) == 0 {
		return err
	}
	return &MissingError{Missing: lacks}
}

// CheckTx is booking's Prerequisites hook, run in the booking's
// transaction: nil when personID's training record meets every
// prerequisite of sessionID's course (as it stands at the session's start),
// else a *MissingError saying what is missing. A training manager may book
// them anyway by giving a reason (override), which is audited here; anyone
// else giving one is refused. The booking keeps the reason
// (bookings.prerequisite_override).
func (s *Service) CheckTx(ctx context.Context, tx pgx.Tx, personID, sessionID int64, override string) error {
	q := prerequisitedb.New(tx)
	se, err := q.SessionCourse(ctx, sessionID)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	} else if err != nil {
		return fmt.Errorf("session %d: %w", sessionID, err)
	}
	now := s.now()
	lacks, err := missing(ctx, q, personID, se.CourseID, se.StartsAt, now)
	if err != nil || len(lacks) == 0 {
		return err
	}
	why := validation.CleanText(override)
	if why == "" {
		return &MissingError{Missing: lacks}
	}
	who := actor.From(ctx)
	if !who.Manager {
		return ErrForbidden
	}
	if len([]rune(why)) > maxOverride {
		var v validation.Errors
		v.Add(FieldOverride, fmt.Sprintf("The reason must be %d characters or fewer", maxOverride))
		return v.Err()
	}
	titles := make([]string, len(lacks))
	for i, r := range lacks {
		titles[i] = r.Sentence()
	}
	return audit.RecordTx(ctx, tx, now, audit.Event{
		Action: audit.PrerequisiteOverridden, ActorID: who.IDPtr(), IP: who.IP, SubjectID: &personID,
		Details: map[string]any{"session": sessionID, "missing": titles, "reason": why},
	})
}

// CleanOverride tidies a typed override reason as CheckTx reads it, for the
// booking that keeps it.
func CleanOverride(typed string) string { return validation.CleanText(typed) }
