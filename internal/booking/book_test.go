package booking_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/queue"
)

// Book checks a session without its lock, writes the email of the place it
// foresees, then takes the lock and the place in one statement, only if the
// session is still as it was checked and gives that place. A session
// changed while a booking waits for its lock is checked again, as it now
// stands, and the email written for it is rolled back: cancelled, nothing is
// booked; moved, the place and its email are for the new time; made
// smaller, the session is full. A seat taken meanwhile puts the person on
// the waiting list (or tells them it is full), and a seat freed meanwhile
// gives them the place they would have waited for, each with its own email.
func TestABookingWaitingForTheLockSeesTheSessionAsItNowStands(t *testing.T) {
	t.Parallel()
	f := setup(t)
	// Statements the lock's holder runs: $1 is the session, $2 another
	// person, booked or to be booked on it.
	const (
		takeASeat = `INSERT INTO bookings (session_id, user_id, status, booked_by, line_manager_name, line_manager_email,
		                                   policy_agreed_at, confirmed_at)
		             VALUES ($1, $2, 'confirmed', $2, 'Lee Manager', 'lee@example.org', now(), now())`
		freeASeat = "DELETE FROM bookings WHERE session_id = $1 AND user_id = $2"
	)
	for _, c := range []struct {
		name     string
		capacity int  // the session's places; one is taken before
		wait     bool // the booking would rather wait than be told "full"
		change   string
		check    func(t *testing.T, p int64, out booking.Outcome, err error)
	}{
		{"cancelled", 5, false, "UPDATE sessions SET status = 'cancelled', cancelled_reason = 'Trainer unwell' WHERE id = $1 AND $2::bigint > 0",
			func(t *testing.T, p int64, out booking.Outcome, err error) {
				require.ErrorIs(t, err, booking.ErrNotBookable)
				assert.Zero(t, f.bookingsOf(t, p))
				assert.Empty(t, f.lettersTo(t, p), "the email written before the lock was rolled back")
			}},
		{"moved a day later", 5, false, `UPDATE sessions SET starts_at = starts_at + interval '1 day', ends_at = ends_at + interval '1 day',
			booking_cutoff_at = booking_cutoff_at + interval '1 day', sequence = sequence + 1 WHERE id = $1 AND $2::bigint > 0`,
			func(t *testing.T, p int64, out booking.Outcome, err error) {
				require.NoError(t, err)
				require.Equal(t, booking.Confirmed, out.Status)
				want, err := f.svc.MessageRead(f.ctx, out.BookingID, "confirmed")
				require.NoError(t, err)
				texts := f.lettersTo(t, p)
				require.Len(t, texts, 1, "one email: the one for the session as it now stands")
				assert.Equal(t, want.Body, texts[0], "the email tells of the session as it now stands")
				assert.Contains(t, texts[0], london.LongDate(start.Add(31*24*time.Hour)))
			}},
		{"made smaller", 5, false, "UPDATE sessions SET capacity = seats_taken WHERE id = $1 AND $2::bigint > 0",
			func(t *testing.T, p int64, out booking.Outcome, err error) {
				require.ErrorIs(t, err, booking.ErrFull)
				assert.Zero(t, f.bookingsOf(t, p))
				assert.Empty(t, f.lettersTo(t, p))
			}},
		{"its last seat taken, to one who would wait", 2, true, takeASeat,
			func(t *testing.T, p int64, out booking.Outcome, err error) {
				require.NoError(t, err)
				require.Equal(t, booking.Waiting, out.Status)
				assert.Equal(t, 1, f.position(t, actor.Actor{ID: p}, out.BookingID))
				want, err := f.svc.MessageRead(f.ctx, out.BookingID, "waiting")
				require.NoError(t, err)
				assert.Equal(t, []string{want.Body}, f.lettersTo(t, p), "the waiting list's email, not a confirmation")
			}},
		{"its last seat taken, to one who would not wait", 2, false, takeASeat,
			func(t *testing.T, p int64, out booking.Outcome, err error) {
				require.ErrorIs(t, err, booking.ErrFull)
				assert.Zero(t, f.bookingsOf(t, p))
				assert.Empty(t, f.lettersTo(t, p), "the confirmation written before the lock was rolled back")
			}},
		{"full, then a seat freed", 1, true, freeASeat,
			func(t *testing.T, p int64, out booking.Outcome, err error) {
				require.NoError(t, err)
				require.Equal(t, booking.Confirmed, out.Status)
				want, err := f.svc.MessageRead(f.ctx, out.BookingID, "confirmed")
				require.NoError(t, err)
				assert.Equal(t, []string{want.Body}, f.lettersTo(t, p), "a confirmation, not the waiting list's email")
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			name := strings.ReplaceAll(c.name, " ", "-")
			name = strings.ReplaceAll(strings.ReplaceAll(name, ",", ""), "-", "")
			session := f.session(t, c.capacity, 30)
			holder := f.person(t, "holds"+name, f.agency)
			_, err := f.book(holder, session, false)
			require.NoError(t, err)
			other := holder.ID // freeASeat frees the holder's seat
			if c.change == takeASeat {
				other = f.person(t, "takes"+name, f.agency).ID
			}
			p := f.person(t, "waits"+name, f.agency)
			// Another transaction holds the session's lock, as a manager's
			// change does while it is saved.
			tx, err := f.pool.Begin(f.ctx)
			require.NoError(t, err)
			defer func() { _ = tx.Rollback(f.ctx) }()
			_, err = tx.Exec(f.ctx, "SELECT id FROM sessions WHERE id = $1 FOR UPDATE", session)
			require.NoError(t, err)
			type result struct {
				out booking.Outcome
				err error
			}
			done := make(chan result, 1)
			go func() {
				out, err := f.book(p, session, c.wait)
				done <- result{out, err}
			}()
			f.waitForLockWait(t)
			_, err = tx.Exec(f.ctx, c.change, session, other)
			require.NoError(t, err)
			require.NoError(t, tx.Commit(f.ctx))
			r := <-done
			c.check(t, p.ID, r.out, r.err)
			f.consistent(t, session)
		})
	}
}

// lettersTo is the text of each email written to a person, oldest first.
func (f fixture) lettersTo(t *testing.T, person int64) []string {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, "SELECT body_text FROM emails WHERE user_id = $1 ORDER BY id", person)
	require.NoError(t, err)
	texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return texts
}

// bookingsOf counts a person's bookings.
func (f fixture) bookingsOf(t *testing.T, person int64) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM bookings WHERE user_id = $1", person).Scan(&n))
	return n
}

// waitForLockWait waits until some statement on the test's database waits
// for a row lock: the booking has checked the session and now queues for it.
func (f fixture) waitForLockWait(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(f.ctx, 20*time.Second)
	defer cancel()
	for {
		var waiting bool
		err := f.pool.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			               WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%TakePlaceAsSeen%')`).Scan(&waiting)
		if err != nil && err != pgx.ErrNoRows {
			require.NoError(t, err)
		}
		if waiting {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("the booking never queued for the session's lock")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// The session's reminders are scheduled by its first confirmed place; a
// booking after that does not insert them again, which would wait for
// their rows, locked by every other booking of the session in flight: a
// second queue beside the session's lock. Here another transaction holds
// those rows, and the next booking still goes through at once.
func TestABookingDoesNotQueueForTheSessionsReminders(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 5, 30)
	_, err := f.book(f.person(t, "reminded-first", f.agency), session, false)
	require.NoError(t, err)
	reminders := func() int {
		var n int
		require.NoError(t, f.pool.QueryRow(f.ctx, `
			SELECT count(*) FROM river_job
			WHERE kind = $1 AND (args->>'session_id')::bigint = $2 AND NOT args ? 'catch_up'`, booking.KindReminder, session).Scan(&n))
		return n
	}
	scheduled := reminders()
	require.Positive(t, scheduled, "the first place schedules the session's reminders")

	tx, err := f.pool.Begin(f.ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(f.ctx) }()
	_, err = tx.Exec(f.ctx, `SELECT id FROM river_job WHERE kind = $1 AND (args->>'session_id')::bigint = $2 FOR UPDATE`,
		booking.KindReminder, session)
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(f.ctx, 5*time.Second)
	defer cancel()
	p := f.person(t, "reminded-second", f.agency)
	out, err := f.svc.Book(actor.With(ctx, p), booking.Request{SessionID: session, PersonID: p.ID, Details: details()})
	require.NoError(t, err, "the booking waited for the reminders' rows")
	assert.Equal(t, booking.Confirmed, out.Status)
	require.NoError(t, tx.Rollback(f.ctx))
	assert.Equal(t, scheduled, reminders(), "one job per reminder, as before")
}

// Each session keeps how many of its confirmed places have no attendance
// mark (for the manager's home), whatever changes its bookings: a place
// taken, marked, unmarked, cancelled, a waiting place, a deletion.
func TestASessionCountsItsUnmarkedPlaces(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 3, 30)
	unmarked := func() int {
		var n int
		require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT unmarked_places FROM sessions WHERE id = $1", session).Scan(&n))
		return n
	}
	var ids []int64
	for _, name := range []string{"unmarked-a", "unmarked-b", "unmarked-c"} {
		out, err := f.book(f.person(t, name, f.agency), session, false)
		require.NoError(t, err)
		ids = append(ids, out.BookingID)
	}
	_, err := f.book(f.person(t, "unmarked-waits", f.agency), session, true)
	require.NoError(t, err)
	assert.Equal(t, 3, unmarked(), "three places confirmed; the waiting place is none")
	for _, step := range []struct {
		sql   string
		place int // which of the three
		want  int
	}{
		{"UPDATE bookings SET attendance = 'attended' WHERE id = $1", 0, 2},
		{"UPDATE bookings SET attendance = 'absent' WHERE id = $1", 0, 2},
		{"UPDATE bookings SET attendance = NULL WHERE id = $1", 0, 3},
		{"UPDATE bookings SET attendance = 'late' WHERE id = $1", 1, 2},
		{"UPDATE bookings SET status = 'cancelled', ended_at = now() WHERE id = $1", 2, 1},
		{"DELETE FROM bookings WHERE id = $1", 0, 0},
	} {
		_, err := f.pool.Exec(f.ctx, step.sql, ids[step.place])
		require.NoError(t, err, step.sql)
		assert.Equal(t, step.want, unmarked(), step.sql)
		f.consistent(t, session)
	}
}

// A place taken or given back changes its session's counts and nothing the
// session's indexes or its venue hold (migration 00073): the update of the
// session's row is HOT, so it writes no index entry and checks no exclusion
// constraint, and it does not lock the venue's row. Both happen for every
// booking, under the session's lock.
func TestASeatTakenTouchesNoIndexOfTheSessionNorItsVenue(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 5, 30)
	var venue int64
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT venue_id FROM sessions WHERE id = $1", session).Scan(&venue))
	var ids []int64
	for _, name := range []string{"hot-a", "hot-b", "hot-c"} {
		out, err := f.book(f.person(t, name, f.agency), session, false)
		require.NoError(t, err)
		ids = append(ids, out.BookingID)
	}
	for _, step := range []string{
		"UPDATE bookings SET attendance = 'attended' WHERE id = $1",                // unmarked 3 → 2
		"UPDATE bookings SET status = 'cancelled', ended_at = now() WHERE id = $1", // a seat given back
	} {
		tx, err := f.pool.Begin(f.ctx)
		require.NoError(t, err)
		// The counts so far of this connection (not yet flushed to the
		// cumulative statistics), then after the step, in one transaction.
		counts := func() (updated, hot int64) {
			require.NoError(t, tx.QueryRow(f.ctx,
				"SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = 'sessions'::regclass").Scan(&updated, &hot))
			return updated, hot
		}
		updated, hot := counts()
		_, err = tx.Exec(f.ctx, step, ids[1])
		require.NoError(t, err, step)
		updatedAfter, hotAfter := counts()
		assert.Equal(t, int64(1), updatedAfter-updated, step)
		assert.Equal(t, int64(1), hotAfter-hot, "%s: the session's row updated in place, no index touched", step)
		// Another transaction may lock the venue's row at once: the update
		// took no lock on it.
		var got int64
		err = f.pool.QueryRow(f.ctx, "SELECT id FROM venues WHERE id = $1 FOR UPDATE NOWAIT", venue).Scan(&got)
		assert.NoError(t, err, "%s: the venue's row is not locked by the session's update", step)
		require.NoError(t, tx.Rollback(f.ctx))
	}
	// Moving the session to another venue still reads (and locks) the venue,
	// to keep whether it is in a room right.
	tx, err := f.pool.Begin(f.ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(f.ctx) }()
	_, err = tx.Exec(f.ctx, "UPDATE sessions SET venue_id = $2 WHERE id = $1", session, venue)
	require.NoError(t, err)
	var got int64
	err = f.pool.QueryRow(f.ctx, "SELECT id FROM venues WHERE id = $1 FOR UPDATE NOWAIT", venue).Scan(&got)
	assert.Error(t, err, "setting a session's venue locks the venue's row")
}

// The place's COMMIT goes to PostgreSQL with the statement that takes the
// session's lock and the place, so the lock is released, and the place
// committed, before the app has even read the answer: under a rush the app's
// goroutine may wait its turn for a CPU, and every other booking of the
// session would wait with it. Here the app stops as it reads the place's
// answer, until another connection has locked the session and seen the
// place; with the COMMIT sent after the answer was read, it never could.
func TestABookingReleasesTheSessionsLockBeforeTheAppReadsItsPlace(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 5, 30)
	p := f.person(t, "pipelined", f.agency)

	var seen error
	paused := &pausingTracer{onPlace: func() {
		seen = f.lockedAndSeen(session, p.ID)
	}}
	cfg := f.pool.Config()
	cfg.ConnConfig.Tracer = paused
	traced, err := pgxpool.NewWithConfig(f.ctx, cfg)
	require.NoError(t, err)
	defer traced.Close()
	jobs, err := queue.NewInsertOnly(traced)
	require.NoError(t, err)
	base, _ := url.Parse("http://localhost:3000")
	svc := booking.New(traced, email.NewOutbox(jobs), base, "Test Partnership", f.clock.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))

	out, err := svc.Book(actor.With(f.ctx, p), booking.Request{SessionID: session, PersonID: p.ID, Details: details()})
	require.NoError(t, err)
	assert.Equal(t, booking.Confirmed, out.Status)
	require.True(t, paused.called, "the place's answer was never read")
	require.NoError(t, seen, "while the app read the place's answer")
	f.consistent(t, session)
}

// lockedAndSeen locks session from another connection and finds person's
// place on it, committed, trying for a few seconds.
func (f fixture) lockedAndSeen(session, person int64) error {
	ctx, cancel := context.WithTimeout(f.ctx, 5*time.Second)
	defer cancel()
	for {
		err := pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
			var places int
			return tx.QueryRow(ctx, `
				SELECT (SELECT count(*) FROM bookings WHERE session_id = s.id AND user_id = $2)
				FROM sessions s WHERE s.id = $1 FOR UPDATE NOWAIT`, session, person).Scan(&places)
		})
		if err == nil {
			var places int
			if err := f.pool.QueryRow(ctx, "SELECT count(*) FROM bookings WHERE session_id = $1 AND user_id = $2",
				session, person).Scan(&places); err != nil || places == 1 {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the session stayed locked, or the place uncommitted: %w", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// pausingTracer calls onPlace as the app reads TakePlaceAsSeen's answer,
// sent alone or in a pipeline.
type pausingTracer struct {
	onPlace func()
	called  bool
}

type tracedSQL struct{}

func (p *pausingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	return context.WithValue(ctx, tracedSQL{}, d.SQL)
}

func (p *pausingTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	if sql, _ := ctx.Value(tracedSQL{}).(string); strings.Contains(sql, "name: TakePlaceAsSeen ") {
		p.place()
	}
}

func (p *pausingTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (p *pausingTracer) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	if strings.Contains(d.SQL, "name: TakePlaceAsSeen ") {
		p.place()
	}
}

func (p *pausingTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (p *pausingTracer) place() {
	p.called = true
	p.onPlace()
}
