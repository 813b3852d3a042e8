package email

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/email/internal/emaildb"
	"github.com/pscp/booktraining/internal/privacy"
)

// Retention is the outbox's share of the retention schedule
// (internal/privacy), by the schedule's rule key: emails lose their text,
// then go.
func Retention() map[string]privacy.Cleaner {
	return map[string]privacy.Cleaner{
		"email_text":    clearOldText,
		"email_records": deleteOld,
	}
}

func clearOldText(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
	n, err := emaildb.New(tx).ClearOldEmailText(ctx, emaildb.ClearOldEmailTextParams{
		Before: now.Add(-privacy.EmailTextPeriod), MaxRows: max})
	return int(n), err
}

func deleteOld(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
	n, err := emaildb.New(tx).DeleteOldEmails(ctx, emaildb.DeleteOldEmailsParams{
		Before: now.AddDate(-privacy.EmailRecordYears, 0, 0), MaxRows: max})
	return int(n), err
}

// EraseCopiesTx empties, in the caller's transaction, the emails whose text
// holds one of exact (as written) or anyCase (in any case): copies of what
// another part erases about a person. An email not yet delivered whose text
// has gone is never sent.
func EraseCopiesTx(ctx context.Context, tx pgx.Tx, exact, anyCase []string) error {
	if len(exact) == 0 && len(anyCase) == 0 {
		return nil
	}
	return emaildb.New(tx).EraseEmailsContaining(ctx, emaildb.EraseEmailsContainingParams{Exact: exact, AnyCase: anyCase})
}
