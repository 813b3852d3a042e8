package report_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/report"
)

// now is a Wednesday in December (London on GMT).
var now = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

type fixture struct {
	t       *testing.T
	ctx     context.Context
	pool    *pgxpool.Pool
	course  int64
	venue   int64
	trainer int64
	charged int64 // an agency the charge policy charges
	partner int64 // an agency it charges nothing
	people  int
}

func (f *fixture) id(sql string, args ...any) int64 {
	f.t.Helper()
	var id int64
	require.NoError(f.t, f.pool.QueryRow(f.ctx, sql, args...).Scan(&id), sql)
	return id
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	_, err := f.pool.Exec(f.ctx, sql, args...)
	require.NoError(f.t, err, sql)
}

// person is someone new of agency.
func (f *fixture) person(agency int64) int64 {
	f.people++
	return f.id(`INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
	             VALUES ($1, $2, $3, '!', $4) RETURNING id`,
		fmt.Sprintf("person%d@example.org", f.people), fmt.Sprintf("Person %d", f.people), agency, now.AddDate(0, -1, 0))
}

// session is one of three hours from start; trained gives it the trainer.
func (f *fixture) session(start time.Time, status string, capacity int, trained bool) int64 {
	reason := ""
	if status == "cancelled" {
		reason = "Trainer ill"
	}
	id := f.id(`INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status, cancelled_reason)
	            SELECT c.id, c.title, $2, $3, $3::timestamptz + interval '3 hours', $3::timestamptz - interval '3 days', $4, $5, $6
	            FROM courses c WHERE c.id = $1 RETURNING id`, f.course, f.venue, start, capacity, status, reason)
	if trained {
		f.exec("INSERT INTO session_trainers (session_id, trainer_id) VALUES ($1, $2)", id, f.trainer)
	}
	return id
}

// confirmed books n new people of agency on session.
func (f *fixture) confirmed(session int64, n int, agency int64) []int64 {
	var out []int64
	for range n {
		u := f.person(agency)
		out = append(out, f.id(`INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at)
		                        VALUES ($1, $2, $3, 'confirmed', $2, $4, $4) RETURNING id`, session, u, agency, now.AddDate(0, 0, -20)))
	}
	return out
}

func setup(t *testing.T) *fixture {
	t.Helper()
	pool := pgtest.New(t)
	f := &fixture{t: t, ctx: context.Background(), pool: pool}
	f.course = f.id(`INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences,
	                                      level, duration, delivery_modes, default_capacity)
	                 VALUES ('neglect', 'Neglect', 'Neglect.', 'Neglect.', ARRAY['Spot it'], 'Everyone', ARRAY['everyone'],
	                         1, 'half_day', ARRAY['online'], 10) RETURNING id`)
	f.venue = f.id("INSERT INTO venues (name, online) VALUES ('Teams', true) RETURNING id")
	f.charged = f.id(`INSERT INTO agencies (name, sector, charging_band) VALUES ('Scouts', 'voluntary_community', 'contributing') RETURNING id`)
	f.partner = f.id(`INSERT INTO agencies (name, sector, charging_band) VALUES ('County Police', 'police', 'partner') RETURNING id`)
	f.trainer = f.person(f.partner)
	f.exec("INSERT INTO user_roles (user_id, role) VALUES ($1, 'trainer')", f.trainer)
	f.exec("INSERT INTO trainer_courses (trainer_id, course_id) VALUES ($1, $2)", f.trainer, f.course)
	return f
}

func manager(ctx context.Context) context.Context {
	return actor.With(ctx, actor.Actor{ID: 1, Manager: true, Verified: true})
}

// Each thing to do is counted once, and the thing that nearly is (a day
// too early, a place too full, already decided) is not.
func TestHomeCountsWhatNeedsDoing(t *testing.T) {
	t.Parallel()
	f := setup(t)
	day := 24 * time.Hour

	// Training requests: waiting past the 10 working days' target, waiting
	// inside it, and ones waiting for the agency or answered.
	request := func(status string, submitted time.Time) {
		f.exec(`INSERT INTO enquiries (agency_id, requested_by, kind, course_id, audience, participants, location,
		                               contact_name, contact_email, status, submitted_at, updated_at)
		        VALUES ($1, $2, 'course', $3, 'Leaders', 12, 'online', 'Kim', 'kim@example.org', $4, $5, $5)`,
			f.charged, f.person(f.charged), f.course, status, submitted)
	}
	request("submitted", now.Add(-20*day))                               // overdue
	request("submitted", now.Add(-3*day))                                // waiting, inside the target
	request("submitted", time.Date(2026, 11, 18, 0, 30, 0, 0, time.UTC)) // 10 working days before now: not yet overdue
	request("info_requested", now.Add(-30*day))
	request("accepted", now.Add(-30*day))

	// Registers: a delivered session with a place unmarked; a published one
	// with every place marked; one still running.
	notTaken := f.session(now.Add(-2*day), "completed", 10, false)
	f.confirmed(notTaken, 1, f.partner)
	taken := f.session(now.Add(-1*day), "published", 10, false)
	marked := f.confirmed(taken, 4, f.charged)
	f.exec("UPDATE bookings SET attendance = 'attended' WHERE id = $1", marked[0])
	f.exec("UPDATE bookings SET attendance = 'absent' WHERE id = ANY($1)", marked[1:])
	running := f.session(now.Add(-time.Hour), "published", 10, false)
	f.confirmed(running, 1, f.partner)

	// Charges: on the taken session, one absence undecided (counted), one
	// waived already, one whose place was paid; an absence of an agency the
	// policy does not charge; a late cancellation (counted) and a timely one.
	f.exec(`INSERT INTO charges (booking_id, agency_id, kind, amount_pence, status, waiver_reason, decided_by, decided_at)
	        VALUES ($1, $2, 'non_attendance', 5000, 'waived', 'Ill', $3, $4)`, marked[2], f.charged, f.trainer, now)
	f.exec(`INSERT INTO payments (booking_id, method, amount_pence, status, purchase_order) VALUES ($1, 'invoice', 8000, 'pending', 'PO-1')`, marked[3])
	partnerAbsent := f.confirmed(taken, 1, f.partner)
	f.exec("UPDATE bookings SET attendance = 'absent' WHERE id = $1", partnerAbsent[0])
	for _, late := range []bool{true, false} {
		u := f.person(f.charged)
		f.exec(`INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at, ended_at, late)
		        VALUES ($1, $2, $3, 'cancelled', $2, $4, $4, $4, $5)`, taken, u, f.charged, now.Add(-3*day), late)
	}

	// Trainers: a draft to come with none; a cancelled one with none; a
	// published one with its trainer.
	f.session(now.Add(30*day), "draft", 10, false)
	f.session(now.Add(31*day), "cancelled", 10, false)
	f.session(now.Add(40*day), "published", 10, true)

	// Less than half full two weeks before: 4 of 10 in 10 days (counted);
	// 5 of 10 in 11 days; 11 of 18 (61%) in 12 days; 4 of 10 in 20 days.
	under := f.session(now.Add(10*day), "published", 10, true)
	f.confirmed(under, 4, f.partner)
	half := f.session(now.Add(11*day), "published", 10, true)
	f.confirmed(half, 5, f.partner)
	mostly := f.session(now.Add(12*day), "published", 18, true)
	f.confirmed(mostly, 11, f.partner)
	later := f.session(now.Add(20*day), "published", 10, true)
	f.confirmed(later, 4, f.partner)

	// Offers and held places lapsing: in 23 hours (counted), in 25 hours,
	// and already past (the sweep's, not the manager's).
	for _, in := range []time.Duration{23 * time.Hour, 25 * time.Hour, -time.Hour} {
		u := f.person(f.partner)
		f.exec(`INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, waiting_since, offered_at, offer_expires_at)
		        VALUES ($1, $2, $3, 'offered', $2, $4, $4, $4, $5)`, later, u, f.partner, now.Add(-2*day), now.Add(in))
	}
	for _, in := range []time.Duration{2 * time.Hour, 30 * time.Hour} {
		u := f.person(f.partner)
		f.exec(`INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, hold_expires_at)
		        VALUES ($1, $2, $3, 'held', $2, $4, $5)`, later, u, f.partner, now.Add(-time.Hour), now.Add(in))
	}

	// Organisations: one name typed two ways by two people; one by someone
	// since erased. Agency changes: one asked; one by someone erased.
	for i, name := range []string{"Acme Nursery", "acme nursery"} {
		f.exec(`INSERT INTO users (email, full_name, unlisted_agency_name, password_hash) VALUES ($1, 'Unlisted', $2, '!')`,
			fmt.Sprintf("unlisted%d@example.org", i), name)
	}
	f.exec(`INSERT INTO users (email, full_name, unlisted_agency_name, password_hash, erased_at)
	        VALUES ('gone@example.org', 'Gone', 'Ghost Ltd', '!', $1)`, now)
	mover := f.person(f.partner)
	f.exec("UPDATE users SET requested_agency_id = $1, agency_requested_at = $2 WHERE id = $3", f.charged, now, mover)
	f.exec(`INSERT INTO users (email, full_name, requested_agency_id, password_hash, erased_at)
	        VALUES ('gone2@example.org', 'Gone', $1, '!', $2)`, f.charged, now)

	// Emails: given up on 2 days ago (counted), 31 days ago, and one sent.
	for _, failed := range []time.Time{now.Add(-2 * day), now.Add(-31 * day)} {
		f.exec(`INSERT INTO emails (to_address, subject, body_text, created_at, failed_at, last_error)
		        VALUES ('x@example.org', 'Hi', 'Hi', $1, $1, 'mailbox unavailable')`, failed)
	}
	f.exec(`INSERT INTO emails (to_address, subject, body_text, created_at, sent_at) VALUES ('y@example.org', 'Hi', 'Hi', $1, $1)`, now)

	// Jobs: discarded (counted), discarded and dealt with, completed.
	job := func(state string) int64 {
		return f.id(`INSERT INTO river_job (kind, args, state, max_attempts, attempt, finalized_at, errors)
		             VALUES ('email', '{}', $1, 5, 5, $2, ARRAY['{"error":"no"}'::jsonb]) RETURNING id`, state, now.Add(-time.Hour))
	}
	job("discarded")
	dealt := job("discarded")
	f.exec("INSERT INTO job_failures_dealt_with (job_id, failed_at, dealt_by, dealt_at) VALUES ($1, $2, $3, $4)",
		dealt, now.Add(-time.Hour), f.trainer, now)
	job("completed")

	pool, statements := pgtest.Counted(t, f.pool)
	svc := report.New(pool, func() time.Time { return now })
	statements.Reset()
	got, err := svc.Home(manager(f.ctx))
	require.NoError(t, err)
	assert.Equal(t, report.ToDo{
		RequestsWaiting: 3, RequestsOverdue: 1, ResponseDays: 10,
		RegistersNotTaken: 1, ChargesToDecide: 2, SessionsWithoutTrainer: 1, SessionsUnderHalfFull: 1,
		OffersLapsing: 1, HoldsLapsing: 1, OrganisationsToConfirm: 1, AgencyChangesToConfirm: 1,
		EmailsFailed: 1, JobsFailed: 1,
	}, got)
	var counts []string
	for _, st := range statements.List() {
		if strings.Contains(st, "-- name: ") {
			counts = append(counts, st)
		}
	}
	// Its transaction's BEGIN (which sets its plan, pgplan) and commit apart.
	assert.Len(t, counts, 1, "one statement: %v", statements.List())
	assert.LessOrEqual(t, statements.Count(), 3, "%v", statements.List())
	assert.Equal(t, 14, got.Total())

	// A shorter target makes the request of 3 working days ago overdue too.
	svc.ResponseDays = 2
	got, err = svc.Home(manager(f.ctx))
	require.NoError(t, err)
	assert.Equal(t, 3, got.RequestsOverdue)
}

func TestHomeIsForManagersOnly(t *testing.T) {
	t.Parallel()
	svc := report.New(pgtest.New(t), func() time.Time { return now })
	for _, a := range []actor.Actor{{}, {ID: 2, Coordinator: true, Trainer: true, Verified: true}} {
		_, err := svc.Home(actor.With(context.Background(), a))
		assert.Equal(t, errs.Forbidden, errs.KindOf(err), "%+v", a)
	}
}
