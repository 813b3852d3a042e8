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
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
)

// BenchmarkOfferExpiryMinute: 1,000 waiting-list offers expire in the same
// minute (ten at a time, every 0.6 s) on one app process (the real binary,
// production's pool of ten), alone and with booking rushes in the same
// minute (500 signed-in people posting the booking form at once, as in
// BenchmarkBookingRush, every 15 s: 2,000 bookings). It reports how late each offer was passed on (due →
// done: the offer's deadline to the moment its booking ended), the lag of
// every job that ran in the minute by kind (river_job's scheduled_at →
// finalized_at), the rush's requests/s and latency, and how many of the
// pool's connections background work held (over the minute, or while the
// rushes ran; sampled every 10 ms
// from pg_stat_activity, by the sqlc name of each connection's statements:
// a transaction that ran any background statement is background's).
//
// Unlike internal/booking's BenchmarkOfferExpiryLag (one moment, River in
// the test's process), this runs the built app and spreads the deadlines
// over a minute, so it also measures the every-minute loop that came
// before the jobs (SERVER_BIN).
//
// SERVER_BIN names another build of the server to measure (the version
// before issue 15, say); by default this one is built, without the race
// detector. Run by hand, one op each:
//
//	go run ./cmd/withpg -- go test -run '^$' -bench OfferExpiryMinute -benchtime 1x -timeout 30m ./cmd/server/
func BenchmarkOfferExpiryMinute(b *testing.B) {
	bin := os.Getenv("SERVER_BIN")
	if bin == "" {
		bin = buildServerWith(b, false)
	}
	for _, rush := range []bool{false, true} {
		name := "alone"
		if rush {
			name = "during a booking rush"
		}
		b.Run(name, func(b *testing.B) {
			var r lagRun
			for b.Loop() {
				r = runOfferLag(b, bin, rush)
			}
			r.report(b)
		})
	}
}

const (
	lagSessions  = 100 // of lagPlaces offers each: 1,000
	lagPlaces    = 10
	lagSpread    = 600 * time.Millisecond // between one session's deadline and the next
	rushPeople   = 500
	rushSessions = 10 // per round, of 25 places: half the people get one
	rushRounds   = 4  // rushes in the minute, each of rushPeople at once
	rushEvery    = 15 * time.Second
)

type lagRun struct {
	offerLag []time.Duration            // due → done of each offer
	jobLag   map[string][]time.Duration // by kind, jobs due in the window
	requests []time.Duration            // the rush's, each request
	rushTime time.Duration
	rushes   [][2]time.Time // each rush, from its release to its last answer
	pool     poolUse
}

type poolUse struct {
	samples                  int
	background, rush, other  float64 // mean connections in use, by whose work
	maxBackground, maxInUse  int
	idleInTxBackground       float64 // of background's, mean held between statements
	listener                 int     // River's LISTEN connection, held throughout
	backgroundQueries        map[string]int
	unclassifiedQueryExample string
}

func (r lagRun) report(b *testing.B) {
	b.ReportMetric(ms(pct(r.offerLag, 50)), "offer-p50-ms")
	b.ReportMetric(ms(pct(r.offerLag, 99)), "offer-p99-ms")
	b.ReportMetric(ms(pct(r.offerLag, 100)), "offer-max-ms")
	kinds := slices.Sorted(func(yield func(string) bool) {
		for k := range r.jobLag {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range kinds {
		b.ReportMetric(ms(pct(r.jobLag[k], 50)), k+"-p50-ms")
		b.ReportMetric(ms(pct(r.jobLag[k], 99)), k+"-p99-ms")
		b.Logf("jobs of kind %s due in the minute: %d", k, len(r.jobLag[k]))
	}
	if len(r.requests) > 0 {
		b.ReportMetric(float64(len(r.requests))/r.rushTime.Seconds(), "rush-requests/s")
		b.ReportMetric(ms(pct(r.requests, 50)), "rush-p50-ms")
		b.ReportMetric(ms(pct(r.requests, 99)), "rush-p99-ms")
	}
	b.ReportMetric(r.pool.background, "bg-conns-mean")
	b.ReportMetric(float64(r.pool.maxBackground), "bg-conns-max")
	b.ReportMetric(r.pool.idleInTxBackground, "bg-idle-in-tx-mean")
	b.ReportMetric(r.pool.rush, "web-conns-mean")
	b.ReportMetric(float64(r.pool.maxInUse), "conns-in-use-max")
	b.Logf("pool: %d samples; mean in use: background %.2f, web %.2f, unclassified %.2f (e.g. %q); River's listener %d; background's statements seen: %v",
		r.pool.samples, r.pool.background, r.pool.rush, r.pool.other, r.pool.unclassifiedQueryExample, r.pool.listener, r.pool.backgroundQueries)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// pct is the nearest-rank percentile (100: the largest).
func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[max((len(s)*p+99)/100-1, 0)]
}

func runOfferLag(b *testing.B, bin string, rush bool) lagRun {
	b.Helper()
	ctx := context.Background()
	_, dbURL := pgtest.NewWithURL(b)
	cfg, err := pgxpool.ParseConfig(dbURL)
	must(b, err)
	cfg.ConnConfig.RuntimeParams["application_name"] = "benchmark" // not counted as the app's
	cfg.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	must(b, err)
	b.Cleanup(pool.Close)
	_, err = demo.Seed(ctx, pool, time.Now())
	must(b, err)
	jobs, err := queue.NewInsertOnly(pool)
	must(b, err)
	outbox := email.NewOutbox(jobs)
	base, _ := url.Parse("http://localhost:3000")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	var agency, course, online int64
	must(b, pool.QueryRow(ctx, `INSERT INTO agencies (name, sector, charging_band) VALUES ('Benchmark Agency', 'health', 'partner') RETURNING id`).Scan(&agency))
	must(b, pool.QueryRow(ctx, `SELECT id FROM courses ORDER BY id LIMIT 1`).Scan(&course))
	must(b, pool.QueryRow(ctx, `SELECT id FROM venues WHERE online ORDER BY id LIMIT 1`).Scan(&online))
	_, err = pool.Exec(ctx, `DELETE FROM course_prices WHERE course_id = $1`, course)
	must(b, err)
	sessions := func(n, capacity int) []int64 {
		begins := time.Now().AddDate(0, 0, 30)
		return ids(b, pool, `
			INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
			SELECT c.id, c.title, $2, $3, $4, $5, $6, 'published' FROM courses c, generate_series(1, $7) WHERE c.id = $1
			RETURNING id`, course, online, begins, begins.Add(3*time.Hour), begins.AddDate(0, 0, -3), capacity, n)
	}
	people := func(prefix string, n int) []actor.Actor {
		var out []actor.Actor
		for _, id := range ids(b, pool, `
			INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
			SELECT $1 || g || '@example.org', 'Person ' || $1 || g, 'Practitioner', $3, '!', now()
			FROM generate_series(1, $2) g RETURNING id`, prefix, n, agency) {
			out = append(out, actor.Actor{ID: id, AgencyID: &agency})
		}
		return out
	}

	// Full sessions, twice their places waiting; the offers are made last,
	// each session's an offer window before its deadline.
	type offerSession struct {
		id               int64
		holders, waiters []actor.Actor
		booked           []int64
	}
	offerSessions := make([]offerSession, 0, lagSessions)
	for i, id := range sessions(lagSessions, lagPlaces) {
		offerSessions = append(offerSessions, offerSession{id: id,
			holders: people(fmt.Sprintf("holder%d-", i), lagPlaces), waiters: people(fmt.Sprintf("waiter%d-", i), 2*lagPlaces)})
	}
	booked := time.Now().Add(-2 * time.Hour) // before the offers, made an hour before their deadlines
	svc := booking.New(pool, outbox, base, "Benchmark Partnership", func() time.Time { return booked }, quiet)
	bookingBegan := time.Now()
	parallel(b, len(offerSessions), func(i int) error {
		s := &offerSessions[i]
		for _, p := range s.holders {
			out, err := bookPlace(ctx, svc, p, s.id, false)
			if err != nil {
				return err
			}
			s.booked = append(s.booked, out.BookingID)
		}
		for _, p := range s.waiters {
			if _, err := bookPlace(ctx, svc, p, s.id, true); err != nil {
				return err
			}
		}
		return nil
	})

	// The rush's people, signed in by making their web sessions directly.
	accounts := account.New(pool, outbox, base, time.Now, quiet)
	type rusher struct {
		csrf string
		http *http.Client
	}
	var rushers []rusher
	if rush {
		for _, p := range people("rush", rushPeople) {
			token, sess, err := accounts.StartLogin(ctx, &p.ID, "127.0.0.1", "benchmark")
			must(b, err)
			jar, err := cookiejar.New(nil)
			must(b, err)
			rushers = append(rushers, rusher{csrf: sess.CSRF, http: &http.Client{Jar: jar, Timeout: 2 * time.Minute,
				Transport:     &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}})
			// A cookie belongs to a host, whatever its port.
			jar.SetCookies(&url.URL{Scheme: "http", Host: "127.0.0.1"}, []*http.Cookie{{Name: "session", Value: token, Path: "/"}})
		}
	}

	// The offers: session i's expire at first + i × lagSpread.
	// Making the 1,000 offers below takes no longer than the 3,000 bookings
	// above did: the first deadline leaves that time, and 10 s to start the
	// server, so that a busy machine delays the start rather than failing it.
	lead := max(25*time.Second, 10*time.Second+time.Since(bookingBegan))
	first := time.Now().Add(lead).Truncate(time.Second)
	parallel(b, len(offerSessions), func(i int) error {
		s := offerSessions[i]
		at := first.Add(time.Duration(i) * lagSpread).Add(-time.Hour)
		svc := booking.New(pool, outbox, base, "Benchmark Partnership", func() time.Time { return at }, quiet)
		svc.OfferWindow = time.Hour
		for j, id := range s.booked {
			if _, err := svc.Cancel(actor.With(ctx, s.holders[j]), id); err != nil {
				return err
			}
		}
		return nil
	})
	var offers []int64
	for _, s := range offerSessions {
		offers = append(offers, ids(b, pool, `SELECT id FROM bookings WHERE session_id = $1 AND status = 'offered'`, s.id)...)
	}
	if len(offers) != lagSessions*lagPlaces {
		b.Fatalf("%d offers made, want %d", len(offers), lagSessions*lagPlaces)
	}
	// The setup's own emails (thousands, written in a few seconds as no
	// real day would) are not what is measured: their jobs go.
	_, err = pool.Exec(ctx, `DELETE FROM river_job WHERE kind = 'email_deliver'`)
	must(b, err)
	if time.Until(first) < 8*time.Second {
		b.Fatalf("setup took too long: the first offers expire in %s", time.Until(first))
	}

	srv, err := startServerWith(b, bin, dbURL, "LOG_LEVEL=warn")
	must(b, err)
	// Each op's server and connections go when it ends, not when the
	// benchmark does: the servers of earlier ops would run beside this one,
	// and at -benchtime 10x their connections would pass max_connections.
	defer pool.Close()
	defer srv.stop()
	base2 := "http://127.0.0.1:" + srv.port
	if rush {
		parallel(b, len(rushers), func(i int) error { // signed in, and a connection open
			resp, err := rushers[i].http.Get(base2 + "/account")
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
	}

	var r lagRun
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var samples []poolSample
	wg.Go(func() { samples = samplePool(b, pool, stop) })
	var rushErr atomic.Value
	if rush {
		wg.Go(func() {
			for round := range rushRounds {
				select {
				case <-stop:
					return
				case <-time.After(time.Until(first.Add(time.Duration(round) * rushEvery))):
				}
				ss := sessions(rushSessions, 25)
				var mu sync.Mutex
				var each sync.WaitGroup
				begun := time.Now()
				for p, who := range rushers {
					form := url.Values{"_csrf": {who.csrf}, booking.FieldAccessNeeds: {""}, booking.FieldDietaryNeeds: {""},
						booking.FieldLineManagerName: {"Lee Manager"}, booking.FieldLineManagerEmail: {"lee@example.org"},
						booking.FieldAgreePolicy: {"yes"}}
					if (p/rushSessions)%2 == 0 {
						form.Set("join-waiting-list", "yes")
					}
					each.Go(func() {
						began := time.Now()
						resp, err := who.http.Post(base2+"/sessions/"+strconv.FormatInt(ss[p%rushSessions], 10)+"/book",
							"application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
						if err != nil {
							rushErr.Store(err)
							return
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						_ = resp.Body.Close()
						if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusConflict {
							rushErr.Store(fmt.Errorf("booking answered %d", resp.StatusCode))
						}
						mu.Lock()
						r.requests = append(r.requests, time.Since(began))
						mu.Unlock()
					})
				}
				each.Wait()
				r.rushTime += time.Since(begun)
				mu.Lock()
				r.rushes = append(r.rushes, [2]time.Time{begun, time.Now()})
				mu.Unlock()
			}
		})
	}

	// Until every offer has been passed on (the old every-minute loop may
	// take two minutes).
	deadline := time.Now().Add(4 * time.Minute)
	for count(b, pool, `SELECT count(*) FROM bookings WHERE id = ANY($1) AND status = 'expired'`, offers) < len(offers) {
		if time.Now().After(deadline) || srv.alive() != nil {
			close(stop)
			wg.Wait()
			b.Fatalf("offers not all passed on in time (server: %v)\n%s", srv.alive(), tail(srv.logs.String(), 4000))
		}
		time.Sleep(200 * time.Millisecond)
	}
	done := time.Now()
	close(stop)
	wg.Wait()
	if err, _ := rushErr.Load().(error); err != nil {
		b.Fatalf("rush: %v", err)
	}

	rs, err := pool.Query(ctx, `SELECT ended_at - offer_expires_at FROM bookings WHERE id = ANY($1)`, offers)
	must(b, err)
	for rs.Next() {
		var d time.Duration
		must(b, rs.Scan(&d))
		r.offerLag = append(r.offerLag, d)
	}
	must(b, rs.Err())
	r.jobLag = map[string][]time.Duration{}
	rs, err = pool.Query(ctx, `SELECT kind, finalized_at - scheduled_at FROM river_job
		WHERE scheduled_at BETWEEN $1 AND $2 AND finalized_at IS NOT NULL AND kind NOT IN ('sweep', 'retention_run')`,
		first, first.Add(lagSessions*lagSpread))
	must(b, err)
	for rs.Next() {
		var kind string
		var d time.Duration
		must(b, rs.Scan(&kind, &d))
		r.jobLag[kind] = append(r.jobLag[kind], d)
	}
	must(b, rs.Err())
	// The pool over the minute, or while the rushes ran.
	windows := [][2]time.Time{{first, done}}
	if rush {
		windows = r.rushes
	}
	r.pool = classify(samples, windows)
	return r
}

// poolSample is one of the app's connections at one instant.
type poolSample struct {
	round   int // which look at pg_stat_activity
	at      time.Time
	pid     int
	state   string
	xact    time.Time // the transaction's start (zero outside one)
	name    string    // the sqlc name of the statement it runs or last ran
	listens bool
}

var queryName = regexp.MustCompile(`^\s*-- name: (\w+)`)

// samplePool records the app's connections (not this benchmark's) every
// 10 ms until stop closes.
func samplePool(b *testing.B, pool *pgxpool.Pool, stop <-chan struct{}) []poolSample {
	var out []poolSample
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for round := 0; ; round++ {
		select {
		case <-stop:
			return out
		case <-tick.C:
		}
		rs, err := pool.Query(context.Background(), `
			SELECT pid, coalesce(state, ''), coalesce(xact_start, 'epoch'), left(query, 200), clock_timestamp()
			FROM pg_stat_activity
			WHERE datname = current_database() AND backend_type = 'client backend' AND application_name <> 'benchmark'`)
		if err != nil {
			b.Errorf("sample pool: %v", err)
			return out
		}
		for rs.Next() {
			s := poolSample{round: round}
			var q string
			if err := rs.Scan(&s.pid, &s.state, &s.xact, &q, &s.at); err != nil {
				b.Errorf("sample pool: %v", err)
			}
			if m := queryName.FindStringSubmatch(q); m != nil {
				s.name = m[1]
			}
			s.listens = strings.HasPrefix(strings.TrimSpace(q), "LISTEN") || s.name == "PGNotifyMany" && s.state == "idle"
			out = append(out, s)
		}
		rs.Close()
	}
}

// backgroundStatements are the statements only background work runs: River
// fetching, completing and maintaining jobs, the safety-net sweeps, the
// old every-minute chores, and the jobs' own work. (Not River's
// PGNotifyMany: inserting a job in a request's transaction sends it.)
var backgroundStatements = regexp.MustCompile(`^(` +
	`Job(Get|Set|Schedule|Rescue|Delete|Update|Cancel|Retry|Count|List|KindList|Complete)\w*|` +
	`Leader\w*|Queue\w*|Periodic\w*|Client\w*|RiverMigration\w*|TableExists|ColumnExists|IndexExists\w*|SchemaGet\w*|` +
	`ExpiredOfferSessions|ExpireOffers|SessionsWithLapsedHolds|LapsedHoldsOfSession|ReminderCandidates|MarkReminder|` +
	`GetEmail|ClaimEmails?|MarkEmails?Sent|RecordEmailFail\w*|\w*SweepRun\w*|` +
	`RefundsDue\w*|\w*Refund\w*|CheckoutsToClose\w*|\w*AgencySessionsToBill\w*|\w*Invoice\w*` +
	`)$`)

// webStatements are those only a request runs (the booking form, the
// signed-in session).
var webStatements = regexp.MustCompile(`^(TakePlace|JoinWaitingList|HoldPlace|LiveBookingFor|WaitingPosition|\w*WebSession\w*|\w*PersonForBooking|GetUser\w*|PersonDeliversSession|SetLineManager|AgencyBand|CoursePriceForBand)$`)

// classify counts, over the windows, the connections in use (not idle) by
// whose work: a transaction is background's if any statement seen in it
// was, the web's if any was a request's.
func classify(samples []poolSample, windows [][2]time.Time) poolUse {
	type txKey struct {
		pid  int
		xact time.Time
	}
	bg, web := map[txKey]bool{}, map[txKey]bool{}
	for _, s := range samples {
		k := txKey{s.pid, s.xact}
		if backgroundStatements.MatchString(s.name) {
			bg[k] = true
		}
		if webStatements.MatchString(s.name) {
			web[k] = true
		}
	}
	u := poolUse{backgroundQueries: map[string]int{}}
	instants := map[int][]poolSample{}
	var order []int
	listeners := map[int]bool{}
	for _, s := range samples {
		if s.listens {
			listeners[s.pid] = true
		}
		if !slices.ContainsFunc(windows, func(w [2]time.Time) bool { return !s.at.Before(w[0]) && !s.at.After(w[1]) }) {
			continue
		}
		if _, ok := instants[s.round]; !ok {
			order = append(order, s.round)
		}
		instants[s.round] = append(instants[s.round], s)
	}
	u.listener = len(listeners)
	var bgSum, webSum, otherSum, idleTx float64
	for _, t := range order {
		inUse, b := 0, 0
		for _, s := range instants[t] {
			if s.state == "idle" || s.state == "" || s.state == "disabled" {
				continue
			}
			inUse++
			k := txKey{s.pid, s.xact}
			switch {
			case bg[k] || backgroundStatements.MatchString(s.name):
				b++
				bgSum++
				u.backgroundQueries[s.name]++
				if strings.HasPrefix(s.state, "idle in transaction") {
					idleTx++
				}
			case web[k] || webStatements.MatchString(s.name):
				webSum++
			default:
				otherSum++
				if u.unclassifiedQueryExample == "" {
					u.unclassifiedQueryExample = s.name
				}
			}
		}
		u.maxBackground = max(u.maxBackground, b)
		u.maxInUse = max(u.maxInUse, inUse)
	}
	if n := float64(len(order)); n > 0 {
		u.samples = len(order)
		u.background, u.rush, u.other, u.idleInTxBackground = bgSum/n, webSum/n, otherSum/n, idleTx/n
	}
	return u
}

func ids(b *testing.B, pool *pgxpool.Pool, sql string, args ...any) []int64 {
	b.Helper()
	rs, err := pool.Query(context.Background(), sql, args...)
	must(b, err)
	defer rs.Close()
	var out []int64
	for rs.Next() {
		var id int64
		must(b, rs.Scan(&id))
		out = append(out, id)
	}
	must(b, rs.Err())
	return out
}

// parallel runs fn(0 … n-1) on four goroutines and fails on any error.
func parallel(b *testing.B, n int, fn func(i int) error) {
	b.Helper()
	errs := make([]error, n)
	todo := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range todo {
				errs[i] = fn(i)
			}
		})
	}
	for i := range n {
		todo <- i
	}
	close(todo)
	wg.Wait()
	for _, err := range errs {
		must(b, err)
	}
}

func must(b testing.TB, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
