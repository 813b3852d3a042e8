package web

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/prerequisite"
	"github.com/pscp/booktraining/internal/validation"
)

// prerequisites serves a course's prerequisites (training managers), the
// prior learning form (anyone signed in) and the managers' decisions on
// prior learning claims.
type prerequisites struct {
	*app
	svc *prerequisite.Service
}

var prerequisiteNotices = map[string]string{
	"added":     "Prerequisite saved: bookings from now on are checked against it",
	"removed":   "Prerequisite removed",
	"confirmed": "Claim confirmed: the person has been emailed",
	"rejected":  "Claim not accepted: the person has been emailed with your reason",
	"decided":   "Nothing was changed: another manager had already decided that claim",
}

func (h *prerequisites) area(c *fiber.Ctx) adminArea {
	a := newAdminArea(c)
	if a.Notice == "" {
		a.Notice = prerequisiteNotices[c.Query("done")]
	}
	return a
}

// --- a course's prerequisites ---

type prerequisitesPage struct {
	adminArea
	fieldErrors
	Course   prerequisite.Course
	Choices  []prerequisite.Choice // every other course
	Requires string                // the form's answers, shown again
	Months   string
}

func (h *prerequisites) show(c *fiber.Ctx, requires, months string, errs *validation.Errors) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	course, err := h.svc.Course(ctx, id)
	if err != nil {
		return err
	}
	all, err := h.svc.Choices(ctx)
	if err != nil {
		return err
	}
	d := prerequisitesPage{adminArea: h.area(c), fieldErrors: fieldErrors{errs}, Course: course, Requires: requires, Months: months}
	for _, ch := range all {
		if ch.ID != course.ID {
			d.Choices = append(d.Choices, ch)
		}
	}
	return h.renderForm(c, "admin/prerequisites", "Prerequisites of "+course.Title, d, errs)
}

func (h *prerequisites) page(c *fiber.Ctx) error { return h.show(c, "", "", nil) }

func (h *prerequisites) add(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	requires, months := c.FormValue(prerequisite.FieldRequires), c.FormValue(prerequisite.FieldWithinMonths)
	err = h.svc.Add(c.UserContext(), id, requires, months)
	var v *validation.Errors
	if errors.As(err, &v) {
		return h.show(c, requires, months, v)
	} else if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/courses/%d/prerequisites?done=added", id), fiber.StatusSeeOther)
}

func (h *prerequisites) remove(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	requires, err := pathID(c, "requires")
	if err != nil {
		return err
	}
	if err := h.svc.Remove(c.UserContext(), id, requires); err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/courses/%d/prerequisites?done=removed", id), fiber.StatusSeeOther)
}

// --- the prior learning form ---

type claimFormPage struct {
	fieldErrors
	Choices []prerequisite.Choice
	Form    prerequisite.ClaimForm
}

func (h *prerequisites) showClaimForm(c *fiber.Ctx, f prerequisite.ClaimForm, errs *validation.Errors) error {
	all, err := h.svc.Choices(c.UserContext())
	if err != nil {
		return err
	}
	d := claimFormPage{fieldErrors: fieldErrors{errs}, Choices: all, Form: f}
	return h.renderForm(c, "bookings/priorlearning", "Training you did elsewhere", d, errs)
}

func (h *prerequisites) claimForm(c *fiber.Ctx) error {
	f := prerequisite.ClaimForm{}
	if id, err := strconv.ParseInt(c.Query("course"), 10, 64); err == nil && id > 0 {
		f.CourseID = strconv.FormatInt(id, 10)
	}
	return h.showClaimForm(c, f, nil)
}

func (h *prerequisites) claim(c *fiber.Ctx) error {
	f := prerequisite.ClaimForm{
		CourseID: c.FormValue(prerequisite.FieldCourse),
		CompletedOn: london.DateInput{
			Day:   c.FormValue(prerequisite.FieldCompletedOn + "-day"),
			Month: c.FormValue(prerequisite.FieldCompletedOn + "-month"),
			Year:  c.FormValue(prerequisite.FieldCompletedOn + "-year"),
		},
		Provider: c.FormValue(prerequisite.FieldProvider),
		Note:     c.FormValue(prerequisite.FieldNote),
	}
	_, err := h.svc.Claim(c.UserContext(), f)
	var v *validation.Errors
	if errors.As(err, &v) {
		return h.showClaimForm(c, f, v)
	} else if err != nil {
		return err
	}
	return c.Redirect("/my-training?done=prior-learning#prior-learning", fiber.StatusSeeOther)
}

// --- the managers' decisions ---

type claimsPage struct {
	adminArea
	Claims []prerequisite.Claim
	Total  int
	Pages  *pagination
}

func (h *prerequisites) claims(c *fiber.Ctx) error {
	page := pageParam(c)
	list, total, err := h.svc.PendingClaims(c.UserContext(), page)
	if err != nil {
		return err
	}
	d := claimsPage{adminArea: h.area(c), Claims: list, Total: total,
		Pages: paginate("/admin/prior-learning", nil, page, (total+prerequisite.ClaimsPageSize-1)/prerequisite.ClaimsPageSize)}
	return h.render(c, fiber.StatusOK, "admin/priorlearning", "Training done elsewhere", d)
}

type claimDecisionPage struct {
	adminArea
	fieldErrors
	Claim    prerequisite.Claim
	Decision string
	Reason   string
}

func (h *prerequisites) showClaim(c *fiber.Ctx, decision, reason string, errs *validation.Errors) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cl, err := h.svc.PendingClaim(c.UserContext(), id)
	if err != nil {
		return err
	}
	d := claimDecisionPage{adminArea: h.area(c), fieldErrors: fieldErrors{errs}, Claim: cl, Decision: decision, Reason: reason}
	return h.renderForm(c, "admin/priorlearningclaim", "Claim of "+cl.CourseTitle, d, errs)
}

func (h *prerequisites) claimPage(c *fiber.Ctx) error { return h.showClaim(c, "", "", nil) }

func (h *prerequisites) decide(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	decision, reason := c.FormValue(prerequisite.FieldDecision), c.FormValue(prerequisite.FieldRejectReason)
	err = h.svc.Decide(c.UserContext(), id, decision, reason)
	var v *validation.Errors
	switch {
	case errors.As(err, &v):
		return h.showClaim(c, decision, reason, v)
	case errors.Is(err, prerequisite.ErrDecided):
		return c.Redirect("/admin/prior-learning?done=decided", fiber.StatusSeeOther)
	case err != nil:
		return err
	}
	return c.Redirect("/admin/prior-learning?done="+decision, fiber.StatusSeeOther)
}

// prerequisitesMissing says what a person lacks to book se, with a link to
// each course they need and to the prior learning form.
func prerequisitesMissing(m *prerequisite.MissingError) bookingMessage {
	msg := bookingMessage{
		Heading:    "You need to complete another course first",
		Paragraphs: []string{m.Error(), "If you did this training with another organisation, tell us and the training team will check it."},
	}
	for _, r := range m.Missing {
		msg.Links = append(msg.Links, link{r.Path(), "See " + r.Title + " and book it"})
	}
	for _, r := range m.Missing {
		msg.Links = append(msg.Links, link{r.ClaimPath(), "I did " + r.Title + " elsewhere"})
	}
	return msg
}
