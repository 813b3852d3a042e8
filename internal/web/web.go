// Package web is the Fiber app: routes, middleware, thin handlers that parse
// a request, call one domain function and render a page from views/.
package web

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/pscp/booktraining/internal/services"
	"github.com/pscp/booktraining/static"
)

// ServiceName is the name people see in the header and page titles.
const ServiceName = "Book safeguarding training"

// Deps is everything the web app needs from the rest of the program: the
// services, built once by services.New (in main, and the same way in the
// tests), and the web app's own settings. The app reaches the database only
// through the services.
type Deps struct {
	*services.Services
	Now            func() time.Time            // the clock; time.Now when nil
	CookieSecure   bool                        // false only for http://localhost development
	Ready          func(context.Context) error // nil error when the database answers
	Logger         *slog.Logger
	Partnership    string
	RequestTimeout time.Duration
	TrustedProxies []string
	ProxyHeader    string
	// ShowEmailBodies lets training managers read the text of kept emails at
	// /admin/emails/:id. Set it only when no email is really delivered (no
	// SMTP): otherwise the text of an email not yet sent holds a live link.
	ShowEmailBodies bool
	// The training team's mailbox and telephone (TRAINING_EMAIL,
	// TRAINING_PHONE), for pages that tell people to get in touch; either
	// may be "".
	TrainingEmail string
	TrainingPhone string
	// JobsUI is River UI (queue.UI), served to training managers under
	// /admin/jobs/; nil: not served.
	JobsUI http.Handler
	// MetricsToken is the bearer token GET /metrics asks for; the app adds
	// its requests to Services.Metrics. Without either, /metrics is 404.
	MetricsToken string
	// SignedInInFlight bounds the requests of signed-in people handled at
	// once (REQUESTS_IN_FLIGHT; limitSignedIn); 0: no bound.
	SignedInInFlight int
}

type app struct {
	deps  Deps
	pages pages
	// publicPages keeps the public catalogue pages rendered (public_cache.go).
	publicPages *pageCache
	log         *slog.Logger
	proxies     proxies
	metrics     *httpMetrics // nil without Deps.Metrics
}

// New builds the app. It fails if deps has no Services or a template does
// not parse.
func New(deps Deps) (*fiber.App, error) {
	if deps.Services == nil {
		return nil, errors.New("web: no services (build them with services.New)")
	}
	pages, err := loadPages()
	if err != nil {
		return nil, err
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.RequestTimeout == 0 {
		deps.RequestTimeout = 30 * time.Second
	}
	a := &app{deps: deps, pages: pages, log: deps.Logger, proxies: newProxies(deps.TrustedProxies, deps.ProxyHeader)}
	if a.publicPages, err = newPageCache(); err != nil {
		return nil, err
	}
	if deps.Metrics != nil {
		if a.metrics, err = newHTTPMetrics(deps.Metrics); err != nil {
			return nil, err
		}
	}

	cfg := fiber.Config{
		AppName:               ServiceName,
		Immutable:             true,
		DisableStartupMessage: true,
		ErrorHandler:          a.handleError,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		BodyLimit:             1 << 20,
		ReadBufferSize:        16 << 10, // long filter URLs and, later, cookies
		// A connection kept alive between requests gives its read and write
		// buffers and its body buffers back to the pools: 500 people in a
		// booking rush otherwise hold about 50 KiB each while idle (16 KiB
		// read, 4 KiB write, a 32 KiB page), measured 36 MB against 10 MB
		// of heap for 500 idle connections.
		ReduceMemoryUsage: true,
		// Trust X-Forwarded-* headers only from configured proxies; with none
		// configured, trust nobody (Fiber otherwise believes every client).
		// No ProxyHeader: Fiber's c.IP() would return the header's whole
		// list, or its forgeable left-most entry; clientIP reads it instead.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          deps.TrustedProxies,
	}
	f := fiber.New(cfg)
	f.Server().Handler = limitSignedIn(f.Server().Handler, deps.SignedInInFlight, a.cookieName(), deps.Services.Demand)

	f.Use(a.requestContext)
	if a.metrics != nil {
		f.Use(a.metrics.observe) // outside accessLog, which settles the status
	}
	f.Use(a.accessLog)
	f.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: a.logPanic}))
	f.Use(helmet.New(helmet.Config{
		ContentSecurityPolicy: strings.Join([]string{
			"default-src 'self'",
			"script-src 'self' " + scriptHash(jsEnabledSnippet),
			"style-src 'self'",
			"img-src 'self' data:",
			// No web fonts: the pages use the browser's own Arial (GOV.UK's
			// typeface is for services on GOV.UK only).
			"font-src 'none'",
			"connect-src 'self'",
			"object-src 'none'",
			"base-uri 'none'",
			"form-action 'self' https://checkout.stripe.com", // card payments: a form's redirect to Stripe Checkout
			"frame-ancestors 'none'",
		}, "; "),
		XFrameOptions:  "DENY",
		ReferrerPolicy: "same-origin",
		HSTSMaxAge:     31536000, // sent only over HTTPS
		// Allow the browser to load our own images without CORP
		// headers on each; every asset is same-origin anyway.
		CrossOriginEmbedderPolicy: "unsafe-none",
		PermissionPolicy:          "camera=(), microphone=(), geolocation=(), payment=()",
	}))
	// Before anything reads the request: a NUL byte or invalid UTF-8 in the
	// address or a form is answered 400 here, never passed to PostgreSQL.
	f.Use(a.refuseUnreadableInput)

	// Probes, metrics and Stripe's webhook: before the session and CSRF
	// middleware (the webhook's signature over the raw body is checked
	// instead). Every route is in routes.go.
	add(f, a.edgeRoutes())

	// Assets are compressed; pages are not, so that no secret in a page can be
	// guessed from its compressed size alongside text a visitor chose (BREACH).
	f.Use("/static", compress.New())
	f.Use("/static", filesystem.New(filesystem.Config{Root: filesOnly{http.FS(static.FS)}, MaxAge: 3600}))

	// Everything below is a page: never cached by browsers or proxies.
	f.Use(noStore)
	f.Use(a.loadLogin)
	f.Use(a.csrfProtect)
	f.Use(a.catalogueChangedHere)

	a.addPages(f)

	f.Use(func(c *fiber.Ctx) error {
		c.Locals(localRoute, noRoute)
		return fiber.ErrNotFound
	})
	return f, nil
}

// filesOnly hides directories, so /static/ is a 404 like any unknown path
// rather than a listing or a 403.
type filesOnly struct{ http.FileSystem }

func (f filesOnly) Open(name string) (http.File, error) {
	file, err := f.FileSystem.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := file.Stat(); err != nil || st.IsDir() {
		file.Close()
		return nil, fs.ErrNotExist
	}
	return file, nil
}

func noStore(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}
