package web

import (
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/email"
)

// --- emails kept by the service ---

// emailPageSize is how many emails a page of the list holds.
const emailPageSize = 50

// failedEmailWindow is how far back the emails page counts failures.
const failedEmailWindow = 30 * 24 * time.Hour

type adminEmailsPage struct {
	adminArea
	Emails     []email.Summary
	Total      int
	More       bool // more than Total: the list counts only so far
	FailedOnly bool // ?status=failed: only the emails given up on
	Failed     int  // emails given up on in the last 30 days
	Pages      *pagination
}

func (h *admin) emails(c *fiber.Ctx) error {
	ctx := c.UserContext()
	page := pageParam(c)
	f := email.Filter{FailedOnly: c.Query("status") == "failed"}
	list, total, more, err := h.deps.Emails.List(ctx, f, emailPageSize, (page-1)*emailPageSize)
	if err != nil {
		return err
	}
	failed, err := h.deps.Emails.CountFailedSince(ctx, h.deps.Now().Add(-failedEmailWindow))
	if err != nil {
		return err
	}
	d := adminEmailsPage{adminArea: h.area(c), Emails: list, Total: total, More: more, FailedOnly: f.FailedOnly, Failed: failed}
	var query url.Values
	if f.FailedOnly {
		query = url.Values{"status": {"failed"}}
	}
	d.Pages = paginateCounted("/admin/emails", query, page, (total+emailPageSize-1)/emailPageSize, more)
	title := "Emails"
	if f.FailedOnly {
		title = "Emails that could not be delivered"
	}
	return h.render(c, fiber.StatusOK, "admin/emails", title, d)
}

// textPart is a run of an email's text, or a link in it.
type textPart struct{ Text, Href string }

type adminEmailPage struct {
	adminArea
	Email      email.Stored
	Paragraphs [][][]textPart // paragraphs of lines of parts
	Hidden     bool           // bodies are not shown: email is sent by SMTP
}

func (h *admin) email(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	m, err := h.deps.Emails.Get(c.UserContext(), int64(id))
	if err != nil {
		return err // email.ErrNotFound is a 404 (errors.go)
	}
	d := adminEmailPage{adminArea: h.area(c), Email: m}
	if h.deps.ShowEmailBodies {
		d.Paragraphs = emailParagraphs(withoutSecretLinks(m.Body))
	} else {
		d.Hidden = true
	}
	return h.render(c, fiber.StatusOK, "admin/email", m.Subject, d)
}

// secretLink is a link in an email that only its recipient may follow: a
// link to confirm an address or reset a password signs its holder in.
var secretLink = regexp.MustCompile(`https?://[^\s<>"]*[?&]token=[^\s<>"]*`)

// SecretLinkRemoved stands in a kept email's text for a link that only its
// recipient may use.
const SecretLinkRemoved = "(link removed: only the person it was sent to may use it)"

// withoutSecretLinks is an email's text fit for a training manager to read:
// whoever can read a password reset link can take over the account.
func withoutSecretLinks(body string) string {
	return secretLink.ReplaceAllString(body, SecretLinkRemoved)
}

var (
	webAddress = regexp.MustCompile(`https?://[^\s<>"]+`)
	blankLine  = regexp.MustCompile(`\n\s*\n`)
)

// emailParagraphs splits a plain-text body into paragraphs (at blank lines)
// of lines, with every web address a link. The template escapes the text.
func emailParagraphs(body string) [][][]textPart {
	var out [][][]textPart
	for _, para := range blankLine.Split(strings.ReplaceAll(body, "\r\n", "\n"), -1) {
		if strings.TrimSpace(para) == "" {
			continue
		}
		var lines [][]textPart
		for _, line := range strings.Split(strings.Trim(para, "\n"), "\n") {
			var parts []textPart
			rest := line
			for {
				loc := webAddress.FindStringIndex(rest)
				if loc == nil {
					break
				}
				addr := strings.TrimRight(rest[loc[0]:loc[1]], ".,;:!?)’”'")
				if loc[0] > 0 {
					parts = append(parts, textPart{Text: rest[:loc[0]]})
				}
				parts = append(parts, textPart{Text: addr, Href: addr})
				rest = rest[loc[0]+len(addr):]
			}
			if rest != "" {
				parts = append(parts, textPart{Text: rest})
			}
			lines = append(lines, parts)
		}
		out = append(out, lines)
	}
	return out
}
