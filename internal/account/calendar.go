package account

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/account/internal/accountdb"
)

// The secret token of a person's calendar feed is kept on their account;
// internal/calendar makes, resets and reads it, and writes it through these
// functions, each in the caller's transaction.

// EnsureCalendarTokenTx sets the person's feed token to fresh unless they
// have one already, and returns the one they have: two first views at once
// agree on one. pgx.ErrNoRows when there is no such person.
func EnsureCalendarTokenTx(ctx context.Context, tx pgx.Tx, userID int64, fresh string) (string, error) {
	return accountdb.New(tx).EnsureCalendarToken(ctx, accountdb.EnsureCalendarTokenParams{ID: userID, Token: &fresh})
}

// SetCalendarTokenTx replaces the person's feed token, saying false when
// there is no such person.
func SetCalendarTokenTx(ctx context.Context, tx pgx.Tx, userID int64, token string) (bool, error) {
	n, err := accountdb.New(tx).SetCalendarToken(ctx, accountdb.SetCalendarTokenParams{ID: userID, Token: &token})
	return n > 0, err
}

// ForgetCalendarTokenTx removes the person's feed token, so their feed's
// address stops working.
func ForgetCalendarTokenTx(ctx context.Context, tx pgx.Tx, userID int64) error {
	return accountdb.New(tx).ForgetCalendarToken(ctx, userID)
}
