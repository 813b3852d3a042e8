package web

import (
	"context"
	"encoding/csv"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/payment/money"
	"github.com/pscp/booktraining/internal/report"
)

// --- an agency coordinator's figures for their own agency, and their
// staff's training records ---

// figureCell is one cell of a table of figures: as the page shows it, and
// as the CSV has it (a number without its % or £).
type figureCell struct {
	Text    string
	Raw     string
	Numeric bool
}

// figureTable is a table of figures, shown on the page and downloaded as CSV.
type figureTable struct {
	ID      string // its CSV's name: /agency/reports/{ID}.csv
	CSV     string // that CSV's address, with the period
	Caption string
	Intro   string
	Head    []figureCell
	Rows    [][]figureCell
}

func textCell(s string) figureCell { return figureCell{Text: s, Raw: s} }
func countCell(n int) figureCell {
	s := strconv.Itoa(n)
	return figureCell{Text: s, Raw: s, Numeric: true}
}
func shareCell(r float64) figureCell {
	return figureCell{Text: strconv.Itoa(int(r*100+0.5)) + "%", Raw: strconv.FormatFloat(r, 'f', 4, 64), Numeric: true}
}
func decimalCell(v float64, n int) figureCell {
	if n == 0 {
		return figureCell{Text: "–", Numeric: true}
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	return figureCell{Text: s, Raw: s, Numeric: true}
}
func hoursCell(minutes int64) figureCell {
	s := strconv.FormatFloat(float64(minutes)/60, 'f', 1, 64)
	return figureCell{Text: s, Raw: s, Numeric: true}
}
func moneyCell(p money.Pence) figureCell {
	return figureCell{Text: p.String(), Raw: p.Input(), Numeric: true}
}

func heads(names ...string) []figureCell {
	out := make([]figureCell, len(names))
	for i, n := range names {
		out[i] = figureCell{Text: n, Raw: n, Numeric: i > 0}
	}
	return out
}

// agencyTables are the tables of an agency's figures, in the page's order.
func agencyTables(f report.AgencyFigures) []figureTable {
	places := figureTable{ID: "places", Caption: "Your staff’s places",
		Intro: "Places booked by your staff on sessions delivered in the period, by course: who came, who did not, and places cancelled after the cut-off.",
		Head:  heads("Course", "Places booked", "Attended", "Of which late", "Absent", "Not marked", "Cancelled late", "Places lost", "Attendance rate")}
	row := func(name string, p report.Places) []figureCell {
		return []figureCell{textCell(name), countCell(p.Booked), countCell(p.Attended), countCell(p.ArrivedLate), countCell(p.Absent),
			countCell(p.Unmarked), countCell(p.CancelledLate), countCell(p.PlacesLost()), shareCell(p.AttendanceRate())}
	}
	for _, c := range f.ByCourse {
		places.Rows = append(places.Rows, row(c.Course, c.Places))
	}
	places.Rows = append(places.Rows, row("Total", f.Places.Places))

	cost := figureTable{ID: "cost", Caption: "What places cost",
		Intro: "Charges to your agency for non-attendance and late cancellation, and your staff’s paid places, on sessions in the period.",
		Head:  heads("", "Number", "Amount")}
	tally := func(name string, t report.Tally) []figureCell {
		return []figureCell{textCell(name), countCell(t.N), moneyCell(t.Pence)}
	}
	cost.Rows = [][]figureCell{
		tally("Charges proposed", f.Charges.Proposed), tally("Charges waived", f.Charges.Waived),
		tally("Charges invoiced", f.Charges.Invoiced), tally("Charges paid", f.Charges.Paid),
		tally("Paid places", f.PaidPlaces.Paid), tally("Paid places refunded", f.PaidPlaces.Refunded),
		tally("Paid places owed on invoice", f.PaidPlaces.Owed),
	}

	c := f.Contribution
	ledger := figureTable{ID: "contribution", Caption: "Trainer hours given and training received",
		Intro: "The hours your agency’s trainers delivered on the period’s sessions, against the hours of training your staff received there. A positive balance means your agency gave more than it took.",
		Head:  heads("", "Sessions delivered", "Hours given", "Places attended", "Hours received", "Balance (hours)"),
		Rows: [][]figureCell{{textCell(f.Agency), countCell(c.Deliveries), hoursCell(c.MinutesGiven), countCell(c.PlacesAttended),
			hoursCell(c.MinutesReceived), hoursCell(c.BalanceMinutes())}}}

	eval := figureTable{ID: "evaluation", Caption: "Evaluation by your staff",
		Intro: "Evaluations your staff were asked for and sent back, their confidence on the courses’ learning outcomes before and after (1 to 5), and the follow-up about three months on.",
		Head: heads("Course", "Asked", "Answered", "Response rate", "Confidence before", "Confidence after",
			"Follow-ups asked", "Follow-ups answered", "Line managers answered")}
	erow := func(name string, r report.EvaluationRow) []figureCell {
		return []figureCell{textCell(name), countCell(r.Asked), countCell(r.Answered), shareCell(r.ResponseRate()),
			decimalCell(r.Before, r.ConfidenceAnswers), decimalCell(r.After, r.ConfidenceAnswers),
			countCell(r.AttendeesAsked), countCell(r.AttendeesAnswered), countCell(r.LineManagersAnswered)}
	}
	for _, r := range f.Evaluation.ByCourse {
		eval.Rows = append(eval.Rows, erow(r.Course, r))
	}
	eval.Rows = append(eval.Rows, erow("Total", f.Evaluation.Total))
	return []figureTable{places, cost, ledger, eval}
}

type agencyReportsPage struct {
	NoAgency   bool
	AgencyName string
	Period     report.Period
	Year       string // the form's values
	From, To   string
	Years      []int
	Tables     []figureTable
	AsOf       string // when the figures were counted
}

// agencyPeriod reads the period asked for in the address.
func (a *app) agencyPeriod(c *fiber.Ctx) (report.Period, url.Values, error) {
	q, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		return report.Period{}, nil, report.ErrPeriodQuery
	}
	p, err := report.ParsePeriod(q, a.deps.Now())
	return p, q, err
}

func (a *app) agencyReports(c *fiber.Ctx) error {
	u := currentUser(c)
	d := agencyReportsPage{AgencyName: u.AgencyName}
	if u.AgencyID == nil || u.AgencyUnlisted {
		d.NoAgency = true
		return a.render(c, fiber.StatusOK, "agency/reports", "Your agency’s training figures", d)
	}
	p, q, err := a.agencyPeriod(c)
	if err != nil {
		return err
	}
	asOf := figuresAsOf(c)
	f, err := a.deps.Reports.AgencyFigures(c.UserContext(), p, *u.AgencyID)
	if err != nil {
		return err
	}
	d.Period, d.Tables, d.AsOf = p, agencyTables(f), asOf()
	for i := range d.Tables {
		d.Tables[i].CSV = "/agency/reports/" + d.Tables[i].ID + ".csv?" + p.Query().Encode()
	}
	d.Year, d.From, d.To = q.Get("year"), q.Get("from"), q.Get("to")
	if d.Year == "" && d.From == "" {
		d.Year = strconv.Itoa(p.From.In(london.Zone).Year())
	}
	this := report.PartnershipYear(a.deps.Now()).From.In(london.Zone).Year()
	for y := this; y > this-5; y-- {
		d.Years = append(d.Years, y)
	}
	return a.render(c, fiber.StatusOK, "agency/reports", "Training figures for "+f.Agency, d)
}

// agencyReportCSV sends one table of the agency's figures as CSV.
func (a *app) agencyReportCSV(c *fiber.Ctx) error {
	u := currentUser(c)
	if u.AgencyID == nil || u.AgencyUnlisted {
		return fiber.ErrNotFound
	}
	name := c.Params("table")
	p, _, err := a.agencyPeriod(c)
	if err != nil {
		return err
	}
	f, err := a.deps.Reports.AgencyFigures(c.UserContext(), p, *u.AgencyID)
	if err != nil {
		return err
	}
	for _, t := range agencyTables(f) {
		if t.ID != name {
			continue
		}
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="agency-`+t.ID+"-"+london.ISODate(p.From)+"-to-"+london.ISODate(p.To)+`.csv"`)
		w := csv.NewWriter(c.Response().BodyWriter())
		line := make([]string, len(t.Head))
		for i, h := range t.Head {
			line[i] = h.Raw
		}
		_ = w.Write(line)
		for _, r := range t.Rows {
			line = line[:0]
			for _, cell := range r {
				if cell.Numeric { // made here from a number: a minus sign is not a formula
					line = append(line, cell.Raw)
				} else {
					line = append(line, csvSafe(cell.Raw))
				}
			}
			_ = w.Write(line)
		}
		w.Flush()
		return w.Error()
	}
	return fiber.ErrNotFound
}

// staffTrainingCSV sends the training records of the coordinator's
// agency's people, for the section 11 audit, streamed: each batch of people
// is written as it is read. It names them, so it is audited as a view of
// their data before any is sent, and lists no one else.
func (a *app) staffTrainingCSV(c *fiber.Ctx) error {
	u := currentUser(c)
	if u.AgencyID == nil || u.AgencyUnlisted {
		return fiber.ErrNotFound
	}
	people, err := a.deps.Reports.StaffPeople(c.UserContext(), *u.AgencyID)
	if err != nil {
		return err
	}
	if err := a.auditView(c, account.Coordinator, audit.View{What: "their agency's staff training records (CSV)",
		AgencyID: u.AgencyID, People: people}); err != nil {
		return err
	}
	svc, agencyID := a.deps.Reports, *u.AgencyID
	header := []string{"Name", "Email address", "Job title", "Course", "Level", "Date", "Hours", "Certificate"}
	a.streamCSV(c, "staff-training-"+london.ISODate(a.deps.Now())+".csv", "staff training export", header,
		func(ctx context.Context, emit func([]string) error) error {
			return svc.EachStaffTraining(ctx, agencyID, people, func(r report.StaffTraining) error {
				line := []string{csvSafe(r.Name), csvSafe(r.Email), csvSafe(r.JobTitle), "", "", "", "", ""}
				if r.Course != "" {
					line[3], line[4], line[5] = csvSafe(r.Course), strconv.Itoa(r.Level), london.ISODate(r.StartsAt)
					line[6], line[7] = strconv.FormatFloat(float64(r.Minutes)/60, 'f', 1, 64), r.CertificateCode
				}
				return emit(line)
			})
		})
	return nil
}
