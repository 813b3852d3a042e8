package web_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// A practitioner finds a course, books a place (first forgetting the
// required answers), sees the booking in My training, and cancels it through
// the confirmation page. Every page passes axe-core.
func TestBrowserBookAndCancelAPlace(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	a.newUser(t, "robin@example.org", "")
	b := browsertest.New(t)

	browsertest.Navigate(t, b, base+"/sign-in")
	require.NoError(t, chromedp.Do(b,
		chromedp.SendKeys(chromedp.ID("email"), "robin@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
	))
	follow(t, b, "form[action='/sign-in'] button[type=submit]")

	browsertest.Navigate(t, b, base+"/courses")
	course := text(t, b, ".app-course-list h3 a")
	follow(t, b, ".app-course-list h3 a")
	assert.Equal(t, course, text(t, b, "h1"))
	checkPage(t, b)

	u := follow(t, b, "#sessions + table a[href$='/book']")
	assert.Regexp(t, `^/sessions/\d+/book$`, u.Path)
	assert.Equal(t, "Book a place", text(t, b, "h1"))
	assert.Contains(t, text(t, b, "#agree-policy-hint"), "You can cancel free of charge until")
	checkPage(t, b)

	followExpecting(t, b, "main form button[type=submit]", 422)
	assert.Contains(t, text(t, b, ".govuk-error-summary"), "Enter your line manager’s name")
	checkPage(t, b)

	require.NoError(t, chromedp.Do(b,
		chromedp.SendKeys(chromedp.ID("line-manager-name"), "Lee Manager"),
		chromedp.SendKeys(chromedp.ID("line-manager-email"), "lee@example.org"),
		chromedp.SendKeys(chromedp.ID("access-needs"), "A hearing loop, please"),
		chromedp.Click(chromedp.ID("agree-policy")),
	))
	u = follow(t, b, "main form button[type=submit]")
	assert.Regexp(t, `^/bookings/\d+$`, u.Path)
	booking := u.Path
	assert.Equal(t, course, text(t, b, "h1"))
	assert.Contains(t, text(t, b, ".govuk-notification-banner"), "Booking confirmed")
	assert.Equal(t, "Confirmed", text(t, b, "#status"))
	checkPage(t, b)

	u = follow(t, b, ".govuk-service-navigation a[href='/my-training']")
	assert.Equal(t, "/my-training", u.Path)
	assert.Equal(t, course, text(t, b, "#upcoming + table a"))
	checkPage(t, b)

	follow(t, b, "#upcoming + table a[href='"+booking+"']")
	u = follow(t, b, "a[href='"+booking+"/cancel']")
	assert.Equal(t, booking+"/cancel", u.Path)
	assert.Contains(t, text(t, b, "#cancel-warning"), "Cancelling now is free")
	checkPage(t, b)

	u = follow(t, b, "main form button[type=submit]")
	assert.Equal(t, "/my-training", u.Path)
	assert.Contains(t, text(t, b, ".govuk-notification-banner"), "not recorded as a late cancellation")
	assert.Equal(t, "Cancelled by you", text(t, b, "#other + table tbody td:last-child"))
	assert.Contains(t, text(t, b, "#upcoming + p"), "You have no training booked.")
	checkPage(t, b)

	browsertest.Navigate(t, b, base+"/my-training/record")
	assert.Equal(t, "Training record", text(t, b, "h1"))
	checkPage(t, b)
}

// The booking pages a person meets less often pass axe-core too: joining a
// waiting list, a session that has closed, passing a place on (with its
// errors), an offered place, and My training with every section filled.
func TestBrowserOtherBookingPagesAreAccessible(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	robin := a.newUser(t, "robin@example.org", "")
	a.newUser(t, "first@example.org", "")
	a.newUser(t, "second@example.org", "")
	day := 24 * time.Hour
	full := a.addSession(t, 1, 10*day, 3*day)
	offered := a.addSession(t, 1, 12*day, 3*day)
	closed := a.addSession(t, 10, 2*day, 3*day)
	open := a.addSession(t, 10, 14*day, 3*day)
	dropped := a.addSession(t, 10, 16*day, 3*day)
	first := a.as(t, "first@example.org")
	first.book(full, bookingDetails())
	mine := a.as(t, "robin@example.org")
	placed := mine.book(open, bookingDetails())
	mine.post(fmt.Sprintf("/bookings/%d/cancel", mine.book(dropped, bookingDetails())), url.Values{})
	gone := first.book(offered, bookingDetails())
	offer := mine.book(offered, with(bookingDetails(), "join-waiting-list", "yes"))
	first.post(fmt.Sprintf("/bookings/%d/cancel", gone), url.Values{})
	a.addAttended(t, robin, 30*day, 3*time.Hour, "attended")

	b := browsertest.New(t)
	browsertest.Navigate(t, b, base+"/sign-in")
	require.NoError(t, chromedp.Do(b,
		chromedp.SendKeys(chromedp.ID("email"), "robin@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
	))
	follow(t, b, "form[action='/sign-in'] button[type=submit]")

	browsertest.Navigate(t, b, fmt.Sprintf("%s/sessions/%d/book", base, full))
	assert.Equal(t, "Join the waiting list", text(t, b, "h1"))
	checkPage(t, b)
	// Robin's line manager is remembered from their earlier bookings.
	manager, err := chromedp.Run(b, chromedp.Value(chromedp.ID("line-manager-email")))
	require.NoError(t, err)
	assert.Equal(t, "lee@example.org", manager)
	require.NoError(t, chromedp.Do(b, chromedp.Click(chromedp.ID("agree-policy"))))
	follow(t, b, "main form button[type=submit]")
	assert.Contains(t, text(t, b, ".govuk-notification-banner"), "You are on the waiting list: number 1")
	checkPage(t, b)

	resp := browsertest.Navigate(t, b, fmt.Sprintf("%s/sessions/%d/book", base, closed))
	assert.Equal(t, int64(410), resp.Status)
	assert.Equal(t, "Booking has closed for this session", text(t, b, "h1"))
	browsertest.CheckAccessibility(t, b)

	browsertest.Navigate(t, b, fmt.Sprintf("%s/bookings/%d/substitute", base, placed))
	checkPage(t, b)
	followExpecting(t, b, "main form button[type=submit]", 422)
	assert.Contains(t, text(t, b, ".govuk-error-summary"), "Enter your colleague’s email address")
	checkPage(t, b)

	browsertest.Navigate(t, b, fmt.Sprintf("%s/bookings/%d", base, offer))
	assert.Contains(t, text(t, b, "#status"), "Place offered: accept by")
	checkPage(t, b)

	browsertest.Navigate(t, b, base+"/my-training")
	for _, section := range []string{"#offers", "#upcoming", "#waiting", "#record", "#other"} {
		assert.NotEmpty(t, text(t, b, section+" + *"), section)
	}
	checkPage(t, b)
	browsertest.Navigate(t, b, base+"/my-training/record")
	assert.Equal(t, "3 hours", text(t, b, "tbody td:nth-child(3)"))
	checkPage(t, b)
}
