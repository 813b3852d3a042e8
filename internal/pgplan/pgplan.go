// Package pgplan runs a read's statements with their generic plans.
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
// Read is for the statements whose generic plan is as good as the custom
// one: each caller says what it measured. A statement whose best plan
// depends on its parameters (an optional filter, a search) is left to plan
// for each request.
package pgplan

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Read runs fn in a read-only repeatable-read transaction, so what it reads
// agrees, whose statements use their generic plans. The transaction costs
// the round trips of any other: its settings go with its BEGIN, in one
// message.
func Read(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{BeginQuery: begin}, fn)
}

// Write runs fn in a transaction whose statements use their generic plans,
// as Read does, for a change.
func Write(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{BeginQuery: beginWrite}, fn)
}

const (
	begin      = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL plan_cache_mode = force_generic_plan"
	beginWrite = "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan"
)
