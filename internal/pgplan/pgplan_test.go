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

// oneTracedConnection is a pool of db's database of one connection, whose
// messages are counted.
func oneTracedConnection(t *testing.T, db *pgxpool.Pool) (*pgxpool.Pool, *messages) {
	t.Helper()
	cfg := db.Config().Copy()
	cfg.MaxConns = 1
	m := &messages{}
	cfg.ConnConfig.Tracer = m
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool, m
}

// Exec's statement commits in one pipeline with its BEGIN and COMMIT, with
// its generic plan; a statement that fails commits nothing, and leaves its
// connection fit for the next.
func TestExecIsOneTransactionInOnePipeline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	_, err := db.Exec(ctx, `CREATE TABLE seen (id int PRIMARY KEY, plan text NOT NULL)`)
	require.NoError(t, err)
	pool, m := oneTracedConnection(t, db)

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

// Query's one query reads in one pipeline with its BEGIN and COMMIT, read
// only, with its generic plan; a query that fails leaves its connection fit
// for the next, outside any transaction.
func TestQueryIsOneReadOnlyTransactionInOnePipeline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	_, err := db.Exec(ctx, `CREATE TABLE n (id int PRIMARY KEY)`)
	require.NoError(t, err)
	_, err = db.Exec(ctx, `INSERT INTO n SELECT generate_series(0, 3)`)
	require.NoError(t, err)
	pool, m := oneTracedConnection(t, db)

	// Each row says how it was read; sqlc's code reads rows so, closing
	// them when done.
	read := func(sql string, from int) (got []string, err error) {
		err = pgplan.Query(ctx, pool, func(db pgplan.Execer) error {
			rows, err := db.Query(ctx, sql, from)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					return err
				}
				got = append(got, s)
			}
			return rows.Err()
		})
		return got, err
	}
	const how = `SELECT id || ' ' || current_setting('plan_cache_mode') || ' ' || current_setting('transaction_read_only')
		FROM n WHERE id >= $1 ORDER BY id`
	_, err = read(how, 0)
	require.NoError(t, err)
	m.alone.Store(0)
	m.pipelines.Store(0)
	got, err := read(how, 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"2 force_generic_plan on", "3 force_generic_plan on"}, got)
	assert.Equal(t, int64(0), m.alone.Load(), "statements sent alone")
	assert.Equal(t, int64(1), m.pipelines.Load(), "pipelines")

	// A query that fails midway (dividing by 0 on the last row) gives its
	// error, and the pool's one connection serves the next outside any
	// transaction, back at the default plan.
	var before, after int32
	require.NoError(t, pool.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&before))
	_, err = read(`SELECT (10 / (3 - id))::text FROM n WHERE id >= $1 ORDER BY id`, 0)
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	assert.Equal(t, "22012", pgErr.Code)
	var status string
	require.NoError(t, pool.QueryRow(ctx, `SELECT current_setting('plan_cache_mode')`).Scan(&status))
	assert.Equal(t, "auto", status)
	require.NoError(t, pool.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&after))
	assert.Equal(t, before, after, "the connection kept, not closed")

	// It writes nothing, and runs one query and no other statement.
	_, err = read(`INSERT INTO n VALUES ($1) RETURNING id::text`, 9)
	require.ErrorAs(t, err, &pgErr)
	assert.Equal(t, "25006", pgErr.Code, "read only")
	require.Error(t, pgplan.Query(ctx, pool, func(db pgplan.Execer) error {
		_, err := db.Exec(ctx, `DELETE FROM n`)
		return err
	}), "no Exec")
	require.Error(t, pgplan.Exec(ctx, pool, func(db pgplan.Execer) error {
		rows, err := db.Query(ctx, `SELECT 1`)
		if err == nil {
			rows.Close()
		}
		return err
	}), "no Query in Exec")
	require.Error(t, pgplan.Query(ctx, pool, func(pgplan.Execer) error { return nil }), "no statement")
	require.Error(t, pgplan.Query(ctx, pool, func(db pgplan.Execer) error {
		b := &pgx.Batch{}
		b.Queue(`DELETE FROM n`)
		return db.SendBatch(ctx, b).Close()
	}), "no batch")
	err = pgplan.Query(ctx, pool, func(db pgplan.Execer) error {
		for range 2 {
			rows, err := db.Query(ctx, `SELECT 1`)
			if err != nil {
				return err
			}
			rows.Close()
		}
		return nil
	})
	require.Error(t, err, "a second query")
	var n int
	require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM n`).Scan(&n))
	assert.Equal(t, 4, n)
}
