package web

import (
	"bytes"
	"html/template"
	"regexp"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"
)

// navItems writes the side navigation byte for byte as the adminNav
// partial's range over the links did, on every section's page and below it.
func TestAdminNavIsWhatTheTemplateWrote(t *testing.T) {
	t.Parallel()
	was := template.Must(template.New("").Parse(`<ul class="govuk-list">
    {{- range .}}
    <li><a class="govuk-link govuk-link--no-visited-state{{if .Current}} govuk-!-font-weight-bold{{end}}" href="{{.Href}}"{{with .Current}} aria-current="{{.}}"{{end}}>{{.Text}}</a></li>
    {{- end}}
  </ul>`))
	now := template.Must(template.New("").Funcs(template.FuncMap{"navItems": navItems}).Parse(`<ul class="govuk-list">
    {{- navItems .}}
  </ul>`))
	// The addresses are written as they are: they must need no escaping.
	plain := regexp.MustCompile(`^/[a-z/-]*$`)
	app := fiber.New()
	paths := []string{"/", "/admin/sessions/12/bookings", "/agency/people"}
	for _, s := range adminSections {
		assert.Regexp(t, plain, s.Href)
		paths = append(paths, s.Href, s.Href+"/1")
	}
	for _, path := range paths {
		fctx := &fasthttp.RequestCtx{}
		fctx.Request.SetRequestURI(path)
		c := app.AcquireCtx(fctx)
		links := newAdminArea(c).Nav
		app.ReleaseCtx(c)
		var before, after bytes.Buffer
		require.NoError(t, was.Execute(&before, links))
		require.NoError(t, now.Execute(&after, links))
		assert.Equal(t, before.String(), after.String(), path)
	}
	// Texts are escaped as the template escaped them.
	odd := []navLink{{Href: "/admin", Text: `Tom & "Jerry" <b>'s</b> 1+1`, Current: "page"}}
	var before, after bytes.Buffer
	require.NoError(t, was.Execute(&before, odd))
	require.NoError(t, now.Execute(&after, odd))
	assert.Equal(t, before.String(), after.String())
}
