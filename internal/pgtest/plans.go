package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Plans counts how a prepared statement was planned on its connection:
// Generic, by the plan kept for the connection; Custom, afresh for its
// parameters.
type Plans struct{ Generic, Custom int64 }

// PreparedPlans reads, from one connection of pool (give it a pool of one
// connection to see them all), how each statement sqlc named ("-- name:
// X") was planned, by name.
func PreparedPlans(t testing.TB, pool *pgxpool.Pool) map[string]Plans {
	t.Helper()
	rows, err := pool.Query(context.Background(), `
		SELECT substring(statement FROM '-- name: (\w+)'), generic_plans, custom_plans
		FROM pg_prepared_statements WHERE statement LIKE '-- name: %'`)
	if err != nil {
		t.Fatalf("pgtest: prepared statements: %v", err)
	}
	defer rows.Close()
	seen := map[string]Plans{}
	for rows.Next() {
		var name string
		var p Plans
		if err := rows.Scan(&name, &p.Generic, &p.Custom); err != nil {
			t.Fatalf("pgtest: prepared statements: %v", err)
		}
		seen[name] = p
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("pgtest: prepared statements: %v", err)
	}
	return seen
}
