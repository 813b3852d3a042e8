package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"

	"github.com/pscp/booktraining/internal/account"
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

// pageItems writes the pagination partial's page links byte for byte as its
// range did, for lists of any length and any address.
func TestPageItemsAreWhatTheTemplateWrote(t *testing.T) {
	t.Parallel()
	was := template.Must(template.New("").Parse(`<ul class="govuk-pagination__list">
    {{- range .Items}}
    {{- if .Ellipsis}}
    <li class="govuk-pagination__item govuk-pagination__item--ellipses">&ctdot;</li>
    {{- else}}
    <li class="govuk-pagination__item{{if .Current}} govuk-pagination__item--current{{end}}"><a class="govuk-link govuk-pagination__link" href="{{.Href}}" aria-label="Page {{.Number}}"{{if .Current}} aria-current="page"{{end}}>{{.Number}}</a></li>
    {{- end}}
    {{- end}}
  </ul>`))
	now := template.Must(template.New("").Funcs(template.FuncMap{"pageItems": pageItems}).Parse(`<ul class="govuk-pagination__list">
    {{- pageItems .Items}}
  </ul>`))
	check := func(p *pagination, what string) {
		t.Helper()
		var before, after bytes.Buffer
		require.NoError(t, was.Execute(&before, p))
		require.NoError(t, now.Execute(&after, p))
		assert.Equal(t, before.String(), after.String(), what)
	}
	query := url.Values{"q": {`Tom & "Jerry" <b> 1+1 ü/?#%`}, "status": {"failed"}}
	for _, pages := range []int{2, 3, 7, 100} {
		for page := 1; page <= pages; page++ {
			for _, more := range []bool{false, true} {
				check(paginateCounted("/admin/emails", query, page, pages, more), fmt.Sprint(page, " of ", pages))
				check(paginateBy("/admin/people", nil, "awaiting-page", page, pages, more), fmt.Sprint(page, " of ", pages))
			}
		}
	}
	var odd []pageLink
	for i, href := range []string{"", "/a b/ü?x=\"y\"&z='w'", "javascript:alert(1)", "JavaScript:x", "HTTPS://example.org/x",
		"mailto:a@example.org", "/x:y", "x:y/z", "/%41%zz%4", "/%", "/\x00\x7f\xff<>{}|\\^`", "#top", "?page=2&q=a+b"} {
		odd = append(odd, pageLink{Number: i + 1, Href: href, Current: i == 2})
	}
	check(&pagination{Items: odd}, "odd addresses")
}

// serviceNav writes the layout's service navigation byte for byte as the
// layout's own markup did, on any page, for anyone signed in or nobody.
func TestServiceNavIsWhatTheLayoutWrote(t *testing.T) {
	t.Parallel()
	was := template.Must(template.New("").Funcs(templateFuncs).Parse(`
{{- $path := .Path -}}
{{- $coursesCurrent := eq $path "/courses" -}}
{{- $coursesActive := or $coursesCurrent (and (ge (len $path) 9) (eq (slice $path 0 9) "/courses/")) -}}
              <ul class="govuk-service-navigation__list" id="navigation">
                <li class="govuk-service-navigation__item{{if $coursesActive}} govuk-service-navigation__item--active{{end}}">
                  {{- if $coursesActive}}
                  <a class="govuk-service-navigation__link" href="/courses" aria-current="{{if $coursesCurrent}}page{{else}}true{{end}}">
                    <strong class="govuk-service-navigation__active-fallback">Courses</strong>
                  </a>
                  {{- else}}
                  <a class="govuk-service-navigation__link" href="/courses">Courses</a>
                  {{- end}}
                </li>
                {{- if .User}}
                {{- if .User.Has "manager"}}
                <li class="govuk-service-navigation__item{{if hasPrefix $path "/admin"}} govuk-service-navigation__item--active{{end}}">
                  <a class="govuk-service-navigation__link" href="/admin"{{if hasPrefix $path "/admin"}} aria-current="{{if eq $path "/admin"}}page{{else}}true{{end}}"{{end}}>Manage</a>
                </li>
                {{- end}}
                {{- if .User.Has "coordinator"}}
                <li class="govuk-service-navigation__item{{if hasPrefix $path "/agency"}} govuk-service-navigation__item--active{{end}}">
                  <a class="govuk-service-navigation__link" href="/agency/people"{{if hasPrefix $path "/agency"}} aria-current="true"{{end}}>Your agency</a>
                </li>
                {{- end}}
                {{- $mine := or (hasPrefix $path "/my-training") (hasPrefix $path "/bookings/")}}
                <li class="govuk-service-navigation__item{{if $mine}} govuk-service-navigation__item--active{{end}}">
                  <a class="govuk-service-navigation__link" href="/my-training"{{if $mine}} aria-current="{{if eq $path "/my-training"}}page{{else}}true{{end}}"{{end}}>My training</a>
                </li>
                <li class="govuk-service-navigation__item{{if hasPrefix $path "/account"}} govuk-service-navigation__item--active{{end}}">
                  <a class="govuk-service-navigation__link" href="/account"{{if hasPrefix $path "/account"}} aria-current="true"{{end}}>Your account</a>
                </li>
                <li class="govuk-service-navigation__item">
                  <form method="post" action="/sign-out" class="app-inline-form">
                    <input type="hidden" name="_csrf" value="{{.CSRF}}">
                    <button type="submit" class="govuk-service-navigation__link app-link-button">Sign out</button>
                  </form>
                </li>
                {{- else}}
                <li class="govuk-service-navigation__item{{if eq $path "/sign-in"}} govuk-service-navigation__item--active{{end}}">
                  <a class="govuk-service-navigation__link" href="/sign-in"{{if eq $path "/sign-in"}} aria-current="page"{{end}}>Sign in</a>
                </li>
                {{- end}}
              </ul>`))
	now := template.Must(template.New("").Funcs(templateFuncs).Parse(`<ul class="govuk-service-navigation__list" id="navigation">
                {{- serviceNav .Path .User .CSRF}}
              </ul>`))
	people := []*account.User{nil, {}, {Roles: []account.Role{account.Manager}}, {Roles: []account.Role{account.Coordinator}},
		{Roles: []account.Role{account.Trainer, account.Coordinator, account.Manager}}}
	for _, path := range []string{"/", "/courses", "/courses/", "/courses/x", "/coursesx", "/course", "/admin", "/admin/people",
		"/administer", "/agency", "/agency/people", "/my-training", "/my-training/x", "/bookings/1", "/bookings", "/account",
		"/account/data", "/sign-in", "/sign-in/x", "/privacy", ""} {
		for i, u := range people {
			v := view{Path: path, User: u, CSRF: `tok+/=&"<'>` + "\x00"}
			var before, after bytes.Buffer
			require.NoError(t, was.Execute(&before, v))
			require.NoError(t, now.Execute(&after, v))
			assert.Equal(t, before.String(), after.String(), "%s, person %d", path, i)
		}
	}
}
