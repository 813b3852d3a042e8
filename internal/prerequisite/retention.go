package prerequisite

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/prerequisite/internal/prerequisitedb"
	"github.com/pscp/booktraining/internal/privacy"
)

// Retention returns the retention schedule's rule prerequisite applies:
// rejected prior learning claims go a year after the decision. Confirmed
// claims are part of the person's training record and stay with it, until
// the account is erased.
func Retention() map[string]privacy.Cleaner {
	return map[string]privacy.Cleaner{
		"rejected_prior_learning": func(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
			before := now.AddDate(-1, 0, 0)
			n, err := prerequisitedb.New(tx).DeleteRejectedClaims(ctx, prerequisitedb.DeleteRejectedClaimsParams{
				Before: &before, MaxRows: max})
			return int(n), err
		},
	}
}
