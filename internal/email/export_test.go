package email

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	gomail "github.com/wneessen/go-mail"

	"github.com/pscp/booktraining/internal/queue"
)

// quickRetry retries a failed job after 100 ms instead of River's backoff of
// seconds to minutes.
type quickRetry struct{}

func (quickRetry) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(100 * time.Millisecond)
}

// StartTestClient starts a job client (queue.New) with email's work, with timings cut
// so a test sees jobs worked and retried within milliseconds, and stops it
// when the test ends. The channel reports every job that completes, fails,
// is cancelled or is snoozed (an email another worker holds is looked at
// again after 50 ms).
func StartTestClient(t testing.TB, pool *pgxpool.Pool, sender Sender) (*river.Client[pgx.Tx], <-chan *river.Event) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	client, err := queue.New(pool, log,
		deliveries(pool, sender, log, func(w *DeliverWorker) { w.busy = 50 * time.Millisecond }),
		func(c *river.Config) error {
			c.FetchCooldown = 5 * time.Millisecond
			c.FetchPollInterval = 20 * time.Millisecond
			q := c.Queues[Queue]
			q.FetchCooldown, q.FetchPollInterval = c.FetchCooldown, c.FetchPollInterval
			c.Queues[Queue] = q
			c.RetryPolicy = quickRetry{}
			c.TestOnly = true
			return nil
		})
	if err != nil {
		t.Fatalf("create client: %v", err)
	}
	events, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled,
		river.EventKindJobSnoozed)
	if err := client.Start(context.Background()); err != nil {
		t.Fatalf("start client: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		ctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		if err := client.Stop(ctx); err != nil {
			t.Errorf("stop client: %v", err)
		}
	})
	return client, events
}

// DialingTo returns s with every connection made to addr, whatever host its
// URL names, so a test can reach a local server under a remote name.
func DialingTo(s Sender, addr string) Sender {
	old := s.(*smtpSender)
	opts := append(append([]gomail.Option(nil), old.opts...), gomail.WithDialContextFunc(
		func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}))
	client, err := gomail.NewClient(old.host, opts...)
	if err != nil {
		panic(err)
	}
	return &smtpSender{host: old.host, port: old.port, opts: opts, from: old.from, client: client, talking: old.talking}
}
