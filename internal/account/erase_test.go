package account_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/validation"
)

func (f fixture) count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, sql, args...).Scan(&n))
	return n
}

func TestEraseAccount(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ag := f.agencies(t, 2)
	id := f.person(t, "erin@example.org", ag[0], account.Trainer, account.Coordinator)
	other := f.person(t, "other@example.org", ag[0])

	// Things held about Erin: sessions, links, sign-in attempts (one typed
	// by someone else), emails, a waiting agency change.
	tok, _, err := f.svc.StartLogin(f.ctx, &id, "192.0.2.1", "Firefox")
	require.NoError(t, err)
	f.requestReset(t, "erin@example.org")
	_, err = f.svc.SignIn(f.ctx, "ERIN@example.org", "a wrong guess at it", "203.0.113.66")
	require.ErrorIs(t, err, account.ErrInvalidCredentials)
	_, err = f.svc.SignIn(f.ctx, "erin@example.org", goodPassword, "192.0.2.1")
	require.NoError(t, err)
	require.NoError(t, f.svc.RequestAgencyChange(f.as(id, ""), ag[1]))
	f.requestReset(t, "other@example.org")
	require.Equal(t, 2, f.count(t, "SELECT count(*) FROM sign_in_attempts WHERE email = 'erin@example.org'"))

	// A wrong or missing password changes nothing.
	var v *validation.Errors
	require.ErrorAs(t, f.svc.EraseAccount(f.as(id, ""), ""), &v)
	assert.Equal(t, "Enter your password", v.Message("password"))
	require.ErrorAs(t, f.svc.EraseAccount(f.as(id, "192.0.2.1"), "not my password at all"), &v)
	assert.Equal(t, "Your password is wrong", v.Message("password"))
	u := mustUser(t, f, id)
	assert.False(t, u.Erased)
	assert.Equal(t, "erin@example.org", u.Email)
	_, err = f.svc.Login(f.ctx, tok)
	require.NoError(t, err, "still signed in")

	require.NoError(t, f.svc.EraseAccount(f.as(id, "192.0.2.1"), goodPassword))

	erasedAddr := fmt.Sprintf("deleted-%d@deleted.invalid", id)
	var (
		email, name, job, unlisted, hash string
		agency, requested                *int64
		erasedAt                         *time.Time
	)
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		SELECT email, full_name, job_title, unlisted_agency_name, password_hash, agency_id, requested_agency_id, erased_at
		FROM users WHERE id = $1`, id).Scan(&email, &name, &job, &unlisted, &hash, &agency, &requested, &erasedAt))
	assert.Equal(t, erasedAddr, email)
	assert.Equal(t, "Deleted person", name)
	assert.Empty(t, job)
	assert.Empty(t, unlisted)
	assert.Equal(t, "!", hash)
	assert.Nil(t, requested)
	require.NotNil(t, agency, "the agency stays, for anonymous figures")
	assert.Equal(t, ag[0], *agency)
	require.NotNil(t, erasedAt)
	assert.True(t, erasedAt.Equal(f.clock.Now()))

	assert.Zero(t, f.count(t, "SELECT count(*) FROM user_roles WHERE user_id = $1", id), "roles")
	assert.Zero(t, f.count(t, "SELECT count(*) FROM web_sessions WHERE user_id = $1", id), "sessions")
	assert.Zero(t, f.count(t, "SELECT count(*) FROM account_tokens WHERE user_id = $1", id), "links")
	assert.Zero(t, f.count(t, "SELECT count(*) FROM sign_in_attempts WHERE email = 'erin@example.org'"), "sign-in attempts")
	assert.Zero(t, f.count(t, "SELECT count(*) FROM emails WHERE to_address ILIKE 'erin@example.org' OR body_text ILIKE '%erin%' OR (to_name <> '' AND user_id = $1)", id), "emails")
	assert.Positive(t, f.count(t, "SELECT count(*) FROM emails WHERE user_id = $1 AND to_address = $2 AND body_text = ''", id, erasedAddr))
	assert.Zero(t, f.count(t, "SELECT count(*) FROM audit_events WHERE actor_email ILIKE 'erin@example.org'"), "typed addresses in the audit log")
	assert.Equal(t, 1, f.count(t, "SELECT count(*) FROM audit_events WHERE action = 'account_erased' AND actor_id = $1 AND subject_user_id = $1 AND agency_id = $2", id, ag[0]))

	// Someone else's data is untouched.
	assert.Equal(t, "other@example.org", mustUser(t, f, other).Email)
	assert.Equal(t, 1, f.count(t, "SELECT count(*) FROM emails WHERE to_address = 'other@example.org' AND body_text <> ''"))

	// Signed out everywhere, and never again.
	_, err = f.svc.Login(f.ctx, tok)
	assert.ErrorIs(t, err, account.ErrNoLogin)
	for _, addr := range []string{"erin@example.org", erasedAddr} {
		_, err = f.svc.SignIn(f.ctx, addr, goodPassword, "192.0.2.1")
		assert.ErrorIs(t, err, account.ErrInvalidCredentials, addr)
		_, err = f.svc.SignIn(f.ctx, addr, "!", "192.0.2.1")
		assert.ErrorIs(t, err, account.ErrInvalidCredentials, addr)
	}
	f.requestReset(t, erasedAddr)
	assert.Zero(t, f.count(t, "SELECT count(*) FROM account_tokens WHERE user_id = $1", id), "no reset link for an erased account")
	assert.ErrorIs(t, f.svc.EraseAccount(f.as(id, ""), goodPassword), account.ErrNotFound)

	// The address is free for a new account.
	fresh := f.signUp(t, "erin@example.org")
	assert.NotEqual(t, id, fresh)
	subject, _ := f.lastEmail(t, "erin@example.org")
	assert.Equal(t, "Confirm your email address", subject)
}

// Guessing the password on the deletion page runs into the sign-in limits.
func TestErasePasswordGuessesAreLimited(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.person(t, "guarded@example.org", f.agencyID(t))
	for range account.MaxFailuresPerUser {
		var v *validation.Errors
		require.ErrorAs(t, f.svc.EraseAccount(f.as(id, "192.0.2.5"), "guess guess guess"), &v)
	}
	var limit *account.LimitError
	require.ErrorAs(t, f.svc.EraseAccount(f.as(id, "192.0.2.5"), goodPassword), &limit)
	assert.False(t, mustUser(t, f, id).Erased)
	_, err := f.svc.SignIn(f.ctx, "guarded@example.org", goodPassword, "192.0.2.6")
	require.ErrorAs(t, err, &limit, "the same limit as signing in")

	f.clock.Advance(account.FailureWindow + time.Second)
	require.NoError(t, f.svc.EraseAccount(f.as(id, "192.0.2.5"), goodPassword))
}
