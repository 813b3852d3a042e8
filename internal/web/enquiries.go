package web

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/enquiry"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/validation"
	"github.com/pscp/booktraining/internal/venue"
	"github.com/pscp/booktraining/internal/workday"
)

// enquiryActor is the signed-in person as the request rules see them. On the
// agency's pages a manager is treated as a person of their own agency, so
// that the manager's powers are used only from /admin.
func enquiryActor(c *fiber.Ctx) enquiry.Actor {
	u := currentUser(c)
	act := enquiry.Actor{ID: u.ID, Name: u.FullName, Email: u.Email, Verified: u.Verified,
		Manager: u.Has(account.Manager) && isAdminPath(c.Path())}
	if !u.AgencyUnlisted {
		act.AgencyID = u.AgencyID
	}
	return act
}

func isAdminPath(p string) bool { return strings.HasPrefix(p, "/admin/") }

// enquiryError maps the package's refusals to pages.
func enquiryError(err error) error {
	switch {
	case errors.Is(err, enquiry.ErrNotFound):
		return fiber.ErrNotFound
	case errors.Is(err, enquiry.ErrNotAllowed):
		return fiber.ErrForbidden
	case errors.Is(err, enquiry.ErrWrongState):
		return fiber.NewError(fiber.StatusConflict)
	}
	return err
}

var enquiryNotices = map[string]string{
	"message":  "Message sent",
	"accepted": "Session scheduled and published: the agency has been emailed its booking link",
	"declined": "Request declined: the agency has been told why",
}

type enquiryListPage struct {
	adminArea
	enquiry.Queue
	Filter     enquiry.Filter
	NotAllowed bool
	Statuses   []string
}

func (a *app) enquiryList(c *fiber.Ctx) error {
	act := enquiryActor(c)
	d := enquiryListPage{}
	if !act.CanRequest() {
		d.NotAllowed = true
		return a.render(c, fiber.StatusOK, "enquiries/list", "Training requests", d)
	}
	q, err := a.deps.Enquiries.List(c.UserContext(), act, enquiry.Filter{})
	if err != nil {
		return enquiryError(err)
	}
	d.Queue = q
	return a.render(c, fiber.StatusOK, "enquiries/list", "Training requests for "+currentUser(c).AgencyName, d)
}

func (a *app) enquiryQueue(c *fiber.Ctx) error {
	f := enquiry.Filter{AgencyID: int64Value(c.Query("agency")), CourseID: int64Value(c.Query("course"))}
	for _, s := range enquiry.Statuses {
		if c.Query("status") == s {
			f.Status = s
		}
	}
	q, err := a.deps.Enquiries.List(c.UserContext(), enquiryActor(c), f)
	if err != nil {
		return enquiryError(err)
	}
	return a.render(c, fiber.StatusOK, "admin/enquiries", "Training requests",
		enquiryListPage{adminArea: newAdminArea(c), Queue: q, Filter: f, Statuses: enquiry.Statuses})
}

type enquiryFormPage struct {
	fieldErrors
	Form       enquiry.Form
	Courses    []enquiry.Choice
	AgencyName string
}

func (a *app) enquiryNewForm(c *fiber.Ctx) error {
	act := enquiryActor(c)
	if !act.CanRequest() {
		return fiber.ErrForbidden
	}
	u := currentUser(c)
	form := enquiry.Form{ContactName: u.FullName, ContactEmail: u.Email, Kind: c.Query("kind"), CourseID: c.Query("course"),
		FormKey: enquiry.NewFormKey()}
	return a.showEnquiryForm(c, form, nil)
}

func (a *app) showEnquiryForm(c *fiber.Ctx, form enquiry.Form, errs *validation.Errors) error {
	courses, err := a.deps.Enquiries.Courses(c.UserContext())
	if err != nil {
		return err
	}
	for len(form.Dates) < enquiry.MaxDates {
		form.Dates = append(form.Dates, enquiry.DateInput{})
	}
	d := enquiryFormPage{fieldErrors: fieldErrors{errs}, Form: form, Courses: courses, AgencyName: currentUser(c).AgencyName}
	return a.renderForm(c, "enquiries/new", "Request training for your agency", d, errs)
}

func (a *app) enquiryCreate(c *fiber.Ctx) error {
	form := enquiry.Form{
		Kind: c.FormValue("kind"), CourseID: c.FormValue("course"), Topic: c.FormValue("topic"), Need: c.FormValue("need"),
		Audience: c.FormValue("audience"), Participants: c.FormValue("participants"), Location: c.FormValue("location"),
		Address: c.FormValue("address"), AccessNeeds: c.FormValue("access-needs"), ContactName: c.FormValue("contact-name"),
		ContactEmail: c.FormValue("contact-email"), ContactPhone: c.FormValue("contact-phone"),
		FormKey: c.FormValue("form-key"),
	}
	for i := 1; i <= enquiry.MaxDates; i++ {
		p := "date-" + strconv.Itoa(i) + "-"
		form.Dates = append(form.Dates, enquiry.DateInput{Day: c.FormValue(p + "day"), Month: c.FormValue(p + "month"),
			Year: c.FormValue(p + "year"), Start: c.FormValue(p + "start"), End: c.FormValue(p + "end")})
	}
	id, err := a.deps.Enquiries.Submit(c.UserContext(), enquiryActor(c), form)
	var v *validation.Errors
	if errors.As(err, &v) {
		return a.showEnquiryForm(c, form, v)
	} else if err != nil {
		return enquiryError(err)
	}
	return c.Redirect(fmt.Sprintf("/training-requests/%d?done=received", id), fiber.StatusSeeOther)
}

type enquiryPage struct {
	adminArea
	fieldErrors
	enquiry.Request
	Admin        bool
	Received     bool
	Message      string
	Reason       string
	ResponseDays int
	Due          time.Time
}

func (a *app) enquiryShow(c *fiber.Ctx) error {
	return a.showEnquiry(c, fiber.StatusOK, nil, "", "")
}

func (a *app) showEnquiry(c *fiber.Ctx, status int, errs *validation.Errors, message, reason string) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	act := enquiryActor(c)
	r, err := a.deps.Enquiries.Get(c.UserContext(), act, id)
	if err != nil {
		return enquiryError(err)
	}
	d := enquiryPage{Request: r, Admin: act.Manager, fieldErrors: fieldErrors{errs}, Message: message, Reason: reason,
		ResponseDays: a.deps.Enquiries.ResponseDays}
	d.Due = workday.Add(r.SubmittedAt, d.ResponseDays)
	name := "enquiries/show"
	if act.Manager {
		d.adminArea = newAdminArea(c)
		name = "admin/enquiries-show"
	} else {
		d.Received = c.Query("done") == "received"
	}
	d.Notice = enquiryNotices[c.Query("done")]
	title := "Training request " + r.Reference
	if errs != nil {
		return a.renderForm(c, name, title, d, errs)
	}
	return a.render(c, status, name, title, d)
}

func (a *app) enquiryMessage(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	body := c.FormValue("message")
	err = a.deps.Enquiries.Post(c.UserContext(), enquiryActor(c), id, body)
	var v *validation.Errors
	if errors.As(err, &v) {
		return a.showEnquiry(c, fiber.StatusUnprocessableEntity, v, body, "")
	} else if err != nil {
		return enquiryError(err)
	}
	return c.Redirect(c.Path()[:len(c.Path())-len("/messages")]+"?done=message", fiber.StatusSeeOther)
}

func (a *app) enquiryDecline(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	reason := c.FormValue("reason")
	err = a.deps.Enquiries.Decline(c.UserContext(), enquiryActor(c), id, reason)
	var v *validation.Errors
	if errors.As(err, &v) {
		return a.showEnquiry(c, fiber.StatusUnprocessableEntity, v, "", reason)
	} else if err != nil {
		return enquiryError(err)
	}
	return c.Redirect(fmt.Sprintf("/admin/training-requests/%d?done=declined", id), fiber.StatusSeeOther)
}

type enquiryAcceptPage struct {
	adminArea
	fieldErrors
	Request  enquiry.Request
	Form     scheduling.Form
	Choices  scheduling.Choices
	Trainers map[int64]bool
	Clashes  []string
	acceptPlace
}

// acceptPlace is where the accept form puts the session: "premises" (the
// agency's own, at the address typed) or "venue" (one of the partnership's
// venues, or online). The choice is offered when the request asked for its
// premises or a session of it was held there.
type acceptPlace struct {
	OfferPremises bool
	Place         string
	Premises      venue.Premises
}

func readAcceptPlace(c *fiber.Ctx) acceptPlace {
	return acceptPlace{Place: c.FormValue("place"), Premises: venue.Premises{
		AddressLine1: c.FormValue(venue.FieldPremisesLine1), AddressLine2: c.FormValue(venue.FieldPremisesLine2),
		Town: c.FormValue(venue.FieldPremisesTown), Postcode: c.FormValue(venue.FieldPremisesPostcode),
	}}
}

func (a *app) enquiryAcceptForm(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := a.deps.Enquiries.Get(c.UserContext(), enquiryActor(c), id)
	if err != nil {
		return enquiryError(err)
	}
	// Pre-filled from the request: its first preferred date, its numbers.
	f := scheduling.Form{Capacity: strconv.Itoa(r.Participants), CutoffDays: "3"}
	if len(r.Dates) > 0 {
		s, e := r.Dates[0].StartsAt.In(catalogue.London), r.Dates[0].EndsAt.In(catalogue.London)
		f.Day, f.Month, f.Year = strconv.Itoa(s.Day()), strconv.Itoa(int(s.Month())), strconv.Itoa(s.Year())
		f.Start, f.End = s.Format("15:04"), e.Format("15:04")
	}
	if len(r.Sessions) > 0 {
		f.Day, f.Month, f.Year = "", "", ""
	}
	place := acceptPlace{Place: "venue", Premises: r.Premises}
	if r.Location == enquiry.OwnPremises {
		place.Place = "premises"
	}
	return a.showAcceptForm(c, r, f, nil, nil, place)
}

func (a *app) showAcceptForm(c *fiber.Ctx, r enquiry.Request, f scheduling.Form, errs *validation.Errors, clashes []string, place acceptPlace) error {
	choices, err := a.scheduler().Choices(c.UserContext())
	if err != nil {
		return err
	}
	if f.VenueID == 0 && r.Location == enquiry.Online {
		for _, v := range choices.Venues {
			if strings.HasSuffix(v.Name, " (online)") {
				f.VenueID = v.ID
				break
			}
		}
	}
	d := enquiryAcceptPage{adminArea: newAdminArea(c), fieldErrors: fieldErrors{errs}, Request: r, Form: f, Choices: choices,
		Trainers: map[int64]bool{}, Clashes: clashes, acceptPlace: place}
	d.OfferPremises = r.Location == enquiry.OwnPremises || r.Premises != (venue.Premises{})
	for _, t := range f.TrainerIDs {
		d.Trainers[t] = true
	}
	heading := "Accept request " + r.Reference
	if len(r.Sessions) > 0 {
		heading = "Add a session to request " + r.Reference
	}
	return a.renderForm(c, "admin/enquiries-accept", heading, d, errs)
}

func (a *app) enquiryAccept(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, act := c.UserContext(), enquiryActor(c)
	form, place := readSessionForm(c), readAcceptPlace(c)
	var at *venue.Premises
	if place.Place == "premises" {
		at = &place.Premises
	}
	_, err = a.deps.Enquiries.ScheduleAt(ctx, act, id, form, at)
	if v, lines, ok := sessionError(err); ok {
		r, gerr := a.deps.Enquiries.Get(ctx, act, id)
		if gerr != nil {
			return enquiryError(gerr)
		}
		return a.showAcceptForm(c, r, form, v, lines, place)
	} else if err != nil {
		return enquiryError(err)
	}
	return c.Redirect(fmt.Sprintf("/admin/training-requests/%d?done=accepted", id), fiber.StatusSeeOther)
}
