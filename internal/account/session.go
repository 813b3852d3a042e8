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

	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/dbsqlc"
	"github.com/pscp/booktraining/internal/validation"
)

// Session is a browser's server-side session. UserID is nil before sign-in
// (the session then only carries the CSRF token of the sign-in forms).
type Session struct {
	TokenHash []byte
	UserID    *int64
	CSRF      string
	CreatedAt time.Time
	LastSeen  time.Time
}

// CSRFMatches reports, in constant time, whether a form's token is this
// session's.
func (s Session) CSRFMatches(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRF)) == 1
}

// StartSession creates a session and returns the token for its cookie. Call it
// at sign-in with the person's ID (after ending the anonymous session, so the
// ID changes), or with nil for an anonymous one.
func (s *Service) StartSession(ctx context.Context, userID *int64, ip, userAgent string) (string, Session, error) {
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
	if err := dbsqlc.New(s.pool).CreateWebSession(ctx, dbsqlc.CreateWebSessionParams{
		TokenHash: hash, UserID: userID, CsrfToken: csrf, Now: now,
		ExpiresAt: now.Add(SessionAbsolute), Ip: addr, UserAgent: userAgent,
	}); err != nil {
		return "", Session{}, fmt.Errorf("start session: %w", err)
	}
	return token, Session{TokenHash: hash, UserID: userID, CSRF: csrf, CreatedAt: now, LastSeen: now}, nil
}

// Session returns the live session for a cookie's token, and notes that it
// was used. A session ends after 30 minutes unused or 12 hours in all.
func (s *Service) Session(ctx context.Context, token string) (Session, error) {
	if token == "" || len(token) > 100 {
		return Session{}, ErrNoSession
	}
	now := s.now()
	q := dbsqlc.New(s.pool)
	r, err := q.GetWebSession(ctx, dbsqlc.GetWebSessionParams{
		TokenHash: hashToken(token), Now: now, IdleSince: now.Add(-SessionIdle),
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, ErrNoSession
	} else if err != nil {
		return Session{}, fmt.Errorf("load session: %w", err)
	}
	// Write at most once a minute per session, not on every request.
	if now.Sub(r.LastSeenAt) > time.Minute {
		if err := q.TouchWebSession(ctx, dbsqlc.TouchWebSessionParams{Now: now, TokenHash: r.TokenHash}); err != nil {
			return Session{}, fmt.Errorf("touch session: %w", err)
		}
	}
	return Session{TokenHash: r.TokenHash, UserID: r.UserID, CSRF: r.CsrfToken, CreatedAt: r.CreatedAt, LastSeen: now}, nil
}

// EndSession destroys a session (sign-out); a signed-in one is audited.
func (s *Service) EndSession(ctx context.Context, sess Session, ip string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		if err := q.DeleteWebSession(ctx, sess.TokenHash); err != nil {
			return fmt.Errorf("end session: %w", err)
		}
		if sess.UserID == nil {
			return nil
		}
		return audit.Record(ctx, q, s.now(), audit.Event{Action: audit.SignOut, ActorID: sess.UserID, SubjectID: sess.UserID, IP: ip})
	})
}
