package web

import (
	"testing"
	"time"

	"github.com/pscp/booktraining/internal/payment"
)

// invoiceGroupWas is the "invoiceGroup" template of
// views/pages/admin/invoicing.html before invoiceGroupFields, as the page
// ranged over a list's groups with it.
const invoiceGroupWas = `{{- /* One payer's rows, each a checkbox (what it is, for whom, how much):
  the invoice they make in the finance system. dict Group, Name. */ -}}
{{define "invoiceGroup"}}
{{- $g := .Group}}
{{- $kind := "Agency"}}
{{- if eq $g.PayerKind "organisation"}}{{$kind = "The person’s own organisation"}}{{else if eq $g.PayerKind "person"}}{{$kind = "The person, paying for themselves"}}{{end}}
{{- $contact := htmlf " <strong>No billing contact email</strong>"}}
{{- if $g.BillingEmail}}
{{- $who := ""}}{{with $g.BillingName}}{{$who = printf "%s, " .}}{{end}}
{{- $contact = htmlf ` + "` Billing contact: %s<span class=\"govuk-!-text-break-word\">%s</span>`" + ` $who $g.BillingEmail}}
{{- end}}
{{- $items := choices}}
{{- range $g.Checks}}
{{- $hint := printf "%v, %s." .CourseTitle (longDate .StartsAt)}}
{{- with .AgencyName}}{{$hint = printf "%s %s." $hint .}}{{end}}
{{- with .PurchaseOrder}}{{$hint = printf "%s Purchase order %s." $hint .}}{{end}}
{{- with .InvoiceReference}}{{$hint = printf "%s Invoice %s." $hint .}}{{end}}
{{- $items = choices $items (item "ID" .ID "Value" .Ref "Text" (printf "%v: %v, %v" .KindLabel .Person .Amount) "Hint" (printf "%s Reference %v." $hint .Ref) "Checked" .Checked)}}
{{- end}}
{{- $legend := printf "%v (%v)" $g.Payer $g.Total}}
{{- if gt $g.Count (len $g.Rows)}}{{$legend = printf "%v (%v for %d rows; %d on this page%s)" $g.Payer $g.Total $g.Count (len $g.Rows) (or (and $g.Before $g.After ", the rest before and after it") (and $g.Before ", the rest on the page before") (and $g.After ", the rest on the next page") "")}}{{end}}
{{- checkboxes (dict "Name" .Name "IDPrefix" (index $g.Checks 0).ID "Legend" $legend "HintClass" "govuk-body-s" "Hint" (htmlf "%s.%s" $kind $contact) "Class" "govuk-checkboxes--small" "Items" $items)}}
{{- end}}
<div>
        {{- range .Groups}}{{template "invoiceGroup" (dict "Group" . "Name" $.Name)}}{{end}}
</div>`

func TestMoneyRowsAreWhatTheTemplatesWrote(t *testing.T) {
	t.Parallel()
	amounts := []payment.Pence{0, 1, 4500, 12345, 100_000_000, -250}
	kinds := []string{"place", "non_attendance", "late_cancellation", "something <else>"}
	times := append([]time.Time{{}}, awkwardAt...)

	t.Run("invoicing", func(t *testing.T) {
		t.Parallel()
		var groups []payment.InvoiceGroup
		payerKinds := []string{"agency", "organisation", "person", "", "<odd>"}
		for i, s := range awkward {
			g := payment.InvoiceGroup{Payer: s, PayerKind: pick(payerKinds, i), BillingName: pick(awkward, i+1),
				Total: pick(amounts, i), Before: i%2 == 1, After: i%4 >= 2}
			if i%3 != 0 {
				g.BillingEmail = pick(awkward, i+2)
			}
			for j := range 1 + i%3 {
				k := i*3 + j
				g.Rows = append(g.Rows, payment.InvoiceRow{
					Ref: pick(kinds, k) + "-" + pick(awkward, k), Kind: pick(kinds, k), Amount: pick(amounts, k),
					InvoiceReference: pick(awkward, k+3), PurchaseOrder: pick(awkward, k+5), AgencyName: pick(awkward, k+7),
					Person: pick(awkward, k+1), CourseTitle: pick(awkward, k+2), StartsAt: pick(times, k),
				})
			}
			g.Count = len(g.Rows) + i%3
			groups = append(groups, g)
		}
		checked := map[string]bool{}
		for i, g := range groups {
			if i%2 == 0 {
				checked[g.Rows[0].Ref] = true
			}
		}
		for _, first := range []string{payment.FieldInvoiceRows, payment.FieldPaidRows} {
			for _, list := range [][]payment.InvoiceGroup{groups, groups[:1], nil} {
				data := map[string]any{"Groups": invoiceGroups(list, first, checked), "Name": first}
				sameWritten(t, nil, invoiceGroupWas, "\n<div>\n        {{- invoiceGroupFields .Groups .Name}}\n</div>", data)
			}
		}
	})

	t.Run("agency's charges", func(t *testing.T) {
		t.Parallel()
		statuses := []payment.ChargeStatus{payment.ChargeProposed, payment.ChargeInvoiced, payment.ChargePaid,
			payment.ChargeWaived, "<unknown>"}
		var rows []payment.AgencyCharge
		for i, s := range awkward {
			rows = append(rows, payment.AgencyCharge{ID: int64(i), CourseTitle: s, StartsAt: pick(times, i),
				Person: pick(awkward, i+1), Kind: payment.ChargeKind(pick(kinds, i)), Amount: pick(amounts, i),
				Status: pick(statuses, i), WaiverReason: pick(awkward, i+2), InvoiceReference: pick(awkward, i+3)})
		}
		for _, list := range [][]payment.AgencyCharge{rows, nil} {
			sameWritten(t, nil, `<tbody>
        {{- range .}}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell">{{.CourseTitle}}, {{longDate .StartsAt}}</td>
          <td class="govuk-table__cell" data-label="Person">{{.Person}}</td>
          <td class="govuk-table__cell" data-label="Charge for">{{.Kind.Label}}</td>
          <td class="govuk-table__cell govuk-table__cell--numeric" data-label="Amount">{{.Amount}}</td>
          <td class="govuk-table__cell" data-label="Status">{{.Status.Label}}{{if eq .Status "waived"}}: {{.WaiverReason}}{{end}}{{with .InvoiceReference}}, invoice {{.}}{{end}}</td>
        </tr>
        {{- end}}
</tbody>`, "<tbody>\n        {{- agencyChargeRows .}}\n</tbody>", list)
		}
	})

	t.Run("session's charges", func(t *testing.T) {
		t.Parallel()
		statuses := []payment.ChargeStatus{"", payment.ChargeProposed, payment.ChargeInvoiced, payment.ChargePaid,
			payment.ChargeWaived, "<unknown>"}
		noCharges := []payment.NoChargeReason{"", "", payment.NoAgencyToBill, "", payment.PlaceAlreadyPaid, "",
			payment.FreeByPolicy, "<odd>"}
		var rows []chargeRow
		for i, s := range awkward {
			c := payment.ChargeCandidate{BookingID: int64(i * 7), Person: s, AgencyName: pick(awkward, i+1),
				Kind: payment.ChargeKind(pick(kinds, i)), Amount: pick(amounts, i), NoCharge: pick(noCharges, i),
				Status: pick(statuses, i), WaiverReason: pick(awkward, i+2), InvoiceReference: pick(awkward, i+3),
				NoBillingContact: i%3 != 0}
			if i%4 != 1 {
				id := int64(i + 100)
				c.AgencyID = &id
			}
			rows = append(rows, chargeRow{ChargeCandidate: c})
		}
		for _, list := range [][]chargeRow{rows, nil} {
			sameWritten(t, nil, `{{- /* A charge's status as a tag, with what it means for the manager. */ -}}
{{define "chargeStatus"}}
{{- if .NoCharge}}{{.NoCharge.Label}}
{{- else if eq .Status "proposed"}}<strong class="govuk-tag govuk-tag--blue">To be invoiced</strong>
{{- if .NoBillingContact}}<br><a class="govuk-link" href="/admin/agencies/{{.AgencyID}}">Add a billing contact for {{.AgencyName}}</a> so it can be invoiced{{end}}
{{- else if eq .Status "invoiced"}}<strong class="govuk-tag govuk-tag--yellow">Invoiced</strong>{{with .InvoiceReference}}<br>Invoice {{.}}{{end}}
{{- else if eq .Status "paid"}}<strong class="govuk-tag govuk-tag--green">Paid</strong>{{with .InvoiceReference}}<br>Invoice {{.}}{{end}}
{{- else if eq .Status "waived"}}<strong class="govuk-tag govuk-tag--grey">Waived</strong><br>{{.WaiverReason}}
{{- else}}To decide{{end -}}
{{end}}
<tbody>
        {{- range .}}
        <tr class="govuk-table__row" id="charge-{{.BookingID}}">
          <td class="govuk-table__cell">{{.Person}}</td>
          <td class="govuk-table__cell" data-label="Agency">{{or .AgencyName "Not a listed agency"}}</td>
          <td class="govuk-table__cell" data-label="Charge for">{{.Kind.Label}}</td>
          <td class="govuk-table__cell govuk-table__cell--numeric" data-label="Amount">{{if .NoCharge}}£0{{else}}{{.Amount}}{{end}}</td>
          <td class="govuk-table__cell" data-label="Status">{{template "chargeStatus" .ChargeCandidate}}</td>
        </tr>
        {{- end}}
</tbody>`, "\n<tbody>\n        {{- sessionChargeRows .}}\n</tbody>", list)
		}
	})
}
