package booking_test

import (
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/validation"
)

// needApproval turns line-manager approval on for agency, with hours to answer.
func (f fixture) needApproval(t *testing.T, agency int64, hours int) {
	t.Helper()
	_, err := f.pool.Exec(f.ctx, "UPDATE agencies SET line_manager_approval = true, approval_hours = $2 WHERE id = $1", agency, hours)
	require.NoError(t, err)
}

var approvalLink = regexp.MustCompile(`/approvals/([A-Za-z0-9_-]{43})`)

// approvalToken is the token of the newest approval link emailed to the line manager.
func (f fixture) approvalToken(t *testing.T) string {
	t.Helper()
	var body string
	require.NoError(t, f.pool.QueryRow(f.ctx,
		"SELECT body_text FROM emails WHERE to_address = 'lee@example.org' AND subject LIKE 'Approval needed:%' ORDER BY id DESC LIMIT 1").Scan(&body))
	m := approvalLink.FindStringSubmatch(body)
	require.NotNil(t, m, "no approval link in %q", body)
	return m[1]
}

func (f fixture) emailsToLineManager(t *testing.T, prefix string) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx,
		"SELECT count(*) FROM emails WHERE to_address = 'lee@example.org' AND starts_with(subject, $1)", prefix).Scan(&n))
	return n
}

// seatsTaken is the session's count of seats taken.
func (f fixture) seatsTaken(t *testing.T, session int64) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT seats_taken FROM sessions WHERE id = $1", session).Scan(&n))
	return n
}

func (f fixture) approvalAudits(t *testing.T, person int64) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx,
		"SELECT count(*) FROM audit_events WHERE action = 'booking_approval_decided' AND subject_user_id = $1 AND actor_id IS NULL AND ip IS NOT NULL", person).Scan(&n))
	return n
}

func TestApprovedPlaceIsConfirmedWithItsInvitation(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.needApproval(t, f.agency, 48)
	session := f.session(t, 1, 30)
	p := f.person(t, "asker", f.agency)
	out, err := f.book(p, session, false)
	require.NoError(t, err)
	require.Equal(t, booking.AwaitingApproval, out.Status)
	assert.Equal(t, 1, f.seatsTaken(t, session), "a place awaiting approval takes its seat")
	assert.Equal(t, 1, f.emailsTo(t, p, "Waiting for your line manager’s approval"))
	assert.Equal(t, 0, f.emailsTo(t, p, "Booking confirmed"))
	assert.Equal(t, 1, f.emailsToLineManager(t, "Approval needed: asker"))
	var stored []byte
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT token_hash FROM booking_approvals WHERE booking_id = $1", out.BookingID).Scan(&stored))
	token := f.approvalToken(t)
	assert.Len(t, stored, 32, "only the token's SHA-256 is kept")
	assert.NotContains(t, string(stored), token)

	// The person's page says until when.
	b, err := f.svc.Get(actor.With(f.ctx, p), out.BookingID)
	require.NoError(t, err)
	require.NotNil(t, b.ApprovalExpiresAt)
	assert.True(t, b.ApprovalExpiresAt.Equal(start.Add(48*time.Hour)), "%s", b.ApprovalExpiresAt)
	mine, err := f.svc.Mine(actor.With(f.ctx, p))
	require.NoError(t, err)
	require.Len(t, mine.Upcoming, 1)
	assert.Equal(t, booking.AwaitingApproval, mine.Upcoming[0].Status)

	req, err := f.svc.ApprovalByToken(f.ctx, token)
	require.NoError(t, err)
	assert.True(t, req.Open)
	assert.Equal(t, "asker", req.PersonName)

	f.clock.Set(start.Add(time.Hour))
	anon := actor.With(f.ctx, actor.Actor{IP: "192.0.2.7"})
	require.NoError(t, f.svc.AnswerApproval(anon, token, booking.Approve, ""))
	assert.Equal(t, booking.Confirmed, f.status(t, out.BookingID))
	assert.Equal(t, 1, f.emailsTo(t, p, "Booking confirmed"), "the normal confirmation")
	var method string
	require.NoError(t, f.pool.QueryRow(f.ctx,
		"SELECT coalesce(calendar_method, '') FROM emails WHERE user_id = $1 AND subject LIKE 'Booking confirmed%'", p.ID).Scan(&method))
	assert.Equal(t, "REQUEST", method, "with its calendar invitation")
	assert.Equal(t, 1, f.emailsToLineManager(t, "Approved: asker"))
	assert.Equal(t, 1, f.approvalAudits(t, p.ID))
	assert.NotEmpty(t, f.jobs(t, booking.KindReminder), "its reminders are scheduled, as any confirmed place's")

	// The link used again changes nothing.
	assert.ErrorIs(t, f.svc.AnswerApproval(anon, token, booking.Decline, "changed my mind"), booking.ErrApprovalAnswered)
	assert.Equal(t, booking.Confirmed, f.status(t, out.BookingID))
	req, err = f.svc.ApprovalByToken(f.ctx, token)
	require.NoError(t, err)
	assert.False(t, req.Open)
	assert.Equal(t, booking.Approve, req.Decision)
	assert.Equal(t, 1, f.consistent(t, session))
}

func TestDeclinedPlaceGoesToTheFirstPersonWaiting(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.needApproval(t, f.agency, 72)
	session := f.session(t, 1, 30)
	p := f.person(t, "asker", f.agency)
	out, err := f.book(p, session, false)
	require.NoError(t, err)
	require.Equal(t, booking.AwaitingApproval, out.Status)
	// The session of one is full: the next person waits (and the one from
	// another agency, without approval, waits too).
	_, err = f.book(f.person(t, "late", f.other), session, false)
	assert.ErrorIs(t, err, booking.ErrFull, "a place awaiting approval counts against capacity")
	first, err := f.book(f.person(t, "first", f.other), session, true)
	require.NoError(t, err)
	require.Equal(t, booking.Waiting, first.Status)
	second, err := f.book(f.person(t, "second", f.other), session, true)
	require.NoError(t, err)

	token := f.approvalToken(t)
	anon := actor.With(f.ctx, actor.Actor{IP: "192.0.2.7"})
	err = f.svc.AnswerApproval(anon, token, booking.Decline, "  ")
	var v *validation.Errors
	require.True(t, errors.As(err, &v), "a decline needs a reason: %v", err)
	assert.True(t, v.Has(booking.FieldReason))
	assert.Equal(t, booking.AwaitingApproval, f.status(t, out.BookingID), "nothing changed")

	require.NoError(t, f.svc.AnswerApproval(anon, token, booking.Decline, "Not this term: we are short-staffed"))
	assert.Equal(t, booking.Declined, f.status(t, out.BookingID))
	assert.Equal(t, booking.Offered, f.status(t, first.BookingID), "offered to the first person waiting")
	assert.Equal(t, booking.Waiting, f.status(t, second.BookingID))
	assert.Equal(t, 1, f.emailsTo(t, p, "Your line manager declined your place"))
	var body string
	require.NoError(t, f.pool.QueryRow(f.ctx,
		"SELECT body_text FROM emails WHERE user_id = $1 AND subject LIKE 'Your line manager declined%'", p.ID).Scan(&body))
	assert.Contains(t, body, "short-staffed", "the person is told the reason")
	assert.Equal(t, 1, f.emailsToLineManager(t, "Declined: asker"))
	assert.Equal(t, 1, f.approvalAudits(t, p.ID))
	assert.ErrorIs(t, f.svc.AnswerApproval(anon, token, booking.Approve, ""), booking.ErrApprovalAnswered)
	assert.Equal(t, booking.Declined, f.status(t, out.BookingID))
	f.consistent(t, session)
}

func TestUnansweredRequestLapsesByItsJob(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.needApproval(t, f.agency, 24)
	session := f.session(t, 1, 30)
	p := f.person(t, "asker", f.agency)
	out, err := f.book(p, session, false)
	require.NoError(t, err)
	waiter, err := f.book(f.person(t, "waiter", f.other), session, true)
	require.NoError(t, err)
	token := f.approvalToken(t)

	jobs := f.jobs(t, booking.KindApprovalExpiry)
	require.Len(t, jobs, 1)
	until := start.Add(24 * time.Hour)
	assert.True(t, jobs[0].ScheduledAt.Equal(until), "at the request's end: %s", jobs[0].ScheduledAt)

	// Early, the job waits for its time and changes nothing.
	f.clock.Set(until.Add(-time.Minute))
	assert.Equal(t, 0, f.runDue(t))
	assert.Equal(t, booking.AwaitingApproval, f.status(t, out.BookingID))

	f.clock.Set(until)
	require.NoError(t, work(t, f, f.svc.ApprovalExpiryWorker(), jobs[0]))
	assert.Equal(t, booking.Unapproved, f.status(t, out.BookingID))
	assert.Equal(t, booking.Offered, f.status(t, waiter.BookingID), "the place goes on")
	assert.Equal(t, 1, f.emailsTo(t, p, "Your place was not approved in time"))
	assert.Equal(t, 1, f.emailsToLineManager(t, "Request expired: asker"))
	require.NoError(t, work(t, f, f.svc.ApprovalExpiryWorker(), jobs[0]))
	assert.Equal(t, 1, f.emailsTo(t, p, "Your place was not approved in time"), "run twice, one lapse")

	// The expired link changes nothing.
	anon := actor.With(f.ctx, actor.Actor{IP: "192.0.2.7"})
	assert.ErrorIs(t, f.svc.AnswerApproval(anon, token, booking.Approve, ""), booking.ErrApprovalExpired)
	assert.Equal(t, booking.Unapproved, f.status(t, out.BookingID))
	assert.Equal(t, 0, f.approvalAudits(t, p.ID))
	req, err := f.svc.ApprovalByToken(f.ctx, token)
	require.NoError(t, err)
	assert.False(t, req.Open)
	assert.False(t, req.Withdrawn)
	f.consistent(t, session)
}

// A link whose time is up changes nothing even before its job has run; the
// sweep finds a request whose job was missed.
func TestExpiredLinkRefusedBeforeItsJobAndSweptAfter(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.needApproval(t, f.agency, 1)
	session := f.session(t, 2, 30)
	p := f.person(t, "asker", f.agency)
	out, err := f.book(p, session, false)
	require.NoError(t, err)
	token := f.approvalToken(t)
	f.clock.Set(start.Add(time.Hour))
	anon := actor.With(f.ctx, actor.Actor{IP: "192.0.2.7"})
	assert.ErrorIs(t, f.svc.AnswerApproval(anon, token, booking.Approve, ""), booking.ErrApprovalExpired)
	assert.Equal(t, booking.AwaitingApproval, f.status(t, out.BookingID))
	assert.Equal(t, 0, f.sweep(t, "approvals"), "not yet overdue by the sweep's grace")
	f.clock.Set(start.Add(time.Hour + booking.SweepGrace + time.Second))
	assert.Equal(t, 1, f.sweep(t, "approvals"))
	assert.Equal(t, booking.Unapproved, f.status(t, out.BookingID))
	assert.Equal(t, 0, f.seatsTaken(t, session))
}

func TestCancelledBookingsLinkChangesNothing(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.needApproval(t, f.agency, 72)
	session := f.session(t, 1, 30)
	p := f.person(t, "asker", f.agency)
	out, err := f.book(p, session, false)
	require.NoError(t, err)
	token := f.approvalToken(t)
	_, err = f.svc.Cancel(actor.With(f.ctx, p), out.BookingID)
	require.NoError(t, err)
	assert.Equal(t, booking.Cancelled, f.status(t, out.BookingID))
	assert.Equal(t, 0, f.seatsTaken(t, session), "cancelling frees the place")

	anon := actor.With(f.ctx, actor.Actor{IP: "192.0.2.7"})
	assert.ErrorIs(t, f.svc.AnswerApproval(anon, token, booking.Approve, ""), booking.ErrApprovalWithdrawn)
	assert.Equal(t, booking.Cancelled, f.status(t, out.BookingID))
	req, err := f.svc.ApprovalByToken(f.ctx, token)
	require.NoError(t, err)
	assert.True(t, req.Withdrawn)
	_, err = f.svc.ApprovalByToken(f.ctx, "not-a-token")
	assert.ErrorIs(t, err, booking.ErrApprovalUnknown)
}

// Approve and decline sent at once, many times over: exactly one wins each
// time, and the booking ends as the winner said.
func TestConcurrentAnswersExactlyOneWins(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.needApproval(t, f.agency, 72)
	session := f.session(t, 10, 30)
	anon := actor.With(f.ctx, actor.Actor{IP: "192.0.2.7"})
	for i := range 5 {
		p := f.person(t, "asker"+string(rune('a'+i)), f.agency)
		out, err := f.book(p, session, false)
		require.NoError(t, err)
		token := f.approvalToken(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var won []booking.Decision
		ready := make(chan struct{})
		for _, d := range []booking.Decision{booking.Approve, booking.Decline, booking.Approve, booking.Decline} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-ready
				err := f.svc.AnswerApproval(anon, token, d, "Not now")
				switch {
				case err == nil:
					mu.Lock()
					won = append(won, d)
					mu.Unlock()
				case errors.Is(err, booking.ErrApprovalAnswered):
				default:
					t.Errorf("answer: %v", err)
				}
			}()
		}
		close(ready)
		wg.Wait()
		require.Len(t, won, 1, "exactly one answer wins")
		want := booking.Confirmed
		if won[0] == booking.Decline {
			want = booking.Declined
		}
		assert.Equal(t, want, f.status(t, out.BookingID))
		assert.Equal(t, 1, f.approvalAudits(t, p.ID))
	}
	f.consistent(t, session)
}

// Who waits: not a manager's booking, not a coordinator's for their staff,
// and nobody when the setting is off (the default).
func TestOnlyAPractitionersOwnBookingWaits(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, 10, 30)
	out, err := f.book(f.person(t, "off", f.agency), session, false)
	require.NoError(t, err)
	assert.Equal(t, booking.Confirmed, out.Status, "off by default: confirmed at once")

	f.needApproval(t, f.agency, 72)
	staff := f.person(t, "staff", f.agency)
	coordinator := f.person(t, "coordinator", f.agency)
	coordinator.Coordinator = true
	out, err = f.svc.Book(actor.With(f.ctx, coordinator), booking.Request{SessionID: session, PersonID: staff.ID, Details: details()})
	require.NoError(t, err)
	assert.Equal(t, booking.Confirmed, out.Status, "a coordinator booking their staff approves it")

	other := f.person(t, "other", f.other)
	out, err = f.book(other, session, false)
	require.NoError(t, err)
	assert.Equal(t, booking.Confirmed, out.Status, "another agency's staff do not wait")
}

// A paid place approved is held for payment, as any paid place is, for the
// offer window (the person learns of it by email).
func TestApprovedPaidPlaceIsHeldForPayment(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.paid(t)
	f.needApproval(t, f.agency, 72)
	session := f.session(t, 1, 30)
	p := f.person(t, "payer", f.agency)
	out, err := f.book(p, session, false)
	require.NoError(t, err)
	require.Equal(t, booking.AwaitingApproval, out.Status)
	assert.Positive(t, out.Price)
	assert.Empty(t, f.jobs(t, booking.KindHoldExpiry), "no hold until approved")

	f.clock.Set(start.Add(2 * time.Hour))
	require.NoError(t, f.svc.AnswerApproval(actor.With(f.ctx, actor.Actor{IP: "192.0.2.7"}), f.approvalToken(t), booking.Approve, ""))
	assert.Equal(t, booking.Held, f.status(t, out.BookingID))
	var held time.Time
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT hold_expires_at FROM bookings WHERE id = $1", out.BookingID).Scan(&held))
	assert.True(t, held.Equal(start.Add(2*time.Hour+booking.DefaultOfferWindow)), "%s", held)
	jobs := f.jobs(t, booking.KindHoldExpiry)
	require.Len(t, jobs, 1)
	assert.True(t, jobs[0].ScheduledAt.Equal(held))
	assert.Equal(t, 1, f.emailsTo(t, p, "Approved: pay to confirm your place"))
	assert.Equal(t, 0, f.emailsTo(t, p, "Booking confirmed"))
	f.consistent(t, session)
}

// A place offered from the waiting list and accepted waits for approval
// too, so the waiting list is no way round it.
func TestAcceptedOfferWaitsForApproval(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.needApproval(t, f.agency, 72)
	session := f.session(t, 1, 30)
	holder := f.person(t, "holder", f.other)
	held, err := f.book(holder, session, false)
	require.NoError(t, err)
	require.Equal(t, booking.Confirmed, held.Status)
	p := f.person(t, "asker", f.agency)
	wait, err := f.book(p, session, true)
	require.NoError(t, err)
	require.Equal(t, booking.Waiting, wait.Status)
	_, err = f.svc.Cancel(actor.With(f.ctx, holder), held.BookingID)
	require.NoError(t, err)
	require.Equal(t, booking.Offered, f.status(t, wait.BookingID))

	require.NoError(t, f.svc.AcceptOffer(actor.With(f.ctx, p), wait.BookingID))
	assert.Equal(t, booking.AwaitingApproval, f.status(t, wait.BookingID))
	assert.Equal(t, 1, f.emailsToLineManager(t, "Approval needed: asker"))
	assert.Equal(t, 1, f.seatsTaken(t, session))
	require.NoError(t, f.svc.AnswerApproval(actor.With(f.ctx, actor.Actor{IP: "192.0.2.7"}), f.approvalToken(t), booking.Approve, ""))
	assert.Equal(t, booking.Confirmed, f.status(t, wait.BookingID))
	assert.Equal(t, 1, f.consistent(t, session))
}

// The retention schedule may forget an expired request's address before its
// job or the sweep has ended it: the place is still released, and only the
// line manager, whose address has gone, is not told.
func TestRequestForgottenBeforeItsJobStillLapses(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.needApproval(t, f.agency, 24)
	session := f.session(t, 1, 30)
	p := f.person(t, "asker", f.agency)
	out, err := f.book(p, session, false)
	require.NoError(t, err)
	until := start.Add(24 * time.Hour)
	f.clock.Set(until)
	tx, err := f.pool.Begin(f.ctx)
	require.NoError(t, err)
	n, err := booking.Retention()["approval_links"](f.ctx, tx, until, 100)
	require.NoError(t, err)
	require.NoError(t, tx.Commit(f.ctx))
	require.Equal(t, 1, n, "the expired request's address and fingerprint forgotten")

	jobs := f.jobs(t, booking.KindApprovalExpiry)
	require.Len(t, jobs, 1)
	require.NoError(t, work(t, f, f.svc.ApprovalExpiryWorker(), jobs[0]))
	assert.Equal(t, booking.Unapproved, f.status(t, out.BookingID))
	assert.Equal(t, 1, f.emailsTo(t, p, "Your place was not approved in time"))
	assert.Equal(t, 0, f.emailsToLineManager(t, "Request expired"))
	assert.Equal(t, 0, f.seatsTaken(t, session))
}

// Places awaiting approval are taken under the same rule as any place: of
// twenty people of an approval agency booking a session of five at once,
// exactly five wait for approval and the rest are told it is full.
func TestRushForPlacesAwaitingApprovalKeepsCapacity(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.needApproval(t, f.agency, 72)
	session := f.session(t, 5, 30)
	people := make([]actor.Actor, 20)
	for i := range people {
		people[i] = f.person(t, "rush"+string(rune('a'+i)), f.agency)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	awaiting, full := 0, 0
	ready := make(chan struct{})
	for _, p := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ready
			out, err := f.book(p, session, false)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && out.Status == booking.AwaitingApproval:
				awaiting++
			case errors.Is(err, booking.ErrFull):
				full++
			default:
				t.Errorf("unexpected answer %+v %v", out, err)
			}
		}()
	}
	close(ready)
	wg.Wait()
	assert.Equal(t, 5, awaiting)
	assert.Equal(t, 15, full)
	assert.Equal(t, 5, f.seatsTaken(t, session))
	assert.Equal(t, 5, f.emailsToLineManager(t, "Approval needed:"))
	assert.Len(t, f.jobs(t, booking.KindApprovalExpiry), 5)
}
