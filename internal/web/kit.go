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

// choicesOf makes one item of each element of a slice of structs, from the
// fields named for its value and text.
func choicesOf(list any, valueField, textField string) ([]choice, error) {
	rv := reflect.ValueOf(list)
	if rv.Kind() != reflect.Slice {
		return nil, fmt.Errorf("choicesOf: %T is not a slice", list)
	}
	out := make([]choice, rv.Len())
	for i := range out {
		el := reflect.Indirect(rv.Index(i))
		v, t := el.FieldByName(valueField), el.FieldByName(textField)
		if !v.IsValid() || !t.IsValid() {
			return nil, fmt.Errorf("choicesOf: %s has no field %s or %s", el.Type(), valueField, textField)
		}
		out[i] = choice{Value: fmt.Sprint(v.Interface()), Text: fmt.Sprint(t.Interface())}
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
