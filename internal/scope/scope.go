// Package scope keeps each partnership's training managers to their own
// partnership's rows (issue 22), in PostgreSQL rather than in every handler: a
// manager's request's statements run as the database role ManagerRole with
// app.partnership_id set, and the row-level security policies of migration
// 00049 let that role see and change only that partnership's rows.
package scope

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ManagerRole is the database role a training manager's request runs its
// statements as: the row-level security policies (migration 00049) let it see
// and change only the rows of the partnership named by app.partnership_id.
const ManagerRole = "booktraining_manager"

type managingKey struct{}

// Managing returns ctx for a training manager's request acting for
// partnership id. Every statement sent with it (or a context made from it)
// through a pool set up by Pool runs in that partnership's scope.
func Managing(ctx context.Context, id int64) context.Context {
	return context.WithValue(ctx, managingKey{}, id)
}

// ManagingFrom is the partnership ctx's request manages, if any.
func ManagingFrom(ctx context.Context) (int64, bool) {
	if id, _ := ctx.Value(managingKey{}).(int64); id > 0 {
		return id, true
	}
	return 0, false
}

// Unscoped returns ctx for work done on behalf of the service within a
// manager's request, which must see every partnership's rows (none today
// outside tests; kept explicit so such work is easy to find).
func Unscoped(ctx context.Context) context.Context {
	return context.WithValue(ctx, managingKey{}, int64(0))
}

// anyScope is AnyScope's mark, in the place of a partnership's ID.
const anyScope = -1

// AnyScope returns ctx for statements that read and change the same rows in
// every scope, manager's or not: the sign-in's lookup of a login and its
// person, which runs before anyone knows whose scope the request is
// (account.Service.Login). The pool runs them on a connection as it is, in
// whatever scope it was last used, so a manager's request does not switch its
// connection out of its partnership's scope for the lookup and back for the
// page. Only statements on tables without policies, or through functions that
// answer the same for every role (SECURITY DEFINER), may run so. A scope set
// by Managing or Unscoped on ctx afterwards replaces it.
func AnyScope(ctx context.Context) context.Context {
	return context.WithValue(ctx, managingKey{}, int64(anyScope))
}

// scopeKey is where a connection remembers the scope it was last set to.
const scopeKey = "scope.partnership"

// Pool makes cfg's pool give each acquired connection the scope of the
// context it is acquired with: a manager's request's connections run as
// ManagerRole with app.partnership_id set; every other request's as the
// pool's own role. A connection is changed only when it was last used in
// another scope, with one round trip, so a pool serving mostly one kind of
// request pays nothing. Transactions begun on the connection run in its scope.
func Pool(cfg *pgxpool.Config) {
	prev := cfg.PrepareConn
	cfg.PrepareConn = func(ctx context.Context, conn *pgx.Conn) (bool, error) {
		if prev != nil {
			if ok, err := prev(ctx, conn); !ok || err != nil {
				return ok, err
			}
		}
		if id, _ := ctx.Value(managingKey{}).(int64); id == anyScope {
			return true, nil
		}
		want, _ := ManagingFrom(ctx)
		data := conn.PgConn().CustomData()
		if had, _ := data[scopeKey].(int64); had == want {
			return true, nil
		}
		role, id := "none", ""
		if want != 0 {
			role, id = ManagerRole, strconv.FormatInt(want, 10)
		}
		// Forget the scope first: if setting it fails halfway, the next
		// acquirer sets it again rather than trusting it.
		delete(data, scopeKey)
		if _, err := conn.Exec(ctx, "SELECT set_config('role', $1, false), set_config('app.partnership_id', $2, false)",
			role, id); err != nil {
			// A connection whose scope is unknown is not used again.
			return false, fmt.Errorf("set the partnership's scope: %w", err)
		}
		data[scopeKey] = want
		return true, nil
	}
}
