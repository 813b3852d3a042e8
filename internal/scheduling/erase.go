package scheduling

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/scheduling/internal/schedulingdb"
)

// LeaveSessionsToComeTx takes a person whose account is being erased off
// every session still to come they were down to deliver, in the caller's
// transaction (the erasure's), before their approvals and trainer role go:
// the database keeps both while they have sessions to come. An erased person
// trains no more; the sessions they delivered stay as history. Scheduling
// owns who delivers a session, so the change is made here; it writes no
// audit entry of its own, because the erasure that calls it is the audited
// action (account_erased), and an entry for each session would keep whom
// the erased person was in the log.
func LeaveSessionsToComeTx(ctx context.Context, tx pgx.Tx, userID int64) error {
	if _, err := schedulingdb.New(tx).LeaveSessionsToCome(ctx, userID); err != nil {
		return fmt.Errorf("take %d off their sessions to come: %w", userID, err)
	}
	return nil
}
