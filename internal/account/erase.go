package account

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/account/internal/accountdb"
	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/password"
	"github.com/pscp/booktraining/internal/privacy"
	"github.com/pscp/booktraining/internal/validation"
)

// How long records are kept: the retention schedule's periods
// (internal/privacy), which its daily job applies and the privacy notice
// states.
const (
	// SignInAttemptRetention keeps attempts long enough to look into an
	// attack on an account; the limits themselves need only FailureWindow.
	SignInAttemptRetention = privacy.SignInAttemptPeriod
	// AuditRetentionYears is how long the audit log is kept.
	AuditRetentionYears = privacy.AuditYears
)

// EraseAccount deletes the account of the person signed in (the actor in
// ctx) at their own request, once they have given their password again.
//
// The users row stays, anonymised, with its agency, so that attendance
// figures per agency still add up in reports: name, email address, job
// title, unlisted organisation and any waiting agency change go, the
// password can never match again. Every part of the privacy registry then
// erases or anonymises what it holds (roles, logins, links, sign-in
// attempts, emails, bookings' details, payments' purchase orders, training
// requests' contacts and messages, time off…); the audit log keeps its
// entries, which now point at "Deleted person". The old email address is
// free to open a new account.
func (s *Service) EraseAccount(ctx context.Context, plain string) error {
	me, err := signedIn(ctx)
	if err != nil {
		return err
	}
	if err := s.confirmPassword(ctx, me, plain, "delete account"); err != nil {
		return err
	}
	now := s.now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return s.EraseTx(ctx, tx, me.ID, now, "")
	})
}

// ErrOwnAccount is a training manager asking to erase their own account on
// someone's behalf: they delete it themselves, with their password.
var ErrOwnAccount = errs.New(errs.Forbidden, "erase your own account from your account page")

// EraseOnBehalf erases userID's account for a training manager (the actor
// in ctx) answering a request made by letter or telephone. The reason (which
// request, when received) is required and goes into the audit log with the
// manager's name.
func (s *Service) EraseOnBehalf(ctx context.Context, userID int64, reason string) error {
	managerID := actor.From(ctx).ID
	reason = validation.CleanText(reason)
	var v validation.Errors
	if msg := ErasureReasonProblem(reason); msg != "" {
		v.Add("reason", msg)
		return v.Err()
	}
	if managerID == userID {
		return ErrOwnAccount
	}
	now := s.now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := requireManager(ctx, accountdb.New(tx), managerID); err != nil {
			return err
		}
		return s.EraseTx(ctx, tx, userID, now, reason)
	})
}

// ErasureReasonProblem says what is wrong with the reason a training manager
// gives for erasing someone's account, or "" when nothing is.
func ErasureReasonProblem(reason string) string {
	switch reason = validation.CleanText(reason); {
	case reason == "":
		return "Enter why you are erasing this account, for example the request it answers and when it was received"
	case len([]rune(reason)) > 500:
		return "The reason must be 500 characters or fewer"
	}
	return ""
}

// EraseTx erases a person's account in the caller's transaction: the work of
// EraseAccount, for any caller that has decided it must happen (the person,
// a training manager answering a request made by letter or phone, the
// retention schedule). The audit log names the actor in ctx (none for the
// retention schedule) and reason, which is "" when the person asked
// themselves.
func (s *Service) EraseTx(ctx context.Context, tx pgx.Tx, userID int64, now time.Time, reason string) error {
	by := actor.From(ctx)
	q := accountdb.New(tx)
	u, err := q.LockUserForErasure(ctx, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	} else if err != nil {
		return fmt.Errorf("erase %d: %w", userID, err)
	}
	// Their places on sessions still to come are freed for others (booking's
	// rule, which tells the people offered them); past bookings and
	// attendance stay, with the anonymous row.
	if s.OnErase != nil {
		if err := s.OnErase(ctx, tx, userID, now); err != nil {
			return fmt.Errorf("erase %d: bookings: %w", userID, err)
		}
	}
	held, err := q.ExportRoles(ctx, userID)
	if err != nil {
		return fmt.Errorf("erase %d: roles: %w", userID, err)
	}
	roles := []string{}
	for _, r := range held {
		roles = append(roles, r.Role)
	}
	if err := s.registry().Erase(ctx, tx, privacy.Person{ID: userID, Email: u.Email, Name: u.FullName}, now); err != nil {
		return fmt.Errorf("erase %d: %w", userID, err)
	}
	details := map[string]any{"roles_removed": roles}
	if reason != "" {
		details["reason"] = reason
	}
	return audit.RecordTx(ctx, tx, now, audit.Event{
		Action: audit.AccountErased, ActorID: by.IDPtr(), SubjectID: &userID, AgencyID: u.AgencyID, IP: by.IP,
		Details: details,
	})
}

// confirmPassword checks the password of me, the person signed in, before an
// action that cannot be undone. A wrong password counts as a failed sign-in
// attempt, so the sign-in limits also stop someone holding an unattended
// login from guessing it.
func (s *Service) confirmPassword(ctx context.Context, me actor.Actor, plain, purpose string) error {
	userID, ip := me.ID, me.IP
	var v validation.Errors
	if plain == "" {
		v.Add("password", "Enter your password")
		return v.Err()
	}
	q := accountdb.New(s.pool)
	u, err := getUser(ctx, q, userID)
	if err != nil {
		return err
	}
	if u.Erased {
		return ErrNotFound
	}
	stored, err := q.GetPasswordHash(ctx, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	} else if err != nil {
		return fmt.Errorf("confirm password of %d: %w", userID, err)
	}
	ipAddr, err := netip.ParseAddr(ip)
	if err != nil {
		ipAddr = netip.IPv6Unspecified()
	}

	now := s.now()
	var attemptID int64
	var limited *LimitError
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		if err := q.LockSignInLimits(ctx, accountdb.LockSignInLimitsParams{Email: u.Email, Ip: ipAddr.String()}); err != nil {
			return err
		}
		recent, err := q.RecentFailedSignIns(ctx, accountdb.RecentFailedSignInsParams{
			Email: u.Email, Now: now, Ip: ipAddr, Since: now.Add(-FailureWindow),
		})
		if err != nil {
			return err
		}
		switch {
		case recent.ForEmail >= MaxFailuresPerUser:
			limited = &LimitError{RetryAt: recent.OldestForEmail.Add(FailureWindow)}
		case recent.ForIp >= MaxFailuresPerIP:
			limited = &LimitError{RetryAt: recent.OldestForIp.Add(FailureWindow)}
		}
		if limited != nil {
			return audit.RecordTx(ctx, tx, now, audit.Event{Action: audit.SignInLimited, ActorID: &userID, SubjectID: &userID, IP: ip})
		}
		attemptID, err = q.RecordSignInAttempt(ctx, accountdb.RecordSignInAttemptParams{Email: u.Email, Ip: ipAddr, Now: now})
		return err
	})
	if err != nil {
		return fmt.Errorf("confirm password of %d: %w", userID, err)
	}
	if limited != nil {
		return limited
	}

	ok, _, err := password.Verify(plain, stored)
	if err != nil {
		return fmt.Errorf("confirm password of %d: %w", userID, err)
	}
	if !ok {
		if err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			return audit.RecordTx(ctx, tx, now, audit.Event{
				Action: audit.SignInFailed, ActorID: &userID, SubjectID: &userID, IP: ip,
				Details: map[string]any{"purpose": purpose},
			})
		}); err != nil {
			return fmt.Errorf("confirm password of %d: %w", userID, err)
		}
		v.Add("password", "Your password is wrong")
		return v.Err()
	}
	if err := q.MarkSignInSucceeded(ctx, attemptID); err != nil {
		return fmt.Errorf("confirm password of %d: %w", userID, err)
	}
	return nil
}
