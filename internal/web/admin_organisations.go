package web

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

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
	// The agency to merge into is typed, not chosen from every agency (a
	// thousand at a hundredfold partnership, issue 21): MergeName is what
	// was typed, MergeChoices the agencies it matched when it matched
	// several (the form then asks which), MergeID the one chosen.
	MergeName    string
	MergeChoices []agency.Agency
	MergeID      int64
}

// fieldMergeAgencyName is the merge form's field of the agency's name
// typed; people.FieldMergeAgency is the agency chosen among those it matched.
const fieldMergeAgencyName = "merge-agency-name"

func (h *admin) organisation(c *fiber.Ctx) error {
	return h.showOrganisation(c, c.Query("organisation"), agency.Form{}, mergeAgency{}, nil)
}

func (h *admin) showOrganisation(c *fiber.Ctx, name string, f agency.Form, m mergeAgency, errs *validation.Errors) error {
	org, err := h.people.UnlistedOrganisation(c.UserContext(), name)
	if err != nil {
		return err
	}
	if f == (agency.Form{}) {
		f.Name = org.Name // what they typed, to correct
	}
	d := adminOrganisationPage{
		adminArea: h.area(c), fieldErrors: fieldErrors{errs}, Organisation: org, Key: name, Form: f,
		Sectors: agency.Sectors, Bands: agency.ChargingBands, MergeName: m.name, MergeChoices: m.choices, MergeID: m.id,
	}
	return h.renderForm(c, "admin/organisation", org.Name, d, errs)
}

func (h *admin) confirmOrganisation(c *fiber.Ctx) error {
	name, f := c.FormValue("organisation"), agencyFormValues(c)
	a, _, err := h.people.ConfirmOrganisation(c.UserContext(), name, f)
	var verr *validation.Errors
	if errors.As(err, &verr) {
		return h.showOrganisation(c, name, f, mergeAgency{}, verr)
	} else if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/people?agency=%d&done=moved", a.ID), fiber.StatusSeeOther)
}

func (h *admin) mergeOrganisation(c *fiber.Ctx) error {
	name := c.FormValue("organisation")
	m, err := h.mergeAgency(c)
	if err != nil {
		return err
	}
	a, _, err := h.people.MergeOrganisation(c.UserContext(), name, m.id)
	var verr *validation.Errors
	if errors.As(err, &verr) {
		m.explain(verr)
		return h.showOrganisation(c, name, agency.Form{}, m, verr)
	} else if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/people?agency=%d&done=moved", a.ID), fiber.StatusSeeOther)
}

// mergeAgency is the agency the merge form names, as typed and resolved.
type mergeAgency struct {
	id      int64           // 0 when it names none
	name    string          // the agency's name, or what was typed
	choices []agency.Agency // when what was typed matches several
	problem string          // why it names none; "" when it does
}

// mergeAgency resolves the merge form's agency as the session form's one
// agency is resolved (sessionAgency): one current agency whose name holds
// the text typed, or is it exactly, or the one chosen among several it
// matched. An agency chosen with nothing typed is taken as chosen
// (people.MergeOrganisation refuses one that is not current).
func (h *admin) mergeAgency(c *fiber.Ctx) (mergeAgency, error) {
	chosen, err := strconv.ParseInt(c.FormValue(people.FieldMergeAgency), 10, 64)
	if err != nil || chosen < 0 {
		chosen = 0
	}
	typed := validation.CleanLine(c.FormValue(fieldMergeAgencyName))
	if typed == "" {
		if chosen > 0 {
			return mergeAgency{id: chosen}, nil
		}
		return mergeAgency{problem: "Enter the name of the agency to move them into"}, nil
	}
	found, err := h.agencies.FindByName(c.UserContext(), typed)
	if err != nil {
		return mergeAgency{}, err
	}
	found = slices.DeleteFunc(found, func(ag agency.Agency) bool { return ag.Retired() })
	for _, ag := range found {
		if ag.ID == chosen {
			return mergeAgency{id: ag.ID, name: ag.Name}, nil
		}
	}
	switch {
	case len(found) == 0:
		return mergeAgency{name: typed, problem: "No agency’s name contains “" + typed + "”: check the spelling, or type less of the name"}, nil
	case len(found) == 1 || strings.EqualFold(found[0].Name, typed):
		return mergeAgency{id: found[0].ID, name: found[0].Name}, nil
	case len(found) == agency.MaxFound:
		return mergeAgency{name: typed, choices: found, problem: "Many agencies’ names contain “" + typed + "”: choose one, or type more of the name"}, nil
	}
	return mergeAgency{name: typed, choices: found, problem: "More than one agency’s name contains “" + typed + "”: choose one"}, nil
}

// explain puts the merge's agency problem on the typed name, where the
// form asks for it.
func (m mergeAgency) explain(v *validation.Errors) {
	for i, fe := range v.Fields {
		if fe.Field == people.FieldMergeAgency {
			v.Fields[i].Field = fieldMergeAgencyName
			if m.problem != "" {
				v.Fields[i].Message = m.problem
			}
		}
	}
}
