package web_test

import (
	"context"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// serve runs the app on a real loopback listener for the browser.
func serve(t *testing.T) string {
	t.Helper()
	return listen(t, setup(t))
}

// listen serves a on a loopback port until the test ends.
func listen(t *testing.T, a testApp) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = a.app.Listener(ln) }()
	t.Cleanup(func() { _ = a.app.ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String()
}

// checkPage runs axe-core (WCAG 2.2 A and AA) on the page in the tab, and
// fails on any console error, such as a script the CSP refused.
func checkPage(t *testing.T, ctx context.Context) {
	t.Helper()
	browsertest.CheckAccessibility(t, ctx)
	browsertest.CheckNoConsoleErrors(t, ctx)
}

// follow clicks what sel finds and waits for the page it leads to to load;
// it returns that page's address.
func follow(t *testing.T, ctx context.Context, sel string) *url.URL {
	t.Helper()
	return followExpecting(t, ctx, sel, 200)
}

// followExpecting is follow for a page that answers with status.
func followExpecting(t *testing.T, ctx context.Context, sel string, status int64) *url.URL {
	t.Helper()
	// RunResponse waits for ever if the click leads nowhere: bound it.
	clickCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(clickCtx, chromedp.Click(chromedp.CSS(sel)))
	require.NoError(t, err, "click %s", sel)
	require.NotNil(t, resp, "clicking %s loaded no page", sel)
	require.Equal(t, status, resp.Status, resp.URL)
	u, err := url.Parse(resp.URL)
	require.NoError(t, err)
	return u
}

func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	require.NoError(t, err)
	return strings.TrimSpace(s)
}

// A person finds a course: home page, start button, filter, course page.
// Every page passes axe-core's WCAG 2.2 A and AA rules with no violations.
func TestBrowserFindACourse(t *testing.T) {
	t.Parallel()
	base := serve(t)
	ctx := browsertest.New(t)

	resp := browsertest.Navigate(t, ctx, base+"/")
	require.Equal(t, int64(200), resp.Status)
	assert.Equal(t, "Book safeguarding training", text(t, ctx, "h1"))
	// GOV.UK Frontend's JavaScript ran: the CSP allowed the js-enabled
	// snippet and the module script.
	classes, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.className`))
	require.NoError(t, err)
	assert.Contains(t, classes, "js-enabled")
	assert.Contains(t, classes, "govuk-frontend-supported")
	checkPage(t, ctx)

	u := follow(t, ctx, "a.govuk-button--start")
	assert.Equal(t, "/courses", u.Path)
	assert.Equal(t, "Courses", text(t, ctx, "h1"))
	assert.Equal(t, "16 courses", text(t, ctx, "#results"))
	checkPage(t, ctx)

	// Filter: Level 3, delivered in person.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("level-3")),
		chromedp.Click(chromedp.ID("mode-in_person")),
	))
	u = follow(t, ctx, "form button[type=submit]")
	assert.Equal(t, "/courses", u.Path)
	assert.Equal(t, "3", u.Query().Get("level"))
	assert.Equal(t, "in_person", u.Query().Get("mode"))
	assert.Contains(t, text(t, ctx, "#results"), "match your filters")
	checked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("level-3").checked`))
	require.NoError(t, err)
	assert.True(t, checked, "the chosen filter stays ticked")
	checkPage(t, ctx)

	// Open the first course in the filtered list.
	title := text(t, ctx, ".app-course-list h3 a")
	require.NotEmpty(t, title)
	u = follow(t, ctx, ".app-course-list h3 a")
	assert.Regexp(t, `^/courses/[a-z0-9-]+$`, u.Path)
	assert.Equal(t, title, text(t, ctx, "h1"))
	assert.Equal(t, "Upcoming sessions", text(t, ctx, "#sessions"))
	checkPage(t, ctx)
}

// The other public pages, including the empty search result and the 404
// page, pass the same checks.
func TestBrowserOtherPagesAreAccessible(t *testing.T) {
	t.Parallel()
	base := serve(t)
	ctx := browsertest.New(t)
	for _, path := range []string{"/courses?q=zebra+crossing", "/privacy", "/accessibility", "/cookies"} {
		resp := browsertest.Navigate(t, ctx, base+path)
		assert.Equal(t, int64(200), resp.Status, path)
		checkPage(t, ctx)
	}
	// Last, because the browser reports the 404 status itself as a console
	// error; the page must still be accessible.
	resp := browsertest.Navigate(t, ctx, base+"/courses/no-such-course")
	assert.Equal(t, int64(404), resp.Status)
	browsertest.CheckAccessibility(t, ctx)
}
