package account

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/account/internal/accountdb"
	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/scope"
	"github.com/pscp/booktraining/internal/validation"
)

// Login is a browser's server-side sign-in (a row of web_sessions, the
// cookie named "session"): "session" alone means a training session. UserID
// is nil before sign-in (the login then only carries the CSRF token of the
// sign-in forms).
type Login struct {
	TokenHash []byte
	UserID    *int64
	CSRF      string
	CreatedAt time.Time
	LastSeen  time.Time
	// User is the person signed in (when UserID is set), read with the
	// login by Login.
	User *User
}

// CSRFMatches reports, in constant time, whether a form's token is this
// login's.
func (s Login) CSRFMatches(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRF)) == 1
}

// StartLogin creates a login and returns the token for its cookie. Call it
// at sign-in with the person's ID (after ending the anonymous login, so the
// token changes), or with nil for an anonymous one. ip is where the browser
// asked from: nobody may be signed in yet.
func (s *Service) StartLogin(ctx context.Context, userID *int64, ip, userAgent string) (string, Login, error) {
	token, hash := newToken()
	csrf, _ := newToken()
	now := s.now()
	var addr *netip.Addr
	if a, err := netip.ParseAddr(ip); err == nil {
		addr = &a
	}
	// A browser's own words, kept for the person's list of sign-ins: made
	// storable (no NUL, valid UTF-8) and cut at 500 bytes on a character's
	// edge, so an odd header can never stop a sign-in.
	userAgent = validation.CleanLine(userAgent)
	if len(userAgent) > 500 {
		userAgent = strings.ToValidUTF8(userAgent[:500], "") // drops a character cut in two
	}
	if err := accountdb.New(s.pool).CreateWebSession(ctx, accountdb.CreateWebSessionParams{
		TokenHash: hash, UserID: userID, CsrfToken: csrf, Now: now,
		ExpiresAt: now.Add(LoginAbsolute), Ip: addr, UserAgent: userAgent,
	}); err != nil {
		return "", Login{}, fmt.Errorf("start login: %w", err)
	}
	return token, Login{TokenHash: hash, UserID: userID, CSRF: csrf, CreatedAt: now, LastSeen: now}, nil
}

// Login returns the live login for a cookie's token, with the person
// signed in with it, and notes that it was used. A login ends after 30
// minutes unused or 12 hours in all.
func (s *Service) Login(ctx context.Context, token string) (Login, error) {
	if token == "" || len(token) > 100 {
		return Login{}, ErrNoLogin
	}
	now := s.now()
	// The lookup reads the same in every partnership's scope (00068), so a
	// manager's request keeps its connection in its scope (internal/scope).
	ctx = scope.AnyScope(ctx)
	q := accountdb.New(s.pool)
	r, err := q.GetWebSessionAndUser(ctx, accountdb.GetWebSessionAndUserParams{
		TokenHash: hashToken(token), Now: now, IdleSince: now.Add(-LoginIdle),
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Login{}, ErrNoLogin
	} else if err != nil {
		return Login{}, fmt.Errorf("load login: %w", err)
	}
	// Write at most once a minute per login, not on every request.
	if now.Sub(r.LastSeenAt) > time.Minute {
		if err := q.TouchWebSession(ctx, accountdb.TouchWebSessionParams{Now: now, TokenHash: r.TokenHash}); err != nil {
			return Login{}, fmt.Errorf("touch login: %w", err)
		}
	}
	l := Login{TokenHash: r.TokenHash, UserID: r.UserID, CSRF: r.CsrfToken, CreatedAt: r.CreatedAt, LastSeen: now}
	if r.UserID != nil {
		u := userOf(accountdb.GetUserRow{
			ID: *r.UserID, Email: r.Email, FullName: r.FullName, JobTitle: r.JobTitle, AgencyID: r.AgencyID,
			UnlistedAgencyName: r.UnlistedAgencyName, RequestedAgencyID: r.RequestedAgencyID,
			EmailVerifiedAt: r.EmailVerifiedAt, ErasedAt: r.ErasedAt, CreatedAt: r.UserCreatedAt,
			LineManagerName: r.LineManagerName, LineManagerEmail: r.LineManagerEmail,
			AgencyName: r.AgencyName, RequestedAgencyName: r.RequestedAgencyName, Roles: r.Roles,
			ManagesPartnershipID: r.ManagesPartnershipID,
		})
		l.User = &u
	}
	return l, nil
}

// EndLogin destroys a login (sign-out); a signed-in one is audited, with
// the address of the actor in ctx.
func (s *Service) EndLogin(ctx context.Context, l Login) error {
	ip := actor.From(ctx).IP
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		if err := q.DeleteWebSession(ctx, l.TokenHash); err != nil {
			return fmt.Errorf("end login: %w", err)
		}
		if l.UserID == nil {
			return nil
		}
		return audit.RecordTx(ctx, tx, s.now(), audit.Event{Action: audit.SignOut, ActorID: l.UserID, SubjectID: l.UserID, IP: ip})
	})
}
