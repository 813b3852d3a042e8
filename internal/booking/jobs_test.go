package booking_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/scheduling"
)

// job is a row of river_job as the tests look at it.
type job struct {
	ID          int64
	Kind        string
	Args        []byte
	ScheduledAt time.Time
	State       string
}

// jobs returns the jobs of kind not yet done (waiting or running), oldest
// first.
func (f fixture) jobs(t *testing.T, kind string) []job {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, `SELECT id, kind, args, scheduled_at, state FROM river_job
		WHERE kind = $1 AND state IN ('available', 'scheduled', 'retryable', 'pending', 'running') ORDER BY id`, kind)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (job, error) {
		var j job
		return j, r.Scan(&j.ID, &j.Kind, &j.Args, &j.ScheduledAt, &j.State)
	})
	require.NoError(t, err)
	return out
}

func args[T any](t *testing.T, j job) T {
	t.Helper()
	var a T
	require.NoError(t, json.Unmarshal(j.Args, &a))
	return a
}

// work runs job j's worker by hand, as River would at the fixture's clock's
// time, and records it done when it did not ask to wait (snooze). It
// returns the worker's answer.
func work[T river.JobArgs](t *testing.T, f fixture, w river.Worker[T], j job) error {
	t.Helper()
	err := w.Work(f.ctx, &river.Job[T]{JobRow: &rivertype.JobRow{ID: j.ID, Kind: j.Kind, EncodedArgs: j.Args}, Args: args[T](t, j)})
	var snooze *river.JobSnoozeError
	if err == nil || !errors.As(err, &snooze) {
		_, uerr := f.pool.Exec(f.ctx, `UPDATE river_job SET state = 'completed', finalized_at = now() WHERE id = $1`, j.ID)
		require.NoError(t, uerr)
	}
	return err
}

// runDue works every booking job due by the clock's time, as River would,
// until none is left, and returns how many ran.
func (f fixture) runDue(t *testing.T) int {
	t.Helper()
	n := 0
	for range 10 {
		ran := 0
		now := f.clock.Now()
		for _, j := range f.jobs(t, booking.KindOfferExpiry) {
			if !j.ScheduledAt.After(now) {
				require.NoError(t, work(t, f, f.svc.OfferExpiryWorker(), j))
				ran++
			}
		}
		for _, j := range f.jobs(t, booking.KindHoldExpiry) {
			if !j.ScheduledAt.After(now) {
				require.NoError(t, work(t, f, f.svc.HoldExpiryWorker(), j))
				ran++
			}
		}
		for _, j := range f.jobs(t, booking.KindReminder) {
			if !j.ScheduledAt.After(now) {
				require.NoError(t, work(t, f, f.svc.ReminderWorker(), j))
				ran++
			}
		}
		for _, j := range f.jobs(t, booking.KindApprovalExpiry) {
			if !j.ScheduledAt.After(now) {
				require.NoError(t, work(t, f, f.svc.ApprovalExpiryWorker(), j))
				ran++
			}
		}
		if ran == 0 {
			return n
		}
		n += ran
	}
	t.Fatal("booking jobs keep making more due jobs")
	return n
}

func (f fixture) sweep(t *testing.T, name string) int {
	t.Helper()
	for _, s := range f.svc.Sweeps() {
		if s.Name == name {
			n, err := s.Run(f.ctx)
			require.NoError(t, err)
			return n
		}
	}
	t.Fatalf("no sweep %q", name)
	return 0
}

func (f fixture) deadline(t *testing.T, id int64) time.Time {
	t.Helper()
	var d time.Time
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT offer_expires_at FROM bookings WHERE id = $1", id).Scan(&d))
	return d
}

// offered makes a session of one place whose holder gives it up, so the
// first of waiters is offered it; it returns the session and the bookings
// of the waiters.
func (f fixture) offered(t *testing.T, waiters ...string) (int64, []int64) {
	t.Helper()
	session := f.session(t, 1, 30)
	holder := f.person(t, waiters[0]+"-holder", f.agency)
	out, err := f.book(holder, session, false)
	require.NoError(t, err)
	var ids []int64
	for _, name := range waiters {
		w, err := f.book(f.person(t, name, f.agency), session, true)
		require.NoError(t, err)
		ids = append(ids, w.BookingID)
	}
	assert.Empty(t, f.jobs(t, booking.KindOfferExpiry), "no offer yet, no expiry job")
	_, err = f.svc.Cancel(actor.With(f.ctx, holder), out.BookingID)
	require.NoError(t, err)
	require.Equal(t, booking.Offered, f.status(t, ids[0]))
	return session, ids
}

func TestOfferExpiresByItsJobAtItsDeadline(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session, waiters := f.offered(t, "first", "second")
	deadline := f.deadline(t, waiters[0])
	assert.WithinDuration(t, start.Add(48*time.Hour), deadline, time.Second)

	// The cancellation's transaction made the offer and its expiry job.
	jobs := f.jobs(t, booking.KindOfferExpiry)
	require.Len(t, jobs, 1)
	assert.True(t, jobs[0].ScheduledAt.Equal(deadline), "scheduled at the deadline: %s, not %s", jobs[0].ScheduledAt, deadline)
	a := args[booking.OfferExpiryArgs](t, jobs[0])
	assert.Equal(t, session, a.SessionID)
	assert.True(t, a.Due.Equal(deadline))

	// Run early (another machine's clock), it waits for its time.
	f.clock.Set(deadline.Add(-time.Minute))
	var snooze *river.JobSnoozeError
	require.ErrorAs(t, work(t, f, f.svc.OfferExpiryWorker(), jobs[0]), &snooze)
	assert.Equal(t, time.Minute, snooze.Duration)
	assert.Equal(t, booking.Offered, f.status(t, waiters[0]))

	// At its time it expires the offer, tells the person and offers the
	// place on, with a job for the new offer's deadline.
	f.clock.Set(deadline)
	require.NoError(t, work(t, f, f.svc.OfferExpiryWorker(), jobs[0]))
	first := actor.Actor{ID: f.userOf(t, waiters[0])}
	assert.Equal(t, booking.Expired, f.status(t, waiters[0]))
	assert.Equal(t, 1, f.emailsTo(t, first, "Your offer of a place has expired"))
	assert.Equal(t, booking.Offered, f.status(t, waiters[1]))
	next := f.jobs(t, booking.KindOfferExpiry)
	require.Len(t, next, 1)
	assert.True(t, next[0].ScheduledAt.Equal(f.deadline(t, waiters[1])))

	// Run again (a retry, or a rescue after a crash): nothing more.
	require.NoError(t, work(t, f, f.svc.OfferExpiryWorker(), jobs[0]))
	assert.Equal(t, 1, f.emailsTo(t, first, "Your offer of a place has expired"))
	assert.Equal(t, booking.Offered, f.status(t, waiters[1]))
	f.consistent(t, session)
}

func (f fixture) userOf(t *testing.T, bookingID int64) int64 {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT user_id FROM bookings WHERE id = $1", bookingID).Scan(&id))
	return id
}

func TestOfferAcceptedBeforeItsJobRunsIsKept(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, waiters := f.offered(t, "keen")
	jobs := f.jobs(t, booking.KindOfferExpiry)
	require.Len(t, jobs, 1)
	keen := actor.Actor{ID: f.userOf(t, waiters[0])}
	require.NoError(t, f.svc.AcceptOffer(actor.With(f.ctx, keen), waiters[0]))
	f.clock.Set(jobs[0].ScheduledAt.Add(time.Hour))
	require.NoError(t, work(t, f, f.svc.OfferExpiryWorker(), jobs[0]))
	assert.Equal(t, booking.Confirmed, f.status(t, waiters[0]))
	assert.Equal(t, 0, f.emailsTo(t, keen, "Your offer of a place has expired"))
}

// twiceAtOnce runs job j on two workers at once: it holds session's row
// until both are waiting for it, so both start before either has done
// anything.
func twiceAtOnce[T river.JobArgs](t *testing.T, f fixture, session int64, w river.Worker[T], j job) {
	t.Helper()
	tx, err := f.pool.Begin(f.ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(f.ctx) }()
	_, err = tx.Exec(f.ctx, "SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE", session)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, w.Work(f.ctx, &river.Job[T]{JobRow: &rivertype.JobRow{ID: j.ID, Kind: j.Kind}, Args: args[T](t, j)}))
		}()
	}
	require.Eventually(t, func() bool {
		var waiting int
		err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		return err == nil && waiting == 2
	}, 10*time.Second, 5*time.Millisecond, "both workers wait for the session")
	require.NoError(t, tx.Rollback(f.ctx))
	wg.Wait()
}

// Two workers at once on one session's expiry (River's rescue of a job
// that was still running, or two jobs for one deadline): one expiry and
// one email.
func TestTwoOfferJobsAtOnceExpireEachOfferOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 3, 30)
	var holders []actor.Actor
	var holderBookings []int64
	for _, name := range []string{"h1", "h2", "h3"} {
		p := f.person(t, name, f.agency)
		out, err := f.book(p, session, false)
		require.NoError(t, err)
		holders, holderBookings = append(holders, p), append(holderBookings, out.BookingID)
	}
	var waiters []actor.Actor
	for _, name := range []string{"w1", "w2", "w3", "w4"} {
		p := f.person(t, name, f.agency)
		_, err := f.book(p, session, true)
		require.NoError(t, err)
		waiters = append(waiters, p)
	}
	for i, h := range holders {
		_, err := f.svc.Cancel(actor.With(f.ctx, h), holderBookings[i])
		require.NoError(t, err)
	}
	jobs := f.jobs(t, booking.KindOfferExpiry)
	require.Len(t, jobs, 1, "three offers with one deadline share one job")
	f.clock.Set(jobs[0].ScheduledAt)

	twiceAtOnce(t, f, session, f.svc.OfferExpiryWorker(), jobs[0])

	expired := 0
	for _, p := range waiters[:3] {
		n := f.emailsTo(t, p, "Your offer of a place has expired")
		assert.Equal(t, 1, n, "one email to each person whose offer expired")
		expired += n
	}
	assert.Equal(t, 3, expired)
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM bookings WHERE session_id = $1 AND status = 'expired'", session).Scan(&n))
	assert.Equal(t, 3, n)
	var offered int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM bookings WHERE session_id = $1 AND status = 'offered'", session).Scan(&offered))
	assert.Equal(t, 1, offered, "the one left waiting is offered a place once")
	f.consistent(t, session)
}

// A job is written only if its cause commits.
func TestRolledBackOfferMakesNoJob(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 1, 30)
	_, err := f.book(f.person(t, "holder", f.agency), session, false)
	require.NoError(t, err)
	w, err := f.book(f.person(t, "waiter", f.agency), session, true)
	require.NoError(t, err)

	raise := func(commit bool) {
		tx, err := f.pool.Begin(f.ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(f.ctx) }()
		_, err = tx.Exec(f.ctx, "UPDATE sessions SET capacity = 2 WHERE id = $1", session)
		require.NoError(t, err)
		require.NoError(t, f.svc.FillPlaces(f.ctx, tx, session))
		if commit {
			require.NoError(t, tx.Commit(f.ctx))
		}
	}
	raise(false)
	assert.Empty(t, f.jobs(t, booking.KindOfferExpiry), "a rolled-back offer leaves no job")
	assert.Equal(t, booking.Waiting, f.status(t, w.BookingID))
	raise(true)
	jobs := f.jobs(t, booking.KindOfferExpiry)
	require.Len(t, jobs, 1)
	assert.True(t, jobs[0].ScheduledAt.Equal(f.deadline(t, w.BookingID)))
}

// A session moved earlier cuts its offers short at its new cut-off: a job
// at that time ends them then.
func TestEarlierCutoffGivesOffersAJobAtIt(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session, waiters := f.offered(t, "waiter")
	cutoff := start.Add(24 * time.Hour)
	tx, err := f.pool.Begin(f.ctx)
	require.NoError(t, err)
	_, err = tx.Exec(f.ctx, "UPDATE sessions SET booking_cutoff_at = $2 WHERE id = $1", session, cutoff)
	require.NoError(t, err)
	require.NoError(t, f.svc.FillPlaces(f.ctx, tx, session))
	require.NoError(t, tx.Commit(f.ctx))
	assert.True(t, f.deadline(t, waiters[0]).Equal(cutoff))

	var at []time.Time
	for _, j := range f.jobs(t, booking.KindOfferExpiry) {
		at = append(at, j.ScheduledAt.UTC())
	}
	assert.Contains(t, at, cutoff.UTC(), "a job at the new deadline")
	f.clock.Set(cutoff)
	f.runDue(t)
	assert.Equal(t, booking.Expired, f.status(t, waiters[0]))
}

// The sweep is a safety net: it finds an offer whose job was lost (once it
// is overdue by its grace), and nothing when the jobs ran.
func TestOfferSweepFindsOnlyWhatJobsMissed(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, lost := f.offered(t, "lost")
	_, err := f.pool.Exec(f.ctx, "DELETE FROM river_job WHERE kind = $1", booking.KindOfferExpiry)
	require.NoError(t, err)
	deadline := f.deadline(t, lost[0])

	f.clock.Set(deadline.Add(time.Minute))
	assert.Equal(t, 0, f.sweep(t, "offers"), "within the grace, the job may still be on its way")
	f.clock.Set(deadline.Add(booking.SweepGrace + time.Second))
	assert.Equal(t, 1, f.sweep(t, "offers"))
	assert.Equal(t, booking.Expired, f.status(t, lost[0]))

	// Another session whose jobs run: the sweep finds nothing.
	_, kept := f.offered(t, "kept")
	d := f.deadline(t, kept[0])
	f.clock.Set(d)
	assert.Positive(t, f.runDue(t))
	f.clock.Set(d.Add(booking.SweepGrace + time.Minute))
	assert.Equal(t, 0, f.sweep(t, "offers"))
	assert.Equal(t, booking.Expired, f.status(t, kept[0]))
}

func TestHeldPlaceLapsesByItsJob(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.paid(t)
	session := f.session(t, 1, 30)
	payer := f.person(t, "payer", f.agency)
	out, err := f.book(payer, session, false)
	require.NoError(t, err)
	require.Equal(t, booking.Held, out.Status)
	waiter, err := f.book(f.person(t, "waiter", f.agency), session, true)
	require.NoError(t, err)

	jobs := f.jobs(t, booking.KindHoldExpiry)
	require.Len(t, jobs, 1)
	until := start.Add(booking.DefaultPaymentHold)
	assert.True(t, jobs[0].ScheduledAt.Equal(until), "at the hold's end: %s", jobs[0].ScheduledAt)
	assert.Equal(t, out.BookingID, args[booking.HoldExpiryArgs](t, jobs[0]).BookingID)

	// Opening the card payment stretches the hold to Stripe's minimum: a
	// job at the new end, and the old one does nothing.
	f.checkout(t, payer, out.BookingID)
	jobs = f.jobs(t, booking.KindHoldExpiry)
	require.Len(t, jobs, 2)
	var held time.Time
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT hold_expires_at FROM bookings WHERE id = $1", out.BookingID).Scan(&held))
	assert.True(t, held.After(until))
	assert.True(t, jobs[1].ScheduledAt.Equal(held))

	f.clock.Set(until)
	require.NoError(t, work(t, f, f.svc.HoldExpiryWorker(), jobs[0]))
	assert.Equal(t, booking.Held, f.status(t, out.BookingID), "the hold was extended")

	f.clock.Set(held)
	require.NoError(t, work(t, f, f.svc.HoldExpiryWorker(), jobs[1]))
	assert.Equal(t, booking.Lapsed, f.status(t, out.BookingID))
	assert.Equal(t, 1, f.emailsTo(t, payer, "Your place was not paid for in time"))
	assert.Equal(t, booking.Offered, f.status(t, waiter.BookingID), "the place goes on")
	require.NoError(t, work(t, f, f.svc.HoldExpiryWorker(), jobs[1]))
	assert.Equal(t, 1, f.emailsTo(t, payer, "Your place was not paid for in time"), "run twice, one lapse")
	f.consistent(t, session)
}

func TestHoldPaidForBeforeItsJobRunsIsKept(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.paid(t)
	session := f.session(t, 2, 30)
	payer := f.person(t, "invoiced", f.agency)
	out, err := f.book(payer, session, false)
	require.NoError(t, err)
	require.NoError(t, f.pay().PayByInvoice(actor.With(f.ctx, payer), out.BookingID, "PO-1"))
	jobs := f.jobs(t, booking.KindHoldExpiry)
	require.Len(t, jobs, 1)
	f.clock.Set(jobs[0].ScheduledAt.Add(time.Minute))
	require.NoError(t, work(t, f, f.svc.HoldExpiryWorker(), jobs[0]))
	assert.Equal(t, booking.Confirmed, f.status(t, out.BookingID))
	assert.Equal(t, 0, f.emailsTo(t, payer, "Your place was not paid for in time"))
}

func TestHoldSweepFindsOnlyWhatJobsMissed(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.paid(t)
	lost, err := f.book(f.person(t, "lost", f.agency), f.session(t, 2, 30), false)
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, "DELETE FROM river_job WHERE kind = $1", booking.KindHoldExpiry)
	require.NoError(t, err)
	kept, err := f.book(f.person(t, "kept", f.agency), f.session(t, 2, 30), false)
	require.NoError(t, err)
	until := start.Add(booking.DefaultPaymentHold)

	f.clock.Set(until)
	assert.Equal(t, 1, f.runDue(t), "the job left runs")
	assert.Equal(t, booking.Lapsed, f.status(t, kept.BookingID))
	assert.Equal(t, booking.Held, f.status(t, lost.BookingID), "no job for this one")
	assert.Equal(t, 0, f.sweep(t, "holds"), "within the grace")
	f.clock.Set(until.Add(booking.SweepGrace + time.Second))
	assert.Equal(t, 1, f.sweep(t, "holds"), "the sweep finds only the one whose job was lost")
	assert.Equal(t, booking.Lapsed, f.status(t, lost.BookingID))
	assert.Equal(t, 0, f.sweep(t, "holds"))
}

// reminderJobs returns the waiting reminder jobs of session by what they
// remind and when.
func (f fixture) reminderJobs(t *testing.T, session int64) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	for _, j := range f.jobs(t, booking.KindReminder) {
		a := args[booking.ReminderArgs](t, j)
		if a.SessionID != session {
			continue
		}
		key := a.Reminder
		if a.CatchUp {
			key = "catch-up " + key
		}
		assert.True(t, a.Due.Equal(j.ScheduledAt), "args and row agree on the time")
		out[key] = j.ScheduledAt.UTC()
	}
	return out
}

func TestConfirmedPlaceSchedulesItsReminders(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 10, 20) // online, no meeting link yet
	begins := start.Add(20 * day)
	p := f.person(t, "reminded", f.agency)
	_, err := f.book(p, session, false)
	require.NoError(t, err)
	assert.Equal(t, map[string]time.Time{
		"days_10": begins.Add(-10 * day).UTC(),
		"days_3":  begins.Add(-3 * day).UTC(),
		"joining": begins.Add(-48 * time.Hour).UTC(),
	}, f.reminderJobs(t, session))

	// A second place shares the session's jobs.
	q := f.person(t, "another", f.agency)
	_, err = f.book(q, session, false)
	require.NoError(t, err)
	assert.Len(t, f.jobs(t, booking.KindReminder), 3)

	// Each runs at its time and sends once, however often it runs.
	f.clock.Set(begins.Add(-10 * day))
	assert.Equal(t, 1, f.runDue(t))
	assert.Equal(t, 1, f.emailsTo(t, p, "Reminder:"))
	assert.Equal(t, 1, f.emailsTo(t, q, "Reminder:"))
	_, err = f.pool.Exec(f.ctx, "UPDATE river_job SET state = 'available', finalized_at = NULL WHERE id IN (SELECT id FROM river_job WHERE kind = $1 ORDER BY id LIMIT 1)", booking.KindReminder)
	require.NoError(t, err)
	f.runDue(t)
	assert.Equal(t, 1, f.emailsTo(t, p, "Reminder:"), "a job run twice sends once")

	// A cancelled place gets nothing from the next.
	out, err := f.svc.Mine(actor.With(f.ctx, q))
	require.NoError(t, err)
	require.Len(t, out.Upcoming, 1)
	f.clock.Set(begins.Add(-4 * day))
	_, err = f.svc.Cancel(actor.With(f.ctx, q), out.Upcoming[0].ID)
	require.NoError(t, err)
	f.clock.Set(begins.Add(-3 * day))
	assert.Equal(t, 1, f.runDue(t))
	assert.Equal(t, 2, f.emailsTo(t, p, "Reminder:"))
	assert.Equal(t, 1, f.emailsTo(t, q, "Reminder:"))

	// No link at 48 hours: no instructions yet.
	f.clock.Set(begins.Add(-48 * time.Hour))
	assert.Equal(t, 1, f.runDue(t))
	assert.Equal(t, 0, f.emailsTo(t, p, "Joining instructions:"))
}

func TestPlaceConfirmedLateSchedulesOnlyRemindersStillToCome(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 10, 20)
	begins := start.Add(20 * day)
	_, err := f.pool.Exec(f.ctx, `UPDATE sessions SET meeting_url = 'https://meet.example.org/x', booking_cutoff_at = $2 WHERE id = $1`,
		session, begins.Add(-time.Hour))
	require.NoError(t, err)
	f.clock.Set(begins.Add(-5 * day))
	_, err = f.book(f.person(t, "five", f.agency), session, false)
	require.NoError(t, err)
	assert.Equal(t, map[string]time.Time{
		"days_3":  begins.Add(-3 * day).UTC(),
		"joining": begins.Add(-48 * time.Hour).UTC(),
	}, f.reminderJobs(t, session))

	// Inside 48 hours of an online session with a link: the instructions
	// are due now.
	f.clock.Set(begins.Add(-30 * time.Hour))
	late := f.person(t, "late", f.agency)
	_, err = f.book(late, session, false)
	require.NoError(t, err)
	jobs := f.reminderJobs(t, session)
	assert.Equal(t, begins.Add(-30*time.Hour).UTC(), jobs["catch-up joining"])
	f.runDue(t)
	assert.Equal(t, 1, f.emailsTo(t, late, "Joining instructions:"))
	assert.Equal(t, 0, f.emailsTo(t, late, "Reminder:"), "the day reminders' times had passed when they booked")
}

// A move that rolls back leaves no reminder job for the time it would have
// set; one that commits does.
func TestRolledBackMoveMakesNoReminderJob(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 5, 20)
	_, err := f.book(f.person(t, "placed", f.agency), session, false)
	require.NoError(t, err)
	require.Len(t, f.jobs(t, booking.KindReminder), 3)
	later := start.Add(27 * day)

	move := func(commit bool) {
		tx, err := f.pool.Begin(f.ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(f.ctx) }()
		_, err = tx.Exec(f.ctx, "UPDATE sessions SET starts_at = $2, ends_at = $3, booking_cutoff_at = $4, sequence = sequence + 1 WHERE id = $1",
			session, later, later.Add(3*time.Hour), later.Add(-3*day))
		require.NoError(t, err)
		require.NoError(t, f.svc.NotifySessionMoved(f.ctx, tx, session))
		var inside int
		require.NoError(t, tx.QueryRow(f.ctx, "SELECT count(*) FROM river_job WHERE kind = $1", booking.KindReminder).Scan(&inside))
		require.Equal(t, 6, inside, "the new time's jobs, in the move's transaction")
		if commit {
			require.NoError(t, tx.Commit(f.ctx))
		}
	}
	move(false)
	assert.Len(t, f.jobs(t, booking.KindReminder), 3, "rolled back: only the old time's jobs")
	move(true)
	assert.Equal(t, later.Add(-10*day).UTC(), f.reminderJobs(t, session)["days_10"])
}

// moveSession moves session to begin at when (same times of day), through
// the scheduling service as a manager does.
func (f fixture) moveSession(t *testing.T, session int64, when time.Time) {
	t.Helper()
	trainer := f.person(t, "trainer", f.agency)
	f.putTrainerOn(t, session, trainer.ID)
	svc := f.scheduler()
	se, err := svc.Get(f.ctx, session)
	require.NoError(t, err)
	form := scheduling.FormFor(se)
	local := when.In(london.Zone)
	form.Day, form.Month, form.Year = strconv.Itoa(local.Day()), strconv.Itoa(int(local.Month())), strconv.Itoa(local.Year())
	_, err = svc.Move(f.ctx, session, form)
	require.NoError(t, err)
	se, err = svc.Get(f.ctx, session)
	require.NoError(t, err)
	require.Equal(t, local.Day(), se.StartsAt.In(london.Zone).Day(), "moved")
}

func TestMovedSessionReschedulesItsReminders(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 10, 24) // Thursday 26 March 2026
	begins := start.Add(24 * day)
	p := f.person(t, "mover", f.agency)
	_, err := f.book(p, session, false)
	require.NoError(t, err)
	old := f.jobs(t, booking.KindReminder)
	require.Len(t, old, 3)

	later := begins.Add(7 * day) // Thursday 2 April 2026
	f.moveSession(t, session, later)
	var startsAt time.Time
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT starts_at FROM sessions WHERE id = $1", session).Scan(&startsAt))
	jobs := f.reminderJobs(t, session)
	assert.Equal(t, startsAt.Add(-10*day).UTC(), jobs["days_10"], "a job for the new time")
	assert.Equal(t, startsAt.Add(-3*day).UTC(), jobs["days_3"])

	// The old time's jobs do nothing (by the old time's last, the new
	// time's ten-day reminder is due: only its own job sends it).
	f.clock.Set(begins.Add(-48 * time.Hour))
	for _, j := range old {
		require.NoError(t, work(t, f, f.svc.ReminderWorker(), j))
	}
	assert.Equal(t, 0, f.emailsTo(t, p, "Reminder:"), "the old time's jobs are no-ops")
	// The new time's send.
	f.clock.Set(startsAt.Add(-10 * day))
	f.runDue(t)
	assert.Equal(t, 1, f.emailsTo(t, p, "Reminder:"))
}

func TestSessionMovedNearerSendsTheReminderNowDue(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 10, 24) // Thursday 26 March 2026
	p := f.person(t, "nearer", f.agency)
	_, err := f.book(p, session, false)
	require.NoError(t, err)
	f.clock.Set(start.Add(day))
	f.moveSession(t, session, start.Add(4*day)) // Friday 6 March: its 10-day moment has passed
	var startsAt time.Time
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT starts_at FROM sessions WHERE id = $1", session).Scan(&startsAt))
	jobs := f.reminderJobs(t, session)
	assert.Equal(t, start.Add(day), jobs["catch-up days_3"], "the passed reminders are due now")
	assert.Equal(t, startsAt.Add(-48*time.Hour).UTC(), jobs["joining"], "the instructions at their new time")
	f.runDue(t)
	assert.Equal(t, 1, f.emailsTo(t, p, "Reminder:"), "the reminder the move made due goes now")
}

func TestCancelledSessionsRemindersDoNothing(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 10, 20)
	begins := start.Add(20 * day)
	p := f.person(t, "cancelled", f.agency)
	_, err := f.book(p, session, false)
	require.NoError(t, err)
	require.NoError(t, f.scheduler().Cancel(f.ctx, session, "The venue flooded"))
	f.clock.Set(begins.Add(-day))
	assert.Equal(t, 3, f.runDue(t))
	assert.Equal(t, 0, f.emailsTo(t, p, "Reminder:"))
	assert.Equal(t, 0, f.emailsTo(t, p, "Joining instructions:"))
}

func TestMeetingLinkAddedInside48HoursSendsJoiningInstructionsNow(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.svc.ReminderDays = []int{}
	session := f.session(t, 10, 25) // Friday 27 March 2026, online
	begins := start.Add(25 * day)
	p := f.person(t, "joiner", f.agency)
	_, err := f.book(p, session, false)
	require.NoError(t, err)
	f.clock.Set(begins.Add(-47 * time.Hour))
	assert.Equal(t, 1, f.runDue(t))
	assert.Equal(t, 0, f.emailsTo(t, p, "Joining instructions:"), "no link, no instructions")

	svc := f.scheduler()
	trainer := f.person(t, "linktrainer", f.agency)
	f.putTrainerOn(t, session, trainer.ID)
	se, err := svc.Get(f.ctx, session)
	require.NoError(t, err)
	form := scheduling.FormFor(se)
	form.MeetingURL = "https://meet.example.org/now"
	_, err = svc.Move(f.ctx, session, form)
	require.NoError(t, err)
	jobs := f.reminderJobs(t, session)
	assert.Equal(t, begins.Add(-47*time.Hour).UTC(), jobs["catch-up joining"], "due at once")
	assert.Equal(t, 1, f.runDue(t))
	assert.Equal(t, 1, f.emailsTo(t, p, "Joining instructions:"))
}

func TestReminderSweepFindsOnlyWhatJobsMissed(t *testing.T) {
	t.Parallel()
	f := setup(t)
	begins := start.Add(20 * day)
	lost := f.person(t, "lost", f.agency)
	_, err := f.book(lost, f.session(t, 10, 20), false)
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, "DELETE FROM river_job WHERE kind = $1", booking.KindReminder)
	require.NoError(t, err)
	kept := f.person(t, "kept", f.agency)
	_, err = f.book(kept, f.session(t, 10, 20), false)
	require.NoError(t, err)

	f.clock.Set(begins.Add(-10 * day))
	f.runDue(t)
	assert.Equal(t, 1, f.emailsTo(t, kept, "Reminder:"))
	assert.Equal(t, 0, f.sweep(t, "reminders"), "within the grace")
	f.clock.Set(begins.Add(-10*day + booking.SweepGrace + time.Second))
	assert.Equal(t, 1, f.sweep(t, "reminders"), "only the reminder whose job was lost")
	assert.Equal(t, 1, f.emailsTo(t, lost, "Reminder:"))
	assert.Equal(t, 1, f.emailsTo(t, kept, "Reminder:"))
	assert.Equal(t, 0, f.sweep(t, "reminders"))
}

func TestBookingJobsAreDescribedForManagers(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session, waiters := f.offered(t, "described")
	d := f.svc.Describers()
	require.Len(t, d, 5)
	j := f.jobs(t, booking.KindOfferExpiry)[0]
	sub, err := d[booking.KindOfferExpiry](f.ctx, j.Args)
	require.NoError(t, err)
	assert.Contains(t, sub.What, "waiting-list offers")
	assert.Equal(t, "described (described@example.org)", sub.Who)
	assert.Equal(t, "/admin/sessions/"+strconv.FormatInt(session, 10)+"/bookings", sub.Link)
	// Accepted, the offer is still described; the place now has reminders.
	require.NoError(t, f.svc.AcceptOffer(actor.With(f.ctx, actor.Actor{ID: f.userOf(t, waiters[0])}), waiters[0]))
	sub, err = d[booking.KindOfferExpiry](f.ctx, j.Args)
	require.NoError(t, err)
	assert.Equal(t, "described (described@example.org)", sub.Who)

	r := f.jobs(t, booking.KindReminder)[0]
	sub, err = d[booking.KindReminder](f.ctx, r.Args)
	require.NoError(t, err)
	assert.Contains(t, sub.What, "Reminders 10 days before")
	assert.Equal(t, "described (described@example.org)", sub.Who)

	f.paid(t)
	out, err := f.book(f.person(t, "payer", f.agency), f.session(t, 2, 30), false)
	require.NoError(t, err)
	require.Equal(t, booking.Held, out.Status)
	h := f.jobs(t, booking.KindHoldExpiry)[0]
	sub, err = d[booking.KindHoldExpiry](f.ctx, h.Args)
	require.NoError(t, err)
	assert.Contains(t, sub.What, "not paid for")
	assert.Equal(t, "payer (payer@example.org)", sub.Who)

	tx, err := f.pool.Begin(f.ctx)
	require.NoError(t, err)
	require.NoError(t, f.svc.ScheduleCapsRelease(f.ctx, tx, session, start.Add(10*day)))
	require.NoError(t, tx.Commit(f.ctx))
	c := f.jobs(t, booking.KindCapsRelease)[0]
	sub, err = d[booking.KindCapsRelease](f.ctx, c.Args)
	require.NoError(t, err)
	assert.Contains(t, sub.What, "open to all")
	assert.Equal(t, "/admin/sessions/"+strconv.FormatInt(session, 10)+"/bookings", sub.Link)
}

// The jobs' workers and sweeps go on a real client, and a job runs at its
// time there: an offer made with a two-second window expires by itself.
func TestOfferExpiresOnTheQueueAtItsTime(t *testing.T) {
	t.Parallel()
	f := setup(t)
	jobs, err := queue.NewInsertOnly(f.pool)
	require.NoError(t, err)
	base, _ := url.Parse("http://localhost:3000")
	svc := booking.New(f.pool, email.NewOutbox(jobs), base, "Test Partnership", time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	svc.OfferWindow = 2 * time.Second
	var session int64
	begins := time.Now().Add(30 * day)
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online LIMIT 1), $1, $2, $3, 1, 'published'
		FROM courses c ORDER BY c.id LIMIT 1 RETURNING id`, begins, begins.Add(3*time.Hour), begins.Add(-3*day)).Scan(&session))
	holder, waiter := f.person(t, "holder", f.agency), f.person(t, "waiter", f.agency)
	req := func(p actor.Actor) booking.Request {
		return booking.Request{SessionID: session, PersonID: p.ID, Details: details(), JoinWaitingList: true}
	}
	held, err := svc.Book(actor.With(f.ctx, holder), req(holder))
	require.NoError(t, err)
	w, err := svc.Book(actor.With(f.ctx, waiter), req(waiter))
	require.NoError(t, err)

	client, err := queue.New(f.pool, nil, svc.Work(), queue.Sweeps(f.pool, nil, svc.Sweeps()...), func(c *river.Config) error {
		c.FetchPollInterval, c.FetchCooldown = 50*time.Millisecond, 10*time.Millisecond
		return nil
	})
	require.NoError(t, err)
	require.NoError(t, client.Start(context.Background()))
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = client.Stop(stop)
	})
	_, err = svc.Cancel(actor.With(f.ctx, holder), held.BookingID)
	require.NoError(t, err)
	require.Equal(t, booking.Offered, f.status(t, w.BookingID))
	require.Eventually(t, func() bool { return f.status(t, w.BookingID) == booking.Expired }, 20*time.Second, 50*time.Millisecond)
	assert.Eventually(t, func() bool {
		var state string
		err := f.pool.QueryRow(f.ctx, "SELECT state FROM river_job WHERE kind = $1", booking.KindOfferExpiry).Scan(&state)
		return err == nil && state == "completed"
	}, 10*time.Second, 50*time.Millisecond, "the job is done")
	assert.Equal(t, 1, f.emailsTo(t, waiter, "Your offer of a place has expired"))
}

// Work made without its jobs (an older version's database, the demo data)
// gets them at start, once however often it starts.
func TestScheduleMissingGivesEveryPendingStepAJobOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, waiters := f.offered(t, "old-offer")
	placed := f.session(t, 5, 20)
	_, err := f.book(f.person(t, "old-place", f.agency), placed, false)
	require.NoError(t, err)
	f.paid(t)
	held, err := f.book(f.person(t, "old-hold", f.agency), f.session(t, 2, 30), false)
	require.NoError(t, err)
	require.Equal(t, booking.Held, held.Status)
	_, err = f.pool.Exec(f.ctx, "DELETE FROM river_job")
	require.NoError(t, err)

	require.NoError(t, f.svc.ScheduleMissing(f.ctx))
	offers := f.jobs(t, booking.KindOfferExpiry)
	require.Len(t, offers, 1)
	assert.True(t, offers[0].ScheduledAt.Equal(f.deadline(t, waiters[0])))
	holds := f.jobs(t, booking.KindHoldExpiry)
	require.Len(t, holds, 1)
	assert.Equal(t, held.BookingID, args[booking.HoldExpiryArgs](t, holds[0]).BookingID)
	assert.True(t, holds[0].ScheduledAt.Equal(start.Add(booking.DefaultPaymentHold)))
	begins := start.Add(20 * day)
	assert.Equal(t, map[string]time.Time{
		"days_10": begins.Add(-10 * day).UTC(),
		"days_3":  begins.Add(-3 * day).UTC(),
		"joining": begins.Add(-48 * time.Hour).UTC(),
	}, f.reminderJobs(t, placed), "the confirmed place's reminders; none for places only offered or held")
	reminders := len(f.jobs(t, booking.KindReminder))
	assert.Equal(t, 3, reminders)

	require.NoError(t, f.svc.ScheduleMissing(f.ctx))
	assert.Len(t, f.jobs(t, booking.KindOfferExpiry), 1, "not doubled")
	assert.Len(t, f.jobs(t, booking.KindHoldExpiry), 1)
	assert.Len(t, f.jobs(t, booking.KindReminder), reminders)
}

func TestTwoHoldJobsAtOnceLapseTheHoldOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.paid(t)
	session := f.session(t, 1, 30)
	payer := f.person(t, "slow-payer", f.agency)
	out, err := f.book(payer, session, false)
	require.NoError(t, err)
	waiter, err := f.book(f.person(t, "next", f.agency), session, true)
	require.NoError(t, err)
	jobs := f.jobs(t, booking.KindHoldExpiry)
	require.Len(t, jobs, 1)
	f.clock.Set(jobs[0].ScheduledAt)
	twiceAtOnce(t, f, session, f.svc.HoldExpiryWorker(), jobs[0])
	assert.Equal(t, booking.Lapsed, f.status(t, out.BookingID))
	assert.Equal(t, 1, f.emailsTo(t, payer, "Your place was not paid for in time"))
	assert.Equal(t, booking.Offered, f.status(t, waiter.BookingID))
	assert.Len(t, f.jobs(t, booking.KindOfferExpiry), 1, "one offer of the place, with its job")
	f.consistent(t, session)
}

func TestTwoReminderJobsAtOnceSendEachReminderOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 10, 20)
	var people []actor.Actor
	for _, name := range []string{"r1", "r2", "r3"} {
		p := f.person(t, name, f.agency)
		_, err := f.book(p, session, false)
		require.NoError(t, err)
		people = append(people, p)
	}
	jobs := f.jobs(t, booking.KindReminder)
	require.Len(t, jobs, 3)
	f.clock.Set(jobs[0].ScheduledAt)
	twiceAtOnce(t, f, session, f.svc.ReminderWorker(), jobs[0])
	for _, p := range people {
		assert.Equal(t, 1, f.emailsTo(t, p, "Reminder:"))
	}
}
