package email

import (
	"strings"
)

// Letter is an email written once and sent twice over: as plain text and as
// HTML, so the two never say different things. It is a run of blocks, each
// a paragraph, a set of details (the course, when and where) or a link.
type Letter struct {
	Greeting string // "Dear Sam Smith,"
	Blocks   []Block
	From     Signature
}

// Block is one part of a Letter. Exactly one of its fields is set.
type Block struct {
	Text    string   // a paragraph
	Details []string // lines shown together, set apart from the text
	Link    *Link    // a call to action: a button in HTML
}

// Link is a labelled address.
type Link struct {
	Label string // "See or change your booking"
	URL   string // absolute
}

// Signature is who a letter is from and how to reach them.
type Signature struct {
	Team        string // "Book safeguarding training"
	Partnership string // the partnership's name
	Email       string // where replies and questions go
	Phone       string // optional
	Website     string // optional: the service's address
}

// Para, Details and LinkTo make the blocks of a letter.
func Para(text string) Block         { return Block{Text: text} }
func Details(lines ...string) Block  { return Block{Details: lines} }
func LinkTo(label, url string) Block { return Block{Link: &Link{Label: label, URL: url}} }

// Names are the signature's first lines: the team and the partnership.
func (s Signature) Names() []string { return nonEmpty(s.Team, s.Partnership) }

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// Text is the letter as plain text: paragraphs apart, details indented,
// links as "Label: address".
func (l Letter) Text() string {
	var b strings.Builder
	if l.Greeting != "" {
		b.WriteString(l.Greeting + "\n\n")
	}
	for _, bl := range l.Blocks {
		switch {
		case bl.Link != nil:
			b.WriteString(bl.Link.Label + ":\n" + bl.Link.URL + "\n\n")
		case bl.Details != nil:
			for _, line := range bl.Details {
				b.WriteString("  " + line + "\n")
			}
			b.WriteString("\n")
		default:
			b.WriteString(bl.Text + "\n\n")
		}
	}
	for _, line := range l.From.Names() {
		b.WriteString(line + "\n")
	}
	if l.From.Email != "" {
		b.WriteString("Email: " + l.From.Email + "\n")
	}
	if l.From.Phone != "" {
		b.WriteString("Phone: " + l.From.Phone + "\n")
	}
	if l.From.Website != "" {
		b.WriteString(l.From.Website + "\n")
	}
	return b.String()
}

// HTML is the letter as a self-contained HTML document with inline styles
// (mail programs drop style sheets), in the GOV.UK palette and type scale.
// Everything given is escaped as html/template would (the letter was one
// until issue 21 wrote it in Go; letter_html_test.go keeps that template and
// checks the two agree byte for byte), so names and notes cannot inject
// markup, and a link cannot be javascript:.
func (l Letter) HTML() string {
	var b strings.Builder
	b.Grow(2048)
	b.WriteString(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>`)
	writeEscaped(&b, l.From.Team)
	b.WriteString(`</title>
</head>
<body style="margin:0;padding:0;background:#f3f2f1;">
<div style="max-width:600px;margin:0 auto;background:#ffffff;font-family:Arial,Helvetica,sans-serif;font-size:19px;line-height:1.32;color:#0b0c0c;">
<div style="background:#0b0c0c;color:#ffffff;padding:15px 20px;font-size:24px;font-weight:bold;">`)
	writeEscaped(&b, l.From.Team)
	b.WriteString(`</div>
<div style="padding:20px;">`)
	if l.Greeting != "" {
		b.WriteString("\n<p style=\"margin:0 0 20px;\">")
		writeEscaped(&b, l.Greeting)
		b.WriteString("</p>")
	}
	for _, bl := range l.Blocks {
		switch {
		case bl.Link != nil:
			b.WriteString("\n<p style=\"margin:0 0 20px;\"><a href=\"")
			writeURL(&b, bl.Link.URL, false)
			b.WriteString(`" style="display:inline-block;background:#00703c;color:#ffffff;padding:10px 15px;text-decoration:none;font-weight:bold;">`)
			writeEscaped(&b, bl.Link.Label)
			b.WriteString("</a></p>")
		case len(bl.Details) > 0:
			b.WriteString("\n<div style=\"border-left:10px solid #b1b4b6;padding:10px 15px;margin:0 0 20px;\">")
			for i, line := range bl.Details {
				if i == 0 {
					b.WriteString("\n<p style=\"margin:0 0 5px;font-weight:bold;\">")
				} else {
					b.WriteString("\n<p style=\"margin:0 0 5px;\">")
				}
				writeEscaped(&b, line)
				b.WriteString("</p>")
			}
			b.WriteString("\n</div>")
		default:
			b.WriteString("\n<p style=\"margin:0 0 20px;white-space:pre-line;\">")
			writeEscaped(&b, bl.Text)
			b.WriteString("</p>")
		}
	}
	b.WriteString("\n<hr style=\"border:0;border-top:1px solid #b1b4b6;margin:30px 0 15px;\">\n<p style=\"margin:0;font-size:16px;color:#505a5f;\">")
	for i, line := range l.From.Names() {
		if i > 0 {
			b.WriteString("<br>")
		}
		writeEscaped(&b, line)
	}
	if e := l.From.Email; e != "" {
		b.WriteString("<br>Email: <a href=\"")
		writeURL(&b, "mailto:"+e, true)
		b.WriteString("\" style=\"color:#1d70b8;\">")
		writeEscaped(&b, e)
		b.WriteString("</a>")
	}
	if p := l.From.Phone; p != "" {
		b.WriteString("<br>Phone: ")
		writeEscaped(&b, p)
	}
	if w := l.From.Website; w != "" {
		b.WriteString("<br><a href=\"")
		writeURL(&b, w, false)
		b.WriteString("\" style=\"color:#1d70b8;\">")
		writeEscaped(&b, w)
		b.WriteString("</a>")
	}
	b.WriteString("</p>\n</div>\n</div>\n</body>\n</html>\n")
	return b.String()
}

// writeEscaped writes s as html/template escapes text, and a quoted
// attribute's value: the five characters that could end or open markup, and
// '+' (against UTF-7 sniffing), as character references; NUL as U+FFFD.
func writeEscaped(b *strings.Builder, s string) {
	written := 0
	for i := 0; i < len(s); i++ {
		var repl string
		switch s[i] {
		case 0:
			repl = "\uFFFD"
		case '"':
			repl = "&#34;"
		case '&':
			repl = "&amp;"
		case '\'':
			repl = "&#39;"
		case '+':
			repl = "&#43;"
		case '<':
			repl = "&lt;"
		case '>':
			repl = "&gt;"
		default:
			continue
		}
		b.WriteString(s[written:i])
		b.WriteString(repl)
		written = i + 1
	}
	b.WriteString(s[written:])
}

// writeURL writes address as html/template writes a URL that is an href's
// whole value: one with a scheme other than http, https or mailto replaced by
// "#ZgotmplZ" (unless trusted, as the mailto address the letter makes is),
// bytes outside a URL's own characters percent-encoded (escapes already
// there kept), then escaped for the attribute.
func writeURL(b *strings.Builder, address string, trusted bool) {
	if !trusted {
		if scheme, _, ok := strings.Cut(address, ":"); ok && !strings.Contains(scheme, "/") &&
			!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
			address = "#ZgotmplZ"
		}
	}
	var n strings.Builder
	written := 0
	for i := 0; i < len(address); i++ {
		c := address[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0:
			continue
		case c == '%' && i+2 < len(address) && isHex(address[i+1]) && isHex(address[i+2]):
			continue
		}
		n.WriteString(address[written:i])
		n.WriteByte('%')
		n.WriteByte("0123456789abcdef"[c>>4])
		n.WriteByte("0123456789abcdef"[c&15])
		written = i + 1
	}
	if written > 0 {
		n.WriteString(address[written:])
		address = n.String()
	}
	writeEscaped(b, address)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
