package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// narrowWidth is the narrowest screen the pages must fit.
const narrowWidth = browsertest.NarrowWidth

// narrowTab is a browser tab the size of a small phone, signed in as addr
// ("" for nobody).
func narrowTab(t *testing.T, base, addr string) context.Context {
	t.Helper()
	tab := browsertest.New(t)
	// Headless Chromium ignores window sizes under 500 pixels: emulate the
	// screen instead, before the first page loads.
	require.NoError(t, chromedp.Do(tab, chromedp.EmulateViewport(narrowWidth, 800)))
	if addr != "" {
		signInBrowser(t, tab, base, addr)
	}
	return tab
}

// fitsNarrowScreen visits path in tab and fails if the page is wider than
// the screen, naming the element that sticks out; it runs axe too.
func fitsNarrowScreen(t *testing.T, tab context.Context, base, path string) {
	t.Helper()
	fitsNarrowScreenAnswering(t, tab, base, path, 200)
}

// fitsNarrowScreenAnswering is fitsNarrowScreen for a page that answers
// with status.
func fitsNarrowScreenAnswering(t *testing.T, tab context.Context, base, path string, status int64) {
	t.Helper()
	resp := browsertest.Navigate(t, tab, base+path)
	require.Equal(t, status, resp.Status, path)
	m := browsertest.MeasureOverflow(t, tab)
	require.Equal(t, narrowWidth, m.Screen, "the emulated screen")
	assert.LessOrEqual(t, m.Width, narrowWidth,
		"%s is %dpx wide at %dpx: it scrolls sideways. Outermost element past the edge: %s; innermost: %s",
		path, m.Width, narrowWidth, m.Outer, m.Inner)
	checkPage(t, tab)
}

// Every page that holds a table (or used to) reads on a 320px screen
// without scrolling sideways: the public course page, a practitioner's
// training, a trainer's sessions and register, and the manager's and the
// coordinator's lists. Other helpers' new tables are caught here too.
func TestBrowserTablesFitA320PixelScreen(t *testing.T) {
	t.Parallel()
	w := chargeSetup(t)
	ctx := context.Background()
	base := listen(t, w.testApp)
	exec := func(sql string, args ...any) {
		t.Helper()
		_, err := w.pool.Exec(ctx, sql, args...)
		require.NoError(t, err)
	}

	// Something in every list: a session to come with the trainer and a
	// booking, a delivered one on the practitioner's record, charges, an
	// email, a training request, an unconfirmed organisation.
	upcoming := w.addSession(t, 12, 20*24*time.Hour, 3*24*time.Hour)
	w.putTrainerOn(t, upcoming, w.trainer)
	w.putTrainerOn(t, w.session, w.trainer)
	w.placeOn(t, upcoming, w.practitioner)
	w.placeOn(t, upcoming, w.colleague)
	w.addAttended(t, w.practitioner, 40*24*time.Hour, 6*time.Hour, "attended")
	w.addAttended(t, w.practitioner, 80*24*time.Hour, 3*time.Hour, "late")
	exec(`INSERT INTO emails (to_address, to_name, subject, body_text)
		VALUES ('practitioner@example.org', 'Practitioner Tester', 'Booking confirmed: Working Together to Safeguard Children', 'Hello')`)
	w.newUnlistedUser(t, "volunteer@example.org", "Southsea Youth Club and Community Association")
	var slug string
	require.NoError(t, w.pool.QueryRow(ctx, "SELECT c.slug FROM courses c JOIN sessions s ON s.course_id = c.id WHERE s.id = $1", upcoming).Scan(&slug))
	coordinatorClient := w.as(t, "coordinator@example.org")
	f := trainingRequestFixture{a: w.testApp, course: 0}
	require.NoError(t, w.pool.QueryRow(ctx, "SELECT id FROM courses WHERE slug = 'working-together-to-safeguard-children'").Scan(&f.course))
	request := f.submit(t, coordinatorClient, f.requestForm("contact-email", "coordinator@example.org"))
	// The charges exist once the manager has looked at the session's charges.
	w.as(t, "manager@example.org").get(w.chargesPath())

	t.Run("public", func(t *testing.T) {
		tab := narrowTab(t, base, "")
		for _, p := range []string{"/courses/" + slug, "/courses", "/cookies", "/privacy"} {
			fitsNarrowScreen(t, tab, base, p)
		}
	})
	t.Run("practitioner", func(t *testing.T) {
		tab := narrowTab(t, base, "practitioner@example.org")
		for _, p := range []string{"/my-training", "/my-training/record"} {
			fitsNarrowScreen(t, tab, base, p)
		}
	})
	t.Run("trainer", func(t *testing.T) {
		tab := narrowTab(t, base, "trainer@example.org")
		for _, p := range []string{"/trainer/sessions", "/trainer/sessions?show=past", "/trainer/sessions/" + id(upcoming),
			"/trainer/sessions/" + id(w.session), "/sessions/" + id(w.session) + "/register"} {
			fitsNarrowScreen(t, tab, base, p)
		}
		// A trainer cannot book a session they deliver: the booking page says why.
		fitsNarrowScreenAnswering(t, tab, base, "/sessions/"+id(upcoming)+"/book", 409)
		assert.Equal(t, "You are a trainer on this session", text(t, tab, "h1"))
	})
	t.Run("manager", func(t *testing.T) {
		tab := narrowTab(t, base, "manager@example.org")
		for _, p := range []string{
			"/admin/sessions", "/admin/sessions/" + id(upcoming), "/admin/sessions/" + id(upcoming) + "/bookings",
			w.chargesPath(), "/admin/emails", "/admin/audit", "/admin/retention", "/admin/people",
			"/admin/people/" + id(w.practitioner), "/admin/organisations", "/admin/agencies", "/admin/agency-changes",
			"/admin/courses", "/admin/venues", "/admin/trainers", "/admin/trainers/" + id(w.trainer), "/admin/prices",
			"/admin/training-requests", "/admin/training-requests/" + id(request),
		} {
			fitsNarrowScreen(t, tab, base, p)
		}
	})
	t.Run("coordinator", func(t *testing.T) {
		tab := narrowTab(t, base, "coordinator@example.org")
		for _, p := range []string{"/agency/bookings", "/agency/bookings?show=past", "/agency/charges", "/agency/people", "/agency/agency-changes",
			"/training-requests", "/training-requests/" + id(request)} {
			fitsNarrowScreen(t, tab, base, p)
		}
	})
}
