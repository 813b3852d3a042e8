// Package certificate owns the certificates of attended places: a PDF for the
// person's CPD record or revalidation, with a short code anyone (an employer,
// a regulator) can check at /certificates/{code}; and the training record, a
// PDF of everything a person attended.
//
// A place's certificate is made the first time its person asks for it, not
// when the register is taken: the register stays booking's alone, a place
// marked attended by mistake and corrected before anyone asked leaves no
// code behind, and a gate the evaluation will add (Ready) is asked at the
// moment the certificate is wanted. The booking's key makes one per place,
// however many ask at once.
package certificate

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/certificate/internal/certificatedb"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/pgerr"
)

var (
	// ErrNotFound: no such place of the person asking.
	ErrNotFound = errs.New(errs.NotFound, "place not found")
	// ErrNotAttended: the place is the person's, but the register does not
	// say they attended.
	ErrNotAttended = errs.Says(errs.Conflict,
		"There is no certificate for this place: the register does not show that you attended. "+
			"A certificate is ready once the trainer has marked you as attended.")
	// ErrUnknownCode: no certificate verifies with that code (never made,
	// mistyped, or its person erased).
	ErrUnknownCode = errs.New(errs.NotFound, "no certificate with that code")
)

// ActionIssued is audited when a certificate is made.
const ActionIssued = audit.CertificateIssued

// codeLength is how many characters a code has: 60 random bits.
const codeLength = 12

// alphabet is Crockford's base32: no I, L, O or U, so a code read aloud or
// typed from paper is not mistaken.
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newCode is a fresh random code.
func newCode() string {
	b := make([]byte, codeLength)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return string(b)
}

// NormalCode is a code as typed (any case, with spaces or hyphens) as it is
// stored; "" when it cannot be one.
func NormalCode(s string) string {
	s = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(s))
	s = strings.NewReplacer("I", "1", "L", "1", "O", "0").Replace(s)
	if len(s) != codeLength || strings.Trim(s, alphabet) != "" {
		return ""
	}
	return s
}

// Certificate is what a certificate says.
type Certificate struct {
	BookingID int64
	Code      string
	IssuedAt  time.Time
	Person    string
	Course    string
	Level     int
	Outcomes  []string
	StartsAt  time.Time
	EndsAt    time.Time
	// Partnership issues it: the one whose session it was.
	Partnership string
}

// Verified is what the public check of a code shows: no more than this.
type Verified struct {
	Person      string
	Course      string
	StartsAt    time.Time
	EndsAt      time.Time
	Partnership string // whose session it was, who issued the certificate
}

// Service makes, renders and verifies certificates.
type Service struct {
	pool        *pgxpool.Pool
	baseURL     *url.URL
	partnership string
	now         func() time.Time
	// Ready, when set, is asked before a place's certificate is made or
	// given: an error (one of errs' kinds, written for the person with
	// errs.Says) refuses it. It is where a rule such as "the certificate
	// opens once the evaluation is done" joins in; nil lets every attended
	// place have its certificate.
	Ready func(ctx context.Context, tx pgx.Tx, bookingID int64) error
}

// New returns a Service whose certificates name partnership and are checked
// under baseURL.
func New(pool *pgxpool.Pool, baseURL *url.URL, partnership string, now func() time.Time) *Service {
	return &Service{pool: pool, baseURL: baseURL, partnership: partnership, now: now}
}

// VerifyURL is the address where a code is checked.
func (s *Service) VerifyURL(code string) string {
	return s.baseURL.JoinPath("certificates", code).String()
}

// Issue returns the certificate of the actor's own place bookingID, making
// it if this is the first time it is asked for. Someone else's place, or
// none, is ErrNotFound; one not attended is ErrNotAttended.
func (s *Service) Issue(ctx context.Context, bookingID int64) (Certificate, error) {
	a := actor.From(ctx)
	if !a.SignedIn() {
		return Certificate{}, ErrNotFound
	}
	// A new code that happens to equal another place's (one chance in 2^60
	// for each certificate there is) is tried again with another.
	for range 3 {
		c, err := s.issue(ctx, a, bookingID, newCode())
		if pgerr.Violates(err, "certificates_code_key") {
			continue
		}
		return c, err
	}
	return Certificate{}, fmt.Errorf("certificate of booking %d: no unused code in three tries", bookingID)
}

func (s *Service) issue(ctx context.Context, a actor.Actor, bookingID int64, code string) (Certificate, error) {
	var c Certificate
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := certificatedb.New(tx)
		p, err := q.CertificatePlace(ctx, certificatedb.CertificatePlaceParams{BookingID: bookingID, UserID: a.ID})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("find place %d: %w", bookingID, err)
		}
		if !p.Attended {
			return ErrNotAttended
		}
		if s.Ready != nil {
			if err := s.Ready(ctx, tx, bookingID); err != nil {
				return err
			}
		}
		c = Certificate{
			BookingID: p.BookingID, Person: p.FullName, Course: p.CourseTitle, Level: int(p.Level),
			Outcomes: p.LearningOutcomes, StartsAt: p.StartsAt, EndsAt: p.EndsAt, Partnership: p.PartnershipName,
		}
		if p.Code != nil && p.IssuedAt != nil {
			c.Code, c.IssuedAt = *p.Code, *p.IssuedAt
			return nil
		}
		now := s.now()
		row, err := q.IssueCertificate(ctx, certificatedb.IssueCertificateParams{BookingID: bookingID, Code: code, IssuedAt: now})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotAttended // the register changed since the place was read
		} else if err != nil {
			return fmt.Errorf("issue certificate of booking %d: %w", bookingID, err)
		}
		c.Code, c.IssuedAt = row.Code, row.IssuedAt
		if row.Code != code {
			return nil // another request made it first
		}
		return audit.RecordTx(ctx, tx, now, audit.Event{Action: ActionIssued, ActorID: a.IDPtr(), SubjectID: &a.ID, IP: a.IP,
			Details: map[string]any{"booking_id": bookingID}})
	})
	return c, err
}

// PDF returns the certificate of the actor's own place bookingID as a PDF,
// making it on first asking (see Issue).
func (s *Service) PDF(ctx context.Context, bookingID int64) ([]byte, Certificate, error) {
	c, err := s.Issue(ctx, bookingID)
	if err != nil {
		return nil, Certificate{}, err
	}
	b, err := s.Render(c)
	return b, c, err
}

// Render is c as a PDF.
func (s *Service) Render(c Certificate) ([]byte, error) {
	var b bytes.Buffer
	issuer := c.Partnership
	if issuer == "" {
		issuer = s.partnership
	}
	if err := write(&b, c, issuer, s.VerifyURL(c.Code)); err != nil {
		return nil, fmt.Errorf("certificate of booking %d: %w", c.BookingID, err)
	}
	return b.Bytes(), nil
}

// Verify returns what a certificate's public check shows. A code never
// made, mistyped beyond repair, of an erased person, or of a place no longer
// marked attended is ErrUnknownCode.
func (s *Service) Verify(ctx context.Context, code string) (Verified, error) {
	code = NormalCode(code)
	if code == "" {
		return Verified{}, ErrUnknownCode
	}
	r, err := certificatedb.New(s.pool).VerifyCertificate(ctx, code)
	if errors.Is(err, pgx.ErrNoRows) {
		return Verified{}, ErrUnknownCode
	} else if err != nil {
		return Verified{}, fmt.Errorf("verify certificate: %w", err)
	}
	return Verified{Person: r.FullName, Course: r.CourseTitle, StartsAt: r.StartsAt, EndsAt: r.EndsAt,
		Partnership: r.PartnershipName}, nil
}

// Record returns the actor's training record: every place they attended,
// newest first, with the code of each certificate made.
func (s *Service) Record(ctx context.Context) (TrainingRecord, error) {
	a := actor.From(ctx)
	if !a.SignedIn() {
		return TrainingRecord{}, ErrNotFound
	}
	q := certificatedb.New(s.pool)
	name, err := q.PersonForRecord(ctx, a.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return TrainingRecord{}, ErrNotFound
	} else if err != nil {
		return TrainingRecord{}, fmt.Errorf("training record of %d: %w", a.ID, err)
	}
	rows, err := q.AttendedPlaces(ctx, a.ID)
	if err != nil {
		return TrainingRecord{}, fmt.Errorf("training record of %d: %w", a.ID, err)
	}
	r := TrainingRecord{Person: name}
	for _, row := range rows {
		l := RecordLine{BookingID: row.BookingID, Course: row.CourseTitle, Level: int(row.Level),
			StartsAt: row.StartsAt, EndsAt: row.EndsAt, Late: row.Late}
		if row.Code != nil {
			l.Code = *row.Code
		}
		r.Lines = append(r.Lines, l)
	}
	return r, nil
}

// RecordPDF returns the actor's training record as a PDF.
// It is issued by the partnership named issuer (the one whose service the
// person asked it of, by its host name, since a record can hold places
// with several partnerships), or the service's partnership when "".
func (s *Service) RecordPDF(ctx context.Context, issuer string) ([]byte, error) {
	r, err := s.Record(ctx)
	if err != nil {
		return nil, err
	}
	if issuer == "" {
		issuer = s.partnership
	}
	var b bytes.Buffer
	if err := writeRecord(&b, r, issuer, s.baseURL.JoinPath("certificates").String()+"/", s.now()); err != nil {
		return nil, fmt.Errorf("training record: %w", err)
	}
	return b.Bytes(), nil
}
