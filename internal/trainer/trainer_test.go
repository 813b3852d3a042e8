package trainer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/trainer"
)

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

type fixture struct {
	pool             *pgxpool.Pool
	svc              *trainer.Service
	trainer, manager int64
	asManager        context.Context // the manager acting, from 192.0.2.7
}

func setup(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := demo.SeedWithAccounts(ctx, pool, now)
	require.NoError(t, err)
	f := fixture{pool: pool, svc: trainer.New(pool, func() time.Time { return now })}
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM users WHERE email = 'trainer@example.org'").Scan(&f.trainer))
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM users WHERE email = 'manager@example.org'").Scan(&f.manager))
	f.asManager = actor.With(ctx, actor.Actor{ID: f.manager, Manager: true, IP: "192.0.2.7"})
	return f
}

// audited counts action's entries about the trainer made by the manager
// from the address their context carries.
func (f fixture) audited(t *testing.T, action string) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(context.Background(), `
		SELECT count(*) FROM audit_events
		WHERE action = $1 AND subject_user_id = $2 AND actor_id = $3 AND ip = '192.0.2.7'`,
		action, f.trainer, f.manager).Scan(&n))
	return n
}

// Each change is audited as done by the actor in ctx, from their address.
func TestChangesAreAuditedAsTheActorInContext(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var course int64
	require.NoError(t, f.pool.QueryRow(context.Background(),
		"SELECT id FROM courses WHERE retired_at IS NULL ORDER BY id LIMIT 1").Scan(&course))
	// Off the demo's sessions, so their other approvals may go.
	_, err := f.pool.Exec(context.Background(), "DELETE FROM session_trainers WHERE trainer_id = $1", f.trainer)
	require.NoError(t, err)

	require.NoError(t, f.svc.SetCourses(f.asManager, f.trainer, []int64{course}))
	assert.Equal(t, 1, f.audited(t, string(trainer.ActionCoursesApproved)))

	off, err := f.svc.AddTimeOff(f.asManager, f.trainer, trainer.TimeOffForm{
		FromDay: "1", FromMonth: "3", FromYear: "2027", ToDay: "3", ToMonth: "3", ToYear: "2027", Reason: "Leave",
	})
	require.NoError(t, err)
	assert.Equal(t, 1, f.audited(t, string(trainer.ActionTimeOffAdded)))

	require.NoError(t, f.svc.RemoveTimeOff(f.asManager, f.trainer, off.ID))
	assert.Equal(t, 1, f.audited(t, string(trainer.ActionTimeOffRemoved)))
}

// The package's refusals carry kinds, so the web app answers them without
// a check of its own: a clash is a conflict, a missing thing is not found.
func TestRefusalsCarryKinds(t *testing.T) {
	t.Parallel()
	f := setup(t)
	form := trainer.TimeOffForm{FromDay: "8", FromMonth: "3", FromYear: "2027", ToDay: "9", ToMonth: "3", ToYear: "2027"}
	_, err := f.svc.AddTimeOff(f.asManager, f.trainer, form)
	require.NoError(t, err)

	_, err = f.svc.AddTimeOff(f.asManager, f.trainer, form)
	var clash *trainer.ClashError
	require.True(t, errors.As(err, &clash), "want a clash, got %v", err)
	assert.Nil(t, clash.Clash.SessionID, "with the time off already recorded")
	assert.Equal(t, errs.Conflict, errs.KindOf(err))

	err = f.svc.RemoveTimeOff(f.asManager, f.trainer, 1<<40)
	assert.ErrorIs(t, err, trainer.ErrTimeOffNotFound)
	assert.Equal(t, errs.NotFound, errs.KindOf(err))

	_, err = f.svc.Session(context.Background(), f.trainer, 1<<40)
	assert.ErrorIs(t, err, trainer.ErrSessionNotFound)
	assert.Equal(t, errs.NotFound, errs.KindOf(err))

	err = f.svc.SetCourses(f.asManager, f.manager, nil)
	assert.ErrorIs(t, err, trainer.ErrNotFound, "the manager does not train")
	assert.Equal(t, errs.NotFound, errs.KindOf(err))
}

// ApproveTx approves, in the caller's transaction, only people holding the
// trainer role for a course that is not retired, and audits each new
// approval once as the actor's; rolled back, it leaves nothing.
func TestApproveTxApprovesTrainersInTheCallersTransaction(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	var course, retired int64
	require.NoError(t, f.pool.QueryRow(ctx,
		"SELECT min(id), max(id) FROM courses WHERE retired_at IS NULL AND NOT bespoke").Scan(&course, &retired))
	_, err := f.pool.Exec(ctx, "DELETE FROM session_trainers WHERE trainer_id = $1", f.trainer)
	require.NoError(t, err)
	_, err = f.pool.Exec(ctx, "DELETE FROM trainer_courses WHERE trainer_id = $1", f.trainer)
	require.NoError(t, err)
	_, err = f.pool.Exec(ctx, "UPDATE courses SET retired_at = $2 WHERE id = $1", retired, now)
	require.NoError(t, err)
	approvals := func() int {
		t.Helper()
		var n int
		require.NoError(t, f.pool.QueryRow(ctx, "SELECT count(*) FROM trainer_courses WHERE trainer_id = $1", f.trainer).Scan(&n))
		return n
	}
	approve := func(courseID int64, commit bool) []int64 {
		t.Helper()
		var added []int64
		stop := errors.New("rolled back")
		err := pgx.BeginFunc(f.asManager, f.pool, func(tx pgx.Tx) (err error) {
			if added, err = trainer.ApproveTx(f.asManager, tx, courseID, []int64{f.trainer, f.manager, f.trainer}, now); err != nil {
				return err
			}
			if !commit {
				return stop
			}
			return nil
		})
		if !commit {
			require.ErrorIs(t, err, stop)
		} else {
			require.NoError(t, err)
		}
		return added
	}

	assert.Equal(t, []int64{f.trainer}, approve(course, false))
	assert.Zero(t, approvals(), "rolled back with the caller's transaction")
	assert.Zero(t, f.audited(t, string(trainer.ActionCoursesApproved)))

	assert.Equal(t, []int64{f.trainer}, approve(course, true), "the manager does not train")
	assert.Equal(t, 1, approvals())
	assert.Equal(t, 1, f.audited(t, string(trainer.ActionCoursesApproved)))
	var managerApproved int
	require.NoError(t, f.pool.QueryRow(ctx, "SELECT count(*) FROM trainer_courses WHERE trainer_id = $1", f.manager).Scan(&managerApproved))
	assert.Zero(t, managerApproved)

	assert.Empty(t, approve(course, true), "already approved")
	assert.Equal(t, 1, f.audited(t, string(trainer.ActionCoursesApproved)), "nothing new to audit")
	assert.Empty(t, approve(retired, true), "a retired course")
	assert.Equal(t, 1, approvals())
}

// A trainer down to deliver a session still to come stays approved for its
// course: unticking it is refused with a sentence for the manager (never a
// 500), and nothing changes; once they are off the session, it can go.
func TestApprovalStaysWhileTheTrainerHasASessionToCome(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	_, err := f.pool.Exec(ctx, "DELETE FROM session_trainers WHERE trainer_id = $1", f.trainer)
	require.NoError(t, err)
	var approved []int64
	rows, err := f.pool.Query(ctx, `SELECT tc.course_id FROM trainer_courses tc JOIN courses c ON c.id = tc.course_id
		WHERE tc.trainer_id = $1 AND c.retired_at IS NULL AND NOT c.bespoke ORDER BY tc.course_id`, f.trainer)
	require.NoError(t, err)
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		approved = append(approved, id)
	}
	require.NoError(t, rows.Err())
	require.NotEmpty(t, approved, "the demo trainer is approved for some course")
	course := approved[0]
	var session int64
	starts := time.Now().AddDate(1, 1, 0) // the database's clock decides what is to come
	require.NoError(t, f.pool.QueryRow(ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), $2, $3, $2, 10, 'published'
		FROM courses c WHERE c.id = $1 RETURNING id`, course, starts, starts.Add(3*time.Hour)).Scan(&session))
	_, err = f.pool.Exec(ctx, "INSERT INTO session_trainers (session_id, trainer_id) VALUES ($1, $2)", session, f.trainer)
	require.NoError(t, err)

	err = f.svc.SetCourses(f.asManager, f.trainer, approved[1:])
	assert.ErrorIs(t, err, trainer.ErrStillDelivering)
	msg, ok := errs.PublicMessage(err)
	assert.True(t, ok, "a sentence for the manager")
	assert.Contains(t, msg, "Take them off that session first")
	assert.Equal(t, errs.Conflict, errs.KindOf(err))
	var still bool
	require.NoError(t, f.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM trainer_courses WHERE trainer_id = $1 AND course_id = $2)",
		f.trainer, course).Scan(&still))
	assert.True(t, still, "still approved")
	assert.Zero(t, f.audited(t, string(trainer.ActionCoursesApproved)), "nothing changed, nothing audited")

	_, err = f.pool.Exec(ctx, "DELETE FROM session_trainers WHERE session_id = $1", session)
	require.NoError(t, err)
	require.NoError(t, f.svc.SetCourses(f.asManager, f.trainer, approved[1:]))
	assert.Equal(t, 1, f.audited(t, string(trainer.ActionCoursesApproved)))
}

// A manager withdraws a trainer's approvals while another puts the trainer
// on a session of one of those courses: the second has just taken its share
// of the approval (00032's trigger) when the withdrawal locks the trainer
// and waits for it. The session's foreign key then takes its share of the
// trainer's row: the withdrawal's lock must let it, or the two deadlock.
// The trainer goes on the session, and the withdrawal is refused.
func TestWithdrawingWaitsForATrainerBeingScheduled(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	_, err := f.pool.Exec(ctx, "DELETE FROM session_trainers WHERE trainer_id = $1", f.trainer)
	require.NoError(t, err)
	var course, session int64
	require.NoError(t, f.pool.QueryRow(ctx,
		"SELECT id FROM courses WHERE retired_at IS NULL AND NOT bespoke ORDER BY id LIMIT 1").Scan(&course))
	_, err = f.pool.Exec(ctx, `INSERT INTO trainer_courses (trainer_id, course_id, approved_at) VALUES ($1, $2, now())
		ON CONFLICT DO NOTHING`, f.trainer, course)
	require.NoError(t, err)
	require.NoError(t, f.pool.QueryRow(ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1),
		       now() + interval '400 days', now() + interval '400 days 3 hours', now() + interval '390 days', 10, 'draft'
		FROM courses c WHERE c.id = $1 RETURNING id`, course).Scan(&session))

	scheduling, err := f.pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = scheduling.Rollback(ctx) }()
	_, err = scheduling.Exec(ctx, "SELECT 1 FROM trainer_courses WHERE trainer_id = $1 AND course_id = $2 FOR KEY SHARE",
		f.trainer, course)
	require.NoError(t, err)

	withdrawn := make(chan error, 1)
	go func() { withdrawn <- f.svc.SetCourses(f.asManager, f.trainer, nil) }()
	require.Eventually(t, func() bool {
		var waiting int
		err := f.pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		return err == nil && waiting > 0
	}, 10*time.Second, 10*time.Millisecond, "the withdrawal waits for the approval")

	_, err = scheduling.Exec(ctx, "INSERT INTO session_trainers (session_id, trainer_id) VALUES ($1, $2)", session, f.trainer)
	require.NoError(t, err, "the trainer goes on the session")
	require.NoError(t, scheduling.Commit(ctx))
	assert.ErrorIs(t, <-withdrawn, trainer.ErrStillDelivering)
}

// The trainers list counts each trainer's approved courses that are not
// retired, and names their agency: the listed one, or else the one they
// typed.
func TestListCountsCoursesNotRetiredAndNamesTheAgency(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		_, err := f.pool.Exec(ctx, sql, args...)
		require.NoError(t, err)
	}
	exec("DELETE FROM session_trainers WHERE trainer_id = $1", f.trainer)
	exec("DELETE FROM trainer_courses WHERE trainer_id = $1", f.trainer)
	var courses []int64
	rows, err := f.pool.Query(ctx, "SELECT id FROM courses WHERE retired_at IS NULL AND NOT bespoke ORDER BY id LIMIT 3")
	require.NoError(t, err)
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		courses = append(courses, id)
	}
	require.NoError(t, rows.Err())
	require.Len(t, courses, 3)
	require.NoError(t, f.svc.SetCourses(f.asManager, f.trainer, courses))
	exec("UPDATE courses SET retired_at = $2 WHERE id = $1", courses[2], now)

	find := func() trainer.Trainer {
		t.Helper()
		list, _, err := f.svc.List(ctx, 1)
		require.NoError(t, err)
		for _, tr := range list {
			if tr.ID == f.trainer {
				return tr
			}
		}
		t.Fatalf("trainer %d not listed", f.trainer)
		return trainer.Trainer{}
	}
	var agencyName string
	require.NoError(t, f.pool.QueryRow(ctx, "SELECT a.name FROM users u JOIN agencies a ON a.id = u.agency_id WHERE u.id = $1", f.trainer).Scan(&agencyName))
	got := find()
	assert.Equal(t, 2, got.ApprovedCourses, "three approved, one since retired")
	assert.Equal(t, agencyName, got.AgencyName)

	exec("UPDATE users SET agency_id = NULL, unlisted_agency_name = 'Typed Trust' WHERE id = $1", f.trainer)
	assert.Equal(t, "Typed Trust", find().AgencyName)
}
