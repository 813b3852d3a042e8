// Package validation holds the one error a domain function returns when a
// person's input breaks its rules: a message per field, in the words the
// page shows, in the order the fields appear.
package validation

import "strings"

// FieldError is one problem with one field; Field is the form field's name.
type FieldError struct {
	Field   string
	Message string
}

// Errors collects problems; its zero value is ready to use.
type Errors struct {
	Fields []FieldError
}

// Add records a problem with field, unless field already has one (a person
// fixes one thing at a time).
func (e *Errors) Add(field, message string) {
	if e.Has(field) {
		return
	}
	e.Fields = append(e.Fields, FieldError{Field: field, Message: message})
}

// Has reports whether field has a problem.
func (e *Errors) Has(field string) bool {
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Message returns the problem with field, or "".
func (e *Errors) Message(field string) string {
	for _, f := range e.Fields {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}

// Err returns e as an error when it holds problems, else nil.
func (e *Errors) Err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

func (e *Errors) Error() string {
	msgs := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		msgs = append(msgs, f.Field+": "+f.Message)
	}
	return "invalid input: " + strings.Join(msgs, "; ")
}
