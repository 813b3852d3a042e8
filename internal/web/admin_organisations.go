package web

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/people"
	"github.com/pscp/booktraining/internal/validation"
)

// --- organisations people typed ---

type adminOrganisationsPage struct {
	adminArea
	Organisations []people.Organisation
}

func (h *admin) organisations(c *fiber.Ctx) error {
	orgs, err := h.people.UnlistedOrganisations(c.UserContext())
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, "admin/organisations", "Organisations to confirm",
		adminOrganisationsPage{adminArea: h.area(c), Organisations: orgs})
}

type adminOrganisationPage struct {
	adminArea
	fieldErrors
	Organisation people.Organisation
	Key          string // the name the forms send back
	Form         agency.Form
	Sectors      []agency.Sector
	Bands        []agency.ChargingBand
	Agencies     []choice // "Choose an agency", then the current agencies to merge into
	MergeID      int64
}

func (h *admin) organisation(c *fiber.Ctx) error {
	return h.showOrganisation(c, c.Query("organisation"), agency.Form{}, 0, nil)
}

func (h *admin) showOrganisation(c *fiber.Ctx, name string, f agency.Form, mergeID int64, errs *validation.Errors) error {
	ctx := c.UserContext()
	org, err := h.people.UnlistedOrganisation(ctx, name)
	if err != nil {
		return err
	}
	agencies, err := h.deps.Accounts.AgencyChoices(ctx)
	if err != nil {
		return err
	}
	choices := agencyMergeChoices(agencies)
	if f == (agency.Form{}) {
		f.Name = org.Name // what they typed, to correct
	}
	d := adminOrganisationPage{
		adminArea: h.area(c), fieldErrors: fieldErrors{errs}, Organisation: org, Key: name, Form: f,
		Sectors: agency.Sectors, Bands: agency.ChargingBands, Agencies: choices, MergeID: mergeID,
	}
	return h.renderForm(c, "admin/organisation", org.Name, d, errs)
}

func (h *admin) confirmOrganisation(c *fiber.Ctx) error {
	name, f := c.FormValue("organisation"), agencyFormValues(c)
	a, _, err := h.people.ConfirmOrganisation(c.UserContext(), name, f)
	var verr *validation.Errors
	if errors.As(err, &verr) {
		return h.showOrganisation(c, name, f, 0, verr)
	} else if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/people?agency=%d&done=moved", a.ID), fiber.StatusSeeOther)
}

func (h *admin) mergeOrganisation(c *fiber.Ctx) error {
	name := c.FormValue("organisation")
	id, err := strconv.ParseInt(c.FormValue(people.FieldMergeAgency), 10, 64)
	if err != nil || id < 0 {
		id = 0
	}
	a, _, err := h.people.MergeOrganisation(c.UserContext(), name, id)
	var verr *validation.Errors
	if errors.As(err, &verr) {
		return h.showOrganisation(c, name, agency.Form{}, id, verr)
	} else if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/people?agency=%d&done=moved", a.ID), fiber.StatusSeeOther)
}

// agencyMergeChoices is the merge form's choice of agency, "Choose an
// agency" first: a thousand agencies at a hundredfold partnership, made here
// rather than by choicesOf's reflection in the template (issue 21).
func agencyMergeChoices(agencies []account.Agency) []choice {
	out := make([]choice, 0, len(agencies)+1)
	out = append(out, newChoice("", "Choose an agency"))
	for _, a := range agencies {
		out = append(out, choice{Value: strconv.FormatInt(a.ID, 10), Text: a.Name})
	}
	return out
}
