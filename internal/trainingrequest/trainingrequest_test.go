package trainingrequest_test

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/trainingrequest"
	"github.com/pscp/booktraining/internal/validation"
)

var now = time.Date(2026, time.November, 23, 9, 0, 0, 0, time.UTC)

type fixture struct {
	pool              *pgxpool.Pool
	svc               *trainingrequest.Service
	lead, boss, other actor.Actor
	room              int64
	trainers          []int64
}

// as is ctx carrying a as the person acting.
func as(ctx context.Context, a actor.Actor) context.Context { return actor.With(ctx, a) }

func setup(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := demo.Seed(ctx, pool, now)
	require.NoError(t, err)
	jobs, err := queue.NewInsertOnly(pool)
	require.NoError(t, err)
	clock := func() time.Time { return now }
	base, _ := url.Parse("https://training.example.org")
	f := fixture{pool: pool, svc: trainingrequest.New(pool, email.NewOutbox(jobs), scheduling.New(pool, clock, nil), base, clock, nil)}
	person := func(addr string, agency int64, roles ...string) actor.Actor {
		var id int64
		require.NoError(t, pool.QueryRow(ctx, `
			INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
			VALUES ($1, 'Someone', $2, 'x', now()) RETURNING id`, addr, agency).Scan(&id))
		for _, r := range roles {
			_, err := pool.Exec(ctx, "INSERT INTO user_roles (user_id, role) VALUES ($1, $2)", id, r)
			require.NoError(t, err)
		}
		return actor.Actor{ID: id, Name: "Someone", Email: addr, AgencyID: &agency, Verified: true, Manager: len(roles) > 0 && roles[0] == "manager"}
	}
	var a1, a2 int64
	require.NoError(t, pool.QueryRow(ctx, "SELECT min(id), max(id) FROM agencies").Scan(&a1, &a2))
	require.NoError(t, pool.QueryRow(ctx, "SELECT min(id) FROM venues WHERE NOT online").Scan(&f.room))
	f.lead, f.other, f.boss = person("lead@example.org", a1, "coordinator"), person("other@example.org", a2), person("boss@example.org", a1, "manager")
	for i := range 2 {
		f.trainers = append(f.trainers, person("trainer"+strconv.Itoa(i)+"@example.org", a1+int64(i), "trainer").ID)
	}
	return f
}

func (f fixture) bespoke(t *testing.T) int64 {
	t.Helper()
	id, err := f.svc.Submit(as(context.Background(), f.lead), trainingrequest.Form{
		Kind: "bespoke", Topic: "Safeguarding at the front desk", Need: "Passing on concerns", Audience: "Receptionists",
		Participants: "40", Location: trainingrequest.Online, ContactName: "Lead", ContactEmail: "lead@example.org",
		Dates: []trainingrequest.DateInput{{Day: "10", Month: "2", Year: "2027", Start: "9:30", End: "12:30"}},
	})
	require.NoError(t, err)
	return id
}

func (f fixture) session(day string) scheduling.Form {
	return scheduling.Form{Day: day, Month: "2", Year: "2027", Start: "9:30", End: "12:30", VenueID: f.room,
		Capacity: "20", TrainerIDs: f.trainers}
}

// Two managers accepting the same request for the same room and time at
// once: the database lets exactly one through and the other is told the
// clash; the bespoke course is made once for both.
func TestAcceptingTwiceAtOnceMakesOneSession(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.bespoke(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { _, errs[i] = f.svc.Team().Schedule(as(context.Background(), f.boss), id, f.session("10")) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		var clash *scheduling.ClashError
		switch {
		case err == nil:
			won++
		case errors.As(err, &clash):
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	assert.Equal(t, 1, won)
	var sessions, courses int
	require.NoError(t, f.pool.QueryRow(context.Background(), "SELECT count(*) FROM enquiry_sessions").Scan(&sessions))
	require.NoError(t, f.pool.QueryRow(context.Background(), "SELECT count(*) FROM courses WHERE bespoke").Scan(&courses))
	assert.Equal(t, 1, sessions)
	assert.Equal(t, 1, courses)
	// The session made is in the audit log: who accepted, for which request;
	// the losers' entries rolled back with their sessions.
	var audited int
	require.NoError(t, f.pool.QueryRow(context.Background(), `
		SELECT count(*) FROM audit_events WHERE action = 'session_created' AND actor_id = $1
		AND details->>'training_request' = $2 AND details->>'status' = 'published'`,
		f.boss.ID, trainingrequest.Reference(id)).Scan(&audited))
	assert.Equal(t, 1, audited)
	// The course and its trainers' approvals were made and audited once.
	require.NoError(t, f.pool.QueryRow(context.Background(),
		"SELECT count(*) FROM audit_events WHERE action = 'course_created' AND actor_id = $1", f.boss.ID).Scan(&audited))
	assert.Equal(t, 1, audited)
	require.NoError(t, f.pool.QueryRow(context.Background(),
		"SELECT count(*) FROM audit_events WHERE action = 'trainer_courses_changed' AND actor_id = $1", f.boss.ID).Scan(&audited))
	assert.Equal(t, len(f.trainers), audited)

	// A second session for the large team uses the same course.
	_, err := f.svc.Team().Schedule(as(context.Background(), f.boss), id, f.session("11"))
	require.NoError(t, err)
	require.NoError(t, f.pool.QueryRow(context.Background(), "SELECT count(*) FROM courses WHERE bespoke").Scan(&courses))
	assert.Equal(t, 1, courses)
	r, err := f.svc.Get(as(context.Background(), f.lead), id)
	require.NoError(t, err)
	require.Len(t, r.Sessions, 2)
	assert.Contains(t, r.Sessions[0].InviteLink, "https://training.example.org/invite/")
	var sent int
	require.NoError(t, f.pool.QueryRow(context.Background(),
		"SELECT count(*) FROM emails WHERE to_address = 'lead@example.org' AND body_text LIKE '%/invite/%'").Scan(&sent))
	assert.Equal(t, 2, sent, "one email per session, none for the refused ones")
}

func TestOnlyTheAgencyAndManagersReachARequest(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.bespoke(t)
	ctx := context.Background()
	_, err := f.svc.Get(as(ctx, f.other), id)
	assert.ErrorIs(t, err, trainingrequest.ErrNotFound)
	assert.ErrorIs(t, f.svc.Post(as(ctx, f.other), id, "hello"), trainingrequest.ErrNotFound)
	assert.ErrorIs(t, f.svc.Team().Decline(as(ctx, f.lead), id, "no"), trainingrequest.ErrNotFound, "only managers decline")
	_, err = f.svc.Team().Schedule(as(ctx, f.lead), id, f.session("10"))
	assert.ErrorIs(t, err, trainingrequest.ErrNotFound, "only managers accept")
	q, err := f.svc.List(as(ctx, f.other), 1)
	require.NoError(t, err)
	assert.Empty(t, q.Requests)
	_, err = f.svc.Team().List(as(ctx, f.lead), trainingrequest.Filter{})
	assert.ErrorIs(t, err, trainingrequest.ErrNotFound, "only managers see the queue")
	_, err = f.svc.Team().Get(as(ctx, f.lead), id)
	assert.ErrorIs(t, err, trainingrequest.ErrNotFound, "only managers use the team's side")

	// A manager's powers are the training team's side only: on the agency's
	// side a manager is a person of their own agency, like anyone else.
	elsewhere := f.boss
	elsewhere.AgencyID = f.other.AgencyID
	_, err = f.svc.Get(as(ctx, elsewhere), id)
	assert.ErrorIs(t, err, trainingrequest.ErrNotFound)
	assert.ErrorIs(t, f.svc.Post(as(ctx, elsewhere), id, "hello"), trainingrequest.ErrNotFound)
	q, err = f.svc.List(as(ctx, elsewhere), 1)
	require.NoError(t, err)
	assert.Empty(t, q.Requests)
	_, err = f.svc.Team().Get(as(ctx, elsewhere), id)
	assert.NoError(t, err)
	q, err = f.svc.Team().List(as(ctx, f.boss), trainingrequest.Filter{})
	require.NoError(t, err)
	assert.Len(t, q.Requests, 1)

	unverified := f.lead
	unverified.Verified = false
	_, err = f.svc.Submit(as(ctx, unverified), trainingrequest.Form{})
	assert.ErrorIs(t, err, trainingrequest.ErrNotAllowed)
	_, err = f.svc.Submit(as(ctx, f.lead), trainingrequest.Form{Kind: "course", CourseID: "1"})
	var v *validation.Errors
	require.ErrorAs(t, err, &v)
	assert.True(t, v.Has(trainingrequest.DateField(1)))
	assert.True(t, v.Has("participants"))
}

// The training team's queue is read a page at a time, oldest first, and
// says whether there are more; a page past the end is empty.
func TestTheQueueIsPaged(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	_, err := f.pool.Exec(ctx, `
		INSERT INTO enquiries (agency_id, requested_by, kind, topic, need, audience, participants, location,
		                       contact_name, contact_email, submitted_at, updated_at)
		SELECT $1, $2, 'bespoke', 'Topic ' || g, 'Need', 'Team', 5, 'online', 'Lead', 'lead@example.org',
		       $3::timestamptz - (100 - g) * interval '1 day', $3::timestamptz - (100 - g) * interval '1 day'
		FROM generate_series(1, 60) g`, *f.lead.AgencyID, f.lead.ID, now)
	require.NoError(t, err)
	team := f.svc.Team()

	first, err := team.List(as(ctx, f.boss), trainingrequest.Filter{})
	require.NoError(t, err)
	require.Len(t, first.Requests, trainingrequest.QueuePageSize)
	assert.True(t, first.More)
	assert.Equal(t, "Topic 1", first.Requests[0].Title, "oldest first")

	second, err := team.List(as(ctx, f.boss), trainingrequest.Filter{Page: 2})
	require.NoError(t, err)
	require.Len(t, second.Requests, 10)
	assert.False(t, second.More)
	assert.Equal(t, "Topic 51", second.Requests[0].Title)

	past, err := team.List(as(ctx, f.boss), trainingrequest.Filter{Page: 9})
	require.NoError(t, err)
	assert.Empty(t, past.Requests)
	assert.False(t, past.More)
}
