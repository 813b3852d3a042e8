package email_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/smtptest"
)

// rushEmails is the confirmations a 500-person booking rush leaves queued.
const rushEmails = 500

// BenchmarkFiveHundredConfirmations: the confirmations of a 500-person
// booking rush (each with its calendar invitation) are queued at once, then
// the job client is started as production builds it (queue.New, with
// email.Deliveries) and delivers them through a real SMTP server
// (internal/smtptest). It reports the time from the start until every
// email is recorded as sent, the rate, and the statements (River's and the
// worker's) and transactions sent per email, and the CPU time this process
// (workers and SMTP server) spent on each. Run by hand:
//
//	go run ./cmd/withpg -- go test -run '^$' -bench FiveHundredConfirmations -benchtime 3x ./internal/email/
func BenchmarkFiveHundredConfirmations(b *testing.B) {
	var took time.Duration
	var stmts, txs int64
	var cpu time.Duration
	for range b.N {
		b.StopTimer()
		r := runConfirmationRush(b)
		b.StartTimer()
		took += r.took
		stmts += r.statements
		cpu += r.cpu
		txs += r.transactions
	}
	b.ReportMetric(took.Seconds()/float64(b.N), "s/500emails")
	b.ReportMetric(float64(rushEmails*b.N)/took.Seconds(), "emails/s")
	b.ReportMetric(float64(stmts)/float64(rushEmails*b.N), "stmts/email")
	b.ReportMetric(float64(txs)/float64(rushEmails*b.N), "txs/email")
	b.ReportMetric(float64(cpu.Microseconds())/float64(rushEmails*b.N), "cpu-µs/email")
	b.ReportMetric(0, "ns/op") // the setup is most of an op; the figures above are the measure
}

type rushResult struct {
	took, cpu                time.Duration // cpu: this process's (the workers' and the SMTP server's), not PostgreSQL's
	statements, transactions int64
}

// statementCounter counts every statement a pool sends, and the
// transactions among them: each COMMIT, and each statement sent outside an
// explicit transaction.
type statementCounter struct {
	statements, transactions atomic.Int64
	inTx                     sync.Map // *pgx.Conn → struct{}
}

func (c *statementCounter) TraceQueryStart(ctx context.Context, conn *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.statements.Add(1)
	sql := strings.ToLower(strings.TrimSpace(d.SQL))
	switch {
	case strings.HasPrefix(sql, "begin"):
		c.inTx.Store(conn, struct{}{})
	case sql == "commit" || sql == "rollback":
		c.inTx.Delete(conn)
		c.transactions.Add(1)
	default:
		if _, ok := c.inTx.Load(conn); !ok {
			c.transactions.Add(1)
		}
	}
	return ctx
}

func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func runConfirmationRush(b *testing.B) rushResult {
	ctx := context.Background()
	pool := pgtest.New(b)
	srv := smtptest.Start(b)
	sender, err := email.NewSMTPSender(srv.URL(), from)
	require.NoError(b, err)

	insert, err := queue.NewInsertOnly(pool)
	require.NoError(b, err)
	outbox := email.NewOutbox(insert)
	ics := invite(email.MethodRequest)
	require.NoError(b, pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for i := range rushEmails {
			m := resetMessage(fmt.Sprintf("person%d@example.org", i))
			m.Subject = "Your place is booked: Safeguarding children level 3"
			m.Calendar = &email.Calendar{Method: email.MethodRequest, Data: ics, Filename: "invitation.ics"}
			if _, err := outbox.Enqueue(ctx, tx, m); err != nil {
				return err
			}
		}
		return nil
	}))

	// The worker's pool counts what it sends, River's and the worker's alike.
	counter := &statementCounter{}
	cfg := pool.Config()
	cfg.ConnConfig.Tracer = counter
	cfg.MaxConns = 4
	jobs, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(b, err)
	defer jobs.Close()
	client, err := queue.New(jobs, nil, email.Deliveries(jobs, sender, nil, nil))
	require.NoError(b, err)

	began, cpuBefore := time.Now(), processCPU(b)
	require.NoError(b, client.Start(ctx))
	srv.WaitFor(b, rushEmails, 5*time.Minute)
	for {
		var unsent int
		require.NoError(b, pool.QueryRow(ctx, "SELECT count(*) FROM emails WHERE sent_at IS NULL").Scan(&unsent))
		if unsent == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	took, cpu := time.Since(began), processCPU(b)-cpuBefore
	stop, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(b, client.Stop(stop))
	require.Len(b, srv.Messages(), rushEmails, "each email sent once")
	return rushResult{took: took, cpu: cpu, statements: counter.statements.Load(), transactions: counter.transactions.Load()}
}

// processCPU is the CPU time this process has used, user and system.
func processCPU(b *testing.B) time.Duration {
	var u syscall.Rusage
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &u))
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
