package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/web"
)

// The booking rush: the moment a popular course opens, everyone who wants
// it presses "Book" at once. 500 signed-in practitioners, each with their
// own browser (cookie jar, CSRF token, connection), post the booking form to
// the app on a real loopback port at the same instant. BenchmarkBookingRushPgbench
// in internal/booking runs the same SQL without the app, for comparison.

const (
	rushPeople   = 500
	rushCapacity = 25
	// rushPoolSize is the app's pool as production runs it by default
	// (DATABASE_MAX_CONNS), not the tests' smaller default.
	rushPoolSize = 10
)

// BenchmarkBookingRush reports requests/s over the rush (from the moment
// all 500 are released until the last answer), and the p50 and p99 of each
// request's latency. One op is one rush of 500 requests.
func BenchmarkBookingRush(b *testing.B) {
	for _, sessions := range []int{1, 50} {
		name := fmt.Sprintf("%d people, %s of %d", rushPeople, sessionsOf(sessions), rushCapacity)
		b.Run(name, func(b *testing.B) { benchmarkRush(b, sessions) })
	}
}

func sessionsOf(n int) string {
	if n == 1 {
		return "1 session"
	}
	return fmt.Sprintf("%d sessions", n)
}

// rusher is one practitioner at their own browser.
type rusher struct {
	userID  int64
	session int64
	wait    bool // joins the waiting list if the session is full
	csrf    string
	http    *http.Client
}

type rushWorld struct {
	ctx      context.Context
	pool     *pgxpool.Pool
	base     string
	sessions []int64
	people   []rusher
}

// answer is what one person's request got back.
type answer struct {
	status   int
	location string
	took     time.Duration
	err      error
}

func benchmarkRush(b *testing.B, sessions int) {
	w := newRushWorld(b, sessions)
	// One untimed rush first, so that the pool's connections have prepared
	// the booking statements, as a running service's have.
	w.reset(b)
	answers, _ := w.rush(b)
	w.check(b, answers)
	b.StartTimer() // b.Loop wants it running
	var (
		latencies []time.Duration
		busy      time.Duration
	)
	for b.Loop() {
		b.StopTimer()
		w.reset(b)
		answers, took := w.rush(b) // runs the timer for the rush alone
		w.check(b, answers)
		busy += took
		for _, a := range answers {
			latencies = append(latencies, a.took)
		}
		b.StartTimer()
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(len(latencies))/busy.Seconds(), "requests/s")
	b.ReportMetric(percentile(latencies, 50), "p50-ms")
	b.ReportMetric(percentile(latencies, 99), "p99-ms")
}

// newRushWorld builds the app as setup does, but on a pool of production's
// size, serves it on a loopback port, and readies the sessions and people:
// signed in by creating their web sessions directly, since signing in
// through the form costs a password hash (~25 ms) each.
func newRushWorld(b *testing.B, sessions int) *rushWorld {
	b.Helper()
	ctx := context.Background()
	_, dbURL := pgtest.NewWithURL(b)
	cfg, err := pgxpool.ParseConfig(dbURL)
	must(b, err)
	cfg.MaxConns = rushPoolSize
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	must(b, err)
	b.Cleanup(pool.Close) // before pgtest drops the database
	_, err = demo.Seed(ctx, pool, now)
	must(b, err)
	clock := func() time.Time { return now }
	svc := newServices(b, pool, clock) // as main builds them
	accounts := svc.Accounts
	app, err := web.New(web.Deps{
		Services:    svc,
		Now:         clock,
		Ready:       pool.Ping,
		Logger:      slog.New(web.LogHandler(slog.NewTextHandler(io.Discard, nil))), // formatted, as in production
		Partnership: "Portsmouth Safeguarding Children Partnership",
	})
	must(b, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(b, err)
	go func() { _ = app.Listener(ln) }()
	b.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	w := &rushWorld{ctx: ctx, pool: pool, base: "http://" + ln.Addr().String()}

	// Published sessions at an online venue (which may hold any number at
	// once), a month away.
	begins := now.AddDate(0, 0, 30)
	rows, err := pool.Query(ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), $1, $2, $3, $4, 'published'
		FROM (SELECT id, title FROM courses ORDER BY id LIMIT 1) c, generate_series(1, $5)
		RETURNING id`, begins, begins.Add(3*time.Hour), begins.AddDate(0, 0, -3), rushCapacity, sessions)
	must(b, err)
	for rows.Next() {
		var id int64
		must(b, rows.Scan(&id))
		w.sessions = append(w.sessions, id)
	}
	must(b, rows.Err())
	slices.Sort(w.sessions)

	rows, err = pool.Query(ctx, `
		INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
		SELECT 'rush' || g || '@example.org', 'Rush ' || g, 'Practitioner',
		       (SELECT id FROM agencies ORDER BY id LIMIT 1), '!', now()
		FROM generate_series(1, $1) g
		RETURNING id`, rushPeople)
	must(b, err)
	var ids []int64
	for rows.Next() {
		var id int64
		must(b, rows.Scan(&id))
		ids = append(ids, id)
	}
	must(b, rows.Err())
	slices.Sort(ids)

	// Person p books session p % sessions; of each session's people, every
	// other one would rather wait than be told it is full.
	site, _ := url.Parse(w.base)
	for p, id := range ids {
		token, sess, err := accounts.StartLogin(ctx, &id, "127.0.0.1", "rush-benchmark")
		must(b, err)
		jar, err := cookiejar.New(nil)
		must(b, err)
		jar.SetCookies(site, []*http.Cookie{{Name: "session", Value: token, Path: "/"}})
		tr := &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}
		b.Cleanup(tr.CloseIdleConnections)
		w.people = append(w.people, rusher{
			userID: id, session: w.sessions[p%sessions], wait: (p/sessions)%2 == 0, csrf: sess.CSRF,
			http: &http.Client{
				Jar: jar, Transport: tr, Timeout: 2 * time.Minute,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			},
		})
	}
	w.warmUp(b)
	return w
}

// warmUp has every person open their account page, which proves they are
// signed in and leaves each browser with an open connection, as a person
// who has just read the course page has.
func (w *rushWorld) warmUp(b *testing.B) {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(w.people))
	todo := make(chan rusher)
	for range 20 {
		wg.Go(func() {
			for p := range todo {
				resp, err := p.http.Get(w.base + "/account")
				if err != nil {
					errs <- err
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("user %d: /account answered %d: not signed in", p.userID, resp.StatusCode)
				}
			}
		})
	}
	for _, p := range w.people {
		todo <- p
	}
	close(todo)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatalf("warm up: %v", err)
	}
}

// reset empties the sessions: deleting their bookings gives the places
// back through the trigger. The emails and their jobs go too, so that each
// rush's check counts its own.
func (w *rushWorld) reset(b *testing.B) {
	b.Helper()
	for _, sql := range []string{
		"DELETE FROM bookings WHERE session_id = ANY($1)",
		"DELETE FROM river_job WHERE kind = 'email_deliver' AND $1::bigint[] IS NOT NULL",
		"DELETE FROM emails WHERE $1::bigint[] IS NOT NULL",
	} {
		if _, err := w.pool.Exec(w.ctx, sql, w.sessions); err != nil {
			b.Fatalf("reset: %s: %v", sql, err)
		}
	}
	var taken int
	if err := w.pool.QueryRow(w.ctx, "SELECT coalesce(sum(seats_taken), 0) FROM sessions WHERE id = ANY($1)", w.sessions).Scan(&taken); err != nil || taken != 0 {
		b.Fatalf("reset left %d places taken (%v)", taken, err)
	}
}

// rush readies every request, releases them together, and returns each
// answer and the time from release to the last answer. The timer runs only
// for that.
func (w *rushWorld) rush(b *testing.B) ([]answer, time.Duration) {
	b.Helper()
	answers := make([]answer, len(w.people))
	gate := make(chan struct{})
	var ready, done sync.WaitGroup
	for i, p := range w.people {
		form := url.Values{
			"_csrf":                       {p.csrf},
			booking.FieldAccessNeeds:      {""},
			booking.FieldDietaryNeeds:     {""},
			booking.FieldLineManagerName:  {"Lee Manager"},
			booking.FieldLineManagerEmail: {"lee@example.org"},
			booking.FieldAgreePolicy:      {"yes"},
		}
		if p.wait {
			form.Set("join-waiting-list", "yes")
		}
		req, err := http.NewRequest(http.MethodPost, w.base+"/sessions/"+strconv.FormatInt(p.session, 10)+"/book", strings.NewReader(form.Encode()))
		must(b, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		ready.Add(1)
		done.Go(func() {
			ready.Done()
			<-gate
			began := time.Now()
			resp, err := p.http.Do(req)
			if err != nil {
				answers[i] = answer{err: err, took: time.Since(began)}
				return
			}
			_, err = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			answers[i] = answer{status: resp.StatusCode, location: resp.Header.Get("Location"), took: time.Since(began), err: err}
		})
	}
	ready.Wait()
	b.StartTimer()
	began := time.Now()
	close(gate)
	done.Wait()
	took := time.Since(began)
	b.StopTimer()
	return answers, took
}

var bookingPath = regexp.MustCompile(`^/bookings/(\d+)(?:\?.*)?$`)

// check fails the benchmark unless the rush came out right: every request
// answered 303 to its own new booking or 409 (full, and not waiting); no
// session over-filled or miscounted; every place taken; the waiting list
// holds only those who asked; one email per booking.
func (w *rushWorld) check(b *testing.B, answers []answer) {
	b.Helper()
	made := map[int64]rusher{} // booking id → whose
	refused := 0
	for i, a := range answers {
		p := w.people[i]
		switch {
		case a.err != nil:
			b.Fatalf("user %d: %v", p.userID, a.err)
		case a.status == http.StatusSeeOther:
			m := bookingPath.FindStringSubmatch(strings.TrimPrefix(a.location, w.base))
			if m == nil {
				b.Fatalf("user %d: redirected to %q, not a booking", p.userID, a.location)
			}
			id, _ := strconv.ParseInt(m[1], 10, 64)
			if _, dup := made[id]; dup {
				b.Fatalf("booking %d was given to two people", id)
			}
			made[id] = p
		case a.status == http.StatusConflict && !p.wait:
			refused++
		default:
			b.Fatalf("user %d (waiting list: %v): status %d", p.userID, p.wait, a.status)
		}
	}

	perSession := len(w.people) / len(w.sessions)
	rows, err := w.pool.Query(w.ctx, `
		SELECT s.id, s.capacity, s.seats_taken,
		       count(bk.id) FILTER (WHERE bk.status IN ('offered', 'confirmed')),
		       count(bk.id) FILTER (WHERE bk.status = 'confirmed')
		FROM sessions s LEFT JOIN bookings bk ON bk.session_id = s.id
		WHERE s.id = ANY($1) GROUP BY s.id`, w.sessions)
	must(b, err)
	for rows.Next() {
		var id int64
		var capacity, taken, held, confirmed int
		must(b, rows.Scan(&id, &capacity, &taken, &held, &confirmed))
		if taken > capacity || taken != held {
			b.Fatalf("session %d over-filled or miscounted: %d places taken of %d, %d held by bookings", id, taken, capacity, held)
		}
		if want := min(capacity, perSession); confirmed != want {
			b.Fatalf("session %d: %d confirmed, want %d", id, confirmed, want)
		}
	}
	must(b, rows.Err())

	rows, err = w.pool.Query(w.ctx, `
		SELECT id, user_id, session_id, status FROM bookings
		WHERE session_id = ANY($1) AND status IN ('waiting', 'offered', 'confirmed')`, w.sessions)
	must(b, err)
	live := 0
	for rows.Next() {
		var id, user, session int64
		var status booking.Status
		must(b, rows.Scan(&id, &user, &session, &status))
		live++
		p, ok := made[id]
		switch {
		case !ok:
			b.Fatalf("booking %d (user %d) was made, but nobody was sent to it", id, user)
		case p.userID != user || p.session != session:
			b.Fatalf("booking %d is user %d on session %d, but user %d on session %d was sent to it", id, user, session, p.userID, p.session)
		case status == booking.Waiting && !p.wait:
			b.Fatalf("user %d is on the waiting list without asking", user)
		}
	}
	must(b, rows.Err())
	if live != len(made) || live+refused != len(w.people) {
		b.Fatalf("%d live bookings, %d redirects to bookings, %d refused, of %d people", live, len(made), refused, len(w.people))
	}
	var emails int
	must(b, w.pool.QueryRow(w.ctx, "SELECT count(*) FROM emails").Scan(&emails))
	if emails != live {
		b.Fatalf("%d bookings but %d emails", live, emails)
	}
}

// percentile is the nearest-rank percentile of sorted, in milliseconds.
func percentile(sorted []time.Duration, p int) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p+99)/100 - 1
	return float64(sorted[max(i, 0)]) / float64(time.Millisecond)
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
