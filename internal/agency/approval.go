package agency

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/agency/internal/agencydb"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/validation"
)

// Approval is an agency's line-manager approval setting: when Required, a
// place its staff book for themselves waits for their line manager's
// approval for up to Hours (internal/booking's approval.go). Off by default.
type Approval struct {
	Required bool
	Hours    int
}

// The limits of Hours, as the table's CHECK has them: an hour to two weeks.
const (
	MinApprovalHours     = 1
	MaxApprovalHours     = 336
	DefaultApprovalHours = 72
)

// Field names of the approval form.
const (
	FieldApprovalRequired = "line-manager-approval"
	FieldApprovalHours    = "approval-hours"
)

// ApprovalForm is the setting as typed.
type ApprovalForm struct {
	Required string // "yes" or "no"
	Hours    string
}

// FormOfApproval fills the form with a setting, to edit it.
func FormOfApproval(a Approval) ApprovalForm {
	required := "no"
	if a.Required {
		required = "yes"
	}
	return ApprovalForm{Required: required, Hours: strconv.Itoa(a.Hours)}
}

// Approval returns agency id's setting, or ErrNotFound.
func (s *Service) Approval(ctx context.Context, id int64) (Approval, error) {
	r, err := agencydb.New(s.pool).GetApprovalSetting(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Approval{}, ErrNotFound
	} else if err != nil {
		return Approval{}, fmt.Errorf("approval setting of agency %d: %w", id, err)
	}
	return Approval{Required: r.LineManagerApproval, Hours: int(r.ApprovalHours)}, nil
}

func (f ApprovalForm) check() (Approval, error) {
	var v validation.Errors
	var a Approval
	switch f.Required {
	case "yes":
		a.Required = true
	case "no":
	default:
		v.Add(FieldApprovalRequired, "Select whether bookings need the line manager’s approval")
	}
	typed := strings.TrimSpace(f.Hours)
	hours, err := strconv.Atoi(typed)
	switch {
	case typed == "":
		v.Add(FieldApprovalHours, "Enter how many hours the line manager has to answer")
	case err != nil:
		v.Add(FieldApprovalHours, "The hours to answer must be a whole number, like 72")
	case hours < MinApprovalHours || hours > MaxApprovalHours:
		v.Add(FieldApprovalHours, fmt.Sprintf("The hours to answer must be between %d and %d (two weeks)", MinApprovalHours, MaxApprovalHours))
	}
	a.Hours = hours
	return a, v.Err()
}

// SetApproval changes agency id's setting for the actor in ctx (a training
// manager), audited with what changed; it returns *validation.Errors for a
// form with mistakes. Bookings already waiting keep their deadline.
func (s *Service) SetApproval(ctx context.Context, id int64, f ApprovalForm) error {
	by := actor.From(ctx)
	a, err := f.check()
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := agencydb.New(tx)
		old, err := q.LockApprovalSetting(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("approval setting of agency %d: %w", id, err)
		}
		changes := map[string]any{}
		if old.LineManagerApproval != a.Required {
			changes["line_manager_approval"] = map[string]any{"from": old.LineManagerApproval, "to": a.Required}
		}
		if int(old.ApprovalHours) != a.Hours {
			changes["approval_hours"] = map[string]any{"from": old.ApprovalHours, "to": a.Hours}
		}
		if len(changes) == 0 {
			return nil
		}
		now := s.now()
		if err := q.SetApprovalSetting(ctx, agencydb.SetApprovalSettingParams{
			ID: id, LineManagerApproval: a.Required, ApprovalHours: int32(a.Hours), Now: now,
		}); err != nil {
			return fmt.Errorf("set approval setting of agency %d: %w", id, err)
		}
		return audit.RecordTx(ctx, tx, now, audit.Event{
			Action: audit.AgencyUpdated, ActorID: by.IDPtr(), AgencyID: &id, IP: by.IP, Details: changes,
		})
	})
}
