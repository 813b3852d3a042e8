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
// Read and Exec are for the statements whose generic plan is as good as the
// custom one: each caller says what it measured. A statement whose best plan
// depends on its parameters (an optional filter, a search) is left to plan
// for each request.
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
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release() // pgxpool closes a connection left in a transaction
	p := &pipelined{conn: conn}
	err = fn(p)
	if conn.Conn().PgConn().TxStatus() != 'I' {
		_, _ = conn.Exec(ctx, "ROLLBACK")
	}
	if err == nil && !p.sent {
		return errNoStatement
	}
	return err
}

// Execer is what Exec gives fn: sqlc's DBTX, of which only Exec may be
// called, and once.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

var (
	errNoStatement  = errors.New("pgplan: Exec sent no statement")
	errOneStatement = errors.New("pgplan: Exec runs one statement, sent by Exec")
)

type pipelined struct {
	conn *pgxpool.Conn
	sent bool
}

func (p *pipelined) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if p.sent {
		return pgconn.CommandTag{}, errOneStatement
	}
	p.sent = true
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue("SET LOCAL plan_cache_mode = force_generic_plan")
	b.Queue(sql, args...)
	b.Queue("COMMIT")
	br := p.conn.SendBatch(ctx, b)
	var tag pgconn.CommandTag
	var err error
	for i := range b.Len() {
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

func (p *pipelined) Query(context.Context, string, ...any) (pgx.Rows, error) {
	return nil, errOneStatement
}

func (p *pipelined) QueryRow(context.Context, string, ...any) pgx.Row {
	return errorRow{errOneStatement}
}

type errorRow struct{ err error }

func (r errorRow) Scan(...any) error { return r.err }
