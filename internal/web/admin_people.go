package web

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/people"
	"github.com/pscp/booktraining/internal/validation"
)

// --- people ---

type adminPeoplePage struct {
	adminArea
	Query    string
	AgencyID int64
	// The agency filter is typed, not chosen from every agency: AgencyName
	// is the agency filtered by, or what was typed; AgencyChoices the
	// agencies it matches when it matches several (the page then asks which);
	// NoSuchAgency that it matches none.
	AgencyName    string
	AgencyChoices []agency.Agency
	NoSuchAgency  bool
	Results       people.Results
	Pages         *pagination
}

// ChooseAgency links the people of one of the agencies the typed name
// matched, with the same search.
func (d adminPeoplePage) ChooseAgency(id int64) string {
	return "/admin/people?" + url.Values{"agency": {strconv.FormatInt(id, 10)}, "q": {d.Query}}.Encode()
}

func (h *admin) peopleList(c *fiber.Ctx) error {
	ctx := c.UserContext()
	d := adminPeoplePage{adminArea: h.area(c), Query: people.CleanQuery(c.Query("q"))}
	s := people.Search{Query: d.Query, Page: pageParam(c)}
	if id, err := strconv.ParseInt(c.Query("agency"), 10, 64); err == nil && id > 0 {
		d.AgencyID, s.AgencyID = id, &id
		a, err := h.agencies.Named(ctx, id)
		if err != nil && !errors.Is(err, agency.ErrNotFound) {
			return err
		}
		d.AgencyName = a.Name
	} else if typed := people.CleanQuery(c.Query("agency-name")); typed != "" {
		found, err := h.agencies.FindByName(ctx, typed)
		if err != nil {
			return err
		}
		switch {
		case len(found) == 0:
			d.AgencyName, d.NoSuchAgency = typed, true
		case len(found) == 1 || strings.EqualFold(found[0].Name, typed):
			d.AgencyID, s.AgencyID, d.AgencyName = found[0].ID, &found[0].ID, found[0].Name
		default:
			d.AgencyName, d.AgencyChoices = typed, found
		}
	}
	if d.NoSuchAgency || d.AgencyChoices != nil {
		return h.render(c, fiber.StatusOK, "admin/people", "People", d)
	}
	var err error
	if d.Results, err = h.people.Find(ctx, s); err != nil {
		return err
	}
	filter := url.Values{"q": {d.Query}}
	if d.AgencyID > 0 {
		filter.Set("agency", strconv.FormatInt(d.AgencyID, 10))
	}
	d.Pages = paginateCounted("/admin/people", filter, d.Results.Page, d.Results.Pages, d.Results.More)
	if len(d.Results.People) > 0 {
		ids := make([]int64, len(d.Results.People))
		for i, p := range d.Results.People {
			ids[i] = p.ID
		}
		if err := h.auditView(c, account.Manager, audit.View{What: "a list of people", People: ids, AgencyID: s.AgencyID}); err != nil {
			return err
		}
	}
	return h.render(c, fiber.StatusOK, "admin/people", "People", d)
}

type adminPersonPage struct {
	adminArea
	fieldErrors
	Person account.User
	Grant  []account.Role // roles the person does not hold yet
	Role   string         // the role chosen in the grant form
	Me     int64          // the manager looking: their own account cannot be erased from here
}

func (h *admin) person(c *fiber.Ctx) error {
	return h.showPerson(c, "", nil)
}

func (h *admin) showPerson(c *fiber.Ctx, chosen string, errs *validation.Errors) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u, err := h.deps.Accounts.User(c.UserContext(), int64(id))
	if err != nil {
		return err // account.ErrNotFound is a 404
	}
	if u.Erased {
		return fiber.ErrNotFound
	}
	person := u.ID
	if err := h.auditView(c, account.Manager, audit.View{What: "their person page", PersonID: &person, AgencyID: u.AgencyID}); err != nil {
		return err
	}
	d := adminPersonPage{adminArea: h.area(c), fieldErrors: fieldErrors{errs}, Person: u, Role: chosen, Me: currentUser(c).ID}
	for _, r := range account.Roles {
		if !u.Has(r) {
			d.Grant = append(d.Grant, r)
		}
	}
	return h.renderForm(c, "admin/person", u.FullName, d, errs)
}

func (h *admin) grantRole(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	role := c.FormValue("role")
	err = h.people.GrantRole(c.UserContext(), id, account.Role(role))
	msg := ""
	switch {
	case err == nil:
		return c.Redirect(fmt.Sprintf("/admin/people/%d?done=role-granted", id), fiber.StatusSeeOther)
	case errors.Is(err, people.ErrInvalidRole):
		msg = "Select a role to give"
	case errors.Is(err, people.ErrRoleHeld):
		msg = "This person already has that role"
	case errors.Is(err, people.ErrNoConfirmedAgency):
		msg = "An agency coordinator must work for a confirmed agency. Confirm this person’s organisation first."
	default:
		return err
	}
	var v validation.Errors
	v.Add("role", msg)
	return h.showPerson(c, role, &v)
}

func (h *admin) removeRole(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	role := account.Role(c.FormValue("role"))
	err = h.people.RemoveRole(c.UserContext(), id, role)
	var v validation.Errors
	switch {
	case err == nil:
		return c.Redirect(fmt.Sprintf("/admin/people/%d?done=role-removed", id), fiber.StatusSeeOther)
	case errors.Is(err, people.ErrOwnManagerRole):
		v.Add("remove-manager", "You cannot remove your own training manager role. Ask another training manager to do it, so the partnership always has one.")
	case errors.Is(err, people.ErrRoleNotHeld), errors.Is(err, people.ErrInvalidRole):
		v.Add("roles", "This person does not have that role")
	case errors.Is(err, people.ErrTrainerHasSessions):
		msg, _ := errs.PublicMessage(err)
		v.Add("roles", msg)
	default:
		return err
	}
	return h.showPerson(c, "", &v)
}
