package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/dbsqlc"
	"github.com/pscp/booktraining/internal/password"
	"github.com/pscp/booktraining/internal/validation"
)

// RequestPasswordReset emails a reset link if the address has an account.
// It answers the same either way, so it says nothing about who has one.
func (s *Service) RequestPasswordReset(ctx context.Context, addr string) error {
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
		q := dbsqlc.New(tx)
		u, err := q.GetUserByEmail(ctx, clean)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && u.ErasedAt != nil) {
			return nil
		} else if err != nil {
			return fmt.Errorf("request reset: %w", err)
		}
		if err := q.SpendAccountTokens(ctx, dbsqlc.SpendAccountTokensParams{Now: now, UserID: u.ID, Purpose: "reset_password"}); err != nil {
			return fmt.Errorf("request reset: %w", err)
		}
		token, hash := newToken()
		if err := q.CreateAccountToken(ctx, dbsqlc.CreateAccountTokenParams{
			TokenHash: hash, UserID: u.ID, Purpose: "reset_password", ExpiresAt: now.Add(ResetLinkLife), Now: now,
		}); err != nil {
			return fmt.Errorf("request reset: %w", err)
		}
		return s.send(ctx, tx, u.ID, u.Email, u.FullName, resetEmail(u.FullName, s.link("/reset-password", token)))
	})
}

// ResetPassword spends a reset link and sets a new password. The person is
// signed out everywhere; having the link also proves their email address.
func (s *Service) ResetPassword(ctx context.Context, token, newPassword, ip string) error {
	now := s.now()
	var hash string
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		userID, err := q.UseAccountToken(ctx, dbsqlc.UseAccountTokenParams{Now: now, TokenHash: hashToken(token), Purpose: "reset_password"})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrLinkInvalid
		} else if err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		u, err := getUser(ctx, q, userID)
		if err != nil {
			return err
		}
		var v validation.Errors
		if err := password.Check(newPassword, passwordContext(u.Email, u.FullName)...); err != nil {
			v.Add("password", policyMessage(err))
			return v.Err() // rolls back: the link still works for another try
		}
		if hash, err = password.Hash(newPassword); err != nil {
			return err
		}
		if err := q.SetPasswordHash(ctx, dbsqlc.SetPasswordHashParams{PasswordHash: hash, ID: userID}); err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		if err := q.MarkEmailVerified(ctx, dbsqlc.MarkEmailVerifiedParams{Now: now, ID: userID}); err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		if err := q.DeleteUserWebSessions(ctx, &userID); err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		if err := audit.Record(ctx, q, now, audit.Event{Action: audit.PasswordReset, ActorID: &userID, SubjectID: &userID, IP: ip}); err != nil {
			return err
		}
		return s.send(ctx, tx, userID, u.Email, u.FullName, passwordChangedEmail(u.FullName))
	})
}

// ResetLinkWorks reports whether a reset link can still be used, without
// spending it, so the page can say so before the person types a password.
func (s *Service) ResetLinkWorks(ctx context.Context, token string) (bool, error) {
	var works bool
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := dbsqlc.New(tx).UseAccountToken(ctx, dbsqlc.UseAccountTokenParams{Now: s.now(), TokenHash: hashToken(token), Purpose: "reset_password"})
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

// ChangePassword sets a new password for a signed-in person who knows the
// current one, and signs them out of every other session.
func (s *Service) ChangePassword(ctx context.Context, sess Session, current, newPassword, ip string) error {
	if sess.UserID == nil {
		return ErrNoSession
	}
	userID := *sess.UserID
	q := dbsqlc.New(s.pool)
	u, err := getUser(ctx, q, userID)
	if err != nil {
		return err
	}
	var v validation.Errors
	if current == "" {
		v.Add("current-password", "Enter your current password")
	} else if err := s.confirmPassword(ctx, userID, current, ip, "change password"); err != nil {
		// Checked within the sign-in limits, so a session left open cannot
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
		q := dbsqlc.New(tx)
		if err := q.SetPasswordHash(ctx, dbsqlc.SetPasswordHashParams{PasswordHash: hash, ID: userID}); err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		if err := q.DeleteOtherWebSessions(ctx, dbsqlc.DeleteOtherWebSessionsParams{UserID: &userID, Keep: sess.TokenHash}); err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		if err := audit.Record(ctx, q, now, audit.Event{Action: audit.PasswordChanged, ActorID: &userID, SubjectID: &userID, IP: ip}); err != nil {
			return err
		}
		return s.send(ctx, tx, userID, u.Email, u.FullName, passwordChangedEmail(u.FullName))
	})
}
