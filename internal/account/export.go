package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/dbsqlc"
)

// PersonalData is everything the service holds about a person, as the file
// "Download your data" gives them (the right of access, UK GDPR Article 15,
// in a machine-readable form for Article 20). It never holds a password
// hash, a session or link token, a token's hash or a CSRF token.
type PersonalData struct {
	About          string              `json:"about"`
	CreatedAt      time.Time           `json:"created_at"`
	Profile        PersonalProfile     `json:"profile"`
	Roles          []PersonalRole      `json:"roles"`
	Sessions       []PersonalSession   `json:"sessions"`
	SignInAttempts []PersonalAttempt   `json:"sign_in_attempts"`
	EmailLinks     []PersonalEmailLink `json:"email_links"`
	AuditEvents    []PersonalEvent     `json:"audit_events"`
	Emails         []PersonalEmail     `json:"emails"`
	Bookings       []PersonalBooking   `json:"bookings"`
}

// PersonalBooking is a place booked or waited for, with what the person
// told us when booking.
type PersonalBooking struct {
	CreatedAt        time.Time `json:"created_at"`
	Course           string    `json:"course"`
	StartsAt         time.Time `json:"starts_at"`
	EndsAt           time.Time `json:"ends_at"`
	Status           string    `json:"status"`
	LateCancellation bool      `json:"late_cancellation"`
	Attendance       string    `json:"attendance,omitempty"`
	Agency           string    `json:"agency,omitempty"`
	AccessNeeds      string    `json:"access_needs"`
	DietaryNeeds     string    `json:"dietary_needs"`
	LineManagerName  string    `json:"line_manager_name"`
	LineManagerEmail string    `json:"line_manager_email"`
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
}

// PersonalRole is a role held on top of practitioner.
type PersonalRole struct {
	Role      string    `json:"role"`
	Name      string    `json:"name"`
	GrantedAt time.Time `json:"granted_at"`
}

// PersonalSession is a browser signed in to the account.
type PersonalSession struct {
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
}

// PersonalAttempt is an attempt to sign in with the person's address, by
// them or by anyone else.
type PersonalAttempt struct {
	At        time.Time `json:"at"`
	IP        string    `json:"ip"`
	Succeeded bool      `json:"succeeded"`
}

// PersonalEmailLink is a link emailed to confirm the address or reset the
// password: when, and whether it was used; never the link itself.
type PersonalEmailLink struct {
	Purpose   string     `json:"purpose"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at"`
}

// PersonalEvent is an audit log entry the person did, or that was done to
// their account. IP is left out of an entry someone else did.
type PersonalEvent struct {
	At      time.Time       `json:"at"`
	Action  string          `json:"action"`
	ByYou   bool            `json:"by_you"`
	IP      string          `json:"ip,omitempty"`
	Agency  string          `json:"agency,omitempty"`
	Details json.RawMessage `json:"details"`
}

// PersonalEmail is an email the service wrote to the person. Body is empty
// once the email has been delivered (bodies are not kept after that).
type PersonalEmail struct {
	CreatedAt time.Time  `json:"created_at"`
	To        string     `json:"to"`
	Subject   string     `json:"subject"`
	SentAt    *time.Time `json:"sent_at"`
	Body      string     `json:"body,omitempty"`
}

const personalDataAbout = "Everything Book safeguarding training holds about you on the date in created_at. " +
	"Times are in UTC. Links in stored emails have their tokens removed."

// linkToken finds the secret in a link of an email body that is still kept.
var linkToken = regexp.MustCompile(`([?&]token=)[A-Za-z0-9_-]+`)

// ExportPersonalData gathers everything held about a person, in one
// snapshot, and records in the audit log that they took a copy (the copy
// itself lists that entry).
func (s *Service) ExportPersonalData(ctx context.Context, userID int64, ip string) (PersonalData, error) {
	now := s.now()
	d := PersonalData{
		About: personalDataAbout, CreatedAt: now.UTC(),
		Roles: []PersonalRole{}, Sessions: []PersonalSession{}, SignInAttempts: []PersonalAttempt{},
		EmailLinks: []PersonalEmailLink{}, AuditEvents: []PersonalEvent{}, Emails: []PersonalEmail{},
		Bookings: []PersonalBooking{},
	}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		p, err := q.ExportProfile(ctx, userID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("profile: %w", err)
		}
		if err := audit.Record(ctx, q, now, audit.Event{Action: audit.DataExported, ActorID: &userID, SubjectID: &userID, IP: ip}); err != nil {
			return err
		}
		d.Profile = PersonalProfile{
			FullName: p.FullName, Email: p.Email, JobTitle: p.JobTitle, Agency: p.AgencyName,
			UnlistedOrganisation: p.UnlistedAgencyName, RequestedAgency: p.RequestedAgencyName,
			AgencyChangeRequested: utc(p.AgencyRequestedAt), EmailVerifiedAt: utc(p.EmailVerifiedAt),
			CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
		}

		roles, err := q.ExportRoles(ctx, userID)
		if err != nil {
			return fmt.Errorf("roles: %w", err)
		}
		for _, r := range roles {
			d.Roles = append(d.Roles, PersonalRole{Role: r.Role, Name: Role(r.Role).Label(), GrantedAt: r.GrantedAt.UTC()})
		}

		sessions, err := q.ExportSessions(ctx, &userID)
		if err != nil {
			return fmt.Errorf("sessions: %w", err)
		}
		for _, r := range sessions {
			d.Sessions = append(d.Sessions, PersonalSession{
				CreatedAt: r.CreatedAt.UTC(), LastSeenAt: r.LastSeenAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
				IP: r.Ip, UserAgent: r.UserAgent,
			})
		}

		attempts, err := q.ExportSignInAttempts(ctx, p.Email)
		if err != nil {
			return fmt.Errorf("sign-in attempts: %w", err)
		}
		for _, r := range attempts {
			d.SignInAttempts = append(d.SignInAttempts, PersonalAttempt{At: r.At.UTC(), IP: r.Ip, Succeeded: r.Succeeded})
		}

		links, err := q.ExportEmailLinks(ctx, userID)
		if err != nil {
			return fmt.Errorf("email links: %w", err)
		}
		for _, r := range links {
			d.EmailLinks = append(d.EmailLinks, PersonalEmailLink{
				Purpose: r.Purpose, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), UsedAt: utc(r.UsedAt),
			})
		}

		events, err := q.ExportAuditEvents(ctx, userID)
		if err != nil {
			return fmt.Errorf("audit events: %w", err)
		}
		for _, r := range events {
			details := json.RawMessage(r.Details)
			if !json.Valid(details) {
				details = json.RawMessage("{}")
			}
			d.AuditEvents = append(d.AuditEvents, PersonalEvent{
				At: r.At.UTC(), Action: r.Action, ByYou: r.ByYou, IP: r.Ip, Agency: r.AgencyName, Details: details,
			})
		}

		emails, err := q.ExportEmails(ctx, dbsqlc.ExportEmailsParams{UserID: &userID, Email: p.Email})
		if err != nil {
			return fmt.Errorf("emails: %w", err)
		}
		for _, r := range emails {
			d.Emails = append(d.Emails, PersonalEmail{
				CreatedAt: r.CreatedAt.UTC(), To: r.ToAddress, Subject: r.Subject, SentAt: utc(r.SentAt),
				Body: linkToken.ReplaceAllString(r.BodyText, "${1}removed"),
			})
		}

		bookings, err := q.ExportBookings(ctx, userID)
		if err != nil {
			return fmt.Errorf("bookings: %w", err)
		}
		for _, r := range bookings {
			b := PersonalBooking{
				CreatedAt: r.CreatedAt.UTC(), Course: r.CourseTitle, StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(),
				Status: r.Status, LateCancellation: r.Late, Agency: r.AgencyName, AccessNeeds: r.AccessNeeds,
				DietaryNeeds: r.DietaryNeeds, LineManagerName: r.LineManagerName, LineManagerEmail: r.LineManagerEmail,
			}
			if r.Attendance != nil {
				b.Attendance = *r.Attendance
			}
			d.Bookings = append(d.Bookings, b)
		}
		return nil
	})
	if err != nil {
		return PersonalData{}, fmt.Errorf("export data of %d: %w", userID, err)
	}
	return d, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
