package web

import (
	"bytes"
	"html/template"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// renderPartial renders one of the kit's fields (fieldFuncs) as a page
// calls it: {{name (dict kv...)}}, in the page set of any page.
func renderPartial(t *testing.T, name string, kv ...any) string {
	t.Helper()
	ps, err := loadPages()
	require.NoError(t, err)
	data, err := dict(kv...)
	require.NoError(t, err)
	home, ok, err := ps.lookup("home")
	require.True(t, ok)
	require.NoError(t, err)
	page, err := home.Clone()
	require.NoError(t, err)
	call, err := page.New("call").Parse("{{" + name + " .}}")
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, call.Execute(&buf, data))
	return buf.String()
}

func TestKitRadiosLinkHintAndErrorAndMarkTheChoice(t *testing.T) {
	t.Parallel()
	items, err := choices(newChoice("room", "Room"), newChoice("online", "Online platform", "Teams or Zoom"))
	require.NoError(t, err)

	plain := renderPartial(t, "radios", "Name", "kind", "Legend", "Kind of venue", "Items", items, "Chosen", "online")
	assert.Contains(t, plain, `<div class="govuk-form-group">`)
	assert.Contains(t, plain, `<fieldset class="govuk-fieldset">`)
	assert.Contains(t, plain, `<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Kind of venue</legend>`)
	assert.Contains(t, plain, `id="kind" name="kind" type="radio" value="room">`, "the first item's id is the field's name, unchecked")
	assert.Contains(t, plain, `id="kind-online" name="kind" type="radio" value="online" checked aria-describedby="kind-online-item-hint">`)
	assert.Contains(t, plain, `<div id="kind-online-item-hint" class="govuk-hint govuk-radios__hint">Teams or Zoom</div>`)
	assert.NotContains(t, plain, "govuk-error-message")

	captioned := renderPartial(t, "radios", "Name", "attendance-4", "Legend", "Ann Lee", "Caption", "Northshire", "Size", "m", "Items", items, "Chosen", "room")
	assert.Contains(t, captioned, `<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">Ann Lee<span class="govuk-caption-m">Northshire</span></legend>`)
	assert.Contains(t, captioned, `id="attendance-4" name="attendance-4" type="radio" value="room" checked>`)

	bad := renderPartial(t, "radios", "Name", "kind", "Legend", "Kind of venue", "Hint", "Choose one", "Items", items,
		"Chosen", "", "Error", "Select the kind of venue")
	assert.Contains(t, bad, `<div class="govuk-form-group govuk-form-group--error">`)
	assert.Contains(t, bad, `<fieldset class="govuk-fieldset" aria-describedby="kind-hint kind-error">`)
	assert.Contains(t, bad, `<div id="kind-hint" class="govuk-hint">Choose one</div>`)
	assert.Contains(t, bad, `<p id="kind-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> Select the kind of venue</p>`)
	assert.NotContains(t, bad, "checked")
}

func TestKitCheckboxesMarkEveryChosenValueOfAnyType(t *testing.T) {
	t.Parallel()
	type course struct {
		ID    int64
		Title string
	}
	items, err := choicesOf([]course{{3, "Level 1"}, {5, "Level 2"}, {8, "Level 3"}}, "ID", "Title")
	require.NoError(t, err)
	out := renderPartial(t, "checkboxes", "Name", "course", "Legend", "Courses", "Items", items,
		"Chosen", []int64{5, 8}, "Class", "govuk-checkboxes--small")
	assert.Contains(t, out, `<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">`)
	assert.Contains(t, out, `id="course" name="course" type="checkbox" value="3">`)
	assert.Contains(t, out, `id="course-5" name="course" type="checkbox" value="5" checked>`)
	assert.Contains(t, out, `id="course-8" name="course" type="checkbox" value="8" checked>`)
	assert.Contains(t, out, `<label class="govuk-label govuk-checkboxes__label" for="course-8">Level 3</label>`)

	type approval struct {
		CourseID int64
		Approved bool
	}
	chosen, err := chosenOf([]approval{{3, false}, {5, true}, {8, true}}, "CourseID", "Approved")
	require.NoError(t, err)
	assert.Equal(t, []string{"5", "8"}, chosen)

	_, err = choicesOf([]course{{1, "x"}}, "ID", "Name")
	assert.Error(t, err, "a wrong field name fails at render, not silently")
}

func TestKitSelectDateAndMoney(t *testing.T) {
	t.Parallel()
	items, err := choices(newChoice("", "All agencies"), newChoice(int64(7), "Northshire"))
	require.NoError(t, err)
	sel := renderPartial(t, "select", "Name", "agency", "Label", "Agency", "Items", items, "Chosen", int64(7), "Error", "Choose an agency")
	assert.Contains(t, sel, `<select class="govuk-select govuk-select--error" id="agency" name="agency" aria-describedby="agency-error">`)
	assert.Contains(t, sel, `<option value="">All agencies</option>`)
	assert.Contains(t, sel, `<option value="7" selected>Northshire</option>`)

	date := renderPartial(t, "dateInput", "Name", "date", "Legend", "Date", "Hint", "For example, 27 3 2027",
		"Day", "27", "Month", "3", "Year", "2027", "Error", "Enter a real date")
	assert.Contains(t, date, `<fieldset class="govuk-fieldset" role="group" aria-describedby="date-hint date-error">`)
	assert.Contains(t, date, `<div class="govuk-date-input" id="date">`)
	assert.Contains(t, date, `id="date-day" name="date-day" type="text" inputmode="numeric" value="27">`)
	assert.Contains(t, date, `govuk-input--width-4 govuk-input--error" id="date-year" name="date-year" type="text" inputmode="numeric" value="2027">`)

	named := renderPartial(t, "dateInput", "Name", "date", "Legend", "Date", "Parts", []string{"day", "month", "year"}, "Month", "3")
	assert.Contains(t, named, `id="month" name="month" type="text" inputmode="numeric" value="3">`)
	assert.Contains(t, named, `<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Date</legend>`)

	h2 := renderPartial(t, "select", "Name", "role", "Label", "Give a role", "H2", true, "Hint", "One role", "Items", items)
	assert.Contains(t, h2, `<h2 class="govuk-label-wrapper"><label class="govuk-label govuk-label--m" for="role">Give a role</label></h2>`)
	assert.Contains(t, h2, `id="role" name="role" aria-describedby="role-hint">`)
	h2Legend := renderPartial(t, "radios", "Name", "kind", "Legend", "What would you like?", "H2", true, "Items", items)
	assert.Contains(t, h2Legend, `<legend class="govuk-fieldset__legend govuk-fieldset__legend--m"><h2 class="govuk-fieldset__heading">What would you like?</h2></legend>`)
	assert.NotContains(t, named, "aria-describedby")

	money := renderPartial(t, "moneyInput", "Name", "price", "Label", "Price", "Value", "12.50", "Hint", "In pounds")
	assert.Contains(t, money, `<div class="govuk-input__prefix" aria-hidden="true">£</div>`)
	assert.Contains(t, money, `id="price" name="price" type="text" inputmode="decimal" spellcheck="false" autocomplete="off" value="12.50" aria-describedby="price-hint">`)
}

func TestIsChosen(t *testing.T) {
	t.Parallel()
	assert.True(t, isChosen("a", "a"))
	assert.True(t, isChosen(int64(4), "4"))
	assert.True(t, isChosen([]string{"a", "b"}, "b"))
	assert.False(t, isChosen([]string{"a", "b"}, "c"))
	assert.False(t, isChosen(nil, ""))
	assert.False(t, isChosen("", "x"))
	assert.True(t, isChosen(true, "true"))
}

type band string

func (b band) Label() string { return "Band " + string(b) }

func TestChoicesOfReadsTheElementOrItsMethod(t *testing.T) {
	t.Parallel()
	got, err := choicesOf([]band{"a", "b"}, ".", "Label")
	require.NoError(t, err)
	assert.Equal(t, []choice{{Value: "a", Text: "Band a"}, {Value: "b", Text: "Band b"}}, got)
	_, err = choicesOf([]band{"a"}, ".", "Name")
	assert.Error(t, err)
}

func TestKitSummaryList(t *testing.T) {
	t.Parallel()
	out := renderPartial(t, "summaryList", "ID", "details", "Rows", []summaryRow{
		newSummaryRow("Name", "Ann <Lee>"), newSummaryRow("Places", 12), newSummaryRow("Email address", "a@example.org", "govuk-!-text-break-word"),
	})
	assert.Contains(t, out, `<dl class="govuk-summary-list" id="details">`)
	assert.Contains(t, out, `<dt class="govuk-summary-list__key">Name</dt><dd class="govuk-summary-list__value">Ann &lt;Lee&gt;</dd>`, "values are escaped")
	assert.Contains(t, out, `<dd class="govuk-summary-list__value">12</dd>`)
	assert.Contains(t, out, `<dd class="govuk-summary-list__value govuk-!-text-break-word">a@example.org</dd>`)
}

func TestKitItemsTakeTheDesignSystemsParams(t *testing.T) {
	t.Parallel()
	premises, err := newItem("Value", "premises", "Text", htmlf("At <b>%s</b>", "Ann & Co"), "Hint", "Read from the request",
		"Conditional", template.HTML(`<p id="inside">Address</p>`))
	require.NoError(t, err)
	venue, err := newItem("Value", "venue", "Text", "A venue", "Disabled", true)
	require.NoError(t, err)
	or, err := newItem("Divider", "or")
	require.NoError(t, err)
	none, err := newItem("Value", "none", "Text", "None", "Exclusive", "yes", "Checked", true)
	require.NoError(t, err)
	items, err := choices(premises, venue, or, none)
	require.NoError(t, err)

	out := renderPartial(t, "radios", "Name", "place", "Legend", "Where", "Items", items, "Chosen", "premises", "Class", "govuk-radios--small")
	assert.Contains(t, out, `<label class="govuk-label govuk-radios__label" for="place">At <b>Ann &amp; Co</b></label>`, "HTML text, its arguments escaped")
	assert.Contains(t, out, `id="place" name="place" type="radio" value="premises" checked aria-describedby="place-item-hint">`)
	assert.Contains(t, out, `<div class="govuk-radios__conditional" id="conditional-place"><p id="inside">Address</p>`,
		"without Reveal the conditional content is always shown, and no aria-controls (a radio's aria-expanded fails axe)")
	assert.NotContains(t, out, "aria-controls")
	assert.Contains(t, out, `id="place-venue" name="place" type="radio" value="venue" disabled>`)
	assert.Contains(t, out, `<div class="govuk-radios__divider">or</div>`)
	assert.Contains(t, out, `id="place-none" name="place" type="radio" value="none" checked data-behaviour="exclusive">`, "Checked checks an item whatever Chosen")

	revealed := renderPartial(t, "checkboxes", "Name", "contact", "Legend", "How", "Items", items, "Chosen", []string{"venue"}, "Reveal", true)
	assert.Contains(t, revealed, `value="premises" data-aria-controls="conditional-contact" aria-describedby="contact-item-hint">`)
	assert.Contains(t, revealed, `<div class="govuk-checkboxes__conditional govuk-checkboxes__conditional--hidden" id="conditional-contact">`, "hidden until chosen")
	assert.Contains(t, revealed, `<div class="govuk-checkboxes__divider">or</div>`)
	shown := renderPartial(t, "checkboxes", "Name", "contact", "Legend", "How", "Items", items, "Chosen", "premises", "Reveal", true)
	assert.Contains(t, shown, `<div class="govuk-checkboxes__conditional" id="conditional-contact">`, "shown when chosen")

	_, err = newItem("Value", "x", "Txet", "typo")
	assert.Error(t, err, "a misspelt param fails at render")
	_, err = newItem("Conditional", "not html")
	assert.Error(t, err)
}

func TestKitGroupIDsNamesAndErrors(t *testing.T) {
	t.Parallel()
	trainers, err := choicesOf([]struct {
		ID   int64
		Name string
	}{{4, "Ann"}, {9, "Bo"}}, "ID", "Name")
	require.NoError(t, err)
	out := renderPartial(t, "checkboxes", "Name", "trainers", "ID", "trainers", "Legend", "Trainers", "Items", withIDs("trainer-%s", trainers),
		"Chosen", map[int64]bool{9: true, 4: false}, "Error", "Select a trainer")
	assert.Contains(t, out, `<div class="govuk-checkboxes" data-module="govuk-checkboxes" id="trainers">`)
	assert.Contains(t, out, `id="trainer-4" name="trainers" type="checkbox" value="4">`, "every item its own id; a false map value is not chosen")
	assert.Contains(t, out, `id="trainer-9" name="trainers" type="checkbox" value="9" checked>`)
	assert.Contains(t, out, `<fieldset class="govuk-fieldset" aria-describedby="trainers-error">`)

	agree, err := newItem("Name", "agree-policy", "Value", "yes", "Text", "They agree", "Error", "Confirm they agree", "Checked", false)
	require.NoError(t, err)
	join, err := newItem("Name", "join-waiting-list", "Value", "yes", "Text", "Wait", "Error", "Say whether", "Checked", true)
	require.NoError(t, err)
	two := renderPartial(t, "checkboxes", "Name", "confirm", "Legend", "Confirm", "H2", true, "Items", []choice{agree, join})
	assert.Contains(t, two, `<div class="govuk-form-group govuk-form-group--error">`)
	assert.Contains(t, two, `<fieldset class="govuk-fieldset" aria-describedby="agree-policy-error join-waiting-list-error">`)
	assert.Contains(t, two, `<p id="agree-policy-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> Confirm they agree</p>`)
	assert.Contains(t, two, `<p id="join-waiting-list-error" class="govuk-error-message">`)
	assert.Contains(t, two, `id="agree-policy" name="agree-policy" type="checkbox" value="yes">`, "an item with its own name has it as its id")
	assert.Contains(t, two, `id="join-waiting-list" name="join-waiting-list" type="checkbox" value="yes" checked>`)

	single := renderPartial(t, "checkboxes", "Name", "late", "Hint", "May be charged", "Error", "Say", "Items", []choice{newChoice("yes", "Late", "Closed at noon")})
	assert.NotContains(t, single, "<fieldset", "no legend, no fieldset")
	assert.Contains(t, single, `id="late" name="late" type="checkbox" value="yes" aria-describedby="late-hint late-error late-item-hint">`,
		"without a fieldset each input is described by the hint and error")

	prefixed := renderPartial(t, "checkboxes", "Name", "rows", "IDPrefix", "row-7", "Legend", "Payer", "Hint", htmlf("<strong>%s</strong>", "No email"),
		"HintClass", "govuk-body-s", "FormGroupClass", "app-x", "Items", []choice{newChoice("a", "A"), newChoice("b", "B")})
	assert.Contains(t, prefixed, `<div class="govuk-form-group app-x">`)
	assert.Contains(t, prefixed, `<div id="row-7-hint" class="govuk-body-s"><strong>No email</strong></div>`, "a hint given as HTML is not escaped")
	assert.Contains(t, prefixed, `id="row-7" name="rows" type="checkbox" value="a">`)
	assert.Contains(t, prefixed, `id="row-7-b" name="rows" type="checkbox" value="b">`)
}

func TestKitSelectItemsAndTextArea(t *testing.T) {
	t.Parallel()
	other, err := newItem("Value", "not-listed", "Text", "Not listed", "Checked", true)
	require.NoError(t, err)
	old, err := newItem("Value", 3, "Text", "Gone", "Disabled", true)
	require.NoError(t, err)
	sel := renderPartial(t, "select", "ID", "agency-2", "Name", "agency", "Label", "Agency", "Size", "s", "FormGroupClass", "govuk-!-margin-bottom-0",
		"Items", []choice{old, other}, "Chosen", "")
	assert.Contains(t, sel, `<div class="govuk-form-group govuk-!-margin-bottom-0">`)
	assert.Contains(t, sel, `<label class="govuk-label govuk-label--s" for="agency-2">Agency</label>`)
	assert.Contains(t, sel, `id="agency-2" name="agency">`)
	assert.Contains(t, sel, `<option value="3" disabled>Gone</option>`)
	assert.Contains(t, sel, `<option value="not-listed" selected>Not listed</option>`)

	area := renderPartial(t, "textArea", "ID", "note-5", "Name", "note", "Label", "Note", "Size", "s", "Rows", 2, "Hint", "For the log", "Error", "Too long", "Value", "x")
	assert.Contains(t, area, `<label class="govuk-label govuk-label--s" for="note-5">Note</label>`)
	assert.Contains(t, area, `<p id="note-5-error" class="govuk-error-message">`)
	assert.Contains(t, area, `id="note-5" name="note" rows="2" aria-describedby="note-5-hint note-5-error">x</textarea>`)
}

func TestKitIncludeRendersAPagesTemplate(t *testing.T) {
	t.Parallel()
	ps, err := loadPages()
	require.NoError(t, err)
	home, ok, err := ps.lookup("home")
	require.True(t, ok)
	require.NoError(t, err)
	tmpl, err := home.Clone()
	require.NoError(t, err)
	_, err = tmpl.New("probe").Parse(`{{define "inner"}}<i>{{.}}</i>{{end}}{{include "inner" "a<b"}}`)
	require.NoError(t, err)
	bindInclude(tmpl)
	var buf bytes.Buffer
	require.NoError(t, tmpl.ExecuteTemplate(&buf, "probe", nil))
	assert.Equal(t, `<i>a&lt;b</i>`, buf.String(), "the included template's output is escaped once, not twice")
}

func TestKitDateInputMarksOnlyThePartsInError(t *testing.T) {
	t.Parallel()
	out := renderPartial(t, "dateInput", "Name", "from", "Legend", "First day", "Day", "31", "Month", "2", "Year", "2027",
		"Error", "Enter a real date", "PartErrors", []string{"Day is not real", "", ""})
	assert.Contains(t, out, `govuk-input--width-2 govuk-input--error" id="from-day"`)
	assert.Contains(t, out, `govuk-input--width-2" id="from-month"`)
	assert.Contains(t, out, `govuk-input--width-4" id="from-year"`)
	assert.Contains(t, out, `<p id="from-error" class="govuk-error-message">`)
}

// The options function writes a select's options byte for byte as the
// select partial's range over them did, whatever the values and texts hold
// and however Chosen is given.
func TestKitSelectOptionsAreWhatTheTemplateWrote(t *testing.T) {
	t.Parallel()
	// The partial's markup for the options before options wrote them.
	was := template.Must(template.New("").Funcs(kitFuncs).Parse(`<select>
    {{- $f := . -}}
    {{- range .Items}}
    <option value="{{.Value}}"{{if or .Checked (isChosen $f.Chosen .Value)}} selected{{end}}{{if .Disabled}} disabled{{end}}>{{.Text}}</option>
    {{- end}}
  </select>`))
	now := template.Must(template.New("").Funcs(kitFuncs).Parse(`<select>
    {{- options .Items .Chosen}}
  </select>`))
	odd := []string{"", "plain", `a "quoted" & <tagged> 'one'`, "1+1=2", "nul\x00byte", "Ōtautahi – café ✓", "bad \xff utf-8",
		"<script>alert(1)</script>", "&amp; already", "\uFFFD\uFDD0\uFFFE", "tab\tand\nnewline", "javascript:void(0)"}
	var items []choice
	for i, s := range odd {
		items = append(items, choice{Value: s, Text: s + " text", Checked: i == 3, Disabled: i == 5})
	}
	items = append(items, newChoice(7, "Seven"), newChoice(true, "Yes"))
	for _, chosen := range []any{nil, "", "plain", `a "quoted" & <tagged> 'one'`, 7, int64(7), true, []string{"plain", "1+1=2"},
		[]int64{7}, map[string]bool{"plain": true, "bad \xff utf-8": true, "": false}, []byte("plain")} {
		for _, list := range []any{items, nil, []choice{}} {
			data := map[string]any{"Items": list, "Chosen": chosen}
			var before, after bytes.Buffer
			require.NoError(t, was.Execute(&before, data))
			require.NoError(t, now.Execute(&after, data))
			assert.Equal(t, before.String(), after.String(), "chosen %#v", chosen)
		}
	}
	var after bytes.Buffer
	assert.Error(t, now.Execute(&after, map[string]any{"Items": []string{"a"}}), "items that are not choices")
}
