package services_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/services"
	"github.com/pscp/booktraining/internal/smtptest"
)

// sent lists the statements a pool sends.
type sent struct {
	mu  sync.Mutex
	sql []string
}

func (s *sent) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sql = append(s.sql, d.SQL)
	return ctx
}

func (s *sent) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (s *sent) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	got := s.sql
	s.sql = nil
	return got
}

// poolOn opens another pool on db's database, of at most conns
// connections, closed when the test ends.
func poolOn(t *testing.T, db *pgxpool.Pool, conns int32, tracer pgx.QueryTracer) *pgxpool.Pool {
	t.Helper()
	cfg := db.Config()
	cfg.MaxConns = conns
	cfg.ConnConfig.Tracer = tracer
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

// Background work has a pool of its own: while the job queue delivers a
// rush of confirmations, the requests' pool sends not one statement for
// it; and while every connection of the jobs' pool is held (slow jobs),
// a booking still gets its connection, commits, and inserts its
// confirmation's job in its own transaction, which is worked once the
// jobs' pool has room again.
func TestBackgroundWorkHasItsOwnPool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t) // the test's own look at the database
	now := time.Now()
	_, err := demo.Seed(ctx, db, now)
	require.NoError(t, err)
	var session, agency int64
	require.NoError(t, db.QueryRow(ctx, "SELECT id FROM agencies ORDER BY id LIMIT 1").Scan(&agency))
	begins := now.Add(30 * 24 * time.Hour)
	require.NoError(t, db.QueryRow(ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online LIMIT 1), $1, $2, $3, 40, 'published'
		FROM courses c ORDER BY c.id LIMIT 1 RETURNING id`,
		begins, begins.Add(3*time.Hour), begins.Add(-3*24*time.Hour)).Scan(&session))
	person := func(name string) actor.Actor {
		var id int64
		require.NoError(t, db.QueryRow(ctx, `
			INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
			VALUES ($1, $2, $3, '!', now()) RETURNING id`, name+"@example.org", name, agency).Scan(&id))
		return actor.Actor{ID: id, AgencyID: &agency}
	}

	srv := smtptest.Start(t)
	cfg := load(t, map[string]string{"BASE_URL": "http://localhost:3000", "SMTP_URL": srv.URL()})
	requests := &sent{}
	requestPool := poolOn(t, db, 4, requests)
	jobsPool := poolOn(t, db, 3, nil)
	s, err := services.New(requestPool, cfg, services.Options{JobsPool: jobsPool})
	require.NoError(t, err)
	book := func(ctx context.Context, who actor.Actor) error {
		_, err := s.Bookings.Book(actor.With(ctx, who), booking.Request{SessionID: session, PersonID: who.ID,
			Details: booking.Details{LineManagerName: "Lee Manager", LineManagerEmail: "lee@example.org", AgreePolicy: true}})
		return err
	}

	// A rush: twenty bookings, then their confirmations delivered.
	var rush []string
	for i := range 20 {
		name := fmt.Sprintf("rush%02d", i)
		require.NoError(t, book(ctx, person(name)))
		rush = append(rush, name+"@example.org")
	}
	requests.take()
	require.NoError(t, s.Jobs.Start(ctx))
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Jobs.Stop(stop)
	})
	for _, to := range rush {
		srv.WaitForTo(t, to, 1, 30*time.Second)
	}
	require.Eventually(t, func() bool {
		var unsent int
		require.NoError(t, db.QueryRow(ctx, "SELECT count(*) FROM emails WHERE to_address = ANY($1) AND sent_at IS NULL", rush).Scan(&unsent))
		return unsent == 0
	}, 30*time.Second, 20*time.Millisecond, "every confirmation recorded as sent")
	assert.Empty(t, requests.take(), "the job queue used the requests' pool")
	assert.NotZero(t, jobsPool.Stat().AcquireCount(), "the job queue used its own pool")

	// Slow jobs hold every connection of the jobs' pool (the test takes
	// them all; River's LISTEN connection is its own, out of the pool).
	var held []*pgxpool.Conn
	for {
		wait, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		c, err := jobsPool.Acquire(wait)
		cancel()
		if err != nil {
			break
		}
		held = append(held, c)
	}
	require.Equal(t, jobsPool.Stat().MaxConns(), jobsPool.Stat().AcquiredConns(), "the jobs' pool is full")
	late := person("late")
	quick, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	began := time.Now()
	require.NoError(t, book(quick, late), "a booking waits for the jobs' pool")
	assert.Less(t, time.Since(began), 2*time.Second)
	var queued int
	require.NoError(t, db.QueryRow(ctx, `
		SELECT count(*) FROM emails e JOIN river_job j ON j.kind = 'email_deliver' AND (j.args->>'email_id')::bigint = e.id
		WHERE e.to_address = 'late@example.org' AND e.sent_at IS NULL`).Scan(&queued))
	assert.Equal(t, 1, queued, "the confirmation is stored, with its job, and waits")
	for _, c := range held {
		c.Release()
	}
	srv.WaitForTo(t, "late@example.org", 1, 30*time.Second)
}
