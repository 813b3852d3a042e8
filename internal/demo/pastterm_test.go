package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/workday"
)

// The past term gives every report something to count: sessions delivered
// and cancelled, places attended, late, absent, cancelled inside and outside
// the cut-off, passed on and moved, waiting lists that never got a place,
// trainers of several agencies, evaluations and follow-ups, charges in each
// state, paid places and requests answered in and past the target.
func TestPastTermHasWhatEachReportNeeds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	now := time.Now()
	began := time.Now()
	seeded, err := demo.SeedWithAccounts(ctx, pool, now)
	require.NoError(t, err)
	require.True(t, seeded)
	t.Logf("seeded in %s", time.Since(began))

	start := demo.PastTermStart(now)
	count := func(sql string, args ...any) int {
		t.Helper()
		if !strings.Contains(sql, "$1") {
			args = nil
		}
		var n int
		require.NoError(t, pool.QueryRow(ctx, sql, args...).Scan(&n))
		return n
	}
	// The past term's sessions, less the demo trainer's two with the
	// practitioner's colleagues (demo_test.go counts those).
	past := `SELECT id FROM sessions WHERE starts_at >= $1 AND ends_at < now() AND id NOT IN (SELECT b.session_id
		FROM bookings b JOIN users u ON u.id = b.user_id WHERE u.email IN ('alex.morgan@example.org', 'practitioner@example.org'))`
	for _, c := range []struct {
		what string
		sql  string
	}{
		{"delivered sessions", `SELECT count(*) FROM sessions WHERE id IN (` + past + `) AND status IN ('completed', 'published')`},
		{"cancelled sessions", `SELECT count(*) FROM sessions WHERE id IN (` + past + `) AND status = 'cancelled'`},
		{"attended", `SELECT count(*) FROM bookings WHERE session_id IN (` + past + `) AND attendance = 'attended'`},
		{"arrived late", `SELECT count(*) FROM bookings WHERE session_id IN (` + past + `) AND attendance = 'late'`},
		{"absent", `SELECT count(*) FROM bookings WHERE session_id IN (` + past + `) AND attendance = 'absent'`},
		{"cancelled late", `SELECT count(*) FROM bookings WHERE session_id IN (` + past + `) AND status = 'cancelled' AND late`},
		{"cancelled in time", `SELECT count(*) FROM bookings WHERE session_id IN (` + past + `) AND status = 'cancelled' AND NOT late`},
		{"substituted", `SELECT count(*) FROM bookings b JOIN bookings r ON r.id = b.replaced_by AND r.session_id = b.session_id
			WHERE b.session_id IN (` + past + `) AND b.status = 'substituted' AND r.status = 'confirmed'`},
		{"moved", `SELECT count(*) FROM bookings b JOIN bookings r ON r.id = b.replaced_by AND r.user_id = b.user_id
			WHERE b.session_id IN (` + past + `) AND b.status = 'moved' AND r.session_id <> b.session_id AND r.status = 'confirmed'`},
		{"waitlisted never placed", `SELECT count(*) FROM bookings b WHERE b.session_id IN (` + past + `) AND b.status IN ('waiting', 'expired')
			AND NOT EXISTS (SELECT 1 FROM bookings o WHERE o.session_id = b.session_id AND o.user_id = b.user_id AND o.confirmed_at IS NOT NULL)`},
		{"register not taken", `SELECT count(*) FROM sessions s WHERE s.id IN (` + past + `) AND s.status = 'published'
			AND EXISTS (SELECT 1 FROM bookings b WHERE b.session_id = s.id AND b.status = 'confirmed' AND b.attendance IS NULL)`},
		{"evaluations answered", `SELECT count(*) FROM evaluations e JOIN bookings b ON b.id = e.booking_id WHERE b.session_id IN (` + past + `) AND e.submitted_at IS NOT NULL`},
		{"evaluations unanswered", `SELECT count(*) FROM evaluations e JOIN bookings b ON b.id = e.booking_id WHERE b.session_id IN (` + past + `) AND e.submitted_at IS NULL`},
		{"follow-ups answered", `SELECT count(*) FROM impact_follow_ups f JOIN bookings b ON b.id = f.booking_id WHERE b.session_id IN (` + past + `) AND f.submitted_at IS NOT NULL`},
		{"follow-ups asked, not answered", `SELECT count(*) FROM impact_follow_ups f JOIN bookings b ON b.id = f.booking_id WHERE b.session_id IN (` + past + `) AND f.submitted_at IS NULL`},
		{"line managers answered", `SELECT count(*) FROM impact_follow_ups f JOIN bookings b ON b.id = f.booking_id WHERE b.session_id IN (` + past + `) AND f.respondent = 'line_manager'`},
		{"charges proposed", `SELECT count(*) FROM charges WHERE status = 'proposed' AND amount_pence > 0`},
		{"charges waived", `SELECT count(*) FROM charges WHERE status = 'waived' AND waiver_reason <> ''`},
		{"charges invoiced", `SELECT count(*) FROM charges WHERE status = 'invoiced'`},
		{"charges paid", `SELECT count(*) FROM charges WHERE status = 'paid'`},
		{"non-attendance charges", `SELECT count(*) FROM charges WHERE kind = 'non_attendance'`},
		{"late-cancellation charges", `SELECT count(*) FROM charges WHERE kind = 'late_cancellation'`},
		{"absences and late cancellations for the manager to decide", `SELECT count(*) FROM bookings b
			JOIN agencies a ON a.id = b.agency_id AND a.charging_band <> 'partner'
			WHERE b.session_id IN (` + past + `) AND (b.attendance = 'absent' OR b.late)
			AND NOT EXISTS (SELECT 1 FROM charges c WHERE c.booking_id = b.id)
			AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.booking_id = b.id)`},
		{"paid places by card", `SELECT count(*) FROM payments WHERE status = 'paid' AND method = 'card'`},
		{"paid places on invoice", `SELECT count(*) FROM payments WHERE status = 'paid' AND method = 'invoice'`},
		{"requests accepted into a session", `SELECT count(*) FROM enquiries e JOIN enquiry_sessions es ON es.enquiry_id = e.id
			JOIN sessions s ON s.id = es.session_id AND s.closed_to_agency_id = e.agency_id WHERE e.status = 'accepted'`},
		{"requests declined with a reason", `SELECT count(*) FROM enquiries WHERE status = 'declined' AND decline_reason <> ''`},
		{"requests waiting", `SELECT count(*) FROM enquiries WHERE status = 'submitted'`},
	} {
		n := count(c.sql, start)
		t.Logf("%s: %d", c.what, n)
		assert.Positive(t, n, c.what)
	}

	for what, sql := range map[string]string{
		"places over capacity": `SELECT count(*) FROM sessions s WHERE s.seats_taken > s.capacity OR s.seats_taken <> (SELECT count(*)
			FROM bookings b WHERE b.session_id = s.id AND booking_status_takes_seat(b.status))`,
		"evaluations of places not attended": `SELECT count(*) FROM evaluations e JOIN bookings b ON b.id = e.booking_id
			WHERE b.attendance IS NULL OR b.attendance = 'absent'`,
		"attended places never asked to evaluate": `SELECT count(*) FROM bookings b WHERE b.session_id IN (` + past + `)
			AND b.attendance IN ('attended', 'late') AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.booking_id = b.id)`,
		// Nothing for the sweeps to send at the first start.
		"follow-ups due and not asked": `SELECT count(*) FROM evaluations e JOIN bookings b ON b.id = e.booking_id
			WHERE b.session_id IN (` + past + `) AND e.follow_up_at < now()
			AND NOT EXISTS (SELECT 1 FROM impact_follow_ups f WHERE f.booking_id = e.booking_id AND f.respondent = 'attendee')`,
		"charges on a free or partner place": `SELECT count(*) FROM charges WHERE amount_pence = 0`,
		"charges not of an absence or a late cancellation": `SELECT count(*) FROM charges c JOIN bookings b ON b.id = c.booking_id
			WHERE NOT (c.kind = 'non_attendance' AND b.attendance = 'absent') AND NOT (c.kind = 'late_cancellation' AND b.late)`,
	} {
		assert.Zero(t, count(sql, start), what)
	}

	// Requests answered within the target of ten working days and past it.
	rows, err := pool.Query(ctx, `SELECT e.submitted_at, ev.at FROM enquiries e
		JOIN enquiry_events ev ON ev.enquiry_id = e.id AND ev.action IN ('accepted', 'declined')`)
	require.NoError(t, err)
	var within, past10 int
	for rows.Next() {
		var asked, answered time.Time
		require.NoError(t, rows.Scan(&asked, &answered))
		require.True(t, answered.Before(now) && asked.Before(answered))
		if workday.Between(asked, answered) <= 10 {
			within++
		} else {
			past10++
		}
	}
	require.NoError(t, rows.Err())
	assert.Positive(t, within, "requests answered within the target")
	assert.Positive(t, past10, "requests answered past the target")

	// Seeding again adds nothing.
	tables := []string{"users", "sessions", "bookings", "evaluations", "impact_follow_ups", "charges", "payments", "enquiries", "session_trainers"}
	before := map[string]int{}
	for _, table := range tables {
		before[table] = count(`SELECT count(*) FROM ` + table)
	}
	seeded, err = demo.SeedWithAccounts(ctx, pool, now)
	require.NoError(t, err)
	assert.False(t, seeded)
	for _, table := range tables {
		assert.Equal(t, before[table], count(`SELECT count(*) FROM `+table), table)
	}
}

// The contribution ledger has several agencies giving trainer time in the
// past term, and trainers only ever deliver courses they are approved for,
// never two sessions at once (the database would refuse).
func TestPastTermTrainersFromSeveralAgencies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	now := time.Date(2026, time.June, 10, 8, 0, 0, 0, time.UTC)
	_, err := demo.SeedWithAccounts(ctx, pool, now)
	require.NoError(t, err)
	var agencies, sessions int
	require.NoError(t, pool.QueryRow(ctx, `
		SELECT count(DISTINCT u.agency_id), count(DISTINCT s.id) FROM sessions s
		JOIN session_trainers st ON st.session_id = s.id JOIN users u ON u.id = st.trainer_id
		WHERE s.starts_at >= $1 AND s.ends_at < $2 AND s.status = 'completed'`, demo.PastTermStart(now), now).Scan(&agencies, &sessions))
	assert.GreaterOrEqual(t, agencies, 3)
	assert.GreaterOrEqual(t, sessions, 30)
}

// The past term runs from the 1st of April before now, in London, or three
// months back early in the partnership's year; it ends yesterday, with no
// session on a weekend or bank holiday, one a day.
func TestPlanPastTerm(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		now, start time.Time
	}{
		{time.Date(2026, time.December, 6, 1, 0, 0, 0, time.UTC), time.Date(2026, time.April, 1, 0, 0, 0, 0, london.Zone)},
		{time.Date(2027, time.March, 31, 22, 30, 0, 0, time.UTC), time.Date(2026, time.April, 1, 0, 0, 0, 0, london.Zone)},
		// 00:30 on the 1st of April in London: a new year, so three months back.
		{time.Date(2027, time.March, 31, 23, 30, 0, 0, time.UTC), time.Date(2027, time.January, 1, 0, 0, 0, 0, london.Zone)},
		{time.Date(2026, time.April, 20, 10, 0, 0, 0, time.UTC), time.Date(2026, time.January, 20, 0, 0, 0, 0, london.Zone)},
	} {
		assert.True(t, c.start.Equal(demo.PastTermStart(c.now)), "%s: starts %s", c.now, demo.PastTermStart(c.now))
		plan := demo.PlanPastTerm(c.now)
		require.Len(t, plan.Sessions, demo.PastSessions)
		days := map[string]bool{}
		courses := map[int]bool{}
		for _, s := range plan.Sessions {
			day := s.StartsAt.In(london.Zone).Format(time.DateOnly)
			assert.False(t, days[day], "two sessions on %s", day)
			days[day] = true
			courses[s.Course] = true
			assert.True(t, workday.Is(s.StartsAt), day)
			assert.False(t, s.StartsAt.Before(c.start), day)
			assert.True(t, s.EndsAt.Before(london.StartOfDay(c.now)), day)
		}
		assert.Len(t, courses, len(demo.Courses))
		assert.Equal(t, plan, demo.PlanPastTerm(c.now), "the same plan every time")
	}
}
