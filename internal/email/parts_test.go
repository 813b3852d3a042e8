package email_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/email/internal/emaildb"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/smtptest"
)

// part is one node of a received message's MIME tree.
type part struct {
	Type        string            // media type, lower case: text/plain
	Params      map[string]string // its parameters: charset, method, name, boundary
	Disposition string            // attachment, inline or ""
	Filename    string            // the disposition's filename
	Body        []byte            // decoded content; nil for a multipart
	Parts       []part            // the children of a multipart
}

// types lists the children's media types, for a quick look at a structure.
func (p part) types() []string {
	var out []string
	for _, c := range p.Parts {
		out = append(out, c.Type)
	}
	return out
}

// parse reads a message as a mail program would, with only the standard library.
func parse(t *testing.T, raw string) part {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	require.NoError(t, err)
	return parsePart(t, msg.Header, msg.Body)
}

// header is a message's or a part's header.
type header interface{ Get(key string) string }

func parsePart(t *testing.T, h header, body io.Reader) part {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	require.NoError(t, err, "Content-Type %q", h.Get("Content-Type"))
	p := part{Type: mediaType, Params: params}
	if d := h.Get("Content-Disposition"); d != "" {
		disp, dparams, err := mime.ParseMediaType(d)
		require.NoError(t, err)
		p.Disposition, p.Filename = disp, dparams["filename"]
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			child, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			p.Parts = append(p.Parts, parsePart(t, child.Header, child))
		}
		return p
	}
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	p.Body, err = io.ReadAll(body)
	require.NoError(t, err)
	return p
}

// invite is an .ics file as RFC 5545 writes it: CRLF line endings, long
// lines folded, and text that is not ASCII.
func invite(method string) []byte {
	lines := []string{
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//Book safeguarding training//EN",
		"METHOD:" + method,
		"BEGIN:VEVENT",
		"UID:session-42@training.example.org",
		"DTSTAMP:20261122T090000Z",
		"DTSTART:20261201T093000Z",
		"DTEND:20261201T123000Z",
		"SUMMARY:Safeguarding children: level 3 — Café room",
		"DESCRIPTION:Bring your ID badge. Parking is limited\\, so please come by",
		"  bus if you can.",
		"END:VEVENT",
		"END:VCALENDAR",
	}
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

const htmlBody = `<p>Hello Alex,</p><p><a href="https://training.example.org/reset/3q2-7Zx_token?from=email&amp;utm=none">Choose a new password</a> — The training team</p>`

// sendOne sends m through a real SMTP conversation and returns the message
// as the server received it.
func sendOne(t *testing.T, m email.Message) smtptest.Received {
	t.Helper()
	srv := smtptest.Start(t)
	sender, err := email.NewSMTPSender(srv.URL(), from)
	require.NoError(t, err)
	require.NoError(t, sender.Send(context.Background(), m))
	got := srv.WaitFor(t, 1, 5*time.Second)
	require.Len(t, got, 1)
	return got[0]
}

func crlfText(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func TestPlainMessageIsOnePart(t *testing.T) {
	t.Parallel()
	got := sendOne(t, resetMessage("alex@example.org"))
	root := parse(t, got.Data)
	assert.Equal(t, "text/plain", root.Type, "no multipart for plain text")
	assert.Equal(t, "UTF-8", root.Params["charset"])
	assert.Empty(t, root.Parts)
	assert.Equal(t, crlfText(resetMessage("").Body), string(root.Body))
	assert.NotContains(t, got.Data, "text/html")
	assert.NotContains(t, got.Data, "text/calendar")
}

func TestHTMLMessageIsAlternative(t *testing.T) {
	t.Parallel()
	m := resetMessage("alex@example.org")
	m.HTML = htmlBody
	got := sendOne(t, m)

	root := parse(t, got.Data)
	// With nothing attached, go-mail needs no multipart/mixed around it.
	require.Equal(t, "multipart/alternative", root.Type)
	require.Equal(t, []string{"text/plain", "text/html"}, root.types(), "plainest first, as RFC 2046 asks")
	assert.Equal(t, crlfText(m.Body), string(root.Parts[0].Body))
	assert.Equal(t, htmlBody, string(root.Parts[1].Body))
	assert.Equal(t, "UTF-8", root.Parts[1].Params["charset"])
	assert.Equal(t, "https://training.example.org/reset/3q2-7Zx_token?from=email&utm=none", linkRE.FindString(got.Body),
		"smtptest still finds the plain text")
	assert.NotContains(t, got.Data, "text/calendar")
}

func TestInviteMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		method string
		html   string
		alts   []string
	}{
		{"request with HTML", email.MethodRequest, htmlBody, []string{"text/plain", "text/html", "text/calendar"}},
		{"cancel, text only", email.MethodCancel, "", []string{"text/plain", "text/calendar"}},
		{"publish", email.MethodPublish, "", []string{"text/plain", "text/calendar"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := resetMessage("alex@example.org")
			m.HTML = tt.html
			ics := invite(tt.method)
			m.Calendar = &email.Calendar{Method: tt.method, Data: ics, Filename: "safeguarding-level-3.ics"}
			root := parse(t, sendOne(t, m).Data)

			require.Equal(t, "multipart/mixed", root.Type)
			require.Equal(t, []string{"multipart/alternative", "application/ics"}, root.types())
			alt := root.Parts[0]
			require.Equal(t, tt.alts, alt.types(), "the calendar is the last alternative")
			assert.Equal(t, crlfText(m.Body), string(alt.Parts[0].Body))
			if tt.html != "" {
				assert.Equal(t, tt.html, string(alt.Parts[1].Body))
			}

			cal := alt.Parts[len(alt.Parts)-1]
			assert.Equal(t, tt.method, cal.Params["method"])
			assert.Equal(t, "UTF-8", cal.Params["charset"])
			assert.Empty(t, cal.Disposition)
			assert.Equal(t, ics, cal.Body, "the calendar arrives byte for byte, CRLF and all")

			file := root.Parts[1]
			assert.Equal(t, "attachment", file.Disposition)
			assert.Equal(t, "safeguarding-level-3.ics", file.Filename)
			assert.Equal(t, "safeguarding-level-3.ics", file.Params["name"])
			assert.Equal(t, ics, file.Body, "the attachment is the same file")
		})
	}
}

func TestInviteLinesEndInCRLF(t *testing.T) {
	t.Parallel()
	m := resetMessage("alex@example.org")
	ics := invite(email.MethodRequest)
	m.Calendar = &email.Calendar{Method: email.MethodRequest, Data: bytes.ReplaceAll(ics, []byte("\r\n"), []byte("\n")),
		Filename: "invitation.ics"}
	root := parse(t, sendOne(t, m).Data)
	require.Equal(t, []string{"multipart/alternative", "application/ics"}, root.types())
	assert.Equal(t, ics, root.Parts[0].Parts[1].Body, "bare LF becomes CRLF, as RFC 5545 requires")
	assert.Equal(t, ics, root.Parts[1].Body)
}

func TestEnqueueRefusesInvalidInvites(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	client, err := queue.NewInsertOnly(pool)
	require.NoError(t, err)
	outbox := email.NewOutbox(client)
	ctx := context.Background()

	ics := invite(email.MethodRequest)
	tests := map[string]email.Calendar{
		"no method":           {Data: ics, Filename: "invitation.ics"},
		"unknown method":      {Method: "REFRESH", Data: ics, Filename: "invitation.ics"},
		"lower-case method":   {Method: "request", Data: ics, Filename: "invitation.ics"},
		"method mismatch":     {Method: email.MethodCancel, Data: ics, Filename: "invitation.ics"},
		"no data":             {Method: email.MethodRequest, Filename: "invitation.ics"},
		"blank data":          {Method: email.MethodRequest, Data: []byte(" \r\n"), Filename: "invitation.ics"},
		"not UTF-8":           {Method: email.MethodRequest, Data: append(bytes.Clone(ics), 0xff, 0xfe), Filename: "invitation.ics"},
		"no filename":         {Method: email.MethodRequest, Data: ics},
		"only an extension":   {Method: email.MethodRequest, Data: ics, Filename: ".ics"},
		"not .ics":            {Method: email.MethodRequest, Data: ics, Filename: "invite.exe"},
		"slash":               {Method: email.MethodRequest, Data: ics, Filename: "../../etc/invitation.ics"},
		"backslash":           {Method: email.MethodRequest, Data: ics, Filename: `..\invitation.ics`},
		"line break":          {Method: email.MethodRequest, Data: ics, Filename: "invite\r\nX-Evil: 1.ics"},
		"quote":               {Method: email.MethodRequest, Data: ics, Filename: `in"vite.ics`},
		"very long file name": {Method: email.MethodRequest, Data: ics, Filename: strings.Repeat("a", 200) + ".ics"},
	}
	for name, cal := range tests {
		t.Run(name, func(t *testing.T) {
			m := resetMessage("alex@example.org")
			m.Calendar = &cal
			err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				_, err := outbox.Enqueue(ctx, tx, m)
				return err
			})
			assert.ErrorIs(t, err, email.ErrInvalidMessage)
		})
	}
	t.Run("HTML not UTF-8", func(t *testing.T) {
		m := resetMessage("alex@example.org")
		m.HTML = "<p>\xff</p>"
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			_, err := outbox.Enqueue(ctx, tx, m)
			return err
		})
		assert.ErrorIs(t, err, email.ErrInvalidMessage)
	})

	var emails int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM emails").Scan(&emails))
	assert.Zero(t, emails)
}

func TestInviteSurvivesTheOutbox(t *testing.T) {
	t.Parallel()
	ics := invite(email.MethodRequest)
	m := resetMessage("alex@example.org")
	m.HTML = htmlBody
	m.Calendar = &email.Calendar{Method: email.MethodRequest, Data: ics, Filename: "invitation.ics"}

	// Kept (no SMTP): everything needed to send it later is in the table.
	kept := setup(t, false)
	id := kept.enqueue(t, m)
	require.Equal(t, river.EventKindJobCompleted, kept.waitForJob(t).Kind)
	stored, err := email.Get(context.Background(), kept.pool, id)
	require.NoError(t, err)
	assert.Equal(t, m.Body, stored.Body)
	assert.Equal(t, htmlBody, stored.HTML)
	assert.Equal(t, m.Calendar, stored.Calendar)

	// Delivered: the worker sends it all, then clears the bodies.
	f := setup(t, true)
	id = f.enqueue(t, m)
	got := f.smtp.WaitFor(t, 1, 10*time.Second)
	root := parse(t, got[0].Data)
	require.Equal(t, "multipart/mixed", root.Type)
	require.Equal(t, []string{"multipart/alternative", "application/ics"}, root.types())
	alt := root.Parts[0]
	require.Equal(t, []string{"text/plain", "text/html", "text/calendar"}, alt.types())
	assert.Equal(t, htmlBody, string(alt.Parts[1].Body))
	assert.Equal(t, "REQUEST", alt.Parts[2].Params["method"])
	assert.Equal(t, ics, alt.Parts[2].Body)
	assert.Equal(t, "invitation.ics", root.Parts[1].Filename)
	assert.Equal(t, ics, root.Parts[1].Body)

	require.Equal(t, river.EventKindJobCompleted, f.waitForJob(t).Kind)
	stored, err = email.Get(context.Background(), f.pool, id)
	require.NoError(t, err)
	require.NotNil(t, stored.SentAt)
	assert.Empty(t, stored.Body)
	assert.Empty(t, stored.HTML, "the HTML goes once delivered")
	require.NotNil(t, stored.Calendar, "the record shows an invite was sent")
	assert.Equal(t, &email.Calendar{Method: email.MethodRequest, Filename: "invitation.ics"}, stored.Calendar,
		"the .ics goes once delivered")
	var html, data string
	require.NoError(t, f.pool.QueryRow(context.Background(),
		"SELECT body_html, calendar_ics FROM emails WHERE id = $1", id).Scan(&html, &data))
	assert.Empty(t, html)
	assert.Empty(t, data)
}

func TestErasureClearsInvites(t *testing.T) {
	t.Parallel()
	f := setup(t, false)
	ctx := context.Background()
	m := resetMessage("alex@example.org")
	m.HTML = htmlBody
	m.Calendar = &email.Calendar{Method: email.MethodCancel, Data: invite(email.MethodCancel), Filename: "alex-invitation.ics"}
	id := f.enqueue(t, m)
	toSam := m
	toSam.To = "sam@example.org"
	other := f.enqueue(t, toSam)

	require.NoError(t, emaildb.New(f.pool).AnonymiseEmailsTo(ctx, emaildb.AnonymiseEmailsToParams{
		ErasedAddress: "deleted-1@deleted.invalid", Email: "Alex@example.org"}))

	stored, err := email.Get(ctx, f.pool, id)
	require.NoError(t, err)
	assert.Equal(t, "deleted-1@deleted.invalid", stored.To)
	assert.Empty(t, stored.Body)
	assert.Empty(t, stored.HTML)
	assert.Equal(t, &email.Calendar{Method: email.MethodCancel}, stored.Calendar, "the invite and its name go")

	untouched, err := email.Get(ctx, f.pool, other)
	require.NoError(t, err)
	assert.Equal(t, htmlBody, untouched.HTML, "someone else's email stays")
	assert.Equal(t, m.Calendar.Data, untouched.Calendar.Data)
}
