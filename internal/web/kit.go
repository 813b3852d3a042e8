package web

import (
	"fmt"
	"reflect"
)

// choice is one radio, checkbox or select option of the component kit's
// partials (views/partials/kit.html). ID overrides the input's id, which is
// otherwise the field's name for the first item and name-value after it.
type choice struct {
	Value, Text, Hint, ID string
}

// kitFuncs feed the kit's partials: pages build their items with choice,
// choices and choicesOf, and the partials mark what is chosen with isChosen.
var kitFuncs = map[string]any{
	"choice":    newChoice,
	"choices":   choices,
	"choicesOf": choicesOf,
	"isChosen":  isChosen,
	"chosenOf":  chosenOf,
	"row":       newSummaryRow,
	"rows":      func(rs ...summaryRow) []summaryRow { return rs },
	// choiceGroup feeds the markup radios and checkboxes share.
	"choiceGroup": func(kind, inputType string, field any) map[string]any {
		return map[string]any{"Kind": kind, "Type": inputType, "Field": field}
	},
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

// choices joins items and lists of items into one list.
func choices(items ...any) ([]choice, error) {
	var out []choice
	for _, it := range items {
		switch v := it.(type) {
		case choice:
			out = append(out, v)
		case []choice:
			out = append(out, v...)
		default:
			return nil, fmt.Errorf("choices: %T is not a choice", it)
		}
	}
	return out, nil
}

// choicesOf makes one item of each element of a slice, its value and text
// read from the field or method (with no arguments) of the names given; the
// name "." is the element itself, printed.
func choicesOf(list any, valueName, textName string) ([]choice, error) {
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
// when chosen is a slice; values of any type compare as printed.
func isChosen(chosen any, value string) bool {
	if chosen == nil {
		return false
	}
	rv := reflect.ValueOf(chosen)
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
