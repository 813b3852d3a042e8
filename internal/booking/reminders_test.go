package booking_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
)

const day = 24 * time.Hour

// emailsTo counts the emails to person whose subject starts with prefix.
func (f fixture) emailsTo(t *testing.T, person actor.Actor, prefix string) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx,
		"SELECT count(*) FROM emails WHERE user_id = $1 AND starts_with(subject, $2)", person.ID, prefix).Scan(&n))
	return n
}

// remind runs SendReminders at time at and returns how many it sent.
func (f fixture) remind(t *testing.T, at time.Time) int {
	t.Helper()
	f.clock.Set(at)
	n, err := f.svc.SendReminders(f.ctx)
	require.NoError(t, err)
	return n
}

// sweepTogether runs two SendReminders at once and returns what each sent.
// It holds session's row until both are waiting for it, so both have read
// the same reminders as due before either records one.
func (f fixture) sweepTogether(t *testing.T, session int64) [2]int {
	t.Helper()
	tx, err := f.pool.Begin(f.ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(f.ctx) }()
	_, err = tx.Exec(f.ctx, "SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE", session)
	require.NoError(t, err)
	var counts [2]int
	var wg sync.WaitGroup
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := f.svc.SendReminders(f.ctx)
			assert.NoError(t, err)
			counts[i] = n
		}()
	}
	require.Eventually(t, func() bool {
		var waiting int
		err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		return err == nil && waiting == 2
	}, 10*time.Second, 5*time.Millisecond, "both sweepers wait for the session")
	require.NoError(t, tx.Rollback(f.ctx))
	wg.Wait()
	return counts
}

func TestRemindersAreSentOnceEachAtTheirTime(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 10, 20)
	begins := start.Add(20 * day)
	p := f.person(t, "early", f.agency)
	_, err := f.book(p, session, false)
	require.NoError(t, err)

	assert.Equal(t, 0, f.remind(t, begins.Add(-10*day-time.Minute)), "not before the tenth day")
	assert.Equal(t, 0, f.emailsTo(t, p, "Reminder:"))
	assert.Equal(t, 1, f.remind(t, begins.Add(-10*day)))
	assert.Equal(t, 1, f.emailsTo(t, p, "Reminder:"))
	assert.Equal(t, 0, f.remind(t, begins.Add(-10*day)), "a second sweep sends nothing")
	assert.Equal(t, 0, f.remind(t, begins.Add(-4*day)))
	assert.Equal(t, 1, f.emailsTo(t, p, "Reminder:"))

	// Two sweepers at once at the third day: one email between them.
	f.clock.Set(begins.Add(-3 * day))
	counts := f.sweepTogether(t, session)
	assert.Equal(t, 1, counts[0]+counts[1])
	assert.Equal(t, 2, f.emailsTo(t, p, "Reminder:"))
	assert.Equal(t, 0, f.remind(t, begins.Add(-day)))
	assert.Equal(t, 2, f.emailsTo(t, p, "Reminder:"))

	// Reminders carry the place's invite, so calendars stay right.
	var methods []string
	rows, err := f.pool.Query(f.ctx, "SELECT calendar_method FROM emails WHERE user_id = $1 AND starts_with(subject, 'Reminder:')", p.ID)
	require.NoError(t, err)
	for rows.Next() {
		var m string
		require.NoError(t, rows.Scan(&m))
		methods = append(methods, m)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{"REQUEST", "REQUEST"}, methods)
	var kinds []string
	require.NoError(t, f.pool.QueryRow(f.ctx,
		"SELECT array_agg(kind ORDER BY kind) FROM booking_reminders WHERE booking_id = (SELECT id FROM bookings WHERE user_id = $1)", p.ID).Scan(&kinds))
	assert.Equal(t, []string{"days_10", "days_3"}, kinds)
}

func TestConcurrentSweepsSendEachReminderOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 10, 20)
	begins := start.Add(20 * day)
	var people []actor.Actor
	for _, name := range []string{"ann", "bob", "cat", "dan"} {
		p := f.person(t, name, f.agency)
		_, err := f.book(p, session, false)
		require.NoError(t, err)
		people = append(people, p)
	}
	f.clock.Set(begins.Add(-10 * day))
	counts := f.sweepTogether(t, session)
	assert.Equal(t, len(people), counts[0]+counts[1])
	for _, p := range people {
		assert.Equal(t, 1, f.emailsTo(t, p, "Reminder:"))
	}
}

func TestLateBookingGetsOnlyTheNearerReminder(t *testing.T) {
	t.Parallel()
	f := setup(t)
	begins := start.Add(20 * day)
	session := f.session(t, 10, 20)
	f.clock.Set(begins.Add(-5 * day))
	p := f.person(t, "five", f.agency)
	_, err := f.book(p, session, false)
	require.NoError(t, err)

	assert.Equal(t, 0, f.remind(t, begins.Add(-5*day)), "the 10-day reminder's time had passed when they booked")
	assert.Equal(t, 1, f.remind(t, begins.Add(-3*day)))
	assert.Equal(t, 1, f.emailsTo(t, p, "Reminder:"))

	// Someone booking two days before gets neither.
	q := f.person(t, "two", f.agency)
	f.clock.Set(begins.Add(-2 * day))
	// Past the cut-off only a manager books; make the place directly.
	_, err = f.pool.Exec(f.ctx, `UPDATE sessions SET booking_cutoff_at = $2 WHERE id = $1`, session, begins.Add(-day))
	require.NoError(t, err)
	_, err = f.book(q, session, false)
	require.NoError(t, err)
	assert.Equal(t, 0, f.remind(t, begins.Add(-2*day+time.Hour)))
	assert.Equal(t, 0, f.emailsTo(t, q, "Reminder:"))
}

func TestOverdueRemindersSendOnlyTheNearest(t *testing.T) {
	t.Parallel()
	f := setup(t)
	begins := start.Add(20 * day)
	session := f.session(t, 10, 20)
	p := f.person(t, "sleepy", f.agency)
	_, err := f.book(p, session, false)
	require.NoError(t, err)
	// The sweeper was down until two days before: one reminder, not two.
	assert.Equal(t, 1, f.remind(t, begins.Add(-2*day)))
	assert.Equal(t, 0, f.remind(t, begins.Add(-day)))
	assert.Equal(t, 1, f.emailsTo(t, p, "Reminder:"))
}

func TestCancelledBookingGetsNoReminder(t *testing.T) {
	t.Parallel()
	f := setup(t)
	begins := start.Add(20 * day)
	session := f.session(t, 10, 20)
	p := f.person(t, "gone", f.agency)
	out, err := f.book(p, session, false)
	require.NoError(t, err)
	_, err = f.svc.Cancel(actor.With(f.ctx, p), out.BookingID)
	require.NoError(t, err)
	for _, before := range []time.Duration{10 * day, 3 * day, 47 * time.Hour} {
		assert.Equal(t, 0, f.remind(t, begins.Add(-before)))
	}
	assert.Equal(t, 0, f.emailsTo(t, p, "Reminder:"))
	assert.Equal(t, 0, f.emailsTo(t, p, "Joining instructions:"))
}

func TestOnlineSessionSendsJoiningInstructions(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.svc.ReminderDays = []int{} // joining instructions only
	begins := start.Add(20 * day)
	online := f.session(t, 10, 20)
	inPerson := f.session(t, 10, 20)
	_, err := f.pool.Exec(f.ctx, `UPDATE sessions SET meeting_url = 'https://meet.example.org/abc' WHERE id = $1`, online)
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, `UPDATE sessions SET venue_id = (SELECT id FROM venues WHERE NOT online LIMIT 1) WHERE id = $1`, inPerson)
	require.NoError(t, err)
	on, there := f.person(t, "onscreen", f.agency), f.person(t, "inroom", f.agency)
	_, err = f.book(on, online, false)
	require.NoError(t, err)
	_, err = f.book(there, inPerson, false)
	require.NoError(t, err)

	assert.Equal(t, 0, f.remind(t, begins.Add(-48*time.Hour-time.Minute)))
	assert.Equal(t, 1, f.remind(t, begins.Add(-48*time.Hour)))
	assert.Equal(t, 0, f.remind(t, begins.Add(-time.Hour)))
	assert.Equal(t, 1, f.emailsTo(t, on, "Joining instructions:"))
	assert.Equal(t, 0, f.emailsTo(t, there, "Joining instructions:"))
	var body, method string
	require.NoError(t, f.pool.QueryRow(f.ctx,
		"SELECT body_text, calendar_method FROM emails WHERE user_id = $1 AND starts_with(subject, 'Joining instructions:')", on.ID).Scan(&body, &method))
	assert.Contains(t, body, "https://meet.example.org/abc")
	assert.Equal(t, "REQUEST", method)
}

func TestJoiningInstructionsWaitForAMeetingLink(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.svc.ReminderDays = []int{}
	begins := start.Add(20 * day)
	session := f.session(t, 10, 20)
	p := f.person(t, "nolink", f.agency)
	_, err := f.book(p, session, false)
	require.NoError(t, err)
	assert.Equal(t, 0, f.remind(t, begins.Add(-47*time.Hour)), "no link, no instructions")
	_, err = f.pool.Exec(f.ctx, `UPDATE sessions SET meeting_url = 'https://meet.example.org/late' WHERE id = $1`, session)
	require.NoError(t, err)
	assert.Equal(t, 1, f.remind(t, begins.Add(-46*time.Hour)), "sent once the link is added")
	assert.Equal(t, 1, f.emailsTo(t, p, "Joining instructions:"))
}
