package account_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/pgtest"
)

// The tester's replay: the owner signs up, an attacker signs up again with
// the owner's address and other details, and the owner clicks the newest
// link. The account is the owner's, with the owner's password.
func TestRepeatSignUpKeepsTheOwnersAccount(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ag := f.agencies(t, 2)
	const addr = "owner@example.org"
	require.NoError(t, f.svc.SignUp(f.ctx, account.SignUpForm{
		FullName: "Olive Owner", Email: addr, Password: "lighthouse beyond the harbour wall", JobTitle: "Nurse", AgencyID: ag[0],
	}, "192.0.2.1"))
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT id FROM users WHERE email = $1", addr).Scan(&id))

	require.NoError(t, f.svc.SignUp(f.ctx, account.SignUpForm{
		FullName: "Eve Mallory", Email: addr, Password: "attacker passphrase here", JobTitle: "Spy", AgencyID: ag[1],
	}, "203.0.113.66"), "the same answer as any sign-up")

	subject, link := f.lastEmail(t, addr)
	assert.Equal(t, "An account is waiting for you to confirm your email address", subject)
	require.NoError(t, f.verify(t, link, "lighthouse beyond the harbour wall"))

	_, err := f.svc.SignIn(f.ctx, addr, "lighthouse beyond the harbour wall", "")
	assert.NoError(t, err, "the owner's password works")
	_, err = f.svc.SignIn(f.ctx, addr, "attacker passphrase here", "")
	assert.ErrorIs(t, err, account.ErrInvalidCredentials, "the attacker's does not")
	u := mustUser(t, f, id)
	assert.Equal(t, "Olive Owner", u.FullName)
	assert.Equal(t, "Nurse", u.JobTitle)
	require.NotNil(t, u.AgencyID)
	assert.Equal(t, ag[0], *u.AgencyID)
	assert.Zero(t, f.count(t, "SELECT count(*) FROM emails WHERE body_text LIKE '%Eve%' OR to_name <> ''"),
		"neither typed name is put in an email to an address nobody has proven")
}

// The reverse: a squatter signed up first with someone else's address. The
// owner's sign-up changes nothing, but its email lets the owner choose a new
// password, which proves the mailbox and shuts the squatter out.
func TestOwnerTakesOverASquattedAddress(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ag := f.agencies(t, 1)
	const addr = "taken@example.org"
	require.NoError(t, f.svc.SignUp(f.ctx, account.SignUpForm{
		FullName: "Eve Squatter", Email: addr, Password: "attacker passphrase here", JobTitle: "Spy", AgencyID: ag[0],
	}, "203.0.113.66"))
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT id FROM users WHERE email = $1", addr).Scan(&id))
	_, err := f.svc.SignIn(f.ctx, addr, "attacker passphrase here", "203.0.113.66")
	require.NoError(t, err)
	squatterSession, _, err := f.svc.StartLogin(f.ctx, &id, "203.0.113.66", "")
	require.NoError(t, err)

	require.NoError(t, f.svc.SignUp(f.ctx, account.SignUpForm{
		FullName: "Olive Owner", Email: addr, Password: "lighthouse beyond the harbour wall", JobTitle: "Nurse", AgencyID: ag[0],
	}, "192.0.2.1"))
	var body, toName string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT body_text, to_name FROM emails WHERE to_address = $1 ORDER BY id DESC LIMIT 1", addr).Scan(&body, &toName))
	assert.Empty(t, toName)
	assert.True(t, strings.HasPrefix(body, "Hello,\n"), "greeted neutrally: %q", body)
	assert.NotContains(t, body, "Eve")
	var reset string
	for _, l := range strings.Fields(body) {
		if strings.Contains(l, "/reset-password?token=") {
			reset = l
		}
	}
	require.NotEmpty(t, reset, "the email offers a new password")

	require.NoError(t, f.svc.ResetPassword(f.ctx, token(t, reset), "lighthouse beyond the harbour wall", ""))
	_, err = f.svc.SignIn(f.ctx, addr, "attacker passphrase here", "")
	assert.ErrorIs(t, err, account.ErrInvalidCredentials, "the squatter's password no longer works")
	_, err = f.svc.Login(f.ctx, squatterSession)
	assert.ErrorIs(t, err, account.ErrNoLogin, "the squatter is signed out")
	_, err = f.svc.SignIn(f.ctx, addr, "lighthouse beyond the harbour wall", "")
	assert.NoError(t, err)
	assert.True(t, mustUser(t, f, id).Verified)
}

// An address gets at most MaxEmailsPerAddress account emails an hour, and
// past it the answers do not change; an IP address may ask for at most
// MaxEmailsPerIP, and then is told when to try again.
func TestAccountEmailsAreLimited(t *testing.T) {
	t.Parallel()
	f := setup(t)
	const addr = "flooded@example.org"
	f.person(t, addr, f.agencyID(t))
	emails := func() int { return f.count(t, "SELECT count(*) FROM emails WHERE to_address = $1", addr) }

	// From many IP addresses, mixing the three ways to cause one.
	for i := range 6 {
		ip := fmt.Sprintf("198.51.100.%d", i)
		require.NoError(t, f.svc.SignUp(f.ctx, account.SignUpForm{
			FullName: "A Flooder", Email: addr, Password: goodPassword, JobTitle: "B", AgencyID: f.agencyID(t),
		}, ip))
		require.NoError(t, f.svc.RequestPasswordReset(f.ctx, addr, ip))
		f.workResets(t)
	}
	assert.Equal(t, account.MaxEmailsPerAddress, emails())

	f.clock.Advance(account.EmailWindow + time.Second)
	f.requestReset(t, addr)
	assert.Equal(t, account.MaxEmailsPerAddress+1, emails(), "an hour later the address may be written to again")

	// One IP address, many addresses.
	const ip = "203.0.113.9"
	for i := range account.MaxEmailsPerIP {
		require.NoError(t, f.svc.RequestPasswordReset(f.ctx, fmt.Sprintf("someone%d@example.org", i), ip))
	}
	f.clock.Advance(10 * time.Minute)
	var limit *account.EmailLimitError
	err := f.svc.RequestPasswordReset(f.ctx, "one-more@example.org", ip)
	require.True(t, errors.As(err, &limit), "got %v", err)
	assert.Equal(t, 50*time.Minute, limit.RetryAfter(f.clock.Now()))
	err = f.svc.SignUp(f.ctx, account.SignUpForm{
		FullName: "A Flooder", Email: "new@example.org", Password: goodPassword, JobTitle: "B", AgencyID: f.agencyID(t),
	}, ip)
	require.True(t, errors.As(err, &limit), "sign-up shares the limit: got %v", err)
	assert.Zero(t, f.count(t, "SELECT count(*) FROM users WHERE email = 'new@example.org'"))
	require.NoError(t, f.svc.RequestPasswordReset(f.ctx, "one-more@example.org", "203.0.113.10"), "other addresses are not held up")

	// Resets asked for an address with no account send nothing, so they do
	// not use up its share: its owner can still sign up and be sent a link.
	for range account.MaxEmailsPerAddress {
		require.NoError(t, f.svc.RequestPasswordReset(f.ctx, "newcomer@example.org", "192.0.2.30"))
	}
	f.workResets(t)
	f.signUp(t, "newcomer@example.org")
	subject, _ := f.lastEmail(t, "newcomer@example.org")
	assert.Equal(t, "Confirm your email address", subject)

	// A signed-in person asking for new links is told when they may.
	id := f.signUp(t, "resender@example.org")
	for range account.MaxEmailsPerAddress - 1 {
		require.NoError(t, f.svc.ResendVerification(f.as(id, "192.0.2.20")))
	}
	require.True(t, errors.As(f.svc.ResendVerification(f.as(id, "192.0.2.20")), &limit))
}

// Known and unknown addresses leave the same trace when a reset is asked
// for: one recorded request and one job, and no email yet; the job then
// writes the known address its link.
func TestPasswordResetRequestsLookAlike(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.person(t, "known@example.org", f.agencyID(t))
	trace := func() [4]int {
		return [4]int{
			f.count(t, "SELECT count(*) FROM email_actions"),
			f.count(t, "SELECT count(*) FROM river_job"),
			f.count(t, "SELECT count(*) FROM emails"),
			f.count(t, "SELECT count(*) FROM account_tokens"),
		}
	}
	before := trace()
	require.NoError(t, f.svc.RequestPasswordReset(f.ctx, "known@example.org", "192.0.2.1"))
	known := trace()
	require.NoError(t, f.svc.RequestPasswordReset(f.ctx, "unknown@example.org", "192.0.2.1"))
	unknown := trace()
	for i := range before {
		assert.Equal(t, known[i]-before[i], unknown[i]-known[i], "trace %d", i)
	}
	assert.Equal(t, [4]int{1, 1, 0, 0}, [4]int{known[0] - before[0], known[1] - before[1], known[2] - before[2], known[3] - before[3]})

	// And the same statements, counted by a tracer on the service's pool.
	traced, tracer := pgtest.Counted(t, f.pool)
	svc := service(t, traced, f.clock)
	statements := map[string][]string{}
	for _, addr := range []string{"known@example.org", "unknown@example.org"} {
		tracer.Reset()
		require.NoError(t, svc.RequestPasswordReset(f.ctx, addr, "192.0.2.2"))
		statements[addr] = tracer.List()
	}
	assert.NotEmpty(t, statements["known@example.org"])
	assert.Equal(t, statements["known@example.org"], statements["unknown@example.org"])

	f.workResets(t)
	subject, link := f.lastEmail(t, "known@example.org")
	assert.Equal(t, "Reset your password", subject)
	ok, err := f.svc.ResetLinkWorks(f.ctx, token(t, link))
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Zero(t, f.count(t, "SELECT count(*) FROM emails WHERE to_address = 'unknown@example.org'"))
	f.workResets(t)
	assert.Equal(t, 2, f.count(t, "SELECT count(*) FROM emails WHERE to_address = 'known@example.org'"), "each request acts once")
}

func BenchmarkForgotPasswordKnown(b *testing.B)   { benchmarkForgotPassword(b, "known@example.org") }
func BenchmarkForgotPasswordUnknown(b *testing.B) { benchmarkForgotPassword(b, "unknown@example.org") }

func benchmarkForgotPassword(b *testing.B, addr string) {
	f := setup(b)
	f.person(b, "known@example.org", f.agencyID(b))
	for i := 0; b.Loop(); i++ {
		// A new IP address each time, so the per-IP limit never answers.
		ip := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		if err := f.svc.RequestPasswordReset(f.ctx, addr, ip); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForgotPasswordInterleaved asks for known and unknown addresses
// in turn, so that a busy machine slows both alike, and reports the median
// time of each.
func BenchmarkForgotPasswordInterleaved(b *testing.B) {
	f := setup(b)
	f.person(b, "known@example.org", f.agencyID(b))
	var known, unknown []time.Duration
	for i := 0; b.Loop(); i++ {
		addr, into := "known@example.org", &known
		if i%2 == 1 {
			addr, into = "unknown@example.org", &unknown
		}
		ip := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		start := time.Now()
		if err := f.svc.RequestPasswordReset(f.ctx, addr, ip); err != nil {
			b.Fatal(err)
		}
		*into = append(*into, time.Since(start))
	}
	median := func(d []time.Duration) float64 {
		if len(d) == 0 {
			return 0
		}
		slices.Sort(d)
		return float64(d[len(d)/2].Microseconds())
	}
	b.ReportMetric(median(known), "known-median-µs")
	b.ReportMetric(median(unknown), "unknown-median-µs")
}

// One attacker at a shared address (a trust behind one proxy) fails many
// times for many addresses. A colleague there whose browser holds a device
// cookie still signs in; a stranger without one is limited; and the victim's
// address stays limited for browsers without its cookie.
func TestDeviceCookiesBeatSharedAddressLockout(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ag := f.agencyID(t)
	const shared = "198.51.100.7"
	f.person(t, "colleague@example.org", ag)
	f.person(t, "victim@example.org", ag)
	f.person(t, "stranger@example.org", ag)

	// Earlier, on their own browsers, the colleague and the victim signed in.
	_, colleagueDevice, err := f.svc.SignInOnDevice(f.ctx, "colleague@example.org", goodPassword, "192.0.2.1", "")
	require.NoError(t, err)
	require.NotEmpty(t, colleagueDevice)
	_, victimDevice, err := f.svc.SignInOnDevice(f.ctx, "victim@example.org", goodPassword, "192.0.2.2", "")
	require.NoError(t, err)

	for i := range account.MaxFailuresPerIP + 5 {
		target := fmt.Sprintf("person%d@example.org", i)
		if i < account.MaxFailuresPerUser {
			target = "victim@example.org"
		}
		_, err := f.svc.SignIn(f.ctx, target, "wrong password guess", shared)
		require.Error(t, err)
	}

	var limit *account.LimitError
	_, _, err = f.svc.SignInOnDevice(f.ctx, "stranger@example.org", goodPassword, shared, "")
	assert.True(t, errors.As(err, &limit), "a browser without a device cookie is limited: %v", err)
	_, _, err = f.svc.SignInOnDevice(f.ctx, "stranger@example.org", goodPassword, shared, colleagueDevice)
	assert.True(t, errors.As(err, &limit), "another account's device cookie counts for nothing: %v", err)

	id, rotated, err := f.svc.SignInOnDevice(f.ctx, "colleague@example.org", goodPassword, shared, colleagueDevice)
	require.NoError(t, err, "the colleague's own browser gets in")
	assert.Positive(t, id)
	assert.NotEqual(t, colleagueDevice, rotated, "the device token changes at each sign-in")
	_, _, err = f.svc.SignInOnDevice(f.ctx, "colleague@example.org", goodPassword, shared, colleagueDevice)
	assert.True(t, errors.As(err, &limit), "the old token is spent: %v", err)

	_, _, err = f.svc.SignInOnDevice(f.ctx, "victim@example.org", goodPassword, "192.0.2.99", "")
	assert.True(t, errors.As(err, &limit), "the victim's address stays limited elsewhere: %v", err)
	_, _, err = f.svc.SignInOnDevice(f.ctx, "victim@example.org", goodPassword, "192.0.2.99", victimDevice)
	assert.NoError(t, err, "but not on the victim's own browser")

	// A stolen device cookie is still limited, per device.
	_, stolen, err := f.svc.SignInOnDevice(f.ctx, "colleague@example.org", goodPassword, "192.0.2.1", rotated)
	require.NoError(t, err)
	for range account.MaxFailuresPerDevice {
		_, _, err := f.svc.SignInOnDevice(f.ctx, "colleague@example.org", "wrong password guess", "203.0.113.5", stolen)
		require.ErrorIs(t, err, account.ErrInvalidCredentials)
	}
	_, _, err = f.svc.SignInOnDevice(f.ctx, "colleague@example.org", goodPassword, "203.0.113.5", stolen)
	assert.True(t, errors.As(err, &limit), "per-device limit: %v", err)
}

// A reset link for an account nobody has confirmed, and the notice that the
// password changed, greet nobody by the name whoever signed up typed.
func TestEmailsToUnprovenAddressesAreNotAddressedByName(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.signUp(t, "unproven@example.org") // as "Jo Bloggs"
	f.requestReset(t, "unproven@example.org")
	_, link := f.lastEmail(t, "unproven@example.org")
	require.NoError(t, f.svc.ResetPassword(f.ctx, token(t, link), "a fresh passphrase for jo", ""))
	rows, err := f.pool.Query(f.ctx, "SELECT subject, to_name, body_text FROM emails WHERE to_address = 'unproven@example.org' ORDER BY id")
	require.NoError(t, err)
	defer rows.Close()
	var subjects []string
	for rows.Next() {
		var subject, toName, body string
		require.NoError(t, rows.Scan(&subject, &toName, &body))
		subjects = append(subjects, subject)
		assert.Empty(t, toName, subject)
		assert.True(t, strings.HasPrefix(body, "Hello,\n"), "%s: %q", subject, body)
		assert.NotContains(t, body, "Bloggs", subject)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{"Confirm your email address", "Reset your password", "Your password has been changed"}, subjects)

	// Once proven, the person is greeted by name.
	f.requestReset(t, "unproven@example.org")
	var toName, body string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT to_name, body_text FROM emails WHERE to_address = 'unproven@example.org' ORDER BY id DESC LIMIT 1").Scan(&toName, &body))
	assert.Equal(t, "Jo Bloggs", toName)
	assert.True(t, strings.HasPrefix(body, "Dear Jo Bloggs,"), body)
}
