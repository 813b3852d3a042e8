package pgplan_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/pgplan"
	"github.com/pscp/booktraining/internal/pgtest"
)

// messages counts what a connection sends: statements sent alone, and
// pipelines.
type messages struct{ alone, pipelines atomic.Int64 }

func (m *messages) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	m.alone.Add(1)
	return ctx
}
func (m *messages) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (m *messages) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	m.pipelines.Add(1)
	return ctx
}
func (m *messages) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (m *messages) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// Exec's statement commits in one pipeline with its BEGIN and COMMIT, with
// its generic plan; a statement that fails commits nothing, and leaves its
// connection fit for the next.
func TestExecIsOneTransactionInOnePipeline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	_, err := db.Exec(ctx, `CREATE TABLE seen (id int PRIMARY KEY, plan text NOT NULL)`)
	require.NoError(t, err)
	cfg := db.Config().Copy()
	cfg.MaxConns = 1
	m := &messages{}
	cfg.ConnConfig.Tracer = m
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)

	insert := func(id int) error {
		return pgplan.Exec(ctx, pool, func(db pgplan.Execer) error {
			_, err := db.Exec(ctx, `INSERT INTO seen VALUES ($1, current_setting('plan_cache_mode'))`, id)
			return err
		})
	}
	require.NoError(t, insert(1))
	m.alone.Store(0)
	m.pipelines.Store(0)
	require.NoError(t, insert(2))
	assert.Equal(t, int64(0), m.alone.Load(), "statements sent alone")
	assert.Equal(t, int64(1), m.pipelines.Load(), "pipelines")

	var plans []string
	rows, err := db.Query(ctx, `SELECT plan FROM seen ORDER BY id`)
	require.NoError(t, err)
	plans, err = pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	assert.Equal(t, []string{"force_generic_plan", "force_generic_plan"}, plans, "committed, with their generic plans")

	// A second 2 fails: nothing of it is kept, the transaction is over and
	// the pool's one connection serves the next, still outside any
	// transaction (a plan setting left behind would show).
	var before, after int32
	require.NoError(t, pool.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&before))
	var pgErr *pgconn.PgError
	require.ErrorAs(t, insert(2), &pgErr)
	assert.Equal(t, "23505", pgErr.Code)
	var status string
	require.NoError(t, pool.QueryRow(ctx, `SELECT current_setting('plan_cache_mode') || ' ' || (SELECT count(*) FROM seen)`).Scan(&status))
	assert.Equal(t, "auto 2", status)
	require.NoError(t, insert(3))
	require.NoError(t, pool.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&after))
	assert.Equal(t, before, after, "the connection kept, not closed")

	// Exec runs one statement, and no query.
	err = pgplan.Exec(ctx, pool, func(db pgplan.Execer) error {
		if _, err := db.Exec(ctx, `INSERT INTO seen VALUES (4, 'x')`); err != nil {
			return err
		}
		_, err := db.Exec(ctx, `INSERT INTO seen VALUES (5, 'x')`)
		return err
	})
	require.Error(t, err)
	require.Error(t, pgplan.Exec(ctx, pool, func(pgplan.Execer) error { return nil }), "no statement")
	var n int
	require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM seen WHERE id > 3`).Scan(&n))
	assert.Equal(t, 1, n, "the first statement of two committed alone")
}
