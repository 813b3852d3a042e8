package evaluation

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/evaluation/internal/evaluationdb"
	"github.com/pscp/booktraining/internal/privacy"
)

// Retention returns the retention schedule's rule evaluation applies: a
// line manager's link, and the address it went to, go once it has expired.
// Evaluations themselves go with their bookings.
func Retention() map[string]privacy.Cleaner {
	return map[string]privacy.Cleaner{
		"line_manager_links": func(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
			n, err := evaluationdb.New(tx).ForgetExpiredLinks(ctx, evaluationdb.ForgetExpiredLinksParams{Now: now, MaxRows: max})
			return int(n), err
		},
	}
}
