package email

import (
	"bytes"
	"html/template"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The letter's HTML as html/template wrote it before it was written in Go
// (issue 21): the reference the Go must match byte for byte.
var referenceLetter = template.Must(template.New("letter").Funcs(template.FuncMap{
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

func referenceHTML(t testing.TB, l Letter) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, referenceLetter.Execute(&b, l))
	return b.String()
}

// awkward are values that test every escape: markup, quotes, '+', NUL,
// non-ASCII, invalid UTF-8, percent signs good and bad, URLs of every
// scheme, and nothing at all.
var awkward = []string{
	"", "Sam O'Neill", `<script>alert("x")</script>`, "a & b + c", "nul\x00byte", "Zoë Ünal – café",
	"bad \xff\xfe utf-8", "100% sure, 50%2 and %41", "line one\nline two\r\n\ttabbed",
	"https://book.example.org/bookings/42?a=1&b=2#top", "http://x.test/a b/ü?q='1'&r=\"2\"",
	"javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,hi", "mailto:a+b@example.org", "MAILTO:x@y",
	"/relative/path?x=1", "//host/x", "a/b:c", "ftp://x", "https://x.test/%zz%4g%41", "{}|\\^`<>",
	"\ufdd0\uffff noncharacters", "+44 23 9268 8793",
}

func TestLetterHTMLIsWhatTheTemplateWrote(t *testing.T) {
	t.Parallel()
	for _, s := range awkward {
		for _, l := range []Letter{
			{Greeting: s, Blocks: []Block{Para(s), Details(s, s, s), LinkTo(s, s)},
				From: Signature{Team: s, Partnership: s, Email: s, Phone: s, Website: s}},
			{Blocks: []Block{Details(s), Para(s), LinkTo("Open", s), Details()}, From: Signature{Partnership: s, Website: s}},
			{From: Signature{Team: s, Email: s}},
			{},
		} {
			assert.Equal(t, referenceHTML(t, l), l.HTML(), "%q", s)
		}
	}
}

func FuzzLetterHTMLIsWhatTheTemplateWrote(f *testing.F) {
	for _, s := range awkward {
		f.Add(s, s, s)
	}
	f.Fuzz(func(t *testing.T, text, address, name string) {
		l := Letter{Greeting: name, Blocks: []Block{Para(text), Details(name, text), LinkTo(text, address)},
			From: Signature{Team: name, Partnership: text, Email: address, Phone: text, Website: address}}
		if want := referenceHTML(t, l); l.HTML() != want {
			t.Fatalf("letter of %q, %q, %q:\n got %q\nwant %q", text, address, name, l.HTML(), want)
		}
	})
}

// BenchmarkLetterHTML is a confirmation's letter written in Go, and as the
// template wrote it.
func BenchmarkLetterHTML(b *testing.B) {
	l := Letter{Greeting: "Dear Sam O'Neill,", Blocks: []Block{
		Para("Your place is booked on:"),
		Details("Working Together", "Monday 2 March 2026, 9:30am to 12:30pm", "Civic Offices, Guildhall Square, Portsmouth PO1 2AL"),
		Para("If you cannot go, cancel before Friday 27 February 2026 so someone on the waiting list can have the place."),
		LinkTo("See or change your booking", "https://book.example.org/bookings/42"),
	}, From: Signature{Team: "Book safeguarding training", Partnership: "Portsmouth Safeguarding Children Partnership",
		Email: "training@example.org", Phone: "023 9268 8793", Website: "https://book.example.org/"}}
	b.Run("go", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = l.HTML()
		}
	})
	b.Run("template", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = referenceHTML(b, l)
		}
	})
}
