package account

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/account/internal/accountdb"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/privacy"
)

// Retention is the account's share of the retention schedule (internal/privacy):
// the rules on accounts, sign-in records, email limits, device cookies,
// signed-in sessions and one-time links, by the schedule's rule key. The
// schedule says how long each is kept; these apply it to the account's own
// tables, erasing and warning as the account does.
func (s *Service) Retention() map[string]privacy.Cleaner {
	return map[string]privacy.Cleaner{
		"unverified_accounts":    s.eraseUnverified,
		"unused_accounts_warned": s.warnUnused,
		"unused_accounts_erased": s.eraseUnused,
		"sign_in_attempts":       deleteSignInAttempts,
		"email_limits":           deleteEmailLimits,
		"device_cookies":         deleteDeviceCookies,
		"web_sessions":           deleteWebSessions,
		"account_links":          deleteAccountLinks,
	}
}

// WarnUnusedTx emails a person, in the caller's transaction, that their
// account has not been used for years and will be erased on eraseOn unless
// they sign in (signing in withdraws the warning).
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

func (s *Service) eraseUnverified(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
	ids, err := accountdb.New(tx).ListUnverifiedAccountsBefore(ctx, accountdb.ListUnverifiedAccountsBeforeParams{
		Before: now.Add(-privacy.UnverifiedAccountPeriod), MaxRows: max})
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := s.EraseForRetention(ctx, tx, id, now, "retention: email address not confirmed within 7 days of sign-up"); err != nil {
			return 0, fmt.Errorf("erase account %d: %w", id, err)
		}
	}
	return len(ids), nil
}

func (s *Service) warnUnused(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
	q := accountdb.New(tx)
	rows, err := q.ListAccountsToWarn(ctx, accountdb.ListAccountsToWarnParams{
		UnusedSince: now.AddDate(-privacy.UnusedAccountYears, 0, 0), Now: now, MaxRows: max})
	if err != nil {
		return 0, err
	}
	for _, r := range rows {
		if err := s.WarnUnusedTx(ctx, tx, r.ID, r.Email, r.FullName, now.Add(privacy.UnusedAccountNotice)); err != nil {
			return 0, fmt.Errorf("warn account %d: %w", r.ID, err)
		}
		if err := q.MarkInactivityWarned(ctx, accountdb.MarkInactivityWarnedParams{ID: r.ID, Now: now}); err != nil {
			return 0, fmt.Errorf("warn account %d: %w", r.ID, err)
		}
	}
	return len(rows), nil
}

func (s *Service) eraseUnused(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
	ids, err := accountdb.New(tx).ListInactiveAccountsToErase(ctx, accountdb.ListInactiveAccountsToEraseParams{
		WarnedBefore: now.Add(-privacy.UnusedAccountNotice), Now: now, MaxRows: max})
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := s.EraseForRetention(ctx, tx, id, now, "retention: account not used for 3 years, and not signed in to within 30 days of the warning"); err != nil {
			return 0, fmt.Errorf("erase account %d: %w", id, err)
		}
	}
	return len(ids), nil
}

func deleteSignInAttempts(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
	n, err := accountdb.New(tx).DeleteSignInAttemptsBatch(ctx, accountdb.DeleteSignInAttemptsBatchParams{
		Before: now.Add(-privacy.SignInAttemptPeriod), MaxRows: max})
	return int(n), err
}

// deleteEmailLimits deletes every expired record at once: the table holds
// at most a day of them.
func deleteEmailLimits(ctx context.Context, tx pgx.Tx, now time.Time, _ int32) (int, error) {
	n, err := accountdb.New(tx).DeleteEmailActionsBefore(ctx, now.Add(-privacy.EmailLimitPeriod))
	return int(n), err
}

func deleteDeviceCookies(ctx context.Context, tx pgx.Tx, now time.Time, _ int32) (int, error) {
	n, err := accountdb.New(tx).DeleteExpiredDeviceTokens(ctx, now)
	return int(n), err
}

// deleteWebSessions deletes signed-in sessions that have ended: expired, or
// unused for LoginIdle.
func deleteWebSessions(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
	n, err := accountdb.New(tx).DeleteExpiredWebSessionsBatch(ctx, accountdb.DeleteExpiredWebSessionsBatchParams{
		Now: now, IdleSince: now.Add(-LoginIdle), MaxRows: max})
	return int(n), err
}

func deleteAccountLinks(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
	n, err := accountdb.New(tx).DeleteExpiredAccountTokens(ctx, accountdb.DeleteExpiredAccountTokensParams{
		Before: now.Add(-privacy.AccountLinkPeriod), MaxRows: max})
	return int(n), err
}
