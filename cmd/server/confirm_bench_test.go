package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/smtptest"
)

// BenchmarkConfirmationsAfterARush: 500 signed-in people, each with a
// connection open, post the booking form at once on 20 sessions of 25
// places (everyone gets one), to the built app (SERVER_BIN, or this build)
// delivering through a real SMTP server (internal/smtptest). It reports the
// rush's requests/s and p99, how long after the rush's last answer the last
// confirmation arrived (confirm-trail-s), and the app process's peak
// resident memory (VmHWM). SERVER_ENV adds settings to the app's
// environment ("MEMORY_LIMIT=64MiB", say). Run by hand, one op each:
//
//	go run ./cmd/withpg -- go test -run '^$' -bench ConfirmationsAfterARush -benchtime 1x -timeout 30m ./cmd/server/
func BenchmarkConfirmationsAfterARush(b *testing.B) {
	bin := os.Getenv("SERVER_BIN")
	if bin == "" {
		bin = buildServerWith(b, false)
	}
	var runs []confirmRun
	for b.Loop() {
		runs = append(runs, runConfirmRush(b, bin))
	}
	var rps, p99, trail, rss float64
	for _, r := range runs {
		rps += float64(len(r.requests)) / r.rush.Seconds()
		p99 += ms(pct(r.requests, 99))
		trail += r.trail.Seconds()
		rss += float64(r.peakRSS) / (1 << 20)
	}
	n := float64(len(runs))
	b.ReportMetric(rps/n, "rush-requests/s")
	b.ReportMetric(p99/n, "rush-p99-ms")
	b.ReportMetric(trail/n, "confirm-trail-s")
	b.ReportMetric(rss/n, "peak-rss-MB")
}

type confirmRun struct {
	requests []time.Duration
	rush     time.Duration // first request sent to last answer
	trail    time.Duration // last answer to last confirmation received
	peakRSS  int64         // bytes
}

const (
	confirmPeople   = 500
	confirmSessions = 20 // of 25 places
)

func runConfirmRush(b *testing.B, bin string) confirmRun {
	b.Helper()
	ctx := context.Background()
	_, dbURL := pgtest.NewWithURL(b)
	cfg, err := pgxpool.ParseConfig(dbURL)
	must(b, err)
	cfg.ConnConfig.RuntimeParams["application_name"] = "benchmark"
	cfg.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	must(b, err)
	b.Cleanup(pool.Close)
	_, err = demo.Seed(ctx, pool, time.Now())
	must(b, err)

	var agency, course, online int64
	must(b, pool.QueryRow(ctx, `INSERT INTO agencies (name, sector, charging_band) VALUES ('Benchmark Agency', 'health', 'partner') RETURNING id`).Scan(&agency))
	must(b, pool.QueryRow(ctx, `SELECT id FROM courses ORDER BY id LIMIT 1`).Scan(&course))
	must(b, pool.QueryRow(ctx, `SELECT id FROM venues WHERE online ORDER BY id LIMIT 1`).Scan(&online))
	_, err = pool.Exec(ctx, `DELETE FROM course_prices WHERE course_id = $1`, course)
	must(b, err)
	begins := time.Now().AddDate(0, 0, 30)
	sessions := ids(b, pool, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, $2, $3, $4, $5, 25, 'published' FROM courses c, generate_series(1, $6) WHERE c.id = $1
		RETURNING id`, course, online, begins, begins.Add(3*time.Hour), begins.AddDate(0, 0, -3), confirmSessions)
	people := ids(b, pool, `
		INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
		SELECT 'rush' || g || '@example.org', 'Person ' || g, 'Practitioner', $2, '!', now()
		FROM generate_series(1, $1) g RETURNING id`, confirmPeople, agency)

	jobs, err := queue.NewInsertOnly(pool)
	must(b, err)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	base, _ := url.Parse("http://localhost:3000")
	accounts := account.New(pool, email.NewOutbox(jobs), base, time.Now, quiet)
	type rusher struct {
		csrf string
		http *http.Client
	}
	rushers := make([]rusher, len(people))
	for i, id := range people {
		token, sess, err := accounts.StartLogin(ctx, &id, "127.0.0.1", "benchmark")
		must(b, err)
		jar, err := cookiejar.New(nil)
		must(b, err)
		rushers[i] = rusher{csrf: sess.CSRF, http: &http.Client{Jar: jar, Timeout: 2 * time.Minute,
			Transport:     &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		jar.SetCookies(&url.URL{Scheme: "http", Host: "127.0.0.1"}, []*http.Cookie{{Name: "session", Value: token, Path: "/"}})
	}
	_, err = pool.Exec(ctx, `DELETE FROM river_job WHERE kind = 'email_deliver'`) // the setup's own
	must(b, err)

	mail := smtptest.Start(b)
	srv, err := startServerWith(b, bin, dbURL, append([]string{"LOG_LEVEL=warn", "SMTP_URL=" + mail.URL()},
		strings.Fields(os.Getenv("SERVER_ENV"))...)...)
	must(b, err)
	addr := "http://127.0.0.1:" + srv.port
	parallel(b, len(rushers), func(i int) error { // signed in, and a connection open
		resp, err := rushers[i].http.Get(addr + "/account")
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/account answered %d: not signed in", resp.StatusCode)
		}
		return nil
	})

	var r confirmRun
	var mu sync.Mutex
	var each sync.WaitGroup
	var rushErr error
	start := make(chan struct{})
	for p, who := range rushers {
		form := url.Values{"_csrf": {who.csrf}, booking.FieldAccessNeeds: {""}, booking.FieldDietaryNeeds: {""},
			booking.FieldLineManagerName: {"Lee Manager"}, booking.FieldLineManagerEmail: {"lee@example.org"},
			booking.FieldAgreePolicy: {"yes"}}
		each.Go(func() {
			<-start
			began := time.Now()
			resp, err := who.http.Post(addr+"/sessions/"+strconv.FormatInt(sessions[p%confirmSessions], 10)+"/book",
				"application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
			took := time.Since(began)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				rushErr = err
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				rushErr = fmt.Errorf("booking answered %d", resp.StatusCode)
			}
			r.requests = append(r.requests, took)
		})
	}
	began := time.Now()
	close(start)
	each.Wait()
	answered := time.Now()
	r.rush = answered.Sub(began)
	must(b, rushErr)

	deadline := time.Now().Add(5 * time.Minute)
	for {
		got := map[string]bool{}
		for _, m := range mail.Messages() {
			for _, to := range m.To {
				if strings.HasPrefix(to, "rush") {
					got[to] = true
				}
			}
		}
		if len(got) >= confirmPeople {
			break
		}
		if time.Now().After(deadline) || srv.alive() != nil {
			b.Fatalf("%d of %d confirmations arrived (server: %v)\n%s", len(got), confirmPeople, srv.alive(), tail(srv.logs.String(), 4000))
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.trail = time.Since(answered)
	r.peakRSS = peakRSS(b, srv.pid)
	return r
}

// peakRSS is the most resident memory process pid has had (VmHWM).
func peakRSS(b *testing.B, pid int) int64 {
	b.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	must(b, err)
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			must(b, err)
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc/pid/status")
	return 0
}
