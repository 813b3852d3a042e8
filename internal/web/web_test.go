package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/config"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/services"
	"github.com/pscp/booktraining/internal/stripetest"
	"github.com/pscp/booktraining/internal/web"
)

// now is a fixed clock: a Monday in November, so the demo term crosses no
// clock change and every date below is predictable.
var now = time.Date(2026, time.November, 23, 9, 0, 0, 0, time.UTC)

type testApp struct {
	app      *fiber.App
	logs     *strings.Builder
	pool     *pgxpool.Pool
	clock    *testClock
	accounts *account.Service
}

// testDeps is what a test may change before the app is built: the web
// app's Deps (its services among them) and, for a test that builds a
// service of its own, the pool.
type testDeps struct {
	*web.Deps
	Pool *pgxpool.Pool
}

type deps func(*testDeps)

// testConfig is the configuration the tests' services are built with, read
// as main reads the environment: a developer's machine with no SMTP.
func testConfig(t testing.TB) config.Config {
	t.Helper()
	env := map[string]string{
		"BASE_URL":         "http://localhost:3000",
		"PARTNERSHIP_NAME": "Portsmouth Safeguarding Children Partnership",
		"TRAINING_EMAIL":   "training@example.org",
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	require.NoError(t, err)
	return cfg
}

// newServices builds every service as main does (services.New), on pool,
// with the test's clock and no log.
func newServices(t testing.TB, pool *pgxpool.Pool, now func() time.Time) *services.Services {
	t.Helper()
	return servicesWith(t, pool, testConfig(t), now)
}

func servicesWith(t testing.TB, pool *pgxpool.Pool, cfg config.Config, now func() time.Time) *services.Services {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := services.New(pool, cfg, services.Options{Now: now, Logger: quiet})
	require.NoError(t, err)
	return svc
}

// withStripe builds the app's services with Stripe's keys, pointed at
// stripe-mock: card payments, invoices and their webhooks, wired as main
// wires them when the keys are set.
func withStripe(t testing.TB) deps {
	stripeURL := stripetest.Start(t)
	return func(d *testDeps) {
		cfg := testConfig(t)
		cfg.StripeSecretKey, cfg.StripeAPIURL, cfg.StripeWebhookSecret = stripetest.Key, stripeURL, webhookSecret
		d.Services = servicesWith(t, d.Pool, cfg, d.Now)
	}
}

func setup(t testing.TB, opts ...deps) testApp {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := demo.Seed(ctx, pool, now)
	require.NoError(t, err)
	logs := &strings.Builder{}
	clk := &testClock{now: now}
	d := web.Deps{
		Services:    newServices(t, pool, clk.Now),
		Now:         clk.Now,
		Ready:       pool.Ping,
		Logger:      slog.New(web.LogHandler(slog.NewTextHandler(&syncWriter{b: logs}, nil))),
		Partnership: "Portsmouth Safeguarding Children Partnership", ShowEmailBodies: true,
	}
	for _, o := range opts {
		o(&testDeps{Deps: &d, Pool: pool})
	}
	app, err := web.New(d)
	require.NoError(t, err)
	return testApp{app: app, logs: logs, pool: pool, clock: clk, accounts: d.Accounts}
}

// testClock only moves when told.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type syncWriter struct{ b *strings.Builder }

func (w *syncWriter) Write(p []byte) (int, error) { return w.b.Write(p) }

func (a testApp) get(t *testing.T, target string, headers ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := a.app.Test(req, -1)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

func TestHomeLeadsToCourses(t *testing.T) {
	t.Parallel()
	a := setup(t)
	resp, body := a.get(t, "/")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "<title>Book safeguarding training - Portsmouth Safeguarding Children Partnership</title>")
	assert.Regexp(t, `<a href="/courses" role="button"[^>]*govuk-button--start`, body)
	assert.Contains(t, body, `href="/privacy"`)
	assert.Contains(t, body, `href="/accessibility"`)
}

func TestCourseListShowsEveryCourseWithItsNextSession(t *testing.T) {
	t.Parallel()
	a := setup(t)
	resp, body := a.get(t, "/courses")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "16 courses")
	for _, c := range demo.Courses {
		assert.Contains(t, body, `href="/courses/`+c.Slug+`"`)
	}

	// The first planned published session of the first course, as the list
	// should describe it.
	var first *demo.PlannedSession
	for _, s := range demo.Schedule(now) {
		if s.Course == 0 && s.Status == "published" && s.ClosedToAgency < 0 && (first == nil || s.StartsAt.Before(first.StartsAt)) {
			s := s
			first = &s
		}
	}
	require.NotNil(t, first)
	want := first.StartsAt.In(london.Zone).Format("Monday 2 January 2006") + " (" + itoa(first.Capacity) + " places left)"
	assert.Contains(t, body, want)
}

func TestCourseListFilters(t *testing.T) {
	t.Parallel()
	a := setup(t)

	_, body := a.get(t, "/courses?level=3")
	assert.Contains(t, body, `id="level-3" name="level" type="checkbox" value="3" checked`)
	level3 := 0
	for _, c := range demo.Courses {
		if c.Level == catalogue.Level3 {
			level3++
			assert.Contains(t, body, `href="/courses/`+c.Slug+`"`)
		} else {
			assert.NotContains(t, body, `href="/courses/`+c.Slug+`"`)
		}
	}
	assert.Contains(t, body, itoa(level3)+" courses match your filters")
	assert.Contains(t, body, `<a class="govuk-link" href="/courses">Clear filters</a>`)

	_, body = a.get(t, "/courses?q=neglect&mode=in_person")
	assert.Contains(t, body, `href="/courses/neglect-and-the-graded-care-profile-2"`)
	assert.Contains(t, body, `value="neglect"`)
	assert.Contains(t, body, "Searching for “neglect”, filtered by <strong>In person</strong>.")

	_, body = a.get(t, "/courses?q=zebra+crossing")
	assert.Contains(t, body, "0 courses match your filters")
	assert.Contains(t, body, "No courses match your search and filters.")
	assert.Contains(t, body, `href="/courses">clear the filters</a>`)
}

func TestCoursePageShowsSessionsInLondonTime(t *testing.T) {
	t.Parallel()
	a := setup(t)
	c := demo.Courses[0]
	resp, body := a.get(t, "/courses/"+c.Slug)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "<h1 class=\"govuk-heading-xl\">"+c.Title+"</h1>")
	for _, o := range c.LearningOutcomes {
		assert.Contains(t, body, "<li>"+htmlEscape(o)+"</li>")
	}

	shown, hidden := 0, 0
	for _, s := range demo.Schedule(now) {
		if s.Course != 0 {
			continue
		}
		start, end := s.StartsAt.In(london.Zone), s.EndsAt.In(london.Zone)
		line := start.Format("Monday 2 January 2006") + ", " + strings.ToLower(start.Format("3:04PM")) + " to " + strings.ToLower(strings.Replace(end.Format("3:04PM"), ":00", "", 1))
		if s.Status == "published" && s.ClosedToAgency < 0 {
			shown++
			assert.Contains(t, body, line)
		} else {
			hidden++
			assert.NotContains(t, body, line, "drafts and closed sessions are not public")
		}
	}
	assert.Positive(t, shown)
	assert.Positive(t, hidden, "the demo should include a session the public cannot see")
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	a := setup(t)
	for _, path := range []string{"/courses/no-such-course", "/nothing-here", "/courses/%E2%80%AE", "/static/nope.css", "/courses/" + strings.Repeat("a", 300)} {
		resp, body := a.get(t, path)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		assert.Contains(t, body, "Page not found", path)
		assert.Contains(t, body, `href="/courses"`, path)
	}
}

// Malformed or hostile query strings never cause a server error.
func TestMalformedQueryStrings(t *testing.T) {
	t.Parallel()
	a := setup(t)
	for _, q := range []string{
		"q=%", "q=%zz", "q=%01", "q=%7f", "q=" + strings.Repeat("x", 8000), "q=a%C2%9Bb",
		"level=abc", "level=-1", "level=99999999999999999999", "level=1&level=1&level=2",
		"audience=nobody", "mode=teleport", "audience[]=x", "q[]=a&q[]=b", "&&&==&", "q=%E2%80%AE",
		"q='%20OR%201=1%20--", "q=%3Cscript%3Ealert(1)%3C/script%3E",
	} {
		resp, body := a.get(t, "/courses?"+q)
		assert.Equal(t, http.StatusOK, resp.StatusCode, q)
		assert.NotContains(t, body, "<script>alert(1)</script>", q)
	}
	// NUL and bytes that are not UTF-8 never reach the catalogue (badinput.go).
	for _, q := range []string{"q=%00", "q=%ff%fe", "q=a%00b"} {
		resp, _ := a.get(t, "/courses?"+q)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, q)
	}
	assert.NotContains(t, a.logs.String(), "level=ERROR")
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	a := setup(t)
	resp, body := a.get(t, "/courses")
	h := resp.Header
	csp := h.Get("Content-Security-Policy")
	assert.Contains(t, csp, "default-src 'self'")
	assert.Contains(t, csp, "frame-ancestors 'none'")
	assert.NotContains(t, csp, "unsafe-inline")
	assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
	assert.Equal(t, "same-origin", h.Get("Referrer-Policy"))
	assert.Equal(t, "DENY", h.Get("X-Frame-Options"))
	assert.Equal(t, "no-store", h.Get("Cache-Control"))
	assert.Empty(t, h.Get("Strict-Transport-Security"), "no HSTS over plain HTTP")
	assert.Regexp(t, `^[0-9a-f]{24}$`, h.Get("X-Request-ID"))

	// Every inline script on the page is allowed by a hash in the policy, and
	// there is no other way in for inline script.
	scripts := regexp.MustCompile(`<script>(.*?)</script>`).FindAllStringSubmatch(body, -1)
	require.Len(t, scripts, 1, "the only inline script is GOV.UK's js-enabled snippet")
	sum := sha256.Sum256([]byte(scripts[0][1]))
	assert.Contains(t, csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	assert.NotRegexp(t, ` style=`, body)
	assert.NotRegexp(t, ` on[a-z]+=`, body)
}

func TestHSTSBehindATrustedProxy(t *testing.T) {
	t.Parallel()
	a := setup(t, func(d *testDeps) {
		d.TrustedProxies = []string{"0.0.0.0/0"}
		d.ProxyHeader = "X-Forwarded-For"
	})
	resp, _ := a.get(t, "/", "X-Forwarded-Proto", "https")
	assert.Contains(t, resp.Header.Get("Strict-Transport-Security"), "max-age=31536000")

	// Without trusting the proxy, the header is ignored.
	b := setup(t)
	resp, _ = b.get(t, "/", "X-Forwarded-Proto", "https")
	assert.Empty(t, resp.Header.Get("Strict-Transport-Security"))
}

func TestRequestIDIsLoggedAndEchoed(t *testing.T) {
	t.Parallel()
	a := setup(t)
	resp, _ := a.get(t, "/courses", "X-Request-ID", "lb-7f3a9c21")
	assert.Equal(t, "lb-7f3a9c21", resp.Header.Get("X-Request-ID"))
	assert.Contains(t, a.logs.String(), "request_id=lb-7f3a9c21")

	// Junk is replaced rather than written into the logs.
	resp, _ = a.get(t, "/", "X-Request-ID", "evil\" msg=forged")
	assert.Regexp(t, `^[0-9a-f]{24}$`, resp.Header.Get("X-Request-ID"))
	assert.NotContains(t, a.logs.String(), "forged")
}

func TestStaticAssets(t *testing.T) {
	t.Parallel()
	a := setup(t)
	for path, kind := range map[string]string{
		"/static/govuk/govuk-frontend.min.css": "text/css",
		"/static/govuk/govuk-frontend.min.js":  "javascript",
		"/static/app/app.js":                   "javascript",
		"/static/app/icon.svg":                 "image/svg+xml",
	} {
		resp, body := a.get(t, path)
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.Contains(t, resp.Header.Get("Content-Type"), kind, path)
		assert.Contains(t, resp.Header.Get("Cache-Control"), "max-age=", path)
		assert.NotEmpty(t, body, path)
	}
	resp, _ := a.get(t, "/static/govuk/govuk-frontend.min.css", "Accept-Encoding", "gzip")
	assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"), "assets are compressed")
	resp, _ = a.get(t, "/courses", "Accept-Encoding", "gzip")
	assert.Empty(t, resp.Header.Get("Content-Encoding"), "pages are not (BREACH)")

	for _, dir := range []string{"/static/", "/static/govuk", "/assets/images/"} {
		resp, _ := a.get(t, dir)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, "no directory listings: %s", dir)
	}
}

func TestInformationPages(t *testing.T) {
	t.Parallel()
	a := setup(t)
	for path, heading := range map[string]string{
		"/privacy":       "Privacy notice",
		"/accessibility": "Accessibility statement",
		"/cookies":       "Cookies",
	} {
		resp, body := a.get(t, path)
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.Contains(t, body, heading, path)
		assert.Greater(t, len(body), 6000, "%s should be a real page, not a placeholder", path)
	}
	_, body := a.get(t, "/privacy")
	assert.Contains(t, body, "Information Commissioner")
	_, body = a.get(t, "/accessibility")
	assert.Contains(t, body, "WCAG")
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	a := setup(t)
	resp, body := a.get(t, "/healthz")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "ok", body)
	resp, _ = a.get(t, "/readyz")
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	down := setup(t, func(d *testDeps) {
		d.Ready = func(context.Context) error { return errors.New("connection refused") }
	})
	resp, _ = down.get(t, "/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	resp, _ = down.get(t, "/healthz")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the process is up even when the database is not")
}

// A failure inside shows the GOV.UK problem page with a reference, logs the
// cause with that reference, and never shows the cause to the person.
func TestServerErrorPage(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	pool.Close() // every query now fails
	logs := &strings.Builder{}
	app, err := web.New(web.Deps{
		Services:    newServices(t, pool, time.Now),
		Ready:       pool.Ping,
		Logger:      slog.New(web.LogHandler(slog.NewTextHandler(&syncWriter{b: logs}, nil))),
		Partnership: "Portsmouth Safeguarding Children Partnership",
	})
	require.NoError(t, err)
	resp, err := app.Test(httptest.NewRequest(http.MethodGet, "/courses", nil), -1)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.Contains(t, body, "Sorry, there is a problem with the service")
	id := resp.Header.Get("X-Request-ID")
	assert.Contains(t, body, id)
	assert.NotContains(t, body, "closed pool")
	assert.Contains(t, logs.String(), "request_id="+id)
	assert.Contains(t, logs.String(), "closed pool")
}

func itoa(n int) string { return strconv.Itoa(n) }

func htmlEscape(s string) string { return template.HTMLEscapeString(s) }
