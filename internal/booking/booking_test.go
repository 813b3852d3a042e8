package booking_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/validation"
)

var start = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)

// clock is a test clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

type fixture struct {
	ctx    context.Context
	pool   *pgxpool.Pool
	svc    *booking.Service
	clock  *clock
	agency int64 // the agency most people work for
	other  int64 // another agency
}

func setup(t testing.TB) fixture {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := demo.Seed(ctx, pool, start)
	require.NoError(t, err)
	jobs, err := queue.NewInsertOnly(pool)
	require.NoError(t, err)
	base, _ := url.Parse("http://localhost:3000")
	clk := &clock{now: start}
	outbox := email.NewOutbox(jobs)
	f := fixture{ctx: ctx, pool: pool, clock: clk,
		svc: booking.New(pool, outbox, base, "Test Partnership", clk.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	// Payments as the server wires them, offline (no card payments: f.paid
	// gives them): prices, refunds and charges are payment's.
	pay := payment.New(pool, nil, "", clk.Now)
	pay.Jobs = outbox
	pay.Bookings, f.svc.Money = f.svc, pay
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM agencies ORDER BY id LIMIT 1").Scan(&f.agency))
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM agencies ORDER BY id OFFSET 1 LIMIT 1").Scan(&f.other))
	return f
}

// session adds a published session starting in days, with the cut-off
// three days before it.
func (f fixture) session(t testing.TB, capacity int, days int) int64 {
	t.Helper()
	var id int64
	begins := start.Add(time.Duration(days) * 24 * time.Hour)
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online LIMIT 1), $1, $2, $3, $4, 'published'
		FROM courses c ORDER BY c.id LIMIT 1 RETURNING id`,
		begins, begins.Add(3*time.Hour), begins.Add(-3*24*time.Hour), capacity).Scan(&id))
	return id
}

// person adds a verified practitioner of agency.
func (f fixture) person(t testing.TB, name string, agency int64) actor.Actor {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
		VALUES ($1, $2, $3, '!', now()) RETURNING id`, name+"@example.org", name, agency).Scan(&id))
	a := agency
	return actor.Actor{ID: id, AgencyID: &a}
}

// position is where who's waiting booking id stands, as their booking's
// page shows it: 1 is next.
func (f fixture) position(t testing.TB, who actor.Actor, id int64) int {
	t.Helper()
	b, err := f.svc.Get(actor.With(f.ctx, who), id)
	require.NoError(t, err)
	require.Equal(t, booking.Waiting, b.Status)
	return b.Position
}

func details() booking.Details {
	return booking.Details{LineManagerName: "Lee Manager", LineManagerEmail: "lee@example.org", AgreePolicy: true}
}

func (f fixture) book(who actor.Actor, session int64, wait bool) (booking.Outcome, error) {
	return f.svc.Book(actor.With(f.ctx, who), booking.Request{SessionID: session, PersonID: who.ID, Details: details(), JoinWaitingList: wait})
}

// consistent checks the session's count of places against its bookings
// and returns the number of confirmed places.
func (f fixture) consistent(t *testing.T, session int64) (confirmed int) {
	t.Helper()
	var taken, capacity, held, unmarkedKept, unmarked int
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		SELECT s.seats_taken, s.capacity,
		       (SELECT count(*) FROM bookings b WHERE b.session_id = s.id AND booking_status_takes_seat(b.status)),
		       (SELECT count(*) FROM bookings b WHERE b.session_id = s.id AND b.status = 'confirmed'),
		       s.unmarked_places,
		       (SELECT count(*) FROM bookings b WHERE b.session_id = s.id AND b.status = 'confirmed' AND b.attendance IS NULL)
		FROM sessions s WHERE s.id = $1`, session).Scan(&taken, &capacity, &held, &confirmed, &unmarkedKept, &unmarked))
	assert.Equal(t, held, taken, "seats_taken must equal the places confirmed or held for an offer or a payment")
	assert.Equal(t, unmarked, unmarkedKept, "unmarked_places must equal the confirmed places with no attendance mark")
	assert.LessOrEqual(t, taken, capacity, "the session is over-filled")
	return confirmed
}

func TestHundredPeopleRushForTwentyFivePlaces(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 25, 30)
	people := make([]actor.Actor, 100)
	for i := range people {
		people[i] = f.person(t, fmt.Sprintf("rush%03d", i), f.agency)
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
			out, err := f.book(p, session, i%2 == 0) // half would rather wait than be told it is full
			results[i] = result{out, err}
		}()
	}
	close(ready)
	wg.Wait()

	confirmed, waiting, full := 0, 0, 0
	positions := map[int]bool{}
	for i, r := range results {
		switch {
		case r.err == nil && r.out.Status == booking.Confirmed:
			confirmed++
		case r.err == nil && r.out.Status == booking.Waiting:
			waiting++
			assert.Equal(t, 0, i%2, "only those who asked may join the waiting list")
			pos := f.position(t, people[i], r.out.BookingID)
			assert.False(t, positions[pos], "two people hold waiting position %d", pos)
			positions[pos] = true
		case errors.Is(r.err, booking.ErrFull):
			full++
			assert.Equal(t, 1, i%2, "those who asked to wait are never just told it is full")
		default:
			t.Errorf("person %d: unexpected answer %+v %v", i, r.out, r.err)
		}
	}
	assert.Equal(t, 25, confirmed)
	assert.Equal(t, 100, confirmed+waiting+full, "everyone gets an answer")
	assert.Equal(t, 25, f.consistent(t, session))
	var listed int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM bookings WHERE session_id = $1 AND status = 'waiting'", session).Scan(&listed))
	assert.Equal(t, waiting, listed)
	for p := 1; p <= waiting; p++ {
		assert.True(t, positions[p], "waiting position %d given to nobody", p)
	}
	var emails int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM emails WHERE subject LIKE 'Booking confirmed:%'").Scan(&emails))
	assert.Equal(t, 25, emails, "one confirmation email per place")
	// Each place knows its session's start (migration 00064's trigger),
	// however many were taken at once.
	var startsElsewhere int
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		SELECT count(*) FROM bookings b JOIN sessions s ON s.id = b.session_id
		WHERE b.session_id = $1 AND b.session_starts_at IS DISTINCT FROM s.starts_at`, session).Scan(&startsElsewhere))
	assert.Zero(t, startsElsewhere, "places that do not know when their session starts")
}

func TestConcurrentCancellationsOfferEachPlaceOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 25, 30)
	var booked []booking.Outcome
	var holders []actor.Actor
	for i := range 25 {
		p := f.person(t, fmt.Sprintf("holder%02d", i), f.agency)
		out, err := f.book(p, session, false)
		require.NoError(t, err)
		booked, holders = append(booked, out), append(holders, p)
	}
	var waiters []actor.Actor
	for i := range 10 {
		p := f.person(t, fmt.Sprintf("waiter%02d", i), f.agency)
		out, err := f.book(p, session, true)
		require.NoError(t, err)
		require.Equal(t, booking.Waiting, out.Status)
		require.Equal(t, i+1, f.position(t, p, out.BookingID))
		waiters = append(waiters, p)
	}

	// Six people cancel at the same moment: exactly six offers, to the first six waiting.
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.svc.Cancel(actor.With(f.ctx, holders[i]), booked[i].BookingID)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	rows, err := f.pool.Query(f.ctx, "SELECT id, user_id FROM bookings WHERE session_id = $1 AND status = 'offered' ORDER BY id", session)
	require.NoError(t, err)
	offers := map[int64]int64{}
	for rows.Next() {
		var id, user int64
		require.NoError(t, rows.Scan(&id, &user))
		offers[user] = id
	}
	require.NoError(t, rows.Err())
	require.Len(t, offers, 6)
	for _, w := range waiters[:6] {
		assert.Contains(t, offers, w.ID, "offers go to the first six waiting")
	}
	assert.Equal(t, 19, f.consistent(t, session))

	// Each offer is accepted twice at once (a double click); each succeeds once.
	// Meanwhile someone else tries to book and must be told it is full.
	var accepted, gone sync.Map
	stranger := f.person(t, "stranger", f.agency)
	for _, w := range waiters[:6] {
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := f.svc.AcceptOffer(actor.With(f.ctx, w), offers[w.ID])
				switch {
				case err == nil:
					_, dup := accepted.LoadOrStore(w.ID, true)
					assert.False(t, dup, "an offer was accepted twice")
				case errors.Is(err, booking.ErrOfferGone):
					gone.Store(w.ID, true)
				default:
					t.Errorf("accept: %v", err)
				}
			}()
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := f.book(stranger, session, false)
		assert.ErrorIs(t, err, booking.ErrFull)
	}()
	wg.Wait()
	for _, w := range waiters[:6] {
		_, ok := accepted.Load(w.ID)
		assert.True(t, ok, "offer to %d never accepted", w.ID)
	}
	assert.Equal(t, 25, f.consistent(t, session))
}

func TestOfferExpiresAndPassesToTheNextPerson(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 1, 30)
	first := f.person(t, "first", f.agency)
	a := f.person(t, "waiting-a", f.agency)
	b := f.person(t, "waiting-b", f.agency)
	held, err := f.book(first, session, false)
	require.NoError(t, err)
	wa, err := f.book(a, session, true)
	require.NoError(t, err)
	wb, err := f.book(b, session, true)
	require.NoError(t, err)
	assert.Equal(t, 2, f.position(t, b, wb.BookingID))

	_, err = f.svc.Cancel(actor.With(f.ctx, first), held.BookingID)
	require.NoError(t, err)
	offer, err := f.svc.Get(actor.With(f.ctx, a), wa.BookingID)
	require.NoError(t, err)
	require.Equal(t, booking.Offered, offer.Status)
	assert.WithinDuration(t, start.Add(booking.DefaultOfferWindow), *offer.OfferExpiresAt, 0, "48 hours to accept")

	// Not yet expired: nothing happens.
	f.clock.Set(start.Add(booking.DefaultOfferWindow - time.Minute))
	n, err := f.svc.ExpireOffers(f.ctx)
	require.NoError(t, err)
	assert.Zero(t, n)

	// At the deadline the offer can no longer be accepted, even before the sweep.
	f.clock.Set(start.Add(booking.DefaultOfferWindow))
	assert.ErrorIs(t, f.svc.AcceptOffer(actor.With(f.ctx, a), wa.BookingID), booking.ErrOfferGone)
	n, err = f.svc.ExpireOffers(f.ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	next, err := f.svc.Get(actor.With(f.ctx, b), wb.BookingID)
	require.NoError(t, err)
	assert.Equal(t, booking.Offered, next.Status, "the place passes to the next person waiting")
	gone, err := f.svc.Get(actor.With(f.ctx, a), wa.BookingID)
	require.NoError(t, err)
	assert.Equal(t, booking.Expired, gone.Status)
	require.NoError(t, f.svc.AcceptOffer(actor.With(f.ctx, b), wb.BookingID))
	assert.Equal(t, 1, f.consistent(t, session))
	assert.ErrorIs(t, f.svc.AcceptOffer(actor.With(f.ctx, b), wb.BookingID), booking.ErrOfferGone, "accepted only once")
}

func TestOffersNeverRunPastTheCutoff(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 1, 4) // cut-off one day from now
	first := f.person(t, "first", f.agency)
	waiter := f.person(t, "waiter", f.agency)
	held, err := f.book(first, session, false)
	require.NoError(t, err)
	w, err := f.book(waiter, session, true)
	require.NoError(t, err)
	_, err = f.svc.Cancel(actor.With(f.ctx, first), held.BookingID)
	require.NoError(t, err)
	offer, err := f.svc.Get(actor.With(f.ctx, waiter), w.BookingID)
	require.NoError(t, err)
	assert.WithinDuration(t, start.Add(24*time.Hour), *offer.OfferExpiresAt, 0, "the deadline is the cut-off when that comes first")

	// After the cut-off the offer expires and nobody else is offered the place.
	late := f.person(t, "late-waiter", f.agency)
	_, err = f.pool.Exec(f.ctx, `INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, waiting_since)
		VALUES ($1, $2, $3, 'waiting', $2, now(), now())`, session, late.ID, f.agency)
	require.NoError(t, err)
	f.clock.Set(start.Add(25 * time.Hour))
	n, err := f.svc.ExpireOffers(f.ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	var offered int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM bookings WHERE session_id = $1 AND status = 'offered'", session).Scan(&offered))
	assert.Zero(t, offered, "offers stop at the cut-off")
	assert.Equal(t, 0, f.consistent(t, session))
}

func TestCancellationIsLateFromTheCutoff(t *testing.T) {
	t.Parallel()
	cutoff := time.Date(2026, time.March, 27, 9, 0, 0, 0, time.UTC)
	assert.False(t, booking.IsLate(cutoff, cutoff.Add(-time.Nanosecond)))
	assert.True(t, booking.IsLate(cutoff, cutoff))
	assert.True(t, booking.IsLate(cutoff, cutoff.Add(time.Hour)))

	f := setup(t)
	session := f.session(t, 5, 10) // cut-off at start + 7 days
	early := f.person(t, "early", f.agency)
	late := f.person(t, "late", f.agency)
	e, err := f.book(early, session, false)
	require.NoError(t, err)
	l, err := f.book(late, session, false)
	require.NoError(t, err)

	f.clock.Set(start.Add(7*24*time.Hour - time.Second))
	b, err := f.svc.Get(actor.With(f.ctx, early), e.BookingID)
	require.NoError(t, err)
	assert.False(t, b.LateIfCancelledNow, "the page says a cancellation now is free")
	out, err := f.svc.Cancel(actor.With(f.ctx, early), e.BookingID)
	require.NoError(t, err)
	assert.False(t, out.Late)

	f.clock.Set(start.Add(7 * 24 * time.Hour))
	b, err = f.svc.Get(actor.With(f.ctx, late), l.BookingID)
	require.NoError(t, err)
	assert.True(t, b.LateIfCancelledNow, "the page warns before a late cancellation")
	out, err = f.svc.Cancel(actor.With(f.ctx, late), l.BookingID)
	require.NoError(t, err)
	assert.True(t, out.Late)
	var lateFlag bool
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT late FROM bookings WHERE id = $1", l.BookingID).Scan(&lateFlag))
	assert.True(t, lateFlag)
}

func TestBookingRefusals(t *testing.T) {
	t.Parallel()
	f := setup(t)
	p := f.person(t, "pat", f.agency)
	open := f.session(t, 2, 30)

	var v *validation.Errors
	_, err := f.svc.Book(actor.With(f.ctx, p), booking.Request{SessionID: open, PersonID: p.ID})
	require.ErrorAs(t, err, &v)
	assert.True(t, v.Has(booking.FieldLineManagerName))
	assert.True(t, v.Has(booking.FieldLineManagerEmail))
	assert.True(t, v.Has(booking.FieldAgreePolicy))
	_, err = f.svc.Book(actor.With(f.ctx, p), booking.Request{SessionID: open, PersonID: p.ID, Details: booking.Details{
		LineManagerName: "Lee", LineManagerEmail: "not an email", AgreePolicy: true}})
	require.ErrorAs(t, err, &v)
	assert.Contains(t, v.Message(booking.FieldLineManagerEmail), "correct format")

	_, err = f.book(p, open, false)
	require.NoError(t, err)
	_, err = f.book(p, open, false)
	assert.ErrorIs(t, err, booking.ErrAlreadyBooked, "booking twice")

	set := func(sql string, args ...any) int64 {
		id := f.session(t, 2, 30)
		_, err := f.pool.Exec(f.ctx, sql, append([]any{id}, args...)...)
		require.NoError(t, err)
		return id
	}
	draft := set("UPDATE sessions SET status = 'draft' WHERE id = $1")
	cancelled := set("UPDATE sessions SET status = 'cancelled', cancelled_reason = 'Trainer ill' WHERE id = $1")
	closedByCutoff := set("UPDATE sessions SET booking_cutoff_at = $2 WHERE id = $1", start.Add(-time.Minute))
	full := set("UPDATE sessions SET capacity = 1 WHERE id = $1")
	_, err = f.book(f.person(t, "first-in", f.agency), full, false)
	require.NoError(t, err)
	past := f.session(t, 2, 30)
	_, err = f.pool.Exec(f.ctx, "UPDATE sessions SET starts_at = $2, ends_at = $3, booking_cutoff_at = $4 WHERE id = $1",
		past, start.Add(-48*time.Hour), start.Add(-45*time.Hour), start.Add(-72*time.Hour))
	require.NoError(t, err)

	for name, c := range map[string]struct {
		session int64
		want    error
	}{
		"draft":        {draft, booking.ErrNotFound},
		"cancelled":    {cancelled, booking.ErrNotBookable},
		"past":         {past, booking.ErrNotBookable},
		"after cutoff": {closedByCutoff, booking.ErrCutoffPassed},
		"full":         {full, booking.ErrFull},
		"missing":      {999999, booking.ErrNotFound},
	} {
		_, err := f.book(p, c.session, false)
		assert.ErrorIs(t, err, c.want, name)
	}
	// A full session cannot be waited for by someone already booked.
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM bookings WHERE user_id = $1", p.ID).Scan(&n))
	assert.Equal(t, 1, n, "refusals change nothing")

	// Someone who has not confirmed their email cannot book.
	unverified := f.person(t, "unverified", f.agency)
	_, err = f.pool.Exec(f.ctx, "UPDATE users SET email_verified_at = NULL WHERE id = $1", unverified.ID)
	require.NoError(t, err)
	_, err = f.book(unverified, open, false)
	assert.ErrorIs(t, err, booking.ErrUnverified)
}

func TestClosedSessionNeedsItsAgencyAndLink(t *testing.T) {
	t.Parallel()
	f := setup(t)
	closed := f.session(t, 5, 30)
	_, err := f.pool.Exec(f.ctx, "UPDATE sessions SET closed_to_agency_id = $2, invite_token = 'secret-token' WHERE id = $1", closed, f.agency)
	require.NoError(t, err)
	insider := f.person(t, "insider", f.agency)
	outsider := f.person(t, "outsider", f.other)
	req := func(a actor.Actor, token string) booking.Request {
		return booking.Request{SessionID: closed, PersonID: a.ID, Details: details(), InviteToken: token}
	}
	_, err = f.svc.Book(actor.With(f.ctx, insider), req(insider, ""))
	assert.ErrorIs(t, err, booking.ErrNeedsInvite, "no link")
	_, err = f.svc.Book(actor.With(f.ctx, insider), req(insider, "wrong-token"))
	assert.ErrorIs(t, err, booking.ErrNeedsInvite, "wrong link")
	_, err = f.svc.Book(actor.With(f.ctx, outsider), req(outsider, "secret-token"))
	assert.ErrorIs(t, err, booking.ErrNeedsInvite, "another agency, even with the link")
	_, err = f.svc.Book(actor.With(f.ctx, insider), req(insider, "secret-token"))
	assert.NoError(t, err)
}

func TestRolesLimitWhoCanBookAndChange(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 10, 30)
	staff := f.person(t, "staff", f.agency)
	outsider := f.person(t, "outsider", f.other)
	coord := f.person(t, "coordinator", f.agency)
	coord.Coordinator = true
	nosy := f.person(t, "nosy", f.agency)

	// A practitioner cannot book someone else.
	_, err := f.svc.Book(actor.With(f.ctx, nosy), booking.Request{SessionID: session, PersonID: staff.ID, Details: details()})
	assert.ErrorIs(t, err, booking.ErrForbidden)
	// A coordinator books their own agency's people, not another's.
	out, err := f.svc.Book(actor.With(f.ctx, coord), booking.Request{SessionID: session, PersonID: staff.ID, Details: details()})
	require.NoError(t, err)
	_, err = f.svc.Book(actor.With(f.ctx, coord), booking.Request{SessionID: session, PersonID: outsider.ID, Details: details()})
	assert.ErrorIs(t, err, booking.ErrForbidden)

	// Another practitioner cannot see or cancel it by changing the ID.
	_, err = f.svc.Get(actor.With(f.ctx, nosy), out.BookingID)
	assert.ErrorIs(t, err, booking.ErrNotFound)
	_, err = f.svc.Cancel(actor.With(f.ctx, nosy), out.BookingID)
	assert.ErrorIs(t, err, booking.ErrNotFound)
	_, err = f.svc.Cancel(actor.With(f.ctx, outsider), out.BookingID)
	assert.ErrorIs(t, err, booking.ErrNotFound)
	otherCoord := f.person(t, "other-coordinator", f.other)
	otherCoord.Coordinator = true
	_, err = f.svc.Cancel(actor.With(f.ctx, otherCoord), out.BookingID)
	assert.ErrorIs(t, err, booking.ErrNotFound)
	assert.Equal(t, 1, f.consistent(t, session), "refused changes change nothing")

	// The coordinator can cancel it; a manager can see anything.
	manager := f.person(t, "manager", f.other)
	manager.Manager = true
	_, err = f.svc.Get(actor.With(f.ctx, manager), out.BookingID)
	require.NoError(t, err)
	_, err = f.svc.Cancel(actor.With(f.ctx, coord), out.BookingID)
	require.NoError(t, err)
	assert.Equal(t, 0, f.consistent(t, session))
}

func TestSubstituteTakesThePlaceAndIsNeverLate(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 1, 5) // inside the cut-off in a few days
	holder := f.person(t, "holder", f.agency)
	colleague := f.person(t, "colleague", f.agency)
	outsider := f.person(t, "outsider", f.other)
	out, err := f.book(holder, session, false)
	require.NoError(t, err)
	_, err = f.book(colleague, session, true) // was waiting
	require.NoError(t, err)
	f.clock.Set(start.Add(3 * 24 * time.Hour)) // after the cut-off

	var v *validation.Errors
	_, err = f.svc.Substitute(actor.With(f.ctx, holder), out.BookingID, "outsider@example.org", details())
	require.ErrorAs(t, err, &v)
	assert.Contains(t, v.Message(booking.FieldColleagueEmail), "same agency")
	_, err = f.svc.Substitute(actor.With(f.ctx, holder), out.BookingID, "nobody@example.org", details())
	require.ErrorAs(t, err, &v)
	_ = outsider

	id, err := f.svc.Substitute(actor.With(f.ctx, holder), out.BookingID, "colleague@example.org", details())
	require.NoError(t, err)
	b, err := f.svc.Get(actor.With(f.ctx, colleague), id)
	require.NoError(t, err)
	assert.Equal(t, booking.Confirmed, b.Status)
	old, err := f.svc.Get(actor.With(f.ctx, holder), out.BookingID)
	require.NoError(t, err)
	assert.Equal(t, booking.Substituted, old.Status)
	assert.False(t, old.Late, "a substitute is never a late cancellation")
	assert.Equal(t, 1, f.consistent(t, session))
}

// An offer past its deadline shows as expired (no Accept button) even
// before the sweep passes the place on.
func TestLapsedOfferShowsAsExpired(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 1, 30)
	first := f.person(t, "first", f.agency)
	waiter := f.person(t, "waiter", f.agency)
	held, err := f.book(first, session, false)
	require.NoError(t, err)
	w, err := f.book(waiter, session, true)
	require.NoError(t, err)
	_, err = f.svc.Cancel(actor.With(f.ctx, first), held.BookingID)
	require.NoError(t, err)
	mine, err := f.svc.Mine(actor.With(f.ctx, waiter))
	require.NoError(t, err)
	require.Len(t, mine.Offers, 1)

	f.clock.Set(start.Add(booking.DefaultOfferWindow))
	b, err := f.svc.Get(actor.With(f.ctx, waiter), w.BookingID)
	require.NoError(t, err)
	assert.Equal(t, booking.Expired, b.Status)
	mine, err = f.svc.Mine(actor.With(f.ctx, waiter))
	require.NoError(t, err)
	assert.Empty(t, mine.Offers)
	require.Len(t, mine.Ended, 1)
	assert.Equal(t, booking.Expired, mine.Ended[0].Status)
}

// Whether someone may book is answered before their form is checked: a
// person who may not book is told so, not asked to fix the form.
func TestAccessIsCheckedBeforeTheForm(t *testing.T) {
	t.Parallel()
	f := setup(t)
	closed := f.session(t, 5, 30)
	_, err := f.pool.Exec(f.ctx, "UPDATE sessions SET closed_to_agency_id = $2, invite_token = 'tok' WHERE id = $1", closed, f.agency)
	require.NoError(t, err)
	cancelled := f.session(t, 5, 30)
	_, err = f.pool.Exec(f.ctx, "UPDATE sessions SET status = 'cancelled', cancelled_reason = 'Ill' WHERE id = $1", cancelled)
	require.NoError(t, err)
	outsider := f.person(t, "outsider", f.other)
	_, err = f.svc.Book(actor.With(f.ctx, outsider), booking.Request{SessionID: closed, PersonID: outsider.ID})
	assert.ErrorIs(t, err, booking.ErrNeedsInvite)
	_, err = f.svc.Book(actor.With(f.ctx, outsider), booking.Request{SessionID: cancelled, PersonID: outsider.ID})
	assert.ErrorIs(t, err, booking.ErrNotBookable)
	var v *validation.Errors
	_, err = f.svc.Book(actor.With(f.ctx, outsider), booking.Request{SessionID: f.session(t, 5, 30), PersonID: outsider.ID})
	assert.ErrorAs(t, err, &v, "an open session asks for the form")
}

// The waiting list can be left until the session starts, not after.
func TestLeavingTheWaitingListEndsAtTheStart(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 1, 10)
	_, err := f.book(f.person(t, "holder", f.agency), session, false)
	require.NoError(t, err)
	waiter := f.person(t, "waiter", f.agency)
	w, err := f.book(waiter, session, true)
	require.NoError(t, err)
	f.clock.Set(start.Add(10 * 24 * time.Hour))
	assert.ErrorIs(t, f.svc.Leave(actor.With(f.ctx, waiter), w.BookingID), booking.ErrStarted)
	b, err := f.svc.Get(actor.With(f.ctx, waiter), w.BookingID)
	require.NoError(t, err)
	assert.Equal(t, booking.Waiting, b.Status)
}

// A place confirmed after the cut-off (a substitute's) does not promise free
// cancellation in its email.
func TestConfirmationAfterTheCutoffPromisesNoFreeCancellation(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 5, 5)
	holder := f.person(t, "early", f.agency)
	early, err := f.book(holder, session, false)
	require.NoError(t, err)
	f.person(t, "colleague", f.agency)
	f.clock.Set(start.Add(3 * 24 * time.Hour))
	_, err = f.svc.Substitute(actor.With(f.ctx, holder), early.BookingID, "colleague@example.org", details())
	require.NoError(t, err)
	var before, after string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT body_text FROM emails WHERE to_address = 'early@example.org' AND subject LIKE 'Booking confirmed%'").Scan(&before))
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT body_text FROM emails WHERE to_address = 'colleague@example.org' AND subject LIKE 'Booking confirmed%'").Scan(&after))
	assert.Contains(t, before, "cancel before")
	assert.NotContains(t, after, "cancel before")
	assert.Contains(t, after, "pass your place to a colleague")
}
