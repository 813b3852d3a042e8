package web

import (
	"encoding/csv"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/renewal"
)

// --- training that expires: My training's renewal dates, and the agency
// coordinator's view of their staff ---

// renewalLine is one course on My training that expires.
type renewalLine struct{ renewal.Training }

// Text says where the training stands: "Valid until 3 March 2029".
func (r renewalLine) Text() string { return renewalText(r.Status, r.Validity) }

// Tag colours the status.
func (r renewalLine) Tag() string { return renewalTag(r.Status) }

func renewalText(s renewal.Status, v renewal.Validity) string {
	switch s {
	case renewal.Current:
		return "Valid until " + renewal.Day(v.ValidUntil)
	case renewal.Due:
		return "Due for renewal by " + renewal.Day(v.ValidUntil)
	case renewal.Lapsed:
		return "Lapsed on " + renewal.Day(v.LapsedOn())
	default:
		return "Never done"
	}
}

func renewalTag(s renewal.Status) string {
	switch s {
	case renewal.Current:
		return "govuk-tag--green"
	case renewal.Due:
		return "govuk-tag--yellow"
	case renewal.Lapsed:
		return "govuk-tag--red"
	default:
		return "govuk-tag--grey"
	}
}

// renewals are My training's courses that expire, for the signed-in person.
func (a *app) renewals(c *fiber.Ctx) ([]renewalLine, error) {
	u := currentUser(c)
	if u == nil {
		return nil, nil
	}
	list, err := a.deps.Renewals.ForPerson(c.UserContext(), u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]renewalLine, len(list))
	for i, t := range list {
		out[i] = renewalLine{t}
	}
	return out, nil
}

type staffTrainingLine struct{ renewal.StaffTraining }

func (l staffTrainingLine) Text() string { return renewalText(l.Status, l.Validity) }
func (l staffTrainingLine) Tag() string  { return renewalTag(l.Status) }

// CompletedText is the day they last did it, or a dash.
func (l staffTrainingLine) CompletedText() string {
	if !l.Done {
		return "–"
	}
	return renewal.Day(l.CompletedOn)
}

type agencyTrainingPage struct {
	AgencyName string
	NoAgency   bool
	renewal.AgencyTraining
	Lines    []staffTrainingLine
	Statuses []renewal.Status
	Status   string // the filter as chosen
	Course   string
	CSV      string // the CSV of the list as filtered
	Pages    *pagination
}

// agencyTrainingFilter reads the list's filter from the query.
func agencyTrainingFilter(c *fiber.Ctx) (renewal.AgencyFilter, url.Values) {
	f := renewal.AgencyFilter{Status: renewal.ParseStatus(c.Query("status")), Page: pageParam(c)}
	if id, err := strconv.ParseInt(c.Query("course"), 10, 64); err == nil && id > 0 {
		f.CourseID = id
	}
	q := url.Values{}
	if f.Status != "" {
		q.Set("status", string(f.Status))
	}
	if f.CourseID > 0 {
		q.Set("course", strconv.FormatInt(f.CourseID, 10))
	}
	return f, q
}

// agencyTraining shows the coordinator their own agency's staff's training
// on each course that expires: counts by level and course, and a list by
// person to filter.
func (a *app) agencyTraining(c *fiber.Ctx) error {
	u := currentUser(c)
	d := agencyTrainingPage{AgencyName: u.AgencyName, Statuses: renewal.Statuses}
	if u.AgencyID == nil || u.AgencyUnlisted {
		d.NoAgency = true
		return a.render(c, fiber.StatusOK, "agency/training", "Your staff’s training status", d)
	}
	f, q := agencyTrainingFilter(c)
	t, err := a.deps.Renewals.ForAgency(c.UserContext(), f)
	if err != nil {
		return err
	}
	d.AgencyTraining, d.Status, d.Course = t, q.Get("status"), q.Get("course")
	d.CSV = "/agency/training.csv"
	if len(q) > 0 {
		d.CSV += "?" + q.Encode()
	}
	d.Pages = paginate("/agency/training", q, t.PageNumber, t.Pages)
	people := make([]int64, 0, len(t.Page))
	for i, r := range t.Page {
		d.Lines = append(d.Lines, staffTrainingLine{r})
		if i == 0 || t.Page[i-1].UserID != r.UserID {
			people = append(people, r.UserID)
		}
	}
	if len(people) > 0 {
		if err := a.auditView(c, account.Coordinator, audit.View{What: "their agency's staff training status",
			AgencyID: u.AgencyID, People: people}); err != nil {
			return err
		}
	}
	return a.render(c, fiber.StatusOK, "agency/training", "Training status in "+u.AgencyName, d)
}

// agencyTrainingCSV sends the list as the page filters it, every page of
// it, for the agency's safeguarding self-assessment.
func (a *app) agencyTrainingCSV(c *fiber.Ctx) error {
	u := currentUser(c)
	if u.AgencyID == nil || u.AgencyUnlisted {
		return fiber.ErrNotFound
	}
	f, _ := agencyTrainingFilter(c)
	t, err := a.deps.Renewals.ForAgency(c.UserContext(), f)
	if err != nil {
		return err
	}
	people := make([]int64, 0, len(t.Rows))
	for i, r := range t.Rows {
		if i == 0 || t.Rows[i-1].UserID != r.UserID {
			people = append(people, r.UserID)
		}
	}
	if err := a.auditView(c, account.Coordinator, audit.View{What: "their agency's staff training status (CSV)",
		AgencyID: u.AgencyID, People: people}); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="training-status-`+london.ISODate(a.deps.Now())+`.csv"`)
	w := csv.NewWriter(c.Response().BodyWriter())
	_ = w.Write([]string{"Name", "Email address", "Job title", "Course", "Level", "Completed on", "Valid until", "Status"})
	day := func(v renewal.Validity, t time.Time) string {
		if !v.Done {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	for _, r := range t.Rows {
		_ = w.Write([]string{csvSafe(r.FullName), csvSafe(r.Email), csvSafe(r.JobTitle), csvSafe(r.CourseTitle),
			strconv.Itoa(r.Level), day(r.Validity, r.CompletedOn), day(r.Validity, r.ValidUntil), r.Status.Label()})
	}
	w.Flush()
	return w.Error()
}
