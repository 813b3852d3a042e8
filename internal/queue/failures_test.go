package queue_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/validation"
)

// refundArgs is a job that fails as a real one would: every attempt errors,
// or (Refuse) its worker refuses it for good, or (Succeed) it works.
type refundArgs struct {
	PaymentID int64 `json:"payment_id"`
	Refuse    bool  `json:"refuse"`
	Succeed   bool  `json:"succeed"`
}

func (refundArgs) Kind() string { return "test_refund" }

func (refundArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

type refundWorker struct {
	river.WorkerDefaults[refundArgs]
	mu   sync.Mutex
	runs int
}

func (w *refundWorker) Work(_ context.Context, job *river.Job[refundArgs]) error {
	w.mu.Lock()
	w.runs++
	w.mu.Unlock()
	switch {
	case job.Args.Succeed:
		return nil
	case job.Args.Refuse:
		return river.JobCancel(errors.New("stripe: charge already refunded (card of jo@example.org)"))
	}
	return errors.New("stripe: connection refused")
}

func (w *refundWorker) count() int { w.mu.Lock(); defer w.mu.Unlock(); return w.runs }

// otherArgs is a kind nobody describes.
type otherArgs struct {
	BookingID int64  `json:"booking_id"`
	Email     string `json:"email"`
}

func (otherArgs) Kind() string { return "test_other" }

func (otherArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

type otherWorker struct {
	river.WorkerDefaults[otherArgs]
}

func (otherWorker) Work(context.Context, *river.Job[otherArgs]) error {
	return errors.New("no such booking")
}

type failures struct {
	ctx     context.Context
	pool    *pgxpool.Pool
	client  *river.Client[pgx.Tx]
	worker  *refundWorker
	svc     *queue.Failures
	manager int64
}

func failuresSetup(t *testing.T) failures {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	w := &refundWorker{}
	client, err := queue.New(pool, nil, func(c *river.Config) error {
		c.FetchPollInterval = 20 * time.Millisecond
		c.FetchCooldown = 10 * time.Millisecond
		river.AddWorker(c.Workers, w)
		river.AddWorker(c.Workers, otherWorker{})
		river.AddWorker(c.Workers, lagWorker{})
		river.AddWorker(c.Workers, uniqueWorker{})
		return nil
	})
	require.NoError(t, err)
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = client.Stop(stop)
	})
	describe := map[string]queue.Describe{
		refundArgs{}.Kind(): func(_ context.Context, raw []byte) (queue.Subject, error) {
			var a refundArgs
			if err := json.Unmarshal(raw, &a); err != nil {
				return queue.Subject{}, err
			}
			return queue.Subject{What: "Refund of £45.00", Who: "Jo Bennett (jo@example.org)", Link: "/admin/bookings/1"}, nil
		},
	}
	var manager int64
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO users (email, full_name, password_hash, unlisted_agency_name) VALUES ('helen@example.org', 'Helen Carter', '!', 'Portsmouth City Council') RETURNING id`).Scan(&manager))
	return failures{ctx: ctx, pool: pool, client: client, worker: w, svc: queue.NewFailures(pool, client, describe, nil, nil), manager: manager}
}

// as is the test's context with the manager acting, from ip.
func (f failures) as(ip string) context.Context {
	return actor.With(f.ctx, actor.Actor{ID: f.manager, Manager: true, IP: ip})
}

// fail inserts a job and waits until River has finished with it.
func (f failures) fail(t *testing.T, args river.JobArgs) int64 {
	t.Helper()
	res, err := f.client.Insert(f.ctx, args, nil)
	require.NoError(t, err)
	f.waitFor(t, res.Job.ID, rivertype.JobStateDiscarded, rivertype.JobStateCancelled, rivertype.JobStateCompleted)
	return res.Job.ID
}

func (f failures) waitFor(t *testing.T, id int64, states ...rivertype.JobState) {
	t.Helper()
	require.Eventually(t, func() bool {
		j, err := f.client.JobGet(f.ctx, id)
		require.NoError(t, err)
		for _, s := range states {
			if j.State == s {
				return true
			}
		}
		return false
	}, 20*time.Second, 20*time.Millisecond, "job %d never reached %v", id, states)
}

func (f failures) audits(t *testing.T, action string, job int64) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM audit_events WHERE action = $1 AND actor_id = $2 AND (details->>'job_id')::bigint = $3`,
		action, f.manager, job).Scan(&n))
	return n
}

// A job whose attempts are exhausted, and one its worker refuses for good,
// wait on the Needs attention list (River keeps them), newest first, each
// described by its kind's Describe or, for a kind nobody describes, by its
// kind and ids only; jobs that worked or were cancelled without error do not.
func TestFailuresAreListedAndDescribed(t *testing.T) {
	t.Parallel()
	f := failuresSetup(t)
	exhausted := f.fail(t, refundArgs{PaymentID: 7})
	refused := f.fail(t, refundArgs{PaymentID: 8, Refuse: true})
	unknown := f.fail(t, otherArgs{BookingID: 42, Email: "sam@example.org"})
	f.fail(t, refundArgs{PaymentID: 9, Succeed: true})
	cancelled, err := f.client.Insert(f.ctx, refundArgs{PaymentID: 10}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	_, err = f.client.JobCancel(f.ctx, cancelled.Job.ID) // by hand, with no error
	require.NoError(t, err)

	list, total, err := f.svc.List(f.ctx, 50, 0)
	require.NoError(t, err)
	require.Equal(t, 3, total)
	require.Len(t, list, 3)
	n, err := f.svc.Count(f.ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, n)

	assert.Equal(t, []int64{unknown, refused, exhausted}, []int64{list[0].JobID, list[1].JobID, list[2].JobID}, "newest first")
	assert.Equal(t, queue.Subject{What: "Background task “test_other”", Who: "booking_id 42"}, list[0].Subject,
		"an unknown kind: its kind and ids, never its other values")
	assert.Equal(t, "no such booking", list[0].Error)

	assert.True(t, list[1].Refused)
	assert.Equal(t, "stripe: charge already refunded (card of jo@example.org)", list[1].Error, "River's prefix goes")
	assert.Equal(t, "Jo Bennett (jo@example.org)", list[1].Subject.Who)

	assert.False(t, list[2].Refused)
	assert.Equal(t, "Refund of £45.00", list[2].Subject.What)
	assert.Equal(t, "stripe: connection refused", list[2].Error)
	assert.Equal(t, 1, list[2].Attempts)
	assert.Equal(t, 1, list[2].MaxAttempts)
	assert.WithinDuration(t, time.Now(), list[2].FailedAt, time.Minute)

	page, total, err := f.svc.List(f.ctx, 2, 2)
	require.NoError(t, err)
	assert.Equal(t, 3, total)
	require.Len(t, page, 1)
	assert.Equal(t, exhausted, page[0].JobID)
}

// Trying again runs the job once more, audited in the same transaction; a
// second click on the same failure is refused, whatever became of the job.
func TestRetryRunsTheJobOnceMore(t *testing.T) {
	t.Parallel()
	f := failuresSetup(t)
	id := f.fail(t, refundArgs{PaymentID: 7})
	list, _, err := f.svc.List(f.ctx, 50, 0)
	require.NoError(t, err)
	require.Len(t, list, 1)
	seen := list[0].FailedAt

	// Only a signed-in person may act: the actor comes from the context.
	_, err = f.svc.Retry(f.ctx, id, seen)
	assert.ErrorIs(t, err, queue.ErrNobodyActing)
	_, err = f.svc.DealtWith(f.ctx, id, seen, "")
	assert.ErrorIs(t, err, queue.ErrNobodyActing)
	assert.Zero(t, f.audits(t, "job_retried", id))

	before := f.worker.count()
	got, err := f.svc.Retry(f.as("192.0.2.1"), id, seen)
	require.NoError(t, err)
	assert.Equal(t, "Refund of £45.00", got.Subject.What)
	assert.Equal(t, 1, f.audits(t, "job_retried", id))
	var ip string
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT host(ip) FROM audit_events WHERE action = 'job_retried' AND actor_id = $1`, f.manager).Scan(&ip))
	assert.Equal(t, "192.0.2.1", ip, "the actor's address")

	_, err = f.svc.Retry(f.as("192.0.2.1"), id, seen)
	assert.ErrorIs(t, err, queue.ErrAlreadyHandled, "a double click")
	_, err = f.svc.DealtWith(f.as("192.0.2.1"), id, seen, "")
	assert.ErrorIs(t, err, queue.ErrAlreadyHandled, "a second manager")

	// It runs again, and fails again: a new failure, which needs attention.
	require.Eventually(t, func() bool { return f.worker.count() == before+1 }, 20*time.Second, 20*time.Millisecond)
	f.waitFor(t, id, rivertype.JobStateDiscarded)
	list, _, err = f.svc.List(f.ctx, 50, 0)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.True(t, list[0].FailedAt.After(seen))
	_, err = f.svc.Retry(f.as(""), id, seen)
	assert.ErrorIs(t, err, queue.ErrAlreadyHandled, "the old failure's form")
	assert.Equal(t, 1, f.audits(t, "job_retried", id), "nothing more was audited")

	_, err = f.svc.Retry(f.as(""), 999999, seen)
	assert.ErrorIs(t, err, queue.ErrNoSuchJob)
}

// Marking a failure dealt with takes it off the list, records who and when,
// and audits the note; of two managers at once, one wins and the other is
// told it was done.
func TestDealtWithOnceOnly(t *testing.T) {
	t.Parallel()
	f := failuresSetup(t)
	id := f.fail(t, refundArgs{PaymentID: 7, Refuse: true})
	list, _, err := f.svc.List(f.ctx, 50, 0)
	require.NoError(t, err)
	require.Len(t, list, 1)
	seen := list[0].FailedAt

	_, err = f.svc.DealtWith(f.as(""), id, seen, strings.Repeat("a", queue.MaxNoteLength+1))
	var verr *validation.Errors
	require.ErrorAs(t, err, &verr)
	assert.Equal(t, "The note must be 500 characters or fewer", verr.Message("note"))

	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = f.svc.DealtWith(f.as("192.0.2.1"), id, seen, "Refunded by bank transfer")
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			assert.ErrorIs(t, err, queue.ErrAlreadyHandled)
		}
	}
	assert.Equal(t, 1, won)

	n, err := f.svc.Count(f.ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	var by int64
	var at time.Time
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT dealt_by, dealt_at FROM job_failures_dealt_with WHERE job_id = $1`, id).Scan(&by, &at))
	assert.Equal(t, f.manager, by)
	assert.WithinDuration(t, time.Now(), at, time.Minute)
	var note string
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT details->>'note' FROM audit_events WHERE action = 'job_dealt_with'`).Scan(&note))
	assert.Equal(t, "Refunded by bank transfer", note)
	assert.Equal(t, 1, f.audits(t, "job_dealt_with", id))

	j, err := f.client.JobGet(f.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, rivertype.JobStateCancelled, j.State, "the job itself stays until the retention schedule deletes it")
}

// lagArgs is a job only the lag test inserts: JobLag is shared by every
// test of the package.
type lagArgs struct{}

func (lagArgs) Kind() string { return "test_lag" }

type lagWorker struct{ river.WorkerDefaults[lagArgs] }

func (lagWorker) Work(context.Context, *river.Job[lagArgs]) error { return nil }

// Each job done is observed with its lag from due to done, by kind.
func TestJobLagIsObserved(t *testing.T) {
	t.Parallel()
	f := failuresSetup(t)
	// Due a second ago: its lag is at least that.
	res, err := f.client.Insert(f.ctx, lagArgs{}, &river.InsertOpts{ScheduledAt: time.Now().Add(-time.Second)})
	require.NoError(t, err)
	f.waitFor(t, res.Job.ID, rivertype.JobStateCompleted)
	m := &dto.Metric{}
	require.Eventually(t, func() bool {
		require.NoError(t, queue.JobLag.WithLabelValues("test_lag").(prometheus.Histogram).Write(m))
		return m.GetHistogram().GetSampleCount() == 1
	}, 5*time.Second, 20*time.Millisecond)
	assert.GreaterOrEqual(t, m.GetHistogram().GetSampleSum(), 1.0)
	assert.Less(t, m.GetHistogram().GetSampleSum(), 60.0)
}

// The jobs collector counts River's table by kind and state.
func TestJobCollectorCountsByKindAndState(t *testing.T) {
	t.Parallel()
	f := failuresSetup(t)
	f.fail(t, refundArgs{PaymentID: 1})
	f.fail(t, refundArgs{PaymentID: 2, Refuse: true})
	f.fail(t, refundArgs{PaymentID: 3, Succeed: true})
	f.fail(t, refundArgs{PaymentID: 4, Succeed: true})
	want := `# HELP booktraining_jobs Jobs in River's table by kind and state (completed jobs are kept a day; failed ones until dealt with).
# TYPE booktraining_jobs gauge
booktraining_jobs{kind="test_refund",state="cancelled"} 1
booktraining_jobs{kind="test_refund",state="completed"} 2
booktraining_jobs{kind="test_refund",state="discarded"} 1
`
	assert.NoError(t, testutil.CollectAndCompare(queue.JobCollector(f.pool, nil), strings.NewReader(want)))
}

// uniqueArgs is unique by its args while waiting or running, as the sweeps
// are: a failed one retried beside a newer one would run the work twice.
type uniqueArgs struct {
	Name string `json:"name"`
}

func (uniqueArgs) Kind() string { return "test_unique" }

func (uniqueArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
		rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

type uniqueWorker struct {
	river.WorkerDefaults[uniqueArgs]
}

func (uniqueWorker) Work(context.Context, *river.Job[uniqueArgs]) error { return errors.New("boom") }

// A failed unique job whose work is already waiting again is not retried
// beside it (nor is the failed run of a safety-net sweep, whose next run does
// its work): the manager is told, and nothing changes.
func TestRetryBesideTheSameWaitingJob(t *testing.T) {
	t.Parallel()
	f := failuresSetup(t)
	failed := f.fail(t, uniqueArgs{Name: "offers"})
	list, _, err := f.svc.List(f.ctx, 1, 0)
	require.NoError(t, err)
	require.Equal(t, failed, list[0].JobID)
	failedAt := list[0].FailedAt
	_, err = f.client.Insert(f.ctx, uniqueArgs{Name: "offers"}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	_, err = f.svc.Retry(f.as(""), failed, failedAt)
	require.ErrorIs(t, err, queue.ErrAlreadyQueued)
	j, err := f.client.JobGet(f.ctx, failed)
	require.NoError(t, err)
	assert.Equal(t, rivertype.JobStateDiscarded, j.State)
	assert.Zero(t, f.audits(t, "job_retried", failed))

	var sweep int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `INSERT INTO river_job (state, attempt, max_attempts, finalized_at, args, kind, errors)
		VALUES ('discarded', 1, 1, now(), '{"name": "offers"}', 'sweep', ARRAY['{"error": "sweep offers: timeout"}'::jsonb]) RETURNING id, finalized_at`).Scan(&sweep, &failedAt))
	list, _, err = f.svc.List(f.ctx, 1, 0)
	require.NoError(t, err)
	require.Equal(t, sweep, list[0].JobID)
	assert.Equal(t, "Safety-net check “offers”", list[0].Subject.What)
	assert.NotEmpty(t, list[0].Subject.NoRetry)
	_, err = f.svc.Retry(f.as(""), sweep, failedAt)
	assert.ErrorIs(t, err, queue.ErrCannotRetry)
}

func TestPlainError(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                                       "No error was recorded.",
		"JobCancelError: email 4: undeliverable": "email 4: undeliverable",
		"stripe: connection refused":             "stripe: connection refused",
		"refund 3: context deadline exceeded":    "It took longer than its time limit and was stopped (refund 3: context deadline exceeded).",
		"PanicError: runtime error: index out of range": "The task stopped on a programming error (PanicError: runtime error: index out of range).",
	} {
		assert.Equal(t, want, queue.PlainError(in), in)
	}
	assert.Len(t, []rune(queue.PlainError(strings.Repeat("é", 600))), 501, "cut short, with an ellipsis")
}

// River's cleaner, which would delete discarded jobs after 7 days and
// cancelled ones after a day, leaves them for the Needs attention page (and
// the retention schedule); it still deletes completed jobs.
func TestRiverKeepsFailedJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	job := func(state string, age time.Duration, errs string) int64 {
		var id int64
		require.NoError(t, pool.QueryRow(ctx, `INSERT INTO river_job (state, attempt, max_attempts, finalized_at, args, kind, errors)
			VALUES ($1, 1, 1, now() - $2::interval, '{}', 'test_old', $3::jsonb[]) RETURNING id`,
			state, fmt.Sprintf("%d seconds", int(age.Seconds())), errs).Scan(&id))
		return id
	}
	month := 30 * 24 * time.Hour
	completed := job("completed", 2*24*time.Hour, "{}")
	kept := []int64{
		job("discarded", month, `{"{\"error\": \"boom\"}"}`),
		job("cancelled", month, `{"{\"error\": \"refused\"}"}`),
		job("cancelled", month, "{}"),
	}
	client, err := queue.New(pool, nil, func(c *river.Config) error { return river.AddWorkerSafely(c.Workers, lagWorker{}) })
	require.NoError(t, err)
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = client.Stop(stop)
	})
	exists := func(id int64) bool {
		var n int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE id = $1", id).Scan(&n))
		return n == 1
	}
	require.Eventually(t, func() bool { return !exists(completed) }, 60*time.Second, 100*time.Millisecond,
		"River's cleaner ran (it deleted the old completed job)")
	for _, id := range kept {
		assert.True(t, exists(id), "job %d kept", id)
	}
}
