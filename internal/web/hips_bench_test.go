package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/growth"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/scope"
	"github.com/pscp/booktraining/internal/web"
)

// The benchmark (issue 22): HIPS, four partnerships' five years
// (growth.HIPS: 80,000 people, 20,000 sessions, 400,000 bookings). The pages
// people open most (the catalogue across every partnership and within one, a
// course's page, My training for a person with places in two partnerships)
// and a training manager's (their programme, a session and its bookings):
// time, statements and memory per page, and what row-level security costs
// the manager's pages against the same handlers and statements without it.

// hipsDatabase is HIPS grown on the demo seed, filled once per test binary
// and copied for each world.
func hipsDatabase(tb testing.TB) *pgxpool.Pool {
	return pgtest.Filled(tb, fmt.Sprintf("grown-hips-%d", growth.Version), func(ctx context.Context, pool *pgxpool.Pool) error {
		began := time.Now()
		if _, err := demo.Seed(ctx, pool, now); err != nil {
			return err
		}
		if err := growth.Grow(ctx, pool, growth.HIPS, now); err != nil {
			return err
		}
		tb.Logf("HIPS filled in %s", time.Since(began).Round(time.Second))
		return nil
	})
}

// hipsServer is the app served on a loopback port over one pool, whose
// statements are logged.
type hipsServer struct {
	base string
	pool *pgxpool.Pool
	log  *queryLog
}

// hipsWorld is the HIPS database served twice: scoped as in production (a
// manager's request runs as booktraining_manager in their partnership's
// scope, under the row-level security policies) and unscoped (every
// statement as the app's own role, which owns the tables, so no policy
// applies), with the first partnership's manager and a practitioner signed
// in to both.
type hipsWorld struct {
	scoped, unscoped   *hipsServer
	manager, person    string // Cookie headers
	partnership        int64  // the manager's
	otherSlug          string // another partnership's, for the catalogue within one
	course             string // the course with most sessions to come
	session            int64  // the manager's partnership's busiest session
	personPlaces       int
	personPartnerships int
}

// hipsSmall is HIPS at a small size, for the test that the policies apply
// to the manager's pages alone: four partnerships, 200 sessions over the
// month around now.
var hipsSmall = growth.Size{
	Partnerships: 4, SessionsFrom: 10 * 24 * time.Hour, SessionEvery: 12 * time.Hour,
	Agencies: 10, People: 400, Trainers: 8, Sessions: 200, BookingsPerSession: 20,
	Emails: 100, AuditEvents: 100, Enquiries: 20, Jobs: 50, FailedJobs: 3, Claims: 40,
}

func newHIPSWorld(tb testing.TB, db *pgxpool.Pool) *hipsWorld {
	tb.Helper()
	ctx := context.Background()
	check := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	w := &hipsWorld{}
	check(db.QueryRow(ctx, `SELECT min(id) FROM partnerships`).Scan(&w.partnership))
	check(db.QueryRow(ctx, `SELECT slug FROM partnerships WHERE id <> $1 ORDER BY id LIMIT 1`, w.partnership).Scan(&w.otherSlug))
	check(db.QueryRow(ctx, `
		SELECT c.slug FROM courses c JOIN sessions s ON s.course_id = c.id
		WHERE s.status = 'published' AND s.starts_at > $1
		GROUP BY c.id ORDER BY count(*) DESC, c.id LIMIT 1`, now).Scan(&w.course))
	check(db.QueryRow(ctx, `
		SELECT id FROM sessions WHERE partnership_id = $1 AND status = 'published' AND starts_at > $2
		ORDER BY seats_taken DESC, starts_at, id LIMIT 1`, w.partnership, now).Scan(&w.session))
	var managerID, personID int64
	check(db.QueryRow(ctx, `
		SELECT r.user_id FROM user_roles r WHERE r.role = 'manager' AND r.partnership_id = $1
		ORDER BY r.user_id LIMIT 1`, w.partnership).Scan(&managerID))
	check(db.QueryRow(ctx, `
		SELECT b.user_id, count(*), count(DISTINCT s.partnership_id) FROM bookings b JOIN sessions s ON s.id = b.session_id
		GROUP BY b.user_id HAVING count(DISTINCT s.partnership_id) >= 2
		ORDER BY count(*) DESC, b.user_id LIMIT 1`).Scan(&personID, &w.personPlaces, &w.personPartnerships))

	serve := func(scoped bool) *hipsServer {
		cfg := db.Config().Copy()
		cfg.MaxConns = 10 // DATABASE_MAX_CONNS's default
		if !scoped {
			cfg.PrepareConn = nil // scope.Pool's: no manager's scope, ever
		}
		s := &hipsServer{log: &queryLog{}}
		cfg.ConnConfig.Tracer = s.log
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		check(err)
		tb.Cleanup(pool.Close)
		s.pool = pool
		clock := func() time.Time { return now }
		app, err := web.New(web.Deps{
			Services: newServices(tb, pool, clock), Now: clock, Ready: pool.Ping,
			Logger:      slog.New(web.LogHandler(slog.NewTextHandler(io.Discard, nil))),
			Partnership: "Portsmouth Safeguarding Children Partnership",
		})
		check(err)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		check(err)
		go func() { _ = app.Listener(ln) }()
		tb.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
		s.base = "http://" + ln.Addr().String()
		return s
	}
	w.scoped, w.unscoped = serve(true), serve(false)
	svc := newServices(tb, w.scoped.pool, func() time.Time { return now })
	login := func(id int64) string {
		token, _, err := svc.Accounts.StartLogin(ctx, &id, "127.0.0.1", "hips")
		check(err)
		return "session=" + token
	}
	w.manager, w.person = login(managerID), login(personID)
	return w
}

// hipsPage is one page as someone opens it.
type hipsPage struct {
	name, path, cookie string
	manager            bool // a manager's page: measured scoped and unscoped
}

func (w *hipsWorld) pages() []hipsPage {
	return []hipsPage{
		{name: "catalogue", path: "/courses"},
		{name: "catalogue, one partnership", path: "/courses?partnership=" + w.otherSlug},
		{name: "course", path: "/courses/" + w.course},
		{name: "my training", path: "/my-training", cookie: w.person},
		{name: "programme", path: "/admin/sessions", cookie: w.manager, manager: true},
		{name: "session", path: fmt.Sprintf("/admin/sessions/%d", w.session), cookie: w.manager, manager: true},
		{name: "session's bookings", path: fmt.Sprintf("/admin/sessions/%d/bookings", w.session), cookie: w.manager, manager: true},
	}
}

var hipsClient = &http.Client{
	Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true},
	Timeout:   time.Minute,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// get opens p on s and fails unless it answers 200.
func (s *hipsServer) get(tb testing.TB, p hipsPage) string {
	req, err := http.NewRequest(http.MethodGet, s.base+p.path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if p.cookie != "" {
		req.Header.Set("Cookie", p.cookie)
	}
	resp, err := hipsClient.Do(req)
	if err != nil {
		tb.Fatalf("%s: %v", p.name, err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("%s: %s answered %d (%v)", p.name, p.path, resp.StatusCode, err)
	}
	return string(body)
}

// isScopeSwitch is internal/scope's statement that moves a connection into
// or out of a manager's scope.
func isScopeSwitch(sql string) bool { return strings.Contains(sql, "set_config('role'") }

// policyQual finds a row-level security policy's condition in a plan:
// acting_partnership_id() and in_manager_scope(), inlined or not.
// roleQual finds the service's policy alone (in_manager_scope()), for a
// statement whose own SQL asks for the acting partnership (a page for
// everyone reads the course's prices so).
var (
	policyQual = regexp.MustCompile(`app\.partnership_id|acting_partnership_id|in_manager_scope|booktraining_manager`)
	roleQual   = regexp.MustCompile(`in_manager_scope|booktraining_manager`)
)

// hasPolicyQual reports whether plan, of the statement sql, has a policy's
// condition that sql itself does not explain.
func hasPolicyQual(sql, plan string) bool {
	if strings.Contains(sql, "acting_partnership_id") {
		return roleQual.MatchString(plan)
	}
	return policyQual.MatchString(plan)
}

// plan is EXPLAIN's plan of st, run in ctx's scope.
func plan(ctx context.Context, pool *pgxpool.Pool, st loggedStatement) (string, error) {
	rows, err := pool.Query(ctx, "EXPLAIN "+st.sql, st.args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		b.WriteString(line + "\n")
	}
	return b.String(), rows.Err()
}

// readOnly is a statement that only reads, so it may be run again and again.
var readOnly = regexp.MustCompile(`(?is)^\s*(?:--[^\n]*\n\s*)*(select|with)\b`)
var writes = regexp.MustCompile(`(?i)\b(insert\s+into|update\s+\w+\s+set|delete\s+from)\b`)

// BenchmarkHIPS opens each page one request at a time on HIPS: ns/op is a
// page's time (the app on a loopback port), statements/op the page's own
// statements, scope-switches/op those internal/scope adds to move a
// connection into a manager's scope and out again, sql-ms/op the time its
// statements took; B/op and allocs/op are the whole process's, app and
// client. A manager's page is measured scoped (as in production, under the
// row-level security policies) and unscoped (the same handlers as the app's
// own role: no policy, every partnership's rows); "statements" runs the
// statements the scoped page sent, read-only ones, straight on the pool, in
// the manager's scope and without it, in turn. The public pages and My training run
// as the app's role in production too: no policy applies to them, which
// the setup checks by EXPLAIN of each statement they send.
func BenchmarkHIPS(b *testing.B) {
	w := newHIPSWorld(b, hipsDatabase(b))
	b.Logf("HIPS: the manager's partnership %d, course %s, session %d, a person with %d places in %d partnerships",
		w.partnership, w.course, w.session, w.personPlaces, w.personPartnerships)
	ctx := context.Background()
	inScope := scope.Managing(ctx, w.partnership)
	sent := w.policies(b)
	for _, p := range w.pages() {
		servers := []struct {
			name string
			s    *hipsServer
		}{{"app role", w.scoped}}
		if p.manager {
			servers = []struct {
				name string
				s    *hipsServer
			}{{"scoped", w.scoped}, {"unscoped", w.unscoped}}
		}
		for _, srv := range servers {
			b.Run(p.name+"/"+srv.name, func(b *testing.B) { benchmarkHIPSPage(b, srv.s, p) })
		}
		if p.manager {
			b.Run(p.name+"/statements", func(b *testing.B) { benchmarkStatements(b, w.scoped.pool, inScope, sent[p.name]) })
		}
	}
}

// policies opens each page on the scoped app and EXPLAINs each statement it
// sends (read-only ones, with their arguments) as it was run: a manager's
// in their partnership's scope, any other as the app's role. It fails when
// a plan of a page that is not a manager's has a policy's condition, or no
// plan of a manager's page has one, and returns each manager's page's own
// statements (not the scope's switches).
func (w *hipsWorld) policies(tb testing.TB) map[string][]loggedStatement {
	tb.Helper()
	ctx := context.Background()
	inScope := scope.Managing(ctx, w.partnership)
	sent := map[string][]loggedStatement{}
	for _, p := range w.pages() {
		w.scoped.get(tb, p) // warm
		var own []loggedStatement
		for _, st := range w.scoped.log.during(func() { w.scoped.get(tb, p) }) {
			if !isScopeSwitch(st.sql) {
				own = append(own, st)
			}
		}
		qualified := 0
		for _, st := range own {
			if !readOnly.MatchString(st.sql) || writes.MatchString(st.sql) {
				continue
			}
			in := ctx
			if p.manager {
				in = inScope
			}
			text, err := plan(in, w.scoped.pool, st)
			if err != nil {
				tb.Fatalf("%s: explain: %v", p.name, err)
			}
			if hasPolicyQual(st.sql, text) {
				qualified++
				if !p.manager {
					tb.Fatalf("%s runs as the app's role, yet a policy's condition is in the plan of\n%s\n%s", p.name, st.sql, text)
				}
			}
		}
		if p.manager {
			if qualified == 0 {
				tb.Fatalf("%s: no statement's plan has a policy's condition in the manager's scope", p.name)
			}
			sent[p.name] = own
		}
		tb.Logf("%s: %d statements, %d with a policy's condition in their plan", p.name, len(own), qualified)
	}
	return sent
}

// Only a manager's pages run under the row-level security policies: the
// catalogue, a course's page and My training run as the app's role (no
// policy's condition in any plan of theirs), while a manager's programme,
// session and bookings run in their partnership's scope (policies' conditions
// in their plans). On HIPS at a small size; BenchmarkHIPS checks the same on
// the full size.
func TestOnlyManagersPagesRunUnderThePolicies(t *testing.T) {
	t.Parallel()
	w := newHIPSWorld(t, grown(t, "hips-small", hipsSmall))
	w.policies(t)
}

func benchmarkHIPSPage(b *testing.B, s *hipsServer, p hipsPage) {
	s.get(b, p)
	b.ReportAllocs()
	sent := s.log.during(func() {
		for b.Loop() {
			s.get(b, p)
		}
	})
	var switches int
	var sql time.Duration
	for _, st := range sent {
		if isScopeSwitch(st.sql) {
			switches++
		}
		sql += st.took
	}
	n := float64(b.N)
	b.ReportMetric(float64(len(sent)-switches)/n, "statements/op")
	b.ReportMetric(float64(switches)/n, "scope-switches/op")
	b.ReportMetric(float64(sql)/n/float64(time.Millisecond), "sql-ms/op")
}

// benchmarkStatements runs a page's read-only statements, one after another,
// reading every row, in the manager's scope (inScope) and then as the app's
// role, in turn, so that both meet the same load on the machine: scoped-ms
// and unscoped-ms are each's time per op.
func benchmarkStatements(b *testing.B, pool *pgxpool.Pool, inScope context.Context, sent []loggedStatement) {
	var reads []loggedStatement
	for _, st := range sent {
		if readOnly.MatchString(st.sql) && !writes.MatchString(st.sql) {
			reads = append(reads, st)
		}
	}
	if len(reads) == 0 {
		b.Skip("no read-only statements")
	}
	run := func(ctx context.Context) (time.Duration, int) {
		began, read := time.Now(), 0
		for _, st := range reads {
			rows, err := pool.Query(ctx, st.sql, st.args...)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				read++
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(began), read
	}
	unscoped := context.Background()
	run(inScope)
	run(unscoped)
	var inTime, outTime time.Duration
	var inRows, outRows int
	for b.Loop() {
		d, n := run(inScope)
		inTime, inRows = inTime+d, inRows+n
		d, n = run(unscoped)
		outTime, outRows = outTime+d, outRows+n
	}
	per := float64(b.N)
	b.ReportMetric(float64(len(reads)), "statements/op")
	b.ReportMetric(float64(inTime)/per/float64(time.Millisecond), "scoped-ms")
	b.ReportMetric(float64(outTime)/per/float64(time.Millisecond), "unscoped-ms")
	b.ReportMetric(float64(inRows)/per, "scoped-rows")
	b.ReportMetric(float64(outRows)/per, "unscoped-rows")
}
