package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// localRoute names the route of a request no route matched, for the
// metrics; noRoute is that name.
const (
	localRoute = "route"
	noRoute    = "(no route)"
)

// httpMetrics counts requests and their latency by route pattern (never the
// path itself, whose ids and secrets would make a series per page) and
// status.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	serve    fiber.Handler
}

func newHTTPMetrics(reg *prometheus.Registry) (*httpMetrics, error) {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "booktraining_http_requests_total",
			Help: "HTTP requests answered by this process, by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "booktraining_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method, route pattern and status.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route", "status"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	m.serve = serveHTTP(promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		// A count the database could not give is left out, with the rest served.
		ErrorHandling: promhttp.ContinueOnError,
	}))
	return m, nil
}

// observe records each request once its status is settled.
func (m *httpMetrics) observe(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	route := c.Route().Path
	if r, ok := c.Locals(localRoute).(string); ok {
		route = r
	}
	labels := []string{c.Method(), route, strconv.Itoa(c.Response().StatusCode())}
	m.requests.WithLabelValues(labels...).Inc()
	m.duration.WithLabelValues(labels...).Observe(time.Since(start).Seconds())
	return err
}

// serveMetrics answers GET /metrics to a request bearing METRICS_TOKEN. Not
// "only from the trusted proxies": behind a load balancer every request
// comes from the balancer's address, so an address proves nothing. Without
// the setting the route does not exist.
func (a *app) serveMetrics(c *fiber.Ctx) error {
	if a.metrics == nil || a.deps.MetricsToken == "" {
		return fiber.ErrNotFound
	}
	token, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	// Hashed first, so the comparison takes the same time whatever the length.
	got, want := sha256.Sum256([]byte(token)), sha256.Sum256([]byte(a.deps.MetricsToken))
	if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Status(fiber.StatusUnauthorized).SendString("Unauthorized: GET /metrics needs the METRICS_TOKEN as a bearer token")
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return a.metrics.serve(c)
}
