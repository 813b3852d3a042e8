package email_test

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/smtptest"
)

const from = "Book safeguarding training <no-reply@example.org>"

type fixture struct {
	pool   *pgxpool.Pool
	smtp   *smtptest.Server
	outbox *email.Outbox
	jobs   *river.Client[pgx.Tx]
	events <-chan *river.Event
}

// setup starts a database, an SMTP server and a River client delivering to
// it; withSMTP false runs the client with no Sender, as in development.
func setup(t *testing.T, withSMTP bool) fixture {
	t.Helper()
	pool := pgtest.New(t)
	srv := smtptest.Start(t)
	var sender email.Sender
	if withSMTP {
		var err error
		sender, err = email.NewSMTPSender(srv.URL(), from)
		require.NoError(t, err)
	}
	client, events := email.StartTestClient(t, pool, sender)
	return fixture{pool: pool, smtp: srv, outbox: email.NewOutbox(client), jobs: client, events: events}
}

func (f fixture) enqueue(t *testing.T, m email.Message) int64 {
	t.Helper()
	var id int64
	err := pgx.BeginFunc(context.Background(), f.pool, func(tx pgx.Tx) error {
		var err error
		id, err = f.outbox.Enqueue(context.Background(), tx, m)
		return err
	})
	require.NoError(t, err)
	return id
}

// waitForJob returns the next job event, failing the test after a while.
func (f fixture) waitForJob(t *testing.T) *river.Event {
	t.Helper()
	select {
	case ev := <-f.events:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no job finished within 10s")
		return nil
	}
}

func resetMessage(to string) email.Message {
	return email.Message{
		To:      to,
		ToName:  "Alex O'Brien, Health Visitor",
		Subject: "Reset your password",
		Body: "Hello Alex,\n\nUse this link within the hour to choose a new password:\n\n" +
			"https://training.example.org/reset/3q2-7Zx_token?from=email&utm=none\n\n" +
			"If you did not ask for this, ignore this email. — The training team\n",
	}
}

var linkRE = regexp.MustCompile(`https://\S+`)

func TestCommittedEmailIsDelivered(t *testing.T) {
	t.Parallel()
	f := setup(t, true)

	id := f.enqueue(t, resetMessage("alex@example.org"))

	got := f.smtp.WaitFor(t, 1, 10*time.Second)
	require.Len(t, got, 1)
	m := got[0]
	assert.Equal(t, []string{"alex@example.org"}, m.To)
	assert.Equal(t, "no-reply@example.org", m.From)
	assert.Equal(t, "Reset your password", m.Subject)
	assert.Equal(t, "https://training.example.org/reset/3q2-7Zx_token?from=email&utm=none", linkRE.FindString(m.Body),
		"the link survives encoding intact")
	assert.Contains(t, m.Body, "— The training team")
	to, err := m.Header.AddressList("To")
	require.NoError(t, err)
	require.Len(t, to, 1)
	assert.Equal(t, "Alex O'Brien, Health Visitor", to[0].Name)
	assert.Contains(t, m.Header.Get("From"), "Book safeguarding training")
	assert.Regexp(t, `^<email-`+strconv.FormatInt(id, 10)+`\.[0-9a-f]{32}@example\.org>$`, m.Header.Get("Message-ID"),
		"the email's own, named after the sending domain")

	ev := f.waitForJob(t)
	require.Equal(t, river.EventKindJobCompleted, ev.Kind)

	stored, err := email.Get(context.Background(), f.pool, id)
	require.NoError(t, err)
	require.NotNil(t, stored.SentAt, "sent_at is set")
	assert.Empty(t, stored.Body, "the body is cleared once delivered")
	assert.Equal(t, 1, stored.Attempts)
	assert.Empty(t, stored.LastError)
	assert.Equal(t, "Reset your password", stored.Subject, "the rest stays for the record")
}

func TestRolledBackEmailIsNeitherStoredNorSent(t *testing.T) {
	t.Parallel()
	f := setup(t, true)
	ctx := context.Background()

	errCause := errors.New("the booking failed after the email was written")
	var id int64
	err := pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
		var err error
		id, err = f.outbox.Enqueue(ctx, tx, resetMessage("alex@example.org"))
		require.NoError(t, err)
		return errCause
	})
	require.ErrorIs(t, err, errCause)

	var emails, jobs int
	require.NoError(t, f.pool.QueryRow(ctx, "SELECT count(*) FROM emails").Scan(&emails))
	require.NoError(t, f.pool.QueryRow(ctx, "SELECT count(*) FROM river_job").Scan(&jobs))
	assert.Zero(t, emails)
	assert.Zero(t, jobs)
	_, err = email.Get(ctx, f.pool, id)
	assert.ErrorIs(t, err, email.ErrNotFound)

	select {
	case ev := <-f.events:
		t.Fatalf("a job ran: %s", ev.Kind)
	case <-time.After(300 * time.Millisecond):
	}
	assert.Empty(t, f.smtp.Messages())
}

func TestFailedDeliveryIsRetried(t *testing.T) {
	t.Parallel()
	f := setup(t, true)
	f.smtp.FailNext(2)

	id := f.enqueue(t, resetMessage("sam@example.org"))

	got := f.smtp.WaitFor(t, 1, 10*time.Second)
	require.Len(t, got, 1, "refused twice, then delivered once")
	assert.Equal(t, []string{"sam@example.org"}, got[0].To)

	var ev *river.Event
	for ev = f.waitForJob(t); ev.Kind != river.EventKindJobCompleted; ev = f.waitForJob(t) {
		require.Equal(t, river.EventKindJobFailed, ev.Kind, "a failed attempt is retried, not cancelled")
	}
	assert.Equal(t, 3, ev.Job.Attempt)
	require.Len(t, ev.Job.Errors, 2)
	assert.Contains(t, ev.Job.Errors[0].Error, "451")

	stored, err := email.Get(context.Background(), f.pool, id)
	require.NoError(t, err)
	assert.NotNil(t, stored.SentAt)
	assert.Equal(t, 3, stored.Attempts, "every attempt is counted")
	assert.Empty(t, stored.LastError, "the error goes once delivered")
	assert.Empty(t, stored.Body)
}

func TestFailureIsRecordedOnTheEmail(t *testing.T) {
	t.Parallel()
	f := setup(t, true)
	f.smtp.FailNext(1000)

	id := f.enqueue(t, resetMessage("sam@example.org"))
	ev := f.waitForJob(t)
	require.Equal(t, river.EventKindJobFailed, ev.Kind)

	// Work records the failure before it returns, so before the event.
	stored, err := email.Get(context.Background(), f.pool, id)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, stored.Attempts, 1)
	assert.Nil(t, stored.SentAt)
	assert.Contains(t, stored.LastError, "451")
	assert.LessOrEqual(t, len(stored.LastError), 500)
	assert.NotEmpty(t, stored.Body, "the body stays until delivered")
}

func TestWithoutSMTPEmailIsKept(t *testing.T) {
	t.Parallel()
	f := setup(t, false)
	ctx := context.Background()

	first := f.enqueue(t, resetMessage("first@example.org"))
	second := f.enqueue(t, email.Message{To: "second@example.org", Subject: "Confirm your email", Body: "Hello"})
	for range 2 {
		ev := f.waitForJob(t)
		require.Equal(t, river.EventKindJobCompleted, ev.Kind, "nothing to retry without SMTP")
	}
	assert.Empty(t, f.smtp.Messages())

	// Read as the training managers' pages read them.
	kept := email.NewKept(f.pool)
	list, total, more, err := kept.List(ctx, email.Filter{}, 10, 0)
	require.NoError(t, err)
	assert.Equal(t, 2, total)
	assert.False(t, more)
	require.Len(t, list, 2)
	assert.Equal(t, second, list[0].ID, "newest first")
	assert.Equal(t, first, list[1].ID)
	assert.Equal(t, "second@example.org", list[0].To)
	assert.Equal(t, "Confirm your email", list[0].Subject)
	assert.Nil(t, list[0].SentAt)
	assert.Zero(t, list[0].Attempts)

	page, total, _, err := kept.List(ctx, email.Filter{}, 1, 1)
	require.NoError(t, err)
	assert.Equal(t, 2, total)
	require.Len(t, page, 1)
	assert.Equal(t, first, page[0].ID)

	stored, err := kept.Get(ctx, first)
	require.NoError(t, err)
	assert.Equal(t, resetMessage("").Body, stored.Body, "the body is kept for /admin/emails")
	assert.Equal(t, "Alex O'Brien, Health Visitor", stored.ToName)
	assert.Nil(t, stored.SentAt)
	assert.Nil(t, stored.UserID)

	_, err = kept.Get(ctx, second+1000)
	assert.ErrorIs(t, err, email.ErrNotFound)
	failed, err := kept.CountFailedSince(ctx, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	assert.Zero(t, failed, "kept is not failed")
}

func TestEnqueueRefusesInvalidMessages(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	client, err := queue.NewInsertOnly(pool)
	require.NoError(t, err)
	outbox := email.NewOutbox(client)
	ctx := context.Background()

	valid := email.Message{To: "alex@example.org", ToName: "Alex", Subject: "Hello", Body: "Hello"}
	tests := map[string]func(m *email.Message){
		"CRLF in subject":       func(m *email.Message) { m.Subject = "Hello\r\nBcc: victim@example.net" },
		"LF in subject":         func(m *email.Message) { m.Subject = "Hello\nBcc: victim@example.net" },
		"CR in recipient name":  func(m *email.Message) { m.ToName = "Alex\rBcc: victim@example.net" },
		"LF in recipient":       func(m *email.Message) { m.To = "alex@example.org\nBcc: victim@example.net" },
		"no recipient":          func(m *email.Message) { m.To = "" },
		"recipient with no @":   func(m *email.Message) { m.To = "alex.example.org" },
		"recipient with a name": func(m *email.Message) { m.To = "Alex <alex@example.org>" },
		"two recipients":        func(m *email.Message) { m.To = "alex@example.org, sam@example.org" },
		"no subject":            func(m *email.Message) { m.Subject = "  " },
		"no body":               func(m *email.Message) { m.Body = "" },
		"control character":     func(m *email.Message) { m.Subject = "Hello\x00" },
	}
	for name, spoil := range tests {
		t.Run(name, func(t *testing.T) {
			m := valid
			spoil(&m)
			err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				_, err := outbox.Enqueue(ctx, tx, m)
				return err
			})
			assert.ErrorIs(t, err, email.ErrInvalidMessage)
		})
	}

	var emails, jobs int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM emails").Scan(&emails))
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM river_job").Scan(&jobs))
	assert.Zero(t, emails)
	assert.Zero(t, jobs)

	// The valid message goes in, with its job, through an insert-only client.
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := outbox.Enqueue(ctx, tx, valid)
		return err
	})
	require.NoError(t, err)
	var kind string
	require.NoError(t, pool.QueryRow(ctx, "SELECT kind FROM river_job").Scan(&kind))
	assert.Equal(t, "email_deliver", kind)
}

func TestSMTPSenderAuthenticates(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	url := strings.Replace(srv.URL(), "smtp://", "smtp://mailer:s3cret@", 1)
	sender, err := email.NewSMTPSender(url, from)
	require.NoError(t, err)

	require.NoError(t, sender.Send(context.Background(), resetMessage("alex@example.org")))
	got := srv.WaitFor(t, 1, 5*time.Second)
	assert.Equal(t, "mailer", got[0].AuthUser)
	assert.Equal(t, "Reset your password", got[0].Subject)
}

func TestSMTPSenderReportsRefusal(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	sender, err := email.NewSMTPSender(srv.URL(), from)
	require.NoError(t, err)
	srv.FailNext(1)

	err = sender.Send(context.Background(), resetMessage("alex@example.org"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "451")
	require.NoError(t, sender.Send(context.Background(), resetMessage("alex@example.org")))
	assert.Len(t, srv.Messages(), 1)
}

func TestNewSMTPSenderRefusesBadSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url, from, want string
	}{
		{"http scheme", "http://mailer:s3cret@smtp.example.org", from, "must start with smtp://"},
		{"no scheme", "smtp.example.org:587", from, "must start with smtp://"},
		{"no host", "smtp://mailer:s3cret@:587", from, "no host"},
		{"bad port", "smtp://mailer:s3cret@smtp.example.org:99999", from, "invalid port"},
		{"options", "smtp://mailer:s3cret@smtp.example.org:587?insecure_skip_verify=true", from, "path or options"},
		{"password, no user", "smtp://:s3cret@smtp.example.org:587", from, "no user name"},
		{"not a URL", "smtp://mailer:s3cret@smtp.example.org:587/%zz\x7f", from, "not a URL"},
		{"bad from", "smtp://mailer:s3cret@smtp.example.org:587", "no-reply at example.org", "from address"},
		{"empty from", "smtp://smtp.example.org:587", "", "from address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := email.NewSMTPSender(tt.url, tt.from)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "s3cret", "errors never show the password")
		})
	}

	for _, ok := range []string{
		"smtp://mailer:s3cret@smtp.example.org:587",
		"smtp://smtp.example.org",
		"smtps://mailer:s3cret@smtp.example.org",
		"smtp://localhost:1025",
		"smtp://[::1]:1025",
	} {
		_, err := email.NewSMTPSender(ok, from)
		assert.NoError(t, err, ok)
	}
}

func TestSMTPSenderRequiresSTARTTLSAwayFromLoopback(t *testing.T) {
	t.Parallel()
	// The test server offers no STARTTLS. Reached under a name that is not
	// loopback, it must be refused rather than sent to in clear text.
	srv := smtptest.Start(t)
	sender, err := email.NewSMTPSender("smtp://mailer:s3cret@smtp.example.org:587", from)
	require.NoError(t, err)
	err = email.DialingTo(sender, srv.Addr()).Send(context.Background(), resetMessage("alex@example.org"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "STARTTLS")
	assert.Empty(t, srv.Messages())

	// The same server under its loopback address takes the message.
	sender, err = email.NewSMTPSender(srv.URL(), from)
	require.NoError(t, err)
	require.NoError(t, sender.Send(context.Background(), resetMessage("alex@example.org")))
	assert.Len(t, srv.Messages(), 1)
}

// The list counts only so far: past a thousand (and ten pages beyond the
// one shown) it says there are more, rather than count every email kept.
func TestListCountsOnlySoFar(t *testing.T) {
	t.Parallel()
	f := setup(t, false)
	ctx := context.Background()
	_, err := f.pool.Exec(ctx, `
		INSERT INTO emails (to_address, subject, body_text, created_at)
		SELECT 'many' || g || '@example.org', 'Number ' || g, 'Hello', now() - g * interval '1 minute'
		FROM generate_series(1, 1200) g`)
	require.NoError(t, err)
	kept := email.NewKept(f.pool)

	list, total, more, err := kept.List(ctx, email.Filter{}, 50, 0)
	require.NoError(t, err)
	assert.Len(t, list, 50)
	assert.Equal(t, "Number 1", list[0].Subject, "newest first")
	assert.Equal(t, 1000, total)
	assert.True(t, more)

	list, total, more, err = kept.List(ctx, email.Filter{}, 50, 1150)
	require.NoError(t, err)
	assert.Len(t, list, 50)
	assert.Equal(t, 1200, total, "a page near the end counts to the end")
	assert.False(t, more)
}
