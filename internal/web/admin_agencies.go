package web

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/validation"
)

// --- agencies ---

type adminAgenciesPage struct {
	adminArea
	Agencies []agency.Agency
	Total    int
	Pages    *pagination
}

// agencyList is the agencies a page of 50 at a time (?page=), by name.
func (h *admin) agencyList(c *fiber.Ctx) error {
	list, err := h.agencies.List(c.UserContext(), c.QueryInt("page", 1))
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, "admin/agencies", "Agencies", adminAgenciesPage{adminArea: h.area(c),
		Agencies: list.Agencies, Total: list.Total, Pages: paginate("/admin/agencies", url.Values{}, list.Page, list.Pages)})
}

type adminAgencyPage struct {
	adminArea
	fieldErrors
	Agency  *agency.Agency // nil for a new one
	Form    agency.Form
	Sectors []agency.Sector
	Bands   []agency.ChargingBand
	// Approval is the line-manager approval setting's form (agency_approval.go).
	Approval agency.ApprovalForm
}

func agencyFormValues(c *fiber.Ctx) agency.Form {
	return agency.Form{
		Name:                c.FormValue(agency.FieldName),
		Sector:              c.FormValue(agency.FieldSector),
		Band:                c.FormValue(agency.FieldBand),
		BillingContactName:  c.FormValue(agency.FieldBillingName),
		BillingContactEmail: c.FormValue(agency.FieldBillingEmail),
	}
}

func (h *admin) showAgencyForm(c *fiber.Ctx, a *agency.Agency, f agency.Form, errs *validation.Errors) error {
	title := "Add an agency"
	if a != nil {
		title = a.Name
	}
	d := adminAgencyPage{adminArea: h.area(c), fieldErrors: fieldErrors{errs}, Agency: a, Form: f,
		Sectors: agency.Sectors, Bands: agency.ChargingBands}
	if a != nil {
		var err error
		if d.Approval, err = h.approvalForm(c, a.ID); err != nil {
			return err
		}
	}
	return h.renderForm(c, "admin/agency", title, d, errs)
}

func (h *admin) newAgency(c *fiber.Ctx) error {
	return h.showAgencyForm(c, nil, agency.Form{}, nil)
}

func (h *admin) createAgency(c *fiber.Ctx) error {
	f := agencyFormValues(c)
	_, err := h.agencies.Create(c.UserContext(), f)
	var verr *validation.Errors
	if errors.As(err, &verr) {
		return h.showAgencyForm(c, nil, f, verr)
	} else if err != nil {
		return err
	}
	return c.Redirect("/admin/agencies?done=agency-created", fiber.StatusSeeOther)
}

// agencyParam loads the agency named by the path.
func (h *admin) agencyParam(c *fiber.Ctx) (agency.Agency, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return agency.Agency{}, err
	}
	return h.agencies.Get(c.UserContext(), id)
}

func (h *admin) editAgency(c *fiber.Ctx) error {
	a, err := h.agencyParam(c)
	if err != nil {
		return err
	}
	return h.showAgencyForm(c, &a, agency.FormOf(a), nil)
}

func (h *admin) updateAgency(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f := agencyFormValues(c)
	err = h.agencies.Update(c.UserContext(), id, f)
	var verr *validation.Errors
	if errors.As(err, &verr) {
		a, err := h.agencyParam(c)
		if err != nil {
			return err
		}
		return h.showAgencyForm(c, &a, f, verr)
	} else if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/agencies/%d?done=agency-updated", id), fiber.StatusSeeOther)
}

func (h *admin) retireAgency(retire bool) fiber.Handler {
	done := "agency-restored"
	if retire {
		done = "agency-retired"
	}
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		if err := h.agencies.SetRetired(c.UserContext(), id, retire); err != nil {
			return err
		}
		return c.Redirect(fmt.Sprintf("/admin/agencies/%d?done=%s", id, done), fiber.StatusSeeOther)
	}
}
