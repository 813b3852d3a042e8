package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/account/internal/accountdb"
	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/validation"
)

// ProfileForm is what a person can change about themselves: the same rules
// as at sign-up, and their line manager (both or neither), with the booking
// form's rules.
type ProfileForm struct {
	FullName         string
	JobTitle         string
	LineManagerName  string
	LineManagerEmail string
}

func (f *ProfileForm) check(v *validation.Errors) {
	f.FullName = validation.CleanLine(f.FullName)
	f.JobTitle = validation.CleanLine(f.JobTitle)
	switch {
	case f.FullName == "":
		v.Add("full-name", "Enter your full name")
	case tooLong(f.FullName, 200):
		v.Add("full-name", "Full name must be 200 characters or fewer")
	case validation.HasHiddenFormatting(f.FullName):
		v.Add("full-name", validation.HiddenFormattingMessage("Full name"))
	}
	switch {
	case f.JobTitle == "":
		v.Add("job-title", "Enter your job title")
	case tooLong(f.JobTitle, 200):
		v.Add("job-title", "Job title must be 200 characters or fewer")
	case validation.HasHiddenFormatting(f.JobTitle):
		v.Add("job-title", validation.HiddenFormattingMessage("Job title"))
	}
	f.LineManagerName = validation.CleanLine(f.LineManagerName)
	typed := validation.CleanLine(f.LineManagerEmail)
	f.LineManagerEmail = validation.Email(typed)
	switch {
	case f.LineManagerName == "" && typed != "":
		v.Add("line-manager-name", "Enter your line manager’s name, or clear their email address too")
	case tooLong(f.LineManagerName, 200):
		v.Add("line-manager-name", "Your line manager’s name must be 200 characters or fewer")
	case validation.HasHiddenFormatting(f.LineManagerName):
		v.Add("line-manager-name", validation.HiddenFormattingMessage("Your line manager’s name"))
	}
	switch {
	case typed == "" && f.LineManagerName != "":
		v.Add("line-manager-email", "Enter your line manager’s email address, or clear their name too")
	case typed != "" && f.LineManagerEmail == "":
		v.Add("line-manager-email", "Enter your line manager’s email address in the correct format, like name@example.org")
	}
}

// UpdateProfile saves the name, job title and line manager of the person
// signed in (the actor in ctx). The audit event names the fields that
// changed, not their values, so the log holds no copy of a name the person
// may later erase. Saving with nothing changed records nothing.
func (s *Service) UpdateProfile(ctx context.Context, f ProfileForm) error {
	me, err := signedIn(ctx)
	if err != nil {
		return err
	}
	userID := me.ID
	var v validation.Errors
	f.check(&v)
	if err := v.Err(); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		old, err := q.LockProfile(ctx, userID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("update profile of %d: %w", userID, err)
		}
		var changed []string
		if old.FullName != f.FullName {
			changed = append(changed, "full_name")
		}
		if old.JobTitle != f.JobTitle {
			changed = append(changed, "job_title")
		}
		if old.LineManagerName != f.LineManagerName || old.LineManagerEmail != f.LineManagerEmail {
			changed = append(changed, "line_manager")
		}
		if len(changed) == 0 {
			return nil
		}
		if err := q.SetProfile(ctx, accountdb.SetProfileParams{
			FullName: f.FullName, JobTitle: f.JobTitle, LineManagerName: f.LineManagerName,
			LineManagerEmail: f.LineManagerEmail, ID: userID,
		}); err != nil {
			return fmt.Errorf("update profile of %d: %w", userID, err)
		}
		return audit.RecordTx(ctx, tx, s.now(), audit.Event{
			Action: audit.ProfileChanged, ActorID: &userID, SubjectID: &userID, IP: me.IP,
			Details: map[string]any{"changed": changed},
		})
	})
}

// RememberLineManagerTx keeps the line manager a person gave at a booking
// on their profile, in the booking's transaction tx, so their next booking
// form is filled in with it. The booking package has already checked both.
func RememberLineManagerTx(ctx context.Context, tx pgx.Tx, userID int64, name, email string) error {
	if err := accountdb.New(tx).SetLineManager(ctx, accountdb.SetLineManagerParams{
		LineManagerName: name, LineManagerEmail: email, ID: userID,
	}); err != nil {
		return fmt.Errorf("remember line manager of %d: %w", userID, err)
	}
	return nil
}

// --- changing agency ---

// AgencyChoicesFor lists the partner agencies a person could move to: every
// one but their own.
func (s *Service) AgencyChoicesFor(ctx context.Context, u User) ([]Agency, error) {
	all, err := s.AgencyChoices(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, a := range all {
		if u.AgencyID == nil || a.ID != *u.AgencyID {
			out = append(out, a)
		}
	}
	return out, nil
}

// RequestAgencyChange records that the person signed in (the actor in ctx)
// says they now work for another partner agency. The move waits for a training manager, or a coordinator of
// the agency they join, to confirm it, so nobody can put themselves into an
// agency (and see or book as part of it) on their word alone. A new request
// replaces a waiting one.
func (s *Service) RequestAgencyChange(ctx context.Context, agencyID int64) error {
	me, err := signedIn(ctx)
	if err != nil {
		return err
	}
	userID := me.ID
	var v validation.Errors
	if agencyID == 0 {
		v.Add("agency", "Select the organisation you work for now")
		return v.Err()
	}
	now := s.now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		cur, err := q.LockAgencyOfUser(ctx, userID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("request agency change for %d: %w", userID, err)
		}
		ok, err := q.AgencyExists(ctx, agencyID)
		if err != nil {
			return fmt.Errorf("request agency change for %d: %w", userID, err)
		}
		switch {
		case !ok:
			v.Add("agency", "Select an organisation from the list")
		case cur.AgencyID != nil && *cur.AgencyID == agencyID:
			v.Add("agency", "Select an organisation you do not already work for")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if cur.RequestedAgencyID != nil && *cur.RequestedAgencyID == agencyID {
			return nil // asked already: nothing changes
		}
		if err := q.SetAgencyRequest(ctx, accountdb.SetAgencyRequestParams{AgencyID: &agencyID, RequestedAt: &now, ID: userID}); err != nil {
			return fmt.Errorf("request agency change for %d: %w", userID, err)
		}
		details, err := agencyDetails(ctx, q, cur.AgencyID, cur.UnlistedAgencyName, &agencyID, "requested")
		if err != nil {
			return err
		}
		return audit.RecordTx(ctx, tx, now, audit.Event{
			Action: audit.AgencyRequested, ActorID: &userID, SubjectID: &userID, AgencyID: &agencyID, IP: me.IP,
			Details: details,
		})
	})
}

// CancelAgencyChange withdraws the waiting request of the person signed in
// (the actor in ctx), if they have one. It is recorded as a request with the
// decision "withdrawn".
func (s *Service) CancelAgencyChange(ctx context.Context) error {
	me, err := signedIn(ctx)
	if err != nil {
		return err
	}
	userID := me.ID
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		cur, err := q.LockAgencyOfUser(ctx, userID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("cancel agency change for %d: %w", userID, err)
		}
		if cur.RequestedAgencyID == nil {
			return nil
		}
		if err := q.SetAgencyRequest(ctx, accountdb.SetAgencyRequestParams{ID: userID}); err != nil {
			return fmt.Errorf("cancel agency change for %d: %w", userID, err)
		}
		details, err := agencyDetails(ctx, q, cur.AgencyID, cur.UnlistedAgencyName, cur.RequestedAgencyID, "withdrawn")
		if err != nil {
			return err
		}
		return audit.RecordTx(ctx, tx, s.now(), audit.Event{
			Action: audit.AgencyWithdrawn, ActorID: &userID, SubjectID: &userID, AgencyID: cur.RequestedAgencyID, IP: me.IP,
			Details: details,
		})
	})
}

// AgencyChange is a waiting request to change agency, as the people who
// decide it see it.
type AgencyChange struct {
	UserID       int64
	FullName     string
	Email        string
	JobTitle     string
	From         string // the current agency, or the unlisted name typed at sign-up
	FromUnlisted bool
	To           string
	RequestedAt  *time.Time // nil for requests made before the time was kept
}

// AgencyChangesPageSize is how many requests a page of the list holds.
const AgencyChangesPageSize = 50

// AgencyChanges returns one page (from 1) of the requests that the actor in
// ctx may decide acting as role (Manager: every request; Coordinator:
// requests to join their own agency), oldest first, and how many there are
// in all.
func (s *Service) AgencyChanges(ctx context.Context, role Role, page int) ([]AgencyChange, int, error) {
	actorID := actor.From(ctx).ID
	page = max(page, 1)
	page = min(page, 1<<20)
	var (
		rows  []accountdb.ListAgencyChangesRow
		total int64
	)
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		var err error
		if total, err = q.CountAgencyChanges(ctx, accountdb.CountAgencyChangesParams{ActorID: actorID, AsRole: string(role)}); err != nil {
			return err
		}
		rows, err = q.ListAgencyChanges(ctx, accountdb.ListAgencyChangesParams{
			ActorID: actorID, AsRole: string(role),
			MaxRows: AgencyChangesPageSize, SkipRows: int32((page - 1) * AgencyChangesPageSize),
		})
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list agency changes for %d as %s: %w", actorID, role, err)
	}
	out := make([]AgencyChange, 0, len(rows))
	for _, r := range rows {
		out = append(out, AgencyChange{
			UserID: r.ID, FullName: r.FullName, Email: r.Email, JobTitle: r.JobTitle,
			From: r.CurrentAgency, FromUnlisted: r.CurrentUnlisted, To: r.RequestedAgency, RequestedAt: r.AgencyRequestedAt,
		})
	}
	return out, int(total), nil
}

// DecideAgencyChange confirms (moving the person to the agency they asked
// for) or declines a waiting request of userID, and emails the person the
// outcome. The actor in ctx acts as role: a training manager may decide any
// request, an agency coordinator only a request to join their own agency.
// That right is part of the UPDATE itself, so a request the actor may not
// decide, or that is no longer waiting, changes nothing and answers
// ErrNotFound.
func (s *Service) DecideAgencyChange(ctx context.Context, role Role, userID int64, confirm bool) error {
	by := actor.From(ctx)
	actorID, ip := by.ID, by.IP
	if role != Manager && role != Coordinator {
		return ErrNotFound
	}
	now := s.now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		r, err := q.DecideAgencyChange(ctx, accountdb.DecideAgencyChangeParams{
			Confirm: confirm, ActorID: actorID, UserID: userID, AsRole: string(role),
		})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("decide agency change of %d: %w", userID, err)
		}
		decision := "declined"
		if confirm {
			decision = "confirmed"
		}
		details, err := agencyDetails(ctx, q, r.FromAgencyID, r.FromUnlistedName, r.ToAgencyID, decision)
		if err != nil {
			return err
		}
		details["as"] = string(role)
		if err := audit.RecordTx(ctx, tx, now, audit.Event{
			Action: audit.AgencyConfirmed, ActorID: &actorID, SubjectID: &userID, AgencyID: r.ToAgencyID, IP: ip,
			Details: details,
		}); err != nil {
			return err
		}
		if confirm {
			// A coordinator acts for their agency: one who moves is no
			// longer anyone's coordinator until granted the role again.
			n, err := q.RemoveRole(ctx, accountdb.RemoveRoleParams{UserID: userID, Role: string(Coordinator)})
			if err != nil {
				return fmt.Errorf("decide agency change of %d: %w", userID, err)
			}
			if n > 0 {
				if err := audit.RecordTx(ctx, tx, now, audit.Event{
					Action: audit.RoleRemoved, ActorID: &actorID, SubjectID: &userID, AgencyID: r.FromAgencyID, IP: ip,
					Details: map[string]any{"role": string(Coordinator), "reason": "changed agency"},
				}); err != nil {
					return err
				}
			}
		}
		to, _ := details["to"].(string)
		return s.send(ctx, tx, userID, r.Email, r.FullName, agencyDecisionEmail(r.FullName, to, confirm))
	})
}

// agencyDetails describes an agency change for the audit log: the agencies'
// IDs and names (an unlisted organisation by the name typed), and what was
// decided.
func agencyDetails(ctx context.Context, q *accountdb.Queries, from *int64, fromUnlisted string, to *int64, decision string) (map[string]any, error) {
	var ids []int64
	for _, id := range []*int64{from, to} {
		if id != nil {
			ids = append(ids, *id)
		}
	}
	rows, err := q.AgencyNames(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("name agencies: %w", err)
	}
	names := map[int64]string{}
	for _, r := range rows {
		names[r.ID] = r.Name
	}
	d := map[string]any{"decision": decision, "from_agency_id": from, "to_agency_id": to}
	if from != nil {
		d["from"] = names[*from]
	} else {
		d["from"] = fromUnlisted
		d["from_unlisted"] = true
	}
	if to != nil {
		d["to"] = names[*to]
	}
	return d, nil
}

func agencyDecisionEmail(name, agency string, confirmed bool) message {
	greeting := "Dear " + name + ","
	if confirmed {
		return message{subject: "Your change of organisation has been confirmed", letter: email.Letter{
			Greeting: greeting,
			Blocks: []email.Block{
				email.Para("Your account now shows that you work for " + agency + "."),
				email.Para("If this is wrong, tell the partnership's training team."),
			},
		}}
	}
	return message{subject: "Your change of organisation was not confirmed", letter: email.Letter{
		Greeting: greeting,
		Blocks: []email.Block{
			email.Para("Your request to change your organisation to " + agency + " was not confirmed, so your account has not changed."),
			email.Para("If you do work for " + agency + ", ask its safeguarding training coordinator or the partnership's " +
				"training team to confirm it, then ask again from your account."),
		},
	}}
}

// ErrNotSignedIn is a method for the person signed in called with nobody in
// ctx: a fault of the caller, since every such page is behind sign-in.
var ErrNotSignedIn = errs.New(errs.Forbidden, "no one is signed in")

// signedIn is the person signed in, from ctx.
func signedIn(ctx context.Context) (actor.Actor, error) {
	a := actor.From(ctx)
	if !a.SignedIn() {
		return actor.Actor{}, ErrNotSignedIn
	}
	return a, nil
}
