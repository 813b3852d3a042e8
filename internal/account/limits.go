package account

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/account/internal/accountdb"
)

// Limits on the emails a person can make the service send, so that nobody
// can turn it into a way to flood someone's mailbox. They are counted in
// email_actions under advisory locks, so they hold across app processes.
const (
	EmailWindow = time.Hour
	// MaxEmailsPerAddress is how many sign-up, reset and new-link emails an
	// address is sent in EmailWindow; past it, nothing more is sent but the
	// answer is the same, so it says nothing about who has an account.
	MaxEmailsPerAddress = 3
	// MaxEmailsPerIP is how many of those an IP address may ask for in
	// EmailWindow; past it, the page says when to try again.
	MaxEmailsPerIP = 20
	// MaxRequestMessagesPerPerson is how many training requests and
	// messages about them a person may send in EmailWindow.
	MaxRequestMessagesPerPerson = 20
	// EmailActionRetention is how long the actions are kept for counting
	// (the retention schedule's email_limits rule deletes them).
	EmailActionRetention = 24 * time.Hour
)

// Kinds of email-sending actions.
const (
	actionSignUp             = "sign_up"
	actionResetPassword      = "reset_password"
	actionResendVerification = "resend_verification"
	// ActionTrainingRequest is a training request or a message about one.
	ActionTrainingRequest = "training_request"
)

// EmailLimitError says an action that sends email was refused because too
// many were asked for lately, and when to try again.
type EmailLimitError struct{ RetryAt time.Time }

func (e *EmailLimitError) Error() string { return "too many emails asked for" }

// RetryAfter is how long until the action may be tried again, in whole
// minutes rounded up, for people to read.
func (e *EmailLimitError) RetryAfter(now time.Time) time.Duration {
	minutes := (e.RetryAt.Sub(now) + time.Minute - 1) / time.Minute
	return max(minutes, 1) * time.Minute
}

// emailAllowance is what the limits say about one account email.
type emailAllowance struct {
	actionID int64
	send     bool      // false: the address has had its share; send nothing
	retryAt  time.Time // when the address may be sent another
}

// allowAccountEmail records an action that would email addr, asked for from
// ip, within tx. Over the per-IP limit it records nothing and returns an
// *EmailLimitError; over the per-address limit it records the action as not
// sent and says so, and the caller sends nothing but answers as usual.
func allowAccountEmail(ctx context.Context, q *accountdb.Queries, kind, addr, ip string, now time.Time) (emailAllowance, error) {
	ipAddr := parseIP(ip)
	if err := q.LockEmailLimits(ctx, accountdb.LockEmailLimitsParams{Email: addr, Ip: ipAddr.String()}); err != nil {
		return emailAllowance{}, fmt.Errorf("lock email limits: %w", err)
	}
	recent, err := q.RecentEmailActions(ctx, accountdb.RecentEmailActionsParams{
		Email: addr, Ip: ipAddr, Now: now, Since: now.Add(-EmailWindow),
	})
	if err != nil {
		return emailAllowance{}, fmt.Errorf("count email actions: %w", err)
	}
	if recent.ForIp >= MaxEmailsPerIP {
		return emailAllowance{}, &EmailLimitError{RetryAt: recent.OldestForIp.Add(EmailWindow)}
	}
	a := emailAllowance{send: recent.ForEmail < MaxEmailsPerAddress, retryAt: recent.OldestForEmail.Add(EmailWindow)}
	a.actionID, err = q.RecordEmailAction(ctx, accountdb.RecordEmailActionParams{
		Kind: kind, Email: &addr, Ip: &ipAddr, Sent: a.send, Now: now,
	})
	if err != nil {
		return emailAllowance{}, fmt.Errorf("record email action: %w", err)
	}
	return a, nil
}

// AllowPersonEmailTx records, in tx, that person userID is making the
// service send an email of kind (ActionTrainingRequest), or returns an
// *EmailLimitError if they have sent their share lately. Another package's
// action calls it in its own transaction, before it writes anything.
func AllowPersonEmailTx(ctx context.Context, tx pgx.Tx, kind string, userID int64, now time.Time) error {
	q := accountdb.New(tx)
	if err := q.LockPersonEmailLimit(ctx, userID); err != nil {
		return fmt.Errorf("lock email limit of person %d: %w", userID, err)
	}
	recent, err := q.RecentPersonEmailActions(ctx, accountdb.RecentPersonEmailActionsParams{
		UserID: userID, Kind: kind, Now: now, Since: now.Add(-EmailWindow),
	})
	if err != nil {
		return fmt.Errorf("count emails of person %d: %w", userID, err)
	}
	if recent.Sent >= MaxRequestMessagesPerPerson {
		return &EmailLimitError{RetryAt: recent.Oldest.Add(EmailWindow)}
	}
	if _, err := q.RecordEmailAction(ctx, accountdb.RecordEmailActionParams{
		Kind: kind, UserID: &userID, Sent: true, Now: now,
	}); err != nil {
		return fmt.Errorf("record email of person %d: %w", userID, err)
	}
	return nil
}

// parseIP is the address an action came from; "::" when unknown, so that
// unknown sources share one limit rather than escape it.
func parseIP(ip string) netip.Addr {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return netip.IPv6Unspecified()
	}
	return a.Unmap()
}
