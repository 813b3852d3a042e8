package email_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pscp/booktraining/internal/email"
)

func sampleLetter() email.Letter {
	return email.Letter{
		Greeting: `Dear Sam <script>alert("x")</script> O'Neill,`,
		Blocks: []email.Block{
			email.Para("Your place is booked on:"),
			email.Details("Working Together", "Monday 2 March 2026, 9:30am to 12:30pm", "Civic Offices, Guildhall Square"),
			email.LinkTo("See or change your booking", "https://book.example.org/bookings/42?a=1&b=2"),
		},
		From: email.Signature{Team: "Book safeguarding training", Partnership: "Test Partnership",
			Email: "training@example.org", Phone: "023 9268 8793", Website: "https://book.example.org/"},
	}
}

func TestLetterText(t *testing.T) {
	t.Parallel()
	want := `Dear Sam <script>alert("x")</script> O'Neill,

Your place is booked on:

  Working Together
  Monday 2 March 2026, 9:30am to 12:30pm
  Civic Offices, Guildhall Square

See or change your booking:
https://book.example.org/bookings/42?a=1&b=2

Book safeguarding training
Test Partnership
Email: training@example.org
Phone: 023 9268 8793
https://book.example.org/
`
	assert.Equal(t, want, sampleLetter().Text())
}

func TestLetterHTMLEscapesAndLinks(t *testing.T) {
	t.Parallel()
	h := sampleLetter().HTML()
	assert.True(t, strings.HasPrefix(h, "<!DOCTYPE html>"))
	assert.Contains(t, h, `<html lang="en">`)
	assert.NotContains(t, h, "<script>", "names are escaped")
	assert.Contains(t, h, "Dear Sam &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; O&#39;Neill,")
	assert.Contains(t, h, `href="https://book.example.org/bookings/42?a=1&amp;b=2"`)
	assert.Contains(t, h, ">See or change your booking</a>")
	assert.Contains(t, h, "Civic Offices, Guildhall Square")
	assert.Contains(t, h, `href="mailto:training@example.org"`)
	assert.Contains(t, h, "Phone: 023 9268 8793")
	assert.Contains(t, h, "Test Partnership")
}

func TestLetterHTMLRefusesScriptLinks(t *testing.T) {
	t.Parallel()
	l := email.Letter{Blocks: []email.Block{email.LinkTo("Join", "javascript:alert(1)")}}
	assert.NotContains(t, l.HTML(), "javascript:", "html/template filters unsafe URLs")
}

func TestLetterWithoutOptionalParts(t *testing.T) {
	t.Parallel()
	l := email.Letter{Blocks: []email.Block{email.Para("Hello.")}, From: email.Signature{Partnership: "P"}}
	assert.Equal(t, "Hello.\n\nP\n", l.Text())
	assert.NotContains(t, l.HTML(), "Phone:")
	assert.NotContains(t, l.HTML(), "mailto:")
}
