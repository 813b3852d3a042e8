package partnership

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/partnership/internal/partnershipdb"
	"github.com/pscp/booktraining/internal/validation"
)

// ErrNotFound: no partnership has that ID.
var ErrNotFound = errs.New(errs.NotFound, "no such partnership")

// The form's fields.
const (
	FieldName          = "name"
	FieldShortName     = "short-name"
	FieldEmail         = "email"
	FieldPhone         = "phone"
	FieldSharesFigures = "shares-figures"
)

// Form is a partnership's details as its manager typed them.
type Form struct {
	Name, ShortName, Email, Phone string
	SharesFigures                 bool
}

// FormOf fills a form with p, to change it.
func FormOf(p Partnership) Form {
	return Form{Name: p.Name, ShortName: p.ShortName, Email: p.Email, Phone: p.Phone, SharesFigures: p.SharesFigures}
}

// Update saves a partnership's details, typed by one of its managers (the
// actor in ctx), and audits what changed; *validation.Errors for a form
// with mistakes. From then on the service names the partnership, not the
// configuration. Nothing changed saves and records nothing.
func (d *Directory) Update(ctx context.Context, id int64, f Form) error {
	a := actor.From(ctx)
	if !a.Manager {
		return errs.New(errs.Forbidden, "only training managers change a partnership")
	}
	f.Name, f.ShortName = validation.CleanLine(f.Name), validation.CleanLine(f.ShortName)
	f.Phone = validation.CleanLine(f.Phone)
	var v validation.Errors
	switch {
	case f.Name == "":
		v.Add(FieldName, "Enter the partnership’s name")
	case len([]rune(f.Name)) > 200:
		v.Add(FieldName, "The partnership’s name must be 200 characters or fewer")
	case validation.HasHiddenFormatting(f.Name):
		v.Add(FieldName, validation.HiddenFormattingMessage("The partnership’s name"))
	}
	switch {
	case f.ShortName == "":
		v.Add(FieldShortName, "Enter a short name, such as the area’s")
	case len([]rune(f.ShortName)) > 60:
		v.Add(FieldShortName, "The short name must be 60 characters or fewer")
	case validation.HasHiddenFormatting(f.ShortName):
		v.Add(FieldShortName, validation.HiddenFormattingMessage("The short name"))
	}
	if f.Email != "" {
		if e := validation.Email(f.Email); e == "" {
			v.Add(FieldEmail, "Enter the training team’s email address in the correct format, like training@example.org")
		} else {
			f.Email = e
		}
	}
	if len([]rune(f.Phone)) > 40 {
		v.Add(FieldPhone, "The telephone number must be 40 characters or fewer")
	}
	if err := v.Err(); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		q := partnershipdb.New(tx)
		old, err := q.LockPartnership(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("change partnership %d: %w", id, err)
		}
		changes := map[string]any{}
		for _, c := range []struct{ field, from, to string }{
			{"name", old.Name, f.Name},
			{"short_name", old.ShortName, f.ShortName},
			{"email", old.Email, f.Email},
			{"phone", old.Phone, f.Phone},
			{"shares_figures", strconv.FormatBool(old.SharesFigures), strconv.FormatBool(f.SharesFigures)},
		} {
			if c.from != c.to {
				changes[c.field] = map[string]any{"from": c.from, "to": c.to}
			}
		}
		if len(changes) == 0 {
			return nil
		}
		if err := q.UpdatePartnership(ctx, partnershipdb.UpdatePartnershipParams{
			ID: id, Name: f.Name, ShortName: f.ShortName, Email: f.Email, Phone: f.Phone, SharesFigures: f.SharesFigures,
		}); err != nil {
			return fmt.Errorf("change partnership %d: %w", id, err)
		}
		changes["partnership_id"] = id
		return audit.RecordTx(ctx, tx, d.now(), audit.Event{
			Action: audit.PartnershipUpdated, ActorID: a.IDPtr(), IP: a.IP, Details: changes,
		})
	})
	if err == nil {
		d.known.Store(nil) // read again
	}
	return err
}
