package report_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/report"
	"github.com/pscp/booktraining/internal/scope"
)

// keptCountsAgree checks what is kept of each session for the home
// (migration 00063) against its trainers and bookings looked at afresh.
func keptCountsAgree(t *testing.T, f *fixture, what string) {
	t.Helper()
	var wrong []int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		SELECT coalesce(array_agg(s.id ORDER BY s.id), '{}') FROM sessions s
		WHERE EXISTS (SELECT FROM session_trainers st WHERE st.session_id = s.id)
		      = EXISTS (SELECT FROM trainerless_sessions w WHERE w.session_id = s.id AND w.partnership_id = s.partnership_id
		                                                  AND w.starts_at = s.starts_at AND w.status = s.status)
		   OR s.charges_to_decide <> (SELECT count(*) FROM bookings b WHERE b.session_id = s.id AND b.charge_to_decide)`).
		Scan(&wrong))
	require.Empty(t, wrong, "%s: sessions whose kept counts are wrong", what)
}

// The home's "sessions without trainer" follows trainers given and taken
// away, in a manager's scope as in the service's, and counts only the
// manager's partnership's sessions.
func TestHomeSessionsWithoutTrainerFollowTheirTrainers(t *testing.T) {
	t.Parallel()
	f := setup(t)
	day := 24 * time.Hour
	home := report.New(f.pool, func() time.Time { return now })
	first := f.id("SELECT min(id) FROM partnerships")
	mine := scope.Managing(f.ctx, first)
	other := f.id(`INSERT INTO partnerships (slug, name, short_name) VALUES ('north', 'North', 'North') RETURNING id`)
	count := func(want int, what string) {
		t.Helper()
		keptCountsAgree(t, f, what)
		got, err := home.Home(manager(mine))
		require.NoError(t, err)
		require.Equal(t, want, got.SessionsWithoutTrainer, "%s, in the partnership's scope", what)
		var all int
		require.NoError(t, f.pool.QueryRow(f.ctx, `
			SELECT count(*) FROM sessions s WHERE s.partnership_id = $1 AND s.status IN ('draft', 'published')
			  AND s.starts_at > $2 AND NOT EXISTS (SELECT FROM session_trainers st WHERE st.session_id = s.id)`,
			first, now).Scan(&all))
		require.Equal(t, all, got.SessionsWithoutTrainer, "%s: the home and a count of the sessions disagree", what)
	}
	second := f.person(f.partner)
	f.exec("INSERT INTO user_roles (user_id, role) VALUES ($1, 'trainer')", second)
	f.exec("INSERT INTO trainer_courses (trainer_id, course_id) VALUES ($1, $2)", second, f.course)
	count(0, "no sessions")

	session := f.session(now.Add(30*day), "published", 10, false)
	count(1, "a session with no trainer")
	assign := func(trainer int64) {
		t.Helper()
		_, err := f.pool.Exec(mine, "INSERT INTO session_trainers (session_id, trainer_id) VALUES ($1, $2)", session, trainer)
		require.NoError(t, err)
	}
	unassign := func(trainer int64) {
		t.Helper()
		_, err := f.pool.Exec(mine, "DELETE FROM session_trainers WHERE session_id = $1 AND trainer_id = $2", session, trainer)
		require.NoError(t, err)
	}
	assign(f.trainer)
	count(0, "its trainer given by the manager")
	assign(second)
	count(0, "a second trainer")
	unassign(f.trainer)
	count(0, "the first taken away")
	unassign(second)
	count(1, "both taken away")

	move := func(by string) {
		t.Helper()
		f.exec(`UPDATE sessions SET starts_at = starts_at + $2::interval, ends_at = ends_at + $2::interval,
		                            booking_cutoff_at = booking_cutoff_at + $2::interval WHERE id = $1`, session, by)
	}
	move("-60 days")
	count(0, "moved into the past")
	move("60 days")
	count(1, "and back")

	draft := f.session(now.Add(31*day), "draft", 10, false)
	f.session(now.Add(-day), "published", 10, false)
	count(2, "a draft to come with none, and one past")
	f.exec("UPDATE sessions SET status = 'cancelled', cancelled_reason = 'No room' WHERE id = $1", draft)
	count(1, "the draft cancelled")
	f.exec("DELETE FROM sessions WHERE id = $1", draft)
	count(1, "and deleted")
	trained := f.session(now.Add(32*day), "published", 10, true)
	count(1, "one made with its trainer")
	f.exec("DELETE FROM session_trainers WHERE session_id = $1", trained)
	count(2, "its trainer taken away by the service")
	f.exec("DELETE FROM sessions WHERE id = $1", trained)
	count(1, "and deleted")

	f.exec(`INSERT INTO venues (name, online, partnership_id) VALUES ('North Teams', true, $1)`, other)
	course := f.id(`INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences,
	                                     level, duration, delivery_modes, default_capacity, partnership_id)
	                VALUES ('north-neglect', 'Neglect', 'Neglect.', 'Neglect.', ARRAY['Spot it'], 'Everyone', ARRAY['everyone'],
	                        1, 'half_day', ARRAY['online'], 10, $1) RETURNING id`, other)
	f.exec(`INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status, partnership_id)
	        SELECT $1, 'Neglect', v.id, $2, $2::timestamptz + interval '3 hours', $2, 10, 'published', $3
	        FROM venues v WHERE v.partnership_id = $3`, course, now.Add(33*day), other)
	count(1, "another partnership's session with no trainer")
	got, err := home.Home(manager(f.ctx))
	require.NoError(t, err)
	require.Equal(t, 2, got.SessionsWithoutTrainer, "the service's home counts every partnership's")
}
