package email_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
)

// A failed delivery is described by its email's subject and recipient, with
// the manager's page of that email; an email given up on cannot be tried
// again, and the page is told why.
func TestDescribeDeliveryJob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	var retrying, failed int64
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO emails (to_address, to_name, subject, body_text, attempts, last_error)
		VALUES ('sam@example.org', 'Sam Jones', 'Booking confirmed', 'Hello', 2, 'timeout') RETURNING id`).Scan(&retrying))
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO emails (to_address, subject, body_text, attempts, last_error, failed_at)
		VALUES ('gone@example.org', 'Reminder', '', 1, '550 no such user', now()) RETURNING id`).Scan(&failed))
	describe := email.Describers(pool)[email.DeliverArgs{}.Kind()]
	require.NotNil(t, describe)
	args := func(id int64) []byte { return fmt.Appendf(nil, `{"email_id": %d}`, id) }

	s, err := describe(ctx, args(retrying))
	require.NoError(t, err)
	assert.Equal(t, queue.Subject{What: "Email “Booking confirmed”", Who: "Sam Jones (sam@example.org)",
		Link: fmt.Sprintf("/admin/emails/%d", retrying)}, s)

	s, err = describe(ctx, args(failed))
	require.NoError(t, err)
	assert.Equal(t, "gone@example.org", s.Who)
	assert.Contains(t, s.NoRetry, "cannot be sent again")

	_, err = describe(ctx, args(failed+100))
	assert.ErrorIs(t, err, email.ErrNotFound, "the email was deleted: the page falls back on the job's ids")
}
