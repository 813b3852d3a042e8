package booking_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/validation"
)

// A trainer cannot hold a learner's place on a session they deliver, however
// the place would come: booking it themselves, a manager adding them, a
// colleague's place passed to them, or a place moved onto it. On another
// session of the same course they book as anyone does.
func TestATrainerCannotBookASessionTheyDeliver(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session, other := f.session(t, 5, 30), f.session(t, 5, 40)
	trainer := f.sessionTrainer(t, "trainer", session)
	trainer.AgencyID = &f.agency
	_, err := f.pool.Exec(f.ctx, "UPDATE users SET agency_id = $1 WHERE id = $2", f.agency, trainer.ID)
	require.NoError(t, err)

	_, err = f.book(trainer, session, false)
	assert.ErrorIs(t, err, booking.ErrDelivers)
	_, err = f.book(trainer, session, true)
	assert.ErrorIs(t, err, booking.ErrDelivers, "nor wait for a place")

	se, err := f.svc.SessionToBook(f.ctx, session, trainer.ID)
	require.NoError(t, err)
	assert.True(t, se.Delivering, "the booking form knows, to say so")
	se, err = f.svc.SessionToBook(f.ctx, other, trainer.ID)
	require.NoError(t, err)
	assert.False(t, se.Delivering)

	boss := f.manageManager(t, "boss")
	_, err = f.svc.AddPerson(actor.With(f.ctx, boss), session, "trainer@example.org", details(), false, booking.Overrides{})
	assert.ErrorIs(t, err, booking.ErrDelivers, "a manager cannot add them either")

	colleague := f.person(t, "colleague", f.agency)
	held, err := f.book(colleague, session, false)
	require.NoError(t, err)
	_, err = f.svc.Substitute(actor.With(f.ctx, colleague), held.BookingID, "trainer@example.org", details())
	var v *validation.Errors
	require.True(t, errors.As(err, &v), "%v", err)
	assert.Contains(t, v.Fields[0].Message, "delivers this session as a trainer")

	elsewhere, err := f.book(trainer, other, false)
	require.NoError(t, err, "another session of the course is bookable")
	_, err = f.svc.Move(actor.With(f.ctx, boss), elsewhere.BookingID, session)
	require.True(t, errors.As(err, &v), "%v", err)
	assert.Contains(t, v.Fields[0].Message, "deliver that session as a trainer")

	assert.Equal(t, 1, f.consistent(t, session), "only the colleague has a place")
}
