package web

import (
	"errors"
	"fmt"
	"html/template"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/partnership"
	"github.com/pscp/booktraining/internal/report"
	"github.com/pscp/booktraining/internal/scope"
	"github.com/pscp/booktraining/internal/validation"
)

// --- a partnership's own details and settings, kept by its managers ---

type adminPartnershipPage struct {
	adminArea
	fieldErrors
	Partnership partnership.Partnership
	Form        partnership.Form
	// Several partnerships are served: the page asks about sharing figures.
	SeveralPartnerships bool
}

// ownPartnership is the partnership the signed-in manager manages.
func (a *app) ownPartnership(c *fiber.Ctx) (partnership.Partnership, error) {
	u := currentUser(c)
	if u == nil || u.ManagesPartnershipID == 0 {
		return partnership.Partnership{}, fiber.ErrForbidden
	}
	for _, p := range a.allPartnerships(c) {
		if p.ID == u.ManagesPartnershipID {
			return p, nil
		}
	}
	return partnership.Partnership{}, partnership.ErrNotFound
}

func (a *app) showPartnership(c *fiber.Ctx, f *partnership.Form, errs *validation.Errors) error {
	p, err := a.ownPartnership(c)
	if err != nil {
		return err
	}
	d := adminPartnershipPage{adminArea: newAdminArea(c), fieldErrors: fieldErrors{errs}, Partnership: p,
		Form: partnership.FormOf(p), SeveralPartnerships: len(a.allPartnerships(c)) > 1}
	if f != nil {
		d.Form = *f
	}
	return a.renderForm(c, "admin/partnership", "Your partnership", d, errs)
}

func (a *app) partnershipSettings(c *fiber.Ctx) error { return a.showPartnership(c, nil, nil) }

func (a *app) savePartnership(c *fiber.Ctx) error {
	p, err := a.ownPartnership(c)
	if err != nil {
		return err
	}
	f := partnership.Form{
		Name: c.FormValue(partnership.FieldName), ShortName: c.FormValue(partnership.FieldShortName),
		Email: c.FormValue(partnership.FieldEmail), Phone: c.FormValue(partnership.FieldPhone),
		SharesFigures: c.FormValue(partnership.FieldSharesFigures) == "yes",
	}
	err = a.deps.Partnerships.Update(c.UserContext(), p.ID, f)
	var verr *validation.Errors
	if errors.As(err, &verr) {
		return a.showPartnership(c, &f, verr)
	} else if err != nil {
		return err
	}
	return c.Redirect("/admin/partnership?done=partnership-saved", fiber.StatusSeeOther)
}

// --- the HIPS-wide figures ---

// hipsKind is the HIPS-wide report, listed with the others when several
// partnerships are served.
var hipsKind = reportKind{"hips", "HIPS-wide figures",
	"Sessions and places of every partnership that shares its figures, side by side and together."}

// hips shows, to a manager of a partnership that shares its figures, the
// sessions and places of each partnership that shares them, and their sum.
// Each partnership's figures are counted in its own scope, as its own
// managers' reports count them: only the totals cross between partnerships.
func (r reports) hips(c *fiber.Ctx) error {
	asOf := figuresAsOf(c)
	p, query, chooser, v := reportPeriod(queryValues(c), r.deps.Now())
	d := reportPage{adminArea: newAdminArea(c), Action: "/admin/reports/hips", Chooser: chooser, Kind: hipsKind,
		Back: link{"/admin/reports", "All reports"}}
	if v != nil {
		d.fieldErrors = fieldErrors{v}
		return r.renderForm(c, "admin/reports/report", hipsKind.Title, d, v)
	}
	d.Back.Href += "?" + query
	own, err := r.ownPartnership(c)
	if err != nil {
		return err
	}
	var sharing []partnership.Partnership
	for _, x := range r.allPartnerships(c) {
		if x.SharesFigures {
			sharing = append(sharing, x)
		}
	}
	d.PeriodText, d.Query = p.String(), query
	switch {
	case !own.SharesFigures:
		d.Sentence = "Your partnership does not share its figures, so it does not see the other partnerships’. " +
			"Its managers can choose to share them on the page about your partnership."
	case len(sharing) < 2:
		d.Sentence = "No other partnership shares its figures yet. Each partnership’s managers choose to share them."
	default:
		rows := make([]report.Delivery, 0, len(sharing))
		for _, x := range sharing {
			dl, err := r.deps.Reports.Delivery(scope.Managing(c.UserContext(), x.ID), p)
			if err != nil {
				return err
			}
			rows = append(rows, dl)
		}
		d.reportContent = hipsContent(sharing, rows)
		t, _, err := r.pages.lookup("admin/reports/report")
		if err != nil {
			return err
		}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, "reportBody", d.reportContent); err != nil {
			return fmt.Errorf("render the HIPS report: %w", err)
		}
		d.Body = template.HTML(buf.String()) //nolint:gosec // our own template's escaped output
	}
	d.AsOf = asOf()
	return r.renderForm(c, "admin/reports/report", hipsKind.Title, d, nil)
}

// hipsContent is each sharing partnership's totals, and theirs together.
func hipsContent(sharing []partnership.Partnership, figures []report.Delivery) reportContent {
	t := reportTable{ID: "by-partnership", Caption: "Sessions and places by partnership", Text: 1,
		Head: []string{"Partnership", "Sessions delivered", "Sessions cancelled", "Sessions to come", "Places offered",
			"Places booked", "Places attended", "Places filled", "Booked places attended"}}
	var sum report.DeliveryRow
	names := make([]string, 0, len(sharing))
	for i, x := range sharing {
		row := figures[i].Total
		t.Rows = append(t.Rows, tableRow{Cells: deliveryCells(x.ShortName, row)})
		names = append(names, x.ShortName)
		sum.Delivered += row.Delivered
		sum.Cancelled += row.Cancelled
		sum.ToCome += row.ToCome
		sum.Offered += row.Offered
		sum.Booked += row.Booked
		sum.Attended += row.Attended
	}
	t.Total = deliveryCells("HIPS", sum)
	sentence := fmt.Sprintf("The partnerships that share their figures (%s) delivered no sessions in this period.",
		strings.Join(names, ", "))
	if sum.Delivered > 0 {
		sentence = fmt.Sprintf("The partnerships that share their figures (%s) delivered %d %s together, "+
			"filling %s of the places offered; %s of the places booked were attended.",
			strings.Join(names, ", "), sum.Delivered, plural(sum.Delivered, "session", "sessions"),
			percentText(sum.FillRate()), percentText(sum.AttendanceRate()))
	}
	return reportContent{
		Headline: fmt.Sprintf("%d %s delivered across HIPS", sum.Delivered, plural(sum.Delivered, "session", "sessions")),
		Sentence: sentence,
		Tables:   []reportTable{t},
	}
}
