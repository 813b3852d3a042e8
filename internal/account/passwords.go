package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/pscp/booktraining/internal/account/internal/accountdb"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/password"
	"github.com/pscp/booktraining/internal/validation"
)

// RequestPasswordReset asks for a reset link to be emailed if the address
// has an account. It answers the same either way and does the same work
// either way, so neither its answer nor its timing says who has one: it only
// records the ask and queues a ResetPasswordArgs job, in one transaction;
// the job looks the address up and writes the email.
//
// Past MaxEmailsPerIP from ip it returns an *EmailLimitError; past
// MaxEmailsPerAddress the job sends nothing, and the answer is the same.
func (s *Service) RequestPasswordReset(ctx context.Context, addr, ip string) error {
	return s.RequestPasswordResetReturning(ctx, addr, ip, "")
}

// RequestPasswordResetReturning is RequestPasswordReset whose emailed link
// brings the person back to next, a booking form (ReturnPath), once they
// have chosen a new password and signed in.
func (s *Service) RequestPasswordResetReturning(ctx context.Context, addr, ip, next string) error {
	clean := cleanEmail(addr)
	if clean == "" {
		var v validation.Errors
		if addr == "" {
			v.Add("email", "Enter your email address")
		} else {
			v.Add("email", "Enter an email address in the correct format, like name@example.org")
		}
		return v.Err()
	}
	now := s.now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		allowed, err := allowAccountEmail(ctx, q, actionResetPassword, clean, ip, now)
		if err != nil {
			return err
		}
		// Queued even when nothing will be sent, so that every path does
		// the same work.
		return s.outbox.EnqueueJob(ctx, tx, ResetPasswordArgs{ActionID: allowed.actionID, Next: ReturnPath(next)})
	})
}

// ResetPasswordArgs is the job of one password reset request: an
// email_actions row, whose address is kept there (and deleted after 24
// hours) rather than in the job.
type ResetPasswordArgs struct {
	ActionID int64  `json:"action_id"`
	Next     string `json:"next,omitempty"` // a booking form to come back to (ReturnPath)
}

func (ResetPasswordArgs) Kind() string { return "account_reset_password" }

// ResetPasswordWorker works ResetPasswordArgs jobs with Accounts, which must
// be set before the job client starts.
type ResetPasswordWorker struct {
	river.WorkerDefaults[ResetPasswordArgs]
	Accounts *Service
}

func (w *ResetPasswordWorker) Work(ctx context.Context, job *river.Job[ResetPasswordArgs]) error {
	return w.Accounts.sendPasswordReset(ctx, job.Args.ActionID, job.Args.Next)
}

// Register adds the worker to the job client's workers (queue.New).
func (w *ResetPasswordWorker) Register(workers *river.Workers) error {
	return river.AddWorkerSafely(workers, w)
}

// SendPasswordReset does the work of a reset request: if the address asked
// about has an account, and the request was within the limits, it writes the
// reset email. It acts once per request, however often it is called.
func (s *Service) SendPasswordReset(ctx context.Context, actionID int64) error {
	return s.sendPasswordReset(ctx, actionID, "")
}

func (s *Service) sendPasswordReset(ctx context.Context, actionID int64, next string) error {
	now := s.now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		addr, err := q.ClaimPasswordResetAction(ctx, accountdb.ClaimPasswordResetActionParams{ID: actionID, Now: now})
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // done before, over the limit, or deleted as old
		} else if err != nil {
			return fmt.Errorf("reset request %d: %w", actionID, err)
		}
		u, err := q.GetUserByEmail(ctx, addr)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && u.ErasedAt != nil) {
			return q.MarkEmailActionNotSent(ctx, actionID)
		} else if err != nil {
			return fmt.Errorf("reset request %d: %w", actionID, err)
		}
		link, err := s.newLink(ctx, q, u.ID, "reset_password", ResetLinkLife, "/reset-password", next)
		if err != nil {
			return fmt.Errorf("reset request %d: %w", actionID, err)
		}
		name := u.FullName
		if u.EmailVerifiedAt == nil {
			name = "" // typed by whoever signed up, maybe not the address's owner
		}
		return s.send(ctx, tx, u.ID, u.Email, name, resetEmail(name, link))
	})
}

// ResetPassword spends a reset link and sets a new password. The person is
// signed out everywhere; having the link also proves their email address.
func (s *Service) ResetPassword(ctx context.Context, token, newPassword, ip string) error {
	now := s.now()
	// The new password is checked against the policy, and hashed, before
	// the transaction that spends the link: hashing waits for one of
	// password's few slots, and no connection or lock may be held
	// meanwhile. A refused password leaves the link working for another try.
	q := accountdb.New(s.pool)
	owner, err := q.AccountTokenOwner(ctx, accountdb.AccountTokenOwnerParams{Now: now, TokenHash: hashToken(token), Purpose: "reset_password"})
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrLinkInvalid
	} else if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	u, err := getUser(ctx, q, owner.UserID)
	if err != nil {
		return err
	}
	var v validation.Errors
	if err := password.Check(newPassword, passwordContext(u.Email, u.FullName)...); err != nil {
		v.Add("password", policyMessage(err))
		return v.Err()
	}
	hash, err := password.Hash(newPassword)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		userID, err := q.UseAccountToken(ctx, accountdb.UseAccountTokenParams{Now: now, TokenHash: hashToken(token), Purpose: "reset_password"})
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && userID != owner.UserID) {
			return ErrLinkInvalid // spent by another request meanwhile
		} else if err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		u, err := getUser(ctx, q, userID)
		if err != nil {
			return err
		}
		if err := q.SetPasswordHash(ctx, accountdb.SetPasswordHashParams{PasswordHash: hash, ID: userID}); err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		if err := q.MarkEmailVerified(ctx, accountdb.MarkEmailVerifiedParams{Now: now, ID: userID}); err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		// Whoever was signed in, or had a confirmation link for the old
		// password, loses it: for an account signed up by someone else
		// with this address, the mailbox's owner takes it over here.
		if err := q.DeleteUserWebSessions(ctx, &userID); err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		if err := q.SpendAccountTokens(ctx, accountdb.SpendAccountTokensParams{Now: now, UserID: userID, Purpose: "verify_email"}); err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		if err := q.DeleteUserDeviceTokens(ctx, userID); err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		if err := audit.RecordTx(ctx, tx, now, audit.Event{Action: audit.PasswordReset, ActorID: &userID, SubjectID: &userID, IP: ip}); err != nil {
			return err
		}
		name := u.FullName
		if !u.Verified {
			name = "" // typed by whoever signed up
		}
		return s.send(ctx, tx, userID, u.Email, name, passwordChangedEmail(name))
	})
}

// ResetLinkWorks reports whether a reset link can still be used, without
// spending it, so the page can say so before the person types a password.
func (s *Service) ResetLinkWorks(ctx context.Context, token string) (bool, error) {
	var works bool
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := accountdb.New(tx).UseAccountToken(ctx, accountdb.UseAccountTokenParams{Now: s.now(), TokenHash: hashToken(token), Purpose: "reset_password"})
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		works = true
		return errRollback
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	return works, err
}

var errRollback = errors.New("rollback")

// ChangePassword sets a new password for the person signed in (the actor in
// ctx) who knows the current one, and signs them out of every login but
// this one, l.
func (s *Service) ChangePassword(ctx context.Context, l Login, current, newPassword string) error {
	me, err := signedIn(ctx)
	if err != nil {
		return err
	}
	if l.UserID == nil || *l.UserID != me.ID {
		return ErrNoLogin
	}
	userID := me.ID
	q := accountdb.New(s.pool)
	u, err := getUser(ctx, q, userID)
	if err != nil {
		return err
	}
	var v validation.Errors
	if current == "" {
		v.Add("current-password", "Enter your current password")
	} else if err := s.confirmPassword(ctx, me, current, "change password"); err != nil {
		// Checked within the sign-in limits, so a login left open cannot
		// be used to guess the password.
		var cv *validation.Errors
		if !errors.As(err, &cv) {
			return err // a *LimitError among them
		}
		v.Add("current-password", "Your current password is wrong")
	}
	if err := password.Check(newPassword, passwordContext(u.Email, u.FullName)...); err != nil {
		v.Add("new-password", policyMessage(err))
	}
	if err := v.Err(); err != nil {
		return err
	}
	hash, err := password.Hash(newPassword)
	if err != nil {
		return err
	}
	now := s.now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		if err := q.SetPasswordHash(ctx, accountdb.SetPasswordHashParams{PasswordHash: hash, ID: userID}); err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		if err := q.DeleteOtherWebSessions(ctx, accountdb.DeleteOtherWebSessionsParams{UserID: &userID, Keep: l.TokenHash}); err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		if err := audit.RecordTx(ctx, tx, now, audit.Event{Action: audit.PasswordChanged, ActorID: &userID, SubjectID: &userID, IP: me.IP}); err != nil {
			return err
		}
		return s.send(ctx, tx, userID, u.Email, u.FullName, passwordChangedEmail(u.FullName))
	})
}
