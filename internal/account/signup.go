package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/account/internal/accountdb"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/password"
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/validation"
)

// SignUpForm is what a person gives to open an account.
type SignUpForm struct {
	FullName       string
	Email          string
	Password       string
	JobTitle       string
	AgencyID       int64  // a partner agency, or 0 with NotListed
	NotListed      bool   // "My organisation is not listed"
	UnlistedAgency string // its name, when NotListed
	// Next is the booking form the person was on their way to (ReturnPath):
	// the links emailed about this sign-up bring them back to it. It is
	// not stored, and changes nothing in an existing account.
	Next string
}

// SignUp opens an account and emails a link to prove the address. To give
// nothing away about who has an account, it answers the same whether or not
// the address is known, and does the same work: a known address is sent an
// email saying someone tried to sign up with it (or, if never verified, a
// fresh link and a way to choose a new password). A sign-up never changes an
// existing account, verified or not: the address's owner keeps their
// password, name and agency, and a squatter who signed up first loses the
// account when the owner chooses a new password from that email.
//
// Within the email limits: past MaxEmailsPerIP from ip it returns an
// *EmailLimitError; past MaxEmailsPerAddress it answers as usual but sends
// nothing.
func (s *Service) SignUp(ctx context.Context, f SignUpForm, ip string) error {
	f.FullName = validation.CleanLine(f.FullName)
	f.JobTitle = validation.CleanLine(f.JobTitle)
	f.UnlistedAgency = validation.CleanLine(f.UnlistedAgency)
	addr := cleanEmail(f.Email)

	var v validation.Errors
	switch {
	case f.FullName == "":
		v.Add("full-name", "Enter your full name")
	case tooLong(f.FullName, 200):
		v.Add("full-name", "Full name must be 200 characters or fewer")
	case validation.HasHiddenFormatting(f.FullName):
		v.Add("full-name", validation.HiddenFormattingMessage("Full name"))
	}
	switch {
	case strings.TrimSpace(f.Email) == "":
		v.Add("email", "Enter your work email address")
	case addr == "":
		v.Add("email", "Enter an email address in the correct format, like name@example.org")
	}
	switch {
	case f.JobTitle == "":
		v.Add("job-title", "Enter your job title")
	case tooLong(f.JobTitle, 200):
		v.Add("job-title", "Job title must be 200 characters or fewer")
	case validation.HasHiddenFormatting(f.JobTitle):
		v.Add("job-title", validation.HiddenFormattingMessage("Job title"))
	}
	q := accountdb.New(s.pool)
	switch {
	case f.NotListed && f.UnlistedAgency == "":
		v.Add("unlisted-agency", "Enter the name of your organisation")
	case f.NotListed && tooLong(f.UnlistedAgency, 200):
		v.Add("unlisted-agency", "Organisation name must be 200 characters or fewer")
	case f.NotListed && validation.HasHiddenFormatting(f.UnlistedAgency):
		v.Add("unlisted-agency", validation.HiddenFormattingMessage("Organisation name"))
	case !f.NotListed && f.AgencyID == 0:
		v.Add("agency", "Select your organisation, or select ‘My organisation is not listed’")
	case !f.NotListed:
		ok, err := q.AgencyExists(ctx, f.AgencyID)
		if err != nil {
			return fmt.Errorf("sign up: %w", err)
		}
		if !ok {
			v.Add("agency", "Select your organisation from the list")
		}
	}
	if err := password.Check(f.Password, passwordContext(addr, f.FullName)...); err != nil {
		v.Add("password", policyMessage(err))
	}
	if err := v.Err(); err != nil {
		return err
	}

	// Hash before looking the address up, so both paths cost the same.
	hash, err := password.Hash(f.Password)
	if err != nil {
		return fmt.Errorf("sign up: %w", err)
	}
	now := s.now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		allowed, err := allowAccountEmail(ctx, q, actionSignUp, addr, ip, now)
		if err != nil {
			return err
		}
		existing, err := q.GetUserByEmail(ctx, addr)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return fmt.Errorf("sign up: %w", err)
		case existing.ErasedAt != nil || !allowed.send:
			return nil // an erased address cannot be reused; a flooded one is sent nothing more
		case existing.EmailVerifiedAt == nil:
			// Nobody has proven the address, so neither this sign-up nor
			// the first may be its owner's: the account stays as it is,
			// and the mailbox is told how to confirm it or take it over.
			verify, err := s.newLink(ctx, q, existing.ID, "verify_email", VerifyLinkLife, "/verify-email", f.Next)
			if err != nil {
				return fmt.Errorf("sign up: %w", err)
			}
			reset, err := s.newLink(ctx, q, existing.ID, "reset_password", ResetLinkLife, "/reset-password", f.Next)
			if err != nil {
				return fmt.Errorf("sign up: %w", err)
			}
			return s.send(ctx, tx, existing.ID, existing.Email, "", waitingEmail(verify, reset))
		default:
			return s.send(ctx, tx, existing.ID, existing.Email, existing.FullName, alreadyRegisteredEmail(s.linkReturning("/sign-in", "", f.Next)))
		}

		agencyID, unlisted := signUpAgency(f)
		id, err := q.CreateUser(ctx, accountdb.CreateUserParams{
			Email: addr, FullName: f.FullName, JobTitle: f.JobTitle, AgencyID: agencyID,
			UnlistedAgencyName: unlisted, PasswordHash: hash,
		})
		if pgerr.Violates(err, "users_email_key") {
			return nil // signed up a moment ago in another request: same answer
		} else if err != nil {
			return fmt.Errorf("sign up: %w", err)
		}
		if err := audit.RecordTx(ctx, tx, now, audit.Event{
			Action: audit.SignedUp, ActorID: &id, SubjectID: &id, AgencyID: agencyID, IP: ip,
			Details: map[string]any{"unlisted_organisation": unlisted},
		}); err != nil {
			return err
		}
		if !allowed.send {
			return nil
		}
		return s.sendVerification(ctx, q, tx, id, addr, f.Next)
	})
}

// signUpAgency is the agency, or the unlisted organisation's name, of a
// sign-up.
func signUpAgency(f SignUpForm) (agencyID *int64, unlisted string) {
	if f.NotListed {
		return nil, f.UnlistedAgency
	}
	id := f.AgencyID
	return &id, ""
}

// ResendVerification sends a fresh link to the person signed in (the actor
// in ctx) if they have not verified their address yet, within the email
// limits: an *EmailLimitError says when they may ask again.
func (s *Service) ResendVerification(ctx context.Context) error {
	return s.ResendVerificationReturning(ctx, "")
}

// ResendVerificationReturning is ResendVerification whose link brings the
// person back to next, the booking form they were stopped at (ReturnPath).
func (s *Service) ResendVerificationReturning(ctx context.Context, next string) error {
	me, err := signedIn(ctx)
	if err != nil {
		return err
	}
	userID, ip := me.ID, me.IP
	now := s.now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		u, err := getUser(ctx, q, userID)
		if err != nil {
			return err
		}
		if u.Verified || u.Erased {
			return nil
		}
		allowed, err := allowAccountEmail(ctx, q, actionResendVerification, u.Email, ip, now)
		if err != nil {
			return err
		}
		if !allowed.send {
			// Signed in to the account: nothing to hide from them.
			return &EmailLimitError{RetryAt: allowed.retryAt}
		}
		return s.sendVerification(ctx, q, tx, u.ID, u.Email, next)
	})
}

// sendVerification emails a link to prove an address. The name given at
// sign-up is not used: it was typed by whoever signed up, who may not be the
// address's owner.
func (s *Service) sendVerification(ctx context.Context, q *accountdb.Queries, tx pgx.Tx, userID int64, to, next string) error {
	link, err := s.newLink(ctx, q, userID, "verify_email", VerifyLinkLife, "/verify-email", next)
	if err != nil {
		return fmt.Errorf("send verification: %w", err)
	}
	return s.send(ctx, tx, userID, to, "", verifyEmail(link))
}

// newLink makes a one-time link of purpose for the person, spending their
// older ones of the same purpose; next is a page to come back to after it
// (ReturnPath), or "".
func (s *Service) newLink(ctx context.Context, q *accountdb.Queries, userID int64, purpose string, life time.Duration, path, next string) (string, error) {
	now := s.now()
	if err := q.SpendAccountTokens(ctx, accountdb.SpendAccountTokensParams{Now: now, UserID: userID, Purpose: purpose}); err != nil {
		return "", err
	}
	token, hash := newToken()
	if err := q.CreateAccountToken(ctx, accountdb.CreateAccountTokenParams{
		TokenHash: hash, UserID: userID, Purpose: purpose, ExpiresAt: now.Add(life), Now: now,
	}); err != nil {
		return "", err
	}
	return s.linkReturning(path, token, next), nil
}

// VerifyEmail proves an address: it takes the emailed link and the
// account's password, and signs the person in. Asking for the password means
// holding the mailbox is not enough to confirm an account someone else
// opened with that address and a password of their own: the owner of the
// mailbox, who does not know it, chooses a new one instead (a reset link
// also proves the address), which ends the other person's access. A wrong
// password counts against the sign-in limits, as a sign-in does. It returns
// the person and their browser's new device token, as SignInOnDevice does.
func (s *Service) VerifyEmail(ctx context.Context, token, plain, ip, device string) (int64, string, error) {
	now := s.now()
	owner, err := accountdb.New(s.pool).AccountTokenOwner(ctx, accountdb.AccountTokenOwnerParams{
		TokenHash: hashToken(token), Purpose: "verify_email", Now: now})
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", ErrLinkInvalid
	} else if err != nil {
		return 0, "", fmt.Errorf("verify email: %w", err)
	}
	if plain == "" {
		var v validation.Errors
		v.Add("password", "Enter the password you chose for this account")
		return 0, "", v.Err()
	}
	userID, newDevice, err := s.SignInOnDevice(ctx, owner.Email, plain, ip, device)
	if errors.Is(err, ErrInvalidCredentials) || (err == nil && userID != owner.UserID) {
		var v validation.Errors
		v.Add("password", "The password is wrong. If you did not create this account, or do not know its password, choose a new password instead")
		return 0, "", v.Err()
	} else if err != nil {
		return 0, "", err
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		spent, err := q.UseAccountToken(ctx, accountdb.UseAccountTokenParams{Now: now, TokenHash: hashToken(token), Purpose: "verify_email"})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrLinkInvalid // used a moment ago in another request
		} else if err != nil {
			return fmt.Errorf("verify email: %w", err)
		}
		if err := q.MarkEmailVerified(ctx, accountdb.MarkEmailVerifiedParams{Now: now, ID: spent}); err != nil {
			return fmt.Errorf("verify email: %w", err)
		}
		// Whoever was signed in to the account before its address was proven
		// may not be its owner: every other login ends. The web layer
		// starts this person's login after this commits.
		if err := q.DeleteUserWebSessions(ctx, &spent); err != nil {
			return fmt.Errorf("verify email: %w", err)
		}
		return audit.RecordTx(ctx, tx, now, audit.Event{Action: audit.EmailVerified, ActorID: &spent, SubjectID: &spent, IP: ip})
	})
	if err != nil {
		return 0, "", err
	}
	return userID, newDevice, nil
}

func (s *Service) send(ctx context.Context, tx pgx.Tx, userID int64, to, name string, m message) error {
	l := m.letter
	l.From = s.Signature
	if l.From.Team == "" {
		l.From.Team = "Book safeguarding training"
	}
	if l.From.Partnership == "" && l.From.Email == "" {
		l.From.Partnership = "Portsmouth Safeguarding Children Partnership"
	}
	// name is "" for an address nobody has proven: no name in the To header.
	if _, err := s.outbox.Enqueue(ctx, tx, email.Message{
		To: to, ToName: recipientName(name), Subject: m.subject, Body: l.Text(), HTML: l.HTML(), UserID: &userID,
	}); err != nil {
		return fmt.Errorf("enqueue %q: %w", m.subject, err)
	}
	return nil
}

// maxToNameBytes is the most of a person's name that goes in an email's To
// header; the outbox refuses more than 254 bytes.
const maxToNameBytes = 200

// recipientName is a person's name made fit for an email's To header: on one
// line, and cut at a character boundary to at most maxToNameBytes bytes (a
// 200-character name can be 800 bytes).
func recipientName(name string) string {
	name = validation.CleanLine(name)
	if len(name) <= maxToNameBytes {
		return name
	}
	cut := maxToNameBytes
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return strings.TrimSpace(name[:cut])
}

// passwordContext is what a password must not contain: the person's address,
// its local part, and their names.
func passwordContext(addr, name string) []string {
	ctx := []string{}
	if addr != "" {
		ctx = append(ctx, addr, addr[:strings.LastIndexByte(addr, '@')])
	}
	ctx = append(ctx, strings.Fields(name)...)
	return ctx
}

func policyMessage(err error) string {
	var pe *password.PolicyError
	if errors.As(err, &pe) {
		return pe.Message
	}
	return "Choose a different password"
}
