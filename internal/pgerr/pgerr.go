// Package pgerr recognises the PostgreSQL errors that carry meaning for a
// person: a constraint that refused a change (a name already taken, a room
// already booked), so a domain package can say which in plain words.
package pgerr

import (
	"errors"
	"strings"

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

// RowSecurity reports whether err is PostgreSQL refusing a row that a
// row-level security policy does not let the acting role write: a training
// manager changing another partnership's row (see internal/scope).
func RowSecurity(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "42501" && strings.Contains(pgErr.Message, "row-level security")
}
