package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/pgtest"
)

// trainerWorld is a database with a course, a session of it to come, one
// that is over, and a person who may be made a trainer.
type trainerWorld struct {
	ctx            context.Context
	pool           *pgxpool.Pool
	course, other  int64 // two courses
	session, past  int64 // sessions of course: to come, and over
	person         int64
	approveAndRole func(t *testing.T)
}

func newTrainerWorld(t *testing.T) trainerWorld {
	t.Helper()
	ctx := t.Context()
	pool := pgtest.New(t)
	_, err := demo.Seed(ctx, pool, time.Now()) // courses, venues, agencies
	require.NoError(t, err)
	w := trainerWorld{ctx: ctx, pool: pool}
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM courses ORDER BY id LIMIT 1").Scan(&w.course))
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM courses WHERE id <> $1 ORDER BY id LIMIT 1", w.course).Scan(&w.other))
	session := func(starts time.Time, status string) int64 {
		var id int64
		require.NoError(t, pool.QueryRow(ctx, `
			INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
			SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), $2, $3, $4, 10, $5
			FROM courses c WHERE c.id = $1 RETURNING id`,
			w.course, starts, starts.Add(3*time.Hour), starts.Add(-24*time.Hour), status).Scan(&id))
		return id
	}
	w.session = session(time.Now().AddDate(0, 1, 0), "published")
	w.past = session(time.Now().AddDate(0, -1, 0), "completed")
	require.NoError(t, pool.QueryRow(ctx, `
		INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
		VALUES ('tara.trainer@example.org', 'Tara Trainer', 'Trainer', (SELECT id FROM agencies ORDER BY id LIMIT 1), '!', now())
		RETURNING id`).Scan(&w.person))
	w.approveAndRole = func(t *testing.T) {
		t.Helper()
		_, err := pool.Exec(ctx, "INSERT INTO user_roles (user_id, role) VALUES ($1, 'trainer') ON CONFLICT DO NOTHING", w.person)
		require.NoError(t, err)
		_, err = pool.Exec(ctx, "INSERT INTO trainer_courses (trainer_id, course_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", w.person, w.course)
		require.NoError(t, err)
	}
	return w
}

func (w trainerWorld) putOn(session int64) error {
	_, err := w.pool.Exec(w.ctx, "INSERT INTO session_trainers (session_id, trainer_id) VALUES ($1, $2)", session, w.person)
	return err
}

// unqualified counts the trainers on sessions to come who lack the role or
// the approval for the session's course.
func (w trainerWorld) unqualified(t *testing.T) int {
	t.Helper()
	var n int
	require.NoError(t, w.pool.QueryRow(w.ctx, `
		SELECT count(*) FROM session_trainers st JOIN sessions s ON s.id = st.session_id
		WHERE s.status IN ('draft', 'published') AND s.ends_at > now()
		  AND (NOT EXISTS (SELECT 1 FROM trainer_courses tc WHERE tc.trainer_id = st.trainer_id AND tc.course_id = s.course_id)
		    OR NOT EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = st.trainer_id AND r.role = 'trainer'))`).Scan(&n))
	return n
}

// Whatever writes session_trainers, the database refuses a person without
// the trainer role, or a trainer not approved for the session's course.
func TestTrainerOnASessionIsApprovedAndATrainer(t *testing.T) {
	t.Parallel()
	w := newTrainerWorld(t)

	err := w.putOn(w.session)
	assert.True(t, pgerr.Violates(err, "session_trainers_hold_trainer_role"), "not a trainer: %v", err)

	// Approved for the course, but without the role.
	_, err = w.pool.Exec(w.ctx, "INSERT INTO trainer_courses (trainer_id, course_id) VALUES ($1, $2)", w.person, w.course)
	require.NoError(t, err)
	err = w.putOn(w.session)
	assert.True(t, pgerr.Violates(err, "session_trainers_hold_trainer_role"), "approved but not a trainer: %v", err)

	// A trainer, approved for another course only.
	_, err = w.pool.Exec(w.ctx, "DELETE FROM trainer_courses WHERE trainer_id = $1", w.person)
	require.NoError(t, err)
	_, err = w.pool.Exec(w.ctx, "INSERT INTO user_roles (user_id, role) VALUES ($1, 'trainer')", w.person)
	require.NoError(t, err)
	_, err = w.pool.Exec(w.ctx, "INSERT INTO trainer_courses (trainer_id, course_id) VALUES ($1, $2)", w.person, w.other)
	require.NoError(t, err)
	err = w.putOn(w.session)
	assert.True(t, pgerr.Violates(err, "session_trainers_approved_for_course"), "approved for another course: %v", err)

	w.approveAndRole(t)
	require.NoError(t, w.putOn(w.session))
	require.NoError(t, w.putOn(w.past))
	assert.Zero(t, w.unqualified(t))
}

// While a trainer is down to deliver a session to come, neither their
// approval for its course nor their trainer role can be withdrawn (nor
// turned into something else, nor the session moved to a course they are
// not approved for); once the session is over, both can.
func TestApprovalAndRoleStayWhileTheTrainerHasSessionsToCome(t *testing.T) {
	t.Parallel()
	w := newTrainerWorld(t)
	w.approveAndRole(t)
	require.NoError(t, w.putOn(w.session))
	require.NoError(t, w.putOn(w.past))

	_, err := w.pool.Exec(w.ctx, "DELETE FROM trainer_courses WHERE trainer_id = $1", w.person)
	assert.True(t, pgerr.Violates(err, "trainer_courses_keep_sessions_to_come"), "approval withdrawn: %v", err)
	_, err = w.pool.Exec(w.ctx, "UPDATE trainer_courses SET course_id = $2 WHERE trainer_id = $1", w.person, w.other)
	assert.True(t, pgerr.Violates(err, "trainer_courses_keep_sessions_to_come"), "approval changed: %v", err)
	_, err = w.pool.Exec(w.ctx, "DELETE FROM user_roles WHERE user_id = $1", w.person)
	assert.True(t, pgerr.Violates(err, "user_roles_trainer_keeps_sessions_to_come"), "role removed: %v", err)
	_, err = w.pool.Exec(w.ctx, "UPDATE user_roles SET role = 'manager' WHERE user_id = $1", w.person)
	assert.True(t, pgerr.Violates(err, "user_roles_trainer_keeps_sessions_to_come"), "role changed: %v", err)
	_, err = w.pool.Exec(w.ctx, "UPDATE sessions SET course_id = $2 WHERE id = $1", w.session, w.other)
	assert.True(t, pgerr.Violates(err, "session_trainers_approved_for_course"), "session moved to another course: %v", err)
	assert.Zero(t, w.unqualified(t))

	// Other roles come and go as before.
	_, err = w.pool.Exec(w.ctx, "INSERT INTO user_roles (user_id, role) VALUES ($1, 'manager')", w.person)
	require.NoError(t, err)
	_, err = w.pool.Exec(w.ctx, "DELETE FROM user_roles WHERE user_id = $1 AND role = 'manager'", w.person)
	require.NoError(t, err)

	// Cancelled, the session no longer needs them; the one that is over
	// keeps them as history.
	_, err = w.pool.Exec(w.ctx, "UPDATE sessions SET status = 'cancelled', cancelled_reason = 'Trainer ill' WHERE id = $1", w.session)
	require.NoError(t, err)
	_, err = w.pool.Exec(w.ctx, "DELETE FROM trainer_courses WHERE trainer_id = $1", w.person)
	assert.NoError(t, err)
	_, err = w.pool.Exec(w.ctx, "DELETE FROM user_roles WHERE user_id = $1", w.person)
	assert.NoError(t, err)
}

// Two managers at once: one withdraws the trainer's approval (or role)
// while the other puts the trainer on a session. Each interleaving is forced:
// the first holds its change uncommitted until the second is seen waiting
// for it. Whichever goes first wins, the second is refused, and no session
// to come ends with an unqualified trainer.
func TestWithdrawingRacesPuttingOnASession(t *testing.T) {
	t.Parallel()
	withdraw := map[string]string{
		"approval": "DELETE FROM trainer_courses WHERE trainer_id = $1",
		"role":     "DELETE FROM user_roles WHERE user_id = $1 AND role = 'trainer'",
	}
	refusedPutting := map[string]string{"approval": "session_trainers_approved_for_course", "role": "session_trainers_hold_trainer_role"}
	refusedWithdrawing := map[string]string{"approval": "trainer_courses_keep_sessions_to_come", "role": "user_roles_trainer_keeps_sessions_to_come"}
	putOn := "INSERT INTO session_trainers (session_id, trainer_id) VALUES ($2, $1)"
	for _, what := range []string{"approval", "role"} {
		for _, withdrawFirst := range []bool{true, false} {
			name := what + map[bool]string{true: ", withdrawn first", false: ", put on first"}[withdrawFirst]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				w := newTrainerWorld(t)
				w.approveAndRole(t)
				first, second := withdraw[what], putOn
				if !withdrawFirst {
					first, second = putOn, withdraw[what]
				}
				args := func(sql string) []any {
					if sql == putOn {
						return []any{w.person, w.session}
					}
					return []any{w.person}
				}
				firstErr, secondErr := race(t, w.pool, first, args(first), second, args(second))
				require.NoError(t, firstErr, "the first change")
				want := refusedPutting[what]
				if !withdrawFirst {
					want = refusedWithdrawing[what]
				}
				assert.True(t, pgerr.Violates(secondErr, want), "the second change is refused by %s: %v", want, secondErr)
				assert.Zero(t, w.unqualified(t))
			})
		}
	}
}

// race runs first in a transaction left open, then second in another
// connection; once second is seen waiting on a lock (or has finished), first
// commits. It returns each one's error.
func race(t *testing.T, pool *pgxpool.Pool, first string, firstArgs []any, second string, secondArgs []any) (firstErr, secondErr error) {
	t.Helper()
	ctx := t.Context()
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, firstErr = tx.Exec(ctx, first, firstArgs...)
	require.NoError(t, firstErr)

	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	var pid int
	require.NoError(t, conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid))
	done := make(chan error, 1)
	go func() {
		_, err := conn.Exec(ctx, second, secondArgs...)
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting bool
		require.NoError(t, pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = $1 AND NOT granted)", pid).Scan(&waiting))
		if waiting {
			break
		}
		select {
		case err := <-done: // it did not wait: it ran before first committed
			firstErr = tx.Commit(ctx)
			return firstErr, err
		default:
		}
		require.True(t, time.Now().Before(deadline), "the second change neither waited nor finished")
		time.Sleep(10 * time.Millisecond)
	}
	firstErr = tx.Commit(ctx)
	return firstErr, <-done
}
