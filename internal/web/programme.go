package web

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/validation"
)

// --- the programme ---

type programmePage struct {
	adminArea
	fieldErrors
	Months    []programmeMonth
	Total     int
	More      bool // more than Total: the programme counts only so far
	Filter    scheduling.ProgrammeFilter
	Choices   scheduling.Choices
	MonthList []time.Time // months that have sessions, for the filter
	Pages     *pagination
	CSVLink   string // the spreadsheet of what the filter shows
	Awaiting  int    // sessions ended but not yet marked as delivered
	// The trainer filtered by is typed, not chosen from every trainer:
	// TrainerName is theirs, or what was typed; TrainerChoices the
	// trainers it matches when it matches several.
	TrainerName    string
	TrainerChoices []scheduling.TrainerChoice
}

// Summary says how many sessions the filter found, and which.
func (p programmePage) Summary() string {
	which := map[string]string{scheduling.Past: "past ", scheduling.AllDates: ""}[p.Filter.When]
	if p.Filter.When != scheduling.Past && p.Filter.When != scheduling.AllDates {
		which = "upcoming "
	}
	out := fmt.Sprintf("%d %s%s", p.Total, which, plural(p.Total, "session", "sessions"))
	if p.More {
		out = fmt.Sprintf("More than %d %ssessions", p.Total, which)
	}
	if !p.Filter.Month.IsZero() {
		out += " in " + london.MonthYear(p.Filter.Month)
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

// MonthChoices are the month filter's items: any month, then each month
// that has sessions.
func (p programmePage) MonthChoices() []choice {
	out := make([]choice, 1, len(p.MonthList)+1)
	out[0] = choice{Text: "Any month"}
	for _, m := range p.MonthList {
		out = append(out, choice{Value: p.MonthValue(m), Text: london.MonthYear(m)})
	}
	return out
}

// CourseChoices are the course filter's items.
func (p programmePage) CourseChoices() []choice {
	return withChoices(choice{Text: "All courses"}, p.Choices.Courses)
}

// VenueChoices are the venue filter's items.
func (p programmePage) VenueChoices() []choice {
	return withChoices(choice{Text: "All venues"}, p.Choices.Venues)
}

type programmeMonth struct {
	Name string
	Rows []scheduling.Row
}

// sessionStatuses are the programme filter's statuses, in its order.
var sessionStatuses = []catalogue.SessionStatus{catalogue.SessionDraft, catalogue.SessionPublished, catalogue.SessionCompleted, catalogue.SessionCancelled}

// programmeFilter reads the programme's filter from the query string; a
// month that is not one is reported and left out.
func programmeFilter(c *fiber.Ctx) (scheduling.ProgrammeFilter, *validation.Errors) {
	f := scheduling.ProgrammeFilter{
		CourseID: int64Value(c.Query("course")), VenueID: int64Value(c.Query("venue")), TrainerID: int64Value(c.Query("trainer")),
	}
	for _, s := range sessionStatuses {
		if c.Query("status") == string(s) {
			f.Status = string(s)
		}
	}
	switch c.Query("when") {
	case scheduling.Past, scheduling.AllDates:
		f.When = c.Query("when")
	default:
		f.When = scheduling.Upcoming
	}
	if m := strings.TrimSpace(c.Query("month")); m != "" {
		month, err := time.ParseInLocation("2006-01", m, london.Zone)
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

// programmeTrainer resolves the filter's trainer: a name typed on the
// form (its key is there, even empty, when the form was sent) is looked
// up among the partnership's trainers, as the session form's is; a link
// names the trainer by ID. A name that finds none, or several, is
// reported, and the filter is left without a trainer.
func (a *app) programmeTrainer(c *fiber.Ctx, f *scheduling.ProgrammeFilter, bad *validation.Errors) (string, []scheduling.TrainerChoice, *validation.Errors, error) {
	ctx, svc := c.UserContext(), a.scheduler()
	if !c.Request().URI().QueryArgs().Has(fieldTrainerName) {
		if f.TrainerID == 0 {
			return "", nil, bad, nil
		}
		named, err := svc.NamedTrainers(ctx, 0, []int64{f.TrainerID})
		if err != nil || len(named) == 0 {
			return "", nil, bad, err
		}
		return named[0].Name, nil, bad, nil
	}
	typed := validation.CleanLine(c.Query(fieldTrainerName))
	chosen := f.TrainerID
	f.TrainerID = 0
	if typed == "" {
		return "", nil, bad, nil
	}
	found, exact, err := svc.FindTrainers(ctx, 0, typed)
	if err != nil {
		return "", nil, bad, err
	}
	for _, t := range found {
		if t.ID == chosen {
			f.TrainerID = t.ID
			return t.Name, nil, bad, nil
		}
	}
	problem := ""
	switch {
	case len(found) == 0:
		problem = "No trainer’s name contains “" + typed + "”: check the spelling, or type less of the name"
	case len(found) == 1 || exact:
		f.TrainerID = found[0].ID
		return found[0].Name, nil, bad, nil
	case len(found) == scheduling.MaxTrainersOffered:
		problem = "Many trainers’ names contain “" + typed + "”: choose one, or type more of the name"
	default:
		problem = "More than one trainer’s name contains “" + typed + "”: choose one"
	}
	if bad == nil {
		bad = &validation.Errors{}
	}
	bad.Add(fieldTrainerName, problem)
	return typed, found, bad, nil
}

func (a *app) programme(c *fiber.Ctx) error {
	ctx := c.UserContext()
	svc := a.scheduler()
	filter, bad := programmeFilter(c)
	trainerName, trainerChoices, bad, err := a.programmeTrainer(c, &filter, bad)
	if err != nil {
		return err
	}
	page := pageParam(c)
	p, err := svc.ProgrammePage(ctx, filter, page)
	if err != nil {
		return err
	}
	d := programmePage{adminArea: newAdminArea(c), fieldErrors: fieldErrors{bad}, Total: p.Total, More: p.More, Filter: filter, Choices: p.Choices,
		MonthList: p.Months, Awaiting: p.Awaiting, TrainerName: trainerName, TrainerChoices: trainerChoices}
	for _, r := range p.Rows {
		month := london.MonthYear(r.StartsAt)
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
	d.Pages = paginateCounted("/admin/sessions", q, page, (p.Total+scheduling.ProgrammePageSize-1)/scheduling.ProgrammePageSize, p.More)
	return a.renderForm(c, "admin/sessions/programme", "Programme", d, bad)
}

// programmeCSV exports the filtered programme for a spreadsheet, streamed:
// each batch of sessions is written as it is read, so years of sessions
// take no more memory than one batch.
func (a *app) programmeCSV(c *fiber.Ctx) error {
	filter, bad := programmeFilter(c)
	if bad != nil { // the programme page says what is wrong with the filter
		return c.Redirect("/admin/sessions?"+string(c.Request().URI().QueryString()), fiber.StatusSeeOther)
	}
	// The export names each session's trainers.
	if err := a.auditView(c, account.Manager, audit.View{What: "the programme export (CSV), with trainers' names"}); err != nil {
		return err
	}
	svc := a.scheduler()
	header := []string{"Session", "Course", "Date", "Start", "End", "Venue", "Status", "Open to", "Trainers", "Booked", "Capacity", "Waiting"}
	a.streamCSV(c, "programme-"+filter.When+".csv", "programme export", header,
		func(ctx context.Context, emit func([]string) error) error {
			return svc.EachInProgramme(ctx, filter, func(r scheduling.Row) error {
				openTo := "Everyone"
				if r.Closed {
					openTo = "One agency"
				}
				return emit([]string{
					strconv.FormatInt(r.ID, 10), csvSafe(r.CourseTitle), london.ISODate(r.StartsAt), london.Clock24(r.StartsAt), london.Clock24(r.EndsAt),
					csvSafe(r.VenueName), catalogue.SessionStatusWords(r.Status), openTo, csvSafe(r.Trainers), strconv.Itoa(r.Booked), strconv.Itoa(r.Capacity), strconv.Itoa(r.Waiting),
				})
			})
		})
	return nil
}

// csvSafe stops a spreadsheet from reading a cell as a formula (CSV
// injection): text starting with = + - @ is prefixed with an apostrophe.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
