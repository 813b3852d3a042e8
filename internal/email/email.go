// Package email owns outgoing email: each message is written to the database
// in the same transaction as its cause, then delivered by a background worker
// with retries, so a rolled-back action never sends anything and a committed
// one is sent even if the mail server is down for a while.
package email

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/pscp/booktraining/internal/email/internal/emaildb"
	"github.com/pscp/booktraining/internal/errs"
)

var (
	// ErrInvalidMessage means a message cannot be sent as it stands: no
	// usable address, no subject or body, or a line break in a header.
	ErrInvalidMessage = errors.New("invalid email message")
	// ErrNotFound means no email has that id.
	ErrNotFound = errs.New(errs.NotFound, "email not found")
	// ErrUndeliverable means an email has been given up on: its address was
	// refused for good, or every retry failed. It is never sent.
	ErrUndeliverable = errors.New("email could not be delivered and will not be retried")
)

// Message is one email to one person: plain text, optionally with an HTML
// version and a calendar invitation. Zero values mean plain text only.
type Message struct {
	To       string // a bare address: someone@example.org
	ToName   string // optional display name
	Subject  string
	Body     string    // plain text, always sent
	HTML     string    // optional HTML version of Body
	Calendar *Calendar // optional invitation, nil for none
	UserID   *int64    // the account it concerns, if any
	// Partnership is whose email it is: the partnership of the session,
	// booking or request it is about. Nil: the acting manager's
	// partnership, else the service's (an email about an account alone).
	Partnership *int64

	// messageKey, set by the worker for a stored email, is the part of the
	// Message-ID before the @: the same on every attempt to send it.
	messageKey string
}

// Calendar methods (RFC 5546) an invitation may carry.
const (
	MethodRequest = "REQUEST" // a new or changed event
	MethodCancel  = "CANCEL"  // the event is off
	MethodPublish = "PUBLISH" // for information, no reply expected
)

// Calendar is an iCalendar invitation, sent both as an alternative to the text
// (which calendar programs act on) and as an .ics attachment (which people
// can open by hand).
type Calendar struct {
	Method   string // MethodRequest, MethodCancel or MethodPublish
	Data     []byte // the .ics file, lines ending CRLF
	Filename string // the attachment's name, such as "invitation.ics"
}

// maxFilenameLength bounds an attachment's name.
const maxFilenameLength = 100

// maxHeaderLength bounds the address, name and subject; longer values are
// refused rather than cut, since a cut address would go to someone else.
const maxHeaderLength = 254

// validate refuses what a mail server would reject or a reader would be
// misled by, above all CR or LF in a header (header injection).
func (m Message) validate() error {
	bad := func(reason string) error { return fmt.Errorf("%w: %s", ErrInvalidMessage, reason) }
	for _, h := range []struct{ name, value string }{
		{"recipient address", m.To}, {"recipient name", m.ToName}, {"subject", m.Subject},
	} {
		if strings.ContainsAny(h.value, "\r\n") {
			return bad(h.name + " contains a line break")
		}
		if !utf8.ValidString(h.value) || strings.ContainsFunc(h.value, isControl) {
			return bad(h.name + " contains a control character")
		}
		if len(h.value) > maxHeaderLength {
			return bad(h.name + " is too long")
		}
	}
	if strings.TrimSpace(m.To) == "" {
		return bad("no recipient address")
	}
	if !strings.Contains(m.To, "@") {
		return bad("recipient address has no @")
	}
	if a, err := mail.ParseAddress(m.To); err != nil || a.Address != m.To {
		return bad("recipient address is not a plain address like someone@example.org")
	}
	if strings.TrimSpace(m.Subject) == "" {
		return bad("no subject")
	}
	if strings.TrimSpace(m.Body) == "" {
		return bad("no body")
	}
	if !utf8.ValidString(m.Body) {
		return bad("body is not valid UTF-8")
	}
	if !utf8.ValidString(m.HTML) {
		return bad("HTML body is not valid UTF-8")
	}
	if m.Calendar != nil {
		if err := m.Calendar.validate(); err != nil {
			return bad(err.Error())
		}
	}
	return nil
}

// validate refuses an invitation a calendar program would misread, and a file
// name that could name a path on the reader's machine.
func (c Calendar) validate() error {
	switch c.Method {
	case MethodRequest, MethodCancel, MethodPublish:
	default:
		return fmt.Errorf("calendar method %q is not REQUEST, CANCEL or PUBLISH", c.Method)
	}
	if len(bytes.TrimSpace(c.Data)) == 0 {
		return errors.New("calendar has no data")
	}
	if !utf8.Valid(c.Data) {
		return errors.New("calendar is not valid UTF-8")
	}
	// RFC 6047: the METHOD inside must match the one in the Content-Type.
	if got, ok := icsMethod(c.Data); ok && got != c.Method {
		return fmt.Errorf("calendar says METHOD:%s but is sent as %s", got, c.Method)
	}
	name := c.Filename
	switch {
	case name == "", strings.TrimSuffix(name, ".ics") == "":
		return errors.New("calendar file name is empty")
	case !strings.HasSuffix(name, ".ics"):
		return errors.New("calendar file name does not end in .ics")
	case strings.ContainsAny(name, `/\:`) || strings.HasPrefix(name, "."):
		return errors.New("calendar file name contains a path")
	case !utf8.ValidString(name) || strings.ContainsFunc(name, isControl) || strings.ContainsRune(name, '"'):
		return errors.New("calendar file name contains a control character or quote")
	case len(name) > maxFilenameLength:
		return errors.New("calendar file name is too long")
	}
	return nil
}

// icsMethod returns the value of the calendar's METHOD property, if it has one.
func icsMethod(data []byte) (string, bool) {
	for line := range bytes.Lines(data) {
		line = bytes.TrimRight(line, "\r\n")
		if name, value, ok := bytes.Cut(line, []byte(":")); ok && strings.EqualFold(string(name), "METHOD") {
			return strings.ToUpper(strings.TrimSpace(string(value))), true
		}
	}
	return "", false
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// Outbox writes messages and their delivery jobs.
type Outbox struct {
	jobs *river.Client[pgx.Tx]
}

// NewOutbox returns an Outbox that inserts delivery jobs with client, which
// may be insert-only: the process that delivers need not be this one.
func NewOutbox(client *river.Client[pgx.Tx]) *Outbox {
	return &Outbox{jobs: client}
}

// Enqueue stores m and its delivery job in tx, the transaction of the action
// that causes it: the email goes out only if tx commits. It returns the
// email's id.
func (o *Outbox) Enqueue(ctx context.Context, tx pgx.Tx, m Message) (int64, error) {
	if err := m.validate(); err != nil {
		return 0, err
	}
	p := emaildb.InsertEmailParams{
		ToAddress:     m.To,
		ToName:        m.ToName,
		Subject:       m.Subject,
		BodyText:      m.Body,
		BodyHtml:      m.HTML,
		UserID:        m.UserID,
		PartnershipID: m.Partnership,
	}
	if c := m.Calendar; c != nil {
		p.CalendarMethod, p.CalendarIcs, p.CalendarFilename = c.Method, string(c.Data), c.Filename
	}
	id, err := emaildb.New(tx).InsertEmail(ctx, p)
	if err != nil {
		return 0, fmt.Errorf("store email: %w", err)
	}
	if _, err := o.jobs.InsertTx(ctx, tx, DeliverArgs{EmailID: id}, nil); err != nil {
		return 0, fmt.Errorf("enqueue delivery of email %d: %w", id, err)
	}
	return id, nil
}

// EnqueueJob inserts another package's job in tx, with the client that
// delivers email, so work that decides whether to write (a password reset)
// happens after the request, as the request's transaction says.
func (o *Outbox) EnqueueJob(ctx context.Context, tx pgx.Tx, args river.JobArgs) error {
	if _, err := o.jobs.InsertTx(ctx, tx, args, nil); err != nil {
		return fmt.Errorf("enqueue %s job: %w", args.Kind(), err)
	}
	return nil
}

// Summary is a stored email as a list shows it, without its body.
type Summary struct {
	ID        int64
	To        string
	ToName    string
	Subject   string
	CreatedAt time.Time
	SentAt    *time.Time // nil until delivered
	Attempts  int
	LastError string     // the latest failure, "" after delivery
	FailedAt  *time.Time // set once given up on: never sent, never retried
}

// Failed reports whether the email was given up on and will never be sent.
func (s Summary) Failed() bool { return s.FailedAt != nil }

// Retrying reports whether an attempt to send the email failed and another
// is to come.
func (s Summary) Retrying() bool { return s.SentAt == nil && s.FailedAt == nil && s.Attempts > 0 }

// Stored is a stored email in full. Body, HTML and the invitation's Data are
// empty once delivered over SMTP; the invitation's Method and Filename stay.
type Stored struct {
	Summary
	Body     string
	HTML     string
	Calendar *Calendar // nil if the email had no invitation
	UserID   *int64
}

// message is the stored email as it is to be sent.
func (s Stored) message() Message {
	return Message{To: s.To, ToName: s.ToName, Subject: s.Subject,
		Body: s.Body, HTML: s.HTML, Calendar: s.Calendar, UserID: s.UserID}
}

// Page sizes for List.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// Filter narrows List.
type Filter struct {
	FailedOnly bool // only emails given up on
}

// List returns stored emails that pass f, newest first, and how many pass in
// all, counted only so far (at least a thousand, and ten pages beyond this
// one): more is true when more pass than total. A limit outside
// 1..MaxPageSize means DefaultPageSize or MaxPageSize; a negative offset
// means 0.
func List(ctx context.Context, pool *pgxpool.Pool, f Filter, limit, offset int) (list []Summary, total int, more bool, err error) {
	switch {
	case limit <= 0:
		limit = DefaultPageSize
	case limit > MaxPageSize:
		limit = MaxPageSize
	}
	offset = max(offset, 0)
	offset = min(offset, 1<<31-1)

	var (
		rows    []emaildb.ListEmailsRow
		counted int64
	)
	countLimit := max(1000, offset+11*limit) + 1
	// One snapshot, so the total and the page agree.
	err = pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) error {
			q := emaildb.New(tx)
			var err error
			if counted, err = q.CountEmails(ctx, emaildb.CountEmailsParams{FailedOnly: f.FailedOnly, CountLimit: int32(countLimit)}); err != nil {
				return fmt.Errorf("count emails: %w", err)
			}
			rows, err = q.ListEmails(ctx, emaildb.ListEmailsParams{
				FailedOnly: f.FailedOnly, MaxRows: int32(limit), SkipRows: int32(offset)})
			if err != nil {
				return fmt.Errorf("list emails: %w", err)
			}
			return nil
		})
	if err != nil {
		return nil, 0, false, err
	}
	total, more = int(counted), counted >= int64(countLimit)
	if more {
		total = countLimit - 1
	}
	out := make([]Summary, len(rows))
	for i, r := range rows {
		out[i] = Summary{
			ID:        r.ID,
			To:        r.ToAddress,
			ToName:    r.ToName,
			Subject:   r.Subject,
			CreatedAt: r.CreatedAt,
			SentAt:    r.SentAt,
			Attempts:  int(r.Attempts),
			LastError: r.LastError,
			FailedAt:  r.FailedAt,
		}
	}
	return out, total, more, nil
}

// CountFailedSince returns how many emails were given up on at or after since.
func CountFailedSince(ctx context.Context, pool *pgxpool.Pool, since time.Time) (int, error) {
	n, err := emaildb.New(pool).CountEmailsFailedSince(ctx, since)
	if err != nil {
		return 0, fmt.Errorf("count failed emails: %w", err)
	}
	return int(n), nil
}

// Get returns one stored email, or ErrNotFound.
func Get(ctx context.Context, pool *pgxpool.Pool, id int64) (Stored, error) {
	row, err := emaildb.New(pool).GetEmail(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Stored{}, ErrNotFound
	} else if err != nil {
		return Stored{}, fmt.Errorf("get email %d: %w", id, err)
	}
	return storedFromRow(row), nil
}

func storedFromRow(r emaildb.Email) Stored {
	s := Stored{
		Summary: Summary{
			ID:        r.ID,
			To:        r.ToAddress,
			ToName:    r.ToName,
			Subject:   r.Subject,
			CreatedAt: r.CreatedAt,
			SentAt:    r.SentAt,
			Attempts:  int(r.Attempts),
			LastError: r.LastError,
			FailedAt:  r.FailedAt,
		},
		Body:   r.BodyText,
		HTML:   r.BodyHtml,
		UserID: r.UserID,
	}
	if r.CalendarMethod != "" {
		s.Calendar = &Calendar{Method: r.CalendarMethod, Filename: r.CalendarFilename}
		if r.CalendarIcs != "" {
			s.Calendar.Data = []byte(r.CalendarIcs)
		}
	}
	return s
}

// EnqueueJobs inserts other packages' jobs in tx at once: one statement
// however many (the register of a full session asks every attendee).
func (o *Outbox) EnqueueJobs(ctx context.Context, tx pgx.Tx, jobs []river.InsertManyParams) error {
	if len(jobs) == 0 {
		return nil
	}
	if _, err := o.jobs.InsertManyTx(ctx, tx, jobs); err != nil {
		return fmt.Errorf("enqueue %d jobs: %w", len(jobs), err)
	}
	return nil
}
