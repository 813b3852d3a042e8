package booking_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/scheduling"
)

func (f fixture) scheduler() *scheduling.Service {
	s := scheduling.New(f.pool, f.clock.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Bookings = f.svc
	return s
}

func (f fixture) status(t *testing.T, id int64) string {
	t.Helper()
	var s string
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
	assert.Equal(t, booking.Cancelled, f.status(t, waiting.BookingID))
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
	_, err = f.pool.Exec(f.ctx, `
		WITH r AS (INSERT INTO user_roles (user_id, role) VALUES ($1, 'trainer')),
		     c AS (INSERT INTO trainer_courses (trainer_id, course_id) SELECT $1, course_id FROM sessions WHERE id = $2)
		INSERT INTO session_trainers (session_id, trainer_id) VALUES ($2, $1)`, trainer.ID, session)
	require.NoError(t, err)
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
