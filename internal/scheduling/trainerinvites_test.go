package scheduling_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apognu/gocal"
	"github.com/apognu/gocal/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/smtptest"
)

// withBookings wires the booking service, with an outbox, into f's
// scheduler, as the server does.
func withBookings(t *testing.T, f fixture) *booking.Service {
	t.Helper()
	jobs, err := queue.NewInsertOnly(f.pool)
	require.NoError(t, err)
	base, _ := url.Parse("http://localhost:3000")
	outbox := email.NewOutbox(jobs)
	b := booking.New(f.pool, outbox, base, "Test Partnership", func() time.Time { return now },
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.Organizer.Email = "training@example.org"
	pay := payment.New(f.pool, nil, "", func() time.Time { return now }) // offline, as the server without Stripe
	pay.Jobs = outbox
	pay.Bookings, b.Money = b, pay
	f.svc.Bookings = b
	return b
}

// trainerEmail is one email to a trainer as delivered over SMTP, with its
// invite read back by an independent parser.
type trainerEmail struct {
	To, Subject, Text string
	Method            string // the text/calendar part's method parameter
	UID               string
	Sequence          int
	Status            string
	Start             time.Time
	Attendee          string // mailto: address
	Role              string // the attendee's ROLE
}

// trainerEmails delivers the emails queued for trainers with id > after,
// in order, through a real SMTP server and reads each back.
func trainerEmails(t *testing.T, f fixture, after int64) ([]trainerEmail, int64) {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, `
		SELECT e.id FROM emails e JOIN user_roles r ON r.user_id = e.user_id AND r.role = 'trainer'
		WHERE e.id > $1 ORDER BY e.id`, after)
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
	var out []trainerEmail
	for i, id := range ids {
		m, err := email.Get(f.ctx, f.pool, id)
		require.NoError(t, err)
		require.NoError(t, sender.Send(f.ctx, email.Message{To: m.To, ToName: m.ToName, Subject: m.Subject,
			Body: m.Body, HTML: m.HTML, Calendar: m.Calendar}))
		got := srv.WaitFor(t, i+1, 5*time.Second)[i]
		msg, err := mail.ReadMessage(strings.NewReader(got.Data))
		require.NoError(t, err)
		parts := map[string]calendarPart{}
		walk(t, msg.Header.Get, msg.Body, parts)
		cal, ok := parts["text/calendar"]
		require.True(t, ok, "%q carries an invite", m.Subject)
		require.Contains(t, parts, "text/html")
		p := gocal.NewParser(bytes.NewReader([]byte(cal.body)))
		p.SkipBounds = true
		require.NoError(t, p.Parse())
		require.Len(t, p.Events, 1)
		ev := p.Events[0]
		require.Len(t, ev.Attendees, 1)
		e := trainerEmail{To: got.To[0], Subject: got.Subject, Text: got.Body, Method: cal.method, UID: ev.Uid,
			Sequence: ev.Sequence, Status: ev.Status, Start: ev.Start.UTC(), Attendee: ev.Attendees[0].Value}
		assert.Equal(t, cal.method, p.Method, "the part's method is the file's")
		// gocal keeps no ROLE: its own parameter reader reads the line.
		line := regexp.MustCompile(`\r\n(ATTENDEE;[^:]*):`).FindStringSubmatch(strings.ReplaceAll(cal.body, "\r\n ", ""))
		require.NotNil(t, line)
		_, params := parser.ParseParameters(line[1])
		e.Role = params["ROLE"]
		out = append(out, e)
	}
	if len(ids) > 0 {
		after = ids[len(ids)-1]
	}
	return out, after
}

type calendarPart struct{ method, body string }

func walk(t *testing.T, get func(string) string, body io.Reader, into map[string]calendarPart) {
	t.Helper()
	typ, params, err := mime.ParseMediaType(get("Content-Type"))
	require.NoError(t, err)
	if strings.HasPrefix(typ, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			part, err := r.NextRawPart()
			if err == io.EOF {
				return
			}
			require.NoError(t, err)
			walk(t, part.Header.Get, part, into)
		}
	}
	switch strings.ToLower(get("Content-Transfer-Encoding")) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	require.NoError(t, err)
	into[typ] = calendarPart{method: params["method"], body: string(b)}
}

// byTrainer finds the one email to address among es.
func byTrainer(t *testing.T, es []trainerEmail, address string) trainerEmail {
	t.Helper()
	var found []trainerEmail
	for _, e := range es {
		if e.To == address {
			found = append(found, e)
		}
	}
	require.Len(t, found, 1, "one email to %s", address)
	return found[0]
}

// A trainer's diary follows the session: invited (as its chair) when it is
// published, updated with the same UID and a higher SEQUENCE when it moves,
// cancelled when they are taken off it, invited again above that if they are
// put back, and cancelled with the session.
func TestTrainersAreInvitedUpdatedAndCancelled(t *testing.T) {
	t.Parallel()
	f := setup(t)
	withBookings(t, f)
	t0, t1, t2 := f.trainers[0], f.trainers[1], f.trainers[2]
	addr := func(i int) string { return "trainer" + strconv.Itoa(i) + "@example.org" }
	uid := func(session, trainer int64) string {
		return "session-" + itoa(session) + "-trainer-" + itoa(trainer) + "@localhost"
	}

	id, _, err := f.svc.Create(f.ctx, f.form("2", t0, t1))
	require.NoError(t, err)
	sent, last := trainerEmails(t, f, 0)
	assert.Empty(t, sent, "a draft is the manager's plan: nobody is invited yet")

	require.NoError(t, f.svc.Publish(f.ctx, id))
	sent, last = trainerEmails(t, f, last)
	require.Len(t, sent, 2)
	for i, tr := range []int64{t0, t1} {
		e := byTrainer(t, sent, addr(i))
		assert.Equal(t, "REQUEST", e.Method)
		assert.Equal(t, uid(id, tr), e.UID)
		assert.Equal(t, 0, e.Sequence)
		assert.Equal(t, "CONFIRMED", e.Status)
		assert.Equal(t, "mailto:"+addr(i), e.Attendee)
		assert.Equal(t, "CHAIR", e.Role, "the trainer leads the session")
		assert.True(t, strings.HasPrefix(e.Subject, "You are training: "), e.Subject)
		assert.Contains(t, e.Text, "Trainer "+strconv.Itoa(1-i), "the co-trainer is named")
		assert.Equal(t, time.Date(2026, 2, 2, 9, 30, 0, 0, time.UTC), e.Start)
	}

	// An hour later, and trainer 2 instead of trainer 1.
	moved := f.form("2", t0, t2)
	moved.Start, moved.End = "10:30", "17:00"
	_, err = f.svc.Move(f.ctx, id, moved)
	require.NoError(t, err)
	sent, last = trainerEmails(t, f, last)
	require.Len(t, sent, 3)
	stay := byTrainer(t, sent, addr(0))
	assert.Equal(t, "REQUEST", stay.Method)
	assert.Equal(t, uid(id, t0), stay.UID, "the same event, updated")
	assert.Equal(t, 1, stay.Sequence)
	assert.Equal(t, time.Date(2026, 2, 2, 10, 30, 0, 0, time.UTC), stay.Start)
	assert.True(t, strings.HasPrefix(stay.Subject, "Session changed:"), stay.Subject)
	off := byTrainer(t, sent, addr(1))
	assert.Equal(t, "CANCEL", off.Method)
	assert.Equal(t, uid(id, t1), off.UID)
	assert.Equal(t, 1, off.Sequence)
	assert.Equal(t, "CANCELLED", off.Status)
	assert.True(t, strings.HasPrefix(off.Subject, "You are no longer training:"), off.Subject)
	on := byTrainer(t, sent, addr(2))
	assert.Equal(t, "REQUEST", on.Method)
	assert.Equal(t, uid(id, t2), on.UID)
	assert.Equal(t, 1, on.Sequence)
	assert.Equal(t, "CHAIR", on.Role)

	// Trainer 1 back, trainer 2 off; the time and place stay: trainer 0 hears nothing.
	back := moved
	back.TrainerIDs = []int64{t0, t1}
	_, err = f.svc.Move(f.ctx, id, back)
	require.NoError(t, err)
	sent, last = trainerEmails(t, f, last)
	require.Len(t, sent, 2)
	again := byTrainer(t, sent, addr(1))
	assert.Equal(t, "REQUEST", again.Method)
	assert.Equal(t, uid(id, t1), again.UID)
	assert.Equal(t, 2, again.Sequence, "above the cancellation their calendar holds")
	assert.Equal(t, "CANCEL", byTrainer(t, sent, addr(2)).Method)

	require.NoError(t, f.svc.Cancel(f.ctx, id, "The room flooded"))
	sent, _ = trainerEmails(t, f, last)
	require.Len(t, sent, 2)
	for i, want := range map[int]int{0: 2, 1: 3} {
		e := byTrainer(t, sent, addr(i))
		assert.Equal(t, "CANCEL", e.Method)
		assert.Equal(t, uid(id, f.trainers[i]), e.UID)
		assert.Equal(t, want, e.Sequence)
		assert.True(t, strings.HasPrefix(e.Subject, "Session cancelled:"), e.Subject)
		assert.Contains(t, e.Text, "The room flooded")
	}
}

// A session created published (a training request accepted) invites its
// trainers in the same transaction; one rolled back sends nothing.
func TestTrainersOfASessionCreatedPublishedAreInvited(t *testing.T) {
	t.Parallel()
	f := setup(t)
	withBookings(t, f)
	plan, err := f.svc.Check(f.ctx, f.form("3", f.trainers[3]), 0)
	require.NoError(t, err)

	tx, err := f.pool.Begin(f.ctx)
	require.NoError(t, err)
	_, err = f.svc.CreatePublishedTx(f.ctx, tx, plan, "TR-00001")
	require.NoError(t, err)
	require.NoError(t, tx.Rollback(f.ctx))
	sent, _ := trainerEmails(t, f, 0)
	assert.Empty(t, sent, "nothing is sent for a change that rolled back")

	tx, err = f.pool.Begin(f.ctx)
	require.NoError(t, err)
	id, err := f.svc.CreatePublishedTx(f.ctx, tx, plan, "TR-00001")
	require.NoError(t, err)
	require.NoError(t, tx.Commit(f.ctx))
	sent, _ = trainerEmails(t, f, 0)
	require.Len(t, sent, 1)
	assert.Equal(t, "REQUEST", sent[0].Method)
	assert.Equal(t, "session-"+itoa(id)+"-trainer-"+itoa(f.trainers[3])+"@localhost", sent[0].UID)
	assert.Equal(t, "mailto:trainer3@example.org", sent[0].Attendee)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
