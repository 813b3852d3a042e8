package account

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/account/internal/accountdb"
	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
)

// GrantRoleTx gives subject role on the word of by, in the caller's
// transaction, and audits it (with agencyID, the subject's agency). It says
// false, and changes nothing, when subject holds the role already. The
// caller checks that by may (internal/people).
func GrantRoleTx(ctx context.Context, tx pgx.Tx, by actor.Actor, subject int64, role Role, agencyID *int64, now time.Time) (bool, error) {
	n, err := accountdb.New(tx).GrantRole(ctx, accountdb.GrantRoleParams{UserID: subject, Role: string(role), GrantedBy: by.IDPtr(), GrantedAt: now})
	if err != nil || n == 0 {
		return false, err
	}
	return true, audit.RecordTx(ctx, tx, now, audit.Event{
		Action: audit.RoleGranted, ActorID: by.IDPtr(), SubjectID: &subject, AgencyID: agencyID, IP: by.IP,
		Details: map[string]any{"role": string(role)},
	})
}

// RemoveRoleTx takes role from subject on the word of by, in the caller's
// transaction, and audits it. It says false, and changes nothing, when
// subject does not hold the role. The database's refusal (a trainer still
// down to deliver a session to come) is returned as it came, for the caller
// to name.
func RemoveRoleTx(ctx context.Context, tx pgx.Tx, by actor.Actor, subject int64, role Role, agencyID *int64, now time.Time) (bool, error) {
	n, err := accountdb.New(tx).RemoveRole(ctx, accountdb.RemoveRoleParams{UserID: subject, Role: string(role)})
	if err != nil || n == 0 {
		return false, err
	}
	return true, audit.RecordTx(ctx, tx, now, audit.Event{
		Action: audit.RoleRemoved, ActorID: by.IDPtr(), SubjectID: &subject, AgencyID: agencyID, IP: by.IP,
		Details: map[string]any{"role": string(role)},
	})
}

// MoveUnlistedTx moves everyone who typed the organisation name (in any
// case, and not yet in an agency) into agency agencyID, called agencyName,
// in the caller's transaction, auditing each person as action by the actor
// in ctx with the name they typed. It returns how many moved.
func MoveUnlistedTx(ctx context.Context, tx pgx.Tx, name string, agencyID int64, agencyName string, action audit.Action, now time.Time) (int, error) {
	by := actor.From(ctx)
	rows, err := accountdb.New(tx).MoveUnlistedPeople(ctx, accountdb.MoveUnlistedPeopleParams{AgencyID: &agencyID, Name: name})
	if err != nil {
		return 0, fmt.Errorf("move people of %q into agency %d: %w", name, agencyID, err)
	}
	for _, r := range rows {
		if err := audit.RecordTx(ctx, tx, now, audit.Event{
			Action: action, ActorID: by.IDPtr(), SubjectID: &r.ID, AgencyID: &agencyID, IP: by.IP,
			Details: map[string]any{"organisation": r.Typed, "agency": agencyName},
		}); err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}
