package web

import (
	"fmt"
	"html/template"
	"reflect"
	"strings"
)

// The kit's fields of choices (radios, checkboxes, select), the date input
// and the summary list: written in Go as fields.go's are, for the same reason.

// writeLegend writes a fieldset's legend: Legend, Size (s, m or l), Heading (the
// legend is the page's h1, default size l) or H2 (an h2, default size m);
// default size s. Caption: a line under the legend (not with Heading or H2).
func writeLegend(b *strings.Builder, f field) {
	switch {
	case f.on("Heading"):
		b.WriteString("\n<legend class=\"govuk-fieldset__legend govuk-fieldset__legend--")
		writeAttr(b, f.or("Size", "l"))
		b.WriteString(`"><h1 class="govuk-fieldset__heading">`)
		writeText(b, f["Legend"])
		b.WriteString("</h1></legend>")
	case f.on("H2"):
		b.WriteString("\n<legend class=\"govuk-fieldset__legend govuk-fieldset__legend--")
		writeAttr(b, f.or("Size", "m"))
		b.WriteString(`"><h2 class="govuk-fieldset__heading">`)
		writeText(b, f["Legend"])
		b.WriteString("</h2></legend>")
	default:
		b.WriteString("\n<legend class=\"govuk-fieldset__legend govuk-fieldset__legend--")
		writeAttr(b, f.or("Size", "s"))
		b.WriteString(`">`)
		writeText(b, f["Legend"])
		if f.on("Caption") {
			b.WriteString(`<span class="govuk-caption-m">`)
			writeText(b, f["Caption"])
			b.WriteString("</span>")
		}
		b.WriteString("</legend>")
	}
}

// choiceField is radios or checkboxes: the design system's markup of the
// group newChoiceGroup works out from the page's params (kind is the class
// stem, radios or checkboxes; inputType the input's type).
//
// radios: dict Name, Legend, Items, Chosen, and optionally Hint, HintClass
// (the hint's class instead of govuk-hint, e.g. govuk-body), Error, Size (of
// the legend), Heading, H2, Caption, Class (govuk-radios--inline or --small),
// ID (the items' container's id), IDPrefix (the hint's, error's and items'
// ids' prefix, default Name), FormGroupClass, Reveal. Without a Legend there
// is no fieldset and each input is described by the hint and error.
// An item's Conditional is shown under it; with Reveal true it is hidden
// until the item is chosen (the design system's JavaScript, data-aria-controls),
// but a radio's aria-expanded fails axe, so radios leave Reveal unset.
//
// checkboxes: the same, Chosen a slice or one value; Class
// govuk-checkboxes--small. Items may have their own Name (and Error), and be
// Exclusive.
func choiceField(kind, inputType string, m map[string]any) (template.HTML, error) {
	g, err := newChoiceGroup(kind, inputType, m)
	if err != nil {
		return "", err
	}
	f := field(m)
	var b strings.Builder
	b.Grow(600 + 400*len(g.Items))
	b.WriteString(`<div class="govuk-form-group`)
	if len(g.Errors) > 0 {
		b.WriteString(" govuk-form-group--error")
	}
	if f.on("FormGroupClass") {
		b.WriteByte(' ')
		writeAttr(&b, f["FormGroupClass"])
	}
	b.WriteString(`">`)
	hasLegend := f.on("Legend")
	if hasLegend {
		b.WriteString("\n  <fieldset class=\"govuk-fieldset\"")
		if g.DescribedBy != "" {
			b.WriteString(` aria-describedby="`)
			templateEscaper.WriteString(&b, g.DescribedBy)
			b.WriteByte('"')
		}
		b.WriteByte('>')
		writeLegend(&b, f)
	}
	if f.on("Hint") {
		b.WriteString("\n    <div id=\"")
		templateEscaper.WriteString(&b, g.Prefix)
		b.WriteString(`-hint" class="`)
		writeAttr(&b, f.or("HintClass", "govuk-hint"))
		b.WriteString(`">`)
		writeText(&b, f["Hint"])
		b.WriteString("</div>")
	}
	for _, e := range g.Errors {
		writeErrorMessage(&b, e.Name, e.Error)
	}
	b.WriteString("\n    <div class=\"govuk-" + kind)
	if f.on("Class") {
		b.WriteByte(' ')
		writeAttr(&b, f["Class"])
	}
	b.WriteString(`" data-module="govuk-` + kind + `"`)
	if f.on("ID") {
		b.WriteString(` id="`)
		writeAttr(&b, f["ID"])
		b.WriteByte('"')
	}
	b.WriteByte('>')
	for _, it := range g.Items {
		if it.Divider != "" {
			b.WriteString("\n      <div class=\"govuk-" + kind + "__divider\">")
			templateEscaper.WriteString(&b, it.Divider)
			b.WriteString("</div>")
			continue
		}
		b.WriteString("\n      <div class=\"govuk-" + kind + "__item\">\n        <input class=\"govuk-" + kind + "__input\" id=\"")
		templateEscaper.WriteString(&b, it.InputID)
		b.WriteString(`" name="`)
		templateEscaper.WriteString(&b, it.InputName)
		b.WriteString(`" type="` + inputType + `" value="`)
		templateEscaper.WriteString(&b, it.Value)
		b.WriteByte('"')
		if it.On {
			b.WriteString(" checked")
		}
		if it.Disabled {
			b.WriteString(" disabled")
		}
		if it.Reveal {
			b.WriteString(` data-aria-controls="`)
			templateEscaper.WriteString(&b, it.ConditionalID)
			b.WriteByte('"')
		}
		if it.DescribedBy != "" {
			b.WriteString(` aria-describedby="`)
			templateEscaper.WriteString(&b, it.DescribedBy)
			b.WriteByte('"')
		}
		if it.Exclusive {
			b.WriteString(` data-behaviour="exclusive"`)
		}
		b.WriteString(">\n        <label class=\"govuk-label govuk-" + kind + "__label\" for=\"")
		templateEscaper.WriteString(&b, it.InputID)
		b.WriteString(`">`)
		if it.HTML != "" {
			b.WriteString(string(it.HTML))
		} else {
			templateEscaper.WriteString(&b, it.Text)
		}
		b.WriteString("</label>")
		if it.Hint != "" || it.HintHTML != "" {
			b.WriteString("\n        <div id=\"")
			templateEscaper.WriteString(&b, it.InputID)
			b.WriteString("-item-hint\" class=\"govuk-hint govuk-" + kind + "__hint\">")
			if it.HintHTML != "" {
				b.WriteString(string(it.HintHTML))
			} else {
				templateEscaper.WriteString(&b, it.Hint)
			}
			b.WriteString("</div>")
		}
		b.WriteString("\n      </div>")
		if it.ConditionalID != "" {
			b.WriteString("\n      <div class=\"govuk-" + kind + "__conditional")
			if it.Reveal && !it.On {
				b.WriteString(" govuk-" + kind + "__conditional--hidden")
			}
			b.WriteString(`" id="`)
			templateEscaper.WriteString(&b, it.ConditionalID)
			b.WriteString(`">`)
			b.WriteString(string(it.Conditional))
			b.WriteString("\n      </div>")
		}
	}
	b.WriteString("\n    </div>")
	if hasLegend {
		b.WriteString("\n  </fieldset>")
	}
	b.WriteString("\n</div>")
	return written(&b), nil
}

// selectField is the select partial: dict Name, Label, Items, Chosen, and
// optionally ID (default Name), Hint, Error, Class (e.g.
// govuk-!-width-full), Size (of the label: s, m or l), H2 (the label is an
// h2, default size m), FormGroupClass. An item that is Checked is selected
// whatever Chosen; a Disabled one is disabled (see options).
func selectField(m map[string]any) (template.HTML, error) {
	f := field(m)
	id := f.or("ID", f["Name"])
	opts, err := options(f["Items"], f["Chosen"])
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(600 + len(opts))
	writeFormGroup(&b, f, true)
	if f.on("H2") {
		b.WriteString("\n  <h2 class=\"govuk-label-wrapper\"><label class=\"govuk-label govuk-label--")
		writeAttr(&b, f.or("Size", "m"))
		b.WriteString(`" for="`)
		writeAttr(&b, id)
		b.WriteString(`">`)
		writeText(&b, f["Label"])
		b.WriteString("</label></h2>")
	} else {
		writeLabel(&b, id, f["Label"], f["Size"])
	}
	writeHint(&b, "  ", id, f["Hint"])
	writeErrorMessage(&b, id, f["Error"])
	b.WriteString("\n  <select class=\"govuk-select")
	if f.on("Class") {
		b.WriteByte(' ')
		writeAttr(&b, f["Class"])
	}
	if f.on("Error") {
		b.WriteString(" govuk-select--error")
	}
	b.WriteString(`" id="`)
	writeAttr(&b, id)
	b.WriteString(`" name="`)
	writeAttr(&b, f["Name"])
	b.WriteByte('"')
	writeDescribedBy(&b, id, f.on("Hint"), f.on("Error"))
	b.WriteByte('>')
	b.WriteString(string(opts))
	b.WriteString("\n  </select>\n</div>")
	return written(&b), nil
}

// dateInput: dict Name (the fieldset's id prefix; the inputs are Name-day,
// Name-month, Name-year unless Parts names them), Legend, Day, Month, Year
// (the values typed), and optionally Hint, Error, Size, Parts (list of the
// three input names, e.g. (list "day" "month" "year")), PartErrors (list of
// three: the day's, month's and year's own error, which marks only that
// input in error; without it Error marks all three).
func dateInput(m map[string]any) (template.HTML, error) {
	f := field(m)
	name := f["Name"]
	names := f["Parts"]
	if !truth(names) {
		names = []string{fmt.Sprintf("%s-day", name), fmt.Sprintf("%s-month", name), fmt.Sprintf("%s-year", name)}
	}
	var b strings.Builder
	b.Grow(1800)
	writeFormGroup(&b, f, false)
	b.WriteString("\n  <fieldset class=\"govuk-fieldset\" role=\"group\"")
	writeDescribedBy(&b, name, f.on("Hint"), f.on("Error"))
	b.WriteByte('>')
	writeLegend(&b, f)
	writeHint(&b, "    ", name, f["Hint"])
	writeErrorMessage(&b, name, f["Error"])
	b.WriteString("\n    <div class=\"govuk-date-input\" id=\"")
	writeAttr(&b, name)
	b.WriteString(`">`)
	partErrors := f.on("PartErrors")
	for i, part := range [3]string{"Day", "Month", "Year"} {
		n, err := listIndex(names, i)
		if err != nil {
			return "", fmt.Errorf("dateInput %v: Parts: %w", name, err)
		}
		b.WriteString("\n      <div class=\"govuk-date-input__item\">\n        <div class=\"govuk-form-group\">\n          <label class=\"govuk-label govuk-date-input__label\" for=\"")
		writeAttr(&b, n)
		b.WriteString(`">` + part + "</label>\n          <input class=\"govuk-input govuk-date-input__input govuk-input--width-")
		if i == 2 {
			b.WriteByte('4')
		} else {
			b.WriteByte('2')
		}
		if partErrors {
			e, err := listIndex(f["PartErrors"], i)
			if err != nil {
				return "", fmt.Errorf("dateInput %v: PartErrors: %w", name, err)
			}
			if truth(e) {
				b.WriteString(" govuk-input--error")
			}
		} else if f.on("Error") {
			b.WriteString(" govuk-input--error")
		}
		b.WriteString(`" id="`)
		writeAttr(&b, n)
		b.WriteString(`" name="`)
		writeAttr(&b, n)
		b.WriteString(`" type="text" inputmode="numeric" value="`)
		writeAttr(&b, f[part])
		b.WriteString("\">\n        </div>\n      </div>")
	}
	b.WriteString("\n    </div>\n  </fieldset>\n</div>")
	return written(&b), nil
}

// index is the element i of a slice or array (template's index).
func listIndex(list any, i int) (any, error) {
	switch l := list.(type) {
	case []string:
		if i < len(l) {
			return l[i], nil
		}
	case []any:
		if i < len(l) {
			return l[i], nil
		}
	default:
		rv := reflect.ValueOf(list)
		if k := rv.Kind(); k != reflect.Slice && k != reflect.Array {
			return nil, fmt.Errorf("%T is not a list", list)
		}
		if i < rv.Len() {
			return rv.Index(i).Interface(), nil
		}
	}
	return nil, fmt.Errorf("no element %d", i)
}

// summaryList: dict Rows (built with rows and row: (row "Key" value) or
// (row "Key" value "govuk-!-text-break-word")), and optionally ID and Class
// (e.g. govuk-summary-list--no-border).
func summaryList(m map[string]any) (template.HTML, error) {
	f := field(m)
	var list []summaryRow
	switch v := f["Rows"].(type) {
	case []summaryRow:
		list = v
	case nil:
	default:
		return "", fmt.Errorf("summaryList: Rows is %T, not rows", v)
	}
	var b strings.Builder
	b.Grow(100 + 160*len(list))
	b.WriteString("\n<dl class=\"govuk-summary-list")
	if f.on("Class") {
		b.WriteByte(' ')
		writeAttr(&b, f["Class"])
	}
	b.WriteByte('"')
	if f.on("ID") {
		b.WriteString(` id="`)
		writeAttr(&b, f["ID"])
		b.WriteByte('"')
	}
	b.WriteByte('>')
	for _, r := range list {
		b.WriteString("\n  <div class=\"govuk-summary-list__row\"><dt class=\"govuk-summary-list__key\">")
		templateEscaper.WriteString(&b, r.Key)
		b.WriteString(`</dt><dd class="govuk-summary-list__value`)
		if r.Class != "" {
			b.WriteByte(' ')
			templateEscaper.WriteString(&b, r.Class)
		}
		b.WriteString(`">`)
		templateEscaper.WriteString(&b, r.Value)
		b.WriteString("</dd></div>")
	}
	b.WriteString("\n</dl>")
	return written(&b), nil
}
