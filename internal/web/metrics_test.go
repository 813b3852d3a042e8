package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/metrics"
	"github.com/pscp/booktraining/internal/queue"
)

const metricsToken = "0123456789abcdef0123456789abcdef"

func withMetrics(token string) deps {
	return func(d *testDeps) {
		reg, err := metrics.New(d.Pool, queue.JobLag, queue.JobCollector(d.Pool, nil),
			booking.Collector(d.Pool, nil), email.Collector(d.Pool, nil))
		if err != nil {
			panic(err)
		}
		d.Metrics, d.MetricsToken = reg, token
	}
}

func (a testApp) scrape(t *testing.T, auth string) (*http.Response, string) {
	t.Helper()
	if auth == "" {
		return a.get(t, "/metrics")
	}
	return a.get(t, "/metrics", "Authorization", auth)
}

// GET /metrics answers only the bearer of METRICS_TOKEN, with every family:
// requests by route pattern (never the path) and status with their latency,
// jobs by kind and state and their lag, bookings, emails and the pool.
func TestMetricsWithTheToken(t *testing.T) {
	t.Parallel()
	w := jobsSetup(t, withMetrics(metricsToken))
	ctx := context.Background()
	w.run(t, refundJob{PaymentID: 1, Succeed: true})
	w.run(t, refundJob{PaymentID: 2})
	_, err := w.pool.Exec(ctx, `INSERT INTO emails (to_address, subject, body_text, sent_at) VALUES ('a@example.org', 'Hi', '', now())`)
	require.NoError(t, err)
	_, err = w.pool.Exec(ctx, `INSERT INTO emails (to_address, subject, body_text, failed_at, last_error) VALUES ('b@example.org', 'Hi', '', now(), '550')`)
	require.NoError(t, err)
	_, err = w.pool.Exec(ctx, `INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at)
		SELECT s.id, $1, u.agency_id, 'confirmed', $1, now(), now() FROM sessions s, users u WHERE u.id = $1 AND s.status = 'published' LIMIT 1`, w.practitioner)
	require.NoError(t, err)
	var slug string
	require.NoError(t, w.pool.QueryRow(ctx, "SELECT slug FROM courses ORDER BY id LIMIT 1").Scan(&slug))
	w.get(t, "/courses/"+slug)
	w.get(t, "/no-such-page/12345")

	for name, auth := range map[string]string{
		"no token":        "",
		"wrong token":     "Bearer " + strings.Repeat("0", len(metricsToken)),
		"a prefix of it":  "Bearer " + metricsToken[:10],
		"not as a bearer": "Basic " + metricsToken,
	} {
		resp, body := w.scrape(t, auth)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, name)
		assert.Equal(t, `Bearer realm="metrics"`, resp.Header.Get("WWW-Authenticate"), name)
		assert.NotContains(t, body, "booktraining_", name)
	}

	resp, body := w.scrape(t, "Bearer "+metricsToken)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/plain")
	for _, want := range []string{
		`booktraining_http_requests_total{method="GET",route="/courses/:slug",status="200"} 1`,
		`booktraining_http_requests_total{method="GET",route="(no route)",status="404"} 1`,
		`booktraining_http_requests_total{method="GET",route="/metrics",status="401"} 4`,
		`booktraining_http_request_duration_seconds_bucket{method="GET",route="/courses/:slug",status="200",le="+Inf"} 1`,
		`booktraining_jobs{kind="test_refund",state="completed"} 1`,
		`booktraining_jobs{kind="test_refund",state="discarded"} 1`,
		`booktraining_job_lag_seconds_count{kind="test_refund"}`,
		`booktraining_bookings{status="confirmed"} 1`,
		`booktraining_emails{outcome="sent"} 1`,
		`booktraining_emails{outcome="failed"} 1`,
		`booktraining_db_pool_connections{state="acquired"}`,
		`booktraining_db_pool_max_connections`,
		`go_goroutines`,
	} {
		assert.Contains(t, body, want)
	}
	assert.NotContains(t, body, slug, "route patterns, never paths")
	assert.NotContains(t, body, "12345")
}

// Without METRICS_TOKEN (or without metrics at all) there is no /metrics.
func TestMetricsOffWithoutToken(t *testing.T) {
	t.Parallel()
	for name, a := range map[string]testApp{
		"no metrics":      setup(t),
		"metrics, no key": setup(t, withMetrics("")),
	} {
		resp, body := a.scrape(t, "Bearer "+metricsToken)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, name)
		assert.NotContains(t, body, "booktraining_", name)
		resp, _ = a.scrape(t, "")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, name)
	}
}
