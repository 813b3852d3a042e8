// Package email owns outgoing email: each message is written to the database
// in the same transaction as its cause, then delivered by a background worker
// with retries, so a rolled-back action never sends anything and a committed
// one is sent even if the mail server is down for a while.
package email

import (
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

	"github.com/pscp/booktraining/internal/dbsqlc"
)

var (
	// ErrInvalidMessage means a message cannot be sent as it stands: no
	// usable address, no subject or body, or a line break in a header.
	ErrInvalidMessage = errors.New("invalid email message")
	// ErrNotFound means no email has that id.
	ErrNotFound = errors.New("email not found")
)

// Message is one plain-text email to one person.
type Message struct {
	To      string // a bare address: someone@example.org
	ToName  string // optional display name
	Subject string
	Body    string
	UserID  *int64 // the account it concerns, if any
}

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
	return nil
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
	id, err := dbsqlc.New(tx).InsertEmail(ctx, dbsqlc.InsertEmailParams{
		ToAddress: m.To,
		ToName:    m.ToName,
		Subject:   m.Subject,
		BodyText:  m.Body,
		UserID:    m.UserID,
	})
	if err != nil {
		return 0, fmt.Errorf("store email: %w", err)
	}
	if _, err := o.jobs.InsertTx(ctx, tx, DeliverArgs{EmailID: id}, nil); err != nil {
		return 0, fmt.Errorf("enqueue delivery of email %d: %w", id, err)
	}
	return id, nil
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
	LastError string // the latest failure, "" after delivery
}

// Stored is a stored email in full. Body is "" once delivered over SMTP.
type Stored struct {
	Summary
	Body   string
	UserID *int64
}

// Page sizes for List.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// List returns stored emails, newest first, and how many there are in all.
// A limit outside 1..MaxPageSize means DefaultPageSize or MaxPageSize; a
// negative offset means 0.
func List(ctx context.Context, pool *pgxpool.Pool, limit, offset int) ([]Summary, int, error) {
	switch {
	case limit <= 0:
		limit = DefaultPageSize
	case limit > MaxPageSize:
		limit = MaxPageSize
	}
	offset = max(offset, 0)
	offset = min(offset, 1<<31-1)

	var (
		rows  []dbsqlc.ListEmailsRow
		total int64
	)
	// One snapshot, so the total and the page agree.
	err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) error {
			q := dbsqlc.New(tx)
			var err error
			if total, err = q.CountEmails(ctx); err != nil {
				return fmt.Errorf("count emails: %w", err)
			}
			rows, err = q.ListEmails(ctx, dbsqlc.ListEmailsParams{MaxRows: int32(limit), SkipRows: int32(offset)})
			if err != nil {
				return fmt.Errorf("list emails: %w", err)
			}
			return nil
		})
	if err != nil {
		return nil, 0, err
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
		}
	}
	return out, int(total), nil
}

// Get returns one stored email, or ErrNotFound.
func Get(ctx context.Context, pool *pgxpool.Pool, id int64) (Stored, error) {
	row, err := dbsqlc.New(pool).GetEmail(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Stored{}, ErrNotFound
	} else if err != nil {
		return Stored{}, fmt.Errorf("get email %d: %w", id, err)
	}
	return storedFromRow(row), nil
}

func storedFromRow(r dbsqlc.Email) Stored {
	return Stored{
		Summary: Summary{
			ID:        r.ID,
			To:        r.ToAddress,
			ToName:    r.ToName,
			Subject:   r.Subject,
			CreatedAt: r.CreatedAt,
			SentAt:    r.SentAt,
			Attempts:  int(r.Attempts),
			LastError: r.LastError,
		},
		Body:   r.BodyText,
		UserID: r.UserID,
	}
}
