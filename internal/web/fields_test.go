package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"math/rand/v2"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/views"
)

// partialsWere is views/partials' forms.html, errorsummary.html and kit.html
// as they were before fieldFuncs wrote their fields: the reference the
// functions are held to, byte for byte.
const partialsWere = `{{- /*
  Form fields in the GOV.UK Design System's markup. Call with dict:
  Name (the input's id and name), Label, and optionally Hint, Value, Error,
  Type (default text), Autocomplete, Class (e.g. govuk-input--width-20),
  Heading (true: the label is the page's h1).
*/ -}}
{{define "textInput"}}
<div class="govuk-form-group{{if .Error}} govuk-form-group--error{{end}}">
  {{- if .Heading}}
  <h1 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l" for="{{.Name}}">{{.Label}}</label></h1>
  {{- else}}
  <label class="govuk-label" for="{{.Name}}">{{.Label}}</label>
  {{- end}}
  {{- if .Hint}}
  <div id="{{.Name}}-hint" class="govuk-hint">{{.Hint}}</div>
  {{- end}}
  {{- template "errorMessage" .}}
  <input class="govuk-input{{with .Class}} {{.}}{{end}}{{if .Error}} govuk-input--error{{end}}" id="{{.Name}}" name="{{.Name}}" type="{{or .Type "text"}}"
    {{- if ne .Type "password"}} value="{{.Value}}"{{end}}
    {{- with .Autocomplete}} autocomplete="{{.}}"{{end}}
    {{- if or (eq .Type "email") (eq .Type "password")}} spellcheck="false" autocapitalize="none"{{end}}
    {{- if or .Hint .Error}} aria-describedby="{{if .Hint}}{{.Name}}-hint{{end}}{{if and .Hint .Error}} {{end}}{{if .Error}}{{.Name}}-error{{end}}"{{end}}>
</div>
{{end}}

{{- /* A textarea: Name, Label, and optionally ID (default Name), Hint, Value,
  Error, Rows (default 3), Size (of the label: s, m or l). */ -}}
{{define "textArea"}}
{{- $id := or .ID .Name -}}
<div class="govuk-form-group{{if .Error}} govuk-form-group--error{{end}}">
  <label class="govuk-label{{with .Size}} govuk-label--{{.}}{{end}}" for="{{$id}}">{{.Label}}</label>
  {{- if .Hint}}
  <div id="{{$id}}-hint" class="govuk-hint">{{.Hint}}</div>
  {{- end}}
  {{- template "errorMessage" (dict "Name" $id "Error" .Error)}}
  <textarea class="govuk-textarea{{if .Error}} govuk-textarea--error{{end}}" id="{{$id}}" name="{{.Name}}" rows="{{or .Rows 3}}"
    {{- if or .Hint .Error}} aria-describedby="{{if .Hint}}{{$id}}-hint{{end}}{{if and .Hint .Error}} {{end}}{{if .Error}}{{$id}}-error{{end}}"{{end}}>{{.Value}}</textarea>
</div>
{{end}}

{{define "csrf"}}<input type="hidden" name="_csrf" value="{{.}}">{{end}}
{{define "errorSummary" -}}
{{- /*
  The GOV.UK Frontend 6.6.0 error summary. Pass the page data: it lists
  .Errors (each with Field, the id of the input in error, and Message) and
  renders nothing when there are none. Put it at the top of the main
  column, above the h1; GOV.UK Frontend's JavaScript moves focus to it.
*/ -}}
{{- if .Errors}}
<div class="govuk-error-summary" data-module="govuk-error-summary">
  <div role="alert">
    <h2 class="govuk-error-summary__title">
      There is a problem
    </h2>
    <div class="govuk-error-summary__body">
      <ul class="govuk-list govuk-error-summary__list">
        {{- range .Errors}}
        <li>
          {{- if .Field}}
          <a href="#{{.Field}}">{{.Message}}</a>
          {{- else}}
          {{.Message}}
          {{- end}}
        </li>
        {{- end}}
      </ul>
    </div>
  </div>
</div>
{{- end}}
{{- end}}
{{- /*
  The GOV.UK component kit: form components in the GOV.UK Design System's
  markup, mirroring its macros. Call each with dict. Every field takes:
  Name (the input's name, and the id of its first input), Hint, Error (the
  field's error message, or ""), and the chosen value(s).
  Items are built with the choice, choices and choicesOf functions
  (internal/web/kit.go); an item's ID overrides its input's id, which is
  otherwise Name for the first item and Name-Value after it.
  textInput and textArea are in forms.html; errorSummary in errorsummary.html;
  pagination in admin.html.
*/ -}}

{{- /* errorMessage: dict Name, Error. Nothing when Error is empty. */ -}}
{{define "errorMessage"}}
{{- if .Error}}
<p id="{{.Name}}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> {{.Error}}</p>
{{- end}}
{{- end}}

{{- /* legend: dict Legend, Size (s, m or l), Heading (the legend is the page's h1,
  default size l) or H2 (an h2, default size m); default size s. Caption: a
  line under the legend (not with Heading or H2). */ -}}
{{define "legend"}}
{{- if .Heading}}
<legend class="govuk-fieldset__legend govuk-fieldset__legend--{{or .Size "l"}}"><h1 class="govuk-fieldset__heading">{{.Legend}}</h1></legend>
{{- else if .H2}}
<legend class="govuk-fieldset__legend govuk-fieldset__legend--{{or .Size "m"}}"><h2 class="govuk-fieldset__heading">{{.Legend}}</h2></legend>
{{- else}}
<legend class="govuk-fieldset__legend govuk-fieldset__legend--{{or .Size "s"}}">{{.Legend}}{{with .Caption}}<span class="govuk-caption-m">{{.}}</span>{{end}}</legend>
{{- end}}
{{- end}}

{{- /*
  radios: dict Name, Legend, Items, Chosen, and optionally Hint, HintClass
  (the hint's class instead of govuk-hint, e.g. govuk-body), Error, Size (of
  the legend), Heading, H2, Caption, Class (govuk-radios--inline or --small),
  ID (the items' container's id), IDPrefix (the hint's, error's and items'
  ids' prefix, default Name), FormGroupClass, Reveal. Without a Legend there
  is no fieldset and each input is described by the hint and error.
  An item's Conditional is shown under it; with Reveal true it is hidden
  until the item is chosen (the design system's JavaScript, data-aria-controls),
  but a radio's aria-expanded fails axe, so radios leave Reveal unset.
*/ -}}
{{define "radios"}}{{template "choiceGroup" (choiceGroup "radios" "radio" .)}}{{end}}

{{- /*
  checkboxes: dict Name, Legend, Items, Chosen (a slice, or one value), and
  optionally the params radios takes; Class govuk-checkboxes--small.
  Items may have their own Name (and Error), and be Exclusive.
*/ -}}
{{define "checkboxes"}}{{template "choiceGroup" (choiceGroup "checkboxes" "checkbox" .)}}{{end}}

{{- /*
  choiceGroup: the markup radios and checkboxes share, from the choiceGroup
  function (internal/web/kit.go); Kind is the design system's class stem
  (radios, checkboxes), Type the input's type.
*/ -}}
{{define "choiceGroup"}}
{{- $g := .}}{{$k := .Kind}}{{$f := .Field -}}
<div class="govuk-form-group{{if $g.Errors}} govuk-form-group--error{{end}}{{with $f.FormGroupClass}} {{.}}{{end}}">
  {{- if $f.Legend}}
  <fieldset class="govuk-fieldset"{{with $g.DescribedBy}} aria-describedby="{{.}}"{{end}}>
    {{- template "legend" $f}}
  {{- end}}
    {{- with $f.Hint}}
    <div id="{{$g.Prefix}}-hint" class="{{or $f.HintClass "govuk-hint"}}">{{.}}</div>
    {{- end}}
    {{- range $g.Errors}}{{template "errorMessage" (dict "Name" .Name "Error" .Error)}}{{end}}
    <div class="govuk-{{$k}}{{with $f.Class}} {{.}}{{end}}" data-module="govuk-{{$k}}"{{with $f.ID}} id="{{.}}"{{end}}>
      {{- range $g.Items}}
      {{- if .Divider}}
      <div class="govuk-{{$k}}__divider">{{.Divider}}</div>
      {{- else}}
      <div class="govuk-{{$k}}__item">
        <input class="govuk-{{$k}}__input" id="{{.InputID}}" name="{{.InputName}}" type="{{$g.Type}}" value="{{.Value}}"
          {{- if .On}} checked{{end}}{{if .Disabled}} disabled{{end}}
          {{- if .Reveal}} data-aria-controls="{{.ConditionalID}}"{{end}}
          {{- with .DescribedBy}} aria-describedby="{{.}}"{{end}}
          {{- if .Exclusive}} data-behaviour="exclusive"{{end}}>
        <label class="govuk-label govuk-{{$k}}__label" for="{{.InputID}}">{{if .HTML}}{{.HTML}}{{else}}{{.Text}}{{end}}</label>
        {{- if or .Hint .HintHTML}}
        <div id="{{.InputID}}-item-hint" class="govuk-hint govuk-{{$k}}__hint">{{if .HintHTML}}{{.HintHTML}}{{else}}{{.Hint}}{{end}}</div>
        {{- end}}
      </div>
      {{- if .ConditionalID}}
      <div class="govuk-{{$k}}__conditional{{if and .Reveal (not .On)}} govuk-{{$k}}__conditional--hidden{{end}}" id="{{.ConditionalID}}">
        {{- .Conditional}}
      </div>
      {{- end}}
      {{- end}}
      {{- end}}
    </div>
  {{- if $f.Legend}}
  </fieldset>
  {{- end}}
</div>
{{- end}}

{{- /*
  select: dict Name, Label, Items, Chosen, and optionally ID (default Name),
  Hint, Error, Class (e.g. govuk-!-width-full), Size (of the label: s, m or
  l), H2 (the label is an h2, default size m), FormGroupClass. An item that
  is Checked is selected whatever Chosen; a Disabled one is disabled. The
  options are written by the options function (internal/web/kit.go), one
  call for the lot rather than four an option.
*/ -}}
{{define "select"}}
{{- $id := or .ID .Name -}}
<div class="govuk-form-group{{if .Error}} govuk-form-group--error{{end}}{{with .FormGroupClass}} {{.}}{{end}}">
  {{- if .H2}}
  <h2 class="govuk-label-wrapper"><label class="govuk-label govuk-label--{{or .Size "m"}}" for="{{$id}}">{{.Label}}</label></h2>
  {{- else}}
  <label class="govuk-label{{with .Size}} govuk-label--{{.}}{{end}}" for="{{$id}}">{{.Label}}</label>
  {{- end}}
  {{- with .Hint}}
  <div id="{{$id}}-hint" class="govuk-hint">{{.}}</div>
  {{- end}}
  {{- template "errorMessage" (dict "Name" $id "Error" .Error)}}
  <select class="govuk-select{{with .Class}} {{.}}{{end}}{{if .Error}} govuk-select--error{{end}}" id="{{$id}}" name="{{.Name}}"
    {{- if or .Hint .Error}} aria-describedby="{{if .Hint}}{{$id}}-hint{{end}}{{if and .Hint .Error}} {{end}}{{if .Error}}{{$id}}-error{{end}}"{{end}}>
    {{- options .Items .Chosen}}
  </select>
</div>
{{- end}}

{{- /*
  dateInput: dict Name (the fieldset's id prefix; the inputs are
  Name-day, Name-month, Name-year unless Parts names them), Legend, Day,
  Month, Year (the values typed), and optionally Hint, Error, Size,
  Parts (list of the three input names, e.g. (list "day" "month" "year")),
  PartErrors (list of three: the day's, month's and year's own error, which
  marks only that input in error; without it Error marks all three).
*/ -}}
{{define "dateInput"}}
{{- $f := . -}}
{{- $names := or .Parts (list (printf "%s-day" .Name) (printf "%s-month" .Name) (printf "%s-year" .Name)) -}}
<div class="govuk-form-group{{if .Error}} govuk-form-group--error{{end}}">
  <fieldset class="govuk-fieldset" role="group"{{if or .Hint .Error}} aria-describedby="{{if .Hint}}{{.Name}}-hint{{end}}{{if and .Hint .Error}} {{end}}{{if .Error}}{{.Name}}-error{{end}}"{{end}}>
    {{- template "legend" .}}
    {{- with .Hint}}
    <div id="{{$f.Name}}-hint" class="govuk-hint">{{.}}</div>
    {{- end}}
    {{- template "errorMessage" .}}
    <div class="govuk-date-input" id="{{.Name}}">
      {{- range $i, $part := list "Day" "Month" "Year"}}
      {{- $n := index $names $i}}
      <div class="govuk-date-input__item">
        <div class="govuk-form-group">
          <label class="govuk-label govuk-date-input__label" for="{{$n}}">{{$part}}</label>
          <input class="govuk-input govuk-date-input__input govuk-input--width-{{if eq $i 2}}4{{else}}2{{end}}{{if $f.PartErrors}}{{if index $f.PartErrors $i}} govuk-input--error{{end}}{{else if $f.Error}} govuk-input--error{{end}}" id="{{$n}}" name="{{$n}}" type="text" inputmode="numeric" value="{{if eq $i 0}}{{$f.Day}}{{else if eq $i 1}}{{$f.Month}}{{else}}{{$f.Year}}{{end}}">
        </div>
      </div>
      {{- end}}
    </div>
  </fieldset>
</div>
{{- end}}

{{- /*
  moneyInput: a text input with a £ prefix. dict Name, Label, Value, and
  optionally Hint, Error, Class (default govuk-input--width-5).
*/ -}}
{{define "moneyInput"}}
<div class="govuk-form-group{{if .Error}} govuk-form-group--error{{end}}">
  <label class="govuk-label" for="{{.Name}}">{{.Label}}</label>
  {{- if .Hint}}
  <div id="{{.Name}}-hint" class="govuk-hint">{{.Hint}}</div>
  {{- end}}
  {{- template "errorMessage" .}}
  <div class="govuk-input__wrapper">
    <div class="govuk-input__prefix" aria-hidden="true">£</div>
    <input class="govuk-input {{or .Class "govuk-input--width-5"}}{{if .Error}} govuk-input--error{{end}}" id="{{.Name}}" name="{{.Name}}" type="text" inputmode="decimal" spellcheck="false" autocomplete="off" value="{{.Value}}"
      {{- if or .Hint .Error}} aria-describedby="{{if .Hint}}{{.Name}}-hint{{end}}{{if and .Hint .Error}} {{end}}{{if .Error}}{{.Name}}-error{{end}}"{{end}}>
  </div>
</div>
{{- end}}

{{- /*
  summaryList: dict Rows (built with rows and row: (row "Key" value) or
  (row "Key" value "govuk-!-text-break-word")), and optionally ID and Class
  (e.g. govuk-summary-list--no-border).
*/ -}}
{{define "summaryList"}}
<dl class="govuk-summary-list{{with .Class}} {{.}}{{end}}"{{with .ID}} id="{{.}}"{{end}}>
  {{- range .Rows}}
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{{.Key}}</dt><dd class="govuk-summary-list__value{{with .Class}} {{.}}{{end}}">{{.Value}}</dd></div>
  {{- end}}
</dl>
{{- end}}
`

// absent leaves a key out of a field's dict (which is not the same as nil).
type absentKey struct{}

var absent = absentKey{}

// oddValues are values that escaping can get wrong.
var oddValues = []any{"", "plain", `a "quoted" & <tagged> 'one'`, "1+1=2", "nul\x00byte", "Ōtautahi – café ✓",
	"bad \xff utf-8", "<script>alert(1)</script>", "&amp; already", "tab\tand\nnewline", "javascript:void(0)",
	template.HTML(`<b>bold</b> &amp; "q" <i>it</i>`), 7, int64(-3), true, nil, absent}

// sampleFields is n dicts, each key given one of its values at random (a
// fixed seed), after a first pass that gives every key each of its values.
func sampleFields(dims map[string][]any, n int) []map[string]any {
	keys := make([]string, 0, len(dims))
	for k := range dims {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	r := rand.New(rand.NewPCG(21, 21))
	var out []map[string]any
	add := func(pick func(k string) any) {
		m := map[string]any{}
		for _, k := range keys {
			if v := pick(k); v != absent {
				m[k] = v
			}
		}
		out = append(out, m)
	}
	for _, k := range keys {
		for _, v := range dims[k] {
			add(func(k2 string) any {
				if k2 == k {
					return v
				}
				return dims[k2][0]
			})
		}
	}
	for range n {
		add(func(k string) any { return dims[k][r.IntN(len(dims[k]))] })
	}
	return out
}

// sameAsPartial renders each dict with the partial (from partialsWere) and
// with the function of the same name (as a page calls it), and fails on any
// difference, or on one failing where the other does not.
func sameAsPartial(t *testing.T, name string, data []any) {
	t.Helper()
	was := template.Must(template.New("").Funcs(templateFuncs).Funcs(kitFuncs).
		Funcs(template.FuncMap{"choiceGroup": newChoiceGroup}).Parse(partialsWere))
	now := template.Must(template.New("").Funcs(templateFuncs).Funcs(kitFuncs).Funcs(fieldFuncs).Parse(
		fmt.Sprintf("{{%s .}}", name)))
	differ := 0
	for _, d := range data {
		var before, after bytes.Buffer
		errBefore := was.ExecuteTemplate(&before, name, d)
		errAfter := now.Execute(&after, d)
		if (errBefore != nil) != (errAfter != nil) {
			t.Errorf("%s %#v: the partial's error %v, the function's %v", name, d, errBefore, errAfter)
			differ++
		} else if errBefore == nil && !assert.Equal(t, before.String(), after.String(), "%s %#v", name, d) {
			differ++
		}
		if differ > 3 {
			t.Fatalf("%s: more than 3 differ", name)
		}
	}
}

func asData(ms []map[string]any) []any {
	out := make([]any, len(ms))
	for i, m := range ms {
		out[i] = m
	}
	return out
}

func TestFieldsAreWhatThePartialsWrote(t *testing.T) {
	t.Parallel()
	names := []any{"email", "line-manager-name", `odd "id" <&> 'x'`, "1+1", 42, nil, absent}
	errs := []any{absent, "", "Enter your email address", `Enter a "real" <date> & 'time'`, nil, template.HTML(`<b>HTML</b> error`)}
	hints := []any{absent, "", "For example, name@example.org", `a "quoted" & <tagged> 'hint' – ✓`, template.HTML(`<a href="/x">HTML</a> hint`), nil}
	flags := []any{absent, false, true, "", "yes", 0, 1, nil}
	sizes := []any{absent, "", "s", "m", "l", `x" onclick="y`}
	classes := []any{absent, "", "govuk-input--width-20", `a "b" <c>`}

	t.Run("textInput", func(t *testing.T) {
		t.Parallel()
		sameAsPartial(t, "textInput", asData(sampleFields(map[string][]any{
			"Name": names, "Label": oddValues, "Hint": hints, "Error": errs, "Value": oddValues,
			"Type":         {absent, "", "text", "email", "password", "tel", nil, `x" y`},
			"Autocomplete": {absent, "", "off", "email", "new-password", `a"b`},
			"Class":        classes, "Heading": flags,
		}, 4000)))
	})
	t.Run("textArea", func(t *testing.T) {
		t.Parallel()
		sameAsPartial(t, "textArea", asData(sampleFields(map[string][]any{
			"Name": names, "ID": {absent, "", "other-id", `o"dd`, 9, nil}, "Label": oddValues, "Hint": hints, "Error": errs,
			"Value": oddValues, "Rows": {absent, 0, 5, "8", "", `1"`, nil}, "Size": sizes,
		}, 4000)))
	})
	t.Run("moneyInput", func(t *testing.T) {
		t.Parallel()
		sameAsPartial(t, "moneyInput", asData(sampleFields(map[string][]any{
			"Name": names, "Label": oddValues, "Hint": hints, "Error": errs, "Value": oddValues, "Class": classes,
		}, 2000)))
	})
	t.Run("errorMessage", func(t *testing.T) {
		t.Parallel()
		sameAsPartial(t, "errorMessage", asData(sampleFields(map[string][]any{"Name": names, "Error": errs}, 200)))
	})
	t.Run("csrf", func(t *testing.T) {
		t.Parallel()
		sameAsPartial(t, "csrf", append(slices.Clone(oddValues[:len(oddValues)-1]), "Zm9v+/bar=="))
	})
	t.Run("errorSummary", func(t *testing.T) {
		t.Parallel()
		var data []any
		for _, errs := range [][]FieldError{nil, {}, {{Field: "email", Message: "Enter your email address"}},
			{{Field: `odd "field" <x> & y/z?a=b#c é%20`, Message: `a "quoted" & <tagged> 'one' – ✓`}, {Message: "No field <here>"},
				{Field: "1+1", Message: ""}, {Field: "nul\x00", Message: "bad \xff utf-8"}}} {
			data = append(data, view{Errors: errs}, &view{Errors: errs, Title: "x"})
		}
		sameAsPartial(t, "errorSummary", data)
	})
	t.Run("dateInput", func(t *testing.T) {
		t.Parallel()
		sameAsPartial(t, "dateInput", asData(sampleFields(map[string][]any{
			"Name": names, "Legend": oddValues, "Hint": hints, "Error": errs, "Size": sizes,
			"Heading": flags, "H2": flags, "Caption": {absent, "", "Northshire <x>", template.HTML("<b>c</b>")},
			"Day": oddValues, "Month": {absent, "3", 3, `"`}, "Year": {absent, "2027", 2027, "<y>"},
			"Parts":      {absent, nil, []string{}, []string{"day", "month", "year"}, []string{`d"`, "m<", "y&"}},
			"PartErrors": {absent, nil, []string{}, []string{"", "Enter a month", ""}, []string{"d", "", "y"}, []string{"", "", ""}},
		}, 4000)))
	})
	t.Run("select", func(t *testing.T) {
		t.Parallel()
		items, err := choices(newChoice("", "All agencies"), newChoice(int64(7), "Northshire <&>"),
			choice{Value: `v"1`, Text: "Checked", Checked: true}, choice{Value: "d", Text: "Disabled", Disabled: true})
		require.NoError(t, err)
		sameAsPartial(t, "select", asData(sampleFields(map[string][]any{
			"Name": names, "ID": {absent, "", "other-id", `o"dd`}, "Label": oddValues, "Hint": hints, "Error": errs,
			"Class": classes, "Size": sizes, "H2": flags, "FormGroupClass": classes,
			"Items": {absent, nil, items, []choice{}}, "Chosen": {absent, nil, "", "7", int64(7), []string{"d", ""}},
		}, 3000)))
	})
	for _, kind := range []string{"radios", "checkboxes"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			plain, err := choices(newChoice("a", "Aye"), newChoice("b", `Bee "b" <&>`, "A hint – ✓"), newChoice(7, "Seven"))
			require.NoError(t, err)
			rich, err := choices(
				choice{Value: "x", HTML: template.HTML(`<b>X</b>`), HintHTML: template.HTML(`<i>hint</i>`), ID: `own "id"`},
				choice{Divider: "or"},
				choice{Value: "y", Text: "Why", Conditional: template.HTML("\n<p>revealed</p>"), Checked: true},
				choice{Value: "z", Text: "Zed", Conditional: template.HTML(`<p>z</p>`), Exclusive: true, Disabled: true},
				choice{Value: "yes", Text: "Own name", Name: "own-name", Error: "Own <error>"},
				choice{Value: "no", Text: "Own name, no error", Name: "other-name", Hint: "h"},
				choice{Value: `q"&<`, Text: "Odd value"},
			)
			require.NoError(t, err)
			sameAsPartial(t, kind, asData(sampleFields(map[string][]any{
				"Name":   {"kind", `odd "name"`, 4},
				"Legend": {absent, "", "Kind of venue", `a "quoted" & <tagged> 'legend'`, template.HTML("<b>L</b>")},
				"Hint":   hints, "HintClass": {absent, "", "govuk-body", `a"b`}, "Error": errs, "Size": sizes,
				"Heading": flags, "H2": flags, "Caption": {absent, "", "Northshire <x>"}, "Class": classes,
				"ID": {absent, "", "items", `i"d`}, "IDPrefix": {absent, "", "prefix", `p"<`}, "FormGroupClass": classes,
				"Reveal": flags, "Items": {absent, nil, plain, rich, []choice{}},
				"Chosen": {absent, nil, "", "b", "y", 7, []string{"a", "z", "yes"}, []int{7}, map[string]bool{"b": true, "a": false}},
			}, 5000)))
		})
	}
	t.Run("summaryList", func(t *testing.T) {
		t.Parallel()
		rows := []summaryRow{newSummaryRow("Name", "Ann <Lee> & 'co'"), newSummaryRow("Places", 12),
			newSummaryRow("Email <address>", "a@example.org", "govuk-!-text-break-word"), newSummaryRow("", "", `c"`)}
		sameAsPartial(t, "summaryList", asData(sampleFields(map[string][]any{
			"ID": {absent, "", "details", `d"<`}, "Class": classes, "Rows": {absent, nil, rows, []summaryRow{}},
		}, 200)))
	})
}

// TestIncludedTemplatesAreDefined holds every page's (include "name" …) to a
// template its set defines: include is bound at render, so a name that is
// now a function (as the kit's fields are) fails only when the page is shown.
func TestIncludedTemplatesAreDefined(t *testing.T) {
	t.Parallel()
	ps, err := loadPages()
	require.NoError(t, err)
	included := regexp.MustCompile(`include "([^"]+)"`)
	for name, lp := range ps.byName {
		src, err := fs.ReadFile(views.FS, lp.path)
		require.NoError(t, err)
		for _, m := range included.FindAllStringSubmatch(string(src), -1) {
			page, ok, err := ps.lookup(name)
			require.True(t, ok)
			require.NoError(t, err)
			assert.NotNil(t, page.Lookup(m[1]), "%s includes %q, which it does not define", lp.path, m[1])
		}
	}
}
