package web

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/people"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/trainingrequest"
	"github.com/pscp/booktraining/internal/validation"
	"github.com/pscp/booktraining/internal/venue"
	"github.com/pscp/booktraining/internal/workday"
)

var trainingRequestNotices = map[string]string{
	"message":  "Message sent",
	"accepted": "Session scheduled and published: the agency has been emailed its booking link",
	"declined": "Request declined: the agency has been told why",
}

type trainingRequestListPage struct {
	adminArea
	trainingrequest.Queue
	Filter     trainingrequest.Filter
	NotAllowed bool
	Statuses   []string
	Pages      *pagination // of the manager's queue, or the agency's list
	// The queue's agency filter, typed (see adminPeoplePage).
	AgencyName    string
	AgencyChoices []agency.Agency
	NoSuchAgency  bool
}

// On the agency's pages (/training-requests) a manager is a person of their
// own agency, like anyone else: the training team's powers are used only
// under /admin, through the service's Team side.

func (a *app) trainingRequestList(c *fiber.Ctx) error {
	d := trainingRequestListPage{}
	if !trainingrequest.CanRequest(actor.From(c.UserContext())) {
		d.NotAllowed = true
		return a.render(c, fiber.StatusOK, "training-requests/list", "Training requests", d)
	}
	q, err := a.deps.TrainingRequests.List(c.UserContext(), pageParam(c))
	if err != nil {
		return err
	}
	d.Queue = q
	d.Pages = paginateCounted("/training-requests", nil, q.Page, q.Page, q.More)
	return a.render(c, fiber.StatusOK, "training-requests/list", "Training requests for "+currentUser(c).AgencyName, d)
}

func (a *app) trainingRequestQueue(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := trainingrequest.Filter{AgencyID: int64Value(c.Query("agency")), CourseID: int64Value(c.Query("course"))}
	for _, s := range trainingrequest.Statuses {
		if c.Query("status") == s {
			f.Status = s
		}
	}
	f.Page = pageParam(c)
	d := trainingRequestListPage{adminArea: newAdminArea(c), Filter: f, Statuses: trainingrequest.Statuses}
	// The agency is typed, as on the people page, not chosen from a list of
	// every agency that ever asked.
	if f.AgencyID != 0 {
		ag, err := a.deps.Agencies.Named(ctx, f.AgencyID)
		if err != nil && !errors.Is(err, agency.ErrNotFound) {
			return err
		}
		d.AgencyName = ag.Name
	} else if typed := people.CleanQuery(c.Query("agency-name")); typed != "" {
		found, err := a.deps.Agencies.FindByName(ctx, typed)
		if err != nil {
			return err
		}
		d.AgencyName = typed
		if len(found) == 1 || (len(found) > 1 && strings.EqualFold(found[0].Name, typed)) {
			f.AgencyID, d.Filter.AgencyID, d.AgencyName = found[0].ID, found[0].ID, found[0].Name
		} else {
			d.AgencyChoices, d.NoSuchAgency = found, len(found) == 0
			d.ResponseDays = a.deps.TrainingRequests.ResponseDays
			if d.Courses, err = a.deps.TrainingRequests.Courses(ctx); err != nil {
				return err
			}
			return a.render(c, fiber.StatusOK, "admin/training-requests", "Training requests", d)
		}
	}
	q, err := a.deps.TrainingRequests.Team().List(ctx, f)
	if err != nil {
		return err
	}
	d.Queue = q
	query := url.Values{"status": {f.Status}}
	if f.AgencyID != 0 {
		query.Set("agency", strconv.FormatInt(f.AgencyID, 10))
	}
	if f.CourseID != 0 {
		query.Set("course", strconv.FormatInt(f.CourseID, 10))
	}
	d.Pages = paginateCounted("/admin/training-requests", query, q.Page, q.Page, q.More)
	return a.render(c, fiber.StatusOK, "admin/training-requests", "Training requests", d)
}

// ChooseAgency links the queue of one of the agencies the typed name
// matched, with the same status and course.
func (d trainingRequestListPage) ChooseAgency(id int64) string {
	q := url.Values{"agency": {strconv.FormatInt(id, 10)}, "status": {d.Filter.Status}}
	if d.Filter.CourseID != 0 {
		q.Set("course", strconv.FormatInt(d.Filter.CourseID, 10))
	}
	return "/admin/training-requests?" + q.Encode()
}

type trainingRequestFormPage struct {
	fieldErrors
	Form       trainingrequest.Form
	Courses    []trainingrequest.Choice
	AgencyName string
	// The partnerships to choose between, when there is more than one.
	Partnerships []trainingrequest.PartnershipChoice
}

func (a *app) trainingRequestNewForm(c *fiber.Ctx) error {
	if !trainingrequest.CanRequest(actor.From(c.UserContext())) {
		return trainingrequest.ErrNotAllowed
	}
	u := currentUser(c)
	form := trainingrequest.Form{ContactName: u.FullName, ContactEmail: u.Email, Kind: c.Query("kind"), CourseID: c.Query("course"),
		Partnership: c.Query("partnership"), FormKey: trainingrequest.NewFormKey()}
	return a.showTrainingRequestForm(c, form, nil)
}

func (a *app) showTrainingRequestForm(c *fiber.Ctx, form trainingrequest.Form, errs *validation.Errors) error {
	courses, err := a.deps.TrainingRequests.Courses(c.UserContext())
	if err != nil {
		return err
	}
	for len(form.Dates) < trainingrequest.MaxDates {
		form.Dates = append(form.Dates, trainingrequest.DateInput{})
	}
	partnerships, err := a.deps.TrainingRequests.Partnerships(c.UserContext())
	if err != nil {
		return err
	}
	d := trainingRequestFormPage{fieldErrors: fieldErrors{errs}, Form: form, Courses: courses, AgencyName: currentUser(c).AgencyName}
	if len(partnerships) > 1 {
		d.Partnerships = partnerships
	}
	return a.renderForm(c, "training-requests/new", "Request training for your agency", d, errs)
}

func (a *app) trainingRequestCreate(c *fiber.Ctx) error {
	form := trainingrequest.Form{
		Kind: c.FormValue("kind"), CourseID: c.FormValue("course"), Topic: c.FormValue("topic"), Need: c.FormValue("need"),
		Audience: c.FormValue("audience"), Participants: c.FormValue("participants"), Location: c.FormValue("location"),
		Address: c.FormValue("address"), AccessNeeds: c.FormValue("access-needs"), ContactName: c.FormValue("contact-name"),
		ContactEmail: c.FormValue("contact-email"), ContactPhone: c.FormValue("contact-phone"),
		FormKey: c.FormValue("form-key"), Partnership: c.FormValue("partnership"),
	}
	for i := 1; i <= trainingrequest.MaxDates; i++ {
		p := "date-" + strconv.Itoa(i) + "-"
		form.Dates = append(form.Dates, trainingrequest.DateInput{Day: c.FormValue(p + "day"), Month: c.FormValue(p + "month"),
			Year: c.FormValue(p + "year"), Start: c.FormValue(p + "start"), End: c.FormValue(p + "end")})
	}
	id, err := a.deps.TrainingRequests.Submit(c.UserContext(), form)
	var v *validation.Errors
	if errors.As(err, &v) {
		return a.showTrainingRequestForm(c, form, v)
	} else if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/training-requests/%d?done=received", id), fiber.StatusSeeOther)
}

type trainingRequestPage struct {
	adminArea
	fieldErrors
	trainingrequest.Request
	Admin        bool
	Received     bool
	Message      string
	Reason       string
	ResponseDays int
	Due          time.Time
}

// getTrainingRequest reads a request as its agency sees it or, for the
// training team's pages (team), as the team does.
func (a *app) getTrainingRequest(c *fiber.Ctx, team bool, id int64) (trainingrequest.Request, error) {
	if team {
		return a.deps.TrainingRequests.Team().Get(c.UserContext(), id)
	}
	return a.deps.TrainingRequests.Get(c.UserContext(), id)
}

func (a *app) trainingRequestShow(c *fiber.Ctx) error {
	return a.showTrainingRequest(c, false, fiber.StatusOK, nil, "", "")
}

func (a *app) trainingRequestAdminShow(c *fiber.Ctx) error {
	return a.showTrainingRequest(c, true, fiber.StatusOK, nil, "", "")
}

func (a *app) showTrainingRequest(c *fiber.Ctx, team bool, status int, errs *validation.Errors, message, reason string) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := a.getTrainingRequest(c, team, id)
	if err != nil {
		return err
	}
	d := trainingRequestPage{Request: r, Admin: team, fieldErrors: fieldErrors{errs}, Message: message, Reason: reason,
		ResponseDays: a.deps.TrainingRequests.ResponseDays}
	d.Due = workday.Add(r.SubmittedAt, d.ResponseDays)
	name := "training-requests/show"
	if team {
		d.adminArea = newAdminArea(c)
		name = "admin/training-requests-show"
	} else {
		d.Received = c.Query("done") == "received"
	}
	d.Notice = trainingRequestNotices[c.Query("done")]
	title := "Training request " + r.Reference
	if errs != nil {
		return a.renderForm(c, name, title, d, errs)
	}
	return a.render(c, status, name, title, d)
}

func (a *app) trainingRequestMessage(c *fiber.Ctx) error {
	return a.postTrainingRequestMessage(c, false)
}

func (a *app) trainingRequestAdminMessage(c *fiber.Ctx) error {
	return a.postTrainingRequestMessage(c, true)
}

// postTrainingRequestMessage sends the agency's message or, for the
// training team's pages (team), the team's.
func (a *app) postTrainingRequestMessage(c *fiber.Ctx, team bool) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	body := c.FormValue("message")
	if team {
		err = a.deps.TrainingRequests.Team().Post(c.UserContext(), id, body)
	} else {
		err = a.deps.TrainingRequests.Post(c.UserContext(), id, body)
	}
	var v *validation.Errors
	if errors.As(err, &v) {
		return a.showTrainingRequest(c, team, fiber.StatusUnprocessableEntity, v, body, "")
	} else if err != nil {
		return err
	}
	return c.Redirect(c.Path()[:len(c.Path())-len("/messages")]+"?done=message", fiber.StatusSeeOther)
}

func (a *app) trainingRequestDecline(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	reason := c.FormValue("reason")
	err = a.deps.TrainingRequests.Team().Decline(c.UserContext(), id, reason)
	var v *validation.Errors
	if errors.As(err, &v) {
		return a.showTrainingRequest(c, true, fiber.StatusUnprocessableEntity, v, "", reason)
	} else if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/training-requests/%d?done=declined", id), fiber.StatusSeeOther)
}

type trainingRequestAcceptPage struct {
	adminArea
	fieldErrors
	Request  trainingrequest.Request
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

func (a *app) trainingRequestAcceptForm(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := a.deps.TrainingRequests.Team().Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	// Pre-filled from the request: its first preferred date, its numbers.
	f := scheduling.Form{Capacity: strconv.Itoa(r.Participants), CutoffDays: "3"}
	if len(r.Dates) > 0 {
		day := london.InputOf(r.Dates[0].StartsAt)
		f.Day, f.Month, f.Year = day.Day, day.Month, day.Year
		f.Start, f.End = london.Clock24(r.Dates[0].StartsAt), london.Clock24(r.Dates[0].EndsAt)
	}
	if len(r.Sessions) > 0 {
		f.Day, f.Month, f.Year = "", "", ""
	}
	place := acceptPlace{Place: "venue", Premises: r.Premises}
	if r.Location == trainingrequest.OwnPremises {
		place.Place = "premises"
	}
	return a.showAcceptForm(c, r, f, nil, nil, place)
}

func (a *app) showAcceptForm(c *fiber.Ctx, r trainingrequest.Request, f scheduling.Form, errs *validation.Errors, clashes []string, place acceptPlace) error {
	choices, err := a.scheduler().Choices(c.UserContext())
	if err != nil {
		return err
	}
	if f.VenueID == 0 && r.Location == trainingrequest.Online {
		for _, v := range choices.Venues {
			if strings.HasSuffix(v.Name, " (online)") {
				f.VenueID = v.ID
				break
			}
		}
	}
	d := trainingRequestAcceptPage{adminArea: newAdminArea(c), fieldErrors: fieldErrors{errs}, Request: r, Form: f, Choices: choices,
		Trainers: map[int64]bool{}, Clashes: clashes, acceptPlace: place}
	d.OfferPremises = r.Location == trainingrequest.OwnPremises || r.Premises != (venue.Premises{})
	for _, t := range f.TrainerIDs {
		d.Trainers[t] = true
	}
	heading := "Accept request " + r.Reference
	if len(r.Sessions) > 0 {
		heading = "Add a session to request " + r.Reference
	}
	return a.renderForm(c, "admin/training-requests-accept", heading, d, errs)
}

func (a *app) trainingRequestAccept(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, team := c.UserContext(), a.deps.TrainingRequests.Team()
	form, place := readSessionForm(c), readAcceptPlace(c)
	var at *venue.Premises
	if place.Place == "premises" {
		at = &place.Premises
	}
	_, err = team.ScheduleAt(ctx, id, form, at)
	if v, lines, ok := sessionError(err); ok {
		r, gerr := team.Get(ctx, id)
		if gerr != nil {
			return gerr
		}
		return a.showAcceptForm(c, r, form, v, lines, place)
	} else if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/training-requests/%d?done=accepted", id), fiber.StatusSeeOther)
}

// CourseChoices are the queue's course filter's items.
func (d trainingRequestListPage) CourseChoices() []choice {
	out := make([]choice, 1, len(d.Courses)+1)
	out[0] = choice{Text: "Any course"}
	for _, c := range d.Courses {
		out = append(out, choice{Value: strconv.FormatInt(c.ID, 10), Text: c.Name})
	}
	return out
}
