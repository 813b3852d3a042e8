package web

import (
	"bytes"
	"fmt"
	"html/template"
	"reflect"
	"strings"
)

// fieldFuncs are the component kit's form fields, in the GOV.UK Design
// System's markup, written here rather than by template partials: a partial
// cost html/template a reflective call for every condition and value it
// read, and rendering the booking form again (409, the places just taken)
// was 15% of the booking rush's CPU (issue 21). Pages call each as a
// function with the dict the partial took ({{textInput (dict "Name" …)}}),
// and each writes byte for byte the markup the partial wrote, escaping
// included (TestFieldsAreWhatThePartialsWrote keeps the partials' text as
// its reference): a value is escaped as html/template escapes it in an
// element's text or a quoted attribute, and HTML (from htmlf or include) is
// written as it is where the partial wrote it so.
var fieldFuncs = map[string]any{
	"textInput":    textInput,
	"textArea":     textArea,
	"moneyInput":   moneyInput,
	"errorMessage": errorMessage,
	"csrf":         csrf,
	"errorSummary": errorSummary,
	"radios":       func(f map[string]any) (template.HTML, error) { return choiceField("radios", "radio", f) },
	"checkboxes":   func(f map[string]any) (template.HTML, error) { return choiceField("checkboxes", "checkbox", f) },
	"select":       selectField,
	"dateInput":    dateInput,
	"summaryList":  summaryList,
}

// field is a partial's dict, read as the partial read it: a missing key is
// nil, which is false and prints nothing.
type field map[string]any

// on is whether the value of k is true as template's if sees it.
func (f field) on(k string) bool { return truth(f[k]) }

// or is the value of k, or def when it is not true (template's or).
func (f field) or(k string, def any) any {
	if v := f[k]; truth(v) {
		return v
	}
	return def
}

func truth(v any) bool {
	t, _ := template.IsTrue(v)
	return t
}

// stringify is v as html/template prints it, and whether it is HTML: nil is
// nothing, a string (or any of the template package's string types) is
// itself, anything else is printed, through its pointers unless they print
// themselves.
func stringify(v any) (string, bool) {
	switch s := v.(type) {
	case nil:
		return "", false
	case string:
		return s, false
	case template.HTML:
		return string(s), true
	case fmt.Stringer, error:
		return fmt.Sprint(s), false
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && !rv.IsNil() {
		return stringify(rv.Elem().Interface())
	}
	return fmt.Sprint(v), false
}

// writeText writes v as html/template writes it in an element's text: HTML as it
// is, anything else escaped.
func writeText(b *strings.Builder, v any) {
	s, isHTML := stringify(v)
	if isHTML {
		b.WriteString(s)
		return
	}
	templateEscaper.WriteString(b, s)
}

// writeAttr writes v as html/template writes it in a quoted attribute's
// value: escaped. HTML there has its tags stripped first, which is left to
// the template package itself (attrOfHTML): no page gives a field's
// attribute HTML.
func writeAttr(b *strings.Builder, v any) {
	s, isHTML := stringify(v)
	if isHTML {
		attrOfHTML(b, template.HTML(s)) //nolint:gosec // written as html/template writes it
		return
	}
	templateEscaper.WriteString(b, s)
}

// attrOfHTMLTemplate writes its data as html/template writes it in a
// quoted attribute: attrOfHTML cuts the value out of what it writes.
var attrOfHTMLTemplate = template.Must(template.New("").Parse(`<i title="{{.}}">`))

func attrOfHTML(b *strings.Builder, h template.HTML) {
	var buf bytes.Buffer
	if err := attrOfHTMLTemplate.Execute(&buf, h); err != nil {
		return // it cannot fail: the data is a string
	}
	out := buf.String()
	b.WriteString(out[len(`<i title="`) : len(out)-len(`">`)])
}

// writeFragment writes s as html/template writes it after the # of a quoted href:
// every byte but letters, digits and -._~ percent-encoded.
func writeFragment(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(b, "%%%02x", c)
	}
}

// writeDescribedBy writes aria-describedby for a field's hint and error, if it
// has either.
func writeDescribedBy(b *strings.Builder, id any, hint, err bool) {
	if !hint && !err {
		return
	}
	b.WriteString(` aria-describedby="`)
	if hint {
		writeAttr(b, id)
		b.WriteString("-hint")
	}
	if hint && err {
		b.WriteByte(' ')
	}
	if err {
		writeAttr(b, id)
		b.WriteString("-error")
	}
	b.WriteByte('"')
}

// writeFormGroup writes a field's form group's opening tag.
func writeFormGroup(b *strings.Builder, f field, groupClass bool) {
	b.WriteString(`<div class="govuk-form-group`)
	if f.on("Error") {
		b.WriteString(" govuk-form-group--error")
	}
	if groupClass && f.on("FormGroupClass") {
		b.WriteByte(' ')
		writeAttr(b, f["FormGroupClass"])
	}
	b.WriteString(`">`)
}

// writeLabel writes a field's label for the control id: Size (s, m or l),
// when true, makes it one of the design system's larger labels.
func writeLabel(b *strings.Builder, id, label, size any) {
	b.WriteString("\n  <label class=\"govuk-label")
	if truth(size) {
		b.WriteString(" govuk-label--")
		writeAttr(b, size)
	}
	b.WriteString(`" for="`)
	writeAttr(b, id)
	b.WriteString(`">`)
	writeText(b, label)
	b.WriteString("</label>")
}

// writeHint writes a field's hint, if it has one, its line indented by indent.
func writeHint(b *strings.Builder, indent string, id any, h any) {
	if !truth(h) {
		return
	}
	b.WriteString("\n" + indent + `<div id="`)
	writeAttr(b, id)
	b.WriteString(`-hint" class="govuk-hint">`)
	writeText(b, h)
	b.WriteString("</div>")
}

// writeErrorMessage is the errorMessage partial: a field's error message, or
// nothing without one.
func writeErrorMessage(b *strings.Builder, name, msg any) {
	if !truth(msg) {
		return
	}
	b.WriteString("\n<p id=\"")
	writeAttr(b, name)
	b.WriteString(`-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> `)
	writeText(b, msg)
	b.WriteString("</p>")
}

// written is what b holds, as HTML.
func written(b *strings.Builder) template.HTML {
	return template.HTML(b.String()) //nolint:gosec // every value is escaped as html/template escapes it
}

// errorMessage: dict Name, Error. Nothing when Error is empty.
func errorMessage(m map[string]any) template.HTML {
	var b strings.Builder
	writeErrorMessage(&b, m["Name"], m["Error"])
	return written(&b)
}

// csrf is the form's hidden input of the login's token.
func csrf(token any) template.HTML {
	var b strings.Builder
	b.WriteString(`<input type="hidden" name="_csrf" value="`)
	writeAttr(&b, token)
	b.WriteString(`">`)
	return written(&b)
}

// textInput: dict Name (the input's id and name), Label, and optionally
// Hint, Value, Error, Type (default text), Autocomplete, Class (e.g.
// govuk-input--width-20), Heading (true: the label is the page's h1).
func textInput(m map[string]any) template.HTML {
	f := field(m)
	name := f["Name"]
	var b strings.Builder
	b.Grow(512)
	b.WriteByte('\n')
	writeFormGroup(&b, f, false)
	if f.on("Heading") {
		b.WriteString("\n  <h1 class=\"govuk-label-wrapper\"><label class=\"govuk-label govuk-label--l\" for=\"")
		writeAttr(&b, name)
		b.WriteString(`">`)
		writeText(&b, f["Label"])
		b.WriteString("</label></h1>")
	} else {
		writeLabel(&b, name, f["Label"], nil)
	}
	writeHint(&b, "  ", name, f["Hint"])
	writeErrorMessage(&b, name, f["Error"])
	b.WriteString("\n  <input class=\"govuk-input")
	if f.on("Class") {
		b.WriteByte(' ')
		writeAttr(&b, f["Class"])
	}
	if f.on("Error") {
		b.WriteString(" govuk-input--error")
	}
	b.WriteString(`" id="`)
	writeAttr(&b, name)
	b.WriteString(`" name="`)
	writeAttr(&b, name)
	b.WriteString(`" type="`)
	writeAttr(&b, f.or("Type", "text"))
	b.WriteByte('"')
	typ, isString := f["Type"].(string)
	if !isString || typ != "password" {
		b.WriteString(` value="`)
		writeAttr(&b, f["Value"])
		b.WriteByte('"')
	}
	if f.on("Autocomplete") {
		b.WriteString(` autocomplete="`)
		writeAttr(&b, f["Autocomplete"])
		b.WriteByte('"')
	}
	if isString && (typ == "email" || typ == "password") {
		b.WriteString(` spellcheck="false" autocapitalize="none"`)
	}
	writeDescribedBy(&b, name, f.on("Hint"), f.on("Error"))
	b.WriteString(">\n</div>\n")
	return written(&b)
}

// textArea: dict Name, Label, and optionally ID (default Name), Hint, Value,
// Error, Rows (default 3), Size (of the label: s, m or l).
func textArea(m map[string]any) template.HTML {
	f := field(m)
	id := f.or("ID", f["Name"])
	var b strings.Builder
	b.Grow(512)
	writeFormGroup(&b, f, false)
	writeLabel(&b, id, f["Label"], f["Size"])
	writeHint(&b, "  ", id, f["Hint"])
	writeErrorMessage(&b, id, f["Error"])
	b.WriteString("\n  <textarea class=\"govuk-textarea")
	if f.on("Error") {
		b.WriteString(" govuk-textarea--error")
	}
	b.WriteString(`" id="`)
	writeAttr(&b, id)
	b.WriteString(`" name="`)
	writeAttr(&b, f["Name"])
	b.WriteString(`" rows="`)
	writeAttr(&b, f.or("Rows", 3))
	b.WriteByte('"')
	writeDescribedBy(&b, id, f.on("Hint"), f.on("Error"))
	b.WriteByte('>')
	// A textarea's text is RCDATA: html/template escapes HTML there too,
	// keeping its entities.
	if s, isHTML := stringify(f["Value"]); isHTML {
		rcdataHTMLEscaper.WriteString(&b, s)
	} else {
		templateEscaper.WriteString(&b, s)
	}
	b.WriteString("</textarea>\n</div>\n")
	return written(&b)
}

// rcdataHTMLEscaper is html/template's escaper of HTML in RCDATA
// (htmlNormReplacementTable): templateEscaper, but an & is kept.
var rcdataHTMLEscaper = strings.NewReplacer(
	"\x00", "\uFFFD", `"`, "&#34;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// moneyInput: a text input with a £ prefix. dict Name, Label, Value, and
// optionally Hint, Error, Class (default govuk-input--width-5).
func moneyInput(m map[string]any) template.HTML {
	f := field(m)
	name := f["Name"]
	var b strings.Builder
	b.Grow(640)
	b.WriteByte('\n')
	writeFormGroup(&b, f, false)
	writeLabel(&b, name, f["Label"], nil)
	writeHint(&b, "  ", name, f["Hint"])
	writeErrorMessage(&b, name, f["Error"])
	b.WriteString("\n  <div class=\"govuk-input__wrapper\">\n    <div class=\"govuk-input__prefix\" aria-hidden=\"true\">£</div>\n    <input class=\"govuk-input ")
	writeAttr(&b, f.or("Class", "govuk-input--width-5"))
	if f.on("Error") {
		b.WriteString(" govuk-input--error")
	}
	b.WriteString(`" id="`)
	writeAttr(&b, name)
	b.WriteString(`" name="`)
	writeAttr(&b, name)
	b.WriteString(`" type="text" inputmode="decimal" spellcheck="false" autocomplete="off" value="`)
	writeAttr(&b, f["Value"])
	b.WriteByte('"')
	writeDescribedBy(&b, name, f.on("Hint"), f.on("Error"))
	b.WriteString(">\n  </div>\n</div>")
	return written(&b)
}

// errorSummary is the GOV.UK Frontend 6.6.0 error summary of the page's
// data (a view), or of a list of errors: each links to the input in error
// (its Field) and says its Message. Nothing when there are none. Put it at
// the top of the main column, above the h1; GOV.UK Frontend's JavaScript
// moves focus to it.
func errorSummary(data any) (template.HTML, error) {
	var errs []FieldError
	switch v := data.(type) {
	case view:
		errs = v.Errors
	case *view:
		if v != nil {
			errs = v.Errors
		}
	case []FieldError:
		errs = v
	default:
		return "", fmt.Errorf("errorSummary: %T is not a view", data)
	}
	if len(errs) == 0 {
		return "", nil
	}
	var b strings.Builder
	b.Grow(400 + 80*len(errs))
	b.WriteString(`
<div class="govuk-error-summary" data-module="govuk-error-summary">
  <div role="alert">
    <h2 class="govuk-error-summary__title">
      There is a problem
    </h2>
    <div class="govuk-error-summary__body">
      <ul class="govuk-list govuk-error-summary__list">`)
	for _, e := range errs {
		b.WriteString("\n        <li>\n          ")
		if e.Field != "" {
			b.WriteString(`<a href="#`)
			writeFragment(&b, e.Field)
			b.WriteString(`">`)
			templateEscaper.WriteString(&b, e.Message)
			b.WriteString("</a>")
		} else {
			templateEscaper.WriteString(&b, e.Message)
		}
		b.WriteString("\n        </li>")
	}
	b.WriteString(`
      </ul>
    </div>
  </div>
</div>`)
	return written(&b), nil
}
