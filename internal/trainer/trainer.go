// Package trainer owns what the service knows of trainers: the courses each
// is approved to deliver, their time off and the sessions they deliver.
// Their calendar feed is internal/calendar's.
package trainer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/trainer/internal/trainerdb"
)

var (
	// ErrNotFound means no one holding the trainer role has that ID.
	ErrNotFound = errs.New(errs.NotFound, "trainer not found")
	// ErrSessionNotFound means the trainer delivers no session with that ID.
	ErrSessionNotFound = errs.New(errs.NotFound, "session not found for this trainer")
	// ErrTimeOffNotFound means the trainer has no time off with that ID.
	ErrTimeOffNotFound = errs.New(errs.NotFound, "time off not found")
	// ErrStillDelivering means a training manager tried to withdraw the
	// approval for a course the trainer is down to deliver at a session
	// still to come (the database refuses it: see keepsSessionsToCome).
	ErrStillDelivering = errs.Says(errs.Conflict,
		"This trainer is down to deliver a session still to come of a course you unticked, so they must stay approved for it. Take them off that session first, or keep the course ticked.")
)

// keepsSessionsToCome is the database's rule that a trainer stays approved
// for the course of every session to come they deliver.
const keepsSessionsToCome = "trainer_courses_keep_sessions_to_come"

// Audited actions of this package.
const (
	ActionCoursesApproved = audit.TrainerCoursesChanged
	ActionTimeOffAdded    = audit.TrainerTimeOffAdded
	ActionTimeOffRemoved  = audit.TrainerTimeOffRemoved
)

// noOverlap is the exclusion constraint that keeps a trainer's sessions and
// time off apart.
const noOverlap = "trainer_commitments_no_overlap"

// Trainer is a person holding the trainer role, as the training manager sees them.
type Trainer struct {
	ID               int64
	Name             string
	AgencyName       string
	ApprovedCourses  int
	UpcomingSessions int
}

// CourseApproval is a course that is not retired and whether the trainer may deliver it.
type CourseApproval struct {
	CourseID int64
	Title    string
	Approved bool
}

// Service keeps trainers' approvals, time off and calendar feeds, each change
// in one transaction.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// New returns a Service; now is the clock.
func New(pool *pgxpool.Pool, now func() time.Time) *Service {
	return &Service{pool: pool, now: now}
}

// PageSize is how many trainers a page of the list holds.
const PageSize = 25

// List returns a page (from 1) of everyone holding the trainer role, by
// name, and how many hold it.
func (s *Service) List(ctx context.Context, page int) ([]Trainer, int, error) {
	q := trainerdb.New(s.pool)
	total, err := q.CountTrainers(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("count trainers: %w", err)
	}
	rows, err := q.ListTrainers(ctx, trainerdb.ListTrainersParams{
		Now: s.now(), MaxRows: PageSize, SkipRows: int32(min(max(page-1, 0)*PageSize, 1<<30)),
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list trainers: %w", err)
	}
	out := make([]Trainer, len(rows))
	for i, r := range rows {
		out[i] = Trainer{ID: r.ID, Name: r.FullName, AgencyName: r.AgencyName,
			ApprovedCourses: int(r.ApprovedCourses), UpcomingSessions: int(r.UpcomingSessions)}
	}
	return out, int(total), nil
}

// Get returns one trainer, or ErrNotFound for anyone not holding the role.
func (s *Service) Get(ctx context.Context, id int64) (Trainer, error) {
	r, err := trainerdb.New(s.pool).GetTrainer(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Trainer{}, ErrNotFound
	} else if err != nil {
		return Trainer{}, fmt.Errorf("get trainer %d: %w", id, err)
	}
	return Trainer{ID: r.ID, Name: r.FullName, AgencyName: r.AgencyName}, nil
}

// CourseApprovals lists every course that is not retired, ticked where the
// trainer is approved to deliver it.
func (s *Service) CourseApprovals(ctx context.Context, trainerID int64) ([]CourseApproval, error) {
	rows, err := trainerdb.New(s.pool).ListCourseApprovals(ctx, trainerID)
	if err != nil {
		return nil, fmt.Errorf("list course approvals of %d: %w", trainerID, err)
	}
	out := make([]CourseApproval, len(rows))
	for i, r := range rows {
		out[i] = CourseApproval{CourseID: r.ID, Title: r.Title, Approved: r.Approved}
	}
	return out, nil
}

// SetCourses makes courseIDs the set of current courses the trainer may
// deliver, and audits what changed as done by the actor in ctx. IDs of
// retired or unknown courses are ignored.
func (s *Service) SetCourses(ctx context.Context, trainerID int64, courseIDs []int64) error {
	a := actor.From(ctx)
	if courseIDs == nil {
		courseIDs = []int64{}
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := trainerdb.New(tx)
		if err := lockTrainer(ctx, q, trainerID); err != nil {
			return err
		}
		now := s.now()
		removed, err := q.RemoveCourseApprovals(ctx, trainerdb.RemoveCourseApprovalsParams{TrainerID: trainerID, CourseIds: courseIDs})
		if pgerr.Violates(err, keepsSessionsToCome) {
			return ErrStillDelivering
		} else if err != nil {
			return fmt.Errorf("withdraw approvals of trainer %d: %w", trainerID, err)
		}
		added, err := q.AddCourseApprovals(ctx, trainerdb.AddCourseApprovalsParams{TrainerID: trainerID, CourseIds: courseIDs, Now: now})
		if err != nil {
			return fmt.Errorf("approve courses for trainer %d: %w", trainerID, err)
		}
		if len(added) == 0 && len(removed) == 0 {
			return nil
		}
		slices.Sort(added)
		slices.Sort(removed)
		return audit.RecordTx(ctx, tx, now, audit.Event{
			Action: ActionCoursesApproved, ActorID: a.IDPtr(), SubjectID: &trainerID, IP: a.IP,
			Details: map[string]any{"approved_course_ids": added, "withdrawn_course_ids": removed},
		})
	})
}

func lockTrainer(ctx context.Context, q *trainerdb.Queries, id int64) error {
	if _, err := q.LockTrainer(ctx, id); errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	} else if err != nil {
		return fmt.Errorf("lock trainer %d: %w", id, err)
	}
	return nil
}

// ApproveTx approves trainers to deliver a course in the caller's
// transaction, as part of a change that needs them approved (accepting a
// bespoke training request with the trainers the manager chose), and
// audits each new approval (trainer_courses_changed) as done by the actor
// in ctx. Those already approved are left as they are; IDs of people who
// do not hold the trainer role, and a retired course, approve no one (the
// caller's own check names them). It returns the trainers newly approved.
func ApproveTx(ctx context.Context, tx pgx.Tx, courseID int64, trainerIDs []int64, now time.Time) ([]int64, error) {
	if len(trainerIDs) == 0 {
		return nil, nil
	}
	a := actor.From(ctx)
	q := trainerdb.New(tx)
	added, err := q.ApproveTrainersForCourse(ctx, trainerdb.ApproveTrainersForCourseParams{
		TrainerIds: trainerIDs, CourseID: courseID, Now: now,
	})
	if err != nil {
		return nil, fmt.Errorf("approve trainers for course %d: %w", courseID, err)
	}
	slices.Sort(added)
	for _, id := range added {
		if err := audit.RecordTx(ctx, tx, now, audit.Event{
			Action: ActionCoursesApproved, ActorID: a.IDPtr(), SubjectID: &id, IP: a.IP,
			Details: map[string]any{"approved_course_ids": []int64{courseID}, "withdrawn_course_ids": []int64{}},
		}); err != nil {
			return nil, err
		}
	}
	return added, nil
}
