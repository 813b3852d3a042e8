package web

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/validation"
)

// A training manager answers a person's request made by letter or phone:
// a copy of their data, or the erasure of their account (UK GDPR Articles
// 15 and 17). Both are audited with the manager as the actor.

// downloadTheirData is a POST, so that taking a copy needs the form's CSRF
// token and is recorded in the audit log.
func (h *admin) downloadTheirData(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	d, err := h.deps.Accounts.ExportOnBehalf(c.UserContext(), id)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return fmt.Errorf("encode personal data: %w", err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="personal-data-%d.json"`, id))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusOK).Send(b)
}

type erasePage struct {
	adminArea
	fieldErrors
	Person  account.User
	Reason  string
	Confirm bool
}

func (h *admin) eraseForm(c *fiber.Ctx) error {
	return h.showEraseForm(c, erasePage{}, nil)
}

// showEraseForm finds the person (404 for no one, or someone already
// erased; 403 for the manager's own account) and shows the form.
func (h *admin) showEraseForm(c *fiber.Ctx, d erasePage, errs *validation.Errors) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u, err := h.deps.Accounts.User(c.UserContext(), int64(id))
	if err != nil {
		return err
	}
	if u.Erased {
		return fiber.ErrNotFound
	}
	if u.ID == currentUser(c).ID {
		return account.ErrOwnAccount
	}
	d.adminArea, d.fieldErrors, d.Person = h.area(c), fieldErrors{errs}, u
	return h.renderForm(c, "admin/erase", "Erase "+u.FullName+"’s account", d, errs)
}

func (h *admin) eraseTheirAccount(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	d := erasePage{Reason: c.FormValue("reason"), Confirm: c.FormValue("confirm") == "yes"}
	if !d.Confirm {
		var v validation.Errors
		if msg := account.ErasureReasonProblem(d.Reason); msg != "" {
			v.Add("reason", msg)
		}
		v.Add("confirm", "Confirm that the person asked for their account to be erased and that you have checked who they are")
		return h.showEraseForm(c, d, &v)
	}
	err = h.deps.Accounts.EraseOnBehalf(c.UserContext(), id, d.Reason)
	var verr *validation.Errors
	switch {
	case errors.As(err, &verr):
		return h.showEraseForm(c, d, verr)
	case err != nil:
		return err
	}
	return c.Redirect("/admin/people?done=erased", fiber.StatusSeeOther)
}
