package account

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/account/internal/accountdb"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/password"
	"github.com/pscp/booktraining/internal/validation"
)

// SignIn checks an email address and password and returns the person's ID.
// It is SignInOnDevice from a browser without a device cookie.
func (s *Service) SignIn(ctx context.Context, addr, plain, ip string) (int64, error) {
	id, _, err := s.SignInOnDevice(ctx, addr, plain, ip, "")
	return id, err
}

// SignInOnDevice checks an email address and password and returns the
// person's ID and a new device token for the browser's device cookie.
//
// Limits: an address or an IP address with too many recent failures is
// refused before the password is even checked, with the time it may try
// again. The attempt is recorded (as failed until proven otherwise) under an
// advisory lock per address and per IP, so concurrent attempts, from any
// number of app processes, never get past the limit. Refused attempts are
// not counted, so an attacker cannot keep an account locked for ever by
// trying once more each minute; they only keep it locked while they keep
// failing.
//
// Device cookies (OWASP): a browser where the person has signed in before
// presents device, a token issued to that account. Its attempts for that
// account are limited per device (MaxFailuresPerDevice) and neither count
// against nor are blocked by the address's and the IP address's limits, so
// an attacker failing at a shared address (a trust behind one proxy) or on
// one victim's address cannot lock out people on their own browsers, while
// a browser without one stays under both limits. Each success rotates the
// token.
//
// An unknown address costs the same password-hashing work as a known one, and
// both answer ErrInvalidCredentials, so neither the answer nor its timing says
// whether an account exists.
func (s *Service) SignInOnDevice(ctx context.Context, addr, plain, ip, device string) (int64, string, error) {
	addr = strings.TrimSpace(addr)
	var v validation.Errors
	if addr == "" {
		v.Add("email", "Enter your email address")
	} else if validation.CleanLine(addr) != addr {
		// NUL bytes, control characters or invalid UTF-8: PostgreSQL
		// refuses them, and no address holds them.
		v.Add("email", "Enter an email address in the correct format, like name@example.org")
	} else if len(addr) > 254 {
		v.Add("email", "Enter a shorter email address")
	}
	if plain == "" {
		v.Add("password", "Enter your password")
	}
	if err := v.Err(); err != nil {
		return 0, "", err
	}
	ipAddr, err := netip.ParseAddr(ip)
	if err != nil {
		ipAddr = netip.IPv6Unspecified()
	}

	now := s.now()
	var attemptID int64
	var deviceHash []byte // set when device is a valid token of this account
	var limited *LimitError
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		if device != "" && len(device) <= 100 {
			h, err := q.DeviceTokenFor(ctx, accountdb.DeviceTokenForParams{TokenHash: hashToken(device), Now: now, Email: addr})
			if err == nil {
				deviceHash = h
			} else if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		if deviceHash != nil {
			if err := q.LockDeviceSignIns(ctx, deviceHash); err != nil {
				return err
			}
			recent, err := q.RecentFailedDeviceSignIns(ctx, accountdb.RecentFailedDeviceSignInsParams{
				DeviceHash: deviceHash, Now: now, Since: now.Add(-FailureWindow),
			})
			if err != nil {
				return err
			}
			if recent.Failures >= MaxFailuresPerDevice {
				limited = &LimitError{RetryAt: recent.Oldest.Add(FailureWindow)}
				return audit.RecordTx(ctx, tx, now, audit.Event{Action: audit.SignInLimited, ActorEmail: addr, IP: ip})
			}
			attemptID, err = q.RecordDeviceSignInAttempt(ctx, accountdb.RecordDeviceSignInAttemptParams{
				Email: addr, Ip: ipAddr, DeviceHash: deviceHash, Now: now,
			})
			return err
		}
		if err := q.LockSignInLimits(ctx, accountdb.LockSignInLimitsParams{Email: addr, Ip: ipAddr.String()}); err != nil {
			return err
		}
		recent, err := q.RecentFailedSignIns(ctx, accountdb.RecentFailedSignInsParams{
			Email: addr, Now: now, Ip: ipAddr, Since: now.Add(-FailureWindow),
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
			return audit.RecordTx(ctx, tx, now, audit.Event{Action: audit.SignInLimited, ActorEmail: addr, IP: ip})
		}
		attemptID, err = q.RecordSignInAttempt(ctx, accountdb.RecordSignInAttemptParams{Email: addr, Ip: ipAddr, Now: now})
		return err
	})
	if err != nil {
		return 0, "", fmt.Errorf("sign in: %w", err)
	}
	if limited != nil {
		return 0, "", limited
	}

	q := accountdb.New(s.pool)
	u, err := q.GetUserByEmail(ctx, addr)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && u.ErasedAt != nil) {
		password.VerifyDummy(plain)
		return 0, "", s.failed(ctx, addr, nil, ip)
	} else if err != nil {
		return 0, "", fmt.Errorf("sign in: %w", err)
	}
	ok, rehash, err := password.Verify(plain, u.PasswordHash)
	if err != nil {
		return 0, "", fmt.Errorf("sign in: user %d: %w", u.ID, err)
	}
	if !ok {
		return 0, "", s.failed(ctx, addr, &u.ID, ip)
	}
	// A stronger hash, when due, is made before the transaction: hashing
	// waits for one of password's few slots, and no connection may be
	// held meanwhile, or a crowd signing in would hold every one.
	var stronger string
	if rehash {
		if h, err := password.Hash(plain); err == nil {
			stronger = h
		}
	}
	newDevice, newDeviceHash := newToken()
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		if err := q.MarkSignInSucceeded(ctx, attemptID); err != nil {
			return err
		}
		if err := q.RecordSignedIn(ctx, accountdb.RecordSignedInParams{ID: u.ID, Now: now}); err != nil {
			return err
		}
		if stronger != "" {
			if err := q.SetPasswordHash(ctx, accountdb.SetPasswordHashParams{PasswordHash: stronger, ID: u.ID}); err != nil {
				return err
			}
		}
		if deviceHash != nil {
			if err := q.DeleteDeviceToken(ctx, deviceHash); err != nil {
				return err
			}
		}
		if err := q.CreateDeviceToken(ctx, accountdb.CreateDeviceTokenParams{
			TokenHash: newDeviceHash, UserID: u.ID, Now: now, ExpiresAt: now.Add(DeviceLife),
		}); err != nil {
			return err
		}
		return audit.RecordTx(ctx, tx, now, audit.Event{Action: audit.SignIn, ActorID: &u.ID, SubjectID: &u.ID, IP: ip})
	})
	if err != nil {
		return 0, "", fmt.Errorf("sign in: %w", err)
	}
	return u.ID, newDevice, nil
}

func (s *Service) failed(ctx context.Context, addr string, userID *int64, ip string) error {
	if err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return audit.RecordTx(ctx, tx, s.now(), audit.Event{
			Action: audit.SignInFailed, ActorEmail: addr, SubjectID: userID, IP: ip,
		})
	}); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	return ErrInvalidCredentials
}

// RetryAfter is how long until a limited attempt may be made again, in whole
// minutes rounded up, for people to read.
func (e *LimitError) RetryAfter(now time.Time) time.Duration {
	minutes := (e.RetryAt.Sub(now) + time.Minute - 1) / time.Minute
	return max(minutes, 1) * time.Minute
}
