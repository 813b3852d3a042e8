package prerequisite_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/config"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/prerequisite"
	"github.com/pscp/booktraining/internal/privacy"
	"github.com/pscp/booktraining/internal/scope"
	"github.com/pscp/booktraining/internal/services"
	"github.com/pscp/booktraining/internal/validation"
)

const day = 24 * time.Hour

// clock is the time the services see, moved by the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

type fixture struct {
	ctx     context.Context
	pool    *pgxpool.Pool
	clock   *clock
	svc     *services.Services
	agency  int64
	courses []int64 // the demo's first three courses
	manager actor.Actor
}

var start = time.Date(2026, time.March, 3, 9, 30, 0, 0, time.UTC)

func setup(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	c := &clock{t: start}
	_, err := demo.Seed(ctx, pool, c.Now())
	require.NoError(t, err)
	// The demo's own prerequisites are not this test's.
	_, err = pool.Exec(ctx, "DELETE FROM course_prerequisites")
	require.NoError(t, err)
	cfg, err := config.Load(func(string) string { return "" })
	require.NoError(t, err)
	svc, err := services.New(pool, cfg, services.Options{Now: c.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	f := fixture{ctx: ctx, pool: pool, clock: c, svc: svc}
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM agencies ORDER BY id LIMIT 1").Scan(&f.agency))
	rows, err := pool.Query(ctx, "SELECT id FROM courses WHERE NOT bespoke ORDER BY id LIMIT 3")
	require.NoError(t, err)
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		f.courses = append(f.courses, id)
	}
	require.NoError(t, rows.Err())
	require.Len(t, f.courses, 3)
	f.manager = f.person(t, "manager@example.org", "Mo Manager")
	f.manager.Manager = true
	return f
}

func (f fixture) person(t *testing.T, email, name string) actor.Actor {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
		VALUES ($1, $2, $3, '!', now()) RETURNING id`, email, name, f.agency).Scan(&id))
	a := f.agency
	return actor.Actor{ID: id, Email: email, Name: name, AgencyID: &a, Verified: true}
}

// session adds a published three-hour session of course starting at at.
func (f fixture) session(t *testing.T, course int64, at time.Time) int64 {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), $2, $3, $4, 10, 'published'
		FROM courses c WHERE c.id = $1 RETURNING id`,
		course, at, at.Add(3*time.Hour), at.Add(-day)).Scan(&id))
	return id
}

// attended gives who a place on session marked attended.
func (f fixture) attended(t *testing.T, who actor.Actor, session int64) {
	t.Helper()
	_, err := f.pool.Exec(f.ctx, `
		INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at, attendance)
		VALUES ($1, $2, $3, 'confirmed', $2, now(), now(), 'attended')`, session, who.ID, f.agency)
	require.NoError(t, err)
}

func (f fixture) require(t *testing.T, course, requires int64, months string) {
	t.Helper()
	require.NoError(t, f.svc.Prerequisites.Add(actor.With(f.ctx, f.manager), course, strconv.FormatInt(requires, 10), months))
}

func details() booking.Details {
	return booking.Details{LineManagerName: "Lee Manager", LineManagerEmail: "lee@example.org", AgreePolicy: true}
}

func (f fixture) book(who actor.Actor, session int64) error {
	_, err := f.svc.Bookings.Book(actor.With(f.ctx, who), booking.Request{SessionID: session, PersonID: who.ID, Details: details()})
	return err
}

func fieldError(t *testing.T, err error, field string) string {
	t.Helper()
	var v *validation.Errors
	require.ErrorAs(t, err, &v)
	return v.Message(field)
}

// The database refuses a loop of any length, even inserted straight with
// SQL, and a course requiring itself; the service words the refusal.
func TestTheDatabaseRefusesALoop(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a, b, c := f.courses[0], f.courses[1], f.courses[2]
	insert := func(from, to int64) error {
		_, err := f.pool.Exec(f.ctx, "INSERT INTO course_prerequisites (course_id, requires_course_id, created_at) VALUES ($1, $2, now())", from, to)
		return err
	}
	require.NoError(t, insert(a, b))
	require.NoError(t, insert(b, c))
	err := insert(c, a)
	require.Error(t, err)
	assert.True(t, pgerr.Violates(err, "course_prerequisites_no_loop"), "%v", err)
	assert.True(t, pgerr.Violates(insert(b, a), "course_prerequisites_no_loop"), "a loop of two")
	assert.True(t, pgerr.Violates(insert(a, a), "course_prerequisites_not_itself"))
	_, err = f.pool.Exec(f.ctx, "UPDATE course_prerequisites SET requires_course_id = $1 WHERE course_id = $2", a, b)
	assert.True(t, pgerr.Violates(err, "course_prerequisites_no_loop"), "an update that closes the loop: %v", err)

	// Through the service: an error on the form, nothing changed.
	ctx := actor.With(f.ctx, f.manager)
	err = f.svc.Prerequisites.Add(ctx, c, strconv.FormatInt(a, 10), "36")
	assert.Contains(t, fieldError(t, err, prerequisite.FieldRequires), "already needs this one")
	err = f.svc.Prerequisites.Add(ctx, a, strconv.FormatInt(a, 10), "")
	assert.Contains(t, fieldError(t, err, prerequisite.FieldRequires), "cannot require itself")
	err = f.svc.Prerequisites.Add(ctx, a, "999999", "")
	assert.Equal(t, "Choose the course it requires", fieldError(t, err, prerequisite.FieldRequires))
	for _, months := range []string{"0", "121", "1.5", "three", "-3"} {
		err = f.svc.Prerequisites.Add(ctx, a, strconv.FormatInt(c, 10), months)
		assert.NotEmpty(t, fieldError(t, err, prerequisite.FieldWithinMonths), months)
	}
	got, err := f.svc.Prerequisites.Requires(f.ctx, c)
	require.NoError(t, err)
	assert.Empty(t, got)

	// Only managers.
	err = f.svc.Prerequisites.Add(actor.With(f.ctx, f.person(t, "p@example.org", "Pat")), c, strconv.FormatInt(a, 10), "")
	assert.True(t, errs.Is(err, errs.Forbidden))

	// Removing is audited.
	require.NoError(t, f.svc.Prerequisites.Remove(ctx, a, b))
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM audit_events WHERE action = 'prerequisite_removed'").Scan(&n))
	assert.Equal(t, 1, n)
}

// Two halves of a loop added at the same moment: one wins.
func TestConcurrentHalvesOfALoop(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a, b := f.courses[0], f.courses[1]
	ctx := actor.With(f.ctx, f.manager)
	var wg sync.WaitGroup
	results := make([]error, 2)
	for i, pair := range [][2]int64{{a, b}, {b, a}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = f.svc.Prerequisites.Add(ctx, pair[0], strconv.FormatInt(pair[1], 10), "")
		}()
	}
	wg.Wait()
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM course_prerequisites").Scan(&n))
	assert.Equal(t, 1, n, "%v", results)
}

// Booking checks the record: met, missing, too old; the course page's
// check moves with the clock.
func TestBookingChecksTheTrainingRecord(t *testing.T) {
	t.Parallel()
	f := setup(t)
	level2, level3 := f.courses[0], f.courses[1]
	f.require(t, level3, level2, "36")
	sam := f.person(t, "sam@example.org", "Sam Social")

	l3 := f.session(t, level3, start.Add(30*day))
	err := f.book(sam, l3)
	var missing *prerequisite.MissingError
	require.ErrorAs(t, err, &missing)
	require.Len(t, missing.Missing, 1)
	assert.Equal(t, level2, missing.Missing[0].CourseID)
	assert.Contains(t, err.Error(), "(completed within the last 3 years) before you can book this course.")
	assert.True(t, errs.Is(err, errs.Conflict))

	// Level 2 done a week ago: the booking goes through.
	f.attended(t, sam, f.session(t, level2, start.Add(-7*day)))
	require.NoError(t, f.book(sam, l3))

	// A level 3 session more than 3 years after that: too old by then.
	later := f.session(t, level3, start.Add(3*365*day))
	require.ErrorAs(t, f.book(sam, later), &missing)

	// The clock: the same attended place counts now, and not once the
	// clock has moved past the window.
	lacks, err := f.svc.Prerequisites.Missing(f.ctx, sam.ID, level3, f.clock.Now())
	require.NoError(t, err)
	assert.Empty(t, lacks)
	f.clock.Set(start.Add(37 * 30 * day))
	lacks, err = f.svc.Prerequisites.Missing(f.ctx, sam.ID, level3, f.clock.Now())
	require.NoError(t, err)
	assert.Len(t, lacks, 1)

	// A course with no window: any time counts.
	f.clock.Set(start)
	level1 := f.courses[2]
	require.NoError(t, f.svc.Prerequisites.Remove(actor.With(f.ctx, f.manager), level3, level2))
	f.require(t, level3, level1, "")
	f.attended(t, sam, f.session(t, level1, start.Add(-10*365*day)))
	require.NoError(t, f.book(sam, later))

	// A place on a session not yet ended does not count.
	ana := f.person(t, "ana@example.org", "Ana")
	f.attended(t, ana, f.session(t, level1, start.Add(day)))
	require.ErrorAs(t, f.book(ana, f.session(t, level3, start.Add(60*day))), &missing)
}

func claimForm(course int64, on time.Time) prerequisite.ClaimForm {
	return prerequisite.ClaimForm{CourseID: strconv.FormatInt(course, 10), CompletedOn: london.InputOf(on), Provider: "Hampshire County Council"}
}

// A confirmed claim counts; a pending or rejected one does not.
func TestClaimsCountOnceConfirmed(t *testing.T) {
	t.Parallel()
	f := setup(t)
	level2, level3 := f.courses[0], f.courses[1]
	f.require(t, level3, level2, "36")
	sam := f.person(t, "sam@example.org", "Sam Social")
	ana := f.person(t, "ana@example.org", "Ana Answers")
	l3 := f.session(t, level3, start.Add(30*day))
	mctx := actor.With(f.ctx, f.manager)

	samClaim, err := f.svc.Prerequisites.Claim(actor.With(f.ctx, sam), claimForm(level2, start.Add(-100*day)))
	require.NoError(t, err)
	anaClaim, err := f.svc.Prerequisites.Claim(actor.With(f.ctx, ana), claimForm(level2, start.Add(-100*day)))
	require.NoError(t, err)
	var missing *prerequisite.MissingError
	require.ErrorAs(t, f.book(sam, l3), &missing, "pending")

	// Only a manager decides; a rejection needs a reason.
	assert.True(t, errs.Is(f.svc.Prerequisites.Decide(actor.With(f.ctx, sam), samClaim, "confirmed", ""), errs.Forbidden))
	_, err = f.svc.Prerequisites.PendingClaim(actor.With(f.ctx, ana), samClaim)
	assert.True(t, errs.Is(err, errs.NotFound), "another person's claim")
	err = f.svc.Prerequisites.Decide(mctx, anaClaim, "rejected", "  ")
	assert.NotEmpty(t, fieldError(t, err, prerequisite.FieldRejectReason))

	require.NoError(t, f.svc.Prerequisites.Decide(mctx, anaClaim, "rejected", "We could find no record of that course"))
	require.ErrorAs(t, f.book(ana, l3), &missing, "rejected")
	require.NoError(t, f.svc.Prerequisites.Decide(mctx, samClaim, "confirmed", ""))
	require.NoError(t, f.book(sam, l3))
	assert.ErrorIs(t, f.svc.Prerequisites.Decide(mctx, samClaim, "rejected", "changed my mind"), prerequisite.ErrDecided)

	// Each person sees their own claims only.
	mine, err := f.svc.Prerequisites.MyClaims(actor.With(f.ctx, ana))
	require.NoError(t, err)
	require.Len(t, mine, 1)
	assert.Equal(t, prerequisite.Rejected, mine[0].Status)
	assert.Equal(t, "We could find no record of that course", mine[0].RejectReason)

	// Each was told.
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM emails WHERE to_address = 'ana@example.org' AND subject LIKE '%not accepted%'").Scan(&n))
	assert.Equal(t, 1, n)
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM emails WHERE to_address = 'sam@example.org' AND subject LIKE 'Your training elsewhere is confirmed%'").Scan(&n))
	assert.Equal(t, 1, n)

	// Rejected claims go a year after the decision.
	cleaner := prerequisite.Retention()["rejected_prior_learning"]
	tx, err := f.pool.Begin(f.ctx)
	require.NoError(t, err)
	got, err := cleaner(f.ctx, tx, time.Now().Add(366*day), 100)
	require.NoError(t, err)
	require.NoError(t, tx.Commit(f.ctx))
	assert.Equal(t, 1, got)
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM prior_learning_claims").Scan(&n))
	assert.Equal(t, 1, n, "the confirmed claim stays")
}

// Many managers deciding one claim at once: it is decided once, and one
// email goes.
func TestAClaimIsDecidedOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sam := f.person(t, "sam@example.org", "Sam Social")
	id, err := f.svc.Prerequisites.Claim(actor.With(f.ctx, sam), claimForm(f.courses[0], start.Add(-day)))
	require.NoError(t, err)
	const n = 8
	var wg sync.WaitGroup
	results := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			decision, reason := "confirmed", ""
			if i%2 == 1 {
				decision, reason = "rejected", "No certificate"
			}
			results[i] = f.svc.Prerequisites.Decide(actor.With(f.ctx, f.manager), id, decision, reason)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range results {
		if err == nil {
			won++
		} else {
			assert.ErrorIs(t, err, prerequisite.ErrDecided)
		}
	}
	assert.Equal(t, 1, won)
	var emails, audits int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM emails WHERE to_address = 'sam@example.org'").Scan(&emails))
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM audit_events WHERE action = 'prior_learning_decided'").Scan(&audits))
	assert.Equal(t, 1, emails)
	assert.Equal(t, 1, audits)
}

func TestTheClaimFormIsChecked(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sam := f.person(t, "sam@example.org", "Sam Social")
	ctx := actor.With(f.ctx, sam)
	cases := []struct {
		name  string
		form  prerequisite.ClaimForm
		field string
	}{
		{"no course", prerequisite.ClaimForm{CompletedOn: london.InputOf(start), Provider: "x"}, prerequisite.FieldCourse},
		{"unknown course", prerequisite.ClaimForm{CourseID: "999999", CompletedOn: london.InputOf(start), Provider: "x"}, prerequisite.FieldCourse},
		{"no date", prerequisite.ClaimForm{CourseID: strconv.FormatInt(f.courses[0], 10), Provider: "x"}, prerequisite.FieldCompletedOn + "-day"},
		{"future", claimForm(f.courses[0], start.Add(2*day)), prerequisite.FieldCompletedOn + "-day"},
		{"not a date", prerequisite.ClaimForm{CourseID: strconv.FormatInt(f.courses[0], 10), CompletedOn: london.DateInput{Day: "31", Month: "4", Year: "2025"}, Provider: "x"}, prerequisite.FieldCompletedOn + "-day"},
		{"no provider", prerequisite.ClaimForm{CourseID: strconv.FormatInt(f.courses[0], 10), CompletedOn: london.InputOf(start), Provider: " \x00 "}, prerequisite.FieldProvider},
		{"hidden formatting", prerequisite.ClaimForm{CourseID: strconv.FormatInt(f.courses[0], 10), CompletedOn: london.InputOf(start), Provider: "NHS\u202eTrust"}, prerequisite.FieldProvider},
	}
	for _, c := range cases {
		_, err := f.svc.Prerequisites.Claim(ctx, c.form)
		assert.NotEmpty(t, fieldError(t, err, c.field), c.name)
	}
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM prior_learning_claims").Scan(&n))
	assert.Zero(t, n)
	// Today counts; a NUL in the note is tidied away.
	form := claimForm(f.courses[0], start)
	form.Note = "certificate\x00 attached"
	_, err := f.svc.Prerequisites.Claim(ctx, form)
	require.NoError(t, err)
	mine, err := f.svc.Prerequisites.MyClaims(ctx)
	require.NoError(t, err)
	require.Len(t, mine, 1)
	assert.NotContains(t, mine[0].Note, "\x00")
}

// A manager adding someone who lacks a prerequisite is told, and may add
// them with a reason, kept and audited; a practitioner cannot override.
func TestAManagerMayOverrideWithAReason(t *testing.T) {
	t.Parallel()
	f := setup(t)
	level2, level3 := f.courses[0], f.courses[1]
	f.require(t, level3, level2, "36")
	sam := f.person(t, "sam@example.org", "Sam Social")
	l3 := f.session(t, level3, start.Add(30*day))
	mctx := actor.With(f.ctx, f.manager)

	_, err := f.svc.Bookings.AddPerson(mctx, l3, sam.Email, details(), false, booking.Overrides{})
	var missing *prerequisite.MissingError
	require.ErrorAs(t, err, &missing)

	_, err = f.svc.Bookings.Book(actor.With(f.ctx, sam), booking.Request{SessionID: l3, PersonID: sam.ID, Details: details(),
		PrerequisiteOverride: "I know what I am doing"})
	assert.True(t, errs.Is(err, errs.Forbidden), "a practitioner cannot override: %v", err)

	// A reason given when nothing is missing is not kept.
	ana := f.person(t, "ana@example.org", "Ana Answers")
	f.attended(t, ana, f.session(t, level2, start.Add(-7*day)))
	met, err := f.svc.Bookings.AddPerson(mctx, l3, ana.Email, details(), false, booking.Overrides{Prerequisite: "Just in case"})
	require.NoError(t, err)
	var kept string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT prerequisite_override FROM bookings WHERE id = $1", met.BookingID).Scan(&kept))
	assert.Empty(t, kept)

	out, err := f.svc.Bookings.AddPerson(mctx, l3, sam.Email, details(), false, booking.Overrides{Prerequisite: "Level 2 done with the Isle of Wight in May"})
	require.NoError(t, err)
	var reason string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT prerequisite_override FROM bookings WHERE id = $1", out.BookingID).Scan(&reason))
	assert.Equal(t, "Level 2 done with the Isle of Wight in May", reason)
	var audited int
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM audit_events WHERE action = 'prerequisite_overridden'
		AND subject_user_id = $1 AND details->>'reason' = $2`, sam.ID, reason).Scan(&audited))
	assert.Equal(t, 1, audited)
}

// The download has the claims; erasure takes them.
func TestPersonalData(t *testing.T) {
	t.Parallel()
	parts := prerequisite.PersonalData()
	require.Len(t, parts, 1)
	f := setup(t)
	sam := f.person(t, "sam@example.org", "Sam Social")
	form := claimForm(f.courses[0], start.Add(-day))
	form.Provider = "Zq Training Ltd"
	_, err := f.svc.Prerequisites.Claim(actor.With(f.ctx, sam), form)
	require.NoError(t, err)
	tx, err := f.pool.Begin(f.ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(f.ctx) }()
	got, err := parts[0].Export(f.ctx, tx, privacyPerson(sam))
	require.NoError(t, err)
	data, ok := got.(prerequisite.PersonalPriorLearning)
	require.True(t, ok)
	require.Len(t, data.Claims, 1)
	assert.Equal(t, "Zq Training Ltd", data.Claims[0].Provider)
	require.NoError(t, parts[0].Erase(f.ctx, tx, privacyPerson(sam), start))
	var n int
	require.NoError(t, tx.QueryRow(f.ctx, "SELECT count(*) FROM prior_learning_claims").Scan(&n))
	assert.Zero(t, n)
}

func privacyPerson(a actor.Actor) privacy.Person {
	return privacy.Person{ID: a.ID, Email: a.Email, Name: a.Name}
}

// A person's training record is theirs with every partnership (issue 22):
// Hampshire's manager adds someone to Hampshire's session of a HIPS course
// whose prerequisite they completed with Portsmouth, and is told the
// prerequisite's name for someone who has not, though Hampshire's manager
// sees neither Portsmouth's course nor its places.
func TestAPrerequisiteMetWithAnotherPartnershipCounts(t *testing.T) {
	t.Parallel()
	f := setup(t)
	level2, level3 := f.courses[0], f.courses[1]
	f.require(t, level3, level2, "36")
	var hampshire int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO partnerships (slug, name, short_name)
		VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire') RETURNING id`).Scan(&hampshire))
	_, err := f.pool.Exec(f.ctx, `UPDATE courses SET shared = true WHERE id = $1`, level3)
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, `INSERT INTO course_offers (course_id, partnership_id) VALUES ($1, $2)`, level3, hampshire)
	require.NoError(t, err)
	hants := f.session(t, level3, start.Add(30*day))
	_, err = f.pool.Exec(f.ctx, `
		WITH v AS (INSERT INTO venues (name, online, partnership_id) VALUES ('Hampshire online', true, $2) RETURNING id)
		UPDATE sessions SET partnership_id = $2, venue_id = (SELECT id FROM v) WHERE id = $1`, hants, hampshire)
	require.NoError(t, err)
	mctx := scope.Managing(actor.With(f.ctx, f.manager), hampshire)
	var seen int
	require.NoError(t, f.pool.QueryRow(mctx, `SELECT count(*) FROM courses WHERE id = $1`, level2).Scan(&seen))
	require.Zero(t, seen, "Hampshire's manager cannot see Portsmouth's course")

	ana := f.person(t, "ana@example.org", "Ana Answers")
	f.attended(t, ana, f.session(t, level2, start.Add(-7*day)))
	_, err = f.svc.Bookings.AddPerson(mctx, hants, ana.Email, details(), false, booking.Overrides{})
	require.NoError(t, err, "completed with Portsmouth: met for Hampshire's session")

	sam := f.person(t, "sam@example.org", "Sam Social")
	_, err = f.svc.Bookings.AddPerson(mctx, hants, sam.Email, details(), false, booking.Overrides{})
	var missing *prerequisite.MissingError
	require.ErrorAs(t, err, &missing)
	require.Len(t, missing.Missing, 1)
	var title string
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT title FROM courses WHERE id = $1`, level2).Scan(&title))
	assert.Equal(t, title, missing.Missing[0].Title, "the missing course is named")
}

// A claim of training done elsewhere for another partnership's course is
// decided by that partnership's manager, and the answer is its email,
// signed in its name (issue 22).
func TestAClaimIsAnsweredInTheCoursesPartnershipsName(t *testing.T) {
	t.Parallel()
	f := setup(t)
	level2 := f.courses[0]
	var hampshire int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO partnerships (slug, name, short_name, email)
		VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire', 'training@hampshirescp.example')
		RETURNING id`).Scan(&hampshire))
	_, err := f.pool.Exec(f.ctx, `UPDATE courses SET partnership_id = $1 WHERE id = $2`, hampshire, level2)
	require.NoError(t, err)
	sam := f.person(t, "sam@example.org", "Sam Social")
	claim, err := f.svc.Prerequisites.Claim(actor.With(f.ctx, sam), claimForm(level2, start.Add(-100*day)))
	require.NoError(t, err)
	// Portsmouth's manager cannot see it; Hampshire's decides it.
	portsmouth := scope.Managing(actor.With(f.ctx, f.manager), f.firstPartnership(t))
	assert.True(t, errs.Is(f.svc.Prerequisites.Decide(portsmouth, claim, "confirmed", ""), errs.NotFound))
	require.NoError(t, f.svc.Prerequisites.Decide(scope.Managing(actor.With(f.ctx, f.manager), hampshire), claim, "confirmed", ""))
	var body string
	var of int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		SELECT body_text, partnership_id FROM emails
		WHERE to_address = 'sam@example.org' AND subject LIKE 'Your training elsewhere is confirmed%'`).Scan(&body, &of))
	assert.Contains(t, body, "Hampshire Safeguarding Children Partnership")
	assert.Contains(t, body, "training@hampshirescp.example")
	assert.Equal(t, hampshire, of)
}

func (f fixture) firstPartnership(t *testing.T) int64 {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT min(id) FROM partnerships`).Scan(&id))
	return id
}
