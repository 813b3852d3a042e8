package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/validation"
)

// schedulingRoutes registers the programme: scheduling sessions and series,
// their life cycle, and the programme view.
func (a *app) schedulingRoutes(f *fiber.App) {
	g := f.Group("/admin/sessions", requireRole(account.Manager))
	g.Get("/", a.programme)
	g.Get("/export.csv", a.programmeCSV)
	g.Get("/new", a.sessionNewForm)
	g.Post("/new", a.sessionCreate)
	g.Get("/series", a.seriesForm)
	g.Post("/series", a.seriesCreate)
	g.Get("/:id<int>", a.sessionShow)
	g.Get("/:id<int>/edit", a.sessionEditForm)
	g.Post("/:id<int>/edit", a.sessionEdit)
	g.Post("/:id<int>/publish", a.sessionAction("publish"))
	g.Post("/:id<int>/complete", a.sessionAction("complete"))
	g.Post("/:id<int>/cancel", a.sessionAction("cancel"))
}

func (a *app) scheduler() *scheduling.Service {
	s := scheduling.New(a.deps.Pool, a.deps.Now, a.log)
	s.Bookings = a.deps.Bookings
	return s
}

func int64Param(c *fiber.Ctx, name string) int64 {
	n, _ := strconv.ParseInt(c.Params(name), 10, 64)
	return n
}

func int64Value(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// --- the programme ---

type programmePage struct {
	adminArea
	Months  []programmeMonth
	Total   int
	Filter  scheduling.ProgrammeFilter
	Choices scheduling.Choices
	Pages   *pagination
	Query   string // the filter as a query string, for the CSV link
}

type programmeMonth struct {
	Name string
	Rows []scheduling.Row
}

var sessionStatuses = []string{"draft", "published", "completed", "cancelled"}

func programmeFilter(c *fiber.Ctx) scheduling.ProgrammeFilter {
	f := scheduling.ProgrammeFilter{
		CourseID: int64Value(c.Query("course")), VenueID: int64Value(c.Query("venue")), TrainerID: int64Value(c.Query("trainer")),
	}
	for _, s := range sessionStatuses {
		if c.Query("status") == s {
			f.Status = s
		}
	}
	return f
}

func filterQuery(f scheduling.ProgrammeFilter) url.Values {
	q := url.Values{}
	for k, v := range map[string]int64{"course": f.CourseID, "venue": f.VenueID, "trainer": f.TrainerID} {
		if v != 0 {
			q.Set(k, strconv.FormatInt(v, 10))
		}
	}
	if f.Status != "" {
		q.Set("status", f.Status)
	}
	return q
}

func (a *app) programme(c *fiber.Ctx) error {
	ctx := c.UserContext()
	svc := a.scheduler()
	filter := programmeFilter(c)
	page := pageParam(c)
	rows, total, err := svc.Programme(ctx, filter, page)
	if err != nil {
		return err
	}
	choices, err := svc.Choices(ctx)
	if err != nil {
		return err
	}
	d := programmePage{adminArea: newAdminArea(c), Total: total, Filter: filter, Choices: choices}
	for _, r := range rows {
		month := r.StartsAt.In(catalogue.London).Format("January 2006")
		if len(d.Months) == 0 || d.Months[len(d.Months)-1].Name != month {
			d.Months = append(d.Months, programmeMonth{Name: month})
		}
		d.Months[len(d.Months)-1].Rows = append(d.Months[len(d.Months)-1].Rows, r)
	}
	q := filterQuery(filter)
	d.Query = q.Encode()
	d.Pages = paginate("/admin/sessions", q, page, (total+scheduling.ProgrammePageSize-1)/scheduling.ProgrammePageSize)
	return a.render(c, fiber.StatusOK, "admin/sessions/programme", "Programme", d)
}

// programmeCSV exports the filtered programme for a spreadsheet.
func (a *app) programmeCSV(c *fiber.Ctx) error {
	rows, _, err := a.scheduler().Programme(c.UserContext(), programmeFilter(c), 0)
	if err != nil {
		return err
	}
	// The export names each session's trainers.
	if err := a.auditView(c, account.Manager, audit.View{What: "the programme export (CSV), with trainers' names"}); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="programme.csv"`)
	w := csv.NewWriter(c.Response().BodyWriter())
	_ = w.Write([]string{"Session", "Course", "Date", "Start", "End", "Venue", "Status", "Open to", "Trainers", "Booked", "Capacity", "Waiting"})
	for _, r := range rows {
		start, end := r.StartsAt.In(catalogue.London), r.EndsAt.In(catalogue.London)
		openTo := "Everyone"
		if r.Closed {
			openTo = "One agency"
		}
		venue := r.VenueName
		_ = w.Write([]string{
			strconv.FormatInt(r.ID, 10), csvSafe(r.CourseTitle), start.Format("2006-01-02"), start.Format("15:04"), end.Format("15:04"),
			csvSafe(venue), r.Status, openTo, csvSafe(r.Trainers), strconv.Itoa(r.Booked), strconv.Itoa(r.Capacity), strconv.Itoa(r.Waiting),
		})
	}
	w.Flush()
	return w.Error()
}

// csvSafe stops a spreadsheet from reading a cell as a formula (CSV
// injection): text starting with = + - @ is prefixed with an apostrophe.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// --- one session ---

type sessionPage struct {
	adminArea
	Session  scheduling.Session
	Errors   fieldErrors
	Reason   string
	Warnings []string
	Waiting  int // people on the waiting list, for the link to the bookings
}

func (a *app) sessionShow(c *fiber.Ctx) error {
	se, err := a.scheduler().Get(c.UserContext(), int64Param(c, "id"))
	if err != nil {
		return err
	}
	d := sessionPage{adminArea: newAdminArea(c), Session: se}
	if d.Waiting, err = a.waitingFor(c, se.ID); err != nil {
		return err
	}
	d.Notice = sessionNotices[c.Query("done")]
	if c.Query("warn") == "agency" {
		d.Warnings = []string{"Both trainers come from the same agency: multi-agency courses are usually delivered by trainers from different agencies."}
	}
	return a.render(c, fiber.StatusOK, "admin/sessions/show", se.CourseTitle, d)
}

var sessionNotices = map[string]string{
	"created":   "Session scheduled as a draft: publish it when it is ready to book",
	"series":    "Series scheduled as drafts",
	"changed":   "Session changed",
	"published": "Session published: people can now book it",
	"completed": "Session marked as delivered",
	"cancelled": "Session cancelled",
}

func (a *app) sessionAction(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, svc, id := c.UserContext(), a.scheduler(), int64Param(c, "id")
		var err error
		switch action {
		case "publish":
			err = svc.Publish(ctx, id)
		case "complete":
			err = svc.Complete(ctx, id)
		case "cancel":
			err = svc.Cancel(ctx, id, strings.TrimSpace(c.FormValue("reason")))
		}
		var verr *validation.Errors
		switch {
		case errors.As(err, &verr):
			se, gerr := svc.Get(ctx, id)
			if gerr != nil {
				return gerr
			}
			d := sessionPage{adminArea: newAdminArea(c), Session: se, Errors: fieldErrors{verr}, Reason: c.FormValue("reason")}
			d.Waiting, _ = a.waitingFor(c, se.ID) // only for a link's text
			return a.renderForm(c, "admin/sessions/show", se.CourseTitle, d, verr)
		case errors.Is(err, scheduling.ErrWrongState):
			se, gerr := svc.Get(ctx, id)
			if gerr != nil {
				return gerr
			}
			verr = &validation.Errors{}
			verr.Add("status", fmt.Sprintf("This session is %s, so it cannot be %s", statusLabel(se.Status), map[string]string{
				"publish": "published", "complete": "marked as delivered (it must be published and over)", "cancel": "cancelled"}[action]))
			d := sessionPage{adminArea: newAdminArea(c), Session: se, Errors: fieldErrors{verr}}
			d.Waiting, _ = a.waitingFor(c, se.ID) // only for a link's text
			return a.renderForm(c, "admin/sessions/show", se.CourseTitle, d, verr)
		case err != nil:
			return err
		}
		done := map[string]string{"publish": "published", "complete": "completed", "cancel": "cancelled"}[action]
		return c.Redirect(fmt.Sprintf("/admin/sessions/%d?done=%s", id, done), fiber.StatusSeeOther)
	}
}

func statusLabel(s string) string {
	switch s {
	case "draft":
		return "a draft"
	case "published":
		return "published"
	case "completed":
		return "delivered"
	case "cancelled":
		return "cancelled"
	}
	return s
}

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
}

func readSessionForm(c *fiber.Ctx) scheduling.Form {
	f := scheduling.Form{
		CourseID: int64Value(c.FormValue("course")), Day: c.FormValue("date-day"), Month: c.FormValue("date-month"),
		Year: c.FormValue("date-year"), Start: c.FormValue("start"), End: c.FormValue("end"),
		VenueID: int64Value(c.FormValue("venue")), MeetingURL: c.FormValue("meeting-url"), Capacity: c.FormValue("capacity"),
		CutoffDays: c.FormValue("cutoff"),
	}
	if c.FormValue("open-to") == "agency" {
		f.AgencyID = int64Value(c.FormValue("agency"))
		if f.AgencyID == 0 {
			f.AgencyID = -1 // chosen "one agency" without saying which: refused below
		}
	}
	for _, v := range c.Context().PostArgs().PeekMulti("trainers") {
		if id := int64Value(string(v)); id != 0 {
			f.TrainerIDs = append(f.TrainerIDs, id)
		}
	}
	return f
}

func (a *app) showSessionForm(c *fiber.Ctx, d sessionFormPage, errs *validation.Errors) error {
	choices, err := a.scheduler().Choices(c.UserContext())
	if err != nil {
		return err
	}
	d.adminArea, d.Choices, d.fieldErrors = newAdminArea(c), choices, fieldErrors{errs}
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
	return a.renderForm(c, "admin/sessions/form", d.Heading, d, errs)
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

func (a *app) sessionNewForm(c *fiber.Ctx) error {
	d := sessionFormPage{Action: "/admin/sessions/new", Heading: "Schedule a session"}
	if from := int64Value(c.Query("from")); from != 0 { // duplicate
		se, err := a.scheduler().Get(c.UserContext(), from)
		if err != nil {
			return err
		}
		d.Form = scheduling.FormFor(se)
		d.Form.Day, d.Form.Month, d.Form.Year = "", "", ""
		d.Heading = "Duplicate a session"
	}
	return a.showSessionForm(c, d, nil)
}

func (a *app) sessionCreate(c *fiber.Ctx) error {
	form := readSessionForm(c)
	id, plan, err := a.scheduler().Create(c.UserContext(), form)
	if v, lines, ok := sessionError(err); ok {
		return a.showSessionForm(c, sessionFormPage{Form: form, Action: "/admin/sessions/new", Heading: "Schedule a session", Clashes: lines}, v)
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
	se, err := a.scheduler().Get(c.UserContext(), int64Param(c, "id"))
	if err != nil {
		return err
	}
	return a.showSessionForm(c, sessionFormPage{Form: scheduling.FormFor(se), Editing: &se,
		Action: fmt.Sprintf("/admin/sessions/%d/edit", se.ID), Heading: "Change a session"}, nil)
}

func (a *app) sessionEdit(c *fiber.Ctx) error {
	ctx, id := c.UserContext(), int64Param(c, "id")
	se, err := a.scheduler().Get(ctx, id)
	if err != nil {
		return err
	}
	form := readSessionForm(c)
	_, err = a.scheduler().Move(ctx, id, form)
	if errors.Is(err, scheduling.ErrWrongState) {
		err = &validation.Errors{Fields: []validation.FieldError{{Field: "date", Message: "A " + se.Status + " session cannot be changed"}}}
	}
	if v, lines, ok := sessionError(err); ok {
		form.CourseID = se.CourseID
		return a.showSessionForm(c, sessionFormPage{Form: form, Editing: &se, Action: fmt.Sprintf("/admin/sessions/%d/edit", id),
			Heading: "Change a session", Clashes: lines}, v)
	} else if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/sessions/%d?done=changed", id), fiber.StatusSeeOther)
}

func (a *app) seriesForm(c *fiber.Ctx) error {
	return a.showSessionForm(c, sessionFormPage{Action: "/admin/sessions/series", Heading: "Schedule a series", Series: true,
		Week: "1", Weekday: "2", Count: "6"}, nil)
}

func (a *app) seriesCreate(c *fiber.Ctx) error {
	form := readSessionForm(c)
	d := sessionFormPage{Form: form, Action: "/admin/sessions/series", Heading: "Schedule a series", Series: true,
		Week: c.FormValue("week"), Weekday: c.FormValue("weekday"), Count: c.FormValue("count")}
	pattern, perr := scheduling.ParsePattern(d.Week, d.Weekday, d.Count)
	if perr != nil {
		return a.showSessionForm(c, d, perr)
	}
	ids, err := a.scheduler().CreateSeries(c.UserContext(), form, pattern)
	if v, lines, ok := sessionError(err); ok {
		d.Clashes = lines
		return a.showSessionForm(c, d, v)
	} else if err != nil {
		return err
	}
	q := filterQuery(scheduling.ProgrammeFilter{CourseID: form.CourseID})
	q.Set("done", "series")
	q.Set("scheduled", strconv.Itoa(len(ids)))
	return c.Redirect("/admin/sessions?"+q.Encode(), fiber.StatusSeeOther)
}
