package email_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/demand"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/email/internal/emaildb"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/smtptest"
)

// jobStates returns the state of every delivery job for the email, oldest
// job first.
func jobStates(t *testing.T, pool *pgxpool.Pool, emailID int64) []rivertype.JobState {
	t.Helper()
	rows, err := pool.Query(context.Background(),
		"SELECT state FROM river_job WHERE kind = 'email_deliver' AND (args->>'email_id')::bigint = $1 ORDER BY id", emailID)
	require.NoError(t, err)
	states, err := pgx.CollectRows(rows, pgx.RowTo[rivertype.JobState])
	require.NoError(t, err)
	return states
}

// enqueueCommitted stores m and its job through an insert-only client, as
// the web process does, and commits: no worker has seen it.
func enqueueCommitted(t *testing.T, pool *pgxpool.Pool, m email.Message) int64 {
	t.Helper()
	client, err := queue.NewInsertOnly(pool)
	require.NoError(t, err)
	var id int64
	require.NoError(t, pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
		id, err = email.NewOutbox(client).Enqueue(context.Background(), tx, m)
		return err
	}))
	return id
}

// insertDeliveryJob adds another job for an email, as a duplicate job row
// or a job River rescued while the first still ran would be.
func insertDeliveryJob(t *testing.T, pool *pgxpool.Pool, emailID int64) {
	t.Helper()
	client, err := queue.NewInsertOnly(pool)
	require.NoError(t, err)
	_, err = client.Insert(context.Background(), email.DeliverArgs{EmailID: emailID}, nil)
	require.NoError(t, err)
}

// eventually polls until ok, failing the test after 10 seconds.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 10s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// nextEvent returns the next job event, failing the test after 10 seconds.
func nextEvent(t *testing.T, events <-chan *river.Event) *river.Event {
	t.Helper()
	select {
	case ev := <-events:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no job finished within 10s")
		return nil
	}
}

func allCompleted(states []rivertype.JobState) bool {
	for _, s := range states {
		if s != rivertype.JobStateCompleted {
			return false
		}
	}
	return len(states) > 0
}

func TestEmailCommittedBeforeARestartIsDeliveredOnce(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	srv := smtptest.Start(t)
	ctx := context.Background()

	// The action commits; the process dies before any worker runs.
	id := enqueueCommitted(t, pool, resetMessage("alex@example.org"))
	time.Sleep(200 * time.Millisecond)
	assert.Empty(t, srv.Messages(), "nothing works the job yet")
	assert.Equal(t, []rivertype.JobState{rivertype.JobStateAvailable}, jobStates(t, pool, id))

	// The restart: a worker starts and finds the job waiting.
	sender, err := email.NewSMTPSender(srv.URL(), from)
	require.NoError(t, err)
	_, events := email.StartTestClient(t, pool, sender)
	got := srv.WaitFor(t, 1, 10*time.Second)
	ev := nextEvent(t, events)
	require.Equal(t, river.EventKindJobCompleted, ev.Kind)
	time.Sleep(200 * time.Millisecond)
	require.Len(t, srv.Messages(), 1, "delivered exactly once")
	assert.Equal(t, []string{"alex@example.org"}, got[0].To)

	var token string
	require.NoError(t, pool.QueryRow(ctx, "SELECT message_token FROM emails WHERE id = $1", id).Scan(&token))
	assert.Equal(t, "<email-"+strconv.FormatInt(id, 10)+"."+token+"@example.org>", got[0].Header.Get("Message-ID"))
	stored, err := email.Get(ctx, pool, id)
	require.NoError(t, err)
	assert.NotNil(t, stored.SentAt)
	assert.Equal(t, 1, stored.Attempts)
}

func TestTwoWorkersOnOneEmailSendItOnce(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	srv := smtptest.Start(t)
	sender, err := email.NewSMTPSender(srv.URL(), from)
	require.NoError(t, err)

	// Two processes, each able to work both jobs at once.
	_, first := email.StartTestClient(t, pool, sender)
	_, second := email.StartTestClient(t, pool, sender)
	release := srv.Hold()

	// Two jobs for one email: a duplicate row, or one River rescued while
	// the first was still in the middle of sending.
	id := enqueueCommitted(t, pool, resetMessage("alex@example.org"))
	insertDeliveryJob(t, pool, id)

	// One worker is mid-conversation with the server; the other must find
	// the email taken and back off without connecting. Without the claim it
	// would be held at DATA too, and no snooze would come.
	srv.WaitHeld(t, 1, 10*time.Second)
	var snoozed *river.Event
	for snoozed == nil {
		select {
		case ev := <-first:
			if ev.Kind == river.EventKindJobSnoozed {
				snoozed = ev
			}
		case ev := <-second:
			if ev.Kind == river.EventKindJobSnoozed {
				snoozed = ev
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("the second job did not back off; %d deliveries are in progress", srv.Held())
		}
	}
	assert.Equal(t, 1, srv.Held(), "only one worker is sending")
	assert.Equal(t, 1, srv.Tries("alex@example.org"))

	release()
	eventually(t, "both jobs complete", func() bool { return allCompleted(jobStates(t, pool, id)) })
	assert.Len(t, srv.Messages(), 1, "one email, one message")
	assert.Equal(t, 1, srv.Tries("alex@example.org"), "the snoozed job found it sent and did not try")

	// A job that runs again later, after delivery, sends nothing either.
	insertDeliveryJob(t, pool, id)
	eventually(t, "the third job completes", func() bool {
		s := jobStates(t, pool, id)
		return len(s) == 3 && allCompleted(s)
	})
	assert.Len(t, srv.Messages(), 1)
	stored, err := email.Get(context.Background(), pool, id)
	require.NoError(t, err)
	assert.Equal(t, 1, stored.Attempts)
	assert.NotNil(t, stored.SentAt)
}

func TestRefusedAddressFailsForGood(t *testing.T) {
	t.Parallel()
	for _, code := range []int{550, 553, 501} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			t.Parallel()
			f := setup(t, true)
			ctx := context.Background()
			f.smtp.RefuseRecipient("gone@example.org", code, -1)

			id := f.enqueue(t, resetMessage("gone@example.org"))
			ev := f.waitForJob(t)
			require.Equal(t, river.EventKindJobCancelled, ev.Kind, "a permanent refusal is not retried")
			assert.Equal(t, 1, ev.Job.Attempt)
			assert.Equal(t, []rivertype.JobState{rivertype.JobStateCancelled}, jobStates(t, f.pool, id))

			stored, err := email.Get(ctx, f.pool, id)
			require.NoError(t, err)
			require.NotNil(t, stored.FailedAt, "recorded as failed")
			assert.True(t, stored.Failed())
			assert.False(t, stored.Retrying())
			assert.Nil(t, stored.SentAt)
			assert.Equal(t, 1, stored.Attempts)
			assert.Regexp(t, `^sending SMTP RCPT TO command: `+strconv.Itoa(code)+` "?5\.1\.1 smtptest: no such mailbox"?$`,
				stored.LastError, "the server's reply is kept, and what it answered")
			assert.Empty(t, stored.Body, "nothing will send the body now")

			// Well past the test client's 100 ms retry: nobody tried again.
			time.Sleep(400 * time.Millisecond)
			assert.Equal(t, 1, f.smtp.Tries("gone@example.org"))

			// Nor does another job for the same email, even once the address works.
			f.smtp.RefuseRecipient("gone@example.org", code, 0)
			insertDeliveryJob(t, f.pool, id)
			require.Equal(t, river.EventKindJobCancelled, f.waitForJob(t).Kind)
			assert.Equal(t, 1, f.smtp.Tries("gone@example.org"))
			assert.Empty(t, f.smtp.Messages())

			list, total, _, err := email.List(ctx, f.pool, email.Filter{FailedOnly: true}, 10, 0)
			require.NoError(t, err)
			assert.Equal(t, 1, total)
			require.Len(t, list, 1)
			assert.Equal(t, id, list[0].ID)
			n, err := email.CountFailedSince(ctx, f.pool, time.Now().Add(-time.Hour))
			require.NoError(t, err)
			assert.Equal(t, 1, n)
		})
	}
}

func TestTemporaryRefusalIsRetriedThenDelivered(t *testing.T) {
	t.Parallel()
	f := setup(t, true)
	f.smtp.RefuseRecipient("full@example.org", 451, 2)

	id := f.enqueue(t, resetMessage("full@example.org"))
	var ev *river.Event
	for ev = f.waitForJob(t); ev.Kind != river.EventKindJobCompleted; ev = f.waitForJob(t) {
		require.Equal(t, river.EventKindJobFailed, ev.Kind, "a 4xx reply is retried")
		require.NotEmpty(t, ev.Job.Errors)
		assert.Contains(t, ev.Job.Errors[len(ev.Job.Errors)-1].Error, "451")
	}
	assert.Equal(t, 3, ev.Job.Attempt)
	assert.Len(t, f.smtp.Messages(), 1, "delivered once")
	assert.Equal(t, 3, f.smtp.Tries("full@example.org"))

	stored, err := email.Get(context.Background(), f.pool, id)
	require.NoError(t, err)
	assert.NotNil(t, stored.SentAt)
	assert.Nil(t, stored.FailedAt)
	assert.Equal(t, 3, stored.Attempts)
	assert.Empty(t, stored.LastError)
}

// A 5.7.x refusal is about the sender (our mail settings), not the mailbox:
// it is retried, so that putting the settings right delivers the backlog.
func TestPolicyRefusalIsRetriedNotFailed(t *testing.T) {
	t.Parallel()
	f := setup(t, true)
	f.smtp.RefuseByPolicy("someone@example.org", 1)

	id := f.enqueue(t, resetMessage("someone@example.org"))
	ev := f.waitForJob(t)
	require.Equal(t, river.EventKindJobFailed, ev.Kind, "retried, not cancelled")
	assert.Contains(t, ev.Job.Errors[len(ev.Job.Errors)-1].Error, "5.7.1")
	for ev = f.waitForJob(t); ev.Kind != river.EventKindJobCompleted; ev = f.waitForJob(t) {
		require.Equal(t, river.EventKindJobFailed, ev.Kind)
	}
	stored, err := email.Get(context.Background(), f.pool, id)
	require.NoError(t, err)
	assert.NotNil(t, stored.SentAt)
	assert.Nil(t, stored.FailedAt)
	assert.Len(t, f.smtp.Messages(), 1)
}

func TestExhaustedRetriesAreRecordedAsFailed(t *testing.T) {
	t.Parallel()
	f := setup(t, true)
	f.smtp.RefuseRecipient("busy@example.org", 451, -1)

	id := f.enqueue(t, resetMessage("busy@example.org"))
	var ev *river.Event
	for ev = f.waitForJob(t); ev.Job.State != rivertype.JobStateDiscarded; ev = f.waitForJob(t) {
		require.Equal(t, river.EventKindJobFailed, ev.Kind, "retried, not cancelled, while retries remain")
	}
	maxAttempts := email.DeliverArgs{}.InsertOpts().MaxAttempts
	assert.Equal(t, maxAttempts, ev.Job.Attempt)
	assert.Equal(t, maxAttempts, f.smtp.Tries("busy@example.org"))

	stored, err := email.Get(context.Background(), f.pool, id)
	require.NoError(t, err)
	require.NotNil(t, stored.FailedAt)
	assert.Nil(t, stored.SentAt)
	assert.Equal(t, maxAttempts, stored.Attempts)
	assert.Contains(t, stored.LastError, "gave up after "+strconv.Itoa(maxAttempts)+" attempts")
	assert.Contains(t, stored.LastError, "451")
	assert.Empty(t, f.smtp.Messages())
}

func TestUnreachableServerIsRetried(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	sender, err := email.NewSMTPSender("smtp://"+addr, from)
	require.NoError(t, err)
	_, events := email.StartTestClient(t, pool, sender)

	id := enqueueCommitted(t, pool, resetMessage("alex@example.org"))
	ev := nextEvent(t, events)
	require.Equal(t, river.EventKindJobFailed, ev.Kind, "a refused connection is retried, not given up on")
	stored, err := email.Get(context.Background(), pool, id)
	require.NoError(t, err)
	assert.Nil(t, stored.FailedAt)
	assert.True(t, stored.Retrying())
}

func TestEmailErasedBeforeDeliveryFailsUnsent(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	srv := smtptest.Start(t)
	ctx := context.Background()
	id := enqueueCommitted(t, pool, resetMessage("alex@example.org"))
	require.NoError(t, emaildb.New(pool).AnonymiseEmailsTo(ctx, emaildb.AnonymiseEmailsToParams{
		ErasedAddress: "deleted-1@deleted.invalid", Email: "alex@example.org"}))

	sender, err := email.NewSMTPSender(srv.URL(), from)
	require.NoError(t, err)
	_, events := email.StartTestClient(t, pool, sender)
	require.Equal(t, river.EventKindJobCancelled, nextEvent(t, events).Kind)
	stored, err := email.Get(ctx, pool, id)
	require.NoError(t, err)
	require.NotNil(t, stored.FailedAt)
	assert.Zero(t, stored.Attempts, "no server was asked")
	assert.Contains(t, stored.LastError, "no body")
	assert.Zero(t, srv.Tries("deleted-1@deleted.invalid"))
	assert.Empty(t, srv.Messages())
}

// lockedBuffer is a log destination the workers and the test share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// With no mail server, a kept email's text (sign-in links and all) goes to
// the log only on a developer's machine; a deployment that keeps email on
// purpose logs that it kept it, never what it says.
func TestKeptEmailTextIsLoggedOnlyForDevelopment(t *testing.T) {
	t.Parallel()
	for _, development := range []bool{true, false} {
		pool := pgtest.New(t)
		logs := &lockedBuffer{}
		log := slog.New(slog.NewTextHandler(logs, nil))
		var client *river.Client[pgx.Tx]
		var err error
		if development {
			client, err = queue.New(pool, log, email.DevelopmentDeliveries(pool, log))
		} else {
			client, err = queue.New(pool, log, email.Deliveries(pool, nil, log, nil))
		}
		require.NoError(t, err)
		require.NoError(t, client.Start(context.Background()))
		t.Cleanup(func() { _ = client.Stop(context.Background()) })

		id := enqueueCommitted(t, pool, resetMessage("alex@example.org"))
		eventually(t, "the email is kept", func() bool { return strings.Contains(logs.String(), "email kept, not sent") })
		stored, err := email.Get(context.Background(), pool, id)
		require.NoError(t, err)
		assert.Nil(t, stored.SentAt, "kept, not sent")
		if development {
			assert.Contains(t, logs.String(), "3q2-7Zx_token", "the developer can follow the link")
		} else {
			assert.NotContains(t, logs.String(), "3q2-7Zx_token", "no secret link in a deployment's log")
		}
	}
}

// A delivery left running by a process that died (kill -9) is taken up again
// once it has been running for RescueStuckJobsAfter, not after River's
// default hour, and the email goes once.
func TestJobStrandedByACrashIsDeliveredWithinMinutes(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	srv := smtptest.Start(t)
	ctx := context.Background()

	id := enqueueCommitted(t, pool, resetMessage("stranded@example.org"))
	// The process that was running it died 90 seconds ago.
	_, err := pool.Exec(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() - interval '90 seconds',
		attempted_by = ARRAY['a process that died']
		WHERE kind = 'email_deliver' AND (args->>'email_id')::bigint = $1`, id)
	require.NoError(t, err)
	require.Greater(t, 90*time.Second, queue.RescueStuckJobsAfter)

	sender, err := email.NewSMTPSender(srv.URL(), from)
	require.NoError(t, err)
	client, err := queue.New(pool, nil, email.Deliveries(pool, sender, nil, nil))
	require.NoError(t, err)
	startWorking(t, client)

	got := srv.WaitFor(t, 1, 90*time.Second)
	assert.Equal(t, []string{"stranded@example.org"}, got[0].To)
	eventually(t, "the job completes", func() bool { return allCompleted(jobStates(t, pool, id)) })
	time.Sleep(500 * time.Millisecond)
	assert.Len(t, srv.Messages(), 1, "delivered once")
}

// While the mail server takes its time over a message, the worker holds no
// database connection: the claim is a lease on the email's row, written and
// committed before the SMTP conversation, not a lock held through it. The
// worker's pool is its own here, so its count of connections in use is the
// worker's alone (River's own connections are on the other pool).
func TestDeliveryHoldsNoConnectionWhileTheServerAnswers(t *testing.T) {
	t.Parallel()
	riverPool := pgtest.New(t)
	ctx := context.Background()
	workerPool, err := pgxpool.New(ctx, riverPool.Config().ConnString())
	require.NoError(t, err)
	t.Cleanup(workerPool.Close)
	srv := smtptest.Start(t)
	sender, err := email.NewSMTPSender(srv.URL(), from)
	require.NoError(t, err)

	id := enqueueCommitted(t, riverPool, resetMessage("slow@example.org"))
	release := srv.Hold()
	client, err := queue.New(riverPool, nil, email.Deliveries(workerPool, sender, nil, nil), func(c *river.Config) error {
		c.FetchCooldown, c.FetchPollInterval = 10*time.Millisecond, 20*time.Millisecond
		return nil
	})
	require.NoError(t, err)
	startWorking(t, client)

	srv.WaitHeld(t, 1, 10*time.Second) // mid-conversation, at DATA
	time.Sleep(100 * time.Millisecond)
	assert.Zero(t, workerPool.Stat().AcquiredConns(), "a connection is held while the mail server answers")
	var claimed *time.Time
	require.NoError(t, riverPool.QueryRow(ctx, "SELECT claimed_until FROM emails WHERE id = $1", id).Scan(&claimed))
	require.NotNil(t, claimed, "the email is claimed while it is being sent")

	release()
	eventually(t, "the job completes", func() bool { return allCompleted(jobStates(t, riverPool, id)) })
	require.NoError(t, riverPool.QueryRow(ctx, "SELECT claimed_until FROM emails WHERE id = $1", id).Scan(&claimed))
	assert.Nil(t, claimed, "recording the delivery ends the claim")
	assert.Len(t, srv.Messages(), 1)
}

// orderArgs is a job of the default priority, for the test below.
type orderArgs struct{}

func (orderArgs) Kind() string { return "test_order" }

type orderWorker struct {
	river.WorkerDefaults[orderArgs]
	done func()
}

func (w *orderWorker) Work(context.Context, *river.Job[orderArgs]) error { w.done(); return nil }

// Deliveries have a queue of their own: while a slow mail server keeps
// every connection it may have in the middle of a message (no more than
// MaxSMTPConnections open, though more workers are delivering), a job of
// the default queue (an offer expiring) still runs at once, and the held
// deliveries, and those that waited for a connection, then finish.
func TestDeliveriesCannotHoldUpOtherWork(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	srv := smtptest.Start(t)
	ctx := context.Background()
	sender, err := email.NewSMTPSender(srv.URL(), from)
	require.NoError(t, err)

	var emails []int64
	for i := range email.MaxSMTPConnections + 5 {
		emails = append(emails, enqueueCommitted(t, pool, resetMessage("alex"+strconv.Itoa(i)+"@example.org")))
	}
	release := srv.Hold()
	done := make(chan struct{})
	worker := &orderWorker{done: func() { close(done) }}
	client, err := queue.New(pool, nil, email.Deliveries(pool, sender, nil, nil), func(c *river.Config) error {
		return river.AddWorkerSafely(c.Workers, worker)
	})
	require.NoError(t, err)
	startWorking(t, client)
	srv.WaitHeld(t, email.MaxSMTPConnections, 30*time.Second)

	insert, err := queue.NewInsertOnly(pool)
	require.NoError(t, err)
	_, err = insert.Insert(ctx, orderArgs{}, nil)
	require.NoError(t, err)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the other job waited for the deliveries")
	}
	assert.Equal(t, email.MaxSMTPConnections, srv.Held(), "every connection to the mail server is still held, and no more are open")
	release()
	srv.WaitFor(t, len(emails), 30*time.Second)
	for _, id := range emails {
		eventually(t, "the deliveries complete", func() bool { return allCompleted(jobStates(t, pool, id)) })
	}
}

// While people's requests keep the app busy (a booking rush), a delivery
// gives way to them and goes once they are done; however long the app
// stays busy, it goes within a couple of seconds of its job's making.
func TestADeliveryGivesWayToABusyApp(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	srv := smtptest.Start(t)
	load := demand.NewGauge(1)
	load.Enter()
	load.Enter() // busy: more requests in flight than the bound

	sender, err := email.NewSMTPSender(srv.URL(), from)
	require.NoError(t, err)
	client, err := queue.New(pool, nil, email.Deliveries(pool, sender, nil, load))
	require.NoError(t, err)
	startWorking(t, client)

	enqueueCommitted(t, pool, resetMessage("waits@example.org"))
	time.Sleep(700 * time.Millisecond)
	assert.Empty(t, srv.Messages(), "nothing sent while the app is busy")
	load.Leave() // the rush is over
	got := srv.WaitFor(t, 1, 10*time.Second)
	assert.Equal(t, []string{"waits@example.org"}, got[0].To, "sent once the app is no longer busy")

	load.Enter() // busy again, and it stays so
	made := time.Now()
	enqueueCommitted(t, pool, resetMessage("goes-anyway@example.org"))
	got = srv.WaitFor(t, 2, 15*time.Second)
	assert.Equal(t, []string{"goes-anyway@example.org"}, got[1].To, "sent however busy the app stays")
	assert.Greater(t, time.Since(made), time.Second, "after giving way for a while")
}

// startWorking starts client's workers for the rest of the test, and stops
// them (waiting up to 10 s for deliveries in flight) when it ends.
func startWorking(t *testing.T, client *river.Client[pgx.Tx]) {
	t.Helper()
	require.NoError(t, client.Start(context.Background()))
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Stop(stop)
	})
}
