package web

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/validation"
)

// invoiceCheck is one row as a checkbox: ID is its input's id (the first of
// a list is the one its error links to).
type invoiceCheck struct {
	payment.InvoiceRow
	ID      string
	Checked bool
}

type invoiceGroupView struct {
	payment.InvoiceGroup
	Checks []invoiceCheck
}

// invoiceList is one state's page of rows, with the state's count and total
// over every page.
type invoiceList struct {
	Groups []invoiceGroupView
	Rows   int
	Total  payment.Pence
	Pages  *pagination
}

type invoicingPage struct {
	adminArea
	fieldErrors
	Online    bool
	ToInvoice invoiceList
	Awaiting  invoiceList
	Reference string
}

// invoicingPerPage is how many rows each list of the invoicing page shows at
// once: the page, and its audited view, cost the same however much waits.
// Twenty-five a list (each row is a checkbox with its payer, course, person
// and amount, about a kilobyte): fifty made a page of both lists 100 KB.
const invoicingPerPage = 25

// Query parameters of the pages of each list.
const (
	toInvoicePageParam = "page"
	awaitingPageParam  = "awaiting-page"
)

var invoicingNotices = map[string]string{
	"invoiced": "Marked as invoiced",
	"paid":     "Marked as paid",
}

// invoiceGroups puts rows into checkboxes by payer; first is the id of the
// first checkbox, checked those ticked when the form came back.
func invoiceGroups(groups []payment.InvoiceGroup, first string, checked map[string]bool) []invoiceGroupView {
	var out []invoiceGroupView
	n := 0
	for _, g := range groups {
		v := invoiceGroupView{InvoiceGroup: g}
		for _, r := range g.Rows {
			id := "row-" + r.Ref
			if n == 0 {
				id = first
			}
			if first == payment.FieldPaidRows && n > 0 {
				id = "paid-" + r.Ref
			}
			v.Checks = append(v.Checks, invoiceCheck{InvoiceRow: r, ID: id, Checked: checked[r.Ref]})
			n++
		}
		out = append(out, v)
	}
	return out
}

// showInvoicing renders the page; checked and reference are what the
// manager sent, errs what was wrong with it. The page names the people whose
// places and charges are listed: each showing is an audited view.
func (a *app) showInvoicing(c *fiber.Ctx, checked map[string]bool, reference string, errs *validation.Errors) error {
	ctx := c.UserContext()
	toInvoice, awaiting, err := a.deps.Payments.InvoicingPages(ctx, c.QueryInt(toInvoicePageParam, 1), c.QueryInt(awaitingPageParam, 1),
		invoicingPerPage)
	if err != nil {
		return err
	}
	var bookings []int64
	for _, g := range append(toInvoice.Groups, awaiting.Groups...) {
		for _, r := range g.Rows {
			bookings = append(bookings, r.BookingID)
		}
	}
	if err := a.auditView(c, account.Manager, audit.View{What: "the invoicing page (charges and places to invoice)", Bookings: bookings}); err != nil {
		return err
	}
	d := invoicingPage{adminArea: newAdminArea(c), fieldErrors: fieldErrors{errs}, Online: a.deps.Payments.Online(), Reference: reference}
	if d.Notice == "" {
		d.Notice = invoicingNotices[c.Query("done")]
	}
	query := url.Values{toInvoicePageParam: {c.Query(toInvoicePageParam)}, awaitingPageParam: {c.Query(awaitingPageParam)}}
	d.ToInvoice = invoiceList{
		Groups: invoiceGroups(toInvoice.Groups, payment.FieldInvoiceRows, checked), Rows: toInvoice.Rows, Total: toInvoice.Total,
		Pages: paginateBy("/admin/invoicing", query, toInvoicePageParam, toInvoice.Page, toInvoice.Pages, false),
	}
	d.Awaiting = invoiceList{
		Groups: invoiceGroups(awaiting.Groups, payment.FieldPaidRows, checked), Rows: awaiting.Rows, Total: awaiting.Total,
		Pages: paginateBy("/admin/invoicing", query, awaitingPageParam, awaiting.Page, awaiting.Pages, false),
	}
	return a.renderForm(c, "admin/invoicing", "Invoicing", d, errs)
}

// invoicing lists what is to be invoiced and what awaits payment.
func (a *app) invoicing(c *fiber.Ctx) error { return a.showInvoicing(c, nil, "", nil) }

// invoicingCSV is the rows of one state (?state=invoiced, else what is to
// be invoiced) for a finance team's spreadsheet, by payer, streamed: each
// batch of rows is written as it is read. It names people: an audited view
// of the bookings listed, before any is sent, and lists no others.
func (a *app) invoicingCSV(c *fiber.Ctx) error {
	state, name, what := payment.ToInvoice, "to-invoice", "the invoicing export (CSV): what is to be invoiced"
	if c.Query("state") == string(payment.AwaitingPayment) {
		state, name, what = payment.AwaitingPayment, "awaiting-payment", "the invoicing export (CSV): what is invoiced and awaits payment"
	}
	svc := a.deps.Payments
	bookings, err := svc.InvoicingBookings(c.UserContext(), state)
	if err != nil {
		return err
	}
	if err := a.auditView(c, account.Manager, audit.View{What: what, Bookings: bookings}); err != nil {
		return err
	}
	header := []string{
		"Reference", "Kind", "Agency", "Payer", "Payer type", "Billing contact name", "Billing contact email",
		"Purchase order", "Course", "Session date", "Session start", "Person", "Amount", "Status", "Invoice reference",
	}
	a.streamCSV(c, "invoicing-"+name+".csv", "invoicing export", header,
		func(ctx context.Context, emit func([]string) error) error {
			return svc.EachInvoicingRow(ctx, state, bookings, func(r payment.InvoiceRow) error {
				return emit([]string{
					r.Ref, r.KindLabel(), csvSafe(r.AgencyName), csvSafe(r.Payer), r.PayerKindLabel(), csvSafe(r.BillingName),
					csvSafe(r.BillingEmail), csvSafe(r.PurchaseOrder), csvSafe(r.CourseTitle), london.ISODate(r.StartsAt),
					london.Clock24(r.StartsAt), csvSafe(r.Person), poundsForSpreadsheet(r.Amount), r.Status, csvSafe(r.InvoiceReference),
				})
			})
		})
	return nil
}

// poundsForSpreadsheet writes an amount as a number a spreadsheet sums:
// "80.00".
func poundsForSpreadsheet(p payment.Pence) string {
	return strconv.FormatInt(int64(p/100), 10) + "." + fmt.Sprintf("%02d", int64(p%100))
}

// formRows reads the row references ticked in field.
func formRows(c *fiber.Ctx, field string) ([]string, map[string]bool) {
	var refs []string
	checked := map[string]bool{}
	for _, v := range c.Request().PostArgs().PeekMulti(field) {
		ref := validation.CleanLine(string(v))
		refs = append(refs, ref)
		checked[ref] = true
	}
	return refs, checked
}

func (a *app) markInvoiced(c *fiber.Ctx) error {
	refs, checked := formRows(c, payment.FieldInvoiceRows)
	reference := validation.CleanLine(c.FormValue(payment.FieldInvoiceReference))
	_, err := a.deps.Payments.MarkInvoiced(c.UserContext(), refs, reference)
	return a.afterMarking(c, err, checked, reference, "invoiced")
}

func (a *app) markPaid(c *fiber.Ctx) error {
	refs, checked := formRows(c, payment.FieldPaidRows)
	_, err := a.deps.Payments.MarkPaid(c.UserContext(), refs)
	return a.afterMarking(c, err, checked, "", "paid")
}

// afterMarking redirects after a marking, or shows the page again with what
// was wrong (a row marked meanwhile by another manager, or by a second
// press, is named there).
func (a *app) afterMarking(c *fiber.Ctx, err error, checked map[string]bool, reference, done string) error {
	var verr *validation.Errors
	if errors.As(err, &verr) {
		return a.showInvoicing(c, checked, reference, verr)
	} else if err != nil {
		return err
	}
	return c.Redirect("/admin/invoicing?done="+done, fiber.StatusSeeOther)
}
