package booking_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/pglocal"
	"github.com/pscp/booktraining/internal/pgtest"
)

// The booking rush without the app: pgbench runs the statements that
// Service.Book sends, in the same transaction (testdata/rush.pgbench), for
// the same 500 people and sessions as BenchmarkBookingRush in internal/web.
// The difference between the two is what Go, HTTP and the pool add.

const (
	rushPeople   = 500
	rushCapacity = 25
)

// BenchmarkBookingRushPgbench runs each rush with 50 connections, and with
// 10, the app's own pool (DATABASE_MAX_CONNS defaults to 10).
func BenchmarkBookingRushPgbench(b *testing.B) {
	bin, err := pgbenchBinary()
	if err != nil {
		b.Skipf("pgbench not found (%v): install the PostgreSQL client tools", err)
	}
	for _, clients := range []int{50, 10} {
		for _, sessions := range []int{1, 50} {
			name := fmt.Sprintf("%d people, %s of %d, %d connections", rushPeople, sessionsOf(sessions), rushCapacity, clients)
			b.Run(name, func(b *testing.B) { benchmarkPgbenchRush(b, bin, sessions, clients) })
		}
	}
}

func sessionsOf(n int) string {
	if n == 1 {
		return "1 session"
	}
	return fmt.Sprintf("%d sessions", n)
}

// pgbenchBinary finds pgbench on PATH or beside the server binaries that
// pglocal uses.
func pgbenchBinary() (string, error) {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	dir, err := pglocal.FindBinaries()
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "pgbench")
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
}

// pgbenchRush is a database ready for the rush: sessions and people with
// consecutive ids, as the script expects.
type pgbenchRush struct {
	ctx       context.Context
	pool      *pgxpool.Pool
	url       string
	sessions  []int64
	firstUser int64
}

func newPgbenchRush(b *testing.B, sessions int) pgbenchRush {
	b.Helper()
	ctx := context.Background()
	pool, url := pgtest.NewWithURL(b)
	if _, err := demo.Seed(ctx, pool, start); err != nil {
		b.Fatal(err)
	}
	r := pgbenchRush{ctx: ctx, pool: pool, url: url}
	begins := start.AddDate(0, 0, 30)
	rows, err := pool.Query(ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), $1, $2, $3, $4, 'published'
		FROM (SELECT id, title FROM courses ORDER BY id LIMIT 1) c, generate_series(1, $5)
		RETURNING id`, begins, begins.Add(3*time.Hour), begins.AddDate(0, 0, -3), rushCapacity, sessions)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		r.sessions = append(r.sessions, id)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	var last int64
	if err := pool.QueryRow(ctx, `
		WITH made AS (
			INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
			SELECT 'rush' || g || '@example.org', 'Rush ' || g, (SELECT id FROM agencies ORDER BY id LIMIT 1), '!', now()
			FROM generate_series(0, $1 - 1) g
			RETURNING id)
		SELECT min(id), max(id) FROM made`, rushPeople).Scan(&r.firstUser, &last); err != nil {
		b.Fatal(err)
	}
	slices.Sort(r.sessions)
	if last-r.firstUser != rushPeople-1 || r.sessions[len(r.sessions)-1]-r.sessions[0] != int64(sessions-1) {
		b.Fatalf("the script needs consecutive ids: people %d–%d, sessions %v", r.firstUser, last, r.sessions)
	}
	return r
}

// reset empties the sessions; the trigger gives back their places.
func (r pgbenchRush) reset(b *testing.B) {
	b.Helper()
	for _, sql := range []string{
		"DELETE FROM bookings WHERE session_id = ANY($1)",
		"DELETE FROM river_job WHERE kind = 'email_deliver' AND $1::bigint[] IS NOT NULL",
		"DELETE FROM emails WHERE $1::bigint[] IS NOT NULL",
	} {
		if _, err := r.pool.Exec(r.ctx, sql, r.sessions); err != nil {
			b.Fatalf("reset: %s: %v", sql, err)
		}
	}
	// The script counts here the bookings it rolled back because the place
	// was no longer the one foreseen (the app books those again).
	if _, err := r.pool.Exec(r.ctx, "DROP SEQUENCE IF EXISTS rush_not_as_seen; CREATE SEQUENCE rush_not_as_seen"); err != nil {
		b.Fatalf("reset: the count of places not as seen: %v", err)
	}
	var taken int
	if err := r.pool.QueryRow(r.ctx, "SELECT coalesce(sum(seats_taken), 0) FROM sessions WHERE id = ANY($1)", r.sessions).Scan(&taken); err != nil || taken != 0 {
		b.Fatalf("reset left %d places taken (%v)", taken, err)
	}
}

// pgbenchRun is what one pgbench run reported.
type pgbenchRun struct {
	tps, latencyMS, lockMS float64
	// Each new connection's first transaction is slow (about 200 ms here:
	// the backend loads its catalogue caches and prepares every statement),
	// which the app's pool, kept open, does not pay in a rush. warmTPS and
	// warm are the run without them: the rate from the moment the last
	// connection finished its first transaction, and the latencies of every
	// transaction but the first of each connection.
	warmTPS float64
	warm    []time.Duration
}

var (
	tpsLine     = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)
	latencyLine = regexp.MustCompile(`(?m)^latency average = ([0-9.]+) ms`)
	failedLine  = regexp.MustCompile(`(?m)^number of failed transactions: (\d+)`)
	doneLine    = regexp.MustCompile(`(?m)^number of transactions actually processed: (\d+)/(\d+)`)
	// With -r, each statement's average latency; the lock is taken by the
	// statement that takes the place, which begins "WITH locked".
	lockLine = regexp.MustCompile(`(?m)^\s+([0-9.]+)\s+\d+\s+WITH locked`)
)

func (r pgbenchRush) run(b *testing.B, bin string, sessions, clients int) pgbenchRun {
	b.Helper()
	logs := b.TempDir()
	perClient := rushPeople / clients
	cmd := exec.Command(bin, "-n", "-M", "prepared", "-r",
		"-c", strconv.Itoa(clients), "-j", "2", "-t", strconv.Itoa(perClient),
		"-l", "--log-prefix", filepath.Join(logs, "rush"),
		"-D", "n=0",
		"-D", "clients="+strconv.Itoa(clients),
		"-D", "first_user="+strconv.FormatInt(r.firstUser, 10),
		"-D", "first_session="+strconv.FormatInt(r.sessions[0], 10),
		"-D", "sessions="+strconv.Itoa(sessions),
		"-D", "now="+start.Format(time.RFC3339),
		"-D", "free_status=confirmed", "-D", "empty= ", // pgbench refuses an empty value
		"-D", "lm_name=Lee Manager", "-D", "lm_email=lee@example.org",
		"-f", filepath.Join("testdata", "rush.pgbench"),
		r.url)
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil {
		b.Fatalf("pgbench: %v\n%s\n%s", err, errs.String(), out.String())
	}
	text := out.String()
	if testing.Verbose() {
		b.Log(text) // with each statement's latency: where the time goes
	}
	if m := failedLine.FindStringSubmatch(text); m == nil || m[1] != "0" {
		b.Fatalf("pgbench: failed transactions:\n%s\n%s", text, errs.String())
	}
	if m := doneLine.FindStringSubmatch(text); m == nil || m[1] != strconv.Itoa(rushPeople) || m[2] != m[1] {
		b.Fatalf("pgbench: not every transaction ran:\n%s", text)
	}
	var run pgbenchRun
	for _, f := range []struct {
		re *regexp.Regexp
		to *float64
	}{{tpsLine, &run.tps}, {latencyLine, &run.latencyMS}, {lockLine, &run.lockMS}} {
		m := f.re.FindStringSubmatch(text)
		if m == nil {
			b.Fatalf("pgbench output lacks %s:\n%s", f.re, text)
		}
		*f.to, _ = strconv.ParseFloat(m[1], 64)
	}
	txs := readPgbenchLogs(b, logs)
	if len(txs) != rushPeople {
		b.Fatalf("pgbench logged %d transactions, want %d", len(txs), rushPeople)
	}
	var warmFrom, end time.Time
	for _, t := range txs {
		if t.first && t.done.After(warmFrom) {
			warmFrom = t.done
		}
		if t.done.After(end) {
			end = t.done
		}
	}
	n := 0
	for _, t := range txs {
		if !t.first {
			run.warm = append(run.warm, t.took)
		}
		if t.done.After(warmFrom) {
			n++
		}
	}
	if n > 0 {
		run.warmTPS = float64(n) / end.Sub(warmFrom).Seconds()
	}
	return run
}

// loggedTx is a line of pgbench's per-transaction log (-l): client_id
// transaction_no latency_us script_no epoch_s epoch_us.
type loggedTx struct {
	first bool // the connection's first transaction
	took  time.Duration
	done  time.Time
}

func readPgbenchLogs(b *testing.B, dir string) []loggedTx {
	b.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "rush.*"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no pgbench logs in %s (%v)", dir, err)
	}
	var out []loggedTx
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			b.Fatal(err)
		}
		s := bufio.NewScanner(f)
		for s.Scan() {
			var n [6]int64
			fields := strings.Fields(s.Text())
			for i := range n {
				if len(fields) < len(n) {
					b.Fatalf("pgbench log %s: %q", name, s.Text())
				}
				if n[i], err = strconv.ParseInt(fields[i], 10, 64); err != nil {
					b.Fatalf("pgbench log %s: %q", name, s.Text())
				}
			}
			out = append(out, loggedTx{first: n[1] == 1, took: time.Duration(n[2]) * time.Microsecond, done: time.Unix(n[4], n[5]*1000)})
		}
		_ = f.Close()
		if err := s.Err(); err != nil {
			b.Fatal(err)
		}
	}
	return out
}

// check is the rush's outcome: no session over-filled or miscounted, every
// free place taken, everyone who asked to wait on the list, nobody else,
// and one email for each booking made.
func (r pgbenchRush) check(b *testing.B, sessions int) {
	b.Helper()
	perSession := rushPeople / sessions
	rows, err := r.pool.Query(r.ctx, `
		SELECT s.id, s.capacity, s.seats_taken,
		       count(bk.id) FILTER (WHERE bk.status IN ('offered', 'confirmed')),
		       count(bk.id) FILTER (WHERE bk.status = 'confirmed'),
		       count(bk.id) FILTER (WHERE bk.status = 'waiting')
		FROM sessions s LEFT JOIN bookings bk ON bk.session_id = s.id
		WHERE s.id = ANY($1) GROUP BY s.id`, r.sessions)
	if err != nil {
		b.Fatal(err)
	}
	live := 0
	for rows.Next() {
		var id int64
		var capacity, taken, held, confirmed, waiting int
		if err := rows.Scan(&id, &capacity, &taken, &held, &confirmed, &waiting); err != nil {
			b.Fatal(err)
		}
		if taken > capacity || taken != held {
			b.Fatalf("session %d: %d places taken of %d, %d held by bookings", id, taken, capacity, held)
		}
		if want := min(capacity, perSession); confirmed != want {
			b.Fatalf("session %d: %d confirmed, want %d", id, confirmed, want)
		}
		live += confirmed + waiting
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	// Person p asked to wait if (p / sessions) is even, as the script says.
	var waiters, queueJumpers, askedToWait, emails, jobs int
	if err := r.pool.QueryRow(r.ctx, `
		SELECT count(*) FILTER (WHERE ((user_id - $2) / $3) % 2 = 0),
		       count(*) FILTER (WHERE ((user_id - $2) / $3) % 2 = 1 AND status = 'waiting'),
		       (SELECT count(*) FROM emails),
		       (SELECT count(*) FROM river_job WHERE kind = 'email_deliver')
		FROM bookings WHERE session_id = ANY($1) AND status IN ('waiting', 'offered', 'confirmed')`,
		r.sessions, r.firstUser, sessions).Scan(&waiters, &queueJumpers, &emails, &jobs); err != nil {
		b.Fatal(err)
	}
	if queueJumpers != 0 {
		b.Fatalf("%d people who did not ask to wait are on a waiting list", queueJumpers)
	}
	for p := range rushPeople {
		if (p/sessions)%2 == 0 {
			askedToWait++
		}
	}
	// The script does not book again, under the lock, a place that was no
	// longer the one foreseen, as the app does: each such person, counted by
	// the script, may be missing; nobody else.
	var notAsSeen int
	if err := r.pool.QueryRow(r.ctx, "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM rush_not_as_seen").Scan(&notAsSeen); err != nil {
		b.Fatal(err)
	}
	if waiters > askedToWait || askedToWait-waiters > notAsSeen {
		b.Fatalf("%d of the %d people who asked to wait have a place or are on the waiting list (%d rolled back, not as seen)",
			waiters, askedToWait, notAsSeen)
	}
	if emails != live || jobs != live {
		b.Fatalf("%d bookings but %d emails and %d delivery jobs", live, emails, jobs)
	}
}

// benchmarkPgbenchRush times whole pgbench runs (ns/op includes starting
// pgbench and its connections) and reports pgbench's own tps and average
// latency, the warm figures (see pgbenchRun), and the average time the lock
// statement took: the wait for the session's row.
func benchmarkPgbenchRush(b *testing.B, bin string, sessions, clients int) {
	r := newPgbenchRush(b, sessions)
	var (
		tps, warmTPS, latency, lock float64
		warm                        []time.Duration
		runs                        int
	)
	for b.Loop() {
		b.StopTimer()
		r.reset(b)
		b.StartTimer()
		run := r.run(b, bin, sessions, clients)
		b.StopTimer()
		r.check(b, sessions)
		tps, warmTPS, latency, lock = tps+run.tps, warmTPS+run.warmTPS, latency+run.latencyMS, lock+run.lockMS
		warm = append(warm, run.warm...)
		runs++
		b.StartTimer()
	}
	slices.Sort(warm)
	b.ReportMetric(tps/float64(runs), "tps")
	b.ReportMetric(warmTPS/float64(runs), "warm-tps")
	b.ReportMetric(latency/float64(runs), "avg-ms")
	b.ReportMetric(percentile(warm, 50), "warm-p50-ms")
	b.ReportMetric(percentile(warm, 99), "warm-p99-ms")
	b.ReportMetric(lock/float64(runs), "lock-ms")
}

// percentile is the nearest-rank percentile of sorted, in milliseconds.
func percentile(sorted []time.Duration, p int) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p+99)/100 - 1
	return float64(sorted[max(i, 0)]) / float64(time.Millisecond)
}
