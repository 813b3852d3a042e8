// Package web is the Fiber app: routes, middleware, thin handlers that parse
// a request, call one domain function and render a page from views/.
package web

import (
	"context"
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
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/calendar"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/people"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/trainer"
	"github.com/pscp/booktraining/internal/trainingrequest"
	"github.com/pscp/booktraining/internal/venue"
	"github.com/pscp/booktraining/static"
)

// ServiceName is the name people see in the header and page titles.
const ServiceName = "Book safeguarding training"

// Deps is everything the web app needs from the rest of the program.
type Deps struct {
	Catalogue *catalogue.Service
	Accounts  *account.Service
	Bookings  *booking.Service
	Payments  *payment.Service // prices, Stripe; offline (no card payments) when nil
	// The services main builds once, each with its hooks; nil: built here
	// from Pool with none (tests).
	Scheduler      *scheduling.Service
	Calendars      *calendar.Service
	People         *people.Service
	Agencies       *agency.Service
	Venues         *venue.Service
	Trainers       *trainer.Service
	Pool           *pgxpool.Pool               // for the manager's lists read straight from a package: the audit log, kept emails, retention runs
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
	// TrainingRequests keeps requests for bespoke and single-agency
	// training; nil: no such pages.
	TrainingRequests *trainingrequest.Service
	// The training team's mailbox and telephone (TRAINING_EMAIL,
	// TRAINING_PHONE), for pages that tell people to get in touch; either
	// may be "".
	TrainingEmail string
	TrainingPhone string
	// Failures is the Needs attention page's service (queue.NewFailures with
	// every part's Describers); nil: one that describes no kind of job.
	Failures *queue.Failures
	// JobsUI is River UI (queue.UI), served to training managers under
	// /admin/jobs/; nil: not served.
	JobsUI http.Handler
	// Metrics is what GET /metrics serves to a request bearing MetricsToken;
	// the app adds its requests to it. Without either, /metrics is 404.
	Metrics      *prometheus.Registry
	MetricsToken string
}

type app struct {
	deps    Deps
	pages   pages
	log     *slog.Logger
	proxies proxies
	metrics *httpMetrics // nil without Deps.Metrics
}

// New builds the app. It fails only if a template does not parse.
func New(deps Deps) (*fiber.App, error) {
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
	if deps.Payments == nil {
		deps.Payments = payment.New(deps.Pool, nil, "", deps.Now)
	}
	if deps.Scheduler == nil {
		deps.Scheduler = scheduling.New(deps.Pool, deps.Now, deps.Logger)
		deps.Scheduler.Bookings = deps.Bookings
	}
	if deps.Calendars == nil {
		deps.Calendars = calendar.New(deps.Pool, deps.Bookings, deps.Now)
	}
	if deps.People == nil {
		deps.People = people.New(deps.Pool, deps.Now)
	}
	if deps.Agencies == nil {
		deps.Agencies = agency.New(deps.Pool, deps.Now)
		deps.Agencies.BillingContactAdded = deps.Payments.BillAgencyWhenDueTx
	}
	if deps.Venues == nil {
		deps.Venues = venue.New(deps.Pool, deps.Now)
	}
	if deps.Trainers == nil {
		deps.Trainers = trainer.New(deps.Pool, deps.Now)
	}
	if deps.Failures == nil {
		jobs, err := queue.NewInsertOnly(deps.Pool)
		if err != nil {
			return nil, err
		}
		deps.Failures = queue.NewFailures(deps.Pool, jobs, nil, deps.Now, deps.Logger)
	}
	a := &app{deps: deps, pages: pages, log: deps.Logger, proxies: newProxies(deps.TrustedProxies, deps.ProxyHeader)}
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
		// Trust X-Forwarded-* headers only from configured proxies; with none
		// configured, trust nobody (Fiber otherwise believes every client).
		// No ProxyHeader: Fiber's c.IP() would return the header's whole
		// list, or its forgeable left-most entry; clientIP reads it instead.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          deps.TrustedProxies,
	}
	f := fiber.New(cfg)

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
