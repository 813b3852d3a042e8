package booking_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/validation"
)

// manager adds a training manager.
func (f fixture) manageManager(t testing.TB, name string) actor.Actor {
	t.Helper()
	m := f.person(t, name, f.other)
	m.Manager = true
	return m
}

// otherCourseSession adds a published session of a different course from
// the one f.session uses.
func (f fixture) manageOtherCourseSession(t testing.TB, capacity, days int) int64 {
	t.Helper()
	var id int64
	begins := start.Add(time.Duration(days) * 24 * time.Hour)
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online LIMIT 1), $1, $2, $3, $4, 'published'
		FROM courses c ORDER BY c.id OFFSET 1 LIMIT 1 RETURNING id`,
		begins, begins.Add(3*time.Hour), begins.Add(-3*24*time.Hour), capacity).Scan(&id))
	return id
}

func (f fixture) manageCount(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, sql, args...).Scan(&n))
	return n
}

// audited counts the audit events of action about person.
func (f fixture) manageAudited(t testing.TB, action audit.Action, person int64) int {
	t.Helper()
	return f.manageCount(t, "SELECT count(*) FROM audit_events WHERE action = $1 AND subject_user_id = $2", string(action), person)
}

// emailed counts the emails to person whose subject starts with subject.
func (f fixture) manageEmailed(t testing.TB, person int64, subject string) int {
	t.Helper()
	return f.manageCount(t, "SELECT count(*) FROM emails WHERE user_id = $1 AND subject LIKE $2 || '%'", person, subject)
}

func (f fixture) manageStatus(t testing.TB, bookingID int64) booking.Status {
	t.Helper()
	var s booking.Status
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT status FROM bookings WHERE id = $1", bookingID).Scan(&s))
	return s
}

func manageInvalid(t *testing.T, err error, field string) {
	t.Helper()
	var v *validation.Errors
	require.ErrorAs(t, err, &v)
	assert.True(t, v.Has(field), "expected a problem with %s, got %v", field, err)
}

func TestManagerAddsAPerson(t *testing.T) {
	t.Parallel()
	f := setup(t)
	boss := f.manageManager(t, "boss")
	boss.IP = "192.0.2.7" // where the request came from, as the web app trusts it
	pat := f.person(t, "pat", f.agency)
	session := f.session(t, 1, 2) // the cut-off passed yesterday

	_, err := f.svc.AddPerson(actor.With(f.ctx, pat), session, "pat@example.org", details(), false, booking.Overrides{})
	assert.ErrorIs(t, err, booking.ErrForbidden, "a practitioner cannot add people")
	_, err = f.svc.AddPerson(actor.With(f.ctx, boss), session, "nobody@example.org", details(), false, booking.Overrides{})
	manageInvalid(t, err, booking.FieldPersonEmail)
	_, err = f.svc.AddPerson(actor.With(f.ctx, boss), session, "not an address", details(), false, booking.Overrides{})
	manageInvalid(t, err, booking.FieldPersonEmail)
	_, err = f.svc.AddPerson(actor.With(f.ctx, boss), session, "pat@example.org", booking.Details{AgreePolicy: true}, false, booking.Overrides{})
	var v *validation.Errors
	require.ErrorAs(t, err, &v)
	assert.Equal(t, "Enter their line manager’s name", v.Message(booking.FieldLineManagerName), "worded for someone else")
	unverified := f.person(t, "unverified", f.agency)
	_, err = f.pool.Exec(f.ctx, "UPDATE users SET email_verified_at = NULL WHERE id = $1", unverified.ID)
	require.NoError(t, err)
	_, err = f.svc.AddPerson(actor.With(f.ctx, boss), session, "unverified@example.org", details(), false, booking.Overrides{})
	manageInvalid(t, err, booking.FieldPersonEmail)
	assert.Zero(t, f.manageCount(t, "SELECT count(*) FROM bookings WHERE session_id = $1", session), "refusals change nothing")

	// After the cut-off a manager may still add someone, by email address.
	out, err := f.svc.AddPerson(actor.With(f.ctx, boss), session, " PAT@example.org ", details(), false, booking.Overrides{})
	require.NoError(t, err)
	assert.Equal(t, booking.Confirmed, out.Status)
	b, err := f.svc.Get(actor.With(f.ctx, pat), out.BookingID)
	require.NoError(t, err)
	assert.Equal(t, "Lee Manager", b.LineManagerName)
	assert.Equal(t, 1, f.manageAudited(t, audit.BookingAdded, pat.ID))
	assert.Equal(t, 1, f.manageCount(t, `SELECT count(*) FROM audit_events
		WHERE action = $1 AND subject_user_id = $2 AND actor_id = $3 AND ip = $4::inet`,
		string(audit.BookingAdded), pat.ID, boss.ID, "192.0.2.7"), "the entry names the actor from the context, and their address")
	assert.Equal(t, 1, f.manageEmailed(t, pat.ID, "Booking confirmed"))
	_, err = f.svc.AddPerson(actor.With(f.ctx, boss), session, "pat@example.org", details(), false, booking.Overrides{})
	assert.ErrorIs(t, err, booking.ErrAlreadyBooked)

	// The places still hold: full is full, unless they join the waiting list.
	sam := f.person(t, "sam", f.agency)
	_, err = f.svc.AddPerson(actor.With(f.ctx, boss), session, "sam@example.org", details(), false, booking.Overrides{})
	assert.ErrorIs(t, err, booking.ErrFull)
	out, err = f.svc.AddPerson(actor.With(f.ctx, boss), session, "sam@example.org", details(), true, booking.Overrides{})
	require.NoError(t, err)
	assert.Equal(t, booking.Waiting, out.Status)
	assert.Equal(t, 1, f.position(t, sam, out.BookingID))
	assert.Equal(t, 1, f.manageAudited(t, audit.BookingAdded, sam.ID))
	assert.Equal(t, 1, f.consistent(t, session))

	// Not once the session has started.
	f.clock.Set(start.Add(2 * 24 * time.Hour))
	f.person(t, "late-comer", f.agency)
	_, err = f.svc.AddPerson(actor.With(f.ctx, boss), session, "late-comer@example.org", details(), true, booking.Overrides{})
	assert.ErrorIs(t, err, booking.ErrNotBookable)
}

func TestManagerRemovesABookingAndOffersThePlace(t *testing.T) {
	t.Parallel()
	f := setup(t)
	boss := f.manageManager(t, "boss")
	session := f.session(t, 1, 30)
	holder := f.person(t, "holder", f.agency)
	first := f.person(t, "first-waiting", f.agency)
	second := f.person(t, "second-waiting", f.agency)
	held, err := f.book(holder, session, false)
	require.NoError(t, err)
	w1, err := f.book(first, session, true)
	require.NoError(t, err)
	w2, err := f.book(second, session, true)
	require.NoError(t, err)

	assert.ErrorIs(t, f.svc.Remove(actor.With(f.ctx, holder), held.BookingID, false, "Changed my mind"), booking.ErrForbidden,
		"a practitioner uses Cancel, not the manager's Remove")
	manageInvalid(t, f.svc.Remove(actor.With(f.ctx, boss), held.BookingID, false, "  "), booking.FieldNote)
	long := make([]rune, 501)
	for i := range long {
		long[i] = 'x'
	}
	manageInvalid(t, f.svc.Remove(actor.With(f.ctx, boss), held.BookingID, false, string(long)), booking.FieldNote)
	assert.ErrorIs(t, f.svc.Remove(actor.With(f.ctx, boss), 999999, false, "Gone"), booking.ErrNotFound)
	assert.Equal(t, booking.Confirmed, f.manageStatus(t, held.BookingID), "refusals change nothing")

	require.NoError(t, f.svc.Remove(actor.With(f.ctx, boss), held.BookingID, true, "Left the agency"))
	var late bool
	var note string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT late, end_note FROM bookings WHERE id = $1", held.BookingID).Scan(&late, &note))
	assert.True(t, late, "the manager said it was late")
	assert.Equal(t, "Left the agency", note)
	assert.Equal(t, booking.Cancelled, f.manageStatus(t, held.BookingID))
	assert.Equal(t, 1, f.manageEmailed(t, holder.ID, "Booking cancelled"))
	assert.Equal(t, 1, f.manageAudited(t, audit.BookingCancelled, holder.ID))
	assert.Equal(t, booking.Offered, f.manageStatus(t, w1.BookingID), "the place goes to the first person waiting")
	assert.Equal(t, booking.Waiting, f.manageStatus(t, w2.BookingID))
	assert.Equal(t, 1, f.manageEmailed(t, first.ID, "A place is available"))
	assert.ErrorIs(t, f.svc.Remove(actor.With(f.ctx, boss), held.BookingID, false, "Again"), booking.ErrWrongState)

	// Withdrawing the offer passes the place on again, and is never late.
	require.NoError(t, f.svc.Remove(actor.With(f.ctx, boss), w1.BookingID, true, "Duplicate booking"))
	assert.Equal(t, booking.Left, f.manageStatus(t, w1.BookingID))
	assert.Equal(t, 1, f.manageEmailed(t, first.ID, "You are no longer waiting"))
	assert.Equal(t, booking.Offered, f.manageStatus(t, w2.BookingID))
	assert.Equal(t, 0, f.consistent(t, session))

	// Not once the session has started.
	f.clock.Set(start.Add(30 * 24 * time.Hour))
	assert.ErrorIs(t, f.svc.Remove(actor.With(f.ctx, boss), w2.BookingID, false, "Too late"), booking.ErrStarted)
}

func TestManagerMovesAPlace(t *testing.T) {
	t.Parallel()
	f := setup(t)
	boss := f.manageManager(t, "boss")
	from := f.session(t, 1, 30)
	to := f.session(t, 1, 40)
	otherCourse := f.manageOtherCourseSession(t, 5, 40)
	holder := f.person(t, "holder", f.agency)
	waiter := f.person(t, "waiter", f.agency)
	held, err := f.svc.Book(actor.With(f.ctx, holder), booking.Request{SessionID: from, PersonID: holder.ID, Details: booking.Details{
		AccessNeeds: "Step-free access", DietaryNeeds: "Vegan", LineManagerName: "Lee Manager", LineManagerEmail: "lee@example.org", AgreePolicy: true}})
	require.NoError(t, err)
	w, err := f.book(waiter, from, true)
	require.NoError(t, err)

	full := f.session(t, 1, 45)
	_, err = f.book(f.person(t, "occupant", f.agency), full, false)
	require.NoError(t, err)
	targets, err := f.svc.MoveTargets(f.ctx, from)
	require.NoError(t, err)
	offered := map[int64]int{}
	for _, s := range targets {
		offered[s.ID] = s.PlacesLeft
	}
	assert.Equal(t, 1, offered[to], "another session of the course with a place")
	assert.NotContains(t, offered, from, "not the session they are on")
	assert.NotContains(t, offered, full, "not a full session")
	assert.NotContains(t, offered, otherCourse, "not another course")

	_, err = f.svc.Move(actor.With(f.ctx, holder), held.BookingID, to)
	assert.ErrorIs(t, err, booking.ErrForbidden)
	_, err = f.svc.Move(actor.With(f.ctx, boss), held.BookingID, from)
	manageInvalid(t, err, booking.FieldToSession)
	_, err = f.svc.Move(actor.With(f.ctx, boss), held.BookingID, otherCourse)
	manageInvalid(t, err, booking.FieldToSession)
	_, err = f.svc.Move(actor.With(f.ctx, boss), held.BookingID, 999999)
	manageInvalid(t, err, booking.FieldToSession)
	_, err = f.svc.Move(actor.With(f.ctx, boss), w.BookingID, to)
	assert.ErrorIs(t, err, booking.ErrWrongState, "only a confirmed place moves")
	draft := f.session(t, 5, 50)
	_, err = f.pool.Exec(f.ctx, "UPDATE sessions SET status = 'draft' WHERE id = $1", draft)
	require.NoError(t, err)
	_, err = f.svc.Move(actor.With(f.ctx, boss), held.BookingID, draft)
	manageInvalid(t, err, booking.FieldToSession)
	assert.Equal(t, booking.Confirmed, f.manageStatus(t, held.BookingID), "refusals change nothing")

	newID, err := f.svc.Move(actor.With(f.ctx, boss), held.BookingID, to)
	require.NoError(t, err)
	moved, err := f.svc.Get(actor.With(f.ctx, holder), newID)
	require.NoError(t, err)
	assert.Equal(t, to, moved.SessionID)
	assert.Equal(t, booking.Confirmed, moved.Status)
	assert.Equal(t, "Step-free access", moved.AccessNeeds)
	assert.Equal(t, "Vegan", moved.DietaryNeeds)
	assert.Equal(t, "lee@example.org", moved.LineManagerEmail)
	var replacedBy int64
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT replaced_by FROM bookings WHERE id = $1", held.BookingID).Scan(&replacedBy))
	assert.Equal(t, newID, replacedBy)
	assert.Equal(t, booking.Moved, f.manageStatus(t, held.BookingID))
	assert.Equal(t, booking.Offered, f.manageStatus(t, w.BookingID), "the freed place is offered on")
	assert.Equal(t, 1, f.manageEmailed(t, holder.ID, "Your place has been moved"))
	assert.Equal(t, 1, f.manageAudited(t, audit.BookingMoved, holder.ID))
	assert.Equal(t, 0, f.consistent(t, from))
	assert.Equal(t, 1, f.consistent(t, to))
	_, err = f.svc.Move(actor.With(f.ctx, boss), held.BookingID, to)
	assert.ErrorIs(t, err, booking.ErrWrongState, "a moved booking moves no more")
}

func TestMoveIntoAFullSessionChangesNothing(t *testing.T) {
	t.Parallel()
	f := setup(t)
	boss := f.manageManager(t, "boss")
	from := f.session(t, 2, 30)
	full := f.session(t, 1, 40)
	mover := f.person(t, "mover", f.agency)
	_, err := f.book(f.person(t, "occupant", f.agency), full, false)
	require.NoError(t, err)
	held, err := f.book(mover, from, false)
	require.NoError(t, err)
	before := f.manageCount(t, "SELECT count(*) FROM bookings")

	_, err = f.svc.Move(actor.With(f.ctx, boss), held.BookingID, full)
	assert.ErrorIs(t, err, booking.ErrFull)
	assert.Equal(t, booking.Confirmed, f.manageStatus(t, held.BookingID))
	assert.Equal(t, before, f.manageCount(t, "SELECT count(*) FROM bookings"))
	assert.Zero(t, f.manageEmailed(t, mover.ID, "Your place has been moved"))
	assert.Zero(t, f.manageAudited(t, audit.BookingMoved, mover.ID))
	assert.Equal(t, 1, f.consistent(t, from))
	assert.Equal(t, 1, f.consistent(t, full))

	// Someone waiting for the target is moved onto it when a place comes up,
	// and their wait ends.
	_, err = f.book(mover, full, true)
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, "UPDATE sessions SET capacity = 2 WHERE id = $1", full)
	require.NoError(t, err)
	newID, err := f.svc.Move(actor.With(f.ctx, boss), held.BookingID, full)
	require.NoError(t, err)
	assert.Equal(t, 1, f.manageCount(t, "SELECT count(*) FROM bookings WHERE session_id = $1 AND user_id = $2 AND status IN ('waiting', 'offered', 'confirmed')", full, mover.ID))
	assert.Equal(t, booking.Confirmed, f.manageStatus(t, newID))
	assert.Equal(t, 2, f.consistent(t, full))
}

func TestTwoManagersMoveTwoPeopleIntoTheLastPlace(t *testing.T) {
	t.Parallel()
	f := setup(t)
	bosses := []actor.Actor{f.manageManager(t, "boss-a"), f.manageManager(t, "boss-b")}
	for round := range 5 {
		// One source session before the target and one after it, so the two
		// moves lock their sessions in opposite orders of creation.
		early := f.session(t, 2, 30)
		target := f.session(t, 1, 40)
		late := f.session(t, 2, 50)
		var held []int64
		for i, se := range []int64{early, late} {
			p := f.person(t, fmt.Sprintf("mover-%d-%d", round, i), f.agency)
			out, err := f.book(p, se, false)
			require.NoError(t, err)
			held = append(held, out.BookingID)
		}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		ready := make(chan struct{})
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-ready
				_, errs[i] = f.svc.Move(actor.With(f.ctx, bosses[i]), held[i], target)
			}()
		}
		close(ready)
		wg.Wait()

		won, full := 0, 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
				assert.Equal(t, booking.Moved, f.manageStatus(t, held[i]))
			case errors.Is(err, booking.ErrFull):
				full++
				assert.Equal(t, booking.Confirmed, f.manageStatus(t, held[i]), "the loser keeps their place")
			default:
				t.Errorf("round %d, move %d: %v", round, i, err)
			}
		}
		assert.Equal(t, 1, won, "exactly one move gets the last place")
		assert.Equal(t, 1, full)
		assert.Equal(t, 1, f.consistent(t, target))
		assert.Equal(t, 1, f.consistent(t, early)+f.consistent(t, late), "one mover left, one stayed")
	}
}

func TestManagerMarksACancellationLate(t *testing.T) {
	t.Parallel()
	f := setup(t)
	boss := f.manageManager(t, "boss")
	session := f.session(t, 5, 30)
	pat := f.person(t, "pat", f.agency)
	out, err := f.book(pat, session, false)
	require.NoError(t, err)

	assert.ErrorIs(t, f.svc.MarkLate(actor.With(f.ctx, boss), out.BookingID, true, "Told us late"), booking.ErrWrongState,
		"a confirmed place is not a cancellation")
	_, err = f.svc.Cancel(actor.With(f.ctx, pat), out.BookingID)
	require.NoError(t, err)
	assert.ErrorIs(t, f.svc.MarkLate(actor.With(f.ctx, pat), out.BookingID, true, "Please"), booking.ErrForbidden)
	manageInvalid(t, f.svc.MarkLate(actor.With(f.ctx, boss), out.BookingID, true, ""), booking.FieldReason)
	isLate := func() bool {
		var late bool
		require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT late FROM bookings WHERE id = $1", out.BookingID).Scan(&late))
		return late
	}
	assert.False(t, isLate(), "refusals change nothing")

	require.NoError(t, f.svc.MarkLate(actor.With(f.ctx, boss), out.BookingID, true, "Cancelled by phone after the cut-off"))
	assert.True(t, isLate())
	require.NoError(t, f.svc.MarkLate(actor.With(f.ctx, boss), out.BookingID, false, "Sickness: charge waived"))
	assert.False(t, isLate())
	assert.Equal(t, 2, f.manageAudited(t, audit.BookingMarkedLate, pat.ID))
	require.NoError(t, f.svc.MarkLate(actor.With(f.ctx, boss), out.BookingID, false, "Again"))
	assert.Equal(t, 2, f.manageAudited(t, audit.BookingMarkedLate, pat.ID), "no change, nothing recorded")
}

func TestReorderChangesWhoIsOfferedNext(t *testing.T) {
	t.Parallel()
	f := setup(t)
	boss := f.manageManager(t, "boss")
	session := f.session(t, 1, 30)
	holder := f.person(t, "holder", f.agency)
	held, err := f.book(holder, session, false)
	require.NoError(t, err)
	var waiting []booking.Outcome
	for i := range 3 {
		out, err := f.book(f.person(t, fmt.Sprintf("waiter%d", i), f.agency), session, true)
		require.NoError(t, err)
		waiting = append(waiting, out)
	}
	order := func() []int64 {
		l, err := f.svc.ListSession(f.ctx, session)
		require.NoError(t, err)
		var ids []int64
		for _, e := range l.Waiting {
			ids = append(ids, e.ID)
		}
		return ids
	}
	a, b, c := waiting[0].BookingID, waiting[1].BookingID, waiting[2].BookingID

	assert.ErrorIs(t, f.svc.Reorder(actor.With(f.ctx, holder), c, true, "Urgent"), booking.ErrForbidden)
	manageInvalid(t, f.svc.Reorder(actor.With(f.ctx, boss), c, true, ""), booking.FieldReason)
	assert.ErrorIs(t, f.svc.Reorder(actor.With(f.ctx, boss), a, true, "Already first"), booking.ErrWrongState)
	assert.ErrorIs(t, f.svc.Reorder(actor.With(f.ctx, boss), c, false, "Already last"), booking.ErrWrongState)
	assert.ErrorIs(t, f.svc.Reorder(actor.With(f.ctx, boss), held.BookingID, true, "Not waiting"), booking.ErrWrongState)
	assert.Equal(t, []int64{a, b, c}, order(), "refusals change nothing")

	require.NoError(t, f.svc.Reorder(actor.With(f.ctx, boss), c, true, "Needs it for registration"))
	assert.Equal(t, []int64{a, c, b}, order())
	require.NoError(t, f.svc.Reorder(actor.With(f.ctx, boss), c, true, "Needs it for registration"))
	assert.Equal(t, []int64{c, a, b}, order())
	require.NoError(t, f.svc.Reorder(actor.With(f.ctx, boss), a, false, "Can wait"))
	assert.Equal(t, []int64{c, b, a}, order())
	got, err := f.svc.Get(actor.With(f.ctx, boss), c)
	require.NoError(t, err)
	assert.Equal(t, 1, got.Position)

	_, err = f.svc.Cancel(actor.With(f.ctx, holder), held.BookingID)
	require.NoError(t, err)
	assert.Equal(t, booking.Offered, f.manageStatus(t, c), "the person moved to the top is offered the place")
	assert.Equal(t, booking.Waiting, f.manageStatus(t, a))
	assert.Equal(t, booking.Waiting, f.manageStatus(t, b))
	var who int64
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT user_id FROM bookings WHERE id = $1", c).Scan(&who))
	assert.Equal(t, 2, f.manageAudited(t, audit.WaitingListReordered, who))
	assert.Equal(t, 0, f.consistent(t, session), "the place is held for the offer")
}
