package web

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/validation"
)

// --- the session form: new, duplicate, edit, series ---

type sessionFormPage struct {
	adminArea
	fieldErrors
	Form     scheduling.Form
	Choices  scheduling.Choices
	Action   string // where the form posts
	Editing  *scheduling.Session
	Series   bool
	Week     string
	Weekday  string
	Count    string
	Clashes  []string
	Trainers map[int64]bool
	Heading  string
	// ChooseCourse asks for the course first, so the form can then show
	// who is approved to deliver it.
	ChooseCourse bool
	CourseName   string // the chosen course, once known
	// The trainers: never every one (they grow with the partnership). The
	// form offers the first few approved for the course (Approved, of
	// MoreApproved more), the trainers already chosen (those not approved
	// in Others), and finds any other by a typed name (TrainerName), asking
	// which when it matches several (TrainerChoices).
	Approved       []scheduling.TrainerChoice
	MoreApproved   int
	Others         []scheduling.TrainerChoice
	TrainerName    string
	TrainerChoices []scheduling.TrainerChoice
	DayWarning     *scheduling.DayWarning // dates on a weekend or bank holiday, to confirm
	// Several partnerships are served: a session can be kept to its own
	// partnership's area.
	SeveralPartnerships bool
	// The agency of a session for one agency is typed, not chosen from every
	// agency: AgencyName is the agency, or what was typed; AgencyChoices the
	// agencies it matches when it matches several (the form then asks which).
	AgencyName    string
	AgencyChoices []agency.Agency
}

// Form fields of a session for one agency: the name typed, and the agency
// chosen among those it matched.
const (
	fieldAgencyName   = "agency-name"
	fieldAgencyChosen = "agency"
)

// Form fields of the session form's trainers: a name typed to find one
// more, and the trainer chosen among those it matched.
const (
	fieldTrainerName   = "trainer-name"
	fieldTrainerChosen = "trainer"
)

// typedTrainer is the trainer a session form's typed name found.
type typedTrainer struct {
	name    string                     // what was typed, while it names no one
	choices []scheduling.TrainerChoice // when it matches several
	problem string                     // why it names no one; "" when it does (or nothing was typed)
}

// sessionTrainer resolves the trainer's name typed on the form, as the
// typed agency is: one trainer whose name holds the text, or is it
// exactly, or the one chosen among several it matched, is added to
// f.TrainerIDs. Otherwise the problem says why, in the form's words.
func (a *app) sessionTrainer(c *fiber.Ctx, f *scheduling.Form) (typedTrainer, error) {
	typed := validation.CleanLine(c.FormValue(fieldTrainerName))
	if typed == "" {
		return typedTrainer{}, nil
	}
	found, exact, err := a.scheduler().FindTrainers(c.UserContext(), f.CourseID, typed)
	if err != nil {
		return typedTrainer{}, err
	}
	add := func(id int64) (typedTrainer, error) {
		if !slices.Contains(f.TrainerIDs, id) {
			f.TrainerIDs = append(f.TrainerIDs, id)
		}
		return typedTrainer{}, nil
	}
	chosen := int64Value(c.FormValue(fieldTrainerChosen))
	for _, t := range found {
		if t.ID == chosen {
			return add(t.ID)
		}
	}
	switch {
	case len(found) == 0:
		return typedTrainer{name: typed, problem: "No trainer’s name contains “" + typed + "”: check the spelling, or type less of the name"}, nil
	case len(found) == 1 || exact:
		return add(found[0].ID)
	case len(found) == scheduling.MaxTrainersOffered:
		return typedTrainer{name: typed, choices: found, problem: "Many trainers’ names contain “" + typed + "”: choose one, or type more of the name"}, nil
	}
	return typedTrainer{name: typed, choices: found, problem: "More than one trainer’s name contains “" + typed + "”: choose one"}, nil
}

// onForm puts what the typed trainer's name found on the form's page, and
// its problem in errs (made when nil).
func (t typedTrainer) onForm(d *sessionFormPage, errs *validation.Errors) *validation.Errors {
	d.TrainerName, d.TrainerChoices = t.name, t.choices
	if t.problem == "" {
		return errs
	}
	if errs == nil {
		errs = &validation.Errors{}
	}
	errs.Add(fieldTrainerName, t.problem)
	return errs
}

// oneAgency is the agency a session form names, as typed and resolved.
type oneAgency struct {
	name    string          // the agency's name, or what was typed
	choices []agency.Agency // when what was typed matches several
	problem string          // why it names none; "" when it does
}

// sessionAgency resolves the agency typed on the form (when the session is
// for one agency) into f.AgencyID, as the typed agency filters do: one
// agency whose name holds the text, or is it exactly, or the one chosen
// among several it matched. Otherwise f.AgencyID is -1, which the
// scheduler refuses, and the problem says why in the words the form shows.
func (a *app) sessionAgency(c *fiber.Ctx, f *scheduling.Form) (oneAgency, error) {
	if c.FormValue("open-to") != "agency" {
		return oneAgency{}, nil
	}
	typed := validation.CleanLine(c.FormValue(fieldAgencyName))
	chosen := f.AgencyID
	f.AgencyID = -1
	if typed == "" {
		return oneAgency{problem: "Enter the name of the agency the session is for"}, nil
	}
	found, err := a.deps.Agencies.FindByName(c.UserContext(), typed)
	if err != nil {
		return oneAgency{}, err
	}
	found = slices.DeleteFunc(found, func(ag agency.Agency) bool { return ag.Retired() })
	for _, ag := range found {
		if ag.ID == chosen {
			f.AgencyID = ag.ID
			return oneAgency{name: ag.Name}, nil
		}
	}
	switch {
	case len(found) == 0:
		return oneAgency{name: typed, problem: "No agency’s name contains “" + typed + "”: check the spelling, or type less of the name"}, nil
	case len(found) == 1 || strings.EqualFold(found[0].Name, typed):
		f.AgencyID = found[0].ID
		return oneAgency{name: found[0].Name}, nil
	case len(found) == agency.MaxFound:
		return oneAgency{name: typed, choices: found, problem: "Many agencies’ names contain “" + typed + "”: choose one, or type more of the name"}, nil
	}
	return oneAgency{name: typed, choices: found, problem: "More than one agency’s name contains “" + typed + "”: choose one"}, nil
}

// explain puts the form's agency problem on the typed name: the scheduler
// refuses an agency it was not given (or one no longer to be chosen) under
// the chosen agency's field.
func (o oneAgency) explain(v *validation.Errors) {
	if v == nil {
		return
	}
	for i, fe := range v.Fields {
		if fe.Field == fieldAgencyChosen {
			v.Fields[i].Field = fieldAgencyName
			if o.problem != "" {
				v.Fields[i].Message = o.problem
			}
		}
	}
}

// DayName words a date the warning names: "Friday 25 December 2026
// (Christmas Day)" or "Saturday 12 December 2026 (a weekend)".
func (sessionFormPage) DayName(d scheduling.NonWorkingDay) string {
	if d.Holiday != "" {
		return longDate(d.Date) + " (bank holiday: " + d.Holiday + ")"
	}
	return longDate(d.Date) + " (a weekend)"
}

// Confirmed is the confirmation of non-working days the form already carries.
func (p sessionFormPage) Confirmed() string { return strings.Join(p.Form.ConfirmedDays, ",") }

func readSessionForm(c *fiber.Ctx) scheduling.Form {
	f := scheduling.Form{
		CourseID: int64Value(c.FormValue("course")), Day: c.FormValue("date-day"), Month: c.FormValue("date-month"),
		Year: c.FormValue("date-year"), Start: c.FormValue("start"), End: c.FormValue("end"),
		VenueID: int64Value(c.FormValue("venue")), MeetingURL: c.FormValue("meeting-url"), Capacity: c.FormValue("capacity"),
		CutoffDays: c.FormValue("cutoff"), AgencyCap: c.FormValue("agency-cap"), SectorCap: c.FormValue("sector-cap"),
		CapReleaseDays: c.FormValue("cap-release"),
	}
	f.OwnAreaOnly = c.FormValue("open-to") == "area"
	if c.FormValue("open-to") == "agency" {
		// Chosen among the agencies a typed name matched; sessionAgency
		// reads the name.
		f.AgencyID = int64Value(c.FormValue(fieldAgencyChosen))
	}
	for _, v := range c.Context().PostArgs().PeekMulti("trainers") {
		if id := int64Value(string(v)); id != 0 {
			f.TrainerIDs = append(f.TrainerIDs, id)
		}
	}
	for _, day := range strings.Split(c.FormValue("confirm-days"), ",") {
		if day = strings.TrimSpace(day); day != "" && len(f.ConfirmedDays) < 31 {
			f.ConfirmedDays = append(f.ConfirmedDays, day)
		}
	}
	return f
}

func (a *app) showSessionForm(c *fiber.Ctx, d sessionFormPage, errs *validation.Errors) error {
	ctx, svc := c.UserContext(), a.scheduler()
	choices := d.Choices // read already when the course was checked
	if choices.Courses == nil && choices.Venues == nil {
		var err error
		if choices, err = svc.FormChoices(ctx); err != nil {
			return err
		}
	}
	d.adminArea, d.Choices, d.fieldErrors = newAdminArea(c), choices, fieldErrors{errs}
	d.SeveralPartnerships = len(a.allPartnerships(c)) > 1
	if d.Editing != nil && !slices.ContainsFunc(choices.Venues, func(v scheduling.Choice) bool { return v.ID == d.Editing.VenueID }) {
		// Its place is not offered to new sessions (an agency's premises, a
		// retired venue), but the session may keep it.
		d.Choices.Venues = append(d.Choices.Venues, scheduling.Choice{ID: d.Editing.VenueID, Name: d.Editing.VenueName})
	}
	d.Trainers = map[int64]bool{}
	for _, t := range d.Form.TrainerIDs {
		d.Trainers[t] = true
	}
	if d.Form.CutoffDays == "" {
		d.Form.CutoffDays = "3"
	}
	for _, co := range choices.Courses {
		if co.ID == d.Form.CourseID {
			d.CourseName = co.Name
		}
	}
	if d.Editing != nil {
		d.CourseName = d.Editing.CourseTitle
	}
	if d.CourseName != "" && !d.ChooseCourse {
		approved, all, err := svc.SuggestedTrainers(ctx, d.Form.CourseID)
		if err != nil {
			return err
		}
		chosen, err := svc.NamedTrainers(ctx, d.Form.CourseID, d.Form.TrainerIDs)
		if err != nil {
			return err
		}
		// The chosen are offered too, ticked: those approved with the
		// approved, the others apart.
		for _, t := range chosen {
			switch {
			case !t.Approved:
				d.Others = append(d.Others, t)
			case !slices.ContainsFunc(approved, func(s scheduling.TrainerChoice) bool { return s.ID == t.ID }):
				approved = append(approved, t)
			}
		}
		d.Approved, d.MoreApproved = approved, max(all-len(approved), 0)
	}
	return a.renderForm(c, "admin/sessions/form", d.Heading, d, errs)
}

// dayWarning is the weekend or bank holiday a refusal asks to confirm, or nil.
func dayWarning(err error) *scheduling.DayWarning {
	var days *scheduling.DayWarning
	if errors.As(err, &days) {
		return days
	}
	return nil
}

// sessionError turns a refusal into form errors: a clash names what is in
// the way.
func sessionError(err error) (*validation.Errors, []string, bool) {
	var verr *validation.Errors
	var clash *scheduling.ClashError
	var series *scheduling.SeriesError
	switch {
	case errors.As(err, &verr):
		return verr, nil, true
	case errors.As(err, &clash):
		v := &validation.Errors{}
		var lines []string
		for _, cl := range clash.Clashes {
			lines = append(lines, cl.Describe(when))
		}
		v.Add("date", "This clashes with another booking: "+lines[0])
		return v, lines, true
	case errors.As(err, &series):
		v := &validation.Errors{}
		var lines []string
		for _, d := range series.Dates {
			for _, cl := range d.Clashes {
				lines = append(lines, longDate(d.Date)+": "+cl.Describe(when))
			}
		}
		v.Add("date", fmt.Sprintf("%d %s of the series %s: nothing has been saved", len(series.Dates),
			plural(len(series.Dates), "date", "dates"), plural(len(series.Dates), "clashes", "clash")))
		return v, lines, true
	}
	return nil, nil, false
}

// chooseCourse is the first step of scheduling: which course. A course in
// the query string (from that step) goes on to the whole form.
func (a *app) chooseCourse(c *fiber.Ctx, d sessionFormPage) error {
	raw := strings.TrimSpace(c.Query("course"))
	if raw == "" {
		d.ChooseCourse = true
		return a.showSessionForm(c, d, nil)
	}
	choices, err := a.scheduler().FormChoices(c.UserContext())
	if err != nil {
		return err
	}
	d.Form.CourseID, d.Choices = int64Value(raw), choices
	for _, co := range choices.Courses {
		if co.ID == d.Form.CourseID {
			return a.showSessionForm(c, d, nil)
		}
	}
	d.ChooseCourse, d.Form.CourseID = true, 0
	return a.showSessionForm(c, d, refusal("course", "Select a course from the list"))
}

func (a *app) sessionNewForm(c *fiber.Ctx) error {
	d := sessionFormPage{Action: "/admin/sessions/new", Heading: "Schedule a session"}
	from := int64Value(c.Query("from"))
	if from == 0 {
		return a.chooseCourse(c, d)
	}
	se, err := a.scheduler().Get(c.UserContext(), from) // duplicate
	if err != nil {
		return err
	}
	d.Form = scheduling.FormFor(se)
	d.Form.Day, d.Form.Month, d.Form.Year = "", "", ""
	d.Heading, d.AgencyName = "Duplicate a session", se.ClosedTo
	return a.showSessionForm(c, d, nil)
}

func (a *app) sessionCreate(c *fiber.Ctx) error {
	form := readSessionForm(c)
	one, err := a.sessionAgency(c, &form)
	if err != nil {
		return err
	}
	typed, err := a.sessionTrainer(c, &form)
	if err != nil {
		return err
	}
	d := sessionFormPage{Form: form, Action: "/admin/sessions/new", Heading: "Schedule a session",
		AgencyName: one.name, AgencyChoices: one.choices}
	if typed.problem != "" { // a trainer to choose: nothing is scheduled yet
		return a.showSessionForm(c, d, typed.onForm(&d, nil))
	}
	id, plan, err := a.scheduler().Create(c.UserContext(), form)
	if days := dayWarning(err); days != nil {
		d.DayWarning = days
		return a.showSessionForm(c, d, nil)
	} else if v, lines, ok := sessionError(err); ok {
		one.explain(v)
		d.Clashes = lines
		return a.showSessionForm(c, d, v)
	} else if err != nil {
		return err
	}
	done := "created"
	if len(plan.Warnings) > 0 {
		return c.Redirect(fmt.Sprintf("/admin/sessions/%d?done=%s&warn=agency", id, done), fiber.StatusSeeOther)
	}
	return c.Redirect(fmt.Sprintf("/admin/sessions/%d?done=%s", id, done), fiber.StatusSeeOther)
}

func (a *app) sessionEditForm(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	se, err := a.scheduler().Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	return a.showSessionForm(c, sessionFormPage{Form: scheduling.FormFor(se), Editing: &se,
		Action: fmt.Sprintf("/admin/sessions/%d/edit", se.ID), Heading: "Change a session"}, nil)
}

func (a *app) sessionEdit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	se, err := a.scheduler().Get(ctx, id)
	if err != nil {
		return err
	}
	form := readSessionForm(c)
	form.CourseID = se.CourseID
	typed, err := a.sessionTrainer(c, &form)
	if err != nil {
		return err
	}
	if typed.problem != "" {
		d := sessionFormPage{Form: form, Editing: &se, Action: fmt.Sprintf("/admin/sessions/%d/edit", id), Heading: "Change a session"}
		return a.showSessionForm(c, d, typed.onForm(&d, nil))
	}
	_, err = a.scheduler().Move(ctx, id, form)
	if errors.Is(err, scheduling.ErrWrongState) {
		err = &validation.Errors{Fields: []validation.FieldError{{Field: "date", Message: "A " + strings.ToLower(catalogue.SessionStatusWords(se.Status)) + " session cannot be changed"}}}
	}
	if v, lines, ok := sessionError(err); ok || dayWarning(err) != nil {
		form.CourseID = se.CourseID
		return a.showSessionForm(c, sessionFormPage{Form: form, Editing: &se, Action: fmt.Sprintf("/admin/sessions/%d/edit", id),
			Heading: "Change a session", Clashes: lines, DayWarning: dayWarning(err)}, v)
	} else if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/sessions/%d?done=changed", id), fiber.StatusSeeOther)
}

func (a *app) seriesForm(c *fiber.Ctx) error {
	return a.chooseCourse(c, sessionFormPage{Action: "/admin/sessions/series", Heading: "Schedule a series", Series: true,
		Week: "1", Weekday: "2", Count: "6"})
}

func (a *app) seriesCreate(c *fiber.Ctx) error {
	form := readSessionForm(c)
	one, err := a.sessionAgency(c, &form)
	if err != nil {
		return err
	}
	typed, err := a.sessionTrainer(c, &form)
	if err != nil {
		return err
	}
	d := sessionFormPage{Form: form, Action: "/admin/sessions/series", Heading: "Schedule a series", Series: true,
		Week: c.FormValue("week"), Weekday: c.FormValue("weekday"), Count: c.FormValue("count"),
		AgencyName: one.name, AgencyChoices: one.choices}
	if typed.problem != "" {
		return a.showSessionForm(c, d, typed.onForm(&d, nil))
	}
	pattern, perr := scheduling.ParsePattern(d.Week, d.Weekday, d.Count)
	if perr != nil {
		if one.problem != "" {
			perr.Add(fieldAgencyName, one.problem) // every problem at once
		}
		return a.showSessionForm(c, d, perr)
	}
	ids, err := a.scheduler().CreateSeries(c.UserContext(), form, pattern)
	if v, lines, ok := sessionError(err); ok || dayWarning(err) != nil {
		one.explain(v)
		d.Clashes, d.DayWarning = lines, dayWarning(err)
		return a.showSessionForm(c, d, v)
	} else if err != nil {
		return err
	}
	q := filterQuery(scheduling.ProgrammeFilter{CourseID: form.CourseID})
	q.Set("done", "series")
	q.Set("scheduled", strconv.Itoa(len(ids)))
	return c.Redirect("/admin/sessions?"+q.Encode(), fiber.StatusSeeOther)
}

// CourseChoices are the form's courses, each with its places.
func (d sessionFormPage) CourseChoices() []choice {
	out := make([]choice, 1, len(d.Choices.Courses)+1)
	out[0] = choice{Text: "Choose a course"}
	for _, c := range d.Choices.Courses {
		out = append(out, choice{Value: strconv.FormatInt(c.ID, 10), Text: c.Name + " (" + strconv.Itoa(c.Capacity) + " places)"})
	}
	return out
}

// VenueChoices are the form's venues and online platforms.
func (d sessionFormPage) VenueChoices() []choice {
	return withChoices(choice{Text: "Choose a venue"}, d.Choices.Venues)
}
