// Command perf measures the app as production runs it, in one run: on a
// private PostgreSQL that flushes every commit (fsync and synchronous_commit
// on), with the app built and started as its own process (bin/server), it
// measures
//
//   - the single-row update ceiling: pgbench updating and committing one row
//     under its lock on as many connections as the app's pool (10);
//   - the booking rush: 500 signed-in people, each with their own browser
//     (cookie jar, CSRF token, connection), post the booking form at the same
//     instant, for one session of 25 places and for 50 sessions; and pgbench
//     sending the booking's own statements (internal/booking/testdata/rush.pgbench)
//     for the same people and sessions;
//   - the public pages at 32 clients (/healthz, /courses, a search, a course
//     page);
//   - the app's peak resident memory in each rush and in 200 sign-ins at once;
//
// and prints the medians of a few runs, with the ratios: the app to pgbench
// and to the ceiling, each page to /healthz. `make perf` builds the app and
// runs it. It is a measurement, not a test: nothing here fails on a slow
// figure, only on a wrong answer (an over-filled session, an error).
//
//	go run ./cmd/perf [-runs 3] [-page-time 5s] [-server bin/server] [-rush-only] [-env NAME=value]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/pglocal"
)

type options struct {
	server, dir, script   string
	runs, people, signIns int
	clients               int
	pageTime, ceilingTime time.Duration
	rushOnly              bool
	profile               string  // where the app writes a CPU profile of each rush
	env                   envFlag // more of the app's environment
}

// envFlag is -env, given once for each variable.
type envFlag []string

func (e *envFlag) String() string { return strings.Join(*e, " ") }

func (e *envFlag) Set(v string) error {
	if name, _, ok := strings.Cut(v, "="); !ok || name == "" {
		return fmt.Errorf("%q is not NAME=value", v)
	}
	*e = append(*e, v)
	return nil
}

func main() {
	var o options
	flag.StringVar(&o.server, "server", "bin/server", "the app's binary (make build)")
	flag.StringVar(&o.dir, "dir", ".data/postgres-perf", "folder of the private PostgreSQL cluster (its database is made afresh)")
	flag.StringVar(&o.script, "script", "internal/booking/testdata/rush.pgbench", "pgbench script of one booking, as the app sends it")
	flag.IntVar(&o.runs, "runs", 3, "runs to take the medians of")
	flag.IntVar(&o.people, "people", 500, "people in the booking rush (a multiple of 100)")
	flag.IntVar(&o.signIns, "sign-ins", 200, "people signing in at once")
	flag.IntVar(&o.clients, "clients", 32, "clients reading each page at once")
	flag.DurationVar(&o.pageTime, "page-time", 5*time.Second, "how long each page is read")
	flag.DurationVar(&o.ceilingTime, "ceiling-time", 5*time.Second, "how long the ceiling's pgbench runs")
	flag.Var(&o.env, "env", "NAME=value added to the app's environment, such as GOGC=50 (once for each)")
	flag.BoolVar(&o.rushOnly, "rush-only", false, "measure the ceiling and the booking rushes only, not the pages and sign-ins")
	flag.StringVar(&o.profile, "profile", "", "folder where the app writes a CPU profile of each rush (cpu-PID-1.pprof for the first rush of the app process PID, …); the app must be built with -tags perfprofile")
	flag.Parse()
	if o.runs < 1 || o.people < 100 || o.people%100 != 0 || o.signIns > o.people || o.clients < 1 {
		fmt.Fprintln(os.Stderr, "perf: -runs at least 1, -people a multiple of 100, -sign-ins at most -people, -clients at least 1")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "perf:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, stdout io.Writer) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	progress := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "perf: "+format+"\n", args...) }
	bin, err := pgbenchBinary()
	if err != nil {
		return err
	}
	if _, err := os.Stat(o.server); err != nil {
		return fmt.Errorf("the app's binary: %w (make build makes it)", err)
	}
	if _, err := os.Stat(o.script); err != nil {
		return fmt.Errorf("the booking's pgbench script: %w", err)
	}

	progress("starting the private PostgreSQL in %s (fsync on)", o.dir)
	srv, err := pglocal.Start(ctx, pglocal.Options{Dir: o.dir, Database: "booktraining_perf", Recreate: true, Logger: log})
	if err != nil {
		return err
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			progress("%v", err)
		}
	}()
	cfg, err := pgxpool.ParseConfig(srv.URL)
	if err != nil {
		return err
	}
	cfg.MaxConns = 4
	cfg.ConnConfig.RuntimeParams["application_name"] = "perf"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	settings, err := durable(ctx, pool)
	if err != nil {
		return err
	}
	progress("migrating, loading the demo catalogue and the rush's %d people", o.people)
	w, err := newWorld(ctx, pool, srv.URL, o.people, log)
	if err != nil {
		return err
	}
	logins, err := w.signIn(ctx)
	if err != nil {
		return err
	}
	sink, err := startMailSink()
	if err != nil {
		return err
	}
	defer sink.close()
	postmaster, err := postmasterPID(filepath.Join(o.dir, "data"))
	if err != nil {
		return fmt.Errorf("PostgreSQL's process: %w", err)
	}

	var results []measures
	for i := range o.runs {
		progress("run %d of %d", i+1, o.runs)
		m, err := measureOnce(ctx, o, w, bin, logins, sink, postmaster, progress)
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		results = append(results, m)
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(stdout, "\nPerformance, %s UTC: %s\n", time.Now().UTC().Format("2006-01-02 15:04"), runsOf(o.runs))
	fmt.Fprintf(stdout, "%s; %d CPUs; load average at the end %s\n\n", settings, runtime.NumCPU(), strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "))
	return printTable(stdout, o, w, results)
}

// measures are one run's figures by name (see measureOnce for the names).
type measures map[string]float64

// measureOnce is one run: pgbench while the app is stopped, then the app
// started afresh, warmed by one untimed rush, and measured.
func measureOnce(ctx context.Context, o options, w *world, bin string, logins [][2]string, sink *mailSink, postmaster int,
	progress func(string, ...any)) (measures, error) {
	m := measures{}
	if err := w.reset(ctx); err != nil {
		return nil, err
	}
	tps, err := ceiling(w, bin, o.ceilingTime)
	if err != nil {
		return nil, fmt.Errorf("ceiling: %w", err)
	}
	m["ceiling"] = tps
	progress("  single-row update ceiling: %.0f tps", tps)
	for _, n := range []int{1, 50} {
		if err := w.reset(ctx); err != nil {
			return nil, err
		}
		f, err := pgbenchRush(ctx, w, bin, o.script, n)
		if err != nil {
			return nil, fmt.Errorf("pgbench rush over %d sessions: %w", n, err)
		}
		m.rush("pgbench", n, f)
		progress("  pgbench rush over %d sessions: %.0f tps (warm)", n, f.rate)
	}
	if err := w.reset(ctx); err != nil {
		return nil, err
	}

	env := o.env
	if o.profile != "" {
		dir, err := filepath.Abs(o.profile)
		if err == nil {
			err = os.MkdirAll(dir, 0o755)
		}
		if err != nil {
			return nil, err
		}
		env = append(env[:len(env):len(env)], "PROFILE_DIR="+dir)
	}
	app, err := startApp(ctx, o.server, w.url, sink.url(), env...)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := app.stop(); err != nil {
			progress("%v", err)
		}
	}()
	idle, err := readMemory(app.pid)
	if err != nil {
		return nil, fmt.Errorf("the app's memory: %w", err)
	}
	m["rss.idle"] = mb(idle.rss)

	people, err := signedInBrowsers(app, logins)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, b := range people {
			b.close()
		}
	}()
	// One untimed rush, so that the pool's connections have prepared the
	// booking's statements, as a running service's have; its emails are
	// all sent before the first measured rush.
	mailed, _ := sink.received()
	if f, err := httpRush(ctx, w, app, people, 50); err != nil {
		return nil, fmt.Errorf("warm-up rush: %w", err)
	} else if _, err := w.emailsSent(ctx, sink, mailed, f.end); err != nil {
		return nil, fmt.Errorf("warm-up rush: %w", errors.Join(err, app.alive()))
	}
	meter := cpuMeter{proc: "/proc", appPID: app.pid, postmaster: postmaster}
	for _, n := range []int{1, 50} {
		if err := w.reset(ctx); err != nil {
			return nil, err
		}
		watch := watchPeak(app.pid)
		mailed, _ := sink.received()
		before, cerr := meter.read()
		app.profile(o.profile != "", syscall.SIGUSR1)
		f, err := httpRush(ctx, w, app, people, n)
		app.profile(o.profile != "", syscall.SIGUSR2)
		atEnd, cerr2 := meter.read()
		peak, perr := watch.end()
		if err != nil {
			return nil, fmt.Errorf("rush over %d sessions: %w", n, errors.Join(err, app.alive()))
		}
		if err := errors.Join(perr, cerr, cerr2); err != nil {
			return nil, err
		}
		// The rush's emails: each one reaches the mail server; the last
		// of them came this long after the rush's last answer.
		trail, err := w.emailsSent(ctx, sink, mailed, f.end)
		if err != nil {
			return nil, fmt.Errorf("rush over %d sessions: %w", n, errors.Join(err, app.alive()))
		}
		sent, err := meter.read()
		if err != nil {
			return nil, err
		}
		booked, err := w.booked(ctx, n)
		if err != nil {
			return nil, err
		}
		k := fmt.Sprintf("rush%d.", n)
		m.rush("app", n, f)
		m[fmt.Sprintf("rss.rush%d", n)] = mb(peak)
		m[k+"trail"] = trail.Seconds()
		m[k+"cpu.app"], m[k+"cpu.pg"] = perBooking(before, atEnd, booked)
		m[k+"cpu.app.sent"], m[k+"cpu.pg.sent"] = perBooking(before, sent, booked)
		m[k+"cpu"], m[k+"cpu.sent"] = m[k+"cpu.app"]+m[k+"cpu.pg"], m[k+"cpu.app.sent"]+m[k+"cpu.pg.sent"]
		progress("  app rush over %d sessions: %.0f requests/s, p99 %.0f ms, peak RSS %.0f MB; last email %.1f s after; CPU per booking %.2f ms app, %.2f ms PostgreSQL (%.2f, %.2f with the emails)",
			n, f.rate, f.p99, mb(peak), trail.Seconds(), m[k+"cpu.app"], m[k+"cpu.pg"], m[k+"cpu.app.sent"], m[k+"cpu.pg.sent"])
	}
	if err := w.reset(ctx); err != nil {
		return nil, err
	}
	if o.rushOnly {
		return m, nil
	}

	for _, p := range pages(w) {
		f, err := loadPage(ctx, app.base+p.path, o.clients, o.pageTime)
		if err != nil {
			return nil, fmt.Errorf("page %s: %w", p.path, errors.Join(err, app.alive()))
		}
		m["page."+p.key] = f.rate
		m["page."+p.key+".p99"] = f.p99
		progress("  %s: %.0f requests/s, p99 %.1f ms", p.path, f.rate, f.p99)
	}
	for _, p := range pages(w)[1:] {
		m["page."+p.key+"/healthz"] = ratio(m["page."+p.key], m["page.healthz"])
	}

	watch := watchPeak(app.pid)
	f, err := signIns(w, app, o.signIns)
	peak, perr := watch.end()
	if err != nil {
		return nil, fmt.Errorf("sign-ins: %w", errors.Join(err, app.alive()))
	}
	if perr != nil {
		return nil, perr
	}
	m["signin"], m["signin.p50"], m["signin.p99"] = f.rate, f.p50, f.p99
	m["rss.signin"] = mb(peak)
	progress("  %d sign-ins at once: %.0f a second, p99 %.0f ms, peak RSS %.0f MB", o.signIns, f.rate, f.p99, mb(peak))
	return m, nil
}

// rush records a rush's figures, and for the app its ratios to pgbench in
// the same run and to the ceiling.
func (m measures) rush(who string, sessions int, f rushFigures) {
	k := fmt.Sprintf("rush%d.%s", sessions, who)
	m[k], m[k+".p50"], m[k+".p99"] = f.rate, f.p50, f.p99
	if who == "app" {
		m[k+"/pgbench"] = ratio(f.rate, m[fmt.Sprintf("rush%d.pgbench", sessions)])
		m[k+"/ceiling"] = ratio(f.rate, m["ceiling"])
	}
}

type page struct{ key, path string }

func pages(w *world) []page {
	return []page{
		{"healthz", "/healthz"},
		{"courses", "/courses"},
		{"search", "/courses?q=domestic+abuse"},
		{"course", "/courses/" + w.slug},
	}
}

// signedInBrowsers gives each person a browser holding their login's
// cookie, and has each open their account page: that proves they are signed
// in and leaves a connection open, as a person who has just read the course
// page has.
func signedInBrowsers(app *appProcess, logins [][2]string) ([]*browser, error) {
	out := make([]*browser, len(logins))
	errs := make([]error, len(logins))
	todo := make(chan int)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			for i := range todo {
				// A cookie belongs to a host, whatever its port.
				b, err := newBrowser(app.base, &http.Cookie{Name: "session", Value: logins[i][0], Path: "/"})
				if err != nil {
					errs[i] = err
					continue
				}
				b.csrf = logins[i][1]
				out[i] = b
				status, _, err := b.get(app.base + "/account")
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("person %d: /account answered %d: not signed in", i, status)
				}
				errs[i] = err
			}
		})
	}
	for i := range logins {
		todo <- i
	}
	close(todo)
	wg.Wait()
	return out, errors.Join(errs...)
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

func runsOf(n int) string {
	if n == 1 {
		return "one run"
	}
	return fmt.Sprintf("medians of %d runs (each run's figure in brackets)", n)
}
