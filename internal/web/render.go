package web

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/views"
)

// jsEnabledSnippet is GOV.UK Frontend's one inline script, in the layout
// byte for byte; the Content-Security-Policy allows it by this hash.
const jsEnabledSnippet = `document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');`

func scriptHash(src string) string {
	sum := sha256.Sum256([]byte(src))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// view is what every page template receives: the layout's fields, and the
// page's own data in Data.
type view struct {
	Title       string
	Service     string
	Partnership string
	Path        string
	HasError    bool
	Errors      []FieldError
	User        *account.User // the signed-in person, or nil
	CSRF        string        // the login's token, for forms
	Data        any
}

// FieldError is one line of a GOV.UK error summary; Field is the id of the
// input it links to.
type FieldError struct {
	Field   string
	Message string
}

// pages holds one template set per page: the layout, the partials and that
// page, so each page can define its own "main" block. Each set is a copy of
// the layout and partials (about 280 KB each), so a page's is made when it is
// first shown: a process that shows a dozen pages does not hold a hundred.
// Every page is parsed once at start all the same (loadPages), so a broken
// template stops the app from starting, not a person's request.
type pages struct {
	base   *template.Template // the layout and partials, never executed, so it can be cloned
	byName map[string]*lazyPage
}

// lazyPage is one page's template set, parsed on first use.
type lazyPage struct {
	path string
	once sync.Once
	t    *template.Template
	err  error
}

// lookup returns the template set of the page name, parsing it the first
// time; ok is false for no such page.
func (p pages) lookup(name string) (t *template.Template, ok bool, err error) {
	lp, ok := p.byName[name]
	if !ok {
		return nil, false, nil
	}
	lp.once.Do(func() { lp.t, lp.err = parsePage(p.base, lp.path) })
	return lp.t, true, lp.err
}

// parsePage is base with the page at path.
func parsePage(base *template.Template, path string) (*template.Template, error) {
	t, err := base.Clone()
	if err != nil {
		return nil, err
	}
	if _, err := t.ParseFS(views.FS, path); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	bindInclude(t)
	return t, nil
}

var templateFuncs = template.FuncMap{
	"longDate":   longDate,
	"clock":      clock,
	"when":       when,
	"monthYear":  london.MonthYear,
	"placesLeft": placesLeft,
	"plural":     plural,
	"lower":      strings.ToLower,
	"hasPrefix":  strings.HasPrefix,
	"navItems":   navItems,
	"pageItems":  pageItems,
	"serviceNav": serviceNav,
	"list":       func(items ...string) []string { return items },
	"add":        func(a, b int) int { return a + b },
	"statusName": catalogue.SessionStatusWords,
	"statusTag":  sessionStatusTag,
	"dict":       dict,
	"thousands":  thousands,

	// A list's rows, written in Go (rows.go).
	"auditRows":          auditRows,
	"emailRows":          emailRows,
	"organisationRows":   organisationRows,
	"agencyRows":         agencyRows,
	"calendarWeekRows":   calendarWeekRows,
	"personRows":         personRows,
	"agencyPersonRows":   agencyPersonRows,
	"sessionPlaceRows":   sessionPlaceRows,
	"sessionWaitingRows": sessionWaitingRows,
	"attentionDetails":   attentionDetails,
	"agencyBookingRows":  agencyBookingRows,
}

// sessionStatusTag is the GOV.UK tag's colour for a session's status.
func sessionStatusTag(s catalogue.SessionStatus) string {
	switch s {
	case catalogue.SessionDraft:
		return "govuk-tag--grey"
	case catalogue.SessionPublished:
		return "govuk-tag--green"
	case catalogue.SessionCompleted:
		return "govuk-tag--blue"
	case catalogue.SessionCancelled:
		return "govuk-tag--red"
	}
	return ""
}

// thousands writes n with commas between its thousands: 1,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func loadPages() (pages, error) {
	base, err := template.New("").Funcs(templateFuncs).Funcs(kitFuncs).Funcs(fieldFuncs).
		Funcs(moneyRowFuncs).Funcs(programmeRowFuncs).Funcs(pageRowFuncs).ParseFS(views.FS, "layouts/*.html", "partials/*.html")
	if err != nil {
		return pages{}, fmt.Errorf("parse layout: %w", err)
	}
	out := pages{base: base, byName: map[string]*lazyPage{}}
	err = fs.WalkDir(views.FS, "pages", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		if _, err := parsePage(base, path); err != nil {
			return err // checked now, kept only once shown
		}
		out.byName[strings.TrimSuffix(strings.TrimPrefix(path, "pages/"), ".html")] = &lazyPage{path: path}
		return nil
	})
	if err != nil {
		return pages{}, err
	}
	return out, nil
}

// render writes the named page with the layout. Nothing is sent if the
// template fails, so a half-written page never reaches a person.
func (a *app) render(c *fiber.Ctx, status int, name, title string, data any) error {
	return a.renderView(c, status, name, view{Title: title, Data: data})
}

// pageRendered, when set (by the package's tests), hears the name of each
// page rendered without error.
var pageRendered func(name string)

func (a *app) renderView(c *fiber.Ctx, status int, name string, v view) error {
	t, ok, err := a.pages.lookup(name)
	if !ok {
		return fmt.Errorf("render: no page %q", name)
	} else if err != nil {
		return err
	}
	v.Service = ServiceName
	v.Partnership = a.partnershipOf(c).Name
	v.Path = c.Path()
	v.HasError = v.HasError || len(v.Errors) > 0
	v.User = currentUser(c)
	if l := currentLogin(c); l != nil {
		v.CSRF = l.CSRF
	}
	// The page is written straight into the response's body, a buffer
	// fasthttp takes from its pool and gives back after sending, so a page
	// costs no buffer of its own (growing one to 30 KB made 60 KB of
	// garbage a request). A template that fails leaves no half of it.
	resp := c.Response()
	resp.ResetBody()
	if err := t.ExecuteTemplate(resp.BodyWriter(), "layout", v); err != nil {
		resp.ResetBody()
		return fmt.Errorf("render %s: %w", name, err)
	}
	if pageRendered != nil {
		pageRendered(name)
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return nil
}

// dict builds a map from alternating keys and values, to pass several values
// to a nested template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// --- pagination, in the GOV.UK pagination component's terms ---

type pageLink struct {
	Number   int
	Href     string
	Current  bool
	Ellipsis bool
}

type pagination struct {
	Prev, Next string
	Items      []pageLink
}

// paginate links the pages of a list at path filtered by query: the first,
// the last, and those either side of the current one. It is nil when there
// is one page.
func paginate(path string, query url.Values, page, pages int) *pagination {
	return paginateCounted(path, query, page, pages, false)
}

// paginateCounted is paginate for a list counted only so far: when more,
// there are more pages than pages, so the last is not linked (an ellipsis
// follows the pages after the current one) and there is always a next.
func paginateCounted(path string, query url.Values, page, pages int, more bool) *pagination {
	return paginateBy(path, query, "page", page, pages, more)
}

// paginateBy is paginateCounted for a list whose page is the query's param
// (two lists paged apart on one page).
func paginateBy(path string, query url.Values, param string, page, pages int, more bool) *pagination {
	if pages <= 1 && !more {
		return nil
	}
	href := func(n int) string {
		q := url.Values{}
		for k, v := range query {
			if len(v) > 0 && v[0] != "" {
				q.Set(k, v[0])
			}
		}
		if n > 1 {
			q.Set(param, strconv.Itoa(n))
		} else {
			q.Del(param)
		}
		if len(q) == 0 {
			return path
		}
		return path + "?" + q.Encode()
	}
	p := &pagination{}
	if page > 1 {
		p.Prev = href(min(page-1, pages))
	}
	if page < pages {
		p.Next = href(page + 1)
	}
	if more {
		p.Next = href(page + 1)
	}
	last := 0
	for n := 1; n <= pages; n++ {
		if n != 1 && (n != pages || more) && (n < page-1 || n > page+1) {
			continue
		}
		if last != 0 && n > last+1 {
			p.Items = append(p.Items, pageLink{Ellipsis: true})
		}
		p.Items = append(p.Items, pageLink{Number: n, Href: href(n), Current: n == page})
		last = n
	}
	if more {
		p.Items = append(p.Items, pageLink{Ellipsis: true})
	}
	return p
}

// pageItems is the pagination partial's list of pages, written here rather
// than by its range: eight reflective template calls a page link on every
// paged list (issue 21). The markup is byte for byte what the partial wrote
// (TestPageItemsAreWhatTheTemplateWrote), each address filtered, normalised
// and escaped as html/template does an href's (urlAttr).
func pageItems(items []pageLink) template.HTML {
	var b strings.Builder
	b.Grow(len(items) * 180)
	for _, it := range items {
		if it.Ellipsis {
			b.WriteString("\n    <li class=\"govuk-pagination__item govuk-pagination__item--ellipses\">&ctdot;</li>")
			continue
		}
		n := strconv.Itoa(it.Number)
		b.WriteString("\n    <li class=\"govuk-pagination__item")
		if it.Current {
			b.WriteString(" govuk-pagination__item--current")
		}
		b.WriteString(`"><a class="govuk-link govuk-pagination__link" href="`)
		b.WriteString(urlAttr(it.Href))
		b.WriteString(`" aria-label="Page `)
		b.WriteString(n)
		b.WriteByte('"')
		if it.Current {
			b.WriteString(` aria-current="page"`)
		}
		b.WriteByte('>')
		b.WriteString(n)
		b.WriteString("</a></li>")
	}
	return template.HTML(b.String()) //nolint:gosec // escaped as html/template does
}

// urlAttr is s as html/template writes it as the whole of a quoted href: an
// address of another scheme than http, https or mailto is refused
// ("#ZgotmplZ"), bytes an address may not hold are percent-encoded (a valid
// %XX kept), and the result is escaped for the attribute.
func urlAttr(s string) string {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") &&
		!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
		return "#ZgotmplZ"
	}
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0:
			continue
		case c == '%' && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]):
			continue
		default:
			b.WriteString(s[written:i])
			fmt.Fprintf(&b, "%%%02x", c)
			written = i + 1
		}
	}
	b.WriteString(s[written:])
	return templateEscaper.Replace(b.String())
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// serviceNav is the items of the layout's service navigation for a page at
// path, for u signed in with the login's csrf token (nil: nobody signed in),
// written here rather than by the layout: its comparisons of the path cost
// some thirty reflective template calls on every page (issue 21). The markup
// is byte for byte what the layout wrote (TestServiceNavIsWhatTheLayoutWrote).
func serviceNav(path string, u *account.User, csrf string) template.HTML {
	var b strings.Builder
	b.Grow(1400)
	item := func(active bool) {
		b.WriteString("\n                <li class=\"govuk-service-navigation__item")
		if active {
			b.WriteString(" govuk-service-navigation__item--active")
		}
		b.WriteString("\">")
	}
	link := func(href, text string, current bool, aria string) {
		item(current)
		b.WriteString("\n                  <a class=\"govuk-service-navigation__link\" href=\"" + href + "\"")
		if current {
			b.WriteString(` aria-current="` + aria + `"`)
		}
		b.WriteString(">" + text + "</a>\n                </li>")
	}
	ariaOf := func(page string) string {
		if path == page {
			return "page"
		}
		return "true"
	}
	courses := path == "/courses" || strings.HasPrefix(path, "/courses/")
	item(courses)
	if courses {
		b.WriteString("\n                  <a class=\"govuk-service-navigation__link\" href=\"/courses\" aria-current=\"" + ariaOf("/courses") + "\">" +
			"\n                    <strong class=\"govuk-service-navigation__active-fallback\">Courses</strong>\n                  </a>")
	} else {
		b.WriteString("\n                  <a class=\"govuk-service-navigation__link\" href=\"/courses\">Courses</a>")
	}
	b.WriteString("\n                </li>")
	if u == nil {
		link("/sign-in", "Sign in", path == "/sign-in", "page")
		return template.HTML(b.String()) //nolint:gosec // our own markup
	}
	if u.Has(account.Manager) {
		link("/admin", "Manage", strings.HasPrefix(path, "/admin"), ariaOf("/admin"))
	}
	if u.Has(account.Coordinator) {
		link("/agency/people", "Your agency", strings.HasPrefix(path, "/agency"), "true")
	}
	link("/my-training", "My training", strings.HasPrefix(path, "/my-training") || strings.HasPrefix(path, "/bookings/"), ariaOf("/my-training"))
	link("/account", "Your account", strings.HasPrefix(path, "/account"), "true")
	b.WriteString("\n                <li class=\"govuk-service-navigation__item\">" +
		"\n                  <form method=\"post\" action=\"/sign-out\" class=\"app-inline-form\">" +
		"\n                    <input type=\"hidden\" name=\"_csrf\" value=\"")
	templateEscaper.WriteString(&b, csrf)
	b.WriteString("\">\n                    <button type=\"submit\" class=\"govuk-service-navigation__link app-link-button\">Sign out</button>" +
		"\n                  </form>\n                </li>")
	return template.HTML(b.String()) //nolint:gosec // our own markup; the token is escaped as html/template does
}
