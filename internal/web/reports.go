package web

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/figcache"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/report"
)

// --- the board's reports: a period, a page per report, each table as CSV ---

// reportKind is one report: its address under /admin/reports, its title
// and what it counts.
type reportKind struct {
	Slug, Title, About string
}

// reportKinds are the reports in the order they are listed.
var reportKinds = []reportKind{
	{"delivery", "Sessions and places", "Sessions delivered and cancelled; places offered, booked and attended; by course and by month."},
	{"attendance", "Attendance by agency and sector", "Who came, from which agencies and sectors, and how many sectors were in each room."},
	{"non-attendance", "Non-attendance and late cancellation", "Places booked and not used, and places cancelled too late to offer again, by agency and sector."},
	{"unmet-demand", "Unmet demand", "People on waiting lists who never got a place, by course."},
	{"requests", "Training requests", "Requests received, accepted and declined, and the working days to an answer."},
	{"money", "Charges and income", "Charges proposed, waived, invoiced and paid; income from paid places."},
	{"contribution", "Trainers’ contribution", "Each agency’s trainer hours against the hours of training its staff received, and each trainer’s sessions."},
	{"evaluation", "Evaluation and impact", "What attendees said: response rates, ratings, confidence before and after each course’s learning outcomes, and three months on."},
}

func reportKindOf(slug string) (reportKind, bool) {
	for _, k := range reportKinds {
		if k.Slug == slug {
			return k, true
		}
	}
	return reportKind{}, false
}

// --- the pages ---

// reportTable is one table of a report, as the page shows it and as its
// CSV has it: the same cells in both.
type reportTable struct {
	ID      string
	Caption string
	Head    []string
	Text    int // how many columns, from the first, are words; the rest are numbers
	Rows    []tableRow
	Total   []string // the totals row, nil when none
	CSV     string   // the address of its download
	// Top, when the table is cut (see cutTable), is the rows the page
	// shows, and Cut says which they are; the CSV has every row.
	Top []tableRow
	Cut string
}

// Shown is the rows the page shows: the top rows of a cut table, or all.
func (t reportTable) Shown() []tableRow {
	if t.Cut != "" {
		return t.Top
	}
	return t.Rows
}

// agenciesShown is how many agencies a report's page lists in a table by
// agency. At a hundred times a partnership's first year there are a
// thousand, and each report listing them all ran to 650–950 KB (the board's
// printable pack to 2.5 MB): copying that into every answer, and sending
// it, was most of the page's time, and no one reads a thousand rows on a
// page. The page lists the agencies with the most of the table's measure;
// its CSV, and the pack's workbook, have every agency.
const agenciesShown = 20

// cutTable cuts a table of more than n rows, for the page, to the n with the
// most of measure (measure[i] is Rows[i]'s; on a tie, the first in the
// table's own order), and says so: what is "agencies", most "places
// booked". The totals row stays the total of every row.
func cutTable(t *reportTable, n int, measure []int64, what, most string) {
	if len(t.Rows) <= n {
		return
	}
	order := make([]int, len(t.Rows))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(measure[b], measure[a]) })
	t.Top = make([]tableRow, 0, n)
	for _, i := range order[:n] {
		t.Top = append(t.Top, t.Rows[i])
	}
	t.Cut = fmt.Sprintf("The %d %s with the most %s are shown, of %d; the totals are of all %d. Every one is in the CSV.",
		n, what, most, len(t.Rows), len(t.Rows))
}

// tableRow is a row; Href, when set, links its first cell.
type tableRow struct {
	Cells []string
	Href  string
}

// Numeric reports whether column i holds numbers (right-aligned).
func (t reportTable) Numeric(i int) bool { return i >= t.Text }

// reportContent is what a report shows for a period.
type reportContent struct {
	Headline string // the one figure the list of reports shows
	Sentence string // what the report shows, in a sentence or two
	Charts   []barChart
	Tables   []reportTable
	// Body is the charts and tables as HTML, rendered once for the figures
	// kept (reportBodies); empty where the page renders them itself.
	Body template.HTML
}

type reportsIndexPage struct {
	adminArea
	fieldErrors
	Action     string
	Chooser    periodChooser
	PeriodText string
	Query      string
	Reports    []reportSummary
	// PackHref is the period's annual pack, every report in one workbook;
	// PrintHref every report on one page, to print.
	PackHref, PrintHref string
	// HIPSHref is the HIPS-wide figures, when several partnerships are served.
	HIPSHref string
	AsOf     string // when the figures were counted
}

type reportSummary struct {
	reportKind
	Href     string
	Headline string
}

type reportPage struct {
	adminArea
	fieldErrors
	Action     string // the period form's address: this page
	Chooser    periodChooser
	Kind       reportKind
	PeriodText string
	Query      string
	reportContent
	AsOf string // when the figures were counted
	// Back is where the page's back link leads.
	Back link
}

type reports struct {
	*app
	bodies *reportBodies
}

// reportBodies keeps each report's content, and its charts and tables
// rendered, for the figures it was made from: at a hundred times a year a
// report's tables run to a thousand agencies, and making and rendering them
// for every request cost more than the figures themselves (the pack's page
// took seconds). Keyed by the report, the page it is for, the period and
// the version of the figures (each computation has its own), so figures
// counted again make a new one.
type reportBodies struct {
	mu sync.Mutex
	m  map[string]reportContent
}

// reportBodiesKept is how many contents are kept; past it all are
// forgotten at once (figures counted again make their keys stale anyway).
const reportBodiesKept = 48

func newReportBodies() *reportBodies { return &reportBodies{m: map[string]reportContent{}} }

func (b *reportBodies) get(key string) (reportContent, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	rc, ok := b.m[key]
	return rc, ok
}

func (b *reportBodies) put(key string, rc reportContent) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.m) >= reportBodiesKept {
		clear(b.m)
	}
	b.m[key] = rc
}

// index is the period chooser and the list of reports with a headline
// figure each.
func (r reports) index(c *fiber.Ctx) error {
	asOf := figuresAsOf(c)
	p, query, chooser, v := reportPeriod(queryValues(c), r.deps.Now())
	d := reportsIndexPage{adminArea: newAdminArea(c), Action: "/admin/reports", Chooser: chooser}
	if v != nil {
		d.fieldErrors = fieldErrors{v}
		return r.renderForm(c, "admin/reports/index", "Reports", d, v)
	}
	d.PeriodText, d.Query = p.String(), query
	d.PackHref = "/admin/reports/pack.xlsx?" + p.Query().Encode()
	d.PrintHref = "/admin/reports/pack?" + query
	if len(r.allPartnerships(c)) > 1 {
		d.HIPSHref = "/admin/reports/hips?" + query
	}
	for _, k := range reportKinds {
		content, _, err := r.content(c, k.Slug, p, query)
		if err != nil {
			return err
		}
		d.Reports = append(d.Reports, reportSummary{reportKind: k, Href: "/admin/reports/" + k.Slug + "?" + query, Headline: content.Headline})
	}
	d.AsOf = asOf()
	return r.renderForm(c, "admin/reports/index", "Reports", d, nil)
}

// page shows one report for the period.
func (r reports) page(slug string) fiber.Handler {
	kind, _ := reportKindOf(slug)
	return func(c *fiber.Ctx) error {
		asOf := figuresAsOf(c)
		p, query, chooser, v := reportPeriod(queryValues(c), r.deps.Now())
		d := reportPage{adminArea: newAdminArea(c), Action: "/admin/reports/" + slug, Chooser: chooser, Kind: kind,
			Back: link{"/admin/reports", "All reports"}}
		if v != nil {
			d.fieldErrors = fieldErrors{v}
			return r.renderForm(c, "admin/reports/report", kind.Title, d, v)
		}
		d.Back.Href += "?" + query
		content, err := r.rendered(c, "report", slug, p, query)
		if err != nil {
			return err
		}
		d.PeriodText, d.Query, d.reportContent, d.AsOf = p.String(), query, content, asOf()
		return r.renderForm(c, "admin/reports/report", kind.Title, d, nil)
	}
}

// packSection is one report on the printable pack's page.
type packSection struct {
	Kind reportKind
	reportContent
}

type packPage struct {
	adminArea
	fieldErrors
	Action      string
	Chooser     periodChooser
	Partnership string
	PeriodText  string
	PackHref    string
	Sections    []packSection
	AsOf        string // when the oldest of the figures were counted
	Back        link
}

// pack is every report of the period on one page, to print for the board:
// each report's sentence, charts and tables, a report to a printed page.
// Ids of charts and tables are prefixed with their report's, so two
// reports' tables of the same name stay apart.
func (r reports) pack(c *fiber.Ctx) error {
	asOf := figuresAsOf(c)
	p, query, chooser, v := reportPeriod(queryValues(c), r.deps.Now())
	d := packPage{adminArea: newAdminArea(c), Action: "/admin/reports/pack", Chooser: chooser,
		Partnership: r.partnershipOf(c).Name, Back: link{"/admin/reports", "All reports"}}
	if v != nil {
		d.fieldErrors = fieldErrors{v}
		return r.renderForm(c, "admin/reports/pack", "Training report for the board", d, v)
	}
	d.Back.Href += "?" + query
	d.PeriodText, d.PackHref = p.String(), "/admin/reports/pack.xlsx?"+p.Query().Encode()
	for _, k := range reportKinds {
		content, err := r.rendered(c, "pack", k.Slug, p, query)
		if err != nil {
			return err
		}
		d.Sections = append(d.Sections, packSection{Kind: k, reportContent: content})
	}
	d.AsOf = asOf()
	return r.renderForm(c, "admin/reports/pack", "Training report for the board", d, nil)
}

// csv downloads one table of a report (?table=, the first by default),
// the same rows the page shows.
func (r reports) csv(slug string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, query, _, v := reportPeriod(queryValues(c), r.deps.Now())
		if v != nil { // the page says what is wrong with the period
			return c.Redirect("/admin/reports/"+slug+"?"+string(c.Request().URI().QueryString()), fiber.StatusSeeOther)
		}
		content, _, err := r.content(c, slug, p, query)
		if err != nil {
			return err
		}
		return sendTable(c, content.Tables, c.Query("table"), "report-"+slug, p)
	}
}

// plainNumber is a cell that is only a number, which a spreadsheet cannot
// read as a formula whatever its sign.
var plainNumber = regexp.MustCompile(`^[-+]?[0-9]+(\.[0-9]+)?%?$`)

// sendTable streams the table named id (the first when id is empty) as CSV.
func sendTable(c *fiber.Ctx, tables []reportTable, id, name string, p report.Period) error {
	var t *reportTable
	for i := range tables {
		if tables[i].ID == id || (id == "" && i == 0) {
			t = &tables[i]
			break
		}
	}
	if t == nil {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-%s-%s-to-%s.csv"`,
		name, t.ID, london.ISODate(p.From), london.ISODate(p.To)))
	w := csv.NewWriter(c.Response().BodyWriter())
	safe := func(cells []string) []string {
		out := make([]string, len(cells))
		for i, s := range cells {
			if plainNumber.MatchString(s) { // a balance of -9 is a number, not a formula
				out[i] = s
			} else {
				out[i] = csvSafe(s)
			}
		}
		return out
	}
	_ = w.Write(safe(t.Head))
	for _, row := range t.Rows {
		_ = w.Write(safe(row.Cells))
	}
	if t.Total != nil {
		_ = w.Write(safe(t.Total))
	}
	w.Flush()
	return w.Error()
}

// queryValues is the request's query string, copied (Fiber reuses its
// buffers).
func queryValues(c *fiber.Ctx) url.Values {
	q, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		return url.Values{}
	}
	return q
}

// rendered is a report's content with its charts and tables rendered for
// page (report or pack), made once for the figures kept. The pack's ids of
// charts and tables are prefixed with their report's, so two reports'
// tables of the same name stay apart.
func (r reports) rendered(c *fiber.Ctx, page, slug string, p report.Period, query string) (reportContent, error) {
	content, key, err := r.content(c, slug, p, query)
	if err != nil {
		return reportContent{}, err
	}
	key = page + "|" + key
	if rc, ok := r.bodies.get(key); ok {
		return rc, nil
	}
	body := "reportBody"
	if page == "pack" {
		body = "packBody"
		content.Charts, content.Tables = slices.Clone(content.Charts), slices.Clone(content.Tables)
		for i := range content.Charts {
			content.Charts[i].ID = slug + "-" + content.Charts[i].ID
		}
		for i := range content.Tables {
			content.Tables[i].ID = slug + "-" + content.Tables[i].ID
		}
	}
	t, _, err := r.pages.lookup("admin/reports/" + page)
	if err != nil {
		return reportContent{}, err
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, body, content); err != nil {
		return reportContent{}, fmt.Errorf("render the %s report: %w", slug, err)
	}
	content.Body = template.HTML(buf.String()) //nolint:gosec // our own templates' escaped output
	r.bodies.put(key, content)
	return content, nil
}

// content builds a report's sentence, charts and tables for the period,
// once for the figures kept; key names them (the report, the period and
// the figures' version).
func (r reports) content(c *fiber.Ctx, slug string, p report.Period, query string) (reportContent, string, error) {
	ctx, asOf := figcache.WithAsOfVersion(c.UserContext())
	build, err := r.figures(ctx, slug, p, query)
	if err != nil {
		return reportContent{}, "", err
	}
	_, version := asOf()
	key := slug + "|" + query + "|" + version
	if rc, ok := r.bodies.get("content|" + key); ok {
		return rc, key, nil
	}
	out := build()
	for i := range out.Tables {
		out.Tables[i].CSV = "/admin/reports/" + slug + ".csv?" + query + "&table=" + out.Tables[i].ID
	}
	r.bodies.put("content|"+key, out)
	return out, key, nil
}

// figures reads a report's figures for the period, and returns how to
// build its content from them.
func (r reports) figures(ctx context.Context, slug string, p report.Period, query string) (func() reportContent, error) {
	svc := r.deps.Reports
	switch slug {
	case "delivery":
		d, err := svc.Delivery(ctx, p)
		return func() reportContent { return deliveryContent(d) }, err
	case "attendance":
		a, err := svc.Attendance(ctx, p)
		return func() reportContent { return attendanceContent(a) }, err
	case "non-attendance":
		n, err := svc.NonAttendance(ctx, p)
		return func() reportContent { return nonAttendanceContent(n) }, err
	case "unmet-demand":
		u, err := svc.UnmetDemand(ctx, p)
		return func() reportContent { return unmetContent(u) }, err
	case "requests":
		rq, err := svc.Requests(ctx, p)
		return func() reportContent { return requestsContent(rq) }, err
	case "money":
		m, err := svc.Money(ctx, p)
		return func() reportContent { return moneyContent(m) }, err
	case "contribution":
		l, err := svc.Ledger(ctx, p)
		if err != nil {
			return nil, err
		}
		ts, err := svc.Trainers(ctx, p)
		return func() reportContent { return contributionContent(l, ts, query) }, err
	case "evaluation":
		e, err := svc.Evaluation(ctx, p)
		return func() reportContent { return evaluationContent(e) }, err
	}
	return nil, fiber.ErrNotFound
}

// trainerReport is one trainer's delivered sessions in the period, for
// their appraisal.
func (r reports) trainer(c *fiber.Ctx) error {
	asOf := figuresAsOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, query, chooser, v := reportPeriod(queryValues(c), r.deps.Now())
	action := fmt.Sprintf("/admin/reports/contribution/trainers/%d", id)
	d := reportPage{adminArea: newAdminArea(c), Action: action, Chooser: chooser,
		Kind: reportKind{Slug: "contribution", Title: "Sessions delivered"}, Back: link{"/admin/reports/contribution", "Trainers’ contribution"}}
	if v != nil {
		d.fieldErrors = fieldErrors{v}
		return r.renderForm(c, "admin/reports/trainer", "Sessions delivered", d, v)
	}
	d.Back.Href += "?" + query
	rec, found, err := r.trainerRecord(c, id, p)
	if err != nil {
		return err
	}
	d.PeriodText, d.Query, d.AsOf = p.String(), query, asOf()
	d.Kind.Title = "Sessions delivered by " + rec.Name
	if !found {
		d.Kind.Title = "Sessions delivered"
	}
	d.reportContent = trainerContent(rec, found)
	d.Tables[0].CSV = action + "/sessions.csv?" + query
	if found {
		if err := r.auditView(c, account.Manager, audit.View{What: "the sessions a trainer delivered (the trainers’ contribution report)", PersonID: &id}); err != nil {
			return err
		}
	}
	return r.renderForm(c, "admin/reports/trainer", d.Kind.Title, d, nil)
}

func (r reports) trainerCSV(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, _, _, v := reportPeriod(queryValues(c), r.deps.Now())
	if v != nil {
		return c.Redirect(fmt.Sprintf("/admin/reports/contribution/trainers/%d?%s", id, c.Request().URI().QueryString()), fiber.StatusSeeOther)
	}
	rec, found, err := r.trainerRecord(c, id, p)
	if err != nil {
		return err
	}
	if found {
		if err := r.auditView(c, account.Manager, audit.View{What: "the sessions a trainer delivered (CSV)", PersonID: &id}); err != nil {
			return err
		}
	}
	return sendTable(c, trainerContent(rec, found).Tables, "", fmt.Sprintf("trainer-%d", id), p)
}

// trainerRecord is trainer id's sessions in the period; found is false when
// they delivered none (or are no trainer).
func (r reports) trainerRecord(c *fiber.Ctx, id int64, p report.Period) (report.TrainerRecord, bool, error) {
	all, err := r.deps.Reports.Trainers(c.UserContext(), p)
	if err != nil {
		return report.TrainerRecord{}, false, err
	}
	for _, t := range all {
		if t.TrainerID == id {
			return t, true, nil
		}
	}
	return report.TrainerRecord{TrainerID: id}, false, nil
}

// countAgain forgets the period's figures, so that the page the manager
// came from counts them afresh, and goes back to it.
func (r reports) countAgain(c *fiber.Ctx) error {
	p, query, _, v := reportPeriod(queryValues(c), r.deps.Now())
	if v != nil {
		return c.Redirect("/admin/reports", fiber.StatusSeeOther)
	}
	if err := r.deps.Reports.CountAgain(c.UserContext(), p); err != nil {
		return err
	}
	back := c.FormValue("back")
	if _, ok := reportKindOf(strings.TrimPrefix(back, "/admin/reports/")); !ok && back != "/admin/reports/pack" {
		back = "/admin/reports"
	}
	return c.Redirect(back+"?"+query, fiber.StatusSeeOther)
}

// figuresAsOf notes the figures the request reads from here on, and
// returns a function saying when the oldest of them were counted ("" when
// none were read), for the page to show.
func figuresAsOf(c *fiber.Ctx) func() string {
	ctx, oldest := figcache.WithAsOf(c.UserContext())
	c.SetUserContext(ctx)
	return func() string {
		t := oldest()
		if t.IsZero() {
			return ""
		}
		return london.Clock(t) + " on " + london.Date(t)
	}
}
