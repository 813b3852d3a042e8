package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/pgtest"
)

// oneConnection builds the app's services on a pool of one connection of
// the test's database, so a test can read that connection's prepared
// statements.
func oneConnection(t testing.TB, pool **pgxpool.Pool) deps {
	return func(d *testDeps) {
		cfg := d.Pool.Config()
		cfg.MaxConns, cfg.MinConns = 1, 0
		one, err := pgxpool.NewWithConfig(context.Background(), cfg)
		require.NoError(t, err)
		t.Cleanup(one.Close)
		*pool = one
		d.Services = newServices(t, one, d.Now)
		d.Ready = one.Ping
	}
}

// The manager's lists whose statements' generic plans are as good as plans
// made for each request's parameters use them (internal/pgplan): planned
// afresh on each visit, under the partnership's row-level security
// policies, they cost more to plan than to run.
func TestListsReuseTheirPlans(t *testing.T) {
	t.Parallel()
	var pool *pgxpool.Pool
	a := setup(t, oneConnection(t, &pool))
	a.newUser(t, "manager@example.org", managerAgency, "manager")
	m := a.as(t, "manager@example.org")
	const visits = 8
	for range visits {
		for _, page := range []string{"/admin", "/admin/prior-learning", "/admin/agencies", "/admin/people"} {
			resp, _ := m.get(page)
			require.Equal(t, http.StatusOK, resp.StatusCode, page)
		}
	}
	seen := pgtest.PreparedPlans(t, pool)
	for _, name := range []string{"HomeCounts", "CountPendingClaims", "PendingClaims", "CountAgencies", "ListAgencies",
		"InsertViewEvent"} {
		require.Contains(t, seen, name)
		assert.Zero(t, seen[name].Custom, "%s planned for each visit", name)
		assert.EqualValues(t, visits, seen[name].Generic, "%s", name)
	}
}
