// Package pgplan runs a read's statements, or one write's, with their
// generic plans.
//
// PostgreSQL plans a prepared statement again for each execution (a custom
// plan) for as long as it estimates that plan cheaper than the generic one it
// would keep for the connection, counting little for planning itself. A
// statement whose estimate turns on a parameter (the clock, a page's offset,
// an array of ids) always looks dearer generic, so it is planned on every
// request. Under the row-level security policies of a manager's scope
// (internal/scope) planning such a statement can cost several times what
// running it does, at any size of database.
//
// Read, Query and Exec are for the statements whose generic plan is as good
// as the custom one: each caller says what it measured. A statement whose
// best plan depends on its parameters (an optional filter, a search) is left
// to plan for each request.
package pgplan

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Read runs fn in a read-only repeatable-read transaction, so what it reads
// agrees, whose statements use their generic plans. The transaction costs
// the round trips of any other: its settings go with its BEGIN, in one
// message.
func Read(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{BeginQuery: begin}, fn)
}

const begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL plan_cache_mode = force_generic_plan"

// Exec runs the one statement fn sends through its Execer as a transaction
// of its own whose statement uses its generic plan, as Read's do, in one
// round trip: BEGIN, the setting, the statement and COMMIT go to PostgreSQL
// together, in one pipeline. When the statement fails, the COMMIT after it
// is not run and the transaction is rolled back.
func Exec(ctx context.Context, pool *pgxpool.Pool, fn func(Execer) error) error {
	return pipeline(ctx, pool, false, fn)
}

// Query is Exec for one query, whose rows fn reads through its Execer's
// Query: a read-only transaction of the one statement, sent with its BEGIN
// and COMMIT in one round trip. A single statement needs no snapshot of its
// own; the transaction is only what carries the plan's setting.
func Query(ctx context.Context, pool *pgxpool.Pool, fn func(Execer) error) error {
	return pipeline(ctx, pool, true, fn)
}

func pipeline(ctx context.Context, pool *pgxpool.Pool, read bool, fn func(Execer) error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release() // pgxpool closes a connection left in a transaction
	p := &pipelined{conn: conn, read: read}
	err = fn(p)
	if conn.Conn().PgConn().TxStatus() != 'I' {
		_, _ = conn.Exec(ctx, "ROLLBACK")
	}
	if err == nil && !p.sent {
		return errNoStatement
	}
	return err
}

// Execer is what Exec and Query give fn: sqlc's DBTX, of which only Exec
// (in Exec) or Query (in Query) may be called, and once.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

var (
	errNoStatement  = errors.New("pgplan: no statement was sent")
	errOneStatement = errors.New("pgplan: Exec runs one statement, sent by Exec")
	errOneQuery     = errors.New("pgplan: Query runs one query, sent by Query")
)

type pipelined struct {
	conn *pgxpool.Conn
	read bool // Query's: its one statement is sent by Query, read-only
	sent bool
}

// queued is how many statements batch sends: BEGIN, the setting, sql and
// COMMIT.
const queued = 4

// batch is the pipeline of sql in its transaction, sent.
func (p *pipelined) batch(ctx context.Context, sql string, args []any) pgx.BatchResults {
	p.sent = true
	b := &pgx.Batch{}
	if p.read {
		b.Queue("BEGIN READ ONLY")
	} else {
		b.Queue("BEGIN")
	}
	b.Queue("SET LOCAL plan_cache_mode = force_generic_plan")
	b.Queue(sql, args...)
	b.Queue("COMMIT")
	return p.conn.SendBatch(ctx, b)
}

func (p *pipelined) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if p.sent || p.read {
		return pgconn.CommandTag{}, errOneStatement
	}
	br := p.batch(ctx, sql, args)
	var tag pgconn.CommandTag
	var err error
	for i := range queued {
		t, e := br.Exec()
		if i == 2 {
			tag = t
		}
		if err == nil {
			err = e
		}
	}
	if e := br.Close(); err == nil {
		err = e
	}
	return tag, err
}

// Query sends the pipeline and gives the query's rows: closing them reads
// the COMMIT's result and ends the pipeline. A failed BEGIN or setting is
// the query's error (PostgreSQL then skips the rest of the pipeline).
func (p *pipelined) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if p.sent || !p.read {
		return nil, errOneQuery
	}
	br := p.batch(ctx, sql, args)
	for range 2 {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return nil, err
		}
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return &pipelinedRows{Rows: rows, br: br}, nil
}

func (p *pipelined) QueryRow(context.Context, string, ...any) pgx.Row {
	return errorRow{errOneQuery}
}

// pipelinedRows are a pipeline's query's rows; Close ends the pipeline.
type pipelinedRows struct {
	pgx.Rows
	br pgx.BatchResults
}

func (r *pipelinedRows) Close() {
	r.Rows.Close()
	if r.br == nil {
		return
	}
	// The COMMIT's error, if any, is not the reader's: a query that failed
	// has its own in Err, and left the transaction for pipeline to end.
	_, _ = r.br.Exec()
	_ = r.br.Close()
	r.br = nil
}

// SendBatch is refused: Exec and Query send their pipeline themselves.
func (p *pipelined) SendBatch(context.Context, *pgx.Batch) pgx.BatchResults {
	if p.read {
		return errorBatch{errOneQuery}
	}
	return errorBatch{errOneStatement}
}

type errorRow struct{ err error }

func (r errorRow) Scan(...any) error { return r.err }

type errorBatch struct{ err error }

func (b errorBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, b.err }
func (b errorBatch) Query() (pgx.Rows, error)         { return nil, b.err }
func (b errorBatch) QueryRow() pgx.Row                { return errorRow(b) }
func (b errorBatch) Close() error                     { return b.err }
func (b errorBatch) Tx() pgx.Tx                       { return nil }
