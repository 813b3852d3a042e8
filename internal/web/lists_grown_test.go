package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/growth"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/scope"
	"github.com/pscp/booktraining/internal/web"
)

// The managers' and coordinators' lists, on the demo term (1×) and on the
// partnership grown a hundredfold (internal/growth): each must cost the same
// at both sizes. TestListsNeverScanALargeTable proves every statement each
// list sends uses an index; BenchmarkLists measures each list's SQL and its
// requests/s and latency at 32 clients through the app.

// largeTable is the size from which a sequential scan is a fault.
const largeTable = 10_000

// listCase is one list as a person opens it. Its path may hold {session} for
// the busiest session's ID, {past} for the busiest session that has run,
// {agency} for the large agency's, {course} for the course with most
// sessions, {trainer} for the trainer with most, {person} for the large
// agency's person with most places, {open} for the soonest session open for
// booking to everyone and {opencourse} for its course.
type listCase struct {
	name, path  string
	coordinator bool // opened by the large agency's coordinator, not a manager
}

var listCases = []listCase{
	{name: "people", path: "/admin/people"},
	{name: "people page 3", path: "/admin/people?page=3"},
	{name: "people search", path: "/admin/people?q=patel"},
	{name: "people of an agency", path: "/admin/people?agency={agency}"},
	{name: "emails", path: "/admin/emails"},
	{name: "emails page 3", path: "/admin/emails?page=3"},
	{name: "failed emails", path: "/admin/emails?status=failed"},
	{name: "programme", path: "/admin/sessions"},
	{name: "programme, all dates", path: "/admin/sessions?when=all"},
	{name: "programme, past", path: "/admin/sessions?when=past"},
	{name: "programme CSV", path: "/admin/sessions/export.csv?when=all"},
	{name: "audit log", path: "/admin/audit"},
	{name: "training requests", path: "/admin/training-requests"},
	{name: "trainers", path: "/admin/trainers"},
	{name: "needs attention", path: "/admin/attention"},
	{name: "session's bookings", path: "/admin/sessions/{session}/bookings"},
	{name: "agency's people", path: "/agency/people", coordinator: true},
	{name: "agency's bookings", path: "/agency/bookings", coordinator: true},

	// The second step (issue 21): every other list a manager, coordinator
	// or the board opens.
	{name: "manager's home", path: "/admin"},
	{name: "agencies", path: "/admin/agencies"},
	{name: "organisations", path: "/admin/organisations"},
	{name: "an organisation", path: "/admin/organisations/review?organisation=Unlisted+organisation+1"},
	{name: "agency changes", path: "/admin/agency-changes"},
	{name: "prior learning", path: "/admin/prior-learning"},
	{name: "programme calendar", path: "/admin/sessions/calendar"},
	{name: "session", path: "/admin/sessions/{session}"},
	{name: "session's charges", path: "/admin/sessions/{past}/charges"},
	{name: "session's evaluation", path: "/admin/sessions/{past}/evaluation"},
	{name: "session's evaluation CSV", path: "/admin/sessions/{past}/evaluation.csv"},
	{name: "course's evaluation", path: "/admin/courses/{course}/evaluation"},
	{name: "course's evaluation CSV", path: "/admin/courses/{course}/evaluation.csv"},
	{name: "courses", path: "/admin/courses"},
	{name: "venues", path: "/admin/venues"},
	{name: "prices", path: "/admin/prices"},
	{name: "a trainer", path: "/admin/trainers/{trainer}"},
	{name: "invoicing", path: "/admin/invoicing"},
	{name: "invoicing, awaiting payment", path: "/admin/invoicing?state=awaiting_payment"},
	{name: "invoicing CSV", path: "/admin/invoicing/export.csv"},
	{name: "retention", path: "/admin/retention"},
	{name: "reports", path: "/admin/reports"},
	{name: "report: delivery", path: "/admin/reports/delivery"},
	{name: "report: delivery CSV", path: "/admin/reports/delivery.csv"},
	{name: "report: attendance", path: "/admin/reports/attendance"},
	{name: "report: non-attendance", path: "/admin/reports/non-attendance"},
	{name: "report: unmet demand", path: "/admin/reports/unmet-demand"},
	{name: "report: requests", path: "/admin/reports/requests"},
	{name: "report: money", path: "/admin/reports/money"},
	{name: "report: contribution", path: "/admin/reports/contribution"},
	{name: "report: evaluation", path: "/admin/reports/evaluation"},
	{name: "report: a trainer", path: "/admin/reports/contribution/trainers/{trainer}"},
	{name: "report: a trainer's CSV", path: "/admin/reports/contribution/trainers/{trainer}/sessions.csv"},
	{name: "board pack", path: "/admin/reports/pack"},
	{name: "board pack XLSX", path: "/admin/reports/pack.xlsx"},
	{name: "agency's booking form", path: "/agency/bookings/new", coordinator: true},
	{name: "agency's booking form, a course", path: "/agency/bookings/new?course={opencourse}", coordinator: true},
	{name: "agency's booking form, a course's page 2", path: "/agency/bookings/new?course={opencourse}&page=2", coordinator: true},
	{name: "agency's booking form, a session", path: "/agency/bookings/new?session={open}", coordinator: true},
	{name: "agency's booking form, a search", path: "/agency/bookings/new?session={open}&q=patel", coordinator: true},
	{name: "agency's charges page 3", path: "/agency/charges?page=3", coordinator: true},
	{name: "invoicing page 3", path: "/admin/invoicing?page=3&awaiting-page=3"},
	{name: "agency's charges", path: "/agency/charges", coordinator: true},
	{name: "agency's changes", path: "/agency/agency-changes", coordinator: true},
	{name: "agency's figures", path: "/agency/reports", coordinator: true},
	{name: "agency's figures CSV", path: "/agency/reports/places.csv", coordinator: true},
	{name: "agency's staff training CSV", path: "/agency/staff-training.csv", coordinator: true},
	{name: "agency's training", path: "/agency/training", coordinator: true},
	{name: "agency's training CSV", path: "/agency/training.csv", coordinator: true},
	{name: "agency's training requests", path: "/training-requests", coordinator: true},
	{name: "agency's person", path: "/agency/people/{person}", coordinator: true},
	{name: "a person", path: "/admin/people/{person}"},
	{name: "adding a person to a session", path: "/admin/sessions/{session}/bookings/add"},
	{name: "new session form", path: "/admin/sessions/new"},
	{name: "new session form, a course", path: "/admin/sessions/new?course={course}"},
	{name: "evaluation questions", path: "/admin/evaluation"},
}

// listWorld is the app served on a loopback port over a database of one
// size, with a manager and a coordinator signed in.
type listWorld struct {
	base                 string
	pool                 *pgxpool.Pool
	log                  *queryLog
	manager, coordinator *http.Client
	session, agency      int64
	past, course         int64
	trainer, person      int64
	accounts             *account.Service
	partnership          int64 // the manager's
	open, openCourse     int64
}

func (w *listWorld) path(c listCase) string {
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	return strings.NewReplacer("{session}", id(w.session), "{agency}", id(w.agency), "{past}", id(w.past),
		"{course}", id(w.course), "{trainer}", id(w.trainer), "{person}", id(w.person),
		"{opencourse}", id(w.openCourse), "{open}", id(w.open)).Replace(c.path)
}

func (w *listWorld) client(c listCase) *http.Client {
	if c.coordinator {
		return w.coordinator
	}
	return w.manager
}

// firstYearDatabase (the demo term and a first year's people, bookings and
// emails) and grownDatabase (a hundred times as many) are filled once per
// test binary and copied for each world.
func firstYearDatabase(tb testing.TB) *pgxpool.Pool { return grown(tb, "1x", growth.Onefold) }
func grownDatabase(tb testing.TB) *pgxpool.Pool     { return grown(tb, "100x", growth.Hundredfold) }

func grown(tb testing.TB, name string, size growth.Size) *pgxpool.Pool {
	return pgtest.Filled(tb, fmt.Sprintf("grown-%s-%d", name, growth.Version), func(ctx context.Context, pool *pgxpool.Pool) error {
		if _, err := demo.Seed(ctx, pool, now); err != nil {
			return err
		}
		return growth.Grow(ctx, pool, size, now)
	})
}

// newListWorld serves the app on a pool of production's size whose
// statements are logged, over a copy of db.
func newListWorld(tb testing.TB, db *pgxpool.Pool) *listWorld {
	tb.Helper()
	ctx := context.Background()
	w := &listWorld{log: &queryLog{}}
	cfg := db.Config().Copy()
	cfg.MaxConns = rushPoolSize
	cfg.ConnConfig.Tracer = w.log
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	w.pool = pool

	// The busiest session, the largest agency, a manager and its coordinator.
	check := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	check(db.QueryRow(ctx, `
		SELECT s.id FROM sessions s
		ORDER BY (SELECT count(*) FROM bookings b WHERE b.session_id = s.id) DESC, s.id LIMIT 1`).Scan(&w.session))
	check(db.QueryRow(ctx, `
		SELECT s.id FROM sessions s WHERE s.status = 'completed'
		ORDER BY (SELECT count(*) FROM bookings b WHERE b.session_id = s.id) DESC, s.id LIMIT 1`).Scan(&w.past))
	check(db.QueryRow(ctx, `SELECT course_id FROM sessions GROUP BY course_id ORDER BY count(*) DESC, course_id LIMIT 1`).Scan(&w.course))
	check(db.QueryRow(ctx, `SELECT trainer_id FROM session_trainers GROUP BY trainer_id ORDER BY count(*) DESC, trainer_id LIMIT 1`).Scan(&w.trainer))
	check(db.QueryRow(ctx, `SELECT agency_id FROM users WHERE agency_id IS NOT NULL GROUP BY agency_id ORDER BY count(*) DESC, agency_id LIMIT 1`).Scan(&w.agency))
	check(db.QueryRow(ctx, `
		SELECT b.user_id FROM bookings b JOIN users u ON u.id = b.user_id WHERE u.agency_id = $1
		GROUP BY b.user_id ORDER BY count(*) DESC, b.user_id LIMIT 1`, w.agency).Scan(&w.person))
	check(db.QueryRow(ctx, `SELECT min(id) FROM partnerships`).Scan(&w.partnership))
	check(db.QueryRow(ctx, `
		SELECT id, course_id FROM sessions
		WHERE status = 'published' AND booking_cutoff_at > $1 AND starts_at > $1 AND closed_to_agency_id IS NULL
		ORDER BY starts_at, id LIMIT 1`, now).Scan(&w.open, &w.openCourse))
	var managerID, coordinatorID int64
	check(db.QueryRow(ctx, `
		WITH u AS (INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
		           VALUES ('lists-manager@example.org', 'Lists Manager', 'Training manager', $1, '!', now()) RETURNING id),
		     r AS (INSERT INTO user_roles (user_id, role) SELECT id, 'manager' FROM u)
		SELECT id FROM u`, w.agency).Scan(&managerID))
	check(db.QueryRow(ctx, `
		WITH u AS (INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
		           VALUES ('lists-coordinator@example.org', 'Lists Coordinator', 'Safeguarding lead', $1, '!', now()) RETURNING id),
		     r AS (INSERT INTO user_roles (user_id, role) SELECT id, 'coordinator' FROM u)
		SELECT id FROM u`, w.agency).Scan(&coordinatorID))

	clock := func() time.Time { return now }
	svc := newServices(tb, pool, clock)
	w.accounts = svc.Accounts
	app, err := web.New(web.Deps{
		Services: svc, Now: clock, Ready: pool.Ping,
		Logger:      slog.New(web.LogHandler(slog.NewTextHandler(io.Discard, nil))),
		Partnership: "Portsmouth Safeguarding Children Partnership",
	})
	check(err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go func() { _ = app.Listener(ln) }()
	tb.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	w.base = "http://" + ln.Addr().String()
	site, _ := url.Parse(w.base)
	signedIn := func(id int64) *http.Client {
		token, _, err := svc.Accounts.StartLogin(ctx, &id, "127.0.0.1", "lists")
		check(err)
		jar, err := cookiejar.New(nil)
		check(err)
		jar.SetCookies(site, []*http.Cookie{{Name: "session", Value: token, Path: "/"}})
		tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
		tb.Cleanup(tr.CloseIdleConnections)
		return &http.Client{Jar: jar, Transport: tr, Timeout: time.Minute,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	w.manager, w.coordinator = signedIn(managerID), signedIn(coordinatorID)
	return w
}

// get opens a list and fails unless it answers 200.
func (w *listWorld) get(tb testing.TB, c listCase) string {
	tb.Helper()
	resp, err := w.client(c).Get(w.base + w.path(c))
	if err != nil {
		tb.Fatalf("%s: %v", c.name, err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("%s: %s answered %d (%v)", c.name, w.path(c), resp.StatusCode, err)
	}
	return string(body)
}

// queryLog is a pgx tracer that keeps each statement with its arguments
// and how long it took. The statements of a batch (a pipeline: one round
// trip) are kept each with its arguments, the first with the whole batch's
// time and the others with none, so the time of a request's statements
// counts each round trip once.
type queryLog struct {
	mu         sync.Mutex
	on         bool
	statements []loggedStatement
	gen        int // how many times during has begun a log
}

type loggedStatement struct {
	sql  string
	args []any
	took time.Duration
}

type queryStartKey struct{}

type queryStart struct {
	sql   string
	args  []any
	began time.Time
}

func (l *queryLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	return context.WithValue(ctx, queryStartKey{}, queryStart{sql: d.SQL, args: d.Args, began: time.Now()})
}

func (l *queryLog) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryEndData) {
	s, ok := ctx.Value(queryStartKey{}).(queryStart)
	if !ok {
		return
	}
	took := time.Since(s.began)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.on && !strings.HasPrefix(s.sql, "-- name: PG") { // River's own housekeeping
		l.statements = append(l.statements, loggedStatement{sql: s.sql, args: s.args, took: took})
	}
}

type batchStartKey struct{}

func (l *queryLog) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return context.WithValue(ctx, batchStartKey{}, &batchStart{began: time.Now()})
}

type batchStart struct {
	began time.Time
	first int // where its first statement is in l.statements
	n     int // its statements kept so far
	gen   int // the log's generation they were kept in
}

func (l *queryLog) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	b, ok := ctx.Value(batchStartKey{}).(*batchStart)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.on || strings.HasPrefix(d.SQL, "-- name: PG") {
		return
	}
	if b.n == 0 {
		b.first, b.gen = len(l.statements), l.gen
	}
	b.n++
	l.statements = append(l.statements, loggedStatement{sql: d.SQL, args: d.Args})
}

func (l *queryLog) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchEndData) {
	b, ok := ctx.Value(batchStartKey{}).(*batchStart)
	if !ok || b.n == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.on && b.gen == l.gen && b.first < len(l.statements) { // not a later during's log
		l.statements[b.first].took = time.Since(b.began)
	}
}

// during returns the statements run sends.
func (l *queryLog) during(run func()) []loggedStatement {
	l.mu.Lock()
	l.on, l.statements = true, nil
	l.gen++
	l.mu.Unlock()
	run()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	return l.statements
}

var explainable = regexp.MustCompile(`(?is)^\s*(?:--[^\n]*\n\s*)*(select|with|update|delete|insert)\b`)

// seqScans explains st with its arguments and lists each sequential scan of
// a table holding more than largeTable rows.
func seqScans(ctx context.Context, pool *pgxpool.Pool, st loggedStatement) ([]string, error) {
	if !explainable.MatchString(st.sql) {
		return nil, nil
	}
	var plan []struct{ Plan planNode }
	var raw []byte
	if err := pool.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+st.sql, st.args...).Scan(&raw); err != nil {
		return nil, fmt.Errorf("explain %s: %w", st.sql, err)
	}
	if err := json.Unmarshal(raw, &plan); err != nil {
		return nil, err
	}
	var found []string
	var walk func(n planNode) error
	walk = func(n planNode) error {
		if n.NodeType == "Seq Scan" {
			var rows float64
			if err := pool.QueryRow(ctx, "SELECT reltuples FROM pg_class WHERE oid = $1::regclass", n.Relation).Scan(&rows); err != nil {
				return err
			}
			if rows > largeTable {
				found = append(found, fmt.Sprintf("%s (%.0f rows)", n.Relation, rows))
			}
		}
		for _, c := range n.Plans {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	for _, p := range plan {
		if err := walk(p.Plan); err != nil {
			return nil, err
		}
	}
	return found, nil
}

type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Plans    []planNode `json:"Plans"`
}

// Every statement every list sends, with the arguments it was sent with,
// reads the grown partnership through an index: no sequential scan of a
// table of more than 10,000 rows. The statements are caught as the app
// sends them, so the test follows the code.
func TestListsNeverScanALargeTable(t *testing.T) {
	t.Parallel()
	w := newListWorld(t, grownDatabase(t))
	ctx := context.Background()
	for _, c := range listCases {
		w.get(t, c) // warm: a first visit may do once what later ones do not
		statements := w.log.during(func() { w.get(t, c) })
		if len(statements) == 0 {
			t.Errorf("%s: no statements caught", c.name)
		}
		for _, st := range statements {
			// A manager's statements run in their partnership's scope,
			// under its row-level security policies: explain them so.
			in := ctx
			if !c.coordinator {
				in = scope.Managing(ctx, w.partnership)
			}
			scans, err := seqScans(in, w.pool, st)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if len(scans) > 0 {
				args := fmt.Sprint(st.args)
				if len(args) > 200 {
					args = args[:200] + "…"
				}
				t.Errorf("%s (%s) scans %s in:\n%s\nwith %s", c.name, w.path(c), strings.Join(scans, ", "), st.sql, args)
			}
		}
	}
}

// BenchmarkLists opens each list at 1× and 100×: sql-ms is the time its
// statements take (summed, one request at a time), then requests/s, p50
// and p99 with 32 clients at once, and page-kB the size of its answer.
func BenchmarkLists(b *testing.B) {
	sizes := []struct {
		name string
		db   func(testing.TB) *pgxpool.Pool
	}{{"1x", firstYearDatabase}, {"100x", grownDatabase}}
	worlds := map[string]*listWorld{}
	for _, size := range sizes {
		worlds[size.name] = newListWorld(b, size.db(b))
	}
	for _, c := range listCases {
		for _, size := range sizes {
			b.Run(c.name+"/"+size.name, func(b *testing.B) { benchmarkList(b, worlds[size.name], c) })
		}
	}
}

// listClients is how many people open a list at once in the benchmark,
// and listRounds how many times each opens it per op.
const listClients, listRounds = 32, 5

func benchmarkList(b *testing.B, w *listWorld, c listCase) {
	// Warm as a server is after its first minute: every connection of the
	// pool has prepared and planned the list's statements, a cost each pays
	// once in its life (an hour), not on every request. Opened one at a
	// time, most of the twenty samples below would be some connection's
	// first, and a statement planned in 2 ms and run in 0.3 would count
	// the planning in most of them.
	var warm sync.WaitGroup
	for range listClients {
		warm.Go(func() {
			resp, err := w.client(c).Get(w.base + w.path(c))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("%s answered %d", w.path(c), resp.StatusCode)
			}
		})
	}
	warm.Wait()
	const samples = 20
	var sql time.Duration
	for range samples {
		for _, st := range w.log.during(func() { w.get(b, c) }) {
			sql += st.took
		}
	}
	client, target := w.client(c), w.base+w.path(c)
	var (
		mu        sync.Mutex
		latencies []time.Duration
		busy      time.Duration
		bytes     int64
	)
	// The process's CPU time and allocations over the requests: the app's
	// (and its benchmark client's) work for each, which the machine's other
	// load does not move as it moves the latencies.
	cpu0, allocs0 := processCPU(b), processAllocs()
	// One op is listClients people opening the list listRounds times each,
	// all at once, so that even a slow list is measured over many requests.
	for b.Loop() {
		var wg sync.WaitGroup
		began := time.Now()
		for range listClients {
			wg.Go(func() {
				var mine []time.Duration
				var largest int64
				for range listRounds {
					t0 := time.Now()
					resp, err := client.Get(target)
					if err != nil {
						b.Error(err)
						return
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					largest = max(largest, n)
					if resp.StatusCode != http.StatusOK {
						b.Errorf("%s answered %d", target, resp.StatusCode)
						return
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				latencies = append(latencies, mine...)
				bytes = max(bytes, largest)
				mu.Unlock()
			})
		}
		wg.Wait()
		busy += time.Since(began)
	}
	cpu, allocs := processCPU(b)-cpu0, processAllocs()-allocs0
	slices.Sort(latencies)
	b.ReportMetric(float64(sql)/float64(samples)/float64(time.Millisecond), "sql-ms")
	b.ReportMetric(float64(cpu)/float64(len(latencies))/float64(time.Millisecond), "go-cpu-ms")
	b.ReportMetric(float64(allocs)/float64(len(latencies)), "allocs/req")
	b.ReportMetric(float64(len(latencies))/busy.Seconds(), "requests/s")
	b.ReportMetric(percentile(latencies, 50), "p50-ms")
	b.ReportMetric(percentile(latencies, 99), "p99-ms")
	b.ReportMetric(float64(bytes)/1000, "page-kB")
}

// processCPU is the user and system CPU time this process has used.
func processCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// processAllocs is how many heap objects this process has allocated.
func processAllocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}
