package web

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/people"
)

// --- the agency coordinator's pages ---

type agencyPeoplePage struct {
	AgencyName string
	NoAgency   bool // the coordinator's own organisation is not confirmed
	Query      string
	Results    people.Results
	Pages      *pagination
}

func (h *admin) agencyPeople(c *fiber.Ctx) error {
	u := currentUser(c)
	d := agencyPeoplePage{AgencyName: u.AgencyName, Query: people.CleanQuery(c.Query("q"))}
	if u.AgencyID == nil {
		d.NoAgency = true
		return h.render(c, fiber.StatusOK, "agency/people", "People in your agency", d)
	}
	var err error
	if d.Results, err = h.people.FindInAgency(c.UserContext(), *u.AgencyID, d.Query, pageParam(c)); err != nil {
		return err
	}
	d.Pages = paginateCounted("/agency/people", url.Values{"q": {d.Query}}, d.Results.Page, d.Results.Pages, d.Results.More)
	if len(d.Results.People) > 0 {
		ids := make([]int64, len(d.Results.People))
		for i, p := range d.Results.People {
			ids[i] = p.ID
		}
		if err := h.auditView(c, account.Coordinator, audit.View{What: "the list of their agency's people", People: ids, AgencyID: u.AgencyID}); err != nil {
			return err
		}
	}
	return h.render(c, fiber.StatusOK, "agency/people", "People in "+u.AgencyName, d)
}

func (h *admin) agencyPerson(c *fiber.Ctx) error {
	u := currentUser(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := h.people.InAgency(c.UserContext(), id) // people.ErrNotFound outside their agency
	if err != nil {
		return err
	}
	person := p.ID
	if err := h.auditView(c, account.Coordinator, audit.View{What: "their person page in their agency", PersonID: &person, AgencyID: u.AgencyID}); err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, "agency/person", p.FullName, p)
}
