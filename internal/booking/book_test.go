package booking_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/london"
)

// Book checks a session without its lock, then takes the lock and the place
// in one statement, only if the session is still as it was checked. A
// session changed while a booking waits for its lock is checked again, as
// it now stands: cancelled, nothing is booked; moved, the place and its
// email are for the new time; made smaller, the session is full.
func TestABookingWaitingForTheLockSeesTheSessionAsItNowStands(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for _, c := range []struct {
		name   string
		change string
		check  func(t *testing.T, session int64, p int64, out booking.Outcome, err error)
	}{
		{"cancelled", "UPDATE sessions SET status = 'cancelled', cancelled_reason = 'Trainer unwell' WHERE id = $1",
			func(t *testing.T, session, p int64, out booking.Outcome, err error) {
				require.ErrorIs(t, err, booking.ErrNotBookable)
				assert.Zero(t, f.bookingsOf(t, p))
			}},
		{"moved a day later", `UPDATE sessions SET starts_at = starts_at + interval '1 day', ends_at = ends_at + interval '1 day',
			booking_cutoff_at = booking_cutoff_at + interval '1 day', sequence = sequence + 1 WHERE id = $1`,
			func(t *testing.T, session, p int64, out booking.Outcome, err error) {
				require.NoError(t, err)
				require.Equal(t, booking.Confirmed, out.Status)
				want, err := f.svc.MessageRead(f.ctx, out.BookingID, "confirmed")
				require.NoError(t, err)
				var text string
				require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT body_text FROM emails WHERE user_id = $1", p).Scan(&text))
				assert.Equal(t, want.Body, text, "the email tells of the session as it now stands")
				assert.Contains(t, text, london.LongDate(start.Add(31*24*time.Hour)))
			}},
		{"made smaller", "UPDATE sessions SET capacity = seats_taken WHERE id = $1",
			func(t *testing.T, session, p int64, out booking.Outcome, err error) {
				require.ErrorIs(t, err, booking.ErrFull)
				assert.Zero(t, f.bookingsOf(t, p))
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			session := f.session(t, 5, 30)
			_, err := f.book(f.person(t, "holds-"+strings.ReplaceAll(c.name, " ", "-"), f.agency), session, false)
			require.NoError(t, err)
			p := f.person(t, "waits-"+strings.ReplaceAll(c.name, " ", "-"), f.agency)
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
				out, err := f.book(p, session, false)
				done <- result{out, err}
			}()
			f.waitForLockWait(t)
			_, err = tx.Exec(f.ctx, c.change, session)
			require.NoError(t, err)
			require.NoError(t, tx.Commit(f.ctx))
			r := <-done
			c.check(t, session, p.ID, r.out, r.err)
			f.consistent(t, session)
		})
	}
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
