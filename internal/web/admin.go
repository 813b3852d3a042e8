package web

import (
	"html/template"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/people"
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
	{"/admin", "Home"},
	{"/admin/sessions", "Programme"},
	{"/admin/reports", "Reports"},
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
	{"/admin/evaluation", "Evaluation"},
	{"/admin/training-requests", "Training requests"},
	{"/admin/prior-learning", "Training done elsewhere"},
	{"/admin/attention", "Needs attention"},
	{"/admin/partnership", "Your partnership"},
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

	"evaluation-settings": "Evaluation settings saved: they apply to places marked attended from now on",
	"partnership-saved":   "Your partnership’s details saved",
	"question-added":      "Question added: evaluations asked from now on include it",
	"question-changed":    "Question changed: answers already given keep the wording they were given",
	"question-removed":    "Question removed: answers already given are kept",
	"question-moved":      "Question moved",
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
		case s.Href != "/admin" && strings.HasPrefix(path, s.Href+"/"): // Home is above every page, not their section
			nav[i].Current = "true"
		}
	}
	return adminArea{Nav: nav, Notice: notices[c.Query("done")]}
}

// navItems is the side navigation's links, written here rather than by the
// adminNav partial's range: twenty links cost a hundred reflective calls in
// the template on every manager's page (issue 21). The markup is byte for
// byte what the partial wrote (TestAdminNavIsWhatTheTemplateWrote). The
// addresses are adminSections' own, which need no escaping (the test holds
// them to that); the texts are escaped as html/template does.
func navItems(links []navLink) template.HTML {
	var b strings.Builder
	b.Grow(len(links) * 120)
	for _, l := range links {
		b.WriteString(`
    <li><a class="govuk-link govuk-link--no-visited-state`)
		if l.Current != "" {
			b.WriteString(" govuk-!-font-weight-bold")
		}
		b.WriteString(`" href="`)
		templateEscaper.WriteString(&b, l.Href)
		b.WriteByte('"')
		if l.Current != "" {
			b.WriteString(` aria-current="`)
			templateEscaper.WriteString(&b, l.Current)
			b.WriteByte('"')
		}
		b.WriteByte('>')
		templateEscaper.WriteString(&b, l.Text)
		b.WriteString("</a></li>")
	}
	return template.HTML(b.String()) //nolint:gosec // escaped as html/template does; the addresses are our own
}
