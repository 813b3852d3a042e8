// Package validation holds the one error a domain function returns when a
// person's input breaks its rules: a message per field, in the words the
// page shows, in the order the fields appear.
package validation

import (
	"net/mail"
	"strings"
	"unicode"
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

// CleanText is CleanLine for text that may hold paragraphs (access needs,
// messages, reasons): line breaks are kept (as \n), other control characters
// dropped, and so are the invisible characters that can make text show as
// something else (see Invisible). Free text is only read, never matched or
// listed, so it is cleaned rather than refused.
func CleanText(s string) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\r\n", "\n"), "")
	s = strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || Invisible(r) {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// Invisible reports whether r is a character that shows nothing yet changes
// how the text around it is shown or compared: the bidirectional embedding,
// override and isolate controls (U+202A–U+202E, U+2066–U+2069), the direction
// marks (U+200E, U+200F, U+061C), the zero-width space (U+200B), the word
// joiner (U+2060) and the byte order mark (U+FEFF). A right-to-left override
// can make "Sam Jones\u202Eseno" read as something else entirely in a list, an
// email or a register. CleanText drops these from free text.
//
// The zero-width joiner and non-joiner (U+200C, U+200D) are not in this set:
// they are part of correct spelling in Persian and the Indic scripts and of
// some emoji, and cannot reorder text, so free text keeps them. Names refuse
// them all the same (see HasHiddenFormatting).
func Invisible(r rune) bool {
	switch {
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c, r == 0x200b, r == 0x2060, r == 0xfeff:
		return true
	}
	return false
}

// HasHiddenFormatting reports whether a name (of a person, an organisation, a
// venue, a course…) holds a formatting character: anything in Unicode's
// "format" category (Cf), which covers every Invisible character and also the
// zero-width joiner and non-joiner, soft hyphens, invisible operators and tag
// characters. Names are shown in lists, registers, emails and invites and are
// searched and compared, so one that looks the same as another but is not, or
// shows in a different order from how it is stored, is refused rather than
// quietly changed. Refusing the joiners is a choice: they have real uses in
// some scripts, but the people and organisations in this service's records
// (the UK children's workforce) are named without them, and a name the person
// retypes without them is still their name.
func HasHiddenFormatting(name string) bool {
	for _, r := range name {
		if unicode.Is(unicode.Cf, r) || Invisible(r) {
			return true
		}
	}
	return false
}

// HiddenFormattingMessage is the field message for a name refused by
// HasHiddenFormatting; label starts the sentence ("Full name").
func HiddenFormattingMessage(label string) string {
	return label + " must not contain hidden formatting characters"
}

// Email trims an address and returns it if it is a bare address a mail
// server would take (name@domain.tld, nothing more), or "" if not. An
// address with a hidden formatting character is refused like any other
// malformed one: it would look like someone else's.
func Email(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 254 || CleanLine(s) != s || HasHiddenFormatting(s) || strings.ContainsAny(s, " \t\r\n<>,;\"") {
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
