package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"reflect"
	"strings"
)

// choice is one radio, checkbox or select option of the component kit's
// fields (fields.go), with the params of an item of the
// design system's radios and checkboxes macros. ID overrides the input's id,
// which is otherwise the field's id prefix (its name) for the first item and
// prefix-value after it. HTML and HintHTML, when set, are shown instead of
// Text and Hint. Name gives the item its own input name (and Error its own
// error message, shown with the group's). Divider makes the item a divider
// ("or") between items. Conditional is shown under the item (see the
// group's Reveal). Checked checks it whatever the group's Chosen; Exclusive
// (checkboxes) unchecks the others when it is checked; Disabled disables it.
type choice struct {
	Value, Text, Hint, ID string
	HTML, HintHTML        template.HTML
	Name, Error, Divider  string
	Conditional           template.HTML
	Checked, Exclusive    bool
	Disabled              bool
}

// kitFuncs feed the kit's partials: pages build their items with choice,
// item, choices and choicesOf, and the partials mark what is chosen with
// isChosen.
var kitFuncs = map[string]any{
	"choice":    newChoice,
	"item":      newItem,
	"choices":   choices,
	"choicesOf": choicesOf,
	"withIDs":   withIDs,
	"isChosen":  isChosen,
	"options":   options,
	"chosenOf":  chosenOf,
	"htmlf":     htmlf,
	"row":       newSummaryRow,
	"rows":      func(rs ...summaryRow) []summaryRow { return rs },
	// include is bound to each page's own templates by bindInclude.
	"include": func(string, any) (template.HTML, error) {
		return "", errors.New("include: not bound to a page's templates")
	},
}

// bindInclude gives a page's template set the include function: (include
// "name" data) is the named template's output, as HTML to pass to a kit
// component (an item's Conditional, say), as the design system's macros
// take html params.
func bindInclude(t *template.Template) {
	t.Funcs(template.FuncMap{"include": func(name string, data any) (template.HTML, error) {
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return template.HTML(buf.String()), nil //nolint:gosec // our own template's escaped output
	}})
}

// summaryRow is one row of the summaryList partial: its key, its value
// (text) and optionally a class for the value (govuk-!-text-break-word).
type summaryRow struct {
	Key, Value, Class string
}

func newSummaryRow(key string, value any, class ...string) summaryRow {
	r := summaryRow{Key: key, Value: fmt.Sprint(value)}
	if len(class) > 0 {
		r.Class = class[0]
	}
	return r
}

// newChoice is one item: its value (any type, printed) and text, and
// optionally its hint.
func newChoice(value any, text string, hint ...string) choice {
	c := choice{Value: fmt.Sprint(value), Text: text}
	if len(hint) > 0 {
		c.Hint = hint[0]
	}
	return c
}

// newItem is one item from the design system's item params, given as
// alternating names and values: Value (any type, printed), Text and Hint
// (a string, or HTML from htmlf or include), ID, Name, Error, Divider,
// Conditional (HTML), Checked, Exclusive, Disabled (true when the value is
// non-empty, as template's if sees it). A name it does not know is an error,
// so a misspelt one fails at render.
func newItem(kv ...any) (choice, error) {
	var c choice
	if len(kv)%2 != 0 {
		return c, errors.New("item: odd number of arguments")
	}
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return c, fmt.Errorf("item: name %v is not a string", kv[i])
		}
		v := kv[i+1]
		truth, _ := template.IsTrue(v)
		switch k {
		case "Value":
			c.Value = fmt.Sprint(v)
		case "Text":
			if h, ok := v.(template.HTML); ok {
				c.HTML = h
			} else {
				c.Text = fmt.Sprint(v)
			}
		case "Hint":
			if h, ok := v.(template.HTML); ok {
				c.HintHTML = h
			} else {
				c.Hint = fmt.Sprint(v)
			}
		case "ID":
			c.ID = fmt.Sprint(v)
		case "Name":
			c.Name = fmt.Sprint(v)
		case "Error":
			c.Error = fmt.Sprint(v)
		case "Divider":
			c.Divider = fmt.Sprint(v)
		case "Conditional":
			h, ok := v.(template.HTML)
			if !ok {
				return c, fmt.Errorf("item: Conditional is %T, not HTML (use include)", v)
			}
			c.Conditional = h
		case "Checked":
			c.Checked = truth
		case "Exclusive":
			c.Exclusive = truth
		case "Disabled":
			c.Disabled = truth
		default:
			return c, fmt.Errorf("item: no param %q", k)
		}
	}
	return c, nil
}

// htmlf is format with each argument escaped, unless it is already HTML:
// an item's text or hint with markup in it.
func htmlf(format string, args ...any) template.HTML {
	esc := make([]any, len(args))
	for i, a := range args {
		if h, ok := a.(template.HTML); ok {
			esc[i] = string(h)
		} else {
			esc[i] = template.HTMLEscapeString(fmt.Sprint(a))
		}
	}
	return template.HTML(fmt.Sprintf(format, esc...)) //nolint:gosec // the format is the template's own text
}

// withIDs gives every item the id pattern (with one %s) makes of its value:
// (withIDs "trainer-%s" items) when each input needs an id of its own.
func withIDs(pattern string, items []choice) []choice {
	out := make([]choice, len(items))
	for i, it := range items {
		if it.Divider == "" {
			it.ID = fmt.Sprintf(pattern, it.Value)
		}
		out[i] = it
	}
	return out
}

// choices joins items and lists of items into one list.
func choices(items ...any) ([]choice, error) {
	var out []choice
	for _, it := range items {
		switch v := it.(type) {
		case choice:
			out = append(out, v)
		case []choice:
			out = append(out, v...)
		case nil:
		default:
			return nil, fmt.Errorf("choices: %T is not a choice", it)
		}
	}
	return out, nil
}

// choicesOf makes one item of each element of a slice, its value, text and
// optionally hint read from the field or method (with no arguments) of the
// names given; the name "." is the element itself, printed.
func choicesOf(list any, valueName, textName string, hintName ...string) ([]choice, error) {
	rv := reflect.ValueOf(list)
	if rv.Kind() != reflect.Slice {
		return nil, fmt.Errorf("choicesOf: %T is not a slice", list)
	}
	out := make([]choice, rv.Len())
	for i := range out {
		el := rv.Index(i)
		v, err := member(el, valueName)
		if err != nil {
			return nil, err
		}
		t, err := member(el, textName)
		if err != nil {
			return nil, err
		}
		out[i] = choice{Value: v, Text: t}
		if len(hintName) > 0 {
			if out[i].Hint, err = member(el, hintName[0]); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// member prints el itself (name "."), its field or its method's result.
func member(el reflect.Value, name string) (string, error) {
	if name == "." {
		return fmt.Sprint(el.Interface()), nil
	}
	if m := el.MethodByName(name); m.IsValid() && m.Type().NumIn() == 0 && m.Type().NumOut() == 1 {
		return fmt.Sprint(m.Call(nil)[0].Interface()), nil
	}
	if s := reflect.Indirect(el); s.Kind() == reflect.Struct {
		if f := s.FieldByName(name); f.IsValid() {
			return fmt.Sprint(f.Interface()), nil
		}
	}
	return "", fmt.Errorf("choicesOf: %s has no field or method %s", el.Type(), name)
}

// chosenOf is the values (read as choicesOf reads them) of the elements of
// a slice whose bool field or method flagName is true: what a checkbox
// group shows as chosen when each element knows whether it is.
func chosenOf(list any, valueName, flagName string) ([]string, error) {
	rv := reflect.ValueOf(list)
	if rv.Kind() != reflect.Slice {
		return nil, fmt.Errorf("chosenOf: %T is not a slice", list)
	}
	var out []string
	for i := 0; i < rv.Len(); i++ {
		el := rv.Index(i)
		flag, err := member(el, flagName)
		if err != nil {
			return nil, err
		}
		if flag != "true" {
			continue
		}
		v, err := member(el, valueName)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// isChosen reports whether value is the chosen one, or one of the chosen
// when chosen is a slice, or a key whose value is true (non-empty) when
// chosen is a map; values of any type compare as printed.
func isChosen(chosen any, value string) bool {
	if chosen == nil {
		return false
	}
	rv := reflect.ValueOf(chosen)
	if rv.Kind() == reflect.Map {
		for it := rv.MapRange(); it.Next(); {
			if fmt.Sprint(it.Key().Interface()) == value {
				on, _ := template.IsTrue(it.Value().Interface())
				return on
			}
		}
		return false
	}
	if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() != reflect.Uint8 {
		for i := 0; i < rv.Len(); i++ {
			if fmt.Sprint(rv.Index(i).Interface()) == value {
				return true
			}
		}
		return false
	}
	return fmt.Sprint(chosen) == value
}

// choiceGroup is what the choiceGroup partial draws: the field's params
// (Field, the dict the page passed) and what follows from them, worked out
// here so the markup's ids agree: the id prefix, the fieldset's
// aria-describedby, the error messages and each item's id, name and state.
type choiceGroup struct {
	Kind, Type  string // the design system's class stem (radios), the input's type
	Field       map[string]any
	Prefix      string
	DescribedBy string
	Errors      []choiceError
	Items       []choiceItem
}

// choiceError is one error message of a group: its field's name (the id
// prefix of the message) and the message.
type choiceError struct{ Name, Error string }

// choiceItem is an item as drawn: its input's id, name, checked state,
// aria-describedby, and the id of its conditional content.
type choiceItem struct {
	choice
	InputID, InputName, DescribedBy, ConditionalID string
	On, Reveal                                     bool
}

// newChoiceGroup works out a radios or checkboxes group from the page's
// params: Name, IDPrefix (default Name), Legend (no fieldset without one),
// Hint, Error, Items, Chosen and Reveal (true: an item's Conditional is
// hidden until it is chosen, by the design system's JavaScript; false: it is
// always shown under its item, as a radio's aria-expanded fails axe).
func newChoiceGroup(kind, inputType string, field map[string]any) (choiceGroup, error) {
	g := choiceGroup{Kind: kind, Type: inputType, Field: field}
	str := func(k string) string {
		if v, ok := field[k]; ok && v != nil {
			return fmt.Sprint(v)
		}
		return ""
	}
	name := str("Name")
	if name == "" {
		return g, fmt.Errorf("%s: no Name", kind)
	}
	g.Prefix = name
	if p := str("IDPrefix"); p != "" {
		g.Prefix = p
	}
	var items []choice
	switch v := field["Items"].(type) {
	case []choice:
		items = v
	case nil:
	default:
		return g, fmt.Errorf("%s %s: Items is %T, not a list of items", kind, name, v)
	}
	reveal, _ := template.IsTrue(field["Reveal"])
	hasFieldset := str("Legend") != ""

	var describedBy []string
	if str("Hint") != "" {
		describedBy = append(describedBy, g.Prefix+"-hint")
	}
	if e := str("Error"); e != "" {
		g.Errors = append(g.Errors, choiceError{g.Prefix, e})
	}
	for _, it := range items {
		if it.Error != "" && it.Name != "" {
			g.Errors = append(g.Errors, choiceError{it.Name, it.Error})
		}
	}
	for _, e := range g.Errors {
		describedBy = append(describedBy, e.Name+"-error")
	}
	if hasFieldset {
		g.DescribedBy = strings.Join(describedBy, " ")
	}

	first := true
	for _, it := range items {
		ci := choiceItem{choice: it}
		if it.Divider != "" {
			g.Items = append(g.Items, ci)
			continue
		}
		switch {
		case it.ID != "":
			ci.InputID = it.ID
		case it.Name != "":
			ci.InputID = it.Name
		case first:
			ci.InputID = g.Prefix
		default:
			ci.InputID = g.Prefix + "-" + it.Value
		}
		first = false
		ci.InputName = name
		if it.Name != "" {
			ci.InputName = it.Name
		}
		ci.On = it.Checked || (it.Name == "" && isChosen(field["Chosen"], it.Value))
		var db []string
		if !hasFieldset {
			db = append(db, describedBy...)
		}
		if it.Hint != "" || it.HintHTML != "" {
			db = append(db, ci.InputID+"-item-hint")
		}
		ci.DescribedBy = strings.Join(db, " ")
		if it.Conditional != "" {
			ci.ConditionalID = "conditional-" + ci.InputID
			ci.Reveal = reveal
		}
		g.Items = append(g.Items, ci)
	}
	return g, nil
}

// options is a select's options, written here rather than by the select
// partial's range: a select of a thousand agencies cost four reflective
// calls an option in the template (the value's and text's escapers, isChosen
// and its truth), most of the page's time (issue 21). The markup, escaping
// included, is byte for byte what the partial wrote (TestKitSelectOptions):
// each option on its own line, selected when it is Checked or chosen (as
// isChosen decides), disabled when Disabled.
func options(items any, chosen any) (template.HTML, error) {
	var list []choice
	switch v := items.(type) {
	case []choice:
		list = v
	case nil:
	default:
		return "", fmt.Errorf("options: %T is not a list of choices", items)
	}
	on := chooser(chosen)
	var b strings.Builder
	b.Grow(len(list) * 64)
	for _, it := range list {
		b.WriteString("\n    <option value=\"")
		templateEscaper.WriteString(&b, it.Value)
		b.WriteByte('"')
		if it.Checked || on(it.Value) {
			b.WriteString(" selected")
		}
		if it.Disabled {
			b.WriteString(" disabled")
		}
		b.WriteByte('>')
		templateEscaper.WriteString(&b, it.Text)
		b.WriteString("</option>")
	}
	return template.HTML(b.String()), nil //nolint:gosec // every value and text is escaped as html/template does
}

// templateEscaper escapes text as html/template does in an element's text
// and in a quoted attribute's value (its htmlReplacementTable): "+" too, and
// a NUL becomes U+FFFD.
var templateEscaper = strings.NewReplacer(
	"\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// chooser is isChosen with chosen read once: whether each value is chosen.
func chooser(chosen any) func(string) bool {
	switch c := chosen.(type) {
	case nil:
		return func(string) bool { return false }
	case string:
		return func(v string) bool { return v == c }
	}
	rv := reflect.ValueOf(chosen)
	if k := rv.Kind(); k == reflect.Map || (k == reflect.Slice && rv.Type().Elem().Kind() != reflect.Uint8) {
		return func(v string) bool { return isChosen(chosen, v) }
	}
	s := fmt.Sprint(chosen)
	return func(v string) bool { return v == s }
}
