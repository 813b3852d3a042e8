package account_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/privacy/registry"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/validation"
)

// clock is a test clock that only moves when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type fixture struct {
	ctx   context.Context
	pool  *pgxpool.Pool
	url   string
	clock *clock
	svc   *account.Service
}

func setup(t testing.TB) fixture {
	t.Helper()
	ctx := context.Background()
	pool, dbURL := pgtest.NewWithURL(t)
	_, err := demo.Seed(ctx, pool, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	clk := &clock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	return fixture{ctx: ctx, pool: pool, url: dbURL, clock: clk, svc: service(t, pool, clk)}
}

func service(t testing.TB, pool *pgxpool.Pool, clk *clock) *account.Service {
	t.Helper()
	jobs, err := queue.NewInsertOnly(pool)
	require.NoError(t, err)
	base, _ := url.Parse("https://training.example.org")
	s := account.New(pool, email.NewOutbox(jobs), base, clk.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Privacy = registry.New() // every part, as the server wires it
	return s
}

const goodPassword = "harbour lights over the solent"

// verify confirms an address with its emailed link and the account's
// password, as the confirmation page does.
// as is a context in which person id, signed in, acts from ip.
func (f fixture) as(id int64, ip string) context.Context {
	return actor.With(f.ctx, actor.Actor{ID: id, IP: ip})
}

func (f fixture) verify(t testing.TB, link, password string) error {
	t.Helper()
	_, _, err := f.svc.VerifyEmail(f.ctx, token(t, link), password, "192.0.2.10", "")
	return err
}

func (f fixture) agencyID(t testing.TB) int64 {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT min(id) FROM agencies").Scan(&id))
	return id
}

func (f fixture) signUp(t testing.TB, addr string) int64 {
	t.Helper()
	require.NoError(t, f.svc.SignUp(f.ctx, account.SignUpForm{
		FullName: "Jo Bloggs", Email: addr, Password: goodPassword, JobTitle: "Social worker", AgencyID: f.agencyID(t),
	}, "192.0.2.1"))
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT id FROM users WHERE email = $1", addr).Scan(&id))
	return id
}

// requestReset asks for a password reset from a test IP address and works
// the job it queues, as the job client would.
func (f fixture) requestReset(t testing.TB, addr string) {
	t.Helper()
	require.NoError(t, f.svc.RequestPasswordReset(f.ctx, addr, "192.0.2.9"))
	f.workResets(t)
}

// workResets does the reset jobs queued so far (each acts once).
func (f fixture) workResets(t testing.TB) {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, "SELECT (args->>'action_id')::bigint FROM river_job WHERE kind = 'account_reset_password' ORDER BY id")
	require.NoError(t, err)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	for _, id := range ids {
		require.NoError(t, f.svc.SendPasswordReset(f.ctx, id))
	}
}

// lastEmail returns the newest email to addr: its subject and the link in it.
func (f fixture) lastEmail(t testing.TB, addr string) (subject, link string) {
	t.Helper()
	var body string
	require.NoError(t, f.pool.QueryRow(f.ctx,
		"SELECT subject, body_text FROM emails WHERE to_address = $1 ORDER BY id DESC LIMIT 1", addr).Scan(&subject, &body))
	return subject, regexp.MustCompile(`https://\S+`).FindString(body)
}

func token(t testing.TB, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	return u.Query().Get("token")
}

func TestSignUpValidation(t *testing.T) {
	t.Parallel()
	f := setup(t)
	err := f.svc.SignUp(f.ctx, account.SignUpForm{Email: "not an email", Password: "short"}, "")
	var v *validation.Errors
	require.ErrorAs(t, err, &v)
	for _, field := range []string{"full-name", "email", "job-title", "agency", "password"} {
		assert.True(t, v.Has(field), field)
	}
	assert.Equal(t, "Enter an email address in the correct format, like name@example.org", v.Message("email"))

	err = f.svc.SignUp(f.ctx, account.SignUpForm{
		FullName: "A", Email: "a@example.org", Password: goodPassword, JobTitle: "B", NotListed: true,
	}, "")
	require.ErrorAs(t, err, &v)
	assert.Equal(t, "Enter the name of your organisation", v.Message("unlisted-agency"))

	err = f.svc.SignUp(f.ctx, account.SignUpForm{
		FullName: "A", Email: "a@example.org", Password: goodPassword, JobTitle: "B", AgencyID: 999999,
	}, "")
	require.ErrorAs(t, err, &v)
	assert.True(t, v.Has("agency"), "an agency that does not exist is refused")
}

func TestSignUpVerifyAndSignIn(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.signUp(t, "jo@example.org")
	u, err := f.svc.User(f.ctx, id)
	require.NoError(t, err)
	assert.False(t, u.Verified)

	subject, link := f.lastEmail(t, "jo@example.org")
	assert.Equal(t, "Confirm your email address", subject)
	require.Contains(t, link, "https://training.example.org/verify-email?token=")
	var html string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT body_html FROM emails WHERE to_address = $1", "jo@example.org").Scan(&html))
	assert.Contains(t, html, `href="`+strings.ReplaceAll(link, "&", "&amp;")+`"`, "the HTML part has the same link")
	assert.Contains(t, html, "Portsmouth Safeguarding Children Partnership")
	require.NoError(t, f.verify(t, link, goodPassword))
	u, _ = f.svc.User(f.ctx, id)
	assert.True(t, u.Verified)
	assert.ErrorIs(t, f.verify(t, link, goodPassword), account.ErrLinkInvalid, "single use")

	got, err := f.svc.SignIn(f.ctx, "JO@example.org", goodPassword, "192.0.2.1")
	require.NoError(t, err, "addresses are case-insensitive")
	assert.Equal(t, id, got)
	_, err = f.svc.SignIn(f.ctx, "jo@example.org", "wrong password entirely", "192.0.2.1")
	assert.ErrorIs(t, err, account.ErrInvalidCredentials)
	_, err = f.svc.SignIn(f.ctx, "nobody@example.org", goodPassword, "192.0.2.1")
	assert.ErrorIs(t, err, account.ErrInvalidCredentials, "unknown and wrong look the same")

	var actions []string
	rows, err := f.pool.Query(f.ctx, "SELECT action FROM audit_events ORDER BY id")
	require.NoError(t, err)
	for rows.Next() {
		var a string
		require.NoError(t, rows.Scan(&a))
		actions = append(actions, a)
	}
	assert.Equal(t, []string{"signed_up", "sign_in", "email_verified", "sign_in", "sign_in_failed", "sign_in_failed"}, actions,
		"confirming the address signs the person in")
}

func TestVerificationLinkExpiresAfter24Hours(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.signUp(t, "late@example.org")
	_, link := f.lastEmail(t, "late@example.org")
	f.clock.Advance(24*time.Hour + time.Second)
	assert.ErrorIs(t, f.verify(t, link, goodPassword), account.ErrLinkInvalid)
}

// Signing up again with a known address answers the same, changes nothing,
// and tells the owner.
func TestSignUpWithAKnownAddressGivesNothingAway(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.signUp(t, "taken@example.org")
	_, link := f.lastEmail(t, "taken@example.org")
	require.NoError(t, f.verify(t, link, goodPassword))

	err := f.svc.SignUp(f.ctx, account.SignUpForm{
		FullName: "Impostor", Email: "Taken@Example.org", Password: "another long passphrase here", JobTitle: "X", AgencyID: f.agencyID(t),
	}, "")
	require.NoError(t, err)
	subject, _ := f.lastEmail(t, "taken@example.org")
	assert.Equal(t, "Someone tried to create an account with your email address", subject)
	u, _ := f.svc.User(f.ctx, id)
	assert.Equal(t, "Jo Bloggs", u.FullName)
	_, err = f.svc.SignIn(f.ctx, "taken@example.org", goodPassword, "")
	assert.NoError(t, err, "the password did not change")
}

func TestUnlistedOrganisationIsKeptForTheManager(t *testing.T) {
	t.Parallel()
	f := setup(t)
	require.NoError(t, f.svc.SignUp(f.ctx, account.SignUpForm{
		FullName: "Kim Lee", Email: "kim@example.org", Password: goodPassword, JobTitle: "Youth worker",
		NotListed: true, UnlistedAgency: "Southsea Youth Project",
	}, ""))
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT id FROM users WHERE email = 'kim@example.org'").Scan(&id))
	u, err := f.svc.User(f.ctx, id)
	require.NoError(t, err)
	assert.True(t, u.AgencyUnlisted)
	assert.Equal(t, "Southsea Youth Project", u.AgencyName)
	assert.Nil(t, u.AgencyID)
}

// Ten failures per address in five minutes, then refusal with the time to
// try again; the window slides.
func TestSignInLimitPerAccount(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.signUp(t, "target@example.org")
	for i := range account.MaxFailuresPerUser {
		_, err := f.svc.SignIn(f.ctx, "target@example.org", "not the password", "198.51.100."+string(rune('1'+i%9)))
		require.ErrorIs(t, err, account.ErrInvalidCredentials, "attempt %d", i+1)
		f.clock.Advance(10 * time.Second)
	}
	_, err := f.svc.SignIn(f.ctx, "target@example.org", goodPassword, "203.0.113.9")
	var limit *account.LimitError
	require.ErrorAs(t, err, &limit, "even the right password is refused while limited")
	assert.Equal(t, 4*time.Minute, limit.RetryAfter(f.clock.Now()), "3m20s left, rounded up")

	f.clock.Advance(account.FailureWindow - 90*time.Second) // the first failure leaves the window
	_, err = f.svc.SignIn(f.ctx, "target@example.org", goodPassword, "203.0.113.9")
	assert.NoError(t, err)
}

func TestSignInLimitPerIP(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for i := range account.MaxFailuresPerIP {
		_, err := f.svc.SignIn(f.ctx, "guess"+string(rune('a'+i%26))+string(rune('a'+i/26))+"@example.org", "password guess", "203.0.113.50")
		require.ErrorIs(t, err, account.ErrInvalidCredentials)
	}
	f.signUp(t, "innocent@example.org")
	_, err := f.svc.SignIn(f.ctx, "innocent@example.org", goodPassword, "203.0.113.50")
	var limit *account.LimitError
	assert.ErrorAs(t, err, &limit, "the address is limited")
	_, err = f.svc.SignIn(f.ctx, "innocent@example.org", goodPassword, "203.0.113.51")
	assert.NoError(t, err, "other addresses are not")
}

// Two app processes (here: two services on two connection pools to the same
// database) and many concurrent attempts: exactly the limit gets through.
func TestSignInLimitHoldsAcrossProcesses(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.signUp(t, "busy@example.org")
	other, err := pgxpool.New(f.ctx, f.url)
	require.NoError(t, err)
	t.Cleanup(other.Close)
	services := []*account.Service{f.svc, service(t, other, f.clock)}

	const attempts = 24
	var wg sync.WaitGroup
	results := make([]error, attempts)
	for i := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, results[i] = services[i%2].SignIn(f.ctx, "busy@example.org", "wrong password here", "192.0.2.77")
		}()
	}
	wg.Wait()
	wrong, limited := 0, 0
	for _, err := range results {
		var limit *account.LimitError
		switch {
		case errors.Is(err, account.ErrInvalidCredentials):
			wrong++
		case errors.As(err, &limit):
			limited++
		default:
			t.Errorf("unexpected result: %v", err)
		}
	}
	assert.Equal(t, account.MaxFailuresPerUser, wrong)
	assert.Equal(t, attempts-account.MaxFailuresPerUser, limited)
}

func TestLoginsExpireWhenIdleAndAfterTwelveHours(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.signUp(t, "s@example.org")

	tok, _, err := f.svc.StartLogin(f.ctx, &id, "192.0.2.1", "test")
	require.NoError(t, err)
	f.clock.Advance(29 * time.Minute)
	_, err = f.svc.Login(f.ctx, tok)
	require.NoError(t, err)
	f.clock.Advance(31 * time.Minute)
	_, err = f.svc.Login(f.ctx, tok)
	assert.ErrorIs(t, err, account.ErrNoLogin, "30 minutes idle")

	tok, _, err = f.svc.StartLogin(f.ctx, &id, "192.0.2.1", "test")
	require.NoError(t, err)
	for elapsed := time.Duration(0); elapsed < 12*time.Hour-20*time.Minute; elapsed += 20 * time.Minute {
		f.clock.Advance(20 * time.Minute)
		_, err = f.svc.Login(f.ctx, tok)
		require.NoError(t, err, "active after %s", elapsed)
	}
	f.clock.Advance(20 * time.Minute)
	_, err = f.svc.Login(f.ctx, tok)
	assert.ErrorIs(t, err, account.ErrNoLogin, "12 hours in all")

	_, err = f.svc.Login(f.ctx, "made-up-token")
	assert.ErrorIs(t, err, account.ErrNoLogin)
}

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.signUp(t, "forgetful@example.org")
	other, _, err := f.svc.StartLogin(f.ctx, &id, "", "")
	require.NoError(t, err)

	f.requestReset(t, "nobody@example.org")
	f.requestReset(t, "forgetful@example.org")
	subject, link := f.lastEmail(t, "forgetful@example.org")
	assert.Equal(t, "Reset your password", subject)
	tok := token(t, link)

	ok, err := f.svc.ResetLinkWorks(f.ctx, tok)
	require.NoError(t, err)
	assert.True(t, ok)
	var v *validation.Errors
	require.ErrorAs(t, f.svc.ResetPassword(f.ctx, tok, "password1234", ""), &v)
	ok, _ = f.svc.ResetLinkWorks(f.ctx, tok)
	assert.True(t, ok, "a refused password does not spend the link")

	require.NoError(t, f.svc.ResetPassword(f.ctx, tok, "a brand new passphrase today", ""))
	assert.ErrorIs(t, f.svc.ResetPassword(f.ctx, tok, "another brand new passphrase", ""), account.ErrLinkInvalid)
	_, err = f.svc.Login(f.ctx, other)
	assert.ErrorIs(t, err, account.ErrNoLogin, "signed out everywhere")
	_, err = f.svc.SignIn(f.ctx, "forgetful@example.org", "a brand new passphrase today", "")
	assert.NoError(t, err)
	u, _ := f.svc.User(f.ctx, id)
	assert.True(t, u.Verified, "the link proved the address")

	f.requestReset(t, "forgetful@example.org")
	_, link = f.lastEmail(t, "forgetful@example.org")
	if link == "" { // the newest email is the reset link's, not the "changed" notice
		t.Fatal("no reset link")
	}
	f.clock.Advance(time.Hour + time.Second)
	ok, _ = f.svc.ResetLinkWorks(f.ctx, token(t, link))
	assert.False(t, ok, "reset links expire in an hour")
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.signUp(t, "changer@example.org")
	_, here, err := f.svc.StartLogin(f.ctx, &id, "", "")
	require.NoError(t, err)
	elsewhere, _, err := f.svc.StartLogin(f.ctx, &id, "", "")
	require.NoError(t, err)

	var v *validation.Errors
	require.ErrorAs(t, f.svc.ChangePassword(f.as(id, ""), here, "not my password", "a fine new passphrase"), &v)
	assert.Equal(t, "Your current password is wrong", v.Message("current-password"))

	require.NoError(t, f.svc.ChangePassword(f.as(id, ""), here, goodPassword, "a fine new passphrase"))
	_, err = f.svc.Login(f.ctx, elsewhere)
	assert.ErrorIs(t, err, account.ErrNoLogin, "other logins end")
	subject, _ := f.lastEmail(t, "changer@example.org")
	assert.Equal(t, "Your password has been changed", subject)
}

func TestDemoAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	seeded, err := demo.SeedWithAccounts(ctx, pool, time.Now())
	require.NoError(t, err)
	require.True(t, seeded)
	f := fixture{ctx: ctx, pool: pool, clock: &clock{now: time.Now()}}
	f.svc = service(t, pool, f.clock)
	for _, a := range demo.Accounts {
		id, err := f.svc.SignIn(f.ctx, a.Email, demo.DemoPassword, "")
		require.NoError(t, err, a.Email)
		u, err := f.svc.User(f.ctx, id)
		require.NoError(t, err)
		assert.True(t, u.Verified)
		for _, r := range a.Roles {
			assert.True(t, u.Has(account.Role(r)), "%s has %s", a.Email, r)
		}
	}
	var approved, delivering int
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT (SELECT count(*) FROM trainer_courses tc JOIN users u ON u.id = tc.trainer_id
		  WHERE u.email IN ('trainer@example.org', 'cotrainer@example.org')),
		(SELECT count(*) FROM session_trainers)`).Scan(&approved, &delivering))
	assert.Equal(t, 8, approved, "the two demo trainers are approved for four courses each")
	assert.GreaterOrEqual(t, delivering, 12, "and deliver their demo sessions")
}

// BenchmarkSignIn compares a known and an unknown address: the times should
// be close, so timing does not reveal who has an account.
func BenchmarkSignIn(b *testing.B) {
	f := setup(b)
	f.signUp(b, "known@example.org")
	for _, addr := range []string{"known@example.org", "unknown@example.org"} {
		b.Run(addr, func(b *testing.B) {
			for b.Loop() {
				f.clock.Advance(time.Hour) // stay clear of the limits
				_, _ = f.svc.SignIn(f.ctx, addr, "wrong password here", "192.0.2.200")
			}
		})
	}
}

// Holding the mailbox is not enough to confirm an account someone else
// opened with its address: the link asks for the account's password, and a
// wrong one confirms nothing (and counts against the sign-in limits).
func TestConfirmingAnAddressNeedsTheAccountsPassword(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.signUp(t, "squatted@example.org") // a squatter, with goodPassword
	_, link := f.lastEmail(t, "squatted@example.org")

	var v *validation.Errors
	require.ErrorAs(t, f.verify(t, link, ""), &v)
	assert.Equal(t, "Enter the password you chose for this account", v.Message("password"))
	require.ErrorAs(t, f.verify(t, link, "the mailbox owner's guess"), &v)
	assert.Contains(t, v.Message("password"), "choose a new password instead")
	u := mustUser(t, f, id)
	assert.False(t, u.Verified, "a wrong password confirms nothing")
	assert.Equal(t, 1, f.count(t, "SELECT count(*) FROM sign_in_attempts WHERE email = 'squatted@example.org' AND NOT succeeded"),
		"and counts as a failed sign-in")

	got, device, err := f.svc.VerifyEmail(f.ctx, token(t, link), goodPassword, "192.0.2.10", "")
	require.NoError(t, err, "whoever chose the password confirms, and is signed in")
	assert.Equal(t, id, got)
	assert.NotEmpty(t, device)
	assert.True(t, mustUser(t, f, id).Verified)
	assert.ErrorIs(t, f.verify(t, link, goodPassword), account.ErrLinkInvalid, "the link works once")
}
