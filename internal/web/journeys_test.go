package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hrefOf returns the (unescaped) address of the first link whose address
// starts with prefix.
func hrefOf(t *testing.T, page, prefix string) string {
	t.Helper()
	m := regexp.MustCompile(`href="(` + regexp.QuoteMeta(prefix) + `[^"]*)"`).FindStringSubmatch(page)
	require.NotNil(t, m, "no link to %s", prefix)
	return html.UnescapeString(m[1])
}

// nextOf returns the destination a link carries.
func nextOf(t *testing.T, href string) string {
	t.Helper()
	u, err := url.Parse(href)
	require.NoError(t, err)
	return u.Query().Get("next")
}

// hiddenNext returns the value of a form's hidden "next" field, or "".
func hiddenNext(page string) string {
	m := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// A signed-out person presses "Book a place", creates an account, confirms
// their address from the email and signs in once: they land on that
// session's booking form, not on Your account.
func TestSignUpFromBookAPlaceLandsOnTheBookingForm(t *testing.T) {
	t.Parallel()
	a := setup(t)
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	form := fmt.Sprintf("/sessions/%d/book", session)
	var agencyID int64
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT min(id) FROM agencies").Scan(&agencyID))
	c := a.client(t)

	resp, _ := c.get(form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	signIn := resp.Header.Get("Location")
	assert.Equal(t, "/sign-in?next="+url.QueryEscape(form), signIn)

	_, page := c.get(signIn)
	assert.Contains(t, page, "Sign in to book your place")
	signUp := hrefOf(t, page, "/sign-up?")
	assert.Equal(t, form, nextOf(t, signUp))
	assert.Equal(t, form, nextOf(t, hrefOf(t, page, "/forgot-password?")))

	_, page = c.get(signUp)
	assert.Equal(t, form, hiddenNext(page))
	details := url.Values{
		"full-name": {"Sam Jones"}, "email": {"sam@example.org"}, "job-title": {"Health visitor"},
		"agency": {strconv.FormatInt(agencyID, 10)}, "password": {"tide comes in at southsea"}, "next": {form},
	}
	// A mistake keeps the destination in the form shown again.
	resp, page = c.post("/sign-up", with(details, "job-title", ""))
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, form, hiddenNext(page))

	resp, _ = c.post("/sign-up", details)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	checkEmail := resp.Header.Get("Location")
	assert.Equal(t, "/sign-up/check-email?next="+url.QueryEscape(form), checkEmail)
	_, page = c.get(checkEmail)
	assert.Equal(t, form, nextOf(t, hrefOf(t, page, "/sign-in?")))

	subject, link := a.lastEmail(t, "sam@example.org")
	require.Equal(t, "Confirm your email address", subject)
	verify, err := url.Parse(link)
	require.NoError(t, err)
	assert.Equal(t, form, verify.Query().Get("next"), "the emailed link carries the booking form")

	_, page = c.get(verify.RequestURI())
	assert.Equal(t, form, hiddenNext(page))
	resp, _ = c.post("/verify-email", url.Values{"token": {verify.Query().Get("token")}, "next": {form}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	signIn = resp.Header.Get("Location")
	assert.Equal(t, "/sign-in?next="+url.QueryEscape(form)+"&confirmed=1", signIn)

	_, page = c.get(signIn)
	assert.Contains(t, page, "Email address confirmed")
	assert.Equal(t, form, hiddenNext(page))
	resp, _ = c.post("/sign-in", url.Values{"email": {"sam@example.org"}, "password": {"tide comes in at southsea"}, "next": {form}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, form, resp.Header.Get("Location"), "signed in, on to the booking form")

	resp, page = c.get(form)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, `<h1 class="govuk-heading-l">Book a place</h1>`)
}

// The same journey when the person has forgotten their password: the reset
// link and the page after it carry the booking form too.
func TestPasswordResetFromBookAPlaceLandsOnTheBookingForm(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "robin@example.org", "")
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	form := fmt.Sprintf("/sessions/%d/book", session)
	c := a.client(t)

	_, page := c.get("/forgot-password?next=" + url.QueryEscape(form))
	assert.Equal(t, form, hiddenNext(page))
	resp, _ := c.post("/forgot-password", url.Values{"email": {"robin@example.org"}, "next": {form}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/forgot-password/check-email?next="+url.QueryEscape(form), resp.Header.Get("Location"))

	_, link := a.lastEmail(t, "robin@example.org")
	reset, err := url.Parse(link)
	require.NoError(t, err)
	assert.Equal(t, form, reset.Query().Get("next"))
	_, page = c.get(reset.RequestURI())
	assert.Equal(t, form, hiddenNext(page))
	_, page = c.post("/reset-password", url.Values{"token": {reset.Query().Get("token")}, "password": {"a brand new harbour password"}, "next": {form}})
	assert.Contains(t, page, "Your password has been reset")
	signIn := hrefOf(t, page, "/sign-in?")
	assert.Equal(t, form, nextOf(t, signIn))

	c.get(signIn)
	resp, _ = c.post("/sign-in", url.Values{"email": {"robin@example.org"}, "password": {"a brand new harbour password"}, "next": {form}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, form, resp.Header.Get("Location"))
}

// Nothing but a local address survives sign-in, and nothing but a booking
// form travels through sign-up and its emails.
func TestDestinationsAreNeverAnOpenRedirect(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "robin@example.org", "")
	var agencyID int64
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT min(id) FROM agencies").Scan(&agencyID))

	for i, next := range []string{
		"//evil.example", "https://evil.example", "/\\evil.example", "/\\/evil.example", "/\t/evil.example",
		"http:/evil.example", "javascript:alert(1)", "/sessions/1/book/../../../account/delete",
		"/sessions/1/book?x=//evil.example", " /sessions/1/book",
	} {
		t.Run(strconv.Quote(next), func(t *testing.T) {
			c := a.client(t)
			_, page := c.get("/sign-up?next=" + url.QueryEscape(next))
			assert.Empty(t, hiddenNext(page), "no destination in the sign-up form")

			addr := fmt.Sprintf("newcomer%d@example.org", i)
			resp, _ := c.post("/sign-up", url.Values{
				"full-name": {"New Comer"}, "email": {addr}, "job-title": {"Teacher"},
				"agency": {strconv.FormatInt(agencyID, 10)}, "password": {"tide comes in at southsea"}, "next": {next},
			})
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			assert.Equal(t, "/sign-up/check-email", resp.Header.Get("Location"))
			_, link := a.lastEmail(t, addr)
			u, err := url.Parse(link)
			require.NoError(t, err)
			assert.Equal(t, "", u.Query().Get("next"), "the email carries no destination")

			resp, page = c.post("/verify-email", url.Values{"token": {u.Query().Get("token")}, "next": {next}})
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Contains(t, page, "Email address confirmed")

			c.get("/sign-in?next=" + url.QueryEscape(next))
			resp, _ = c.post("/sign-in", url.Values{"email": {"robin@example.org"}, "password": {testPassword}, "next": {next}})
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			loc := resp.Header.Get("Location")
			if loc != "/account" {
				// Only a path on this site may be kept, however it is written.
				assert.True(t, strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//") && !strings.ContainsAny(loc, "\\\t"), loc)
				target, err := url.Parse(loc)
				require.NoError(t, err)
				assert.Empty(t, target.Host, loc)
			}
		})
	}
}

// A second sign-up with the address of an account still waiting for
// confirmation changes nothing in it, even carrying a destination: only the
// emailed links bring the mailbox's owner back to the booking form.
func TestRepeatSignUpWithADestinationChangesNothing(t *testing.T) {
	t.Parallel()
	a := setup(t)
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	form := fmt.Sprintf("/sessions/%d/book", session)
	var agencyID int64
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT min(id) FROM agencies").Scan(&agencyID))
	c := a.client(t)
	c.get("/sign-up")
	first := url.Values{
		"full-name": {"Sam Jones"}, "email": {"sam@example.org"}, "job-title": {"Health visitor"},
		"agency": {strconv.FormatInt(agencyID, 10)}, "password": {"tide comes in at southsea"},
	}
	resp, _ := c.post("/sign-up", first)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	row := func() string {
		var s string
		require.NoError(t, a.pool.QueryRow(context.Background(), `
			SELECT concat_ws('|', full_name, job_title, agency_id, unlisted_agency_name, password_hash, email_verified_at, updated_at)
			FROM users WHERE email = 'sam@example.org'`).Scan(&s))
		return s
	}
	before := row()

	other := a.client(t)
	other.get("/sign-up?next=" + url.QueryEscape(form))
	again := with(first, "full-name", "Someone Else", "password", "another harbour password here", "next", form)
	again.Del("_csrf") // the first client's
	resp, _ = other.post("/sign-up", again)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, before, row(), "the waiting account is unchanged")

	subject, link := a.lastEmail(t, "sam@example.org")
	assert.Equal(t, "An account is waiting for you to confirm your email address", subject)
	u, err := url.Parse(link)
	require.NoError(t, err)
	assert.Equal(t, form, u.Query().Get("next"))
}
