package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	linkTag   = regexp.MustCompile(`<link [^>]*>`)
	hrefAttr  = regexp.MustCompile(`href="([^"]+)"`)
	fontFile  = regexp.MustCompile(`(?i)\.(woff2?|ttf|otf|eot)\b`)
	firstCard = regexp.MustCompile(`href="(/courses/[a-z0-9-]+)"`)
)

// fontFree says what, if anything, in a page or stylesheet brings in the GDS
// Transport typeface, which is licensed for services on GOV.UK only.
func fontFree(t *testing.T, what, body string) {
	t.Helper()
	lower := strings.ToLower(body)
	// strings.Contains rather than assert.NotContains: a failure names the page
	// without printing all of it.
	assert.False(t, strings.Contains(lower, "gds transport"), "%s names GDS Transport", what)
	assert.False(t, strings.Contains(lower, "@font-face"), "%s declares a font", what)
	assert.Empty(t, fontFile.FindAllString(body, 3), "%s refers to font files", what)
}

func TestPagesUseNoGOVUKTypeface(t *testing.T) {
	t.Parallel()
	a := setup(t)
	_, list := a.get(t, "/courses")
	course := firstCard.FindStringSubmatch(list)
	require.NotNil(t, course, "the course list links to a course")

	a.newUser(t, "boss@example.org", "", "manager")
	manager := a.client(t)
	manager.signIn("boss@example.org", testPassword)

	pages := []struct {
		path   string
		status int
		get    func(string) (*http.Response, string)
	}{
		{"/", http.StatusOK, nil},
		{"/courses", http.StatusOK, nil},
		{course[1], http.StatusOK, nil},
		{"/sign-in", http.StatusOK, nil},
		{"/sign-up", http.StatusOK, nil},
		{"/privacy", http.StatusOK, nil},
		{"/accessibility", http.StatusOK, nil},
		{"/no-such-page", http.StatusNotFound, nil},
		{"/admin/sessions", http.StatusOK, manager.get},
	}
	stylesheets := map[string]bool{}
	for _, p := range pages {
		get := p.get
		if get == nil {
			get = func(path string) (*http.Response, string) { return a.get(t, path) }
		}
		resp, body := get(p.path)
		require.Equal(t, p.status, resp.StatusCode, p.path)
		fontFree(t, p.path, body)
		// The crown is for GOV.UK services too: the app's own icon only.
		assert.False(t, strings.Contains(body, "/assets/images/") || strings.Contains(body, "govuk-icon"), "%s links GOV.UK's crown images", p.path)
		assert.True(t, strings.Contains(body, `href="/static/app/icon.svg"`), "%s has the app's icon", p.path)
		assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "font-src 'none'", p.path)
		for _, tag := range linkTag.FindAllString(body, -1) {
			if m := hrefAttr.FindStringSubmatch(tag); m != nil && strings.Contains(tag, `rel="stylesheet"`) {
				stylesheets[m[1]] = true
			}
		}
	}

	// What the pages link to is checked too, and it is the compiled GOV.UK
	// Frontend in Arial.
	require.Contains(t, stylesheets, "/static/govuk/govuk-frontend.min.css")
	for href := range stylesheets {
		resp, css := a.get(t, href)
		require.Equal(t, http.StatusOK, resp.StatusCode, href)
		fontFree(t, href, css)
	}
	_, css := a.get(t, "/static/govuk/govuk-frontend.min.css")
	assert.True(t, strings.Contains(css, "font-family:arial,helvetica,sans-serif"), "GOV.UK Frontend's CSS uses Arial")

	// The font files that GOV.UK Frontend's own build ships are not served.
	for _, path := range []string{"/assets/fonts/bold-b542beb274-v2.woff2", "/assets/fonts/light-f591b13f7d-v2.woff",
		"/assets/images/favicon.svg", "/assets/images/govuk-crest.svg"} {
		resp, _ := a.get(t, path)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
	}
}
