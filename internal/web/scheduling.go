package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/validation"
)

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
	fieldErrors
	Months    []programmeMonth
	Total     int
	Filter    scheduling.ProgrammeFilter
	Choices   scheduling.Choices
	MonthList []time.Time // months that have sessions, for the filter
	Pages     *pagination
	CSVLink   string // the spreadsheet of what the filter shows
	Awaiting  int    // sessions ended but not yet marked as delivered
}

// Summary says how many sessions the filter found, and which.
func (p programmePage) Summary() string {
	which := map[string]string{scheduling.Past: "past ", scheduling.AllDates: ""}[p.Filter.When]
	if p.Filter.When != scheduling.Past && p.Filter.When != scheduling.AllDates {
		which = "upcoming "
	}
	out := fmt.Sprintf("%d %s%s", p.Total, which, plural(p.Total, "session", "sessions"))
	if !p.Filter.Month.IsZero() {
		out += " in " + p.Filter.Month.Format("January 2006")
	}
	return out
}

// MonthValue is a month as the filter's query string carries it.
func (programmePage) MonthValue(m time.Time) string {
	if m.IsZero() {
		return ""
	}
	return m.Format("2006-01")
}

type programmeMonth struct {
	Name string
	Rows []scheduling.Row
}

var sessionStatuses = []string{"draft", "published", "completed", "cancelled"}

// programmeFilter reads the programme's filter from the query string; a
// month that is not one is reported and left out.
func programmeFilter(c *fiber.Ctx) (scheduling.ProgrammeFilter, *validation.Errors) {
	f := scheduling.ProgrammeFilter{
		CourseID: int64Value(c.Query("course")), VenueID: int64Value(c.Query("venue")), TrainerID: int64Value(c.Query("trainer")),
	}
	for _, s := range sessionStatuses {
		if c.Query("status") == s {
			f.Status = s
		}
	}
	switch c.Query("when") {
	case scheduling.Past, scheduling.AllDates:
		f.When = c.Query("when")
	default:
		f.When = scheduling.Upcoming
	}
	if m := strings.TrimSpace(c.Query("month")); m != "" {
		month, err := time.ParseInLocation("2006-01", m, catalogue.London)
		if err != nil || month.Year() < 2000 || month.Year() > 2100 {
			return f, refusal("month", "Select a month from the list")
		}
		f.Month = month
	}
	return f, nil
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
	if f.When == scheduling.Past || f.When == scheduling.AllDates {
		q.Set("when", f.When)
	}
	if !f.Month.IsZero() {
		q.Set("month", f.Month.Format("2006-01"))
	}
	return q
}

func (a *app) programme(c *fiber.Ctx) error {
	ctx := c.UserContext()
	svc := a.scheduler()
	filter, bad := programmeFilter(c)
	page := pageParam(c)
	rows, total, err := svc.Programme(ctx, filter, page)
	if err != nil {
		return err
	}
	choices, err := svc.Choices(ctx)
	if err != nil {
		return err
	}
	months, err := svc.ProgrammeMonths(ctx)
	if err != nil {
		return err
	}
	d := programmePage{adminArea: newAdminArea(c), fieldErrors: fieldErrors{bad}, Total: total, Filter: filter, Choices: choices, MonthList: months}
	if d.Awaiting, err = svc.AwaitingDelivery(ctx); err != nil {
		return err
	}
	for _, r := range rows {
		month := r.StartsAt.In(catalogue.London).Format("January 2006")
		if len(d.Months) == 0 || d.Months[len(d.Months)-1].Name != month {
			d.Months = append(d.Months, programmeMonth{Name: month})
		}
		d.Months[len(d.Months)-1].Rows = append(d.Months[len(d.Months)-1].Rows, r)
	}
	q := filterQuery(filter)
	d.CSVLink = "/admin/sessions/export.csv"
	if len(q) > 0 {
		d.CSVLink += "?" + q.Encode()
	}
	d.Pages = paginate("/admin/sessions", q, page, (total+scheduling.ProgrammePageSize-1)/scheduling.ProgrammePageSize)
	return a.renderForm(c, "admin/sessions/programme", "Programme", d, bad)
}

// programmeCSV exports the filtered programme for a spreadsheet.
func (a *app) programmeCSV(c *fiber.Ctx) error {
	filter, bad := programmeFilter(c)
	if bad != nil { // the programme page says what is wrong with the filter
		return c.Redirect("/admin/sessions?"+string(c.Request().URI().QueryString()), fiber.StatusSeeOther)
	}
	rows, _, err := a.scheduler().Programme(c.UserContext(), filter, 0)
	if err != nil {
		return err
	}
	// The export names each session's trainers.
	if err := a.auditView(c, account.Manager, audit.View{What: "the programme export (CSV), with trainers' names"}); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="programme-`+filter.When+`.csv"`)
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
	Waiting  int  // people on the waiting list, for the link to the bookings
	Ended    bool // it can be marked as delivered once it has ended
}

func (a *app) sessionPageFor(c *fiber.Ctx, se scheduling.Session) sessionPage {
	return sessionPage{adminArea: newAdminArea(c), Session: se, Ended: !se.EndsAt.After(a.deps.Now())}
}

func (a *app) sessionShow(c *fiber.Ctx) error {
	se, err := a.scheduler().Get(c.UserContext(), int64Param(c, "id"))
	if err != nil {
		return err
	}
	d := a.sessionPageFor(c, se)
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

// sessionAction publishes a draft or marks a session delivered.
func (a *app) sessionAction(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, svc, id := c.UserContext(), a.scheduler(), int64Param(c, "id")
		var err error
		switch action {
		case "publish":
			err = svc.Publish(ctx, id)
		case "complete":
			err = svc.Complete(ctx, id)
		}
		if err == nil {
			done := map[string]string{"publish": "published", "complete": "completed"}[action]
			return c.Redirect(fmt.Sprintf("/admin/sessions/%d?done=%s", id, done), fiber.StatusSeeOther)
		}
		if !errors.Is(err, scheduling.ErrWrongState) && !errors.Is(err, scheduling.ErrNotEnded) {
			return err
		}
		se, gerr := svc.Get(ctx, id)
		if gerr != nil {
			return gerr
		}
		var message string
		switch {
		case errors.Is(err, scheduling.ErrNotEnded):
			message = fmt.Sprintf("This session has not ended yet: you can mark it as delivered from %s on %s",
				clock(se.EndsAt), longDate(se.EndsAt))
		case action == "complete":
			message = fmt.Sprintf("This session is %s: only a published session that has ended can be marked as delivered", statusLabel(se.Status))
		case se.Status == "draft":
			message = "This session has already started, so it can no longer be published"
		default:
			message = fmt.Sprintf("This session is %s, so it cannot be published", statusLabel(se.Status))
		}
		verr := refusal("status", message)
		d := a.sessionPageFor(c, se)
		d.Errors = fieldErrors{verr}
		d.Waiting, _ = a.waitingFor(c, se.ID) // only for a link's text
		return a.renderForm(c, "admin/sessions/show", se.CourseTitle, d, verr)
	}
}

// --- cancelling a session: first what it will do, then the reason ---

type sessionCancelPage struct {
	adminArea
	fieldErrors
	Session scheduling.Session
	Effect  booking.SessionCancellation
	Reason  string
}

func (a *app) sessionCancelPage(c *fiber.Ctx, reason string, errs *validation.Errors) error {
	ctx := c.UserContext()
	se, err := a.scheduler().Get(ctx, int64Param(c, "id"))
	if err != nil {
		return err
	}
	if se.Status != "draft" && se.Status != "published" {
		return c.Redirect(fmt.Sprintf("/admin/sessions/%d", se.ID), fiber.StatusSeeOther)
	}
	effect, err := a.deps.Bookings.SessionCancellation(ctx, se.ID)
	if err != nil {
		return err
	}
	d := sessionCancelPage{adminArea: newAdminArea(c), fieldErrors: fieldErrors{errs}, Session: se, Effect: effect, Reason: reason}
	return a.renderForm(c, "admin/sessions/cancel", "Cancel "+se.CourseTitle, d, errs)
}

func (a *app) sessionCancelForm(c *fiber.Ctx) error { return a.sessionCancelPage(c, "", nil) }

func (a *app) sessionCancel(c *fiber.Ctx) error {
	ctx, svc, id := c.UserContext(), a.scheduler(), int64Param(c, "id")
	reason := c.FormValue("reason")
	// The page said who would be told and refunded: if that changed while it
	// was open, show the new numbers before cancelling.
	if told, refunds := c.FormValue("told"), c.FormValue("refunds"); told != "" || refunds != "" {
		now, err := a.deps.Bookings.SessionCancellation(ctx, id)
		if err != nil {
			return err
		}
		if told != strconv.Itoa(now.Told()) || refunds != strconv.Itoa(now.Refunds) {
			return a.sessionCancelPage(c, reason, refusal("", "The bookings changed while this page was open: check who will be told and refunded now, then cancel again"))
		}
	}
	err := svc.Cancel(ctx, id, strings.TrimSpace(reason))
	var verr *validation.Errors
	switch {
	case errors.As(err, &verr):
		return a.sessionCancelPage(c, reason, verr)
	case errors.Is(err, scheduling.ErrWrongState):
		se, gerr := svc.Get(ctx, id)
		if gerr != nil {
			return gerr
		}
		verr = refusal("status", fmt.Sprintf("This session is %s, so it cannot be cancelled", statusLabel(se.Status)))
		d := a.sessionPageFor(c, se)
		d.Errors = fieldErrors{verr}
		d.Waiting, _ = a.waitingFor(c, se.ID) // only for a link's text
		return a.renderForm(c, "admin/sessions/show", se.CourseTitle, d, verr)
	case err != nil:
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/sessions/%d?done=cancelled", id), fiber.StatusSeeOther)
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
	// ChooseCourse asks for the course first, so the form can then show
	// who is approved to deliver it.
	ChooseCourse bool
	CourseName   string                 // the chosen course, once known
	Approved     []scheduling.Choice    // trainers approved for it
	Others       []scheduling.Choice    // trainers who are not
	DayWarning   *scheduling.DayWarning // dates on a weekend or bank holiday, to confirm
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
	for _, day := range strings.Split(c.FormValue("confirm-days"), ",") {
		if day = strings.TrimSpace(day); day != "" && len(f.ConfirmedDays) < 31 {
			f.ConfirmedDays = append(f.ConfirmedDays, day)
		}
	}
	return f
}

func (a *app) showSessionForm(c *fiber.Ctx, d sessionFormPage, errs *validation.Errors) error {
	ctx, svc := c.UserContext(), a.scheduler()
	choices, err := svc.Choices(ctx)
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
	for _, co := range choices.Courses {
		if co.ID == d.Form.CourseID {
			d.CourseName = co.Name
		}
	}
	if d.Editing != nil {
		d.CourseName = d.Editing.CourseTitle
	}
	if d.CourseName != "" && !d.ChooseCourse {
		approved, err := svc.ApprovedTrainers(ctx, d.Form.CourseID)
		if err != nil {
			return err
		}
		for _, t := range choices.Trainers {
			if approved[t.ID] {
				d.Approved = append(d.Approved, t)
			} else {
				d.Others = append(d.Others, t)
			}
		}
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
	choices, err := a.scheduler().Choices(c.UserContext())
	if err != nil {
		return err
	}
	d.Form.CourseID = int64Value(raw)
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
	d.Heading = "Duplicate a session"
	return a.showSessionForm(c, d, nil)
}

func (a *app) sessionCreate(c *fiber.Ctx) error {
	form := readSessionForm(c)
	id, plan, err := a.scheduler().Create(c.UserContext(), form)
	if days := dayWarning(err); days != nil {
		return a.showSessionForm(c, sessionFormPage{Form: form, Action: "/admin/sessions/new", Heading: "Schedule a session", DayWarning: days}, nil)
	} else if v, lines, ok := sessionError(err); ok {
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
	d := sessionFormPage{Form: form, Action: "/admin/sessions/series", Heading: "Schedule a series", Series: true,
		Week: c.FormValue("week"), Weekday: c.FormValue("weekday"), Count: c.FormValue("count")}
	pattern, perr := scheduling.ParsePattern(d.Week, d.Weekday, d.Count)
	if perr != nil {
		return a.showSessionForm(c, d, perr)
	}
	ids, err := a.scheduler().CreateSeries(c.UserContext(), form, pattern)
	if v, lines, ok := sessionError(err); ok || dayWarning(err) != nil {
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
