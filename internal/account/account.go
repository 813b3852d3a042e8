// Package account owns people's accounts: signing up, proving an email
// address, signing in within limits, logins (a browser's server-side
// sign-in; "session" means a training session), resetting and changing
// passwords, and the roles a person holds.
//
// A method a signed-in person calls takes them from ctx (actor.From) and
// records them, and their IP address, in its audit entry. A method for
// someone not signed in yet (signing up, in, or resetting a password) takes
// the IP address it is limited by and records as an explicit ip argument.
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/account/internal/accountdb"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/privacy"
	"github.com/pscp/booktraining/internal/validation"
)

// Role is what a person may do beyond booking training, which everyone may.
type Role string

const (
	Trainer     Role = "trainer"
	Manager     Role = "manager"     // the training manager
	Coordinator Role = "coordinator" // an agency's delegate manager
)

// Roles lists the roles that can be granted, in display order.
var Roles = []Role{Trainer, Manager, Coordinator}

func (r Role) Valid() bool { return r == Trainer || r == Manager || r == Coordinator }

func (r Role) Label() string {
	switch r {
	case Trainer:
		return "Trainer"
	case Manager:
		return "Training manager"
	case Coordinator:
		return "Agency coordinator"
	}
	return string(r)
}

// Limits on sign-in attempts, held in PostgreSQL so they apply across every
// app process.
const (
	FailureWindow      = 5 * time.Minute
	MaxFailuresPerUser = 10
	MaxFailuresPerIP   = 30
	// MaxFailuresPerDevice limits attempts from a browser with a device
	// cookie for its account, which the two limits above do not.
	MaxFailuresPerDevice = 10
	// DeviceLife is how long a device cookie is honoured after the sign-in
	// that issued it.
	DeviceLife = 30 * 24 * time.Hour
)

// Lifetimes of logins and emailed links.
const (
	LoginIdle      = 30 * time.Minute
	LoginAbsolute  = 12 * time.Hour
	VerifyLinkLife = 24 * time.Hour
	ResetLinkLife  = time.Hour
)

var (
	ErrInvalidCredentials = errs.Says(errs.Invalid, "Enter a correct email address and password.")
	ErrLinkInvalid        = errs.Says(errs.Invalid, "This link has expired or has already been used.")
	// ErrNoLogin means a cookie's token names no live login.
	ErrNoLogin  = errs.New(errs.NotFound, "no live login for this token")
	ErrNotFound = errs.New(errs.NotFound, "person not found")
)

// LimitError says an attempt was refused because of too many failures, and
// when to try again. It has no kind: the forms that can meet it show it as a
// field error, with status 429.
type LimitError struct{ RetryAt time.Time }

func (e *LimitError) Error() string { return "too many failed sign-in attempts" }

// Service carries out account actions, each in one transaction.
type Service struct {
	pool    *pgxpool.Pool
	outbox  *email.Outbox
	now     func() time.Time
	baseURL *url.URL
	log     *slog.Logger
	// OnErase ends the bookings of someone whose account is being erased, in
	// the erasure's transaction (booking.Service.CancelFutureBookings), and
	// takes them off the sessions to come they were to deliver
	// (scheduling.LeaveSessionsToComeTx); internal/services wires both.
	OnErase func(ctx context.Context, tx pgx.Tx, userID int64, now time.Time) error
	// Privacy is every part that stores personal data, through which export
	// and erasure go (internal/privacy/registry.New()); nil: the account's
	// own parts only.
	Privacy *privacy.Registry
	// Signature signs the account's emails: the partnership and how to
	// reach its training team (the partnership alone when unset).
	Signature email.Signature
}

// New returns a Service. baseURL is where people reach the app, for links in
// emails; now is the clock.
func New(pool *pgxpool.Pool, outbox *email.Outbox, baseURL *url.URL, now func() time.Time, log *slog.Logger) *Service {
	return &Service{pool: pool, outbox: outbox, now: now, baseURL: baseURL, log: log}
}

// User is a person as the app sees them.
type User struct {
	ID                  int64
	Email               string
	FullName            string
	JobTitle            string
	AgencyID            *int64
	AgencyName          string // the partner agency, or the unlisted name they typed
	AgencyUnlisted      bool   // AgencyName awaits a training manager's confirmation
	RequestedAgencyID   *int64
	RequestedAgencyName string
	Verified            bool
	Erased              bool
	CreatedAt           time.Time
	Roles               []Role
	// The partnership they manage, when they hold the manager role.
	ManagesPartnershipID int64
	// The line manager given at their last booking, or on their profile:
	// the next booking form starts with it.
	LineManagerName  string
	LineManagerEmail string
}

// Has reports whether the person holds role.
func (u User) Has(role Role) bool {
	for _, r := range u.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// User returns the person with that ID.
func (s *Service) User(ctx context.Context, id int64) (User, error) {
	return getUser(ctx, accountdb.New(s.pool), id)
}

func getUser(ctx context.Context, q *accountdb.Queries, id int64) (User, error) {
	r, err := q.GetUser(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, ErrNotFound
	} else if err != nil {
		return User{}, fmt.Errorf("get user %d: %w", id, err)
	}
	return userOf(r), nil
}

// userOf is the person of a row read as GetUser reads it.
func userOf(r accountdb.GetUserRow) User {
	u := User{
		ID: r.ID, Email: r.Email, FullName: r.FullName, JobTitle: r.JobTitle, AgencyID: r.AgencyID,
		AgencyName: r.AgencyName, RequestedAgencyID: r.RequestedAgencyID, RequestedAgencyName: r.RequestedAgencyName,
		Verified: r.EmailVerifiedAt != nil, Erased: r.ErasedAt != nil, CreatedAt: r.CreatedAt,
		LineManagerName: r.LineManagerName, LineManagerEmail: r.LineManagerEmail,
		ManagesPartnershipID: r.ManagesPartnershipID,
	}
	if r.AgencyID == nil && r.UnlistedAgencyName != "" {
		u.AgencyName, u.AgencyUnlisted = r.UnlistedAgencyName, true
	}
	for _, role := range r.Roles {
		u.Roles = append(u.Roles, Role(role))
	}
	return u
}

// Agency is a choice in the agency list of a form.
type Agency struct {
	ID   int64
	Name string
}

// AgencyChoices lists the partner agencies a person can say they work for.
func (s *Service) AgencyChoices(ctx context.Context) ([]Agency, error) {
	rows, err := accountdb.New(s.pool).ListAgencyChoices(ctx)
	if err != nil {
		return nil, fmt.Errorf("list agencies: %w", err)
	}
	out := make([]Agency, 0, len(rows))
	for _, r := range rows {
		out = append(out, Agency{ID: r.ID, Name: r.Name})
	}
	return out, nil
}

// newToken returns a random token for a link or cookie and the SHA-256 that
// is stored in its place.
func newToken() (token string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// cleanEmail trims an address and checks its form; it returns "" when the
// address cannot be one.
func cleanEmail(s string) string { return validation.Email(s) }

func tooLong(s string, max int) bool { return utf8.RuneCountInString(s) > max }

func (s *Service) link(path string, token string) string {
	u := *s.baseURL
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	if token != "" {
		u.RawQuery = url.Values{"token": {token}}.Encode()
	}
	return u.String()
}
