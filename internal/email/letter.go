package email

import (
	"bytes"
	"html/template"
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
// html/template escapes everything, so names and notes cannot inject markup.
func (l Letter) HTML() string {
	var buf bytes.Buffer
	if err := letterHTML.Execute(&buf, l); err != nil {
		// The template is fixed and its data plain strings: an error here
		// is a programming mistake, so fail loudly in tests.
		panic("email letter template: " + err.Error())
	}
	return buf.String()
}

var letterHTML = template.Must(template.New("letter").Funcs(template.FuncMap{
	"mailto": func(addr string) template.URL { return template.URL("mailto:" + addr) },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.From.Team}}</title>
</head>
<body style="margin:0;padding:0;background:#f3f2f1;">
<div style="max-width:600px;margin:0 auto;background:#ffffff;font-family:Arial,Helvetica,sans-serif;font-size:19px;line-height:1.32;color:#0b0c0c;">
<div style="background:#0b0c0c;color:#ffffff;padding:15px 20px;font-size:24px;font-weight:bold;">{{.From.Team}}</div>
<div style="padding:20px;">
{{- with .Greeting}}
<p style="margin:0 0 20px;">{{.}}</p>
{{- end}}
{{- range .Blocks}}
{{- if .Link}}
<p style="margin:0 0 20px;"><a href="{{.Link.URL}}" style="display:inline-block;background:#00703c;color:#ffffff;padding:10px 15px;text-decoration:none;font-weight:bold;">{{.Link.Label}}</a></p>
{{- else if .Details}}
<div style="border-left:10px solid #b1b4b6;padding:10px 15px;margin:0 0 20px;">
{{- range $i, $line := .Details}}
<p style="margin:0 0 5px;{{if eq $i 0}}font-weight:bold;{{end}}">{{$line}}</p>
{{- end}}
</div>
{{- else}}
<p style="margin:0 0 20px;white-space:pre-line;">{{.Text}}</p>
{{- end}}
{{- end}}
<hr style="border:0;border-top:1px solid #b1b4b6;margin:30px 0 15px;">
<p style="margin:0;font-size:16px;color:#505a5f;">
{{- range $i, $line := .From.Names}}{{if $i}}<br>{{end}}{{$line}}{{end}}
{{- with .From.Email}}<br>Email: <a href="{{mailto .}}" style="color:#1d70b8;">{{.}}</a>{{end}}
{{- with .From.Phone}}<br>Phone: {{.}}{{end}}
{{- with .From.Website}}<br><a href="{{.}}" style="color:#1d70b8;">{{.}}</a>{{end -}}
</p>
</div>
</div>
</body>
</html>
`))
