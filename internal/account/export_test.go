package account_test

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/email"
)

func TestExportPersonalData(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ag := f.agencies(t, 2)
	id := f.person(t, "dana@example.org", ag[0], account.Trainer)
	manager := f.person(t, "boss@example.org", ag[1], account.Manager)

	tok, sess, err := f.svc.StartLogin(f.ctx, &id, "192.0.2.10", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
	require.NoError(t, err)
	_, err = f.svc.SignIn(f.ctx, "dana@example.org", "not the password", "203.0.113.9")
	require.ErrorIs(t, err, account.ErrInvalidCredentials)
	_, err = f.svc.SignIn(f.ctx, "dana@example.org", goodPassword, "192.0.2.10")
	require.NoError(t, err)
	f.requestReset(t, "dana@example.org")
	_, resetLink := f.lastEmail(t, "dana@example.org")
	resetToken := token(t, resetLink)
	require.NotEmpty(t, resetToken)
	require.NoError(t, f.svc.RequestAgencyChange(f.as(id, "192.0.2.10"), ag[1]))
	require.NoError(t, f.svc.DecideAgencyChange(f.as(manager, "198.51.100.99"), account.Manager, id, false))
	require.NoError(t, f.svc.RequestAgencyChange(f.as(id, "192.0.2.10"), ag[1]))
	require.NoError(t, f.svc.UpdateProfile(f.as(id, "192.0.2.10"), account.ProfileForm{FullName: "Dana Fox", JobTitle: "School nurse"}))

	_, err = f.pool.Exec(f.ctx, `
		INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at,
		                      dietary_needs, line_manager_name, line_manager_email)
		SELECT s.id, u.id, u.agency_id, 'confirmed', u.id, now(), now(), 'Vegetarian', 'Lee Boss', 'lee@example.org'
		FROM users u, (SELECT id FROM sessions ORDER BY id LIMIT 1) s WHERE u.id = $1`, id)
	require.NoError(t, err)

	d, err := f.svc.ExportPersonalData(f.as(id, "192.0.2.10"))
	require.NoError(t, err)

	u := mustUser(t, f, id)
	profile := d.Section("profile").(account.PersonalProfile)
	roles := d.Section("roles").([]account.PersonalRole)
	sessions := d.Section("sessions").([]account.PersonalLogin)
	attempts := d.Section("sign_in_attempts").([]account.PersonalAttempt)
	links := d.Section("email_links").([]account.PersonalEmailLink)
	emails := d.Section("emails").([]email.PersonalEmail)
	bookings := d.Section("bookings").([]booking.PersonalBooking)
	events := d.Section("audit_events").([]audit.PersonalEvent)
	assert.Equal(t, "Dana Fox", profile.FullName)
	assert.Equal(t, "dana@example.org", profile.Email)
	assert.Equal(t, "School nurse", profile.JobTitle)
	assert.Equal(t, u.AgencyName, profile.Agency)
	assert.Equal(t, u.RequestedAgencyName, profile.RequestedAgency)
	assert.NotNil(t, profile.AgencyChangeRequested)
	assert.NotNil(t, profile.EmailVerifiedAt)
	require.Len(t, roles, 1)
	assert.Equal(t, "trainer", roles[0].Role)
	require.Len(t, sessions, 1)
	assert.Equal(t, "192.0.2.10", sessions[0].IP)
	assert.Contains(t, sessions[0].UserAgent, "Firefox")
	require.Len(t, attempts, 2)
	assert.Equal(t, "203.0.113.9", attempts[0].IP)
	assert.False(t, attempts[0].Succeeded)
	assert.True(t, attempts[1].Succeeded)
	require.Len(t, links, 1)
	assert.Equal(t, "reset_password", links[0].Purpose)
	require.Len(t, emails, 2, "the reset link and the decision")
	require.Len(t, bookings, 1)
	assert.Equal(t, "Vegetarian", bookings[0].DietaryNeeds)
	assert.Equal(t, "lee@example.org", bookings[0].LineManagerEmail)
	assert.Equal(t, "confirmed", bookings[0].Status)

	actions := map[string]audit.PersonalEvent{}
	for _, e := range events {
		actions[e.Action] = e
	}
	for _, a := range []string{"sign_in", "sign_in_failed", "agency_change_requested", "agency_change_confirmed", "profile_changed", "data_exported"} {
		assert.Contains(t, actions, a)
	}
	assert.True(t, actions["data_exported"].ByYou)
	assert.Equal(t, "192.0.2.10", actions["data_exported"].IP)
	decided := actions["agency_change_confirmed"]
	assert.False(t, decided.ByYou)
	assert.Empty(t, decided.IP, "the manager's IP address is theirs, not Dana's")
	assert.JSONEq(t, `"declined"`, string(mustField(t, decided.Details, "decision")))
	assert.Equal(t, 1, f.count(t, "SELECT count(*) FROM audit_events WHERE action = 'data_exported' AND actor_id = $1", id))

	// The file: every section, and no secret.
	b, err := json.Marshal(d)
	require.NoError(t, err)
	var sections map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &sections))
	for _, s := range []string{"profile", "roles", "sessions", "sign_in_attempts", "email_links", "audit_events", "emails", "bookings"} {
		assert.Contains(t, sections, s)
	}
	var hash string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT password_hash FROM users WHERE id = $1", id).Scan(&hash))
	file := string(b)
	assert.NotContains(t, file, hash)
	assert.NotContains(t, file, "argon2id")
	assert.NotContains(t, file, tok, "login token")
	assert.NotContains(t, file, sess.CSRF, "CSRF token")
	assert.NotContains(t, file, hex.EncodeToString(sess.TokenHash))
	assert.NotContains(t, file, base64.StdEncoding.EncodeToString(sess.TokenHash))
	assert.NotContains(t, file, resetToken, "the link in a kept email")
	assert.NotContains(t, file, "198.51.100.99")
	assert.Contains(t, file, "reset-password?token=removed")
	assert.NotContains(t, file, "boss@example.org")
}

func mustField(t testing.TB, raw json.RawMessage, key string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &m))
	return m[key]
}
