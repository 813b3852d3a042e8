package web

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/validation"
)

// An agency's line-manager approval setting, on the agency's admin page:
// its own form, saved on its own.

// approvalForm is the setting's form on the agency page: as typed, after a
// mistake (kept in the request's locals), else as saved.
func (h *admin) approvalForm(c *fiber.Ctx, id int64) (agency.ApprovalForm, error) {
	if f, ok := c.Locals(approvalTyped{}).(agency.ApprovalForm); ok {
		return f, nil
	}
	a, err := h.agencies.Approval(c.UserContext(), id)
	if err != nil {
		return agency.ApprovalForm{}, err
	}
	return agency.FormOfApproval(a), nil
}

type approvalTyped struct{}

func (h *admin) setAgencyApproval(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f := agency.ApprovalForm{
		Required: c.FormValue(agency.FieldApprovalRequired),
		Hours:    c.FormValue(agency.FieldApprovalHours),
	}
	err = h.agencies.SetApproval(c.UserContext(), id, f)
	var verr *validation.Errors
	if errors.As(err, &verr) {
		a, err := h.agencyParam(c)
		if err != nil {
			return err
		}
		c.Locals(approvalTyped{}, f)
		return h.showAgencyForm(c, &a, agency.FormOf(a), verr)
	} else if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/agencies/%d?done=agency-updated#approval", id), fiber.StatusSeeOther)
}
