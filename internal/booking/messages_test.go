package booking_test

import (
	"encoding/base64"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/smtptest"
)

// mimePart is one part of a delivered message: its type, its method or
// file name, its decoded body and its children.
type mimePart struct {
	Type     string
	Method   string // text/calendar's method parameter
	Filename string // an attachment's name
	Body     string
	Parts    []mimePart
}

// shape is the tree of types, such as
// "multipart/mixed[multipart/alternative[text/plain text/html text/calendar;method=REQUEST] application/ics(invitation.ics)]".
func (p mimePart) shape() string {
	s := p.Type
	if p.Method != "" {
		s += ";method=" + p.Method
	}
	if p.Filename != "" {
		s += "(" + p.Filename + ")"
	}
	if len(p.Parts) > 0 {
		var kids []string
		for _, k := range p.Parts {
			kids = append(kids, k.shape())
		}
		s += "[" + strings.Join(kids, " ") + "]"
	}
	return s
}

// find returns the first part of type t, depth first.
func (p mimePart) find(t string) (mimePart, bool) {
	if p.Type == t {
		return p, true
	}
	for _, k := range p.Parts {
		if got, ok := k.find(t); ok {
			return got, true
		}
	}
	return mimePart{}, false
}

func parseMIME(t *testing.T, raw string) mimePart {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(raw))
	require.NoError(t, err)
	return readPart(t, m.Header.Get, m.Body)
}

func readPart(t *testing.T, get func(string) string, body io.Reader) mimePart {
	t.Helper()
	typ, params, err := mime.ParseMediaType(get("Content-Type"))
	require.NoError(t, err)
	p := mimePart{Type: typ, Method: params["method"]}
	if d := get("Content-Disposition"); d != "" {
		_, dp, err := mime.ParseMediaType(d)
		require.NoError(t, err)
		p.Filename = dp["filename"]
	}
	if strings.HasPrefix(typ, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			part, err := r.NextRawPart()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			p.Parts = append(p.Parts, readPart(t, part.Header.Get, part))
		}
		return p
	}
	switch strings.ToLower(get("Content-Transfer-Encoding")) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	require.NoError(t, err)
	p.Body = string(b)
	return p
}

// TestEveryBookingEmailHasTextHTMLAndItsInvite drives a booking through
// every message the service sends, delivers each over a real SMTP
// conversation and checks its MIME structure: text and HTML alternatives
// saying the same things, the partnership's name and contact details, a
// link back, and a calendar part with the right method plus its .ics
// attachment where the message changes a diary.
func TestEveryBookingEmailHasTextHTMLAndItsInvite(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.svc.Organizer.Email = "training@example.org"
	f.svc.Contact.Phone = "023 9268 8793"
	f.svc.OfferWindow = 24 * time.Hour
	manager := f.person(t, "manager", f.other)
	manager.Manager = true

	session := f.session(t, 1, 30)
	_, err := f.pool.Exec(f.ctx, "UPDATE sessions SET meeting_url = 'https://meet.example.org/abc' WHERE id = $1", session)
	require.NoError(t, err)
	other := f.session(t, 5, 31)
	ann, bob, cat, eve := f.person(t, "ann", f.agency), f.person(t, "bob", f.agency),
		f.person(t, "cat", f.agency), f.person(t, "eve", f.agency)
	f.person(t, "dan", f.agency) // a colleague to pass a place to

	annB, err := f.book(ann, session, false) // Booking confirmed
	require.NoError(t, err)
	_, err = f.book(bob, session, true) // waiting list
	require.NoError(t, err)
	catB, err := f.book(cat, session, true)
	require.NoError(t, err)
	_, err = f.svc.Cancel(actor.With(f.ctx, ann), annB.BookingID) // cancelled; bob offered
	require.NoError(t, err)
	f.clock.Set(start.Add(25 * time.Hour))
	_, err = f.svc.ExpireOffers(f.ctx) // bob's offer expired; cat offered
	require.NoError(t, err)
	require.NoError(t, f.svc.AcceptOffer(actor.With(f.ctx, cat), catB.BookingID))
	danID, err := f.svc.Substitute(actor.With(f.ctx, cat), catB.BookingID, "dan@example.org", details()) // cat out, dan in
	require.NoError(t, err)
	eveB, err := f.book(eve, session, true)
	require.NoError(t, err)
	require.NoError(t, f.svc.Remove(actor.With(f.ctx, manager), eveB.BookingID, false, "Booked by mistake")) // taken off the list
	movedID, err := f.svc.Move(actor.With(f.ctx, manager), danID, other)                                     // moved from and to
	require.NoError(t, err)
	tx, err := f.pool.Begin(f.ctx)
	require.NoError(t, err)
	_, err = tx.Exec(f.ctx, "UPDATE sessions SET sequence = sequence + 1, starts_at = starts_at + interval '1 hour', ends_at = ends_at + interval '1 hour' WHERE id = $1", other)
	require.NoError(t, err)
	require.NoError(t, f.svc.NotifySessionMoved(f.ctx, tx, other)) // session changed
	require.NoError(t, tx.Commit(f.ctx))
	_, err = f.book(bob, session, false) // bob takes the place dan left, then the session is cancelled
	require.NoError(t, err)
	cancelTx, err := f.pool.Begin(f.ctx)
	require.NoError(t, err)
	require.NoError(t, f.svc.CancelSessionBookings(f.ctx, cancelTx, session, "The trainer is ill"))
	require.NoError(t, cancelTx.Commit(f.ctx))
	_, err = f.pool.Exec(f.ctx, "UPDATE sessions SET meeting_url = 'https://meet.example.org/xyz' WHERE id = $1", other)
	require.NoError(t, err)
	f.remind(t, start.Add(21*day+2*time.Hour))                                                                           // 10 days before other: reminder
	f.remind(t, start.Add(31*day-36*time.Hour))                                                                          // 36 hours before: joining instructions
	f.clock.Set(start.Add(31*day + 3*time.Hour))                                                                         // the session has started
	require.NoError(t, f.svc.TakeRegister(actor.With(f.ctx, manager), other, map[int64]string{movedID: booking.Absent})) // absent, line manager told

	// Every kind, with the calendar method it must carry ("" for none).
	want := map[string]string{
		"Booking confirmed:":                     "REQUEST",
		"You are on the waiting list:":           "",
		"A place is available for you:":          "",
		"Your offer of a place has expired:":     "",
		"Booking cancelled:":                     "CANCEL",
		"Your place has passed to a colleague:":  "CANCEL",
		"You are no longer waiting for a place:": "",
		"Removed from your calendar:":            "CANCEL",
		"Your place has been moved:":             "REQUEST",
		"Session changed:":                       "REQUEST",
		"Reminder:":                              "REQUEST",
		"Joining instructions:":                  "REQUEST",
		"You were recorded as not attending:":    "",
		"Non-attendance:":                        "",
		"Session cancelled:":                     "CANCEL",
	}
	rows, err := f.pool.Query(f.ctx, "SELECT id FROM emails ORDER BY id")
	require.NoError(t, err)
	var ids []int64
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())

	srv := smtptest.Start(t)
	sender, err := email.NewSMTPSender(srv.URL(), "Book safeguarding training <no-reply@example.org>")
	require.NoError(t, err)
	seen := map[string]bool{}
	for i, id := range ids {
		m, err := email.Get(f.ctx, f.pool, id)
		require.NoError(t, err)
		kind := ""
		for prefix := range want {
			if strings.HasPrefix(m.Subject, prefix) {
				kind = prefix
			}
		}
		require.NotEmpty(t, kind, "an email nobody expects: %q", m.Subject)
		seen[kind] = true
		require.NoError(t, sender.Send(f.ctx, email.Message{To: m.To, ToName: m.ToName, Subject: m.Subject,
			Body: m.Body, HTML: m.HTML, Calendar: m.Calendar}))
		got := srv.WaitFor(t, i+1, 5*time.Second)[i]
		root := parseMIME(t, got.Data)

		method := want[kind]
		if method == "" {
			assert.Equal(t, "multipart/alternative[text/plain text/html]", root.shape(), m.Subject)
		} else {
			file := map[string]string{"REQUEST": "invitation.ics", "CANCEL": "cancellation.ics"}[method]
			assert.Equal(t, "multipart/mixed[multipart/alternative[text/plain text/html text/calendar;method="+method+"] application/ics("+file+")]",
				root.shape(), m.Subject)
			cal, ok := root.find("text/calendar")
			require.True(t, ok)
			att, _ := root.find("application/ics")
			assert.Contains(t, cal.Body, "METHOD:"+method+"\r\n")
			assert.Equal(t, cal.Body, att.Body, "the attachment is the same invite")
		}

		text, _ := root.find("text/plain")
		htmlPart, _ := root.find("text/html")
		for _, part := range []mimePart{text, htmlPart} {
			assert.Contains(t, part.Body, "Test Partnership", m.Subject)
			assert.Contains(t, part.Body, "training@example.org", m.Subject)
			assert.Contains(t, part.Body, "023 9268 8793", m.Subject)
			assert.Contains(t, part.Body, "http://localhost:3000/", m.Subject+": a link back")
		}
		assert.Contains(t, htmlPart.Body, `<html lang="en">`)
		assert.Contains(t, htmlPart.Body, `href="http://localhost:3000/`, m.Subject+": a link in the HTML")
		// The two parts say the same: each paragraph of the text is in the HTML.
		for para := range strings.SplitSeq(strings.ReplaceAll(text.Body, "\r\n", "\n"), "\n\n") {
			first, _, _ := strings.Cut(strings.TrimSpace(para), "\n")
			if first == "" || strings.HasPrefix(first, "http") || strings.HasSuffix(first, ":") && !strings.Contains(first, " ") {
				continue
			}
			assert.Contains(t, htmlPart.Body, html.EscapeString(strings.TrimSuffix(first, ":")), m.Subject)
		}
	}
	var missing []string
	for kind := range want {
		if !seen[kind] {
			missing = append(missing, kind)
		}
	}
	slices.Sort(missing)
	assert.Empty(t, missing, "kinds of email never sent")
}
