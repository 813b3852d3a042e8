package demo_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/renewal"
)

// The demo's courses expire, and the demo coordinator's agency shows every
// training status; the colleague whose training is due is told.
func TestDemoRenewals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	now := time.Now()
	seeded, err := demo.SeedWithAccounts(ctx, pool, now)
	require.NoError(t, err)
	require.True(t, seeded)
	var expiring int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM courses WHERE valid_for_months = $1`, demo.ValidForMonths).Scan(&expiring))
	assert.Equal(t, len(demo.Courses), expiring)

	inserter, err := queue.NewInsertOnly(pool)
	require.NoError(t, err)
	base, _ := url.Parse("http://localhost:3000")
	svc := renewal.New(pool, email.NewOutbox(inserter), base, func() time.Time { return now }, nil)
	var coordinator, agency int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT id, agency_id FROM users WHERE email = 'coordinator@example.org'`).Scan(&coordinator, &agency))
	got, err := svc.ForAgency(actor.With(ctx, actor.Actor{ID: coordinator, Coordinator: true, AgencyID: &agency}), renewal.AgencyFilter{})
	require.NoError(t, err)
	seen := map[renewal.Status]int{}
	for _, r := range got.Rows {
		seen[r.Status]++
	}
	for _, s := range renewal.Statuses {
		assert.Positive(t, seen[s], "someone is %s", s)
	}

	sent, err := svc.SendDueNotices(ctx)
	require.NoError(t, err)
	assert.Positive(t, sent)
	var told int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM emails e JOIN users u ON u.id = e.user_id
		WHERE u.email = 'eli.ward@example.org' AND e.subject LIKE '%due for renewal%'`).Scan(&told))
	assert.Equal(t, 1, told)
}
