package booking_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/privacy"
)

// capped puts places per agency on a session: agencyCap per agency (and
// sectorCap per sector, 0 for none) until release.
func (f fixture) capped(t testing.TB, session int64, agencyCap, sectorCap int, release time.Time) {
	t.Helper()
	var sector *int
	if sectorCap > 0 {
		sector = &sectorCap
	}
	var agency *int
	if agencyCap > 0 {
		agency = &agencyCap
	}
	_, err := f.pool.Exec(f.ctx, `UPDATE sessions SET agency_cap = $2, sector_cap = $3, caps_release_at = $4 WHERE id = $1`,
		session, agency, sector, release)
	require.NoError(t, err)
}

// agencyOfSector adds an agency of sector.
func (f fixture) agencyOfSector(t testing.TB, name, sector string) int64 {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx,
		`INSERT INTO agencies (name, sector, charging_band) VALUES ($1, $2, 'partner') RETURNING id`, name, sector).Scan(&id))
	return id
}

func (f fixture) statusOf(t testing.TB, id int64) booking.Status {
	t.Helper()
	var s string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT status FROM bookings WHERE id = $1", id).Scan(&s))
	return booking.Status(s)
}

func TestFiftyOfOneAgencyBookingAtOnceGetExactlyTheCap(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 20, 30)
	f.capped(t, session, 4, 0, start.Add(20*24*time.Hour))
	people := make([]actor.Actor, 50)
	for i := range people {
		people[i] = f.person(t, fmt.Sprintf("same%02d", i), f.agency)
	}
	type result struct {
		out booking.Outcome
		err error
	}
	results := make([]result, len(people))
	var wg sync.WaitGroup
	ready := make(chan struct{})
	for i, p := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ready
			out, err := f.book(p, session, i%2 == 0) // half would rather wait
			results[i] = result{out, err}
		}()
	}
	close(ready)
	wg.Wait()

	confirmed, waiting, refused := 0, 0, 0
	for i, r := range results {
		ce, capped := booking.IsCapped(r.err)
		switch {
		case r.err == nil && r.out.Status == booking.Confirmed:
			confirmed++
		case r.err == nil && r.out.Status == booking.Waiting:
			waiting++
			assert.Equal(t, 0, i%2, "only those who asked join the waiting list")
		case capped:
			refused++
			assert.Equal(t, 1, i%2, "those who asked to wait are put on the list, not refused")
			assert.Equal(t, 4, ce.AgencyPlaces)
			assert.Contains(t, ce.Reason(), "each agency may hold 4 of its places until")
		default:
			t.Errorf("person %d: unexpected answer %+v %v", i, r.out, r.err)
		}
	}
	assert.Equal(t, 4, confirmed, "exactly the cap, however many book at once")
	assert.Equal(t, 50, confirmed+waiting+refused)
	assert.Equal(t, 4, f.consistent(t, session))

	// The session is far from full: another agency's people still book.
	other := f.person(t, "other-agency", f.other)
	out, err := f.book(other, session, false)
	require.NoError(t, err)
	assert.Equal(t, booking.Confirmed, out.Status)
}

func TestTheDatabaseRefusesAPlaceBeyondTheCap(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 10, 30)
	release := start.Add(20 * 24 * time.Hour)
	f.capped(t, session, 2, 0, release)
	insert := func(name string, at time.Time, reason string) error {
		p := f.person(t, name, f.agency)
		_, err := f.pool.Exec(f.ctx, `
			INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at,
			                      created_at, updated_at, cap_exceeded_reason)
			VALUES ($1, $2, $3, 'confirmed', $2, $4, $4, $4, $4, $5)`, session, p.ID, f.agency, at, reason)
		return err
	}
	require.NoError(t, insert("first", start, ""))
	require.NoError(t, insert("second", start, ""))
	err := insert("third", start, "")
	require.Error(t, err, "a third place of the agency, written straight to the table")
	assert.True(t, pgerr.Violates(err, "bookings_within_agency_cap"), "%v", err)
	require.NoError(t, insert("fourth", start, "The only safeguarding lead of a new team"), "a manager's reason lets it past")
	require.NoError(t, insert("fifth", release, ""), "from the release date the places are open to all")
	f.consistent(t, session)

	// The session's own rules: no cap above its places, none released after it starts.
	_, err = f.pool.Exec(f.ctx, "UPDATE sessions SET agency_cap = 11 WHERE id = $1", session)
	assert.True(t, pgerr.Violates(err, "sessions_agency_cap_within_capacity"), "%v", err)
	_, err = f.pool.Exec(f.ctx, "UPDATE sessions SET caps_release_at = starts_at + interval '1 day' WHERE id = $1", session)
	assert.True(t, pgerr.Violates(err, "sessions_caps_release_before_start"), "%v", err)
}

func TestTheSectorCapCountsEveryAgencyOfTheSector(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 10, 30)
	f.capped(t, session, 0, 2, start.Add(20*24*time.Hour))
	north := f.agencyOfSector(t, "North Police", "police")
	south := f.agencyOfSector(t, "South Police", "police")
	school := f.agencyOfSector(t, "Hill School", "education")
	for i, a := range []int64{north, south} {
		_, err := f.book(f.person(t, fmt.Sprintf("officer%d", i), a), session, false)
		require.NoError(t, err)
	}
	_, err := f.book(f.person(t, "officer3", north), session, false)
	ce, ok := booking.IsCapped(err)
	require.True(t, ok, "%v", err)
	assert.True(t, ce.BySector)
	assert.Contains(t, ce.Reason(), "the Police sector may hold 2")
	_, err = f.book(f.person(t, "teacher", school), session, false)
	assert.NoError(t, err, "another sector is not held back")
}

// TestTheWaitingListPassesOverACappedAgency: a freed place goes to the first
// person waiting whose agency is under its cap; those passed over keep their
// turn and are offered a place once the caps lift, by the release job or by
// the sweep under it.
func TestTheWaitingListPassesOverACappedAgency(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 4, 30)
	release := start.Add(20 * 24 * time.Hour)
	f.capped(t, session, 2, 0, release)
	third := f.agencyOfSector(t, "Third Agency", "health")
	a1, a2, a3 := f.person(t, "a1", f.agency), f.person(t, "a2", f.agency), f.person(t, "a3", f.agency)
	b1, b2 := f.person(t, "b1", f.other), f.person(t, "b2", f.other)
	c1 := f.person(t, "c1", third)
	for _, p := range []actor.Actor{a1, a2} {
		_, err := f.book(p, session, false)
		require.NoError(t, err)
	}
	_, err := f.book(a3, session, false)
	_, ok := booking.IsCapped(err)
	require.True(t, ok, "the agency holds its two places: %v", err)
	a3Wait, err := f.book(a3, session, true)
	require.NoError(t, err, "a place is free, but not to their agency: they may wait")
	assert.Equal(t, booking.Waiting, a3Wait.Status)
	assert.Equal(t, 1, f.position(t, a3, a3Wait.BookingID))

	b1Place, err := f.book(b1, session, false)
	require.NoError(t, err)
	c1Place, err := f.book(c1, session, false)
	require.NoError(t, err)
	b2Wait, err := f.book(b2, session, true)
	require.NoError(t, err)
	require.Equal(t, booking.Waiting, b2Wait.Status, "the session is full")

	_, err = f.svc.Cancel(actor.With(f.ctx, c1), c1Place.BookingID)
	require.NoError(t, err)
	assert.Equal(t, booking.Waiting, f.statusOf(t, a3Wait.BookingID), "first in the queue, but their agency is at its cap")
	assert.Equal(t, booking.Offered, f.statusOf(t, b2Wait.BookingID), "the next person waiting whose agency is under its cap")

	_, err = f.svc.Cancel(actor.With(f.ctx, b1), b1Place.BookingID)
	require.NoError(t, err)
	assert.Equal(t, booking.Waiting, f.statusOf(t, a3Wait.BookingID), "a place is free, but still not to their agency")
	f.consistent(t, session)

	// The caps lift: the release job, scheduled when they were set, offers it.
	tx, err := f.pool.Begin(f.ctx)
	require.NoError(t, err)
	require.NoError(t, f.svc.ScheduleCapsRelease(f.ctx, tx, session, release))
	require.NoError(t, tx.Commit(f.ctx))
	jobs := f.jobs(t, booking.KindCapsRelease)
	require.Len(t, jobs, 1)
	var snooze *river.JobSnoozeError
	assert.ErrorAs(t, work(t, f, f.svc.CapsReleaseWorker(), jobs[0]), &snooze, "early: it waits for its time")
	assert.Equal(t, booking.Waiting, f.statusOf(t, a3Wait.BookingID))
	f.clock.Set(release)
	require.NoError(t, work(t, f, f.svc.CapsReleaseWorker(), jobs[0]))
	assert.Equal(t, booking.Offered, f.statusOf(t, a3Wait.BookingID), "open to all: offered in turn")
	f.consistent(t, session)
	assert.Equal(t, 0, f.sweep(t, "caps"), "nothing left for the sweep")
}

func TestTheCapsSweepOffersWhatAMissedReleaseJobDidNot(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 3, 30)
	release := start.Add(20 * 24 * time.Hour)
	f.capped(t, session, 1, 0, release)
	_, err := f.book(f.person(t, "a1", f.agency), session, false)
	require.NoError(t, err)
	wait, err := f.book(f.person(t, "a2", f.agency), session, true)
	require.NoError(t, err)
	require.Equal(t, booking.Waiting, wait.Status)

	f.clock.Set(release.Add(booking.SweepGrace - time.Second))
	assert.Equal(t, 0, f.sweep(t, "caps"), "the job has its grace to run")
	f.clock.Set(release.Add(booking.SweepGrace + time.Second))
	assert.Equal(t, 1, f.sweep(t, "caps"))
	assert.Equal(t, booking.Offered, f.statusOf(t, wait.BookingID))
	assert.Equal(t, 0, f.sweep(t, "caps"), "once")
}

func TestAManagerMayBookPastACapWithAReason(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 10, 30)
	f.capped(t, session, 1, 0, start.Add(20*24*time.Hour))
	boss := f.manageManager(t, "boss")
	_, err := f.book(f.person(t, "first", f.agency), session, false)
	require.NoError(t, err)
	second := f.person(t, "second", f.agency)

	_, err = f.svc.AddPerson(actor.With(f.ctx, boss), session, "second@example.org", details(), false, booking.Overrides{})
	_, ok := booking.IsCapped(err)
	require.True(t, ok, "without a reason the cap holds for a manager too: %v", err)

	// A practitioner's reason is not a manager's: it is ignored.
	_, err = f.svc.Book(actor.With(f.ctx, second), booking.Request{SessionID: session, PersonID: second.ID, Details: details(), CapReason: "I insist"})
	_, ok = booking.IsCapped(err)
	require.True(t, ok, "%v", err)

	out, err := f.svc.AddPerson(actor.With(f.ctx, boss), session, "second@example.org", details(), false, booking.Overrides{PastCap: "Covers the team's only designated lead"})
	require.NoError(t, err)
	assert.Equal(t, booking.Confirmed, out.Status)
	var reason, audited string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT cap_exceeded_reason FROM bookings WHERE id = $1", out.BookingID).Scan(&reason))
	assert.Equal(t, "Covers the team's only designated lead", reason)
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT details->>'past_cap' FROM audit_events
		WHERE action = 'booking_added' AND subject_user_id = $1`, second.ID).Scan(&audited))
	assert.Equal(t, reason, audited)

	// Within the cap a reason is not kept: there was nothing to explain.
	third := f.person(t, "third", f.other)
	out, err = f.svc.AddPerson(actor.With(f.ctx, boss), session, "third@example.org", details(), false, booking.Overrides{PastCap: "Not needed"})
	require.NoError(t, err)
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT cap_exceeded_reason FROM bookings WHERE id = $1", out.BookingID).Scan(&reason))
	assert.Empty(t, reason)
	_ = third

	list, err := f.svc.Shares(f.ctx, session)
	require.NoError(t, err)
	require.NotEmpty(t, list.Agencies)
	assert.Equal(t, 2, list.Agencies[0].Places)
	assert.Equal(t, 1, list.Agencies[0].OverCap)

	// The reason is the person's data: in their download, and gone with
	// their account (the place still counted as past the cap).
	part := booking.PersonalData()[0]
	assert.Contains(t, part.Columns, "bookings.cap_exceeded_reason")
	tx, err := f.pool.Begin(f.ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(f.ctx) }()
	exported, err := part.Export(f.ctx, tx, privacy.Person{ID: second.ID})
	require.NoError(t, err)
	require.Len(t, exported, 1)
	assert.Equal(t, "Covers the team's only designated lead", exported.([]booking.PersonalBooking)[0].PastCap)
	require.NoError(t, part.Erase(f.ctx, tx, privacy.Person{ID: second.ID}, start))
	require.NoError(t, tx.QueryRow(f.ctx, "SELECT cap_exceeded_reason FROM bookings WHERE user_id = $1", second.ID).Scan(&reason))
	assert.Equal(t, "Reason removed with the account", reason)
}

func TestACappedPersonCannotBeMovedOntoTheSession(t *testing.T) {
	t.Parallel()
	f := setup(t)
	from := f.session(t, 10, 30)
	to := f.session(t, 10, 31)
	f.capped(t, to, 1, 0, start.Add(20*24*time.Hour))
	boss := f.manageManager(t, "boss")
	_, err := f.book(f.person(t, "there", f.agency), to, false)
	require.NoError(t, err)
	mover := f.person(t, "mover", f.agency)
	placed, err := f.book(mover, from, false)
	require.NoError(t, err)
	_, err = f.svc.Move(actor.With(f.ctx, boss), placed.BookingID, to)
	var v interface{ Message(string) string }
	require.True(t, errors.As(err, &v), "%v", err)
	assert.Contains(t, v.Message(booking.FieldToSession), "cap")
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM bookings WHERE session_id = $1 AND user_id = $2", to, mover.ID).Scan(&n))
	assert.Zero(t, n)
	_ = pgx.ErrNoRows
}

// A place waiting for a line manager's approval holds its seat, so it
// counts against its agency's cap as a place does; declined, it frees the
// agency's share for the next person of the agency waiting.
func TestAPlaceAwaitingApprovalCountsAgainstTheCap(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.needApproval(t, f.agency, 72)
	session := f.session(t, 10, 30)
	f.capped(t, session, 1, 0, start.Add(20*24*time.Hour))
	first, err := f.book(f.person(t, "first", f.agency), session, false)
	require.NoError(t, err)
	require.Equal(t, booking.AwaitingApproval, first.Status)
	waiting, err := f.book(f.person(t, "second", f.agency), session, true)
	require.NoError(t, err)
	assert.Equal(t, booking.Waiting, waiting.Status, "the agency's one place is waiting for approval")

	require.NoError(t, f.svc.AnswerApproval(f.ctx, f.approvalToken(t), booking.Decline, "Not this term"))
	assert.Equal(t, booking.Offered, f.statusOf(t, waiting.BookingID), "the share is free again: offered to the agency's next person")
	f.consistent(t, session)
}

// A session's shares come with its caps even when nobody holds or waits
// for a place on it; a session that does not exist has none.
func TestSharesOfASessionWithNoBookings(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 1, 20)
	release := start.Add(15 * 24 * time.Hour)
	_, err := f.pool.Exec(f.ctx, `UPDATE sessions SET agency_cap = 1, sector_cap = 1, caps_release_at = $2 WHERE id = $1`,
		session, release)
	require.NoError(t, err)
	shares, err := f.svc.Shares(f.ctx, session)
	require.NoError(t, err)
	assert.Empty(t, shares.Agencies)
	assert.Equal(t, 1, shares.Caps.AgencyCap)
	assert.Equal(t, 1, shares.Caps.SectorCap)
	assert.True(t, release.Equal(shares.Caps.ReleaseAt), "released at %v", shares.Caps.ReleaseAt)

	waiter := f.person(t, "waiter", f.agency)
	f.bookAll(t, session, f.person(t, "holder", f.other))
	_, err = f.book(waiter, session, true)
	require.NoError(t, err)
	shares, err = f.svc.Shares(f.ctx, session)
	require.NoError(t, err)
	require.Len(t, shares.Agencies, 2)
	assert.Equal(t, []int{1, 0}, []int{shares.Agencies[0].Places, shares.Agencies[1].Places}, "most places first")
	assert.Equal(t, []int{0, 1}, []int{shares.Agencies[0].Waiting, shares.Agencies[1].Waiting})
	assert.True(t, release.Equal(shares.Caps.ReleaseAt))

	_, err = f.svc.Shares(f.ctx, session+1000)
	assert.ErrorIs(t, err, booking.ErrNotFound)
}
