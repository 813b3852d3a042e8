package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// A signed-out person presses "Book a place", creates an account (first
// making a mistake), confirms their address from the email, signs in once
// and lands on that session's booking form; they book, and their line
// manager fills in the next form. Every page passes axe-core.
func TestBrowserSignUpFromBookAPlace(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	session := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	next := a.addSession(t, 10, 20*24*time.Hour, 3*24*time.Hour)
	form := fmt.Sprintf("/sessions/%d/book", session)
	var slug string
	var agencyID int64
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT slug FROM courses ORDER BY id LIMIT 1").Scan(&slug))
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT min(id) FROM agencies").Scan(&agencyID))
	b := browsertest.New(t)

	browsertest.Navigate(t, b, base+"/courses/"+slug)
	u := follow(t, b, fmt.Sprintf("a[href='%s']", form))
	assert.Equal(t, "/sign-in", u.Path)
	assert.Equal(t, form, u.Query().Get("next"))
	assert.Contains(t, text(t, b, "main"), "Sign in to book your place")
	checkPage(t, b)
	browsertest.FitsWidth(t, b, browsertest.NarrowWidth)

	u = follow(t, b, "main a[href^='/sign-up']")
	assert.Equal(t, "/sign-up", u.Path)
	assert.Contains(t, text(t, b, "main"), "we will bring you back to the booking you started")
	checkPage(t, b)
	browsertest.FitsWidth(t, b, browsertest.NarrowWidth)
	require.NoError(t, chromedp.Do(b,
		chromedp.SendKeys(chromedp.ID("full-name"), "Sam Jones"),
		chromedp.SendKeys(chromedp.ID("email"), "sam@example.org"),
		chromedp.SetValue(chromedp.ID("agency"), strconv.FormatInt(agencyID, 10)),
		chromedp.SendKeys(chromedp.ID("password"), "tide comes in at southsea"),
	))
	followExpecting(t, b, "form[action='/sign-up'] button[type=submit]", 422)
	assert.Contains(t, text(t, b, ".govuk-error-summary"), "Enter your job title")
	checkPage(t, b)
	browsertest.FitsWidth(t, b, browsertest.NarrowWidth)
	require.NoError(t, chromedp.Do(b,
		chromedp.SendKeys(chromedp.ID("job-title"), "Health visitor"),
		chromedp.SendKeys(chromedp.ID("password"), "tide comes in at southsea"),
	))
	u = follow(t, b, "form[action='/sign-up'] button[type=submit]")
	assert.Equal(t, "/sign-up/check-email", u.Path)
	assert.Contains(t, text(t, b, "main"), "It brings you back to your booking.")
	checkPage(t, b)
	browsertest.FitsWidth(t, b, browsertest.NarrowWidth)

	_, link := a.lastEmail(t, "sam@example.org")
	verify, err := url.Parse(link)
	require.NoError(t, err)
	browsertest.Navigate(t, b, base+verify.RequestURI())
	assert.Equal(t, "Confirm your email address", text(t, b, "h1"))
	checkPage(t, b)
	browsertest.FitsWidth(t, b, browsertest.NarrowWidth)
	require.NoError(t, chromedp.Do(b, chromedp.SendKeys(chromedp.ID("password"), "tide comes in at southsea")))
	u = follow(t, b, "form[action='/verify-email'] button[type=submit]")
	assert.Equal(t, form, u.Path, "confirmed, signed in and back on the booking form")
	assert.Equal(t, "Book a place", text(t, b, "h1"))
	checkPage(t, b)
	browsertest.FitsWidth(t, b, browsertest.NarrowWidth)

	require.NoError(t, chromedp.Do(b,
		chromedp.SendKeys(chromedp.ID("line-manager-name"), "Lee Manager"),
		chromedp.SendKeys(chromedp.ID("line-manager-email"), "lee@example.org"),
		chromedp.Click(chromedp.ID("agree-policy")),
	))
	u = follow(t, b, "main form button[type=submit]")
	assert.Regexp(t, `^/bookings/\d+$`, u.Path)
	assert.Contains(t, text(t, b, ".govuk-notification-banner"), "Booking confirmed")
	checkPage(t, b)
	browsertest.FitsWidth(t, b, browsertest.NarrowWidth)

	browsertest.Navigate(t, b, base+fmt.Sprintf("/sessions/%d/book", next))
	manager, err := chromedp.Run(b, chromedp.Value(chromedp.ID("line-manager-name")))
	require.NoError(t, err)
	assert.Equal(t, "Lee Manager", manager, "remembered from the last booking")
	checkPage(t, b)
	browsertest.FitsWidth(t, b, browsertest.NarrowWidth)
}

// The pages that changed for practitioners: booking closed with the training
// team's contact, a booking on the agency's invoice, a session the
// partnership cancelled in My training and on its booking page, and the
// profile with the line manager. Every page passes axe-core.
func TestBrowserPractitionerPagesThatExplain(t *testing.T) {
	t.Parallel()
	a := setup(t, func(d *testDeps) { d.TrainingEmail, d.TrainingPhone = "training@example.org", "023 9268 8000" })
	base := listen(t, a)
	a.priceSessions(t)
	a.newUser(t, "sam@example.org", "")
	closed := a.addSession(t, 10, 2*24*time.Hour, 3*24*time.Hour)
	paid := a.addSession(t, 10, 40*24*time.Hour, 3*24*time.Hour)
	dropped := a.addSession(t, 10, 30*24*time.Hour, 3*24*time.Hour)
	sam := a.as(t, "sam@example.org")
	invoiced := sam.bookPaid(paid)
	sam.get(fmt.Sprintf("/bookings/%d/pay", invoiced))
	sam.post(fmt.Sprintf("/bookings/%d/pay", invoiced), url.Values{"method": {"invoice"}, "purchase-order": {"PO-4471"}})
	gone := sam.bookPaid(dropped)
	sam.get(fmt.Sprintf("/bookings/%d/pay", gone))
	sam.post(fmt.Sprintf("/bookings/%d/pay", gone), url.Values{"method": {"invoice"}, "purchase-order": {"PO-4472"}})
	a.cancelSession(t, dropped, "The trainer is ill and no one else can deliver it")
	b := browsertest.New(t)

	browsertest.Navigate(t, b, base+"/sign-in")
	require.NoError(t, chromedp.Do(b,
		chromedp.SendKeys(chromedp.ID("email"), "sam@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
	))
	follow(t, b, "form[action='/sign-in'] button[type=submit]")

	resp := browsertest.Navigate(t, b, base+fmt.Sprintf("/sessions/%d/book", closed))
	assert.Equal(t, int64(410), resp.Status)
	assert.Contains(t, text(t, b, "#contact"), "training@example.org")
	checkPage(t, b)
	browsertest.FitsWidth(t, b, browsertest.NarrowWidth)

	browsertest.Navigate(t, b, base+fmt.Sprintf("/bookings/%d", invoiced))
	assert.Contains(t, text(t, b, "#invoice"), "£80 on")
	assert.Equal(t, "PO-4471", text(t, b, "#purchase-order"))
	checkPage(t, b)
	browsertest.FitsWidth(t, b, browsertest.NarrowWidth)

	browsertest.Navigate(t, b, base+"/my-training")
	assert.Contains(t, text(t, b, "#other + table"), "Their reason: The trainer is ill")
	checkPage(t, b)
	// My training's tables at 320 px are another piece of work (issue 14's tables).
	follow(t, b, fmt.Sprintf("#other + table a[href='/bookings/%d']", gone))
	assert.Equal(t, "Session cancelled by the training team", text(t, b, "#status"))
	assert.Contains(t, text(t, b, "#invoice"), "not charged")
	checkPage(t, b)
	browsertest.FitsWidth(t, b, browsertest.NarrowWidth)

	browsertest.Navigate(t, b, base+"/account/profile")
	manager, err := chromedp.Run(b, chromedp.Value(chromedp.ID("line-manager-name")))
	require.NoError(t, err)
	assert.Equal(t, "Lee Manager", manager)
	checkPage(t, b)
	browsertest.FitsWidth(t, b, browsertest.NarrowWidth)
}
