package booking_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
)

// Telling everyone on a session that it moved, or that it is cancelled,
// reads their bookings in one query and writes their emails in one insert,
// whatever the number of people: the statements sent while the session is
// locked are the same for one booking as for thirty (no query per booking).
func TestNotifyingASessionReadsItsBookingsInOneQuery(t *testing.T) {
	t.Parallel()
	f := setup(t)
	counted, statements := pgtest.Counted(t, f.pool)
	jobs, err := queue.NewInsertOnly(counted)
	require.NoError(t, err)
	base, _ := url.Parse("http://localhost:3000")
	svc := booking.New(counted, email.NewOutbox(jobs), base, "Test Partnership", f.clock.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))

	withPeople := func(n int) int64 {
		session := f.session(t, 30, 20)
		for i := range n {
			_, err := f.book(f.person(t, fmt.Sprintf("p%d-%d", session, i), f.agency), session, false)
			require.NoError(t, err)
		}
		return session
	}
	// inTx runs notify for session in a transaction on the counted pool and
	// returns the statements it sent (BEGIN and COMMIT apart).
	inTx := func(session int64, notify func(pgx.Tx) error) []string {
		tx, err := counted.Begin(f.ctx)
		require.NoError(t, err)
		statements.Reset()
		require.NoError(t, notify(tx))
		sent := statements.List()
		require.NoError(t, tx.Commit(f.ctx))
		return sent
	}
	emails := func(session int64, subject string) int {
		var n int
		require.NoError(t, f.pool.QueryRow(f.ctx, `
			SELECT count(*) FROM emails e JOIN bookings b ON b.user_id = e.user_id
			WHERE b.session_id = $1 AND e.subject LIKE $2`, session, subject+"%").Scan(&n))
		return n
	}
	count := func(sent []string, sql string) (n int) {
		for _, s := range sent {
			if strings.Contains(s, sql) {
				n++
			}
		}
		return n
	}
	reads := func(sent []string) int { return count(sent, "FROM booking_details") }

	one, thirty := withPeople(1), withPeople(30)
	moved := map[int64][]string{}
	for _, session := range []int64{one, thirty} {
		moved[session] = inTx(session, func(tx pgx.Tx) error {
			if _, err := tx.Exec(f.ctx, "UPDATE sessions SET sequence = sequence + 1 WHERE id = $1", session); err != nil {
				return err
			}
			statements.Reset() // the change is the caller's; the notification is counted
			return svc.NotifySessionMoved(f.ctx, tx, session)
		})
	}
	require.Equal(t, 1, emails(one, "Session changed:"))
	require.Equal(t, 30, emails(thirty, "Session changed:"))
	t.Logf("session moved: %d statements for 1 booking, %d for 30", len(moved[one]), len(moved[thirty]))
	assert.Equal(t, len(moved[one]), len(moved[thirty]), "statements to tell one person and thirty that their session moved")
	assert.LessOrEqual(t, len(moved[thirty]), 8)
	assert.Equal(t, 1, reads(moved[thirty]), "the bookings are read in one query")

	// Reminders ten days before: each session's are read, recorded and
	// written together, in one transaction under its lock.
	f.clock.Set(start.Add(10*24*time.Hour + 12*time.Hour))
	statements.Reset()
	sent, err := svc.SendReminders(f.ctx)
	require.NoError(t, err)
	reminded := statements.List()
	assert.Equal(t, 31, sent)
	require.Equal(t, 1, emails(one, "Reminder:"))
	require.Equal(t, 30, emails(thirty, "Reminder:"))
	t.Logf("reminders: %d statements for two sessions of 1 and 30 bookings", len(reminded))
	assert.Equal(t, 2, reads(reminded), "one read of bookings a session")
	assert.Equal(t, 2, count(reminded, "INSERT INTO emails"), "one insert of emails a session")
	assert.LessOrEqual(t, len(reminded), 1+2*8)

	// Cancelling ends every booking in one statement (a payment standing
	// for a place is settled on its own), reads them for their emails once
	// and writes the emails at once.
	cancelled := map[int64][]string{}
	for _, session := range []int64{one, thirty} {
		cancelled[session] = inTx(session, func(tx pgx.Tx) error {
			return svc.CancelSessionBookings(f.ctx, tx, session, "The trainer is ill")
		})
	}
	require.Equal(t, 1, emails(one, "Session cancelled:"))
	require.Equal(t, 30, emails(thirty, "Session cancelled:"))
	t.Logf("session cancelled: %d statements for 1 booking, %d for 30", len(cancelled[one]), len(cancelled[thirty]))
	assert.Equal(t, len(cancelled[one]), len(cancelled[thirty]), "statements to cancel one place and thirty")
	assert.LessOrEqual(t, len(cancelled[thirty]), 6)
	assert.Equal(t, 1, reads(cancelled[thirty]), "the bookings are read for their emails in one query")
	assert.Equal(t, 1, count(cancelled[thirty], "INSERT INTO emails"), "thirty emails in one insert")
}
