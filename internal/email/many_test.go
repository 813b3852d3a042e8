package email_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
)

// EnqueueAll stores each message as Enqueue would, each with its own
// delivery job, and stores none when one is invalid.
func TestEnqueueAllStoresEachMessageWithItsJob(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	client, err := queue.NewInsertOnly(pool)
	require.NoError(t, err)
	outbox := email.NewOutbox(client)
	ctx := context.Background()
	var user int64
	require.NoError(t, pool.QueryRow(ctx, `
		INSERT INTO users (email, full_name, password_hash, unlisted_agency_name) VALUES ('sam@example.org', 'Sam', '!', 'A nursery') RETURNING id`).Scan(&user))
	ics := []byte("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n")
	messages := []email.Message{
		{To: "sam@example.org", ToName: "Sam", Subject: "Session changed", Body: "It moved.", HTML: "<p>It moved.</p>",
			Calendar: &email.Calendar{Method: email.MethodRequest, Data: ics, Filename: "invitation.ics"}, UserID: &user},
		{To: "lee@example.org", ToName: "Lee", Subject: "Non-attendance", Body: "Sam was absent."},
	}
	require.NoError(t, pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return outbox.EnqueueAll(ctx, tx, messages) }))

	rows, err := pool.Query(ctx, `
		SELECT to_address, to_name, subject, body_text, body_html, calendar_method, calendar_ics, calendar_filename,
		       coalesce(user_id, 0),
		       (SELECT count(*) FROM river_job j WHERE j.kind = $1 AND (j.args->>'email_id')::bigint = e.id)
		FROM emails e ORDER BY id`, email.DeliverArgs{}.Kind())
	require.NoError(t, err)
	type stored struct {
		to, name, subject, text, html, method, ics, filename string
		user, jobs                                           int64
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (stored, error) {
		var s stored
		err := r.Scan(&s.to, &s.name, &s.subject, &s.text, &s.html, &s.method, &s.ics, &s.filename, &s.user, &s.jobs)
		return s, err
	})
	require.NoError(t, err)
	assert.Equal(t, []stored{
		{"sam@example.org", "Sam", "Session changed", "It moved.", "<p>It moved.</p>", "REQUEST", string(ics), "invitation.ics", user, 1},
		{"lee@example.org", "Lee", "Non-attendance", "Sam was absent.", "", "", "", "", 0, 1},
	}, got)

	bad := append(messages, email.Message{To: "nobody", Subject: "Hello", Body: "Hello"})
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return outbox.EnqueueAll(ctx, tx, bad) })
	assert.ErrorIs(t, err, email.ErrInvalidMessage)
	var n int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM emails").Scan(&n))
	assert.Equal(t, 2, n, "nothing more stored when one message is invalid")
	require.NoError(t, pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return outbox.EnqueueAll(ctx, tx, nil) }))
}
