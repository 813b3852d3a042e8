package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/db"
	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/password"
)

// signInPassword is every measured person's password.
const signInPassword = "measured at the limit of the machine"

// world is the database every measurement of a run shares: the demo
// catalogue, the ceiling's one row, and the rush's people and sessions.
type world struct {
	pool  *pgxpool.Pool
	url   string
	now   time.Time
	rush  map[int][]int64 // sessions of rushCapacity, by how many the rush spreads over; consecutive ids
	users []int64         // the rush's people (consecutive ids), who also sign in
	slug  string          // a course page that is not the rush's course
}

const (
	rushCapacity = 25
	poolSize     = 10 // the app's pool, DATABASE_MAX_CONNS's default
)

// durable refuses a server that does not flush each commit to disk as
// production does: with fsync or synchronous_commit off a commit costs
// nothing, and every figure would flatter the app.
func durable(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	var fsync, syncCommit, fpw, version string
	if err := pool.QueryRow(ctx, `SELECT current_setting('fsync'), current_setting('synchronous_commit'),
	                                     current_setting('full_page_writes'), current_setting('server_version')`).Scan(&fsync, &syncCommit, &fpw, &version); err != nil {
		return "", err
	}
	if fsync != "on" || syncCommit != "on" {
		return "", fmt.Errorf("the server runs with fsync=%s and synchronous_commit=%s: measure on one that flushes every commit (a cluster started by cmd/withpg turns them off; stop it, or use another -dir)", fsync, syncCommit)
	}
	return fmt.Sprintf("PostgreSQL %s, fsync=%s, synchronous_commit=%s, full_page_writes=%s", version, fsync, syncCommit, fpw), nil
}

// newWorld migrates and fills an empty database.
func newWorld(ctx context.Context, pool *pgxpool.Pool, dbURL string, people int, log *slog.Logger) (*world, error) {
	w := &world{pool: pool, url: dbURL, now: time.Now(), rush: map[int][]int64{}}
	if err := db.Migrate(ctx, pool, log); err != nil {
		return nil, err
	}
	if _, err := demo.Seed(ctx, pool, w.now); err != nil {
		return nil, fmt.Errorf("demo catalogue: %w", err)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE perf_ceiling (id int PRIMARY KEY, n bigint NOT NULL);
	                             INSERT INTO perf_ceiling VALUES (1, 0)`); err != nil {
		return nil, fmt.Errorf("the ceiling's row: %w", err)
	}
	// Published sessions at an online venue (which may hold any number at
	// once), a month away, of the first course.
	begins := w.now.AddDate(0, 0, 30).Truncate(time.Hour)
	var course int64
	for _, n := range []int{1, 50} {
		ids, err := collect(ctx, pool, `
			INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
			SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), $1, $2, $3, $4, 'published'
			FROM (SELECT id, title FROM courses ORDER BY id LIMIT 1) c, generate_series(1, $5)
			RETURNING id`, begins, begins.Add(3*time.Hour), begins.AddDate(0, 0, -3), rushCapacity, n)
		if err != nil {
			return nil, fmt.Errorf("the rush's sessions: %w", err)
		}
		if !consecutive(ids) || len(ids) != n {
			return nil, fmt.Errorf("the rush's sessions need consecutive ids: %v", ids)
		}
		w.rush[n] = ids
	}
	if err := pool.QueryRow(ctx, `SELECT course_id FROM sessions WHERE id = $1`, w.rush[1][0]).Scan(&course); err != nil {
		return nil, err
	}
	hash, err := password.Hash(signInPassword)
	if err != nil {
		return nil, err
	}
	w.users, err = collect(ctx, pool, `
		INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
		SELECT 'rush' || g || '@example.org', 'Rush ' || g, 'Practitioner',
		       (SELECT id FROM agencies ORDER BY id LIMIT 1), $2, now()
		FROM generate_series(0, $1 - 1) g
		RETURNING id`, people, hash)
	if err != nil {
		return nil, fmt.Errorf("the rush's people: %w", err)
	}
	if !consecutive(w.users) || len(w.users) != people {
		return nil, errors.New("the rush's people need consecutive ids")
	}
	err = pool.QueryRow(ctx, `
		SELECT c.slug FROM courses c JOIN sessions s ON s.course_id = c.id
		WHERE c.id <> $1 AND s.status = 'published' AND s.starts_at > now()
		GROUP BY c.id ORDER BY count(*) DESC, c.id LIMIT 1`, course).Scan(&w.slug)
	if err != nil {
		return nil, fmt.Errorf("a course page to read: %w", err)
	}
	if _, err := pool.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		return nil, err
	}
	return w, nil
}

// reset empties the rush's sessions (the trigger gives their places back)
// and takes away the emails and delivery jobs, so that each rush starts
// from the same state and leaves no work behind for the next measurement.
func (w *world) reset(ctx context.Context) error {
	all := slices.Concat(w.rush[1], w.rush[50])
	for _, sql := range []string{
		"DELETE FROM bookings WHERE session_id = ANY($1)",
		"DELETE FROM river_job WHERE kind = 'email_deliver' AND $1::bigint[] IS NOT NULL",
		"DELETE FROM emails WHERE $1::bigint[] IS NOT NULL",
	} {
		if _, err := w.pool.Exec(ctx, sql, all); err != nil {
			return fmt.Errorf("reset: %s: %w", sql, err)
		}
	}
	// pgbench's script counts here the bookings it rolled back because the
	// place was no longer the one foreseen.
	if _, err := w.pool.Exec(ctx, "DROP SEQUENCE IF EXISTS rush_not_as_seen; CREATE SEQUENCE rush_not_as_seen"); err != nil {
		return fmt.Errorf("reset: the count of places not as seen: %w", err)
	}
	var taken int
	if err := w.pool.QueryRow(ctx, "SELECT coalesce(sum(seats_taken), 0) FROM sessions WHERE id = ANY($1)", all).Scan(&taken); err != nil {
		return err
	}
	if taken != 0 {
		return fmt.Errorf("reset left %d places taken", taken)
	}
	return nil
}

// check fails a rush that over-filled or miscounted a session, or left a
// place free while someone was turned away.
func (w *world) check(ctx context.Context, sessions int) error {
	rows, err := w.pool.Query(ctx, `
		SELECT s.id, s.capacity, s.seats_taken,
		       count(bk.id) FILTER (WHERE bk.status IN ('offered', 'confirmed', 'held', 'awaiting_approval'))
		FROM sessions s LEFT JOIN bookings bk ON bk.session_id = s.id
		WHERE s.id = ANY($1) GROUP BY s.id`, w.rush[sessions])
	if err != nil {
		return err
	}
	perSession := len(w.users) / sessions
	type row struct { // exported fields: pgx fills them by position
		ID                    int64
		Capacity, Taken, Held int
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	if err != nil {
		return err
	}
	for _, r := range got {
		if r.Taken > r.Capacity || r.Taken != r.Held {
			return fmt.Errorf("session %d: %d places taken of %d, %d held by bookings", r.ID, r.Taken, r.Capacity, r.Held)
		}
		if r.Taken != min(r.Capacity, perSession) {
			return fmt.Errorf("session %d: %d places taken, want %d", r.ID, r.Taken, min(r.Capacity, perSession))
		}
	}
	return nil
}

// emailsSent waits until every email the database holds (reset empties
// it before each rush) has reached sink, which had had mailed messages
// before the rush, and returns how long after end the last of them arrived
// (0 when none came after it).
func (w *world) emailsSent(ctx context.Context, sink *mailSink, mailed int, end time.Time) (time.Duration, error) {
	var n int
	if err := w.pool.QueryRow(ctx, "SELECT count(*) FROM emails").Scan(&n); err != nil {
		return 0, err
	}
	last, err := sink.waitFor(mailed+n, 2*time.Minute)
	if err != nil {
		return 0, err
	}
	return max(0, last.Sub(end)), nil
}

// booked counts the places and waiting-list places the rush over sessions
// sessions made.
func (w *world) booked(ctx context.Context, sessions int) (int, error) {
	var n int
	err := w.pool.QueryRow(ctx, "SELECT count(*) FROM bookings WHERE session_id = ANY($1) AND status <> 'cancelled'",
		w.rush[sessions]).Scan(&n)
	return n, err
}

// signIn makes each person's web session directly (signing in through the
// form costs a password hash each), returning the cookie's token and the
// CSRF token.
func (w *world) signIn(ctx context.Context) ([][2]string, error) {
	base, _ := url.Parse("http://localhost")
	accounts := account.New(w.pool, nil, base, time.Now, slog.Default())
	out := make([][2]string, len(w.users))
	for i, id := range w.users {
		token, login, err := accounts.StartLogin(ctx, &id, "127.0.0.1", "cmd/perf")
		if err != nil {
			return nil, err
		}
		out[i] = [2]string{token, login.CSRF}
	}
	return out, nil
}

func collect(ctx context.Context, pool *pgxpool.Pool, sql string, args ...any) ([]int64, error) {
	rows, err := pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return ids, nil
}

func consecutive(ids []int64) bool {
	return len(ids) > 0 && ids[len(ids)-1]-ids[0] == int64(len(ids)-1)
}
