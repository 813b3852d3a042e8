package web

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/people"
	"github.com/pscp/booktraining/internal/validation"
)

// admin serves the training manager's pages (/admin) and the agency
// coordinator's (/agency).
type admin struct {
	*app
	people   *people.Service
	agencies *agency.Service
}

// --- what every manager's page shows ---

type navLink struct {
	Href, Text string
	Current    string // aria-current: "page" on the section's own page, "true" below it
}

// adminArea is embedded in every manager's page: the links between them and
// a notice of what the last action did.
type adminArea struct {
	Nav    []navLink
	Notice string
}

var adminSections = []link{
	{"/admin/sessions", "Programme"},
	{"/admin/courses", "Courses"},
	{"/admin/venues", "Venues"},
	{"/admin/trainers", "Trainers"},
	{"/admin/people", "People"},
	{"/admin/organisations", "Organisations to confirm"},
	{"/admin/agency-changes", "Changes of organisation"},
	{"/admin/agencies", "Agencies"},
	{"/admin/prices", "Prices and charges"},
	{"/admin/invoicing", "Invoicing"},
	{"/admin/audit", "Audit log"},
	{"/admin/emails", "Emails"},
	{"/admin/retention", "Retention of personal data"},
	{"/admin/training-requests", "Training requests"},
	{"/admin/attention", "Needs attention"},
}

// notices are the success messages a redirect after an action asks for with
// ?done=; only these fixed texts can be shown, never text from the address.
var notices = map[string]string{
	"series":          "Series scheduled as drafts: publish each session when it is ready to book",
	"role-granted":    "Role given",
	"role-removed":    "Role removed",
	"agency-created":  "Agency added",
	"agency-updated":  "Agency changed",
	"agency-retired":  "Agency retired: people can no longer choose it",
	"agency-restored": "Agency restored: people can choose it again",
	"moved":           "Everyone who typed that organisation now works for this agency",
	"erased":          "Account erased: their personal data has been removed",
}

func (h *admin) area(c *fiber.Ctx) adminArea { return newAdminArea(c) }

// newAdminArea is the side navigation and notice of any manager's page;
// pages outside this file embed it too.
func newAdminArea(c *fiber.Ctx) adminArea {
	path := c.Path()
	nav := make([]navLink, len(adminSections))
	for i, s := range adminSections {
		nav[i] = navLink{Href: s.Href, Text: s.Text}
		switch {
		case path == s.Href:
			nav[i].Current = "page"
		case strings.HasPrefix(path, s.Href+"/"):
			nav[i].Current = "true"
		}
	}
	return adminArea{Nav: nav, Notice: notices[c.Query("done")]}
}

// --- pagination, in the GOV.UK pagination component's terms ---

type pageLink struct {
	Number   int
	Href     string
	Current  bool
	Ellipsis bool
}

type pagination struct {
	Prev, Next string
	Items      []pageLink
}

// maxPage bounds ?page= so that no offset can overflow.
const maxPage = 1_000_000

func pageParam(c *fiber.Ctx) int {
	n, err := strconv.Atoi(c.Query("page"))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, maxPage)
}

// paginate links the pages of a list at path filtered by query: the first,
// the last, and those either side of the current one. It is nil when there
// is one page.
func paginate(path string, query url.Values, page, pages int) *pagination {
	if pages <= 1 {
		return nil
	}
	href := func(n int) string {
		q := url.Values{}
		for k, v := range query {
			if len(v) > 0 && v[0] != "" {
				q.Set(k, v[0])
			}
		}
		if n > 1 {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return path
		}
		return path + "?" + q.Encode()
	}
	p := &pagination{}
	if page > 1 {
		p.Prev = href(min(page-1, pages))
	}
	if page < pages {
		p.Next = href(page + 1)
	}
	last := 0
	for n := 1; n <= pages; n++ {
		if n != 1 && n != pages && (n < page-1 || n > page+1) {
			continue
		}
		if last != 0 && n > last+1 {
			p.Items = append(p.Items, pageLink{Ellipsis: true})
		}
		p.Items = append(p.Items, pageLink{Number: n, Href: href(n), Current: n == page})
		last = n
	}
	return p
}

// --- people ---

type adminPeoplePage struct {
	adminArea
	Query    string
	AgencyID int64
	Agencies []agency.Agency
	Results  people.Results
	Pages    *pagination
}

func (h *admin) peopleList(c *fiber.Ctx) error {
	ctx := c.UserContext()
	d := adminPeoplePage{adminArea: h.area(c), Query: people.CleanQuery(c.Query("q"))}
	s := people.Search{Query: d.Query, Page: pageParam(c)}
	if id, err := strconv.ParseInt(c.Query("agency"), 10, 64); err == nil && id > 0 {
		d.AgencyID, s.AgencyID = id, &id
	}
	var err error
	if d.Results, err = h.people.Find(ctx, s); err != nil {
		return err
	}
	if d.Agencies, err = h.agencies.List(ctx); err != nil {
		return err
	}
	filter := url.Values{"q": {d.Query}}
	if d.AgencyID > 0 {
		filter.Set("agency", strconv.FormatInt(d.AgencyID, 10))
	}
	d.Pages = paginate("/admin/people", filter, d.Results.Page, d.Results.Pages)
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
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return fiber.ErrNotFound
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
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return fiber.ErrNotFound
	}
	role := c.FormValue("role")
	err = h.people.GrantRole(c.UserContext(), currentUser(c).ID, int64(id), account.Role(role), h.clientIP(c))
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
		return roleError(err)
	}
	var v validation.Errors
	v.Add("role", msg)
	return h.showPerson(c, role, &v)
}

func (h *admin) removeRole(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return fiber.ErrNotFound
	}
	role := account.Role(c.FormValue("role"))
	err = h.people.RemoveRole(c.UserContext(), currentUser(c).ID, int64(id), role, h.clientIP(c))
	var v validation.Errors
	switch {
	case err == nil:
		return c.Redirect(fmt.Sprintf("/admin/people/%d?done=role-removed", id), fiber.StatusSeeOther)
	case errors.Is(err, people.ErrOwnManagerRole):
		v.Add("remove-manager", "You cannot remove your own training manager role. Ask another training manager to do it, so the partnership always has one.")
	case errors.Is(err, people.ErrRoleNotHeld), errors.Is(err, people.ErrInvalidRole):
		v.Add("roles", "This person does not have that role")
	default:
		return roleError(err)
	}
	return h.showPerson(c, "", &v)
}

func roleError(err error) error {
	switch {
	case errors.Is(err, people.ErrNotFound):
		return fiber.ErrNotFound
	case errors.Is(err, people.ErrNotManager):
		return fiber.ErrForbidden
	}
	return err
}

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
	Agencies     []account.Agency // current agencies to merge into
	MergeID      int64
}

func (h *admin) organisation(c *fiber.Ctx) error {
	return h.showOrganisation(c, c.Query("organisation"), agency.Form{}, 0, nil)
}

func (h *admin) showOrganisation(c *fiber.Ctx, name string, f agency.Form, mergeID int64, errs *validation.Errors) error {
	ctx := c.UserContext()
	org, err := h.people.UnlistedOrganisation(ctx, name)
	if errors.Is(err, people.ErrOrganisationNotFound) {
		return fiber.ErrNotFound
	} else if err != nil {
		return err
	}
	choices, err := h.deps.Accounts.AgencyChoices(ctx)
	if err != nil {
		return err
	}
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
	a, _, err := h.people.ConfirmOrganisation(c.UserContext(), currentUser(c).ID, name, f, h.clientIP(c))
	var verr *validation.Errors
	switch {
	case errors.As(err, &verr):
		return h.showOrganisation(c, name, f, 0, verr)
	case errors.Is(err, people.ErrOrganisationNotFound):
		return fiber.ErrNotFound
	case err != nil:
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
	a, _, err := h.people.MergeOrganisation(c.UserContext(), currentUser(c).ID, name, id, h.clientIP(c))
	var verr *validation.Errors
	switch {
	case errors.As(err, &verr):
		return h.showOrganisation(c, name, agency.Form{}, id, verr)
	case errors.Is(err, people.ErrOrganisationNotFound):
		return fiber.ErrNotFound
	case err != nil:
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/people?agency=%d&done=moved", a.ID), fiber.StatusSeeOther)
}

// --- agencies ---

type adminAgenciesPage struct {
	adminArea
	Agencies []agency.Agency
}

func (h *admin) agencyList(c *fiber.Ctx) error {
	list, err := h.agencies.List(c.UserContext())
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, "admin/agencies", "Agencies", adminAgenciesPage{adminArea: h.area(c), Agencies: list})
}

type adminAgencyPage struct {
	adminArea
	fieldErrors
	Agency  *agency.Agency // nil for a new one
	Form    agency.Form
	Sectors []agency.Sector
	Bands   []agency.ChargingBand
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
	return h.renderForm(c, "admin/agency", title, d, errs)
}

func (h *admin) newAgency(c *fiber.Ctx) error {
	return h.showAgencyForm(c, nil, agency.Form{}, nil)
}

func (h *admin) createAgency(c *fiber.Ctx) error {
	f := agencyFormValues(c)
	_, err := h.agencies.Create(c.UserContext(), currentUser(c).ID, f, h.clientIP(c))
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
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return agency.Agency{}, fiber.ErrNotFound
	}
	a, err := h.agencies.Get(c.UserContext(), int64(id))
	if errors.Is(err, agency.ErrNotFound) {
		return agency.Agency{}, fiber.ErrNotFound
	}
	return a, err
}

func (h *admin) editAgency(c *fiber.Ctx) error {
	a, err := h.agencyParam(c)
	if err != nil {
		return err
	}
	return h.showAgencyForm(c, &a, agency.FormOf(a), nil)
}

func (h *admin) updateAgency(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return fiber.ErrNotFound
	}
	f := agencyFormValues(c)
	err = h.agencies.Update(c.UserContext(), currentUser(c).ID, int64(id), f, h.clientIP(c))
	var verr *validation.Errors
	switch {
	case errors.As(err, &verr):
		a, err := h.agencyParam(c)
		if err != nil {
			return err
		}
		return h.showAgencyForm(c, &a, f, verr)
	case errors.Is(err, agency.ErrNotFound):
		return fiber.ErrNotFound
	case err != nil:
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
		id, err := c.ParamsInt("id")
		if err != nil || id <= 0 {
			return fiber.ErrNotFound
		}
		err = h.agencies.SetRetired(c.UserContext(), currentUser(c).ID, int64(id), retire, h.clientIP(c))
		if errors.Is(err, agency.ErrNotFound) {
			return fiber.ErrNotFound
		} else if err != nil {
			return err
		}
		return c.Redirect(fmt.Sprintf("/admin/agencies/%d?done=%s", id, done), fiber.StatusSeeOther)
	}
}

// --- the audit log ---

// actionLabels says what each audited action was, in the log's words.
var actionLabels = map[audit.Action]string{
	audit.SignIn:          "Signed in",
	audit.SignInFailed:    "Failed to sign in",
	audit.SignInLimited:   "Sign-in refused after too many attempts",
	audit.SignOut:         "Signed out",
	audit.SignedUp:        "Created an account",
	audit.EmailVerified:   "Confirmed their email address",
	audit.PasswordReset:   "Reset their password",
	audit.PasswordChanged: "Changed their password",
	audit.ProfileChanged:  "Changed their details",
	audit.RoleGranted:     "Gave a role",
	audit.RoleRemoved:     "Removed a role",
	audit.AgencyRequested: "Asked to change agency",
	audit.AgencyWithdrawn: "Withdrew a request to change agency",
	audit.AgencyConfirmed: "Confirmed a change of agency",
	audit.AgencyCreated:   "Added an agency",
	audit.AgencyUpdated:   "Changed an agency",
	audit.OrgConfirmed:    "Confirmed an organisation as a new agency",
	audit.OrgMerged:       "Moved people of an organisation into an agency",
	audit.DataExported:    "Downloaded their data",
	audit.AccountErased:   "Deleted their account",

	audit.TrainerCoursesChanged: "Changed the courses a trainer may deliver",
	audit.TrainerTimeOffAdded:   "Added time off for a trainer",
	audit.TrainerTimeOffRemoved: "Removed time off for a trainer",
	audit.CalendarFeedReset:     "Reset their calendar feed link",
	audit.CourseCreated:         "Added a course",
	audit.CourseUpdated:         "Changed a course",
	audit.VenueCreated:          "Added a venue",
	audit.VenueUpdated:          "Changed a venue",

	audit.BookingAdded:         "Booked someone onto a session",
	audit.BookingCancelled:     "Cancelled someone’s booking",
	audit.BookingMoved:         "Moved someone to another session",
	audit.BookingMarkedLate:    "Changed whether a cancellation was late",
	audit.WaitingListReordered: "Reordered a waiting list",
	audit.AttendanceRecorded:   "Took the register",

	audit.PricesChanged:         "Changed a course’s prices",
	audit.ChargePolicyChanged:   "Changed the charge policy",
	audit.StripeCustomerMade:    "Made an agency’s Stripe customer",
	audit.StripeCustomerUpdated: "Sent an agency’s new billing contact to Stripe",
	audit.ChargesConfirmed:      "Confirmed or waived a session’s charges",
	audit.AgencyInvoiced:        "Invoiced an agency",
	audit.AgencyInvoiceVoided:   "Stripe voided an agency’s invoice",
	audit.InvoiceMarked:         "Marked charges or places as invoiced",
	audit.InvoiceMarkedPaid:     "Marked invoiced charges or places as paid",
	audit.JobRetried:            "Tried a failed background task again",
	audit.JobDealtWith:          "Marked a failed background task as dealt with",

	audit.PersonalDataViewed: "Viewed personal data",
}

func actionLabel(a audit.Action) string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return strings.ReplaceAll(string(a), "_", " ")
}

type actionChoice struct {
	Value, Label string
}

type auditRow struct {
	audit.Entry
	Label   string
	Details []string
}

type dateInput struct{ Day, Month, Year string }

type adminAuditPage struct {
	adminArea
	fieldErrors
	Actions  []actionChoice
	Action   string
	UserID   int64
	UserName string
	Email    string
	From, To dateInput
	Entries  []auditRow
	Total    int
	Filtered bool
	Pages    *pagination
}

// DateErr is the problem with one of the date inputs ("from" or "to"), which
// the error summary names by the part at fault.
func (p adminAuditPage) DateErr(name string) string {
	for _, part := range []string{"-day", "-month", "-year"} {
		if m := p.Err(name + part); m != "" {
			return m
		}
	}
	return ""
}

func (h *admin) auditLog(c *fiber.Ctx) error {
	ctx := c.UserContext()
	d := adminAuditPage{
		adminArea: h.area(c),
		Action:    c.Query("action"),
		Email:     strings.TrimSpace(c.Query("email")),
		From:      dateInput{c.Query("from-day"), c.Query("from-month"), c.Query("from-year")},
		To:        dateInput{c.Query("to-day"), c.Query("to-month"), c.Query("to-year")},
	}
	for _, a := range audit.Actions {
		d.Actions = append(d.Actions, actionChoice{string(a), actionLabel(a)})
	}
	var f audit.Filter
	var v validation.Errors
	if slices.Contains(audit.Actions, audit.Action(d.Action)) {
		f.Action = audit.Action(d.Action)
	} else {
		d.Action = ""
	}
	if id, err := strconv.ParseInt(c.Query("user"), 10, 64); err == nil && id > 0 {
		d.UserID, f.UserID = id, &id
		if u, err := h.deps.Accounts.User(ctx, id); err == nil {
			d.UserName = u.FullName
		} else if !errors.Is(err, account.ErrNotFound) {
			return err
		}
	}
	if d.Email != "" {
		id, err := h.people.IDByEmail(ctx, d.Email)
		switch {
		case errors.Is(err, people.ErrNotFound):
			v.Add("email", "No one has an account with this email address")
		case err != nil:
			return err
		default:
			f.UserID = &id
		}
	}
	f.From = parseDate(&v, "from", "Date from", d.From, 0)
	f.To = parseDate(&v, "to", "Date to", d.To, 1) // up to the end of that day
	if f.From != nil && f.To != nil && !f.To.After(*f.From) {
		v.Add("to-day", "Date to must be the same as or after date from")
	}
	d.Filtered = f.Action != "" || f.UserID != nil || f.From != nil || f.To != nil
	if v.Err() != nil {
		d.fieldErrors = fieldErrors{&v}
		return h.renderForm(c, "admin/audit", "Audit log", d, &v)
	}

	page := pageParam(c)
	entries, total, err := audit.List(ctx, h.deps.Pool, f, page)
	if err != nil {
		return err
	}
	d.Total = total
	for _, e := range entries {
		d.Entries = append(d.Entries, auditRow{Entry: e, Label: actionLabel(e.Action), Details: detailLines(e.Details)})
	}
	query := url.Values{"action": {d.Action}, "email": {d.Email},
		"from-day": {d.From.Day}, "from-month": {d.From.Month}, "from-year": {d.From.Year},
		"to-day": {d.To.Day}, "to-month": {d.To.Month}, "to-year": {d.To.Year}}
	if d.UserID > 0 {
		query.Set("user", strconv.FormatInt(d.UserID, 10))
	}
	d.Pages = paginate("/admin/audit", query, page, (total+audit.PageSize-1)/audit.PageSize)
	return h.renderForm(c, "admin/audit", "Audit log", d, nil)
}

// The years a date filter accepts: nothing in the service is older or
// further ahead, so a year outside them is a typing mistake, said as such.
const minFilterYear, maxFilterYear = 2000, 2100

// parseDate reads a GOV.UK date input named name; an empty one is no date.
// It returns the start of that day in London, plus addDays days.
func parseDate(v *validation.Errors, name, label string, d dateInput, addDays int) *time.Time {
	d = dateInput{strings.TrimSpace(d.Day), strings.TrimSpace(d.Month), strings.TrimSpace(d.Year)}
	if d == (dateInput{}) {
		return nil
	}
	var missing []string
	first := ""
	for _, p := range []struct{ value, part string }{{d.Day, "day"}, {d.Month, "month"}, {d.Year, "year"}} {
		if p.value == "" {
			missing = append(missing, p.part)
			if first == "" {
				first = p.part
			}
		}
	}
	if len(missing) > 0 {
		v.Add(name+"-"+first, label+" must include a "+strings.Join(missing, " and "))
		return nil
	}
	day, err1 := strconv.Atoi(d.Day)
	month, err2 := strconv.Atoi(d.Month)
	year, err3 := strconv.Atoi(d.Year)
	switch {
	case err3 != nil || len(d.Year) != 4:
		v.Add(name+"-year", "Year must include 4 numbers")
		return nil
	case err1 != nil || err2 != nil || month < 1 || month > 12 || day < 1 || day > 31:
		v.Add(name+"-day", label+" must be a real date")
		return nil
	case year < minFilterYear || year > maxFilterYear:
		v.Add(name+"-year", fmt.Sprintf("%s must be in a year from %d to %d", label, minFilterYear, maxFilterYear))
		return nil
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, london)
	if t.Day() != day { // 31 April
		v.Add(name+"-day", label+" must be a real date")
		return nil
	}
	t = t.AddDate(0, 0, addDays)
	return &t
}

// detailLines shows an event's details one per line, by name: a change as
// "name: from “old” to “new”".
func detailLines(details map[string]any) []string {
	keys := make([]string, 0, len(details))
	for k := range details {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		value := details[k]
		if k == "role" || k == "as" {
			if s, ok := value.(string); ok {
				value = account.Role(s).Label()
			}
		}
		if people, ok := value.([]any); ok && k == "people" {
			value = plural(len(people), "1 person", fmt.Sprintf("%d people", len(people)))
		}
		out = append(out, strings.ReplaceAll(k, "_", " ")+": "+detailValue(value))
	}
	return out
}

func detailValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "none"
	case string:
		if v == "" {
			return "none"
		}
		return v
	case bool:
		if v {
			return "yes"
		}
		return "no"
	case []any:
		parts := make([]string, len(v))
		for i, p := range v {
			parts[i] = detailValue(p)
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		from, hasFrom := v["from"]
		to, hasTo := v["to"]
		if hasFrom && hasTo && len(v) == 2 {
			return "from “" + detailValue(from) + "” to “" + detailValue(to) + "”"
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + " " + detailValue(v[k])
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}

// --- emails kept by the service ---

// emailPageSize is how many emails a page of the list holds.
const emailPageSize = 50

// failedEmailWindow is how far back the emails page counts failures.
const failedEmailWindow = 30 * 24 * time.Hour

type adminEmailsPage struct {
	adminArea
	Emails     []email.Summary
	Total      int
	FailedOnly bool // ?status=failed: only the emails given up on
	Failed     int  // emails given up on in the last 30 days
	Pages      *pagination
}

func (h *admin) emails(c *fiber.Ctx) error {
	ctx := c.UserContext()
	page := pageParam(c)
	f := email.Filter{FailedOnly: c.Query("status") == "failed"}
	list, total, err := email.List(ctx, h.deps.Pool, f, emailPageSize, (page-1)*emailPageSize)
	if err != nil {
		return err
	}
	failed, err := email.CountFailedSince(ctx, h.deps.Pool, h.deps.Now().Add(-failedEmailWindow))
	if err != nil {
		return err
	}
	d := adminEmailsPage{adminArea: h.area(c), Emails: list, Total: total, FailedOnly: f.FailedOnly, Failed: failed}
	var query url.Values
	if f.FailedOnly {
		query = url.Values{"status": {"failed"}}
	}
	d.Pages = paginate("/admin/emails", query, page, (total+emailPageSize-1)/emailPageSize)
	title := "Emails"
	if f.FailedOnly {
		title = "Emails that could not be delivered"
	}
	return h.render(c, fiber.StatusOK, "admin/emails", title, d)
}

// textPart is a run of an email's text, or a link in it.
type textPart struct{ Text, Href string }

type adminEmailPage struct {
	adminArea
	Email      email.Stored
	Paragraphs [][][]textPart // paragraphs of lines of parts
	Hidden     bool           // bodies are not shown: email is sent by SMTP
}

func (h *admin) email(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return fiber.ErrNotFound
	}
	m, err := email.Get(c.UserContext(), h.deps.Pool, int64(id))
	if errors.Is(err, email.ErrNotFound) {
		return fiber.ErrNotFound
	} else if err != nil {
		return err
	}
	d := adminEmailPage{adminArea: h.area(c), Email: m}
	if h.deps.ShowEmailBodies {
		d.Paragraphs = emailParagraphs(withoutSecretLinks(m.Body))
	} else {
		d.Hidden = true
	}
	return h.render(c, fiber.StatusOK, "admin/email", m.Subject, d)
}

// secretLink is a link in an email that only its recipient may follow: a
// link to confirm an address or reset a password signs its holder in.
var secretLink = regexp.MustCompile(`https?://[^\s<>"]*[?&]token=[^\s<>"]*`)

// SecretLinkRemoved stands in a kept email's text for a link that only its
// recipient may use.
const SecretLinkRemoved = "(link removed: only the person it was sent to may use it)"

// withoutSecretLinks is an email's text fit for a training manager to read:
// whoever can read a password reset link can take over the account.
func withoutSecretLinks(body string) string {
	return secretLink.ReplaceAllString(body, SecretLinkRemoved)
}

var (
	webAddress = regexp.MustCompile(`https?://[^\s<>"]+`)
	blankLine  = regexp.MustCompile(`\n\s*\n`)
)

// emailParagraphs splits a plain-text body into paragraphs (at blank lines)
// of lines, with every web address a link. The template escapes the text.
func emailParagraphs(body string) [][][]textPart {
	var out [][][]textPart
	for _, para := range blankLine.Split(strings.ReplaceAll(body, "\r\n", "\n"), -1) {
		if strings.TrimSpace(para) == "" {
			continue
		}
		var lines [][]textPart
		for _, line := range strings.Split(strings.Trim(para, "\n"), "\n") {
			var parts []textPart
			rest := line
			for {
				loc := webAddress.FindStringIndex(rest)
				if loc == nil {
					break
				}
				addr := strings.TrimRight(rest[loc[0]:loc[1]], ".,;:!?)’”'")
				if loc[0] > 0 {
					parts = append(parts, textPart{Text: rest[:loc[0]]})
				}
				parts = append(parts, textPart{Text: addr, Href: addr})
				rest = rest[loc[0]+len(addr):]
			}
			if rest != "" {
				parts = append(parts, textPart{Text: rest})
			}
			lines = append(lines, parts)
		}
		out = append(out, lines)
	}
	return out
}

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
	d.Pages = paginate("/agency/people", url.Values{"q": {d.Query}}, d.Results.Page, d.Results.Pages)
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
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 || u.AgencyID == nil {
		return fiber.ErrNotFound
	}
	p, err := h.people.InAgency(c.UserContext(), *u.AgencyID, int64(id))
	if errors.Is(err, people.ErrNotFound) {
		return fiber.ErrNotFound
	} else if err != nil {
		return err
	}
	person := p.ID
	if err := h.auditView(c, account.Coordinator, audit.View{What: "their person page in their agency", PersonID: &person, AgencyID: u.AgencyID}); err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, "agency/person", p.FullName, p)
}
