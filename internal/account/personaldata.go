package account

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/account/internal/accountdb"
	"github.com/pscp/booktraining/internal/privacy"
)

// PersonalData is the account's own parts of the privacy registry: the
// profile, roles, logins (browsers signed in), sign-in attempts and emailed links.
// Every other part of the product registers its own (see
// internal/privacy/registry).
func PersonalData() []privacy.Part {
	return []privacy.Part{
		{
			Name: "profile",
			Columns: []string{"users.email", "users.full_name", "users.job_title", "users.unlisted_agency_name", "users.password_hash",
				"users.last_signed_in_at", "users.inactivity_warned_at", "users.line_manager_name", "users.line_manager_email"},
			Export: exportProfile,
			Erase: func(ctx context.Context, tx pgx.Tx, p privacy.Person, now time.Time) error {
				_, err := accountdb.New(tx).EraseUser(ctx, accountdb.EraseUserParams{Now: now, ID: p.ID})
				return err
			},
		},
		{
			Name:   "roles",
			Export: exportRoles,
			Erase: func(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
				_, err := accountdb.New(tx).DeleteUserRoles(ctx, p.ID)
				return err
			},
		},
		{
			Name:    "sessions",
			Columns: []string{"web_sessions.ip", "web_sessions.user_agent"},
			Export:  exportLogins,
			Erase: func(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
				return accountdb.New(tx).DeleteUserWebSessions(ctx, &p.ID)
			},
		},
		{
			Name: "sign_in_attempts",
			// The device cookie's hash is erased with the attempts, never
			// exported: it is a secret's fingerprint.
			Columns: []string{"sign_in_attempts.email", "sign_in_attempts.ip", "sign_in_attempts.device_hash"},
			Export:  exportAttempts,
			Erase: func(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
				return accountdb.New(tx).DeleteSignInAttemptsFor(ctx, p.Email)
			},
		},
		{
			// Only their times: a token's hash is never exported.
			Name:    "device_cookies",
			Columns: []string{"device_tokens.token_hash", "device_tokens.user_id"},
			Export:  exportDeviceCookies,
			Erase: func(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
				return accountdb.New(tx).DeleteUserDeviceTokens(ctx, p.ID)
			},
		},
		{
			Name:    "email_limits",
			Columns: []string{"email_actions.email", "email_actions.user_id", "email_actions.ip"},
			Export:  exportEmailActions,
			Erase: func(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
				return accountdb.New(tx).DeleteEmailActionsFor(ctx, accountdb.DeleteEmailActionsForParams{Email: p.Email, UserID: p.ID})
			},
		},
		{
			Name:   "email_links",
			Export: exportLinks,
			Erase: func(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
				return accountdb.New(tx).DeleteUserAccountTokens(ctx, p.ID)
			},
		},
	}
}

// PersonalProfile is the account itself.
type PersonalProfile struct {
	FullName              string     `json:"full_name"`
	Email                 string     `json:"email"`
	JobTitle              string     `json:"job_title"`
	Agency                string     `json:"agency,omitempty"`
	UnlistedOrganisation  string     `json:"unlisted_organisation,omitempty"`
	RequestedAgency       string     `json:"requested_agency,omitempty"`
	AgencyChangeRequested *time.Time `json:"agency_change_requested_at,omitempty"`
	EmailVerifiedAt       *time.Time `json:"email_verified_at"`
	CreatedAt             time.Time  `json:"created_at"`
	UpdatedAt             time.Time  `json:"updated_at"`
	LastSignedInAt        *time.Time `json:"last_signed_in_at"`
	InactivityWarnedAt    *time.Time `json:"warned_unused_at,omitempty"` // warned the account would be erased
	LineManagerName       string     `json:"line_manager_name,omitempty"`
	LineManagerEmail      string     `json:"line_manager_email,omitempty"`
}

func exportProfile(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	r, err := accountdb.New(tx).ExportProfile(ctx, p.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, err
	}
	return PersonalProfile{
		FullName: r.FullName, Email: r.Email, JobTitle: r.JobTitle, Agency: r.AgencyName,
		UnlistedOrganisation: r.UnlistedAgencyName, RequestedAgency: r.RequestedAgencyName,
		AgencyChangeRequested: utc(r.AgencyRequestedAt), EmailVerifiedAt: utc(r.EmailVerifiedAt),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		LastSignedInAt: utc(r.LastSignedInAt), InactivityWarnedAt: utc(r.InactivityWarnedAt),
		LineManagerName: r.LineManagerName, LineManagerEmail: r.LineManagerEmail,
	}, nil
}

// PersonalDeviceCookie is a browser the person signed in on, which the
// sign-in limits treat as theirs until it expires.
type PersonalDeviceCookie struct {
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

func exportDeviceCookies(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	rows, err := accountdb.New(tx).ExportDeviceTokens(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out := []PersonalDeviceCookie{}
	for _, r := range rows {
		out = append(out, PersonalDeviceCookie{CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()})
	}
	return out, nil
}

// PersonalEmailAction is an email asked for with the person's address, or by
// them, kept for a day to count against the limits.
type PersonalEmailAction struct {
	Kind string    `json:"kind"`
	IP   string    `json:"ip,omitempty"`
	Sent bool      `json:"sent"`
	At   time.Time `json:"at"`
}

func exportEmailActions(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	rows, err := accountdb.New(tx).ExportEmailActions(ctx, accountdb.ExportEmailActionsParams{Email: p.Email, UserID: p.ID})
	if err != nil {
		return nil, err
	}
	out := []PersonalEmailAction{}
	for _, r := range rows {
		out = append(out, PersonalEmailAction{Kind: r.Kind, IP: r.Ip, Sent: r.Sent, At: r.At.UTC()})
	}
	return out, nil
}

// PersonalRole is a role held on top of practitioner.
type PersonalRole struct {
	Role      string    `json:"role"`
	Name      string    `json:"name"`
	GrantedAt time.Time `json:"granted_at"`
}

func exportRoles(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	rows, err := accountdb.New(tx).ExportRoles(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out := []PersonalRole{}
	for _, r := range rows {
		out = append(out, PersonalRole{Role: r.Role, Name: Role(r.Role).Label(), GrantedAt: r.GrantedAt.UTC()})
	}
	return out, nil
}

// PersonalLogin is a browser signed in to the account (a login). Its
// section of the download keeps the name "sessions" it has always had.
type PersonalLogin struct {
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
}

func exportLogins(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	rows, err := accountdb.New(tx).ExportWebSessions(ctx, &p.ID)
	if err != nil {
		return nil, err
	}
	out := []PersonalLogin{}
	for _, r := range rows {
		out = append(out, PersonalLogin{
			CreatedAt: r.CreatedAt.UTC(), LastSeenAt: r.LastSeenAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
			IP: r.Ip, UserAgent: r.UserAgent,
		})
	}
	return out, nil
}

// PersonalAttempt is an attempt to sign in with the person's address, by
// them or by anyone else.
type PersonalAttempt struct {
	At        time.Time `json:"at"`
	IP        string    `json:"ip"`
	Succeeded bool      `json:"succeeded"`
}

func exportAttempts(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	rows, err := accountdb.New(tx).ExportSignInAttempts(ctx, p.Email)
	if err != nil {
		return nil, err
	}
	out := []PersonalAttempt{}
	for _, r := range rows {
		out = append(out, PersonalAttempt{At: r.At.UTC(), IP: r.Ip, Succeeded: r.Succeeded})
	}
	return out, nil
}

// PersonalEmailLink is a link emailed to confirm the address or reset the
// password: when, and whether it was used; never the link itself.
type PersonalEmailLink struct {
	Purpose   string     `json:"purpose"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at"`
}

func exportLinks(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	rows, err := accountdb.New(tx).ExportEmailLinks(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out := []PersonalEmailLink{}
	for _, r := range rows {
		out = append(out, PersonalEmailLink{
			Purpose: r.Purpose, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), UsedAt: utc(r.UsedAt),
		})
	}
	return out, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// registry is the registry erasure and export go through: the whole
// product's when the server wired it, else the account's own parts (tests
// of the account alone).
func (s *Service) registry() *privacy.Registry {
	if s.Privacy != nil {
		return s.Privacy
	}
	r := &privacy.Registry{}
	r.Register(PersonalData()...)
	return r
}
