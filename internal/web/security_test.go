package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// NUL and invalid UTF-8 never reach a handler (badinput_test.go); the other
// control characters do, and each form cleans or refuses them.
func TestControlCharactersInTypedFieldsAreNotServerErrors(t *testing.T) {
	t.Parallel()
	a := setup(t)
	c := a.client(t)
	for _, addr := range []string{"a\x01b@example.org", "a\x7fb@example.org"} {
		c.get("/sign-in")
		resp, page := c.post("/sign-in", url.Values{"email": {addr}, "password": {"whatever it is"}})
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "%q", addr)
		assert.Contains(t, errorSummary(page), "Enter an email address in the correct format", "%q", addr)
	}
	var agencyID int64
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT min(id) FROM agencies").Scan(&agencyID))
	for i, name := range []string{"Sam\x01Jones", "Sam\x7fJones"} {
		c.get("/sign-up")
		resp, page := c.post("/sign-up", url.Values{
			"full-name": {name}, "email": {"sam" + strconv.Itoa(i) + "@example.org"}, "job-title": {"Health\x1bvisitor"},
			"agency": {strconv.FormatInt(agencyID, 10)}, "password": {"tide comes in at southsea"},
		})
		assert.Contains(t, []int{http.StatusSeeOther, http.StatusUnprocessableEntity}, resp.StatusCode, "%q: %s", name, errorSummary(page))
	}
	c.get("/sign-up")
	resp, _ := c.post("/sign-up", url.Values{
		"full-name": {"Sam Jones"}, "email": {"sam\x02@example.org"}, "job-title": {"Nurse"},
		"agency": {"not-listed"}, "unlisted-agency": {"Acme\x03Care"}, "password": {"tide comes in at southsea"},
	})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)

	a.newUser(t, "pat@example.org", "")
	p := a.client(t)
	p.signIn("pat@example.org", testPassword)
	resp, page := p.post("/account/profile", url.Values{"full-name": {"Pat\x04Smith"}, "job-title": {"Nurse\u009b"}})
	assert.Less(t, resp.StatusCode, 500, errorSummary(page))
	assert.NotContains(t, a.logs.String(), "level=ERROR")
}

func TestPasswordResetForAPersonWithALongName(t *testing.T) {
	t.Parallel()
	a := setup(t)
	id := a.newUser(t, "long@example.org", "")
	_, err := a.pool.Exec(context.Background(), "UPDATE users SET full_name = $1 WHERE id = $2", strings.Repeat("é", 130), id)
	require.NoError(t, err)
	c := a.client(t)
	c.get("/forgot-password")
	resp, page := c.post("/forgot-password", url.Values{"email": {"long@example.org"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	subject, _ := a.lastEmail(t, "long@example.org")
	assert.Equal(t, "Reset your password", subject)
}

// A squatter signs up with someone else's address and signs in. The owner's
// sign-up changes nothing, but its email lets the owner choose a new
// password, which ends the squatter's session and password.
func TestSecondSignUpLetsTheMailboxTakeBackAnUnverifiedAddress(t *testing.T) {
	t.Parallel()
	a := setup(t)
	var agencyID int64
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT min(id) FROM agencies").Scan(&agencyID))
	signUp := func(c *client, name, pw string) {
		t.Helper()
		c.get("/sign-up")
		resp, page := c.post("/sign-up", url.Values{
			"full-name": {name}, "email": {"owner@example.org"}, "job-title": {"Nurse"},
			"agency": {strconv.FormatInt(agencyID, 10)}, "password": {pw},
		})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
		assert.Equal(t, "/sign-up/check-email", resp.Header.Get("Location"), "the same answer every time")
	}
	const attackerPW, victimPW = "attacker chose this phrase", "the victims own passphrase"
	attacker := a.client(t)
	signUp(attacker, "Eve Smith", attackerPW)
	attacker.signIn("owner@example.org", attackerPW)

	victim := a.client(t)
	signUp(victim, "Vic Jones", victimPW)
	resp, _ := attacker.get("/account")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "a sign-up changes nothing, sessions included")

	var body string
	require.NoError(t, a.pool.QueryRow(context.Background(),
		"SELECT body_text FROM emails WHERE to_address = 'owner@example.org' ORDER BY id DESC LIMIT 1").Scan(&body))
	reset := regexp.MustCompile(`http://\S+/reset-password\?token=\S+`).FindString(body)
	require.NotEmpty(t, reset, body)
	assert.NotContains(t, body, "Eve")
	u, err := url.Parse(reset)
	require.NoError(t, err)
	victim.get(u.RequestURI())
	_, page := victim.post("/reset-password", url.Values{"token": {u.Query().Get("token")}, "password": {victimPW}})
	require.Contains(t, page, "Your password has been reset")

	resp, _ = attacker.get("/account")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "the squatter's session has ended")
	victim.signIn("owner@example.org", victimPW)
	again := a.client(t)
	again.get("/sign-in")
	resp, _ = again.post("/sign-in", url.Values{"email": {"owner@example.org"}, "password": {attackerPW}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "the squatter's password no longer works")
}

func TestChangePasswordHasAGuessingLimit(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "guessed@example.org", "")
	c := a.client(t)
	c.signIn("guessed@example.org", testPassword)
	for i := range 10 {
		c.get("/account/password")
		resp, page := c.post("/account/password", url.Values{"current-password": {"wrong guess " + strconv.Itoa(i)}, "new-password": {"a fine new passphrase"}})
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		require.Contains(t, errorSummary(page), "Your current password is wrong")
	}
	c.get("/account/password")
	resp, page := c.post("/account/password", url.Values{"current-password": {testPassword}, "new-password": {"a fine new passphrase"}})
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "You have entered a wrong password too many times")
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
}

func TestKeptEmailBodiesHiddenWhenSentBySMTP(t *testing.T) {
	t.Parallel()
	for _, show := range []bool{true, false} {
		a := setup(t, func(d *testDeps) { d.ShowEmailBodies = show })
		a.newUser(t, "manager@example.org", "", "manager")
		var id int64
		require.NoError(t, a.pool.QueryRow(context.Background(),
			`INSERT INTO emails (to_address, subject, body_text) VALUES ('x@example.org', 'Reset',
			 E'Follow https://example.org/reset-password?token=SECRETTOKEN within the hour.\nOr confirm: https://example.org/verify-email?from=x&token=OTHERSECRET\nSee https://example.org/bookings/7')
			 RETURNING id`).Scan(&id))
		m := a.client(t)
		m.signIn("manager@example.org", testPassword)
		resp, page := m.get("/admin/emails/" + strconv.FormatInt(id, 10))
		require.Equal(t, http.StatusOK, resp.StatusCode)
		// Whoever reads a reset or confirmation link can take over the
		// account: a manager never sees one, whatever the mode.
		assert.NotContains(t, page, "SECRETTOKEN")
		assert.NotContains(t, page, "OTHERSECRET")
		if show {
			assert.Contains(t, page, "Follow (link removed: only the person it was sent to may use it) within the hour.")
			assert.Contains(t, page, `href="https://example.org/bookings/7"`, "other links are kept")
			assert.NotContains(t, page, "Email bodies are not shown")
		} else {
			assert.NotContains(t, page, "bookings/7")
			assert.Contains(t, page, "Email bodies are not shown when email is sent by SMTP")
		}
	}
}
