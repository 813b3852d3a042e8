package renewal_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/renewal"
)

// clock is the time the service sees, moved by the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

type fixture struct {
	ctx    context.Context
	pool   *pgxpool.Pool
	clock  *clock
	svc    *renewal.Service
	agency int64
	venue  int64
	n      int
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	inserter, err := queue.NewInsertOnly(pool)
	require.NoError(t, err)
	c := &clock{t: time.Date(2026, time.January, 1, 12, 0, 0, 0, time.UTC)}
	base, _ := url.Parse("https://book.example.org")
	f := &fixture{ctx: ctx, pool: pool, clock: c,
		svc: renewal.New(pool, email.NewOutbox(inserter), base, c.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	f.agency = f.id(t, `INSERT INTO agencies (name, sector, charging_band) VALUES ('Harbour Trust', 'health', 'partner') RETURNING id`)
	f.venue = f.id(t, `INSERT INTO venues (name, online) VALUES ('Online room', true) RETURNING id`)
	return f
}

func (f *fixture) id(t *testing.T, sql string, args ...any) int64 {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, sql, args...).Scan(&id))
	return id
}

func (f *fixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	_, err := f.pool.Exec(f.ctx, sql, args...)
	require.NoError(t, err)
}

func (f *fixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, sql, args...).Scan(&n))
	return n
}

// course adds a course; months 0 for one that does not expire.
func (f *fixture) course(t *testing.T, title string, level, months int, renewedBy int64) int64 {
	t.Helper()
	f.n++
	var m, r any
	if months > 0 {
		m = months
	}
	if renewedBy > 0 {
		r = renewedBy
	}
	return f.id(t, `INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences,
	                                     level, duration, delivery_modes, default_capacity, valid_for_months, renewed_by_course_id)
	                VALUES ($1, $2, 'Summary', 'Description', '{"Outcome"}', 'Everyone', '{everyone}', $3, 'half_day',
	                        '{online}', 20, $4, $5) RETURNING id`,
		fmt.Sprintf("course-%d", f.n), title, level, m, r)
}

// session adds a published session of course starting at start.
func (f *fixture) session(t *testing.T, course int64, start time.Time) int64 {
	t.Helper()
	return f.id(t, `INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
	                SELECT c.id, c.title, $2, $3::timestamptz, $3::timestamptz + interval '3 hours', $3::timestamptz - interval '1 day', 10, 'published'
	                FROM courses c WHERE c.id = $1 RETURNING id`, course, f.venue, start)
}

func (f *fixture) person(t *testing.T, name string, agency int64) int64 {
	t.Helper()
	f.n++
	return f.id(t, `INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
	                VALUES ($1, $2, 'Health visitor', $3, 'x', now()) RETURNING id`,
		fmt.Sprintf("person%d@example.org", f.n), name, agency)
}

// attended puts person on session as attended (or with attendance as given).
func (f *fixture) attended(t *testing.T, person, session int64, attendance string) int64 {
	t.Helper()
	return f.id(t, `INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at, attendance)
	                SELECT $1, u.id, u.agency_id, 'confirmed', u.id, now(), now(), $3 FROM users u WHERE u.id = $2 RETURNING id`,
		session, person, attendance)
}

// booked puts person on session, confirmed, not yet attended.
func (f *fixture) booked(t *testing.T, person, session int64) int64 {
	t.Helper()
	return f.id(t, `INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at)
	                SELECT $1, u.id, u.agency_id, 'confirmed', u.id, now(), now() FROM users u WHERE u.id = $2 RETURNING id`,
		session, person)
}

func (f *fixture) training(t *testing.T, person int64) map[int64]renewal.Training {
	t.Helper()
	got, err := f.svc.ForPerson(f.ctx, person)
	require.NoError(t, err)
	out := map[int64]renewal.Training{}
	for _, tr := range got {
		out[tr.CourseID] = tr
	}
	return out
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// The rule at its boundaries, in London: current until three months
// before the valid-until day, due from then, lapsed once that day has
// passed. Summer time moves London's midnight an hour off UTC's.
func TestStatusAtTheBoundaries(t *testing.T) {
	t.Parallel()
	f := setup(t)
	full := f.course(t, "Working Together level 3", 3, 36, 0)
	p := f.person(t, "Ada Jones", f.agency)
	// 3 June 2026, 9:30am in London (BST).
	f.attended(t, p, f.session(t, full, time.Date(2026, time.June, 3, 8, 30, 0, 0, time.UTC)), "attended")

	tr := f.training(t, p)[full]
	require.True(t, tr.Done)
	assert.Equal(t, day(2026, time.June, 3), tr.CompletedOn)
	assert.Equal(t, day(2029, time.June, 3), tr.ValidUntil)
	assert.Equal(t, day(2029, time.March, 3), tr.DueFrom)

	at := func(y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, london.Zone)
	}
	for _, c := range []struct {
		now  time.Time
		want renewal.Status
	}{
		{at(2026, time.June, 3, 12, 0), renewal.Current},
		{at(2029, time.March, 2, 23, 59), renewal.Current},
		{at(2029, time.March, 3, 0, 0), renewal.Due},
		{at(2029, time.June, 3, 23, 59), renewal.Due},
		{at(2029, time.June, 4, 0, 0), renewal.Lapsed}, // 23:00 UTC on 3 June: already the 4th in London
	} {
		f.clock.Set(c.now)
		assert.Equal(t, c.want, f.training(t, p)[full].Status, "at %s", c.now)
	}
	assert.Equal(t, day(2029, time.June, 4), tr.LapsedOn())
}

// A month end stays in its month: 31 August plus 6 months is the last day
// of February. A late arrival counts; an absence or a place not yet marked
// does not.
func TestWhatCountsAsDone(t *testing.T) {
	t.Parallel()
	f := setup(t)
	short := f.course(t, "Six-month course", 2, 6, 0)
	other := f.course(t, "Another course", 2, 12, 0)
	never := f.course(t, "Not expiring", 1, 0, 0)
	late := f.person(t, "Ben Late", f.agency)
	absent := f.person(t, "Cy Absent", f.agency)
	f.attended(t, late, f.session(t, short, time.Date(2026, time.August, 31, 9, 0, 0, 0, time.UTC)), "late")
	f.attended(t, late, f.session(t, never, time.Date(2026, time.August, 20, 9, 0, 0, 0, time.UTC)), "attended")
	f.attended(t, absent, f.session(t, other, time.Date(2026, time.August, 31, 13, 0, 0, 0, time.UTC)), "absent")
	f.booked(t, absent, f.session(t, short, time.Date(2026, time.September, 30, 9, 0, 0, 0, time.UTC)))

	got := f.training(t, late)
	require.Len(t, got, 1, "only courses that expire")
	assert.Equal(t, day(2027, time.February, 28), got[short].ValidUntil)
	assert.Empty(t, f.training(t, absent))
}

// Attending the course that renews it (a refresher) renews the full course,
// and the latest attendance counts.
func TestARenewingCourseRenews(t *testing.T) {
	t.Parallel()
	f := setup(t)
	refresher := f.course(t, "Level 3 refresher", 3, 0, 0)
	full := f.course(t, "Level 3 full", 3, 36, refresher)
	p := f.person(t, "Di Renew", f.agency)
	f.attended(t, p, f.session(t, full, time.Date(2024, time.March, 5, 10, 0, 0, 0, time.UTC)), "attended")
	f.clock.Set(time.Date(2027, time.January, 10, 12, 0, 0, 0, time.UTC))
	tr := f.training(t, p)[full]
	assert.Equal(t, renewal.Due, tr.Status)
	assert.Equal(t, "Level 3 refresher", tr.RenewingCourseTitle)

	f.attended(t, p, f.session(t, refresher, time.Date(2026, time.December, 1, 10, 0, 0, 0, time.UTC)), "attended")
	tr = f.training(t, p)[full]
	assert.Equal(t, renewal.Current, tr.Status)
	assert.Equal(t, day(2029, time.December, 1), tr.ValidUntil)
	assert.Len(t, f.training(t, p), 1, "the refresher, without a period of its own, is not listed")
}

// The database refuses a period outside 1 to 120 months, and a course that
// renews itself by name.
func TestValidityChecks(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.course(t, "A course", 1, 12, 0)
	for _, sql := range []string{
		`UPDATE courses SET valid_for_months = 0 WHERE id = $1`,
		`UPDATE courses SET valid_for_months = 121 WHERE id = $1`,
		`UPDATE courses SET renewed_by_course_id = id WHERE id = $1`,
	} {
		_, err := f.pool.Exec(f.ctx, sql, c)
		assert.Error(t, err, sql)
	}
}

func (f *fixture) emails(t *testing.T, person int64) []string {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, `SELECT subject || E'\n' || body_text FROM emails WHERE user_id = $1 ORDER BY id`, person)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		out = append(out, s)
	}
	require.NoError(t, rows.Err())
	return out
}

func (f *fixture) sweep(t *testing.T) int {
	t.Helper()
	n, err := f.svc.SendDueNotices(f.ctx)
	require.NoError(t, err)
	return n
}

// The notice goes once, at its time: not before midnight in London two
// months before the training lapses, once after, and not again. It names
// the date and the next three sessions of the renewing course.
func TestNoticeSentOnceAtItsTime(t *testing.T) {
	t.Parallel()
	f := setup(t)
	refresher := f.course(t, "Level 2 refresher", 2, 0, 0)
	full := f.course(t, "Level 2 full", 2, 36, refresher)
	p := f.person(t, "Eve Told", f.agency)
	// Valid until 3 March 2029; told from midnight on 3 January 2029 (GMT).
	f.attended(t, p, f.session(t, full, time.Date(2026, time.March, 3, 9, 30, 0, 0, time.UTC)), "attended")
	var next []int64
	for i, d := range []int{10, 24, 3, 17} {
		m := time.January
		if i >= 2 {
			m = time.February
		}
		next = append(next, f.session(t, refresher, time.Date(2029, m, d, 9, 30, 0, 0, time.UTC)))
	}
	closed := f.session(t, refresher, time.Date(2029, time.January, 8, 9, 30, 0, 0, time.UTC))
	other := f.id(t, `INSERT INTO agencies (name, sector, charging_band) VALUES ('Other', 'police', 'partner') RETURNING id`)
	f.exec(t, `UPDATE sessions SET closed_to_agency_id = $2, invite_token = 'tok' WHERE id = $1`, closed, other)

	f.clock.Set(time.Date(2029, time.January, 2, 23, 59, 59, 0, time.UTC))
	assert.Equal(t, 0, f.sweep(t), "a second before its moment")
	assert.Empty(t, f.emails(t, p))

	f.clock.Set(time.Date(2029, time.January, 3, 0, 30, 0, 0, time.UTC))
	assert.Equal(t, 1, f.sweep(t))
	assert.Equal(t, 0, f.sweep(t), "the next run sends nothing")
	f.clock.Set(time.Date(2029, time.February, 20, 0, 30, 0, 0, time.UTC))
	assert.Equal(t, 0, f.sweep(t), "nor does one weeks later")

	got := f.emails(t, p)
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "Your Level 2 full training is due for renewal by 3 March 2029")
	assert.Contains(t, got[0], "valid until 3 March 2029")
	assert.Contains(t, got[0], "Level 2 refresher")
	assert.Contains(t, got[0], "Wednesday 10 January 2029")
	assert.Contains(t, got[0], "Wednesday 24 January 2029")
	assert.Contains(t, got[0], "Saturday 3 February 2029")
	assert.NotContains(t, got[0], "17 February 2029", "only the next three")
	assert.NotContains(t, got[0], "8 January 2029", "not a session closed to another agency")
	assert.Contains(t, got[0], fmt.Sprintf("https://book.example.org/sessions/%d/book", next[0]))
	assert.Contains(t, got[0], "https://book.example.org/courses/course-1")
	assert.Equal(t, 1, f.count(t, `SELECT count(*) FROM renewal_notices WHERE user_id = $1 AND valid_until = '2029-03-03' AND email_id IS NOT NULL`, p))

	// Renewed: the next completion is told in its turn.
	f.attended(t, p, f.session(t, refresher, time.Date(2029, time.February, 27, 9, 30, 0, 0, time.UTC)), "attended")
	f.clock.Set(time.Date(2031, time.December, 27, 0, 30, 0, 0, time.UTC))
	assert.Equal(t, 1, f.sweep(t))
	assert.Len(t, f.emails(t, p), 2)
}

// Nobody erased, already rebooked, or whose training has lapsed is told;
// a session booked before the completion does not count as rebooked.
func TestNoticeNotSentWhenNotWanted(t *testing.T) {
	t.Parallel()
	f := setup(t)
	full := f.course(t, "Level 3", 3, 24, 0)
	start := time.Date(2026, time.May, 12, 9, 0, 0, 0, time.UTC)
	s := f.session(t, full, start)
	erased := f.person(t, "Fay Erased", f.agency)
	rebooked := f.person(t, "Gus Rebooked", f.agency)
	waiting := f.person(t, "Hal Waiting", f.agency)
	cancelled := f.person(t, "Ivy Cancelled", f.agency)
	for _, p := range []int64{erased, rebooked, waiting, cancelled} {
		f.attended(t, p, s, "attended")
	}
	f.exec(t, `UPDATE users SET erased_at = now() WHERE id = $1`, erased)
	later := f.session(t, full, time.Date(2028, time.April, 20, 9, 0, 0, 0, time.UTC))
	f.booked(t, rebooked, later)
	f.exec(t, `INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, waiting_since)
	           VALUES ($1, $2, $3, 'waiting', $2, now(), now())`, later, waiting, f.agency)
	f.exec(t, `INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at, ended_at)
	           VALUES ($1, $2, $3, 'cancelled', $2, now(), now(), now())`, later, cancelled, f.agency)

	// Valid until 12 May 2028, told from 12 March.
	f.clock.Set(time.Date(2028, time.March, 12, 1, 0, 0, 0, time.UTC))
	assert.Equal(t, 1, f.sweep(t), "only the one whose booking was cancelled")
	assert.Empty(t, f.emails(t, erased))
	assert.Empty(t, f.emails(t, rebooked))
	assert.Empty(t, f.emails(t, waiting))
	assert.Len(t, f.emails(t, cancelled), 1)

	// Lapsed before anyone ran the sweep: too late to tell.
	lapsed := f.person(t, "Jo Lapsed", f.agency)
	f.attended(t, lapsed, f.session(t, full, time.Date(2026, time.January, 5, 9, 0, 0, 0, time.UTC)), "attended")
	assert.Equal(t, 0, f.sweep(t))
	assert.Empty(t, f.emails(t, lapsed))
}

// Sweeps running at the same moment send each notice once.
func TestNoticeSentOnceConcurrently(t *testing.T) {
	t.Parallel()
	f := setup(t)
	full := f.course(t, "Level 2", 2, 12, 0)
	s := f.session(t, full, time.Date(2026, time.March, 3, 9, 30, 0, 0, time.UTC))
	var people []int64
	for i := range 6 {
		p := f.person(t, fmt.Sprintf("Person %d", i), f.agency)
		f.attended(t, p, s, "attended")
		people = append(people, p)
	}
	f.clock.Set(time.Date(2027, time.January, 3, 0, 30, 0, 0, time.UTC))
	var wg sync.WaitGroup
	sent := make([]int, 8)
	errors := make([]error, len(sent))
	for i := range sent {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sent[i], errors[i] = f.svc.SendDueNotices(f.ctx)
		}()
	}
	wg.Wait()
	total := 0
	for i := range sent {
		require.NoError(t, errors[i])
		total += sent[i]
	}
	assert.Equal(t, len(people), total)
	for _, p := range people {
		assert.Len(t, f.emails(t, p), 1)
	}
	assert.Equal(t, len(people), f.count(t, `SELECT count(*) FROM renewal_notices`))
}

// A coordinator sees their own agency's active staff against every course
// that expires; another agency's coordinator sees only theirs, and a
// practitioner nothing.
func TestAgencyTraining(t *testing.T) {
	t.Parallel()
	f := setup(t)
	l2 := f.course(t, "Level 2", 2, 36, 0)
	l3 := f.course(t, "Level 3", 3, 36, 0)
	f.course(t, "Not expiring", 1, 0, 0)
	current := f.person(t, "Ann Current", f.agency)
	due := f.person(t, "Bob Due", f.agency)
	lapsed := f.person(t, "Cat Lapsed", f.agency)
	gone := f.person(t, "Dan Erased", f.agency)
	other := f.id(t, `INSERT INTO agencies (name, sector, charging_band) VALUES ('Other', 'police', 'partner') RETURNING id`)
	outsider := f.person(t, "Eli Outsider", other)
	f.clock.Set(time.Date(2027, time.June, 1, 12, 0, 0, 0, time.UTC))
	f.attended(t, current, f.session(t, l2, time.Date(2026, time.March, 3, 9, 0, 0, 0, time.UTC)), "attended")
	f.attended(t, due, f.session(t, l2, time.Date(2024, time.July, 3, 9, 0, 0, 0, time.UTC)), "attended")
	f.attended(t, lapsed, f.session(t, l3, time.Date(2024, time.January, 3, 9, 0, 0, 0, time.UTC)), "attended")
	f.attended(t, outsider, f.session(t, l3, time.Date(2026, time.January, 3, 9, 0, 0, 0, time.UTC)), "attended")
	f.exec(t, `UPDATE users SET erased_at = now() WHERE id = $1`, gone)

	coord := actor.With(f.ctx, actor.Actor{ID: current, Coordinator: true, AgencyID: &f.agency})
	got, err := f.svc.ForAgency(coord, renewal.AgencyFilter{})
	require.NoError(t, err)
	assert.Equal(t, 3, got.Staff)
	require.Len(t, got.Levels, 2)
	assert.Equal(t, 2, got.Levels[0].Level)
	assert.Equal(t, map[renewal.Status]int{renewal.Current: 1, renewal.Due: 1, renewal.Never: 1}, got.Levels[0].Courses[0].Counts)
	assert.Equal(t, map[renewal.Status]int{renewal.Lapsed: 1, renewal.Never: 2}, got.Levels[1].Courses[0].Counts)
	assert.Len(t, got.Rows, 6)
	for _, r := range got.Rows {
		assert.NotEqual(t, outsider, r.UserID)
		assert.NotEqual(t, gone, r.UserID)
	}

	lapsedOnly, err := f.svc.ForAgency(coord, renewal.AgencyFilter{Status: renewal.Lapsed})
	require.NoError(t, err)
	require.Len(t, lapsedOnly.Rows, 1)
	assert.Equal(t, "Cat Lapsed", lapsedOnly.Rows[0].FullName)
	assert.Equal(t, day(2027, time.January, 3), lapsedOnly.Rows[0].ValidUntil)
	byCourse, err := f.svc.ForAgency(coord, renewal.AgencyFilter{CourseID: l3})
	require.NoError(t, err)
	assert.Len(t, byCourse.Rows, 3)

	theirs, err := f.svc.ForAgency(actor.With(f.ctx, actor.Actor{ID: outsider, Coordinator: true, AgencyID: &other}), renewal.AgencyFilter{})
	require.NoError(t, err)
	require.Len(t, theirs.Rows, 2)
	assert.Equal(t, outsider, theirs.Rows[0].UserID)

	_, err = f.svc.ForAgency(actor.With(f.ctx, actor.Actor{ID: due, AgencyID: &f.agency}), renewal.AgencyFilter{})
	assert.True(t, errs.Is(err, errs.Forbidden), "a practitioner: %v", err)
	_, err = f.svc.ForAgency(actor.With(f.ctx, actor.Actor{ID: due, Coordinator: true}), renewal.AgencyFilter{})
	assert.True(t, errs.Is(err, errs.Forbidden), "a coordinator with no confirmed agency: %v", err)
}

// A renewal notice is signed by the partnership whose course renews the
// training, and is its email (issue 22).
func TestANoticeIsSignedByTheRenewingCoursesPartnership(t *testing.T) {
	t.Parallel()
	f := setup(t)
	refresher := f.course(t, "Level 2 refresher", 2, 0, 0)
	full := f.course(t, "Level 2 full", 2, 36, refresher)
	hampshire := f.id(t, `INSERT INTO partnerships (slug, name, short_name, email)
		VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire', 'training@hampshirescp.example') RETURNING id`)
	f.exec(t, `UPDATE courses SET partnership_id = $2 WHERE id = $1`, refresher, hampshire)
	p := f.person(t, "Eve Told", f.agency)
	f.attended(t, p, f.session(t, full, time.Date(2026, time.March, 3, 9, 30, 0, 0, time.UTC)), "attended")
	f.clock.Set(time.Date(2029, time.January, 3, 0, 30, 0, 0, time.UTC))
	assert.Equal(t, 1, f.sweep(t))
	got := f.emails(t, p)
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "Hampshire Safeguarding Children Partnership")
	assert.Contains(t, got[0], "training@hampshirescp.example")
	assert.Equal(t, 1, f.count(t, `SELECT count(*) FROM emails WHERE user_id = $1 AND partnership_id = $2`, p, hampshire))
}
