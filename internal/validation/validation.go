// Package validation holds the one error a domain function returns when a
// person's input breaks its rules: a message per field, in the words the
// page shows, in the order the fields appear.
package validation

import (
	"net/mail"
	"strings"
)

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

// CleanLine makes typed text safe to store and show on one line: invalid
// UTF-8 is dropped, control characters (NUL, tabs, line breaks) become
// spaces, runs of spaces become one, and the ends are trimmed. PostgreSQL
// refuses NUL bytes and invalid UTF-8, so every free-text field passes
// through this (or CleanText) before it reaches the database.
func CleanLine(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// CleanText is CleanLine for text that may hold paragraphs: line breaks are
// kept (as \n), other control characters dropped.
func CleanText(s string) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\r\n", "\n"), "")
	s = strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// Email trims an address and returns it if it is a bare address a mail
// server would take (name@domain.tld, nothing more), or "" if not.
func Email(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 254 || CleanLine(s) != s || strings.ContainsAny(s, " \t\r\n<>,;\"") {
		return ""
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s {
		return ""
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || !strings.Contains(s[at+1:], ".") || strings.HasSuffix(s, ".") {
		return ""
	}
	return s
}
