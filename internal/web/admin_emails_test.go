package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/smtptest"
)

// TestManagerSeesEmailsThatFailed delivers through a real SMTP server that
// refuses one address for good and another for now, and reads the outcome
// as the training manager does.
func TestManagerSeesEmailsThatFailed(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "manager@example.org", managerAgency, "manager")
	ctx := context.Background()

	srv := smtptest.Start(t)
	srv.RefuseRecipient("gone@example.org", 550, -1)
	srv.RefuseRecipient("busy@example.org", 451, -1)
	sender, err := email.NewSMTPSender(srv.URL(), "Book safeguarding training <no-reply@example.org>")
	require.NoError(t, err)
	worker, err := queue.New(a.pool, nil, email.Deliveries(a.pool, sender, nil, nil))
	require.NoError(t, err)
	require.NoError(t, worker.Start(ctx))
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		assert.NoError(t, worker.Stop(stop))
	})

	jobs, err := queue.NewInsertOnly(a.pool)
	require.NoError(t, err)
	outbox := email.NewOutbox(jobs)
	ids := map[string]int64{}
	require.NoError(t, pgx.BeginFunc(ctx, a.pool, func(tx pgx.Tx) error {
		for _, to := range []string{"gone@example.org", "busy@example.org", "fine@example.org"} {
			id, err := outbox.Enqueue(ctx, tx, email.Message{To: to, Subject: "Booking confirmed for " + to, Body: "See you there"})
			if err != nil {
				return err
			}
			ids[to] = id
		}
		return nil
	}))

	deadline := time.Now().Add(20 * time.Second)
	for {
		gone, err := email.Get(ctx, a.pool, ids["gone@example.org"])
		require.NoError(t, err)
		busy, err := email.Get(ctx, a.pool, ids["busy@example.org"])
		require.NoError(t, err)
		fine, err := email.Get(ctx, a.pool, ids["fine@example.org"])
		require.NoError(t, err)
		if gone.Failed() && busy.Retrying() && fine.SentAt != nil {
			break
		}
		require.True(t, time.Now().Before(deadline), "deliveries not tried within 20s")
		time.Sleep(50 * time.Millisecond)
	}

	m := a.as(t, "manager@example.org")
	resp, page := m.get("/admin/emails")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "1 email could not be delivered in the last 30 days")
	assert.Contains(t, page, `href="/admin/emails?status=failed">Show failed emails only</a>`)
	row := func(page, subject string) string {
		t.Helper()
		_, after, ok := strings.Cut(page, ">"+subject+"</a>")
		require.True(t, ok, "the list shows %q", subject)
		before, _, _ := strings.Cut(after, "</tr>")
		return before
	}
	gone := row(page, "Booking confirmed for gone@example.org")
	assert.Contains(t, gone, `govuk-tag--red">Failed<`)
	assert.Contains(t, gone, "Not retried.")
	assert.Contains(t, gone, "550")
	busy := row(page, "Booking confirmed for busy@example.org")
	assert.Contains(t, busy, `govuk-tag--yellow">Waiting to retry<`)
	assert.Contains(t, busy, "451")
	assert.Contains(t, row(page, "Booking confirmed for fine@example.org"), `govuk-tag--green">Sent<`)

	resp, page = m.get("/admin/emails?status=failed")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Emails that could not be delivered")
	assert.Contains(t, page, "1 failed email")
	assert.Contains(t, page, "Booking confirmed for gone@example.org")
	assert.NotContains(t, page, "Booking confirmed for busy@example.org", "still being tried: not failed")
	assert.NotContains(t, page, "Booking confirmed for fine@example.org")
	assert.Contains(t, page, `href="/admin/emails">Show all emails</a>`)

	resp, page = m.get("/admin/emails/" + id(ids["gone@example.org"]))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "This email could not be delivered to gone@example.org and will not be tried again.")
	assert.Contains(t, page, "the address could not be reached after 1 attempt. It will not be retried.")
	assert.Regexp(t, `>Reason</dt><dd[^>]*>sending SMTP RCPT TO command: 550 [^<]*no such mailbox`, page,
		"the mail server's reply")
	assert.Contains(t, page, "removed when the service gave up on it")

	_, page = m.get("/admin/emails/" + id(ids["busy@example.org"]))
	assert.Contains(t, page, "Waiting to retry")
	assert.Contains(t, page, "The service will try again.")
	assert.NotContains(t, page, "will not be tried again")

	assert.Equal(t, 1, srv.Tries("gone@example.org"), "the refused address was tried once")
	require.Len(t, srv.Messages(), 1)
	assert.Equal(t, []string{"fine@example.org"}, srv.Messages()[0].To)
}

func TestFailedEmailsFilterPaginates(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "manager@example.org", managerAgency, "manager")
	ctx := context.Background()
	// 55 failed in the last 30 days, one failed long ago, and 60 not failed.
	_, err := a.pool.Exec(ctx, `
		INSERT INTO emails (to_address, subject, body_text, attempts, last_error, failed_at, created_at)
		SELECT 'failed-' || n || '@example.org', 'Failed number ' || n, '', 1, '550 no such mailbox',
		       $1::timestamptz - interval '1 day', $1::timestamptz - interval '2 days' + n * interval '1 minute'
		FROM generate_series(1, 55) AS n`, now)
	require.NoError(t, err)
	_, err = a.pool.Exec(ctx, `
		INSERT INTO emails (to_address, subject, body_text, attempts, last_error, failed_at, created_at)
		VALUES ('old@example.org', 'Failed long ago', '', 10, 'gave up after 10 attempts',
		        $1::timestamptz - interval '40 days', $1::timestamptz - interval '41 days')`, now)
	require.NoError(t, err)
	_, err = a.pool.Exec(ctx, `
		INSERT INTO emails (to_address, subject, body_text, sent_at)
		SELECT 'sent-' || n || '@example.org', 'Sent number ' || n, '', now()
		FROM generate_series(1, 60) AS n`)
	require.NoError(t, err)

	m := a.as(t, "manager@example.org")
	_, page := m.get("/admin/emails")
	assert.Contains(t, page, "55 emails could not be delivered in the last 30 days", "the old failure is not counted")

	_, page = m.get("/admin/emails?status=failed")
	assert.Contains(t, page, "56 failed emails")
	assert.Equal(t, 50, strings.Count(page, `govuk-tag--red">Failed<`))
	assert.NotContains(t, page, "Sent number")
	assert.Contains(t, page, `href="/admin/emails?page=2&amp;status=failed"`, "the next page keeps the filter")

	_, page = m.get("/admin/emails?status=failed&page=2")
	assert.Equal(t, 6, strings.Count(page, `govuk-tag--red">Failed<`))
	assert.Contains(t, page, "Failed long ago", "oldest last")
	assert.NotContains(t, page, "Sent number")
	assert.Contains(t, page, `href="/admin/emails?status=failed" rel="prev"`, "back to the first page, still filtered")
}
