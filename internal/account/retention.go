package account

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pscp/booktraining/internal/london"
)

// WarnUnusedTx emails a person, in the caller's transaction, that their
// account has not been used for years and will be erased on eraseOn unless
// they sign in (signing in withdraws the warning). The retention schedule
// calls it.
func (s *Service) WarnUnusedTx(ctx context.Context, tx pgx.Tx, userID int64, to, name string, eraseOn time.Time) error {
	day := london.LongDate(eraseOn)
	return s.send(ctx, tx, userID, to, name, unusedAccountEmail(name, s.link("/sign-in", ""), day))
}

// EraseForRetention erases an account whose time under the retention
// schedule is up, in the caller's transaction; the audit log says why and
// that nobody asked (ctx, a job's, carries no actor).
func (s *Service) EraseForRetention(ctx context.Context, tx pgx.Tx, userID int64, now time.Time, reason string) error {
	return s.EraseTx(ctx, tx, userID, now, reason)
}
