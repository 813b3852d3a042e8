package booking_test

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/validation"
)

const regDay = 24 * time.Hour

// trainer adds a trainer who delivers the given sessions.
func (f fixture) sessionTrainer(t *testing.T, name string, sessions ...int64) actor.Actor {
	t.Helper()
	a := f.person(t, name, f.other)
	a.Trainer = true
	for _, s := range sessions {
		f.putTrainerOn(t, s, a.ID)
	}
	return a
}

// putTrainerOn makes trainer deliver session, as scheduling would: the
// database lets only a person holding the trainer role and approved for
// the session's course on it, so they are given both first.
func (f fixture) putTrainerOn(t *testing.T, session, trainer int64) {
	t.Helper()
	_, err := f.pool.Exec(f.ctx, "INSERT INTO user_roles (user_id, role) VALUES ($1, 'trainer') ON CONFLICT DO NOTHING", trainer)
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, `INSERT INTO trainer_courses (trainer_id, course_id)
		SELECT $1, course_id FROM sessions WHERE id = $2 ON CONFLICT DO NOTHING`, trainer, session)
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, "INSERT INTO session_trainers (session_id, trainer_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", session, trainer)
	require.NoError(t, err)
}

// booked books each person onto session and returns their booking IDs.
func (f fixture) bookAll(t *testing.T, session int64, people ...actor.Actor) []int64 {
	t.Helper()
	ids := make([]int64, len(people))
	for i, p := range people {
		out, err := f.book(p, session, false)
		require.NoError(t, err)
		require.Equal(t, booking.Confirmed, out.Status)
		ids[i] = out.BookingID
	}
	return ids
}

// attendance reads each booking's recorded mark ("" for none).
func (f fixture) marksOf(t *testing.T, ids ...int64) []string {
	t.Helper()
	out := make([]string, len(ids))
	for i, id := range ids {
		var a *string
		require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT attendance FROM bookings WHERE id = $1", id).Scan(&a))
		if a != nil {
			out[i] = *a
		}
	}
	return out
}

// newestEmail is the newest email's ID, to count the emails sent after it.
func (f fixture) newestEmail(t *testing.T) int64 {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT coalesce(max(id), 0) FROM emails").Scan(&id))
	return id
}

// emailsAfter returns the addresses of the emails sent after id.
func (f fixture) emailsAfter(t *testing.T, id int64) []string {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, "SELECT to_address FROM emails WHERE id > $1 ORDER BY id", id)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var to string
		require.NoError(t, rows.Scan(&to))
		out = append(out, to)
	}
	require.NoError(t, rows.Err())
	return out
}

func TestTrainerOfTheSessionTakesTheRegister(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 5, 10)
	elsewhere := f.session(t, 5, 11)
	ours := f.sessionTrainer(t, "our-trainer", session)
	theirs := f.sessionTrainer(t, "their-trainer", elsewhere)
	amy, ben := f.person(t, "amy", f.agency), f.person(t, "ben", f.agency)
	ids := f.bookAll(t, session, amy, ben)
	f.clock.Set(start.Add(10*regDay + time.Hour))

	sheet, err := f.svc.Register(actor.With(f.ctx, ours), session)
	require.NoError(t, err)
	assert.Empty(t, sheet.Closed, "the register is open on the day")
	require.Len(t, sheet.People, 2)
	assert.Equal(t, "amy", sheet.People[0].Name)
	assert.Equal(t, "attendance-"+idText(ids[0]), sheet.People[0].Field())

	marks := map[int64]string{ids[0]: booking.Attended, ids[1]: booking.ArrivedLate}
	for name, who := range map[string]actor.Actor{"another session's trainer": theirs, "a practitioner": amy} {
		_, err := f.svc.Register(actor.With(f.ctx, who), session)
		assert.ErrorIs(t, err, booking.ErrNotFound, name)
		assert.ErrorIs(t, f.svc.TakeRegister(actor.With(f.ctx, who), session, marks), booking.ErrNotFound, name)
	}
	notTrainer := ours
	notTrainer.Trainer = false // the role was taken away
	assert.ErrorIs(t, f.svc.TakeRegister(actor.With(f.ctx, notTrainer), session, marks), booking.ErrNotFound)
	assert.Equal(t, []string{"", ""}, f.marksOf(t, ids...), "refused registers change nothing")

	require.NoError(t, f.svc.TakeRegister(actor.With(f.ctx, ours), session, marks))
	assert.Equal(t, []string{booking.Attended, booking.ArrivedLate}, f.marksOf(t, ids...))
	var by int64
	var at time.Time
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT attendance_by, attendance_at FROM bookings WHERE id = $1", ids[0]).Scan(&by, &at))
	assert.Equal(t, ours.ID, by)
	assert.WithinDuration(t, f.clock.Now(), at, 0)
	var attended, late, absent int
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		SELECT (details->>'attended')::int, (details->>'late')::int, (details->>'absent')::int
		FROM audit_events WHERE action = 'attendance_recorded' AND actor_id = $1`, ours.ID).Scan(&attended, &late, &absent))
	assert.Equal(t, []int{1, 1, 0}, []int{attended, late, absent})

	// A manager may correct it.
	manager := f.person(t, "manager", f.other)
	manager.Manager = true
	require.NoError(t, f.svc.TakeRegister(actor.With(f.ctx, manager), session, map[int64]string{ids[0]: booking.Attended, ids[1]: booking.Attended}))
	assert.Equal(t, []string{booking.Attended, booking.Attended}, f.marksOf(t, ids...))
	sheet, err = f.svc.Register(actor.With(f.ctx, manager), session)
	require.NoError(t, err)
	a, l, ab := sheet.Counts()
	assert.Equal(t, []int{2, 0, 0}, []int{a, l, ab})
}

func TestRegisterOpensWhenTheSessionStarts(t *testing.T) {
	t.Parallel()
	f := setup(t)
	// 10 March 2026, 09:00 London (GMT). Until it starts, people may still
	// cancel or pass their place on, so no one can be marked.
	session := f.session(t, 5, 8)
	tr := f.sessionTrainer(t, "trainer", session)
	ids := f.bookAll(t, session, f.person(t, "amy", f.agency))
	marks := map[int64]string{ids[0]: booking.Attended}

	f.clock.Set(time.Date(2026, time.March, 10, 8, 59, 59, 0, time.UTC))
	var v *validation.Errors
	require.ErrorAs(t, f.svc.TakeRegister(actor.With(f.ctx, tr), session, marks), &v)
	assert.Contains(t, v.Message(""), "9am on Tuesday 10 March 2026")
	sheet, err := f.svc.Register(actor.With(f.ctx, tr), session)
	require.NoError(t, err)
	assert.NotEmpty(t, sheet.Closed, "the page says it is not open yet")
	assert.Equal(t, []string{""}, f.marksOf(t, ids...))

	f.clock.Set(time.Date(2026, time.March, 10, 9, 0, 0, 0, time.UTC))
	require.NoError(t, f.svc.TakeRegister(actor.With(f.ctx, tr), session, marks))

	// In summer time too: 10am in London is 09:00 UTC.
	summer := f.session(t, 5, 120) // 30 June 2026, 09:00 UTC
	tr2 := f.sessionTrainer(t, "summer-trainer", summer)
	f.clock.Set(start)
	ids = f.bookAll(t, summer, f.person(t, "sam", f.agency))
	f.clock.Set(time.Date(2026, time.June, 30, 8, 59, 0, 0, time.UTC))
	require.ErrorAs(t, f.svc.TakeRegister(actor.With(f.ctx, tr2), summer, map[int64]string{ids[0]: booking.Absent}), &v)
	assert.Contains(t, v.Message(""), "10am on Tuesday 30 June 2026")
	f.clock.Set(time.Date(2026, time.June, 30, 9, 0, 0, 0, time.UTC))
	require.NoError(t, f.svc.TakeRegister(actor.With(f.ctx, tr2), summer, map[int64]string{ids[0]: booking.Absent}))

	// A cancelled session has no register.
	f.clock.Set(start)
	gone := f.session(t, 5, 9)
	tr3 := f.sessionTrainer(t, "cancelled-trainer", gone)
	ids = f.bookAll(t, gone, f.person(t, "cat", f.agency))
	_, err = f.pool.Exec(f.ctx, "UPDATE sessions SET status = 'cancelled', cancelled_reason = 'Trainer ill' WHERE id = $1", gone)
	require.NoError(t, err)
	f.clock.Set(start.Add(9*regDay + time.Hour))
	require.ErrorAs(t, f.svc.TakeRegister(actor.With(f.ctx, tr3), gone, map[int64]string{ids[0]: booking.Attended}), &v)
	assert.Contains(t, v.Message(""), "cancelled")
	assert.Equal(t, []string{""}, f.marksOf(t, ids...))
}

func TestRegisterNeedsAMarkForEveryone(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 5, 10)
	other := f.session(t, 5, 10)
	tr := f.sessionTrainer(t, "trainer", session)
	ids := f.bookAll(t, session, f.person(t, "amy", f.agency), f.person(t, "ben", f.agency), f.person(t, "cas", f.agency))
	stranger := f.bookAll(t, other, f.person(t, "dee", f.agency))
	f.clock.Set(start.Add(10 * regDay))

	var v *validation.Errors
	err := f.svc.TakeRegister(actor.With(f.ctx, tr), session, map[int64]string{ids[0]: booking.Attended})
	require.ErrorAs(t, err, &v)
	assert.False(t, v.Has("attendance-"+idText(ids[0])))
	assert.True(t, v.Has("attendance-"+idText(ids[1])))
	assert.True(t, v.Has("attendance-"+idText(ids[2])))
	assert.Contains(t, v.Message("attendance-"+idText(ids[1])), "ben")

	err = f.svc.TakeRegister(actor.With(f.ctx, tr), session, map[int64]string{ids[0]: booking.Attended, ids[1]: "present", ids[2]: booking.Absent})
	require.ErrorAs(t, err, &v)
	assert.Equal(t, []string{"attendance-" + idText(ids[1])}, errorFields(v))

	assert.Equal(t, []string{"", "", ""}, f.marksOf(t, ids...), "nothing is saved from a refused register")
	var events int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM audit_events WHERE action = 'attendance_recorded'").Scan(&events))
	assert.Zero(t, events)

	// A mark for someone not on this register (a booking of another session,
	// or someone who cancelled while the page was open) is ignored.
	err = f.svc.TakeRegister(actor.With(f.ctx, tr), session, map[int64]string{
		ids[0]: booking.Attended, ids[1]: booking.Attended, ids[2]: booking.Attended, stranger[0]: booking.Absent})
	require.NoError(t, err)
	assert.Equal(t, []string{booking.Attended, booking.Attended, booking.Attended}, f.marksOf(t, ids...))
	assert.Equal(t, []string{""}, f.marksOf(t, stranger...), "another session's booking is untouched")
}

func TestAbsenceEmailsThePersonAndLineManagerOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 5, 10)
	tr := f.sessionTrainer(t, "trainer", session)
	ids := f.bookAll(t, session, f.person(t, "amy", f.agency), f.person(t, "ben", f.agency))
	f.clock.Set(start.Add(10*regDay + 4*time.Hour))
	take := func(amy, ben string) {
		t.Helper()
		require.NoError(t, f.svc.TakeRegister(actor.With(f.ctx, tr), session, map[int64]string{ids[0]: amy, ids[1]: ben}))
	}

	before := f.newestEmail(t)
	take(booking.Attended, booking.Absent)
	assert.ElementsMatch(t, []string{"ben@example.org", "lee@example.org"}, f.emailsAfter(t, before),
		"the absent person and their line manager")
	var subject string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT subject FROM emails WHERE id > $1 AND to_address = 'lee@example.org'", before).Scan(&subject))
	assert.Contains(t, subject, "Non-attendance: ben")

	before = f.newestEmail(t)
	take(booking.Attended, booking.Absent)
	assert.Empty(t, f.emailsAfter(t, before), "saving the register again emails nobody")

	take(booking.Attended, booking.Attended) // a correction
	take(booking.Attended, booking.Absent)   // and back again
	assert.Empty(t, f.emailsAfter(t, before), "a person is told of an absence once")
	assert.Equal(t, []string{booking.Attended, booking.Absent}, f.marksOf(t, ids...))

	var changes int
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		SELECT count(*) FROM audit_events
		WHERE action = 'attendance_recorded' AND details->'changed' @> jsonb_build_array(jsonb_build_object('booking_id', $1::bigint, 'from', 'absent', 'to', 'attended'))`,
		ids[1]).Scan(&changes))
	assert.Equal(t, 1, changes, "the audit log keeps the correction")
}

func TestCoordinatorSeesTheirAgencysBookingsInGroups(t *testing.T) {
	t.Parallel()
	f := setup(t)
	coord := f.person(t, "coordinator", f.agency)
	coord.Coordinator = true
	p := func(name string) actor.Actor { return f.person(t, name, f.agency) }
	outsider := f.person(t, "outsider", f.other)

	full := f.session(t, 1, 20)     // one place: held by held, waited for by waiter
	offering := f.session(t, 1, 21) // one place, passed from quitter to offered
	done := f.session(t, 5, 10)     // delivered: attended, absent
	cutoff := f.session(t, 5, 12)   // cut-off on day 9: cancelled late
	tr := f.sessionTrainer(t, "trainer", done)

	held := f.bookAll(t, full, p("held"))[0]
	w, err := f.book(p("waiter"), full, true)
	require.NoError(t, err)
	quitter := p("quitter")
	quit := f.bookAll(t, offering, quitter)[0]
	o, err := f.book(p("offered"), offering, true)
	require.NoError(t, err)
	doneIDs := f.bookAll(t, done, p("attender"), p("absentee"), outsider)
	lateCanceller := p("late-canceller")
	lateID := f.bookAll(t, cutoff, lateCanceller)[0]
	outsiderLate := f.bookAll(t, cutoff, outsider)[0]

	f.clock.Set(start.Add(10*regDay + 4*time.Hour))
	_, err = f.svc.Cancel(actor.With(f.ctx, quitter), quit) // before the cut-off: not late, and the place is offered on
	require.NoError(t, err)
	_, err = f.svc.Cancel(actor.With(f.ctx, lateCanceller), lateID)
	require.NoError(t, err)
	_, err = f.svc.Cancel(actor.With(f.ctx, outsider), outsiderLate)
	require.NoError(t, err)
	require.NoError(t, f.svc.TakeRegister(actor.With(f.ctx, tr), done, map[int64]string{
		doneIDs[0]: booking.Attended, doneIDs[1]: booking.Absent, doneIDs[2]: booking.Absent}))

	l, err := f.svc.AgencyBookings(actor.With(f.ctx, coord), booking.AgencyFilter{})
	require.NoError(t, err)
	assert.Equal(t, []int64{held, o.BookingID}, agencyBookingIDs(l.Upcoming), "upcoming: places and offers, soonest first")
	assert.Equal(t, booking.Offered, l.Upcoming[1].Status)
	assert.Equal(t, []int64{w.BookingID}, agencyBookingIDs(l.Waiting))
	assert.Equal(t, 1, l.Waiting[0].Position)
	assert.ElementsMatch(t, doneIDs[:2], agencyBookingIDs(l.Past))
	assert.Equal(t, []int64{lateID}, agencyBookingIDs(l.LateCancellations), "the early cancellation is not late")
	assert.Equal(t, []int64{doneIDs[1]}, agencyBookingIDs(l.NonAttendance), "not the other agency's absentee")

	l, err = f.svc.AgencyBookings(actor.With(f.ctx, coord), booking.AgencyFilter{Search: "absent"})
	require.NoError(t, err)
	assert.Equal(t, []int64{doneIDs[1]}, agencyBookingIDs(l.Past))
	l, err = f.svc.AgencyBookings(actor.With(f.ctx, coord), booking.AgencyFilter{Search: "%"})
	require.NoError(t, err)
	assert.Empty(t, l.Past, "a % is a character, not a wildcard")

	// The other agency's coordinator sees only theirs.
	theirs := outsider
	theirs.Coordinator = true
	l, err = f.svc.AgencyBookings(actor.With(f.ctx, theirs), booking.AgencyFilter{})
	require.NoError(t, err)
	assert.Equal(t, []int64{doneIDs[2]}, agencyBookingIDs(l.NonAttendance))
	assert.Equal(t, []int64{outsiderLate}, agencyBookingIDs(l.LateCancellations))

	for name, who := range map[string]actor.Actor{
		"a practitioner":             p("nosy"),
		"a manager":                  {ID: coord.ID, AgencyID: coord.AgencyID, Manager: true},
		"a coordinator of no agency": {ID: coord.ID, Coordinator: true},
	} {
		_, err := f.svc.AgencyBookings(actor.With(f.ctx, who), booking.AgencyFilter{})
		assert.ErrorIs(t, err, booking.ErrForbidden, name)
	}
}

func agencyBookingIDs(bs []booking.AgencyBooking) []int64 {
	out := make([]int64, 0, len(bs))
	for _, b := range bs {
		out = append(out, b.ID)
	}
	return out
}

func errorFields(v *validation.Errors) []string {
	out := make([]string, 0, len(v.Fields))
	for _, f := range v.Fields {
		out = append(out, f.Field)
	}
	return out
}

func idText(n int64) string { return strconv.FormatInt(n, 10) }

// A register corrected from absent waives the non-attendance charge the
// manager had confirmed and not yet billed; one already invoiced stays.
func TestCorrectingAnAbsenceWaivesItsUnbilledCharge(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 5, 8)
	ids := f.bookAll(t, session, f.person(t, "amy", f.agency), f.person(t, "ben", f.agency))
	manager := f.person(t, "manager", f.other)
	manager.Manager = true
	f.clock.Set(time.Date(2026, time.March, 10, 10, 0, 0, 0, time.UTC))
	require.NoError(t, f.svc.TakeRegister(actor.With(f.ctx, manager), session, map[int64]string{ids[0]: booking.Absent, ids[1]: booking.Absent}))
	_, err := f.pool.Exec(f.ctx, `
		INSERT INTO charges (booking_id, agency_id, kind, amount_pence, status, decided_by, decided_at, stripe_invoice_id)
		VALUES ($1, $3, 'non_attendance', 10000, 'proposed', $4, now(), NULL),
		       ($2, $3, 'non_attendance', 10000, 'invoiced', $4, now(), 'in_test_1')`, ids[0], ids[1], f.agency, manager.ID)
	require.NoError(t, err)

	require.NoError(t, f.svc.TakeRegister(actor.With(f.ctx, manager), session, map[int64]string{ids[0]: booking.Attended, ids[1]: booking.Attended}))
	status := func(id int64) (s, reason string) {
		require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT status, waiver_reason FROM charges WHERE booking_id = $1", id).Scan(&s, &reason))
		return s, reason
	}
	s, reason := status(ids[0])
	assert.Equal(t, "waived", s)
	assert.Contains(t, reason, "register was corrected")
	s, _ = status(ids[1])
	assert.Equal(t, "invoiced", s, "already billed: credited in Stripe, not here")
}

// "Mark everyone as attended" marks only the confirmed places with no mark
// yet; the trainer then changes the exceptions, and the register's rules
// (who, when, the absence emails, the audit log) hold as before.
func TestMarkEveryoneAttendedThenTheExceptions(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 5, 10)
	tr := f.sessionTrainer(t, "trainer", session)
	other := f.sessionTrainer(t, "other-trainer", f.session(t, 5, 11))
	amy, ben, cas, dee := f.person(t, "amy", f.agency), f.person(t, "ben", f.agency), f.person(t, "cas", f.agency), f.person(t, "dee", f.agency)
	ids := f.bookAll(t, session, amy, ben, cas, dee)
	_, err := f.svc.Cancel(actor.With(f.ctx, dee), ids[3])
	require.NoError(t, err)

	// Not before the session starts, and not by anyone else.
	f.clock.Set(start.Add(10*regDay - time.Minute))
	var v *validation.Errors
	_, err = f.svc.MarkEveryoneAttended(actor.With(f.ctx, tr), session)
	require.ErrorAs(t, err, &v)
	assert.Contains(t, v.Message(""), "when the session starts")
	f.clock.Set(start.Add(10*regDay + time.Hour))
	_, err = f.svc.MarkEveryoneAttended(actor.With(f.ctx, other), session)
	assert.ErrorIs(t, err, booking.ErrNotFound)
	_, err = f.svc.MarkEveryoneAttended(actor.With(f.ctx, amy), session)
	assert.ErrorIs(t, err, booking.ErrNotFound)
	assert.Equal(t, []string{"", "", "", ""}, f.marksOf(t, ids...))

	before := f.newestEmail(t)
	n, err := f.svc.MarkEveryoneAttended(actor.With(f.ctx, tr), session)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	assert.Equal(t, []string{booking.Attended, booking.Attended, booking.Attended, ""}, f.marksOf(t, ids...),
		"the cancelled place is not on the register")
	assert.Empty(t, f.emailsAfter(t, before), "attending emails nobody")
	var by int64
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT attendance_by FROM bookings WHERE id = $1", ids[0]).Scan(&by))
	assert.Equal(t, tr.ID, by)
	var marked int
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		SELECT (details->>'attended')::int FROM audit_events
		WHERE action = 'attendance_recorded' AND actor_id = $1 AND (details->>'everyone_attended')::boolean`, tr.ID).Scan(&marked))
	assert.Equal(t, 3, marked, "audited")
	sheet, err := f.svc.Register(actor.With(f.ctx, tr), session)
	require.NoError(t, err)
	assert.True(t, sheet.Taken())
	assert.Zero(t, sheet.Unmarked())

	// The exceptions: Ben was absent (he and his line manager are told), Cas late.
	require.NoError(t, f.svc.TakeRegister(actor.With(f.ctx, tr), session, map[int64]string{
		ids[0]: booking.Attended, ids[1]: booking.Absent, ids[2]: booking.ArrivedLate}))
	assert.ElementsMatch(t, []string{"ben@example.org", "lee@example.org"}, f.emailsAfter(t, before))

	// Pressing it again changes no one: the exceptions stay.
	n, err = f.svc.MarkEveryoneAttended(actor.With(f.ctx, tr), session)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Equal(t, []string{booking.Attended, booking.Absent, booking.ArrivedLate}, f.marksOf(t, ids[:3]...))
	var events int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM audit_events WHERE action = 'attendance_recorded'").Scan(&events))
	assert.Equal(t, 2, events, "a press that changed nothing records nothing")

	// Someone added after the first press (a manager adds a late booking)
	// is the only one a later press marks.
	f.clock.Set(start)
	eve := f.bookAll(t, session, f.person(t, "eve", f.agency))
	f.clock.Set(start.Add(10*regDay + 2*time.Hour))
	n, err = f.svc.MarkEveryoneAttended(actor.With(f.ctx, tr), session)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, []string{booking.Attended}, f.marksOf(t, eve...))
}

// A form left as it was shown does not overwrite a mark another trainer
// saved while it was open; a mark it changed is saved.
func TestRegisterKeepsAnotherTrainersExceptions(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 5, 10)
	tom := f.sessionTrainer(t, "tom", session)
	grace := f.sessionTrainer(t, "grace", session)
	ids := f.bookAll(t, session, f.person(t, "amy", f.agency), f.person(t, "ben", f.agency), f.person(t, "cas", f.agency))
	f.clock.Set(start.Add(10*regDay + time.Hour))

	_, err := f.svc.MarkEveryoneAttended(actor.With(f.ctx, tom), session)
	require.NoError(t, err)
	shown := map[int64]string{ids[0]: booking.Attended, ids[1]: booking.Attended, ids[2]: booking.Attended}
	// Grace, on a page opened now, marks Ben absent and saves.
	require.NoError(t, f.svc.TakeRegisterSeen(actor.With(f.ctx, grace), session,
		map[int64]string{ids[0]: booking.Attended, ids[1]: booking.Absent, ids[2]: booking.Attended}, shown))
	// Tom, on his page from before, marks Cas late and saves: Ben stays absent.
	require.NoError(t, f.svc.TakeRegisterSeen(actor.With(f.ctx, tom), session,
		map[int64]string{ids[0]: booking.Attended, ids[1]: booking.Attended, ids[2]: booking.ArrivedLate}, shown))
	assert.Equal(t, []string{booking.Attended, booking.Absent, booking.ArrivedLate}, f.marksOf(t, ids...))

	// A page opened before anyone marked anything, sent with only Amy
	// chosen, keeps the marks the others saved instead of asking for them.
	blank := map[int64]string{ids[0]: "", ids[1]: "", ids[2]: ""}
	require.NoError(t, f.svc.TakeRegisterSeen(actor.With(f.ctx, grace), session, map[int64]string{ids[0]: booking.ArrivedLate}, blank))
	assert.Equal(t, []string{booking.ArrivedLate, booking.Absent, booking.ArrivedLate}, f.marksOf(t, ids...))

	// Without what was shown (the old form), every mark sent is saved.
	require.NoError(t, f.svc.TakeRegister(actor.With(f.ctx, tom), session,
		map[int64]string{ids[0]: booking.Attended, ids[1]: booking.Attended, ids[2]: booking.Attended}))
	assert.Equal(t, []string{booking.Attended, booking.Attended, booking.Attended}, f.marksOf(t, ids...))
}

// Two trainers press "mark everyone as attended" at the same moment while a
// third saves an exception: each person is marked once, by one press, and
// the exception survives whichever order the database chose.
func TestTwoTrainersMarkEveryoneAttendedAtOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for round := range 6 {
		session := f.session(t, 5, 10+round)
		tom := f.sessionTrainer(t, "tom-"+idText(int64(round)), session)
		grace := f.sessionTrainer(t, "grace-"+idText(int64(round)), session)
		people := make([]actor.Actor, 5)
		for i := range people {
			people[i] = f.person(t, "p"+idText(int64(round*10+i)), f.agency)
		}
		f.clock.Set(start)
		ids := f.bookAll(t, session, people...)
		f.clock.Set(start.Add(time.Duration(10+round)*regDay + time.Hour))
		before := f.newestEmail(t)

		// The exception comes from a page opened before anyone marked.
		exception := map[int64]string{}
		shown := map[int64]string{}
		for _, b := range ids {
			exception[b], shown[b] = booking.Attended, ""
		}
		exception[ids[2]] = booking.Absent

		ready := make(chan struct{})
		var wg sync.WaitGroup
		counts := make([]int, 2)
		errs := make([]error, 3)
		for i, who := range []actor.Actor{tom, grace} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-ready
				counts[i], errs[i] = f.svc.MarkEveryoneAttended(actor.With(f.ctx, who), session)
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ready
			errs[2] = f.svc.TakeRegisterSeen(actor.With(f.ctx, grace), session, exception, shown)
		}()
		close(ready)
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}

		want := []string{booking.Attended, booking.Attended, booking.Absent, booking.Attended, booking.Attended}
		assert.Equal(t, want, f.marksOf(t, ids...), "round %d: the exception is not lost", round)
		assert.LessOrEqual(t, counts[0]+counts[1], len(ids), "round %d: no one is marked twice", round)
		var marked []int64
		rows, err := f.pool.Query(f.ctx, `
			SELECT jsonb_array_elements_text(details->'booking_ids')::bigint FROM audit_events
			WHERE action = 'attendance_recorded' AND (details->>'session_id')::bigint = $1
			  AND (details->>'everyone_attended')::boolean`, session)
		require.NoError(t, err)
		for rows.Next() {
			var b int64
			require.NoError(t, rows.Scan(&b))
			marked = append(marked, b)
		}
		require.NoError(t, rows.Err())
		rows.Close()
		assert.Len(t, marked, counts[0]+counts[1], "round %d: the audit log names each press's people", round)
		seen := map[int64]bool{}
		for _, b := range marked {
			assert.False(t, seen[b], "round %d: booking %d marked by two presses", round, b)
			seen[b] = true
		}
		assert.ElementsMatch(t, []string{"p" + idText(int64(round*10+2)) + "@example.org", "lee@example.org"}, f.emailsAfter(t, before),
			"round %d: the absent person and their line manager, once", round)
	}
}
