package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEmailPageShowsAnInvite(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "manager@example.org", managerAgency, "manager")
	ctx := context.Background()
	var invite, cancel, plain int64
	require.NoError(t, a.pool.QueryRow(ctx, `INSERT INTO emails (to_address, subject, body_text, calendar_method, calendar_ics, calendar_filename)
		VALUES ('x@example.org', 'You are booked', 'See you there', 'REQUEST', E'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n', '<b>level-3</b>.ics')
		RETURNING id`).Scan(&invite))
	require.NoError(t, a.pool.QueryRow(ctx, `INSERT INTO emails (to_address, subject, body_text, calendar_method)
		VALUES ('x@example.org', 'Session cancelled', '', 'CANCEL') RETURNING id`).Scan(&cancel))
	require.NoError(t, a.pool.QueryRow(ctx, `INSERT INTO emails (to_address, subject, body_text)
		VALUES ('x@example.org', 'Hello', 'Hello') RETURNING id`).Scan(&plain))

	m := a.as(t, "manager@example.org")
	resp, page := m.get("/admin/emails/" + id(invite))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Invitation (&lt;b&gt;level-3&lt;/b&gt;.ics)")
	_, page = m.get("/admin/emails/" + id(cancel))
	assert.Contains(t, page, ">Cancellation<")
	_, page = m.get("/admin/emails/" + id(plain))
	assert.NotContains(t, page, ">Calendar<")
}
