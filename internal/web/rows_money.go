package web

import (
	"html/template"

	"github.com/pscp/booktraining/internal/payment"
)

// moneyRowFuncs are the template functions that write the rows of invoicing and charges pages (rows_money.go) in Go, as rows.go
// does for the longest lists (issue 21).
var moneyRowFuncs = template.FuncMap{
	"invoiceGroupFields": invoiceGroupFields,
	"agencyChargeRows":   agencyChargeRows,
	"sessionChargeRows":  sessionChargeRows,
}

// The invoicing page spent most of its CPU in its "invoiceGroup" template:
// each row's hint and text built by printf, its item built by item and
// choices through reflection, then the checkboxes field reading its dict.
// invoiceGroupFields writes byte for byte what that template and the
// checkboxes field wrote (TestMoneyRowsAreWhatTheTemplatesWrote keeps the
// template and renders both over awkward rows).

// htmlf writes s as the kit's htmlf escapes an argument that is not HTML
// (template.HTMLEscapeString, which leaves a + alone, unlike text).
func (m *markup) htmlf(s string) { m.WriteString(template.HTMLEscapeString(s)) }

// invoiceGroupFields is each payer's rows of one list of the invoicing page
// as a group of checkboxes named name (views/pages/admin/invoicing.html).
func invoiceGroupFields(groups []invoiceGroupView, name string) template.HTML {
	var m markup
	n := 0
	for _, g := range groups {
		n += len(g.Checks)
	}
	m.Grow(len(groups)*700 + n*900)
	for _, g := range groups {
		m.invoiceGroup(g, name)
	}
	return m.html()
}

// invoiceGroup writes one payer's checkboxes, as the checkboxes field wrote
// them given a Legend, a Hint (HTML) of class govuk-body-s, IDPrefix the
// first row's id and items each with its own ID and hint, none in error.
func (m *markup) invoiceGroup(g invoiceGroupView, name string) {
	if len(g.Checks) == 0 {
		return // the template's (index $g.Checks 0) failed: no group is ever empty
	}
	prefix := g.Checks[0].ID
	m.WriteString("<div class=\"govuk-form-group\">\n  <fieldset class=\"govuk-fieldset\" aria-describedby=\"")
	m.text(prefix)
	m.WriteString("-hint\">\n<legend class=\"govuk-fieldset__legend govuk-fieldset__legend--s\">")
	m.text(g.Payer)
	m.WriteString(" (")
	m.text(g.Total.String())
	if g.Count > len(g.Rows) {
		m.WriteString(" for ")
		m.int(int64(g.Count))
		m.WriteString(" rows; ")
		m.int(int64(len(g.Rows)))
		m.WriteString(" on this page")
		switch {
		case g.Before && g.After:
			m.WriteString(", the rest before and after it")
		case g.Before:
			m.WriteString(", the rest on the page before")
		case g.After:
			m.WriteString(", the rest on the next page")
		}
	}
	m.WriteString(")</legend>\n    <div id=\"")
	m.text(prefix)
	m.WriteString(`-hint" class="govuk-body-s">`)
	switch g.PayerKind {
	case "organisation":
		m.WriteString("The person’s own organisation.")
	case "person":
		m.WriteString("The person, paying for themselves.")
	default:
		m.WriteString("Agency.")
	}
	if g.BillingEmail != "" {
		m.WriteString(" Billing contact: ")
		if g.BillingName != "" {
			m.htmlf(g.BillingName + ", ")
		}
		m.WriteString(`<span class="govuk-!-text-break-word">`)
		m.htmlf(g.BillingEmail)
		m.WriteString("</span>")
	} else {
		m.WriteString(" <strong>No billing contact email</strong>")
	}
	m.WriteString("</div>\n    <div class=\"govuk-checkboxes govuk-checkboxes--small\" data-module=\"govuk-checkboxes\">")
	for _, c := range g.Checks {
		m.WriteString("\n      <div class=\"govuk-checkboxes__item\">\n        <input class=\"govuk-checkboxes__input\" id=\"")
		m.text(c.ID)
		m.WriteString(`" name="`)
		m.text(name)
		m.WriteString(`" type="checkbox" value="`)
		m.text(c.Ref)
		m.WriteByte('"')
		if c.Checked {
			m.WriteString(" checked")
		}
		m.WriteString(` aria-describedby="`)
		m.text(c.ID)
		m.WriteString("-item-hint\">\n        <label class=\"govuk-label govuk-checkboxes__label\" for=\"")
		m.text(c.ID)
		m.WriteString(`">`)
		m.text(c.KindLabel())
		m.WriteString(": ")
		m.text(c.Person)
		m.WriteString(", ")
		m.text(c.Amount.String())
		m.WriteString("</label>\n        <div id=\"")
		m.text(c.ID)
		m.WriteString("-item-hint\" class=\"govuk-hint govuk-checkboxes__hint\">")
		m.text(c.CourseTitle)
		m.WriteString(", ")
		m.text(longDate(c.StartsAt))
		m.WriteByte('.')
		if c.AgencyName != "" {
			m.WriteByte(' ')
			m.text(c.AgencyName)
			m.WriteByte('.')
		}
		if c.PurchaseOrder != "" {
			m.WriteString(" Purchase order ")
			m.text(c.PurchaseOrder)
			m.WriteByte('.')
		}
		if c.InvoiceReference != "" {
			m.WriteString(" Invoice ")
			m.text(c.InvoiceReference)
			m.WriteByte('.')
		}
		m.WriteString(" Reference ")
		m.text(c.Ref)
		m.WriteString(".</div>\n      </div>")
	}
	m.WriteString("\n    </div>\n  </fieldset>\n</div>")
}

// agencyChargeRows is a coordinator's charges' table rows
// (views/pages/agency/charges.html).
func agencyChargeRows(charges []payment.AgencyCharge) template.HTML {
	var m markup
	m.Grow(len(charges) * 500)
	for _, c := range charges {
		m.WriteString("\n        <tr class=\"govuk-table__row\">\n          <td class=\"govuk-table__cell\">")
		m.text(c.CourseTitle)
		m.WriteString(", ")
		m.text(longDate(c.StartsAt))
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Person\">")
		m.text(c.Person)
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Charge for\">")
		m.text(c.Kind.Label())
		m.WriteString("</td>\n          <td class=\"govuk-table__cell govuk-table__cell--numeric\" data-label=\"Amount\">")
		m.text(c.Amount.String())
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Status\">")
		m.text(c.Status.Label())
		if c.Status == payment.ChargeWaived {
			m.WriteString(": ")
			m.text(c.WaiverReason)
		}
		if c.InvoiceReference != "" {
			m.WriteString(", invoice ")
			m.text(c.InvoiceReference)
		}
		m.WriteString("</td>\n        </tr>")
	}
	return m.html()
}

// sessionChargeRows is a session's charges' table rows, each with its
// status as the "chargeStatus" template wrote it
// (views/pages/admin/sessions/charges.html).
func sessionChargeRows(rows []chargeRow) template.HTML {
	var m markup
	m.Grow(len(rows) * 600)
	for _, r := range rows {
		m.WriteString("\n        <tr class=\"govuk-table__row\" id=\"charge-")
		m.int(r.BookingID)
		m.WriteString("\">\n          <td class=\"govuk-table__cell\">")
		m.text(r.Person)
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Agency\">")
		if r.AgencyName != "" {
			m.text(r.AgencyName)
		} else {
			m.WriteString("Not a listed agency")
		}
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Charge for\">")
		m.text(r.Kind.Label())
		m.WriteString("</td>\n          <td class=\"govuk-table__cell govuk-table__cell--numeric\" data-label=\"Amount\">")
		if r.NoCharge != "" {
			m.WriteString("£0")
		} else {
			m.text(r.Amount.String())
		}
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Status\">")
		m.chargeStatus(r.ChargeCandidate)
		m.WriteString("</td>\n        </tr>")
	}
	return m.html()
}

// chargeStatus writes a charge's status as a tag, with what it means for
// the manager.
func (m *markup) chargeStatus(c payment.ChargeCandidate) {
	switch {
	case c.NoCharge != "":
		m.text(c.NoCharge.Label())
	case c.Status == payment.ChargeProposed:
		m.WriteString(`<strong class="govuk-tag govuk-tag--blue">To be invoiced</strong>`)
		if c.NoBillingContact {
			m.WriteString(`<br><a class="govuk-link" href="/admin/agencies/`)
			if c.AgencyID != nil {
				m.int(*c.AgencyID)
			} else {
				m.WriteString("%3cnil%3e") // as the template wrote a nil pointer in an address
			}
			m.WriteString(`">Add a billing contact for `)
			m.text(c.AgencyName)
			m.WriteString("</a> so it can be invoiced")
		}
	case c.Status == payment.ChargeInvoiced, c.Status == payment.ChargePaid:
		if c.Status == payment.ChargeInvoiced {
			m.WriteString(`<strong class="govuk-tag govuk-tag--yellow">Invoiced</strong>`)
		} else {
			m.WriteString(`<strong class="govuk-tag govuk-tag--green">Paid</strong>`)
		}
		if c.InvoiceReference != "" {
			m.WriteString("<br>Invoice ")
			m.text(c.InvoiceReference)
		}
	case c.Status == payment.ChargeWaived:
		m.WriteString(`<strong class="govuk-tag govuk-tag--grey">Waived</strong><br>`)
		m.text(c.WaiverReason)
	default:
		m.WriteString("To decide")
	}
}
