package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/web"
)

// pageClients is how many visitors ask at once: the issue measured the
// catalogue pages at 32.
const pageClients = 32

// BenchmarkCataloguePages serves the public catalogue (the course list, a
// search on it, a course page) and /healthz, the framework's floor, from one
// app on a loopback port in the same run, each to 32 clients at once, and
// reports requests/s and the p50 and p99 of each request's latency. Compare
// each page's requests/s with healthz's: the aim is at least 0.3 of it, with
// a p99 of 10 ms or less.
func BenchmarkCataloguePages(b *testing.B) {
	base, cookie := newPageServer(b)
	for _, p := range []struct{ name, path, cookie string }{
		{"healthz", "/healthz", ""},
		{"courses", "/courses", ""},
		{"search", "/courses?q=neglect&level=2", ""},
		{"course", "/courses/" + firstCourseSlug, ""},
		// Signed in: the layout is rendered for each request, and the
		// sign-in is looked up.
		{"course signed in", "/courses/" + firstCourseSlug, cookie},
	} {
		b.Run(p.name, func(b *testing.B) { benchmarkPage(b, base+p.path, p.cookie) })
	}
}

// firstCourseSlug is a course of the demo catalogue with upcoming sessions.
const firstCourseSlug = "neglect-and-the-graded-care-profile-2"

// newPageServer builds the app as main does, on a pool of production's
// size, and serves it on a loopback port. cookie signs a practitioner in.
func newPageServer(b *testing.B) (base, cookie string) {
	b.Helper()
	ctx := context.Background()
	_, dbURL := pgtest.NewWithURL(b)
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns = 10 // DATABASE_MAX_CONNS's default
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	if _, err := demo.Seed(ctx, pool, now); err != nil {
		b.Fatal(err)
	}
	clock := func() time.Time { return now }
	svc := newServices(b, pool, clock)
	// As main does: the catalogue hears changes, so its pages are cached.
	listenCtx, stopListening := context.WithCancel(ctx)
	var listener sync.WaitGroup
	listener.Go(func() { svc.Catalogue.Listen(listenCtx, slog.New(slog.NewTextHandler(io.Discard, nil))) })
	b.Cleanup(func() { stopListening(); listener.Wait() })
	for !svc.Catalogue.Listening() {
		time.Sleep(time.Millisecond)
	}
	app, err := web.New(web.Deps{
		Services:    svc,
		Now:         clock,
		Ready:       pool.Ping,
		Logger:      slog.New(web.LogHandler(slog.NewTextHandler(io.Discard, nil))),
		Partnership: "Portsmouth Safeguarding Children Partnership",
	})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	b.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })

	var userID int64
	if err := pool.QueryRow(ctx, `
		INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
		VALUES ('reader@example.org', 'Reader', 'Practitioner', (SELECT min(id) FROM agencies), '!', now())
		RETURNING id`).Scan(&userID); err != nil {
		b.Fatal(err)
	}
	token, _, err := svc.Accounts.StartLogin(ctx, &userID, "127.0.0.1", "page-benchmark")
	if err != nil {
		b.Fatal(err)
	}
	return "http://" + ln.Addr().String(), "session=" + token
}

// benchmarkPage asks for url b.N times from pageClients clients, each with
// its own kept-alive connection, sending cookie when there is one.
func benchmarkPage(b *testing.B, url, cookie string) {
	tr := &http.Transport{MaxIdleConnsPerHost: pageClients, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	get := func() error {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Errorf("%s answered %d", url, resp.StatusCode)
		}
		if cookie != "" && !bytes.Contains(body, []byte("Sign out")) {
			b.Errorf("%s: not signed in", url)
		}
		return nil
	}
	for range pageClients { // warm: connections open, caches filled
		if err := get(); err != nil {
			b.Fatal(err)
		}
	}
	var (
		next      atomic.Int64
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, b.N)
		wg        sync.WaitGroup
	)
	b.ResetTimer()
	began := time.Now()
	for range pageClients {
		wg.Go(func() {
			var mine []time.Duration
			for next.Add(1) <= int64(b.N) {
				t := time.Now()
				if err := get(); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	took := time.Since(began)
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(float64(len(latencies))/took.Seconds(), "requests/s")
	b.ReportMetric(pageLatency(latencies, 50), "p50-ms")
	b.ReportMetric(pageLatency(latencies, 99), "p99-ms")
}

// pageLatency is the p-th percentile of sorted, in milliseconds.
func pageLatency(sorted []time.Duration, p int) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p+99)/100 - 1
	return float64(sorted[max(i, 0)]) / float64(time.Millisecond)
}
