package account_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/validation"
)

func TestTypedFieldsWithControlCharactersAndBadUTF8(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var v *validation.Errors
	for _, addr := range []string{"a\x00b@example.org", "a\xffb@example.org", "a\x01b@example.org"} {
		_, err := f.svc.SignIn(f.ctx, addr, "whatever it is", "")
		require.ErrorAs(t, err, &v, "%q", addr)
		assert.Equal(t, "Enter an email address in the correct format, like name@example.org", v.Message("email"))

		err = f.svc.SignUp(f.ctx, account.SignUpForm{
			FullName: "Sam Jones", Email: addr, Password: goodPassword, JobTitle: "Nurse", AgencyID: f.agencyID(t),
		}, "")
		require.ErrorAs(t, err, &v, "%q", addr)
		assert.Equal(t, "Enter an email address in the correct format, like name@example.org", v.Message("email"))
	}

	require.NoError(t, f.svc.SignUp(f.ctx, account.SignUpForm{
		FullName: "Sam\x00Jones\xff", Email: "sam@example.org", Password: goodPassword, JobTitle: "Nurse\x00\tlead",
		NotListed: true, UnlistedAgency: "Acme\x00 Care",
	}, ""))
	var name, job, org string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT full_name, job_title, unlisted_agency_name FROM users WHERE email = 'sam@example.org'").
		Scan(&name, &job, &org))
	assert.Equal(t, []string{"Sam Jones", "Nurse lead", "Acme Care"}, []string{name, job, org})

	id := f.signUp(t, "pat@example.org")
	require.NoError(t, f.svc.UpdateProfile(f.as(id, ""), account.ProfileForm{FullName: "Pat\x00Smith", JobTitle: "Health\xffvisitor\r\n"}))
	u, err := f.svc.User(f.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "Pat Smith", u.FullName)
	assert.Equal(t, "Healthvisitor", u.JobTitle)
}

func TestLongNameDoesNotBreakEmails(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.signUp(t, "long@example.org")
	name := strings.Repeat("é", 130) // 260 bytes
	_, err := f.pool.Exec(f.ctx, "UPDATE users SET full_name = $1, email_verified_at = now() WHERE id = $2", name, id)
	require.NoError(t, err)
	f.requestReset(t, "long@example.org")
	subject, _ := f.lastEmail(t, "long@example.org")
	assert.Equal(t, "Reset your password", subject)
	var toName string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT to_name FROM emails WHERE to_address = 'long@example.org' ORDER BY id DESC LIMIT 1").Scan(&toName))
	assert.Equal(t, strings.Repeat("é", 100), toName, "cut at a character boundary to 200 bytes")
}

func TestChangePasswordIsLimited(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.signUp(t, "guessed@example.org")
	_, sess, err := f.svc.StartLogin(f.ctx, &id, "", "")
	require.NoError(t, err)
	for range account.MaxFailuresPerUser {
		var v *validation.Errors
		require.ErrorAs(t, f.svc.ChangePassword(f.as(id, "192.0.2.5"), sess, "a wrong guess", "a fine new passphrase"), &v)
		assert.Equal(t, "Your current password is wrong", v.Message("current-password"))
	}
	var limit *account.LimitError
	err = f.svc.ChangePassword(f.as(id, "192.0.2.5"), sess, goodPassword, "a fine new passphrase")
	require.True(t, errors.As(err, &limit), "got %v", err)
	assert.Equal(t, 10, f.count(t, "SELECT count(*) FROM audit_events WHERE action = 'sign_in_failed' AND subject_user_id = $1 AND details->>'purpose' = 'change password'", id))
}

func TestConfirmedMoveEndsCoordinatorRole(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ag := f.agencies(t, 2)
	p := f.person(t, "coord-mover@example.org", ag[0], account.Coordinator, account.Trainer)
	manager := f.person(t, "boss@example.org", ag[0], account.Manager)
	require.NoError(t, f.svc.RequestAgencyChange(f.as(p, ""), ag[1]))
	u := mustUser(t, f, p)
	assert.True(t, u.Has(account.Coordinator), "kept while the request waits")
	require.NoError(t, f.svc.DecideAgencyChange(f.as(manager, ""), account.Manager, p, true))
	u = mustUser(t, f, p)
	assert.False(t, u.Has(account.Coordinator))
	assert.True(t, u.Has(account.Trainer), "other roles stay")
	removed := f.auditDetails(t, "role_removed", p)
	require.Len(t, removed, 1)
	assert.Equal(t, "coordinator", removed[0]["role"])
	assert.Equal(t, "changed agency", removed[0]["reason"])

	// Declined: the role stays.
	q := f.person(t, "coord-stayer@example.org", ag[0], account.Coordinator)
	require.NoError(t, f.svc.RequestAgencyChange(f.as(q, ""), ag[1]))
	require.NoError(t, f.svc.DecideAgencyChange(f.as(manager, ""), account.Manager, q, false))
	assert.True(t, mustUser(t, f, q).Has(account.Coordinator))
	assert.Empty(t, f.auditDetails(t, "role_removed", q))
}

func TestErasureRemovesTypedOrganisationFromTheAuditLog(t *testing.T) {
	t.Parallel()
	f := setup(t)
	const org = "Zebra Unlisted Org"
	require.NoError(t, f.svc.SignUp(f.ctx, account.SignUpForm{
		FullName: "Una Listed", Email: "una@example.org", Password: goodPassword, JobTitle: "Nurse", NotListed: true, UnlistedAgency: org,
	}, ""))
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT id FROM users WHERE email = 'una@example.org'").Scan(&id))
	require.NoError(t, f.svc.RequestAgencyChange(f.as(id, ""), f.agencyID(t)))
	require.Positive(t, f.count(t, "SELECT count(*) FROM audit_events WHERE details::text LIKE '%' || $1 || '%'", org))
	require.NoError(t, f.svc.EraseAccount(f.as(id, ""), goodPassword))
	assert.Zero(t, f.count(t, "SELECT count(*) FROM audit_events WHERE details::text LIKE '%' || $1 || '%'", org))
}
