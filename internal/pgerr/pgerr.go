// Package pgerr recognises the PostgreSQL errors that carry meaning for a
// person: a constraint that refused a change (a name already taken, a room
// already booked), so a domain package can say which in plain words.
package pgerr

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

// Violates reports whether err is PostgreSQL refusing a change because of
// one of the named constraints (unique, exclusion, check or foreign key).
func Violates(err error, constraints ...string) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.ConstraintName == "" {
		return false
	}
	for _, c := range constraints {
		if pgErr.ConstraintName == c {
			return true
		}
	}
	return false
}
