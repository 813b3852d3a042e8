package trainer

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/privacy"
	"github.com/pscp/booktraining/internal/trainer/internal/trainerdb"
)

// Retention is trainer's share of the retention schedule (internal/privacy),
// by the schedule's rule key: the reason for time off goes once the time off
// is over.
func Retention() map[string]privacy.Cleaner {
	return map[string]privacy.Cleaner{"time_off_reasons": clearTimeOffReasons}
}

func clearTimeOffReasons(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
	n, err := trainerdb.New(tx).ClearPastTimeOffReasons(ctx, trainerdb.ClearPastTimeOffReasonsParams{Now: now, MaxRows: max})
	return int(n), err
}
