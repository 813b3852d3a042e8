package account

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/account/internal/accountdb"
	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/privacy"
)

// ErrNotManager is a person without the training manager's role asking to act
// on someone else's data.
var ErrNotManager = errs.New(errs.Forbidden, "only a training manager may do this")

const personalDataAbout = "Everything Book safeguarding training holds about you on the date in created_at. " +
	"Times are in UTC. Links in stored emails have their tokens removed."

// ExportPersonalData gathers everything held about a person, in one
// snapshot, through every part of the privacy registry ("Download your
// data": the right of access, UK GDPR Article 15, in a machine-readable form
// for Article 20), and records in the audit log that they took a copy (the
// copy itself lists that entry). It never holds a password hash, a login
// or link token, a token's hash or a CSRF token. The person is the one signed
// in: the actor in ctx.
func (s *Service) ExportPersonalData(ctx context.Context) (privacy.Download, error) {
	me, err := signedIn(ctx)
	if err != nil {
		return privacy.Download{}, err
	}
	return s.export(ctx, me.ID)
}

// ExportOnBehalf is the same copy of userID's data, taken by a training
// manager (the actor in ctx) for a person who asked by letter or telephone;
// the audit log says the manager took it.
func (s *Service) ExportOnBehalf(ctx context.Context, userID int64) (privacy.Download, error) {
	return s.export(ctx, userID)
}

func (s *Service) export(ctx context.Context, userID int64) (privacy.Download, error) {
	by := actor.From(ctx)
	actorID, ip := by.ID, by.IP
	now := s.now()
	d := privacy.Download{About: personalDataAbout, CreatedAt: now.UTC()}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		if actorID != userID {
			if err := requireManager(ctx, q, actorID); err != nil {
				return err
			}
		}
		p, err := q.ExportProfile(ctx, userID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("profile: %w", err)
		}
		if err := audit.RecordTx(ctx, tx, now, audit.Event{Action: audit.DataExported, ActorID: by.IDPtr(), SubjectID: &userID, IP: ip}); err != nil {
			return err
		}
		d.Sections, err = s.registry().Export(ctx, tx, privacy.Person{ID: userID, Email: p.Email, Name: p.FullName})
		return err
	})
	if err != nil {
		return privacy.Download{}, fmt.Errorf("export data of %d: %w", userID, err)
	}
	return d, nil
}

// requireManager checks, in the action's transaction, that the actor is a
// training manager still.
func requireManager(ctx context.Context, q *accountdb.Queries, actorID int64) error {
	roles, err := q.ExportRoles(ctx, actorID)
	if err != nil {
		return fmt.Errorf("roles of %d: %w", actorID, err)
	}
	if !slices.ContainsFunc(roles, func(r accountdb.ExportRolesRow) bool { return r.Role == string(Manager) }) {
		return ErrNotManager
	}
	return nil
}
