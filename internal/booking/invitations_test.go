package booking_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/scheduling"
)

// storedInvite is the calendar of the newest email to person whose subject
// starts with prefix.
func (f fixture) storedInvite(t *testing.T, person actor.Actor, prefix string) (method, ics, filename string) {
	t.Helper()
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		SELECT calendar_method, calendar_ics, calendar_filename FROM emails
		WHERE user_id = $1 AND subject LIKE $2 || '%' ORDER BY id DESC LIMIT 1`, person.ID, prefix).
		Scan(&method, &ics, &filename))
	return method, strings.ReplaceAll(ics, "\r\n ", ""), filename // unfolded
}

func uid(id int64) string { return fmt.Sprintf("UID:booking-%d@localhost", id) }

func TestBookingAndCancellingSendInvites(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 2, 30)
	person := f.person(t, "invited", f.agency)
	out, err := f.book(person, session, false)
	require.NoError(t, err)

	method, ics, filename := f.storedInvite(t, person, "Booking confirmed:")
	assert.Equal(t, "REQUEST", method)
	assert.Equal(t, "invitation.ics", filename)
	assert.Contains(t, ics, "METHOD:REQUEST\r\n")
	assert.Contains(t, ics, uid(out.BookingID)+"\r\n")
	assert.Contains(t, ics, "SEQUENCE:0\r\n")
	assert.Contains(t, ics, "mailto:invited@example.org")
	assert.Contains(t, ics, "ORGANIZER;CN=Test Partnership:mailto:bookings@localhost")
	assert.Contains(t, ics, "LOCATION:Online")
	assert.Contains(t, ics, "TRIGGER:-PT24H")

	_, err = f.svc.Cancel(actor.With(f.ctx, person), out.BookingID)
	require.NoError(t, err)
	method, ics, filename = f.storedInvite(t, person, "Booking cancelled:")
	assert.Equal(t, "CANCEL", method)
	assert.Equal(t, "cancellation.ics", filename)
	assert.Contains(t, ics, "METHOD:CANCEL\r\n")
	assert.Contains(t, ics, uid(out.BookingID)+"\r\n", "the same event, so calendars remove it")
	assert.Contains(t, ics, "SEQUENCE:1\r\n", "above the invite's, or calendars ignore it")
	assert.Contains(t, ics, "STATUS:CANCELLED")
}

func TestMovingASessionSendsUpdatedInvites(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 2, 30)
	first, second := f.person(t, "first", f.agency), f.person(t, "second", f.agency)
	waiter := f.person(t, "waiter", f.agency)
	firstOut, err := f.book(first, session, false)
	require.NoError(t, err)
	secondOut, err := f.book(second, session, false)
	require.NoError(t, err)
	_, err = f.book(waiter, session, true)
	require.NoError(t, err)

	trainer := f.person(t, "trainer", f.agency)
	f.putTrainerOn(t, session, trainer.ID)
	svc := f.scheduler()
	se, err := svc.Get(f.ctx, session)
	require.NoError(t, err)

	// A change of capacity alone is no change of time or place: no email.
	form := scheduling.FormFor(se)
	form.Capacity = "3"
	_, err = svc.Move(f.ctx, session, form)
	require.NoError(t, err)
	var changed int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM emails WHERE subject LIKE 'Session changed:%'").Scan(&changed))
	assert.Zero(t, changed)
	same, err := svc.Get(f.ctx, session)
	require.NoError(t, err)
	assert.Zero(t, same.Sequence)

	later := se.StartsAt.Add(24 * time.Hour)
	form.Day = fmt.Sprint(later.Day())
	form.Month = fmt.Sprint(int(later.Month()))
	_, err = svc.Move(f.ctx, session, form)
	require.NoError(t, err)
	moved, err := svc.Get(f.ctx, session)
	require.NoError(t, err)
	require.Equal(t, 1, moved.Sequence)

	for _, p := range []struct {
		who actor.Actor
		id  int64
	}{{first, firstOut.BookingID}, {second, secondOut.BookingID}} {
		method, ics, _ := f.storedInvite(t, p.who, "Session changed:")
		assert.Equal(t, "REQUEST", method)
		assert.Contains(t, ics, uid(p.id)+"\r\n", "the same event, updated")
		assert.Contains(t, ics, "SEQUENCE:1\r\n")
		assert.Contains(t, ics, "DTSTART;TZID=Europe/London:"+moved.StartsAt.In(london.Zone).Format("20060102T150405")+"\r\n")
		assert.Contains(t, ics, "DTSTART;TZID=Europe/London:"+later.In(london.Zone).Format("20060102"), "the new day")
	}
	var told int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM emails WHERE subject LIKE 'Session changed:%' AND user_id <> $1", trainer.ID).Scan(&told))
	assert.Equal(t, 2, told, "only people with a place are told, not those offered or waiting")
	// The trainer is told too, with their own event (internal/scheduling tests it in full).
	method, ics, _ := f.storedInvite(t, trainer, "Session changed:")
	assert.Equal(t, "REQUEST", method)
	assert.Contains(t, ics, fmt.Sprintf("UID:session-%d-trainer-%d@localhost\r\n", session, trainer.ID))

	// Cancelling the moved session cancels the event at a higher sequence.
	require.NoError(t, svc.Cancel(f.ctx, session, "The trainer is ill"))
	method, ics, filename := f.storedInvite(t, first, "Session cancelled:")
	assert.Equal(t, "CANCEL", method)
	assert.Equal(t, "cancellation.ics", filename)
	assert.Contains(t, ics, uid(firstOut.BookingID)+"\r\n")
	assert.Contains(t, ics, "SEQUENCE:2\r\n")
}

func TestMovingAPlaceSendsANewInviteAndCancelsTheOld(t *testing.T) {
	t.Parallel()
	f := setup(t)
	boss := f.manageManager(t, "boss")
	from, to := f.session(t, 1, 30), f.session(t, 1, 40)
	person := f.person(t, "mover", f.agency)
	held, err := f.book(person, from, false)
	require.NoError(t, err)
	newID, err := f.svc.Move(actor.With(f.ctx, boss), held.BookingID, to)
	require.NoError(t, err)

	method, ics, filename := f.storedInvite(t, person, "Your place has been moved:")
	assert.Equal(t, "REQUEST", method)
	assert.Equal(t, "invitation.ics", filename)
	assert.Contains(t, ics, uid(newID)+"\r\n", "a new booking, so a new event")

	method, ics, filename = f.storedInvite(t, person, "Removed from your calendar:")
	assert.Equal(t, "CANCEL", method)
	assert.Equal(t, "cancellation.ics", filename)
	assert.Contains(t, ics, uid(held.BookingID)+"\r\n", "the old event goes")
	assert.Contains(t, ics, "SEQUENCE:1\r\n")
}
