package people

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/people/internal/peopledb"
	"github.com/pscp/booktraining/internal/pgerr"
)

// trainerKeepsSessions is the database's rule that a trainer on a session
// to come keeps the trainer role.
const trainerKeepsSessions = "user_roles_trainer_keeps_sessions_to_come"

var (
	// ErrInvalidRole means the role asked for is not one that can be granted.
	ErrInvalidRole = errs.Says(errs.Invalid, "Select a role to give.")
	// ErrRoleHeld means the person holds the role already.
	ErrRoleHeld = errs.Says(errs.Conflict, "This person already has that role.")
	// ErrRoleNotHeld means the person does not hold the role to remove.
	ErrRoleNotHeld = errs.Says(errs.Conflict, "This person does not have that role.")
	// ErrNoConfirmedAgency means an agency coordinator was asked for someone
	// whose agency is not confirmed: a coordinator acts for one agency.
	ErrNoConfirmedAgency = errs.Says(errs.Conflict,
		"An agency coordinator must work for a confirmed agency. Confirm this person’s organisation first.")
	// ErrOwnManagerRole means a training manager tried to remove their own
	// manager role; another manager must, so there is always one.
	ErrOwnManagerRole = errs.Says(errs.Forbidden,
		"You cannot remove your own training manager role. Ask another training manager to do it, so the partnership always has one.")
	// ErrTrainerHasSessions means a training manager tried to remove the
	// trainer role of someone down to deliver a session still to come (the
	// database refuses it: see trainerKeepsSessions).
	ErrTrainerHasSessions = errs.Says(errs.Conflict,
		"This person is down to deliver a session still to come, so they must keep the trainer role. Take them off their sessions to come first.")
	// ErrNotManager means the person acting no longer holds the manager role.
	ErrNotManager = errs.New(errs.Forbidden, "only a training manager can change roles")
)

// GrantRole gives subject a role on the word of the actor in ctx, a
// training manager.
func (s *Service) GrantRole(ctx context.Context, subject int64, role account.Role) error {
	by := actor.From(ctx)
	if !role.Valid() {
		return ErrInvalidRole
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := peopledb.New(tx)
		if err := lockManagers(ctx, q, by.ID); err != nil {
			return err
		}
		p, err := q.LockPerson(ctx, subject)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("grant role to %d: %w", subject, err)
		}
		if role == account.Coordinator && p.AgencyID == nil {
			return ErrNoConfirmedAgency
		}
		granted, err := account.GrantRoleTx(ctx, tx, by, subject, role, p.AgencyID, s.now())
		if err != nil {
			return fmt.Errorf("grant role to %d: %w", subject, err)
		}
		if !granted {
			return ErrRoleHeld
		}
		return nil
	})
}

// RemoveRole takes a role from subject on the word of the actor in ctx, a
// training manager. No manager can remove their own manager role, and the manager
// rows are locked first, so that two managers removing each other at the
// same moment cannot both succeed: the partnership always keeps one.
func (s *Service) RemoveRole(ctx context.Context, subject int64, role account.Role) error {
	by := actor.From(ctx)
	if !role.Valid() {
		return ErrInvalidRole
	}
	if role == account.Manager && by.ID == subject {
		return ErrOwnManagerRole
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := peopledb.New(tx)
		if err := lockManagers(ctx, q, by.ID); err != nil {
			return err
		}
		p, err := q.LockPerson(ctx, subject)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("remove role from %d: %w", subject, err)
		}
		removed, err := account.RemoveRoleTx(ctx, tx, by, subject, role, p.AgencyID, s.now())
		if pgerr.Violates(err, trainerKeepsSessions) {
			return ErrTrainerHasSessions
		} else if err != nil {
			return fmt.Errorf("remove role from %d: %w", subject, err)
		}
		if !removed {
			return ErrRoleNotHeld
		}
		return nil
	})
}

// lockManagers locks every manager's role until the transaction ends and
// checks that actorID is still one of them.
func lockManagers(ctx context.Context, q *peopledb.Queries, actorID int64) error {
	managers, err := q.LockManagers(ctx)
	if err != nil {
		return fmt.Errorf("lock managers: %w", err)
	}
	if !slices.Contains(managers, actorID) {
		return ErrNotManager
	}
	return nil
}
