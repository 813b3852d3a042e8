package web

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// renderPartial runs one of views/partials' templates with the page set of
// any page (each holds every partial).
func renderPartial(t *testing.T, name string, kv ...any) string {
	t.Helper()
	ps, err := loadPages()
	require.NoError(t, err)
	data, err := dict(kv...)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, ps["home"].ExecuteTemplate(&buf, name, data))
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
	assert.Contains(t, plain, `id="kind-online" name="kind" type="radio" value="online" aria-describedby="kind-online-item-hint" checked>`)
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
