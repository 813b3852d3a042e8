package booking_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/validation"
)

func (f fixture) scheduler() *scheduling.Service {
	s := scheduling.New(f.pool, f.clock.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Bookings = f.svc
	return s
}

func (f fixture) status(t *testing.T, id int64) booking.Status {
	t.Helper()
	var s booking.Status
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT status FROM bookings WHERE id = $1", id).Scan(&s))
	return s
}

func TestCancellingASessionEndsItsBookings(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 1, 30)
	held, err := f.book(f.person(t, "holder", f.agency), session, false)
	require.NoError(t, err)
	waiting, err := f.book(f.person(t, "waiter", f.agency), session, true)
	require.NoError(t, err)

	require.NoError(t, f.scheduler().Cancel(f.ctx, session, "The trainer is ill"))
	assert.Equal(t, booking.Cancelled, f.status(t, held.BookingID))
	assert.Equal(t, booking.Left, f.status(t, waiting.BookingID), "a wait simply ends")
	var late bool
	var note string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT late, end_note FROM bookings WHERE id = $1", held.BookingID).Scan(&late, &note))
	assert.False(t, late, "a session the partnership cancels is never a late cancellation")
	assert.Equal(t, "The trainer is ill", note)
	var told int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM emails WHERE subject LIKE 'Session cancelled:%' AND body_text LIKE '%The trainer is ill%'").Scan(&told))
	assert.Equal(t, 2, told, "everyone booked or waiting is told, with the reason")
	assert.Equal(t, 0, f.consistent(t, session))
}

func TestRaisingCapacityOffersPlacesToTheWaitingList(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 1, 30)
	_, err := f.book(f.person(t, "holder", f.agency), session, false)
	require.NoError(t, err)
	first, err := f.book(f.person(t, "first-waiting", f.agency), session, true)
	require.NoError(t, err)
	second, err := f.book(f.person(t, "second-waiting", f.agency), session, true)
	require.NoError(t, err)

	trainer := f.person(t, "trainer", f.agency)
	f.putTrainerOn(t, session, trainer.ID)
	svc := f.scheduler()
	se, err := svc.Get(f.ctx, session)
	require.NoError(t, err)
	form := scheduling.FormFor(se)
	form.Capacity = "2"
	_, err = svc.Move(f.ctx, session, form)
	require.NoError(t, err)
	assert.Equal(t, booking.Offered, f.status(t, first.BookingID), "the new place goes to the first person waiting")
	assert.Equal(t, booking.Waiting, f.status(t, second.BookingID))
	assert.Equal(t, 1, f.consistent(t, session))

	// Capacity cannot drop below the places taken, offers included.
	form.Capacity = "1"
	_, err = svc.Move(f.ctx, session, form)
	assert.Error(t, err)
}

// An offer made on a session later moved inside its cut-off cannot be
// accepted, and no offer runs past the new cut-off.
func TestOfferEndsWhenTheSessionMovesInsideItsCutoff(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 1, 30)
	holder := f.person(t, "holder", f.agency)
	held, err := f.book(holder, session, false)
	require.NoError(t, err)
	waiter := f.person(t, "waiter", f.agency)
	w, err := f.book(waiter, session, true)
	require.NoError(t, err)
	_, err = f.svc.Cancel(actor.With(f.ctx, holder), held.BookingID)
	require.NoError(t, err)
	require.Equal(t, booking.Offered, f.status(t, w.BookingID))

	// The manager brings the session forward to tomorrow: its cut-off has passed.
	_, err = f.pool.Exec(f.ctx, `UPDATE sessions SET starts_at = $2, ends_at = $3, booking_cutoff_at = $4 WHERE id = $1`,
		session, start.Add(24*time.Hour), start.Add(27*time.Hour), start.Add(-48*time.Hour))
	require.NoError(t, err)
	tx, err := f.pool.Begin(f.ctx)
	require.NoError(t, err)
	require.NoError(t, f.svc.FillPlaces(f.ctx, tx, session))
	require.NoError(t, tx.Commit(f.ctx))
	var deadline time.Time
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT offer_expires_at FROM bookings WHERE id = $1", w.BookingID).Scan(&deadline))
	assert.WithinDuration(t, start.Add(-48*time.Hour), deadline, 0, "capped at the new cut-off")
	assert.ErrorIs(t, f.svc.AcceptOffer(actor.With(f.ctx, waiter), w.BookingID), booking.ErrOfferGone)
}

// Bookings the partnership ended (a cancelled session) cannot be marked
// late; a manager cannot move someone into another agency's closed
// session; a manager cancelling through the person's own page is audited.
func TestManagerLimitsOnOthersBookings(t *testing.T) {
	t.Parallel()
	f := setup(t)
	m := f.manageManager(t, "boss")
	session := f.session(t, 5, 30)
	p := f.person(t, "pat", f.agency)
	b, err := f.book(p, session, false)
	require.NoError(t, err)
	require.NoError(t, f.scheduler().Cancel(f.ctx, session, "Trainer ill"))
	assert.ErrorIs(t, f.svc.MarkLate(actor.With(f.ctx, m), b.BookingID, true, "Rang late"), booking.ErrWrongState)

	from := f.session(t, 5, 30)
	closed := f.session(t, 5, 31)
	_, err = f.pool.Exec(f.ctx, "UPDATE sessions SET closed_to_agency_id = $2, invite_token = 'x' WHERE id = $1", closed, f.other)
	require.NoError(t, err)
	moving, err := f.book(p, from, false)
	require.NoError(t, err)
	_, err = f.svc.Move(actor.With(f.ctx, m), moving.BookingID, closed)
	var v *validation.Errors
	require.ErrorAs(t, err, &v)
	assert.Contains(t, v.Message("to-session"), "another agency")
	assert.Equal(t, booking.Confirmed, f.status(t, moving.BookingID))

	_, err = f.svc.Cancel(actor.With(f.ctx, m), moving.BookingID)
	require.NoError(t, err)
	var audited int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM audit_events WHERE action = 'booking_cancelled' AND actor_id = $1 AND subject_user_id = $2", m.ID, p.ID).Scan(&audited))
	assert.Equal(t, 1, audited)
}
