package privacy_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"maps"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/password"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/privacy"
	"github.com/pscp/booktraining/internal/privacy/registry"
	"github.com/pscp/booktraining/internal/queue"
)

// now is the fixed clock of these tests; eps is "just": a record eps inside
// its period stays, one eps past it goes.
var (
	now = time.Date(2033, 6, 15, 12, 0, 0, 0, time.UTC)
	eps = time.Minute
)

type fixture struct {
	ctx      context.Context
	pool     *pgxpool.Pool
	accounts *account.Service
	enforcer *privacy.Enforcer
	agency   int64
	course   int64
	venue    int64
}

func setup(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := demo.Seed(ctx, pool, now)
	require.NoError(t, err)
	jobs, err := queue.NewInsertOnly(pool)
	require.NoError(t, err)
	base, _ := url.Parse("https://training.example.org")
	clock := func() time.Time { return now }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	accounts := account.New(pool, email.NewOutbox(jobs), base, clock, log)
	f := fixture{ctx: ctx, pool: pool, accounts: accounts,
		enforcer: privacy.NewEnforcer(pool, clock, log, cleaners(accounts))}
	require.NoError(t, pool.QueryRow(ctx, "SELECT min(id) FROM agencies").Scan(&f.agency))
	require.NoError(t, pool.QueryRow(ctx, "SELECT min(id) FROM courses").Scan(&f.course))
	require.NoError(t, pool.QueryRow(ctx, "SELECT min(id) FROM venues WHERE online").Scan(&f.venue))
	return f
}

// cleaners are every part's, as the app runs them, but for the account's
// warning, whose email is stamped with the test's clock rather than the
// database's (the outbox writes now()), so that the email rules of the same
// run see it as new.
func cleaners(accounts *account.Service) map[string]privacy.Cleaner {
	c := registry.Cleaners(accounts)
	warn := c["unused_accounts_warned"]
	c["unused_accounts_warned"] = func(ctx context.Context, tx pgx.Tx, at time.Time, max int32) (int, error) {
		n, err := warn(ctx, tx, at, max)
		if err != nil {
			return n, err
		}
		// The emails this transaction wrote.
		_, err = tx.Exec(ctx, "UPDATE emails SET created_at = $1 WHERE created_at = now()", now)
		return n, err
	}
	return c
}

func (f fixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	_, err := f.pool.Exec(f.ctx, sql, args...)
	require.NoError(t, err)
}

func (f fixture) id(t *testing.T, sql string, args ...any) int64 {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, sql, args...).Scan(&id))
	return id
}

// user adds a person; verified, lastSignIn and warned may be nil.
func (f fixture) user(t *testing.T, name string, created time.Time, verified, lastSignIn, warned *time.Time) int64 {
	t.Helper()
	return f.id(t, `INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at, created_at,
	                                   last_signed_in_at, inactivity_warned_at)
	                VALUES ($1, $2, $3, '!', $4, $5, $6, $7) RETURNING id`,
		name+"@example.org", name, f.agency, verified, created, lastSignIn, warned)
}

func (f fixture) session(t *testing.T, ends time.Time) int64 {
	t.Helper()
	starts := ends.Add(-3 * time.Hour)
	return f.id(t, `INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
	                SELECT id, title, $2, $3, $4, $5, 20, 'published' FROM courses WHERE id = $1 RETURNING id`,
		f.course, f.venue, starts, ends, starts.Add(-24*time.Hour))
}

type bookingOpts struct {
	access, dietary, managerName, managerEmail string
}

func (f fixture) booking(t *testing.T, session, user int64, o bookingOpts) int64 {
	t.Helper()
	return f.id(t, `INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, access_needs, dietary_needs,
	                                      line_manager_name, line_manager_email, policy_agreed_at, confirmed_at)
	                VALUES ($1, $2, $3, 'confirmed', $2, $4, $5, $6, $7, $8, $8) RETURNING id`,
		session, user, f.agency, o.access, o.dietary, o.managerName, o.managerEmail, now.AddDate(-8, 0, 0))
}

func (f fixture) text(t *testing.T, sql string, args ...any) string {
	t.Helper()
	var s string
	require.NoError(t, f.pool.QueryRow(f.ctx, sql, args...).Scan(&s))
	return s
}

func (f fixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, sql, args...).Scan(&n))
	return n
}

func ptr(t time.Time) *time.Time { return &t }

func token() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

// TestScheduleRules puts, for every rule, a record just inside its period
// and one just past it in one database, runs the schedule at a fixed time,
// and checks that exactly the second of each went (or lost its personal
// data), that the run was recorded with those counts, and that a second run
// does nothing more.
func TestScheduleRules(t *testing.T) {
	t.Parallel()
	f := setup(t)
	recent := now.AddDate(0, -1, 0)

	// Accounts never verified: 7 days.
	unverifiedKept := f.user(t, "unverified-kept", now.Add(-privacy.UnverifiedAccountPeriod+eps), nil, nil, nil)
	unverifiedGone := f.user(t, "unverified-gone", now.Add(-privacy.UnverifiedAccountPeriod-eps), nil, nil, nil)
	unverifiedNewLink := f.user(t, "unverified-new-link", now.AddDate(0, 0, -20), nil, nil, nil)
	f.exec(t, `INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at, created_at)
	           VALUES ($1, $2, 'verify_email', $3, $4)`, token(), unverifiedNewLink,
		now.Add(-privacy.UnverifiedAccountPeriod+25*time.Hour), now.Add(-privacy.UnverifiedAccountPeriod+time.Hour))

	// Accounts unused for 3 years: warned.
	threeYears := now.AddDate(-3, 0, 0)
	old := now.AddDate(-5, 0, 0)
	notYetWarned := f.user(t, "recently-used", old, ptr(old), ptr(threeYears.Add(eps)), nil)
	warned := f.user(t, "unused", old, ptr(old), ptr(threeYears.Add(-eps)), nil)
	neverSignedIn := f.user(t, "never-signed-in", threeYears.Add(-eps), ptr(threeYears.Add(-eps)), nil, nil)
	booked := f.user(t, "unused-but-booked", old, ptr(old), ptr(threeYears.Add(-eps)), nil)
	f.booking(t, f.session(t, now.AddDate(0, 0, 10)), booked, bookingOpts{})
	// …and erased 30 days after the warning, unless they signed in.
	warnedKept := f.user(t, "warned-recently", old, ptr(old), ptr(old), ptr(now.Add(-privacy.UnusedAccountNotice+eps)))
	warnedGone := f.user(t, "warned-long-ago", old, ptr(old), ptr(old), ptr(now.Add(-privacy.UnusedAccountNotice-eps)))

	// Access and dietary needs: 30 days after the session ends.
	someone := f.user(t, "someone", recent, ptr(recent), ptr(recent), nil)
	needsKept := f.booking(t, f.session(t, now.Add(-privacy.NeedsPeriod+eps)), someone,
		bookingOpts{access: "Hearing loop", dietary: "Vegan"})
	needsGone := f.booking(t, f.session(t, now.Add(-privacy.NeedsPeriod-eps)), someone,
		bookingOpts{access: "Step-free access", dietary: "No nuts"})

	// Line managers: 6 months after the session ends.
	managerKept := f.booking(t, f.session(t, now.AddDate(0, -privacy.LineManagerMonths, 0).Add(eps)), someone,
		bookingOpts{managerName: "Mo Kept", managerEmail: "mo@example.org"})
	managerGone := f.booking(t, f.session(t, now.AddDate(0, -privacy.LineManagerMonths, 0).Add(-eps)), someone,
		bookingOpts{managerName: "Lee Gone", managerEmail: "lee@example.org"})

	// Training requests: a year after closing (or after their last session).
	yearAgo := now.AddDate(-privacy.TrainingRequestYears, 0, 0)
	request := func(status string, updated time.Time) int64 {
		reason := ""
		if status == "declined" {
			reason = "No trainers free"
		}
		id := f.id(t, `INSERT INTO enquiries (agency_id, requested_by, kind, course_id, audience, participants, location,
		                                      access_needs, contact_name, contact_email, contact_phone, status, decline_reason,
		                                      submitted_at, updated_at)
		               VALUES ($1, $2, 'course', $3, 'Social workers', 12, 'online', 'BSL interpreter', 'Kim Contact',
		                       'kim@example.org', '023 9200 0000', $4, $5, $6, $6) RETURNING id`,
			f.agency, someone, f.course, status, reason, updated)
		f.exec(t, `INSERT INTO enquiry_messages (enquiry_id, author_id, from_partnership, body, sent_at)
		           VALUES ($1, $2, false, 'Our team lead is Sam, on 07700 900000', $3)`, id, someone, updated)
		return id
	}
	requestKept := request("declined", yearAgo.Add(eps))
	requestGone := request("declined", yearAgo.Add(-eps))
	requestOpen := request("submitted", yearAgo.AddDate(-1, 0, 0))
	requestSessionRecent := request("accepted", yearAgo.AddDate(-1, 0, 0))
	f.exec(t, "INSERT INTO enquiry_sessions (enquiry_id, session_id) VALUES ($1, $2)",
		requestSessionRecent, f.session(t, yearAgo.Add(eps)))

	// Emails: text for 30 days, records for 2 years.
	mail := func(created time.Time, body string) int64 {
		return f.id(t, `INSERT INTO emails (to_address, subject, body_text, body_html, created_at)
		               VALUES ('pat@example.org', 'Booking confirmed', $1, $1, $2) RETURNING id`, body, created)
	}
	textKept := mail(now.Add(-privacy.EmailTextPeriod+eps), "Dear Pat")
	textGone := mail(now.Add(-privacy.EmailTextPeriod-eps), "Dear Pat")
	recordKept := mail(now.AddDate(-privacy.EmailRecordYears, 0, 0).Add(eps), "")
	recordGone := mail(now.AddDate(-privacy.EmailRecordYears, 0, 0).Add(-eps), "")

	// Trainers' time off: the reason goes once it is over.
	timeOff := func(trainer int64, ends time.Time) int64 {
		return f.id(t, `INSERT INTO trainer_commitments (trainer_id, during, reason)
		               VALUES ($1, tstzrange($2, $3), 'Hospital appointment') RETURNING id`, trainer, ends.Add(-48*time.Hour), ends)
	}
	offKept := timeOff(f.user(t, "trainer-one", recent, ptr(recent), ptr(recent), nil), now.Add(eps))
	offGone := timeOff(f.user(t, "trainer-two", recent, ptr(recent), ptr(recent), nil), now.Add(-eps))

	// Sign-in attempts: 90 days.
	attempt := func(at time.Time) int64 {
		return f.id(t, "INSERT INTO sign_in_attempts (email, ip, at) VALUES ('x@example.org', '192.0.2.1', $1) RETURNING id", at)
	}
	attemptKept := attempt(now.Add(-privacy.SignInAttemptPeriod + eps))
	attemptGone := attempt(now.Add(-privacy.SignInAttemptPeriod - eps))

	// Email limits: 24 hours.
	emailAction := func(at time.Time) int64 {
		return f.id(t, "INSERT INTO email_actions (kind, email, ip, sent, at) VALUES ('sign_up', 'x@example.org', '192.0.2.1', true, $1) RETURNING id", at)
	}
	limitKept := emailAction(now.Add(-privacy.EmailLimitPeriod + eps))
	limitGone := emailAction(now.Add(-privacy.EmailLimitPeriod - eps))

	// Device cookies: until they expire.
	device := func(expires time.Time) []byte {
		tok := token()
		f.exec(t, "INSERT INTO device_tokens (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
			tok, someone, expires.AddDate(0, 0, -30), expires)
		return tok
	}
	deviceKept := device(now.Add(eps))
	deviceGone := device(now.Add(-eps))

	// Signed-in sessions: until they expire, or 30 minutes unused.
	webSession := func(lastSeen, expires time.Time) []byte {
		tok := token()
		f.exec(t, `INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at)
		           VALUES ($1, $2, 'csrf', $3, $3, $4)`, tok, someone, lastSeen, expires)
		f.exec(t, "UPDATE web_sessions SET last_seen_at = $2 WHERE token_hash = $1", tok, lastSeen)
		return tok
	}
	sessionKept := webSession(now.Add(-30*time.Minute+eps), now.Add(eps))
	sessionExpired := webSession(now.Add(-time.Minute), now.Add(-eps))
	sessionIdle := webSession(now.Add(-30*time.Minute-eps), now.Add(time.Hour))

	// Emailed links: 7 days after they expire.
	link := func(expires time.Time) []byte {
		tok := token()
		f.exec(t, `INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at) VALUES ($1, $2, 'reset_password', $3)`,
			tok, someone, expires)
		return tok
	}
	linkKept := link(now.Add(-privacy.AccountLinkPeriod + eps))
	linkGone := link(now.Add(-privacy.AccountLinkPeriod - eps))

	// The audit log: 6 years.
	audit := func(at time.Time) int64 {
		return f.id(t, "INSERT INTO audit_events (at, action, subject_user_id) VALUES ($1, 'sign_in', $2) RETURNING id", at, someone)
	}
	auditKept := audit(now.AddDate(-privacy.AuditYears, 0, 0).Add(eps))
	auditGone := audit(now.AddDate(-privacy.AuditYears, 0, 0).Add(-eps))

	// Payments, charges and bookings: 6 years after the end of the
	// financial year of the session. At 15 June 2033 that is every session
	// before 1 April 2027 (London time, so 23:00 UTC on 31 March).
	cutoff := privacy.FinancialCutoff(now)
	require.Equal(t, time.Date(2027, 3, 31, 23, 0, 0, 0, time.UTC), cutoff.UTC())
	oldSession := f.session(t, cutoff.Add(-eps))
	keptSession := f.session(t, cutoff)
	paid := func(session int64) (booking, payment, charge int64) {
		booking = f.booking(t, session, someone, bookingOpts{})
		payment = f.id(t, `INSERT INTO payments (booking_id, method, amount_pence, status, purchase_order, paid_at)
		                   VALUES ($1, 'invoice', 8000, 'paid', 'PO-1', $2) RETURNING id`, booking, cutoff.AddDate(0, -1, 0))
		charge = f.id(t, `INSERT INTO charges (booking_id, agency_id, kind, amount_pence, status, waiver_reason, decided_at)
		                  VALUES ($1, $2, 'non_attendance', 10000, 'waived', 'Illness', $3) RETURNING id`, booking, f.agency, cutoff)
		return
	}
	oldBooking, oldPayment, oldCharge := paid(oldSession)
	// A place passed to a colleague points at the colleague's booking.
	colleague := f.booking(t, oldSession, f.user(t, "colleague", old, ptr(old), ptr(recent), nil), bookingOpts{})
	f.exec(t, "UPDATE bookings SET status = 'substituted', ended_at = confirmed_at, replaced_by = $2 WHERE id = $1", oldBooking, colleague)
	keptBooking, keptPayment, keptCharge := paid(keptSession)

	// Line managers' follow-up links: the address and fingerprint go once
	// the link has expired; the follow-up stays.
	lmLink := func(booking int64, closes time.Time) {
		f.exec(t, `INSERT INTO impact_follow_ups (booking_id, respondent, asked_at, closes_at, email, token_hash)
		           VALUES ($1, 'line_manager', $2, $3, 'lm@example.org', $4)`, booking, closes.AddDate(0, 0, -30), closes, token())
	}
	lmKept := f.booking(t, keptSession, f.user(t, "lm-kept", recent, ptr(recent), ptr(recent), nil), bookingOpts{})
	lmGone := f.booking(t, keptSession, f.user(t, "lm-gone", recent, ptr(recent), ptr(recent), nil), bookingOpts{})
	lmLink(lmKept, now.Add(eps))
	lmLink(lmGone, now.Add(-eps))

	// Requests for a line manager's approval: the address and fingerprint
	// go once the request is answered or has expired; the answer stays.
	approval := func(booking int64, expires time.Time, decided *time.Time) {
		decision := any(nil)
		if decided != nil {
			decision = "declined"
		}
		f.exec(t, `INSERT INTO booking_approvals (booking_id, line_manager_name, line_manager_email, token_hash, asked_at,
		           expires_at, decided_at, decision, reason) VALUES ($1, 'Lee', 'lee@example.org', $2, $3, $4, $5, $6, 'Not now')`,
			booking, token(), expires.Add(-72*time.Hour), expires, decided, decision)
	}
	approvalOpen := f.booking(t, keptSession, f.user(t, "approval-open", recent, ptr(recent), ptr(recent), nil), bookingOpts{})
	approvalExpired := f.booking(t, keptSession, f.user(t, "approval-expired", recent, ptr(recent), ptr(recent), nil), bookingOpts{})
	approvalAnswered := f.booking(t, keptSession, f.user(t, "approval-answered", recent, ptr(recent), ptr(recent), nil), bookingOpts{})
	approval(approvalOpen, now.Add(eps), nil)
	approval(approvalExpired, now.Add(-eps), nil)
	approval(approvalAnswered, now.Add(time.Hour), ptr(now.Add(-time.Hour)))

	// Background jobs: a failure dealt with just over 7 days ago goes (with
	// its record); one dealt with just under, and one nobody has dealt with
	// however old, stay; a job cancelled with no error goes after a day.
	job := func(state string, finalized time.Time, failed bool) int64 {
		errs := "{}"
		if failed {
			errs = `{"{\"error\": \"550 no such user jo@example.org\"}"}`
		}
		return f.id(t, `INSERT INTO river_job (state, max_attempts, attempt, finalized_at, args, kind, errors)
		                VALUES ($1, 3, 3, $2, '{}', 'test', $3::jsonb[]) RETURNING id`, state, finalized, errs)
	}
	dealt := func(job int64, at time.Time) {
		f.exec(t, `INSERT INTO job_failures_dealt_with (job_id, failed_at, dealt_by, dealt_at)
		           SELECT id, finalized_at, $2, $3 FROM river_job WHERE id = $1`, job, someone, at)
	}
	failedGone := job("discarded", old, true)
	dealt(failedGone, now.Add(-privacy.DealtWithJobPeriod-eps))
	failedKept := job("cancelled", old, true)
	dealt(failedKept, now.Add(-privacy.DealtWithJobPeriod+eps))
	failedWaiting := job("discarded", old, true)
	cancelledGone := job("cancelled", now.Add(-privacy.CancelledJobPeriod-eps), false)
	cancelledKept := job("cancelled", now.Add(-privacy.CancelledJobPeriod+eps), false)

	// Prior learning claims not accepted: a year after the decision; a
	// confirmed one stays with the training record.
	claim := func(status string, decided time.Time) int64 {
		reason := ""
		if status == "rejected" {
			reason = "No record of it"
		}
		return f.id(t, `INSERT INTO prior_learning_claims (user_id, course_id, completed_on, provider, status, decided_at, reject_reason, created_at)
		                VALUES ($1, $2, '2020-01-01', 'Elsewhere', $3, $4, $5, $4) RETURNING id`, someone, f.course, status, decided, reason)
	}
	claimGone := claim("rejected", now.AddDate(-1, 0, 0).Add(-eps))
	claimKept := claim("rejected", now.AddDate(-1, 0, 0).Add(eps))
	claimConfirmed := claim("confirmed", old)
	// Renewal notices: kept until a year after the training they were about
	// lapsed.
	noticed := f.user(t, "noticed", recent, ptr(recent), ptr(recent), nil)
	notice := func(validUntil time.Time) {
		f.exec(t, `INSERT INTO renewal_notices (user_id, course_id, valid_until, sent_at)
		           SELECT $1, s.course_id, $3::date, $4 FROM sessions s WHERE s.id = $2`,
			noticed, keptSession, validUntil.In(london.Zone).Format(time.DateOnly), validUntil.AddDate(0, -2, 0))
	}
	notice(now.AddDate(-1, 0, -1))
	notice(now.AddDate(-1, 0, 1))

	run, err := f.enforcer.Run(f.ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{
		"unverified_accounts": 1, "unused_accounts_warned": 2, "unused_accounts_erased": 1,
		"booking_needs": 1, "line_managers": 1, "training_requests": 1, "email_text": 1, "email_records": 1,
		"time_off_reasons": 1, "sign_in_attempts": 1, "email_limits": 1, "device_cookies": 1, "web_sessions": 2, "account_links": 1, "audit_log": 1,
		"charges": 1, "payments": 1, "bookings": 2,
		"failed_jobs": 1, "cancelled_jobs": 1, "line_manager_links": 1, "rejected_prior_learning": 1,
		"renewal_notices": 1, "approval_links": 2,
	}, run.Counts)
	assert.Zero(t, f.count(t, "SELECT count(*) FROM prior_learning_claims WHERE id = $1", claimGone), "rejected over a year ago: gone")
	assert.Equal(t, 2, f.count(t, "SELECT count(*) FROM prior_learning_claims WHERE id IN ($1, $2)", claimKept, claimConfirmed),
		"rejected under a year ago, and confirmed: kept")
	assert.Equal(t, 1, f.count(t, "SELECT count(*) FROM renewal_notices WHERE user_id = $1 AND valid_until > $2::date", noticed,
		now.AddDate(-1, 0, 0).In(london.Zone).Format(time.DateOnly)), "a notice about training lapsed under a year ago: kept")
	assert.Equal(t, 1, f.count(t, "SELECT count(*) FROM booking_approvals WHERE booking_id = $1 AND line_manager_email IS NOT NULL AND token_hash IS NOT NULL", approvalOpen),
		"a request still open: kept")
	for _, id := range []int64{approvalExpired, approvalAnswered} {
		assert.Equal(t, 1, f.count(t, "SELECT count(*) FROM booking_approvals WHERE booking_id = $1 AND line_manager_email IS NULL AND token_hash IS NULL AND reason <> ''", id),
			"a request expired or answered: its address and fingerprint gone, the answer kept")
	}
	assert.Equal(t, 1, f.count(t, "SELECT count(*) FROM impact_follow_ups WHERE booking_id = $1 AND email IS NOT NULL AND token_hash IS NOT NULL", lmKept),
		"a line manager's link still open: kept")
	assert.Equal(t, 1, f.count(t, "SELECT count(*) FROM impact_follow_ups WHERE booking_id = $1 AND email IS NULL AND token_hash IS NULL", lmGone),
		"an expired link: its address and fingerprint gone, the follow-up kept")
	require.Len(t, privacy.Schedule(), len(run.Counts), "every rule of the schedule is counted")

	erased := func(id int64) bool {
		return f.count(t, "SELECT count(*) FROM users WHERE id = $1 AND erased_at IS NOT NULL AND full_name = 'Deleted person'", id) == 1
	}
	assert.False(t, erased(unverifiedKept), "unverified for just under 7 days: kept")
	assert.True(t, erased(unverifiedGone), "unverified for just over 7 days: erased")
	assert.False(t, erased(unverifiedNewLink), "a confirmation link sent under 7 days ago: kept")
	assert.True(t, f.count(t, "SELECT count(*) FROM audit_events WHERE action = 'account_erased' AND subject_user_id = $1 AND actor_id IS NULL AND details->>'reason' LIKE 'retention:%'", unverifiedGone) == 1,
		"the erasure is audited as the schedule's")

	warnedAt := func(id int64) *time.Time {
		var at *time.Time
		require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT inactivity_warned_at FROM users WHERE id = $1", id).Scan(&at))
		return at
	}
	assert.Nil(t, warnedAt(notYetWarned), "signed in just under 3 years ago: not warned")
	assert.Equal(t, now, warnedAt(warned).UTC(), "signed in just over 3 years ago: warned")
	assert.Equal(t, now, warnedAt(neverSignedIn).UTC(), "signed up just over 3 years ago and never signed in: warned")
	assert.Nil(t, warnedAt(booked), "booked on a session to come: not warned")
	assert.Equal(t, 1, f.count(t, `SELECT count(*) FROM emails WHERE user_id = $1 AND subject = 'Your account will be deleted unless you sign in'
	                               AND body_text LIKE '%Friday 15 July 2033%'`, warned), "the warning says the day of erasure")
	assert.False(t, erased(warned))
	assert.False(t, erased(warnedKept), "warned just under 30 days ago: kept")
	assert.True(t, erased(warnedGone), "warned just over 30 days ago and not signed in since: erased")

	needs := func(id int64) string {
		return f.text(t, "SELECT access_needs || '/' || dietary_needs FROM bookings WHERE id = $1", id)
	}
	assert.Equal(t, "Hearing loop/Vegan", needs(needsKept))
	assert.Equal(t, "/", needs(needsGone))

	manager := func(id int64) string {
		return f.text(t, "SELECT line_manager_name || '/' || line_manager_email FROM bookings WHERE id = $1", id)
	}
	assert.Equal(t, "Mo Kept/mo@example.org", manager(managerKept))
	assert.Equal(t, "/", manager(managerGone))

	contact := func(id int64) string {
		return f.text(t, `SELECT contact_name || '/' || contact_phone || '/' || access_needs || '/' ||
		                         (SELECT count(*) FROM enquiry_messages m WHERE m.enquiry_id = e.id)
		                  FROM enquiries e WHERE id = $1`, id)
	}
	assert.Equal(t, "Kim Contact/023 9200 0000/BSL interpreter/1", contact(requestKept))
	assert.Equal(t, "Removed///0", contact(requestGone))
	assert.Equal(t, "Kim Contact/023 9200 0000/BSL interpreter/1", contact(requestOpen), "an open request is kept")
	assert.Equal(t, "Kim Contact/023 9200 0000/BSL interpreter/1", contact(requestSessionRecent),
		"an accepted request is kept until a year after its last session")
	assert.NotContains(t, f.text(t, "SELECT contact_email::text FROM enquiries WHERE id = $1", requestGone), "kim")

	body := func(id int64) string { return f.text(t, "SELECT body_text || body_html FROM emails WHERE id = $1", id) }
	assert.Equal(t, "Dear PatDear Pat", body(textKept))
	assert.Equal(t, "", body(textGone))
	assert.Equal(t, 1, f.count(t, "SELECT count(*) FROM emails WHERE id = $1", recordKept))
	assert.Equal(t, 0, f.count(t, "SELECT count(*) FROM emails WHERE id = $1", recordGone))

	reason := func(id int64) string { return f.text(t, "SELECT reason FROM trainer_commitments WHERE id = $1", id) }
	assert.Equal(t, "Hospital appointment", reason(offKept), "time off not yet over")
	assert.Equal(t, "", reason(offGone), "time off over")

	exists := func(table, column string, v any) bool {
		return f.count(t, "SELECT count(*) FROM "+table+" WHERE "+column+" = $1", v) == 1
	}
	assert.True(t, exists("sign_in_attempts", "id", attemptKept))
	assert.False(t, exists("sign_in_attempts", "id", attemptGone))
	assert.True(t, exists("email_actions", "id", limitKept))
	assert.False(t, exists("email_actions", "id", limitGone))
	assert.True(t, exists("device_tokens", "token_hash", deviceKept))
	assert.False(t, exists("device_tokens", "token_hash", deviceGone))
	assert.True(t, exists("web_sessions", "token_hash", sessionKept))
	assert.False(t, exists("web_sessions", "token_hash", sessionExpired))
	assert.False(t, exists("web_sessions", "token_hash", sessionIdle))
	assert.True(t, exists("account_tokens", "token_hash", linkKept))
	assert.False(t, exists("account_tokens", "token_hash", linkGone))
	assert.True(t, exists("audit_events", "id", auditKept))
	assert.False(t, exists("audit_events", "id", auditGone))

	assert.False(t, exists("payments", "id", oldPayment))
	assert.False(t, exists("charges", "id", oldCharge))
	assert.False(t, exists("bookings", "id", oldBooking))
	assert.False(t, exists("bookings", "id", colleague))
	assert.True(t, exists("payments", "id", keptPayment))
	assert.True(t, exists("charges", "id", keptCharge))
	assert.True(t, exists("bookings", "id", keptBooking))
	assert.Equal(t, "confirmed:1,substituted:1", f.text(t, `
		SELECT string_agg(status || ':' || places, ',' ORDER BY status) FROM retained_place_counts
		WHERE session_id = $1 AND agency_id = $2`, oldSession, f.agency), "the board's figures keep the places, without names")

	assert.False(t, exists("river_job", "id", failedGone), "dealt with over 7 days ago")
	assert.Zero(t, f.count(t, "SELECT count(*) FROM job_failures_dealt_with WHERE job_id = $1", failedGone), "its record goes with it")
	assert.True(t, exists("river_job", "id", failedKept), "dealt with under 7 days ago")
	assert.Equal(t, 1, f.count(t, "SELECT count(*) FROM job_failures_dealt_with WHERE job_id = $1", failedKept))
	assert.True(t, exists("river_job", "id", failedWaiting), "nobody has dealt with it yet")
	assert.False(t, exists("river_job", "id", cancelledGone), "cancelled with no error over a day ago")
	assert.True(t, exists("river_job", "id", cancelledKept), "cancelled with no error under a day ago")

	// A second run finds nothing more to do.
	again, err := f.enforcer.Run(f.ctx)
	require.NoError(t, err)
	for key, n := range again.Counts {
		assert.Zero(t, n, "second run: %s", key)
	}
	runs, err := f.enforcer.Runs(f.ctx, 10)
	require.NoError(t, err)
	require.Len(t, runs, 2)
	assert.Equal(t, again.ID, runs[0].ID, "newest first")
	assert.Equal(t, run.Counts, runs[1].Counts)
	assert.NotNil(t, runs[1].FinishedAt)
	assert.Empty(t, runs[1].Error)
}

// TestSignInWithdrawsWarning: a warned person who signs in keeps their
// account; the schedule counts from the new sign-in.
func TestSignInWithdrawsWarning(t *testing.T) {
	t.Parallel()
	f := setup(t)
	old := now.AddDate(-4, 0, 0)
	id := f.user(t, "comes-back", old, ptr(old), ptr(old), nil)
	hash, err := password.Hash("harbour lights over the solent")
	require.NoError(t, err)
	f.exec(t, "UPDATE users SET password_hash = $2 WHERE id = $1", id, hash)

	run, err := f.enforcer.Run(f.ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, run.Counts["unused_accounts_warned"])

	_, err = f.accounts.SignIn(f.ctx, "comes-back@example.org", "harbour lights over the solent", "192.0.2.7")
	require.NoError(t, err)
	var last, warned *time.Time
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT last_signed_in_at, inactivity_warned_at FROM users WHERE id = $1", id).Scan(&last, &warned))
	require.NotNil(t, last)
	assert.Equal(t, now, last.UTC(), "sign-in is recorded")
	assert.Nil(t, warned, "signing in withdraws the warning")

	// Long after the warning's 30 days, the account is still there.
	later := privacy.NewEnforcer(f.pool, func() time.Time { return now.AddDate(0, 2, 0) }, nil, cleaners(f.accounts))
	run, err = later.Run(f.ctx)
	require.NoError(t, err)
	assert.Zero(t, run.Counts["unused_accounts_erased"])
	assert.Zero(t, run.Counts["unused_accounts_warned"])
	assert.Equal(t, 0, f.count(t, "SELECT count(*) FROM users WHERE id = $1 AND erased_at IS NOT NULL", id))
}

// TestRuleRunsInBatches: more records than a batch are all handled, in
// several transactions.
func TestRuleRunsInBatches(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for range 7 {
		f.exec(t, "INSERT INTO sign_in_attempts (email, ip, at) VALUES ('x@example.org', '192.0.2.1', $1)", now.AddDate(-1, 0, 0))
	}
	f.enforcer.Batch = 3
	run, err := f.enforcer.Run(f.ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 7, run.Counts["sign_in_attempts"])
	assert.Equal(t, 0, f.count(t, "SELECT count(*) FROM sign_in_attempts"))
}

// TestRunFailureIsRecorded: a rule that fails is recorded with its error,
// and the other rules still run.
func TestRunFailureIsRecorded(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.user(t, "unverified", now.AddDate(0, 0, -8), nil, nil, nil)
	f.exec(t, "INSERT INTO sign_in_attempts (email, ip, at) VALUES ('x@example.org', '192.0.2.1', $1)", now.AddDate(-1, 0, 0))
	c := cleaners(f.accounts)
	erase := c["unverified_accounts"]
	c["unverified_accounts"] = func(ctx context.Context, tx pgx.Tx, at time.Time, max int32) (int, error) {
		n, err := erase(ctx, tx, at, max)
		require.NoError(t, err)
		require.Equal(t, 1, n, "the account was erased, in the batch about to fail")
		return n, assert.AnError
	}
	failing := privacy.NewEnforcer(f.pool, func() time.Time { return now }, nil, c)
	_, err := failing.Run(f.ctx)
	require.ErrorIs(t, err, assert.AnError)
	runs, err := failing.Runs(f.ctx, 1)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.Contains(t, runs[0].Error, "unverified_accounts")
	assert.EqualValues(t, 1, runs[0].Counts["sign_in_attempts"], "the other rules ran")
	assert.Equal(t, 0, f.count(t, "SELECT count(*) FROM users WHERE erased_at IS NOT NULL"), "the failed batch rolled back")
}

// TestDailyJobRunsOnStart: registered on the job queue, the schedule runs
// as soon as the queue starts (then daily), on the elected leader.
func TestDailyJobRunsOnStart(t *testing.T) {
	t.Parallel()
	f := setup(t)
	jobs, err := queue.New(f.pool, nil, email.Deliveries(f.pool, nil, nil, nil), f.enforcer.Register)
	require.NoError(t, err)
	require.NoError(t, jobs.Start(f.ctx))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = jobs.Stop(ctx)
	})
	require.Eventually(t, func() bool {
		return f.count(t, "SELECT count(*) FROM retention_runs WHERE finished_at IS NOT NULL") == 1
	}, 30*time.Second, 100*time.Millisecond)
}

// TestFinancialCutoff: the start of the partnership year six years before
// the current one, whichever side of 1 April now is.
func TestFinancialCutoff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ now, want time.Time }{
		{time.Date(2033, 4, 1, 0, 0, 0, 0, london.Zone), time.Date(2027, 4, 1, 0, 0, 0, 0, london.Zone)},
		{time.Date(2033, 3, 31, 23, 59, 0, 0, london.Zone), time.Date(2026, 4, 1, 0, 0, 0, 0, london.Zone)},
		{time.Date(2034, 1, 10, 9, 0, 0, 0, time.UTC), time.Date(2027, 4, 1, 0, 0, 0, 0, london.Zone)},
	} {
		assert.True(t, tc.want.Equal(privacy.FinancialCutoff(tc.now)), "at %v: got %v, want %v", tc.now, privacy.FinancialCutoff(tc.now), tc.want)
	}
}

// TestEveryOwnedRuleHasItsCleaner: each rule with an owner is applied by
// that owner's cleaner, registry.Cleaners gathers one for each and no more,
// and an enforcer missing one, or given one for no such rule, or for a rule
// privacy applies itself, is refused at start-up.
func TestEveryOwnedRuleHasItsCleaner(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("https://training.example.org")
	all := registry.Cleaners(account.New(nil, nil, base, time.Now, nil))
	owned := map[string]privacy.Cleaner{}
	for _, r := range privacy.Schedule() {
		if r.Owner != "" {
			assert.NotNil(t, all[r.Key], "%s's cleaner for %s", r.Owner, r.Key)
			owned[r.Key] = all[r.Key]
		}
	}
	assert.Len(t, all, len(owned), "a cleaner for every owned rule and no other")
	assert.NotPanics(t, func() { privacy.NewEnforcer(nil, time.Now, nil, all) })

	missing := maps.Clone(all)
	delete(missing, "email_text")
	assert.PanicsWithValue(t, `privacy: retention rule "email_text" needs email's cleaner`,
		func() { privacy.NewEnforcer(nil, time.Now, nil, missing) })
	unknown := maps.Clone(all)
	unknown["no_such_rule"] = all["email_text"]
	assert.Panics(t, func() { privacy.NewEnforcer(nil, time.Now, nil, unknown) })
	for _, r := range privacy.Schedule() {
		assert.NotEmpty(t, r.Owner, "rule %s has an owner to apply it", r.Key)
	}
}
