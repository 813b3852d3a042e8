package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/workday"
)

var now = time.Date(2026, time.March, 20, 10, 0, 0, 0, time.UTC)

// The seed holds exactly sixteen courses, each with every field complete, as
// the database stores them.
func TestSeedHoldsSixteenCompleteCourses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)

	seeded, err := demo.Seed(ctx, pool, now)
	require.NoError(t, err)
	require.True(t, seeded)

	rows, err := pool.Query(ctx, `
		SELECT slug, title, summary, description, learning_outcomes, audience_description,
		       audiences, level, duration, delivery_modes, default_capacity
		FROM courses`)
	require.NoError(t, err)
	defer rows.Close()
	count := 0
	for rows.Next() {
		count++
		var (
			slug, title, summary, description, audienceDesc, duration string
			outcomes, audiences, modes                                []string
			level                                                     int16
			capacity                                                  int32
		)
		require.NoError(t, rows.Scan(&slug, &title, &summary, &description, &outcomes, &audienceDesc,
			&audiences, &level, &duration, &modes, &capacity))
		assert.NotEmpty(t, title, slug)
		assert.NotEmpty(t, summary, slug)
		assert.GreaterOrEqual(t, len(description), 200, "%s: description too short", slug)
		assert.NotEmpty(t, audienceDesc, slug)
		assert.GreaterOrEqual(t, len(outcomes), 3, "%s: learning outcomes", slug)
		assert.LessOrEqual(t, len(outcomes), 5, "%s: learning outcomes", slug)
		for _, o := range outcomes {
			assert.NotEmpty(t, o, slug)
		}
		assert.NotEmpty(t, audiences, slug)
		assert.Contains(t, []int16{1, 2, 3}, level, slug)
		assert.Contains(t, []string{"half_day", "full_day"}, duration, slug)
		assert.NotEmpty(t, modes, slug)
		assert.Positive(t, capacity, slug)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, 16, count)
}

func TestSeedLoadsAgenciesVenuesAndATermOfSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := demo.Seed(ctx, pool, now)
	require.NoError(t, err)

	var agencies, sectors, venues int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*), count(DISTINCT sector) FROM agencies").Scan(&agencies, &sectors))
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM venues").Scan(&venues))
	assert.Equal(t, len(demo.Agencies), agencies)
	assert.GreaterOrEqual(t, sectors, 6, "agencies should span the sectors")
	assert.Equal(t, len(demo.Venues), venues)

	var sessions, published, coursesWithSessions int
	var first, last time.Time
	require.NoError(t, pool.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE status = 'published'), count(DISTINCT course_id),
		       min(starts_at), max(starts_at)
		FROM sessions`).Scan(&sessions, &published, &coursesWithSessions, &first, &last))
	assert.Equal(t, 48, sessions)
	assert.Greater(t, published, 40)
	assert.Equal(t, 16, coursesWithSessions)
	assert.True(t, first.After(now), "sessions start in the future")
	assert.True(t, last.Before(now.AddDate(0, 3, 14)), "sessions fall within about three months: last %s", last)

	// No room holds two sessions at once.
	var clashes int
	require.NoError(t, pool.QueryRow(ctx, `
		SELECT count(*) FROM sessions a JOIN sessions b ON a.venue_id = b.venue_id AND a.id < b.id
		JOIN venues v ON v.id = a.venue_id
		WHERE NOT v.online AND a.during && b.during`).Scan(&clashes))
	assert.Zero(t, clashes)

	// Session capacity never exceeds the room's.
	var overfull int
	require.NoError(t, pool.QueryRow(ctx, `
		SELECT count(*) FROM sessions s JOIN venues v ON v.id = s.venue_id
		WHERE NOT v.online AND s.capacity > v.capacity`).Scan(&overfull))
	assert.Zero(t, overfull)
}

// Sessions are on weekdays at the advertised London times, on both sides of
// the clock change.
func TestScheduleUsesLondonTime(t *testing.T) {
	t.Parallel()
	var sawGMT, sawBST bool
	for _, s := range demo.Schedule(now) {
		local := s.StartsAt.In(london.Zone)
		assert.NotContains(t, []time.Weekday{time.Saturday, time.Sunday}, local.Weekday())
		assert.Contains(t, []string{"09:30", "13:30"}, local.Format("15:04"))
		_, offset := local.Zone()
		sawGMT = sawGMT || offset == 0
		sawBST = sawBST || offset == 3600
	}
	assert.True(t, sawGMT && sawBST, "a term from 20 March crosses the March clock change")
}

// A term planned across Christmas, Easter or any bank holiday puts no session
// on one, nor on a weekend.
func TestScheduleAvoidsBankHolidaysAndWeekends(t *testing.T) {
	t.Parallel()
	for _, from := range []time.Time{
		time.Date(2026, time.December, 4, 10, 0, 0, 0, time.UTC), // Christmas Day and the Boxing Day holiday (Monday 28th)
		time.Date(2027, time.March, 1, 10, 0, 0, 0, time.UTC),    // Good Friday and Easter Monday 2027
		time.Date(2026, time.April, 20, 10, 0, 0, 0, time.UTC),   // both May bank holidays
	} {
		plan := demo.Schedule(from)
		require.Len(t, plan, 3*len(demo.Courses))
		for _, s := range plan {
			assert.True(t, workday.Is(s.StartsAt), "%s: a session on %s", from.Format(time.DateOnly), s.StartsAt.In(london.Zone).Format("Monday 2 January 2006"))
		}
	}
	christmas := time.Date(2026, time.December, 25, 12, 0, 0, 0, london.Zone)
	require.False(t, workday.Is(christmas), "the calendar knows Christmas Day")
}

func TestSeedRunsOnceEvenWhenProcessesRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)

	results := make(chan bool, 4)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			seeded, err := demo.Seed(ctx, pool, now)
			results <- seeded
			errs <- err
		}()
	}
	loaded := 0
	for range 4 {
		require.NoError(t, <-errs)
		if <-results {
			loaded++
		}
	}
	assert.Equal(t, 1, loaded)
	var courses int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM courses").Scan(&courses))
	assert.Equal(t, 16, courses)
}

// The demo accounts come with bookings to look at: the practitioner has a
// place on the demo trainer's first session and a course attended a
// fortnight ago; seeding twice adds nothing.
func TestDemoAccountsHaveBookings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	seeded, err := demo.SeedWithAccounts(ctx, pool, time.Now())
	require.NoError(t, err)
	require.True(t, seeded)
	seeded, err = demo.SeedWithAccounts(ctx, pool, time.Now())
	require.NoError(t, err)
	require.False(t, seeded, "a second start loads nothing")
	count := func(sql string) int {
		var n int
		require.NoError(t, pool.QueryRow(ctx, sql).Scan(&n))
		return n
	}
	assert.Equal(t, 1, count(`SELECT count(*) FROM bookings b JOIN users u ON u.id = b.user_id JOIN sessions s ON s.id = b.session_id
		JOIN session_trainers st ON st.session_id = s.id JOIN users t ON t.id = st.trainer_id
		WHERE u.email = 'practitioner@example.org' AND t.email = 'trainer@example.org' AND s.starts_at > now() AND b.status = 'confirmed'`))
	assert.Equal(t, 1, count(`SELECT count(*) FROM bookings b JOIN users u ON u.id = b.user_id JOIN sessions s ON s.id = b.session_id
		WHERE u.email = 'practitioner@example.org' AND s.ends_at < now() AND b.attendance = 'attended'`))
	assert.Equal(t, 1, count(`SELECT count(*) FROM evaluations e JOIN bookings b ON b.id = e.booking_id JOIN users u ON u.id = b.user_id
		WHERE u.email = 'practitioner@example.org' AND e.submitted_at IS NULL AND e.closes_at > now()`),
		"the practitioner's evaluation waits for them")
	// The demo trainer's two past sessions with the practitioner's colleagues
	// (the past term has its own, see pastterm_test.go).
	theirs := `(SELECT b.session_id FROM bookings b JOIN users u ON u.id = b.user_id WHERE u.email = 'alex.morgan@example.org')`
	require.Equal(t, 2, count(`SELECT count(*) FROM sessions WHERE id IN `+theirs))
	assert.Equal(t, 11, count(`SELECT count(*) FROM evaluations e JOIN bookings b ON b.id = e.booking_id
		WHERE e.submitted_at IS NOT NULL AND b.session_id IN `+theirs), "colleagues evaluated both past sessions")
	assert.Equal(t, 5+2, count(`SELECT count(*) FROM impact_follow_ups f JOIN bookings b ON b.id = f.booking_id
		WHERE f.submitted_at IS NOT NULL AND b.session_id IN `+theirs),
		"five people and two line managers answered the follow-up")
	assert.Equal(t, 0, count(`SELECT count(*) FROM evaluations e JOIN bookings b ON b.id = e.booking_id WHERE b.attendance IS NULL`))
	assert.Equal(t, 0, count(`SELECT count(*) FROM sessions s WHERE seats_taken <> (SELECT count(*) FROM bookings b
		WHERE b.session_id = s.id AND booking_status_takes_seat(b.status))`))
	assert.Equal(t, 1, count(`SELECT count(*) FROM agencies WHERE line_manager_approval`), "one agency asks for approval")
	assert.Equal(t, 1, count(`SELECT count(*) FROM bookings b JOIN booking_approvals a ON a.booking_id = b.id
		JOIN agencies ag ON ag.id = b.agency_id
		WHERE b.status = 'awaiting_approval' AND ag.line_manager_approval AND a.decided_at IS NULL AND a.token_hash IS NOT NULL`),
		"a place of that agency waits for its line manager")
	assert.Equal(t, 16, count(`SELECT count(*) FROM course_prices WHERE charging_band = 'non_contributing' AND amount_pence > 0`),
		"the private provider's agency pays for places")
	assert.Equal(t, 0, count(`SELECT count(*) FROM course_prices WHERE charging_band <> 'non_contributing'`))
	assert.Positive(t, count(`SELECT count(*) FROM (SELECT session_id FROM session_trainers GROUP BY session_id HAVING count(*) = 2) pairs`),
		"the two demo trainers deliver some sessions together")
	assert.Equal(t, 2, count(`SELECT count(DISTINCT u.agency_id) FROM user_roles r JOIN users u ON u.id = r.user_id
		WHERE r.role = 'trainer' AND u.password_hash <> '!'`), "from different agencies")
	assert.Equal(t, 1, count(`SELECT count(*) FROM course_prerequisites p JOIN courses c ON c.id = p.course_id
		JOIN courses r ON r.id = p.requires_course_id
		WHERE c.level = 3 AND r.level = 2 AND p.within_months = 36`), "the advanced course needs a level 2 course within 3 years")
	assert.Equal(t, 1, count(`SELECT count(*) FROM prior_learning_claims l JOIN users u ON u.id = l.user_id
		WHERE u.email = 'practitioner@example.org' AND l.status = 'pending'`), "a claim waits for a manager")
}

// Demo accounts, whose password the README publishes, are made only in the
// transaction that seeds an empty database: never in a partnership's
// database that merely holds an agency of the same name, and an erased demo
// manager does not come back on the next start.
func TestDemoAccountsOnlyInAnEmptyDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	count := func(pool *pgxpool.Pool, sql string) int {
		var n int
		require.NoError(t, pool.QueryRow(ctx, sql).Scan(&n))
		return n
	}

	real := pgtest.New(t)
	_, err := real.Exec(ctx, `INSERT INTO agencies (name, sector, charging_band) VALUES ('Portsmouth City Council', 'local_authority', 'partner')`)
	require.NoError(t, err)
	seeded, err := demo.SeedWithAccounts(ctx, real, time.Now())
	require.NoError(t, err)
	assert.False(t, seeded)
	assert.Zero(t, count(real, `SELECT count(*) FROM users`), "no demo account in a database someone has started filling")
	assert.Zero(t, count(real, `SELECT count(*) FROM courses`))

	pool := pgtest.New(t)
	seeded, err = demo.SeedWithAccounts(ctx, pool, time.Now())
	require.NoError(t, err)
	require.True(t, seeded)
	_, err = pool.Exec(ctx, `UPDATE users SET email = 'erased-' || id || '@invalid', full_name = 'Deleted person', erased_at = now()
		WHERE email = 'manager@example.org'`)
	require.NoError(t, err)
	seeded, err = demo.SeedWithAccounts(ctx, pool, time.Now())
	require.NoError(t, err)
	assert.False(t, seeded)
	assert.Zero(t, count(pool, `SELECT count(*) FROM users WHERE email = 'manager@example.org'`), "an erased demo manager stays erased")
	assert.Equal(t, len(demo.Accounts)-1, count(pool, `SELECT count(*) FROM users WHERE erased_at IS NULL AND password_hash <> '!'`),
		"every demo account but the erased one; the colleagues who came to past sessions cannot sign in")
}
