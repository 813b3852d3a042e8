package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v76"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/smtptest"
	"github.com/pscp/booktraining/internal/stripetest"
)

// The proof under faults: two app processes, the real binary, on one
// database; hundreds of things fall due at once (waiting-list offers
// expiring, held places lapsing with their Stripe checkouts to close,
// reminders, refunds, and the emails all of that writes); one process is
// killed with SIGKILL in the middle of its work.
// Afterwards every due thing was done exactly once, every email was sent,
// every job finished (the dead process's jobs rescued and run by the
// other), and no safety-net sweep ever ran twice at once.
//
// The state is made from this process with the domain services and an
// insert-only River client, so every job is inserted exactly as the product
// inserts it; the two servers only work them.
func TestTwoProcessesOneKilledEverythingDoneOnce(t *testing.T) {
	t.Parallel()
	bin := buildServer(t)
	pool, dbURL := pgtest.NewWithURL(t)
	smtp := smtptest.Start(t)
	stripeAPI := newStripeProxy(t, stripetest.Start(t))
	ctx := context.Background()

	// Everything falls due at once, before most of the setup's own emails
	// (which River works in order of their time), and before the servers
	// start.
	began := time.Now()
	due := began.Add(2 * time.Second)
	w := makeWorkload(t, ctx, pool, due, stripeAPI.URL)
	t.Logf("made the work due in %s", time.Since(began).Round(time.Millisecond))

	// Half the offer sessions are locked, as a long booking transaction
	// would lock them, so that their offers' expiry jobs wait for the lock
	// once started: ten jobs, five for each process (five workers each).
	// With every worker of both processes inside such a job, the kill
	// lands in the middle of work, for certain.
	locked := w.offerSessions[:10]
	lock, err := pool.Begin(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = lock.Rollback(context.Background()) })
	_, err = lock.Exec(ctx, "SELECT id FROM sessions WHERE id = ANY($1) FOR UPDATE", locked)
	require.NoError(t, err)

	// The first process is elected leader (it inserts the periodic
	// sweeps) before the second starts; it is the one killed, so the kill
	// also tests that another takes over the sweeps.
	start := func() *serverProcess {
		p, err := startServerWith(t, bin, dbURL, "SMTP_URL="+smtp.URL(), "LOG_FORMAT=json",
			"STRIPE_SECRET_KEY="+stripetest.Key, "STRIPE_WEBHOOK_SECRET="+faultWebhookSecret, "STRIPE_API_URL="+stripeAPI.URL)
		require.NoError(t, err)
		return p
	}
	victim := start()
	var leader string
	require.Eventually(t, func() bool {
		return pool.QueryRow(ctx, "SELECT leader_id FROM river_leader").Scan(&leader) == nil
	}, 30*time.Second, 50*time.Millisecond, "a leader is elected")
	survivor := start()
	procs := []*serverProcess{victim, survivor}
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range procs {
				t.Logf("server %d's log (last 6,000 bytes):\n%s", p.pid, tail(p.logs.String(), 6000))
			}
		}
	})

	// Wait until every worker of both is inside a locked session's job.
	blocked := func() int {
		return count(t, pool, `SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'running' AND (args->>'session_id')::bigint = ANY($2)`,
			booking.KindOfferExpiry, locked)
	}
	require.Eventually(t, func() bool { return blocked() == len(locked) }, 60*time.Second, 20*time.Millisecond,
		"both processes' workers are in the locked sessions' jobs")
	// The killed process is the first leader: its River client's id.
	doneByVictim := count(t, pool, `SELECT count(*) FROM river_job WHERE state = 'completed' AND attempted_by[array_length(attempted_by, 1)] = $1`, leader)
	doneBySurvivor := count(t, pool, `SELECT count(*) FROM river_job WHERE state = 'completed' AND attempted_by[array_length(attempted_by, 1)] <> $1`, leader)
	unfinished := count(t, pool, `SELECT count(*) FROM river_job WHERE finalized_at IS NULL AND scheduled_at <= now()`)
	require.NoError(t, victim.cmd.Process.Signal(syscall.SIGKILL))
	<-victim.exited
	killedAt := time.Now()
	require.NoError(t, lock.Rollback(ctx))
	t.Logf("killed server %d %s after the work fell due: it had done %d jobs, the other %d; %d jobs due were unfinished",
		victim.pid, killedAt.Sub(due).Round(time.Millisecond), doneByVictim, doneBySurvivor, unfinished)
	assert.Positive(t, doneByVictim, "the killed process did work before it died")
	assert.Positive(t, doneBySurvivor, "the other process did work before the kill")
	assert.Greater(t, unfinished, len(locked), "work was left for the survivor")

	// The dead process's jobs stay running until the rescuer, on whichever
	// process leads, takes them for stranded (queue.RescueStuckJobsAfter).
	// The killed process was the first leader: its River client's id is
	// the leader's.
	victimClient := leader
	stranded := strandedJobs(t, pool, victimClient)
	heldByVictim := 0
	for _, s := range stranded {
		if s.kind == booking.KindOfferExpiry {
			heldByVictim++
		}
	}
	// Its five workers were each inside a locked session's job. (It may
	// also leave a job it finished whose completion River had not yet
	// recorded: that job is stranded too, and runs again below.)
	inLocked := count(t, pool, `SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'running'
		AND attempted_by[array_length(attempted_by, 1)] = $2 AND (args->>'session_id')::bigint = ANY($3)`,
		booking.KindOfferExpiry, victimClient, locked)
	assert.Equal(t, len(locked)/2, inLocked, "the killed process died in the middle of five offer expiry jobs")

	// Wait for everything: every email sent, every job due finished, every
	// due thing done. A job stranded at the kill is rescued within
	// RescueStuckJobsAfter plus the rescuer's 30 s interval.
	unfinishedJobs := `FROM river_job WHERE kind NOT IN ('sweep', 'retention_run') AND state <> 'completed'
		AND NOT (state = 'scheduled' AND scheduled_at > now())`
	ok := assert.Eventually(t, func() bool {
		return w.done(t, pool) && count(t, pool, `SELECT count(*) FROM emails WHERE sent_at IS NULL`) == 0 &&
			count(t, pool, "SELECT count(*) "+unfinishedJobs) == 0
	}, 3*time.Minute, 500*time.Millisecond, "everything due is done and sent")
	if ok {
		t.Logf("all done %s after the kill", time.Since(killedAt).Round(time.Second))
	} else {
		t.Logf("jobs not completed: %v", rows(t, pool, "SELECT kind || ' ' || state || ' ×' || count(*) "+unfinishedJobs+" GROUP BY kind, state ORDER BY 1"))
	}
	require.NoError(t, survivor.alive(), "the survivor keeps running")

	// Each due thing was done once: the outcomes, and one email each.
	w.check(t, pool, stripeAPI)
	dupes := rows(t, pool, `SELECT user_id || ' ' || subject || ' ×' || count(*) FROM emails
		GROUP BY user_id, subject HAVING count(*) > 1`)
	assert.Empty(t, dupes, "an email written twice for one cause")

	// Every job finished; the stranded ones on a later attempt, by the survivor.
	for _, s := range stranded {
		var state string
		var attempt int
		var by []string
		require.NoError(t, pool.QueryRow(ctx, `SELECT state, attempt, attempted_by FROM river_job WHERE id = $1`, s.id).
			Scan(&state, &attempt, &by))
		assert.Equal(t, "completed", state, "stranded job %d (%s)", s.id, s.kind)
		assert.GreaterOrEqual(t, attempt, 2, "stranded job %d was run again", s.id)
		assert.NotEqual(t, victimClient, by[len(by)-1], "stranded job %d was finished by the survivor", s.id)
	}
	t.Logf("%d jobs were stranded by the kill (%d offer expiries) and finished by the survivor", len(stranded), heldByVictim)

	// Every email arrived, and once, but for those the killed process was
	// sending at the kill. Deliveries have a queue of their own, so its
	// email workers were busy when it died: a message the mail server took
	// but whose delivery the killed process never recorded is sent again by
	// the survivor once the claim runs out, under the same Message-ID
	// (receivers fold such copies into one). That is SMTP's limit, not a
	// lost rule: no more copies than the killed process had workers
	// sending, and never more than two. (A job it had finished but River
	// had not yet recorded runs again and finds its email sent.)
	arrived := map[int64]int{}
	messageID := regexp.MustCompile(`^<email-(\d+)\.`)
	for _, m := range smtp.Messages() {
		id := messageID.FindStringSubmatch(m.Header.Get("Message-Id"))
		require.NotNil(t, id, "message without our Message-ID: %q", m.Header.Get("Message-Id"))
		n, _ := strconv.ParseInt(id[1], 10, 64)
		arrived[n]++
	}
	assert.Len(t, arrived, count(t, pool, "SELECT count(*) FROM emails"), "every email arrived")
	twice := 0
	for id, n := range arrived {
		assert.LessOrEqual(t, n, 2, "email %d arrived %d times", id, n)
		if n > 1 {
			twice++
		}
	}
	t.Logf("%d emails were being sent by the killed process and were sent again by the survivor", twice)
	assert.LessOrEqual(t, twice, email.DeliveryWorkers, "more emails sent twice than the killed process was sending")

	// Safety-net sweeps: the survivor took over as leader, and ran each
	// sweep after the kill (its own RunOnStart's, or the first leader's
	// still waiting: a sweep is inserted only when none waits or runs);
	// never two runs of one sweep at once; the killed process's unfinished
	// run, if any, ended when it was killed.
	var newLeader string
	require.NoError(t, pool.QueryRow(ctx, "SELECT leader_id FROM river_leader").Scan(&newLeader))
	assert.NotEqual(t, leader, newLeader, "the survivor leads")
	sweeps := rows(t, pool, "SELECT DISTINCT sweep FROM sweep_runs ORDER BY 1")
	require.NotEmpty(t, sweeps, "the sweeps ran")
	assert.Equal(t, sweeps, rows(t, pool, `SELECT DISTINCT sweep FROM sweep_runs WHERE started_at > $1 AND process LIKE '%:' || $2 ORDER BY 1`,
		killedAt, strconv.Itoa(survivor.pid)), "the survivor ran every sweep after the kill")
	runs := checkSweepRuns(t, pool, fmt.Sprintf(":%d", victim.pid), killedAt)
	t.Logf("sweeps %v: %d runs, none overlapping", sweeps, runs)
}

// buildServer builds this command once for the test, with the race
// detector when the test has it (so the build reuses the test's packages).
func buildServer(t testing.TB) string {
	t.Helper()
	return buildServerWith(t, raceBuild)
}

func buildServerWith(t testing.TB, race bool) string {
	t.Helper()
	goTool, err := exec.LookPath("go") // on PATH under make test (go run ./cmd/withpg -- go test)
	require.NoError(t, err, "the go command builds the server")
	bin := filepath.Join(t.TempDir(), "server")
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	} else {
		args = append(args, "-trimpath") // as make build
	}
	cmd := exec.Command(goTool, append(args, ".")...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// serverProcess is one app process started from the binary.
type serverProcess struct {
	cmd    *exec.Cmd
	pid    int
	port   string
	logs   *logBuffer
	exited chan struct{}
	err    error // set when exited closes
}

// startServerWith starts the binary on dbURL with env added to the
// essentials, and waits until it is ready.
func startServerWith(t testing.TB, bin, dbURL string, env ...string) (*serverProcess, error) {
	port := freePort(t)
	cmd := exec.Command(bin)
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"DATABASE_URL=" + dbURL,
		"PORT=" + port,
		"BASE_URL=http://localhost:" + port,
		"DEMO_DATA=false",
		"EMAIL_FROM=Book safeguarding training <training@example.org>",
		"GORACE=halt_on_error=1", // a race in the server ends it, and the test
	}, env...)
	p := &serverProcess{cmd: cmd, port: port, logs: &logBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p.pid = cmd.Process.Pid
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	ready := time.After(90 * time.Second)
	for {
		resp, err := http.Get("http://127.0.0.1:" + port + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		select {
		case <-p.exited:
			return p, fmt.Errorf("server exited before serving (%v):\n%s", p.err, p.logs)
		case <-ready:
			return p, fmt.Errorf("server not ready in 90 s:\n%s", p.logs)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop ends the process (SIGTERM, then SIGKILL after 20 s) and waits
// for it; the cleanup then finds it gone.
func (p *serverProcess) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// alive reports an error if the process has exited.
func (p *serverProcess) alive() error {
	select {
	case <-p.exited:
		return fmt.Errorf("server %d exited: %v", p.pid, p.err)
	default:
		return nil
	}
}

type strandedJob struct {
	id   int64
	kind string
}

// strandedJobs are the jobs the River client by (of a process now dead)
// left running.
func strandedJobs(t *testing.T, pool *pgxpool.Pool, by string) []strandedJob {
	t.Helper()
	rs, err := pool.Query(context.Background(), `
		SELECT id, kind FROM river_job WHERE state = 'running' AND attempted_by[array_length(attempted_by, 1)] = $1 ORDER BY id`, by)
	require.NoError(t, err)
	defer rs.Close()
	var out []strandedJob
	for rs.Next() {
		var s strandedJob
		require.NoError(t, rs.Scan(&s.id, &s.kind))
		out = append(out, s)
	}
	require.NoError(t, rs.Err())
	return out
}

// checkSweepRuns asserts that no two runs of one sweep overlapped. A run
// left unfinished by the killed process (its process name ends with
// victim) ended at the kill; one unfinished otherwise is still going.
func checkSweepRuns(t *testing.T, pool *pgxpool.Pool, victim string, killedAt time.Time) (runs int) {
	t.Helper()
	rs, err := pool.Query(context.Background(), `
		SELECT sweep, process, started_at, finished_at FROM sweep_runs ORDER BY sweep, started_at, id`)
	require.NoError(t, err)
	defer rs.Close()
	lastEnd := map[string]time.Time{}
	for rs.Next() {
		var sweep, process string
		var started time.Time
		var finished *time.Time
		require.NoError(t, rs.Scan(&sweep, &process, &started, &finished))
		runs++
		if prev, ok := lastEnd[sweep]; ok {
			assert.False(t, started.Before(prev), "sweep %s: a run by %s started at %s, before the one before it ended (%s)",
				sweep, process, started, prev)
		}
		switch {
		case finished != nil:
			lastEnd[sweep] = *finished
		case strings.HasSuffix(process, victim):
			assert.True(t, started.Before(killedAt), "sweep %s: the killed process started a run after its death", sweep)
			lastEnd[sweep] = killedAt
		default:
			lastEnd[sweep] = time.Now().Add(time.Hour) // running now: nothing may follow it
		}
	}
	require.NoError(t, rs.Err())
	return runs
}

func count(t testing.TB, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

func rows(t testing.TB, pool *pgxpool.Pool, sql string, args ...any) []string {
	t.Helper()
	rs, err := pool.Query(context.Background(), sql, args...)
	require.NoError(t, err)
	defer rs.Close()
	var out []string
	for rs.Next() {
		var s string
		require.NoError(t, rs.Scan(&s))
		out = append(out, s)
	}
	require.NoError(t, rs.Err())
	return out
}

func keysOf(m map[string]int) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// fixedClock is the setup's clock: each part of the workload is made at the
// time that makes it fall due at the same moment.
type fixedClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fixedClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fixedClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// The workload's size.
const (
	offerSessions   = 20 // each with offerPlaces offers expiring at once
	offerPlaces     = 10
	reminderSession = 5 // each with reminderPeople reminders due
	reminderPeople  = 20
	holdSessions    = 5 // each with holdPlaces held places lapsing
	holdPlaces      = 20
	refundSessions  = 2 // each with refundPlaces paid places given up, to refund
	refundPlaces    = 25
)

// faultWebhookSecret signs the Stripe events the test sends.
const faultWebhookSecret = "whsec_fault_test"

// workload is what was made due, by person.
type workload struct {
	offerSessions []int64
	expiring      []int64 // bookings whose offer expires at due
	nextUp        []int64 // bookings waiting behind them, offered the places next
	reminded      []int64 // confirmed bookings whose reminder is due
	held          []int64 // held paid places lapsing at due
	closing       []int64 // of their card payments, those whose Stripe checkout is closed when they lapse
	refunds       []int64 // card payments of places given up, to refund
}

// makeWorkload makes everything fall due at due, through the domain
// services (as the app would, at the times it would), with an insert-only
// job client.
func makeWorkload(t *testing.T, ctx context.Context, pool *pgxpool.Pool, due time.Time, stripeURL string) *workload {
	t.Helper()
	_, err := demo.Seed(ctx, pool, time.Now())
	require.NoError(t, err)
	jobs, err := queue.NewInsertOnly(pool)
	require.NoError(t, err)
	base, _ := url.Parse("http://localhost:3000")
	clock := &fixedClock{}
	outbox := email.NewOutbox(jobs)
	svc := booking.New(pool, outbox, base, "Test Partnership", clock.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	svc.OfferWindow = time.Hour
	svc.PaymentHold = 30 * time.Minute
	pay := payment.New(pool, payment.NewStripeGateway(stripetest.Key, stripeURL, &http.Client{Timeout: 30 * time.Second}),
		faultWebhookSecret, clock.Now)
	pay.Jobs = outbox
	pay.Handle(stripe.EventTypeCheckoutSessionCompleted, pay.CheckoutCompleted)
	pay.Bookings, svc.Money = svc, pay

	var free, paying, freeCourse, paidCourse, room int64
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO agencies (name, sector, charging_band) VALUES ('Fault Partner Agency', 'health', 'partner') RETURNING id`).Scan(&free))
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO agencies (name, sector, charging_band) VALUES ('Fault Private Nursery', 'private_independent', 'non_contributing') RETURNING id`).Scan(&paying))
	require.NoError(t, pool.QueryRow(ctx, `SELECT id FROM courses ORDER BY id LIMIT 1`).Scan(&freeCourse))
	require.NoError(t, pool.QueryRow(ctx, `SELECT id FROM courses ORDER BY id OFFSET 1 LIMIT 1`).Scan(&paidCourse))
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO venues (name, address_line1, town, postcode, capacity)
		VALUES ('Fault Test Hall', '1 High Street', 'Portsmouth', 'PO1 2AB', 40) RETURNING id`).Scan(&room))
	_, err = pool.Exec(ctx, `DELETE FROM course_prices WHERE course_id = $1`, freeCourse)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO course_prices (course_id, charging_band, amount_pence) VALUES ($1, 'non_contributing', 8000)
		ON CONFLICT (course_id, partnership_id, charging_band) DO UPDATE SET amount_pence = 8000`, paidCourse)
	require.NoError(t, err)

	made := 0
	session := func(course int64, starts time.Time, capacity int) int64 {
		starts = starts.Add(time.Duration(made) * 4 * time.Hour) // one room: no two at once
		made++
		var id int64
		require.NoError(t, pool.QueryRow(ctx, `
			INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
			SELECT c.id, c.title, $2, $3, $4, $5, $6, 'published' FROM courses c WHERE c.id = $1 RETURNING id`,
			course, room, starts, starts.Add(3*time.Hour), starts.Add(-3*24*time.Hour), capacity).Scan(&id))
		return id
	}
	people := func(prefix string, n int, agency int64) []actor.Actor {
		ids := make([]actor.Actor, 0, n)
		rs, err := pool.Query(ctx, `
			INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
			SELECT $1 || g || '@example.org', 'Person ' || $1 || g, $3, '!', now() FROM generate_series(1, $2) g
			RETURNING id`, prefix, n, agency)
		require.NoError(t, err)
		defer rs.Close()
		for rs.Next() {
			var id int64
			require.NoError(t, rs.Scan(&id))
			ids = append(ids, actor.Actor{ID: id, AgencyID: &agency})
		}
		require.NoError(t, rs.Err())
		return ids
	}
	book := func(who actor.Actor, session int64, wait bool) booking.Outcome {
		out, err := bookPlace(ctx, svc, who, session, wait)
		require.NoError(t, err)
		return out
	}
	w := &workload{}

	// Reminders: places confirmed five days before, on sessions two days
	// after due, so each one's three-day reminder is due.
	clock.Set(due.Add(-5 * 24 * time.Hour))
	for i := range reminderSession {
		s := session(freeCourse, due.Add(2*24*time.Hour), reminderPeople)
		for _, p := range people(fmt.Sprintf("reminded%d-", i), reminderPeople, free) {
			out := book(p, s, false)
			require.Equal(t, booking.Confirmed, out.Status)
			w.reminded = append(w.reminded, out.BookingID)
		}
	}

	// Held places: paid places booked, and every other one's Stripe
	// checkout opened, so that each hold ends at due (a checkout holds the
	// place for as long as Stripe's page stays open, 31 minutes).
	clock.Set(due.Add(-31 * time.Minute))
	svc.PaymentHold = 31 * time.Minute
	for i := range holdSessions {
		s := session(paidCourse, due.Add(30*24*time.Hour), holdPlaces)
		for j, p := range people(fmt.Sprintf("held%d-", i), holdPlaces, paying) {
			out := book(p, s, false)
			require.Equal(t, booking.Held, out.Status)
			w.held = append(w.held, out.BookingID)
			if j%2 == 0 {
				_, err := pay.PayByCard(actor.With(ctx, p), out.BookingID)
				require.NoError(t, err)
				w.closing = append(w.closing, paymentOf(t, pool, out.BookingID))
			}
		}
	}
	svc.PaymentHold = 30 * time.Minute
	require.Equal(t, holdSessions*holdPlaces, count(t, pool, "SELECT count(*) FROM bookings WHERE status = 'held' AND hold_expires_at = $1", due),
		"the holds end at due")

	// Refunds: paid places, paid by card (Stripe's webhook), then given up
	// before the cut-off, so each payment is to be refunded in full.
	clock.Set(due.Add(-2 * time.Hour))
	for i := range refundSessions {
		s := session(paidCourse, due.Add(30*24*time.Hour), refundPlaces)
		for j, p := range people(fmt.Sprintf("refunded%d-", i), refundPlaces, paying) {
			out := book(p, s, false)
			require.Equal(t, booking.Held, out.Status)
			_, err := pay.PayByCard(actor.With(ctx, p), out.BookingID)
			require.NoError(t, err)
			id := paymentOf(t, pool, out.BookingID)
			var cs string
			require.NoError(t, pool.QueryRow(ctx, "SELECT checkout_session_id FROM payments WHERE id = $1", id).Scan(&cs))
			body, sig := stripetest.Event(faultWebhookSecret, fmt.Sprintf("evt_fault_%d_%d", i, j), stripe.EventTypeCheckoutSessionCompleted,
				map[string]any{"id": cs, "object": "checkout.session", "payment_status": "paid", "status": "complete",
					"payment_intent": fmt.Sprintf("pi_fault_%d", id)}, time.Now()) // signed now: the signature's age is checked
			ev, err := pay.Verify(body, sig)
			require.NoError(t, err)
			require.NoError(t, pay.Dispatch(ctx, ev))
			cancelled, err := svc.Cancel(actor.With(ctx, p), out.BookingID)
			require.NoError(t, err)
			require.Positive(t, cancelled.Refund, "a paid place given up in time is refunded")
			w.refunds = append(w.refunds, id)
		}
	}

	// Offers: full sessions with twice their places waiting; everyone with
	// a place gives it up an offer window before due, so the first in line
	// are offered places that expire at due.
	clock.Set(due.Add(-svc.OfferWindow))
	results := make([]offered, offerSessions)
	failures := make([]error, offerSessions)
	var wg sync.WaitGroup
	for i := range offerSessions {
		s := session(freeCourse, due.Add(30*24*time.Hour), offerPlaces)
		holders := people(fmt.Sprintf("holder%d-", i), offerPlaces, free)
		waiters := people(fmt.Sprintf("waiter%d-", i), 2*offerPlaces, free)
		wg.Go(func() { results[i], failures[i] = offerAndWait(ctx, svc, s, holders, waiters) })
	}
	wg.Wait()
	require.NoError(t, errors.Join(failures...))
	for _, r := range results {
		w.offerSessions = append(w.offerSessions, r.session)
		w.expiring = append(w.expiring, r.expiring...)
		w.nextUp = append(w.nextUp, r.nextUp...)
	}
	require.Equal(t, offerSessions*offerPlaces, count(t, pool,
		"SELECT count(*) FROM bookings WHERE status = 'offered' AND offer_expires_at = $1", due), "the offers expire at due")
	return w
}

// paymentOf is the latest payment of booking id.
func paymentOf(t *testing.T, pool *pgxpool.Pool, booking int64) int64 {
	t.Helper()
	return int64(count(t, pool, "SELECT id FROM payments WHERE booking_id = $1 ORDER BY id DESC LIMIT 1", booking))
}

func bookPlace(ctx context.Context, svc *booking.Service, who actor.Actor, session int64, wait bool) (booking.Outcome, error) {
	return svc.Book(actor.With(ctx, who), booking.Request{SessionID: session, PersonID: who.ID, JoinWaitingList: wait,
		Details: booking.Details{LineManagerName: "Lee Manager", LineManagerEmail: "lee@example.org", AgreePolicy: true}})
}

// offerAndWait fills session with holders, puts waiters on its waiting
// list, then cancels every holder's place, so the first len(holders)
// waiting are offered places; it returns those and the rest waiting.
// offered is one session of offers expiring: the bookings offered places,
// and those behind them on the waiting list.
type offered struct {
	session          int64
	expiring, nextUp []int64
}

func offerAndWait(ctx context.Context, svc *booking.Service, session int64, holders, waiters []actor.Actor) (out offered, err error) {
	out.session = session
	var booked, waiting []int64
	for _, p := range holders {
		b, err := bookPlace(ctx, svc, p, session, false)
		if err != nil || b.Status != booking.Confirmed {
			return out, fmt.Errorf("book %d: %v %v", p.ID, b.Status, err)
		}
		booked = append(booked, b.BookingID)
	}
	for _, p := range waiters {
		b, err := bookPlace(ctx, svc, p, session, true)
		if err != nil || b.Status != booking.Waiting {
			return out, fmt.Errorf("wait %d: %v %v", p.ID, b.Status, err)
		}
		waiting = append(waiting, b.BookingID)
	}
	for j, id := range booked {
		if _, err := svc.Cancel(actor.With(ctx, holders[j]), id); err != nil {
			return out, fmt.Errorf("cancel %d: %w", id, err)
		}
	}
	out.expiring, out.nextUp = waiting[:len(holders)], waiting[len(holders):]
	return out, nil
}

// done reports whether every due thing has happened.
func (w *workload) done(t *testing.T, pool *pgxpool.Pool) bool {
	return count(t, pool, `SELECT count(*) FROM bookings WHERE id = ANY($1) AND status = 'expired'`, w.expiring) == len(w.expiring) &&
		count(t, pool, `SELECT count(*) FROM bookings WHERE id = ANY($1) AND status = 'offered'`, w.nextUp) == len(w.nextUp) &&
		count(t, pool, `SELECT count(DISTINCT booking_id) FROM booking_reminders WHERE booking_id = ANY($1)`, w.reminded) == len(w.reminded) &&
		count(t, pool, `SELECT count(*) FROM bookings WHERE id = ANY($1) AND status = 'lapsed'`, w.held) == len(w.held) &&
		count(t, pool, `SELECT count(*) FROM payments WHERE id = ANY($1) AND checkout_closed_at IS NOT NULL`, w.closing) == len(w.closing) &&
		count(t, pool, `SELECT count(*) FROM payments WHERE id = ANY($1) AND status = 'refunded'`, w.refunds) == len(w.refunds)
}

// check asserts that each due thing was done once: its state changed, and
// exactly one email told its person.
func (w *workload) check(t *testing.T, pool *pgxpool.Pool, stripeAPI *stripeProxy) {
	t.Helper()
	// Stripe was asked once for each refund and each closing, by its key
	// (a retry after a crash asks again with the same key, and Stripe
	// answers it with its first answer).
	refundKeys, closeKeys := map[string]bool{}, map[string]bool{}
	for _, id := range w.refunds {
		refundKeys[payment.RefundKey(id)] = true
	}
	for _, id := range w.closing {
		closeKeys[payment.ExpireKey(id)] = true
	}
	assert.Equal(t, refundKeys, keysOf(stripeAPI.calls(http.MethodPost, "/v1/refunds", "")), "one refund asked for each payment")
	assert.Equal(t, closeKeys, keysOf(stripeAPI.calls(http.MethodPost, "/v1/checkout/sessions/[^/]+/expire", "")), "each lapsed checkout closed")
	assert.Len(t, rows(t, pool, `SELECT DISTINCT refund_id FROM payments WHERE id = ANY($1)`, w.refunds), len(w.refunds))
	emailsEach := func(ids []int64, subject string) map[int]int {
		got := map[int]int{}
		rs := rows(t, pool, `
			SELECT count(e.id)::text FROM bookings b
			LEFT JOIN emails e ON e.user_id = b.user_id AND e.subject LIKE $2 || '%'
			WHERE b.id = ANY($1) GROUP BY b.id`, ids, subject)
		for _, r := range rs {
			n, _ := strconv.Atoi(r)
			got[n]++
		}
		return got
	}
	assert.Equal(t, map[int]int{1: len(w.expiring)}, emailsEach(w.expiring, "Your offer of a place has expired:"), "offer expired: one email each")
	assert.Equal(t, map[int]int{1: len(w.expiring)}, emailsEach(w.expiring, "A place is available for you:"), "the expired offer's own email, once")
	assert.Equal(t, map[int]int{1: len(w.nextUp)}, emailsEach(w.nextUp, "A place is available for you:"), "the place offered on: one email each")
	assert.Equal(t, map[int]int{1: len(w.reminded)}, emailsEach(w.reminded, "Reminder:"), "one reminder each")
	assert.Equal(t, map[int]int{1: len(w.held)}, emailsEach(w.held, "Your place was not paid for in time:"), "a lapsed hold: one email each")
	assert.Equal(t, len(w.expiring), count(t, pool, `SELECT count(*) FROM bookings WHERE id = ANY($1) AND status = 'expired'`, w.expiring))
	// No session over-filled or miscounted.
	assert.Zero(t, count(t, pool, `
		SELECT count(*) FROM sessions s WHERE s.seats_taken <> (SELECT count(*) FROM bookings b
			WHERE b.session_id = s.id AND b.status IN ('held', 'offered', 'confirmed')) OR s.seats_taken > s.capacity`))
}
