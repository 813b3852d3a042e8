// Package evaluation owns what attendees and their line managers say about
// the training: the evaluation each attended place is asked for (confidence
// before and now on each of the course's learning outcomes, and the
// partnership's standard questions, versioned so an answer keeps the wording
// it was given), the impact follow-up about three months later (from the
// person, and from their line manager through a link that needs no
// account), the settings that time them, and the results trainers and
// training managers read.
//
// A place is asked when the register marks it attended (AskTx, called by
// booking in the register's transaction). Each email after that (the
// invitation, the reminders, the follow-up) is a River job at its time that
// sends only if its step is still due, and records that it sent in the same
// transaction as the email, so each is sent once.
package evaluation

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/evaluation/internal/evaluationdb"
	"github.com/pscp/booktraining/internal/figcache"
	"github.com/pscp/booktraining/internal/validation"
)

var (
	// ErrNotFound: no such evaluation for the person asking (not theirs,
	// not attended, or never asked).
	ErrNotFound = errs.New(errs.NotFound, "evaluation not found")
	// ErrForbidden: only a training manager may do this.
	ErrForbidden = errs.New(errs.Forbidden, "only training managers may change evaluation")
)

// Service asks for, keeps and reports evaluations.
type Service struct {
	pool    *pgxpool.Pool
	outbox  *email.Outbox
	baseURL *url.URL
	now     func() time.Time
	log     *slog.Logger
	// From signs every letter.
	From email.Signature
	// Figures keeps a course's results and its CSV, counted by one
	// computation at a time and kept a few minutes (internal/figcache): at
	// a hundred times a year's answers they took a second to read.
	Figures *figcache.Cache
}

// New returns a Service whose emails link to baseURL.
func New(pool *pgxpool.Pool, outbox *email.Outbox, baseURL *url.URL, now func() time.Time, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{pool: pool, outbox: outbox, baseURL: baseURL, now: now, log: log, Figures: figcache.New(now)}
}

// link is the absolute address of path.
func (s *Service) link(path string) string { return s.baseURL.JoinPath(path).String() }

// Settings time the evaluation and say whether it gates the certificate.
type Settings struct {
	// ReminderDays: days after the invitation to remind someone who has
	// not answered (3 and 7 unless changed).
	ReminderDays []int
	// CloseDays: days after the invitation the evaluation closes (30).
	CloseDays int
	// FollowUpWeeks: weeks after the session the impact follow-up is asked (13).
	FollowUpWeeks int
	// FollowUpCloseDays: days the follow-up, and the line manager's link,
	// stay open (30).
	FollowUpCloseDays int
	// CertificateNeedsEvaluation: a certificate opens once its evaluation
	// is done, or has closed unanswered (on unless changed).
	CertificateNeedsEvaluation bool
	UpdatedAt                  *time.Time
}

// Limits of the settings, as the table's checks keep them.
const (
	MaxReminders                       = 5
	MinReminderDay, MaxReminderDay     = 1, 60
	MinCloseDays, MaxCloseDays         = 7, 90
	MinFollowUpWeeks, MaxFollowUpWeeks = 4, 26
	MinFollowUpClose, MaxFollowUpClose = 7, 90
)

func settingsFrom(r evaluationdb.SettingsRow) Settings {
	st := Settings{CloseDays: int(r.CloseDays), FollowUpWeeks: int(r.FollowUpWeeks),
		FollowUpCloseDays: int(r.FollowUpCloseDays), CertificateNeedsEvaluation: r.CertificateNeedsEvaluation,
		UpdatedAt: r.UpdatedAt}
	for _, d := range r.ReminderDays {
		st.ReminderDays = append(st.ReminderDays, int(d))
	}
	return st
}

// Settings returns the partnership's evaluation settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	return settingsTx(ctx, evaluationdb.New(s.pool))
}

func settingsTx(ctx context.Context, q *evaluationdb.Queries) (Settings, error) {
	r, err := q.Settings(ctx)
	if err != nil {
		return Settings{}, fmt.Errorf("evaluation settings: %w", err)
	}
	return settingsFrom(evaluationdb.SettingsRow(r)), nil
}

// settingsOfBooking is the settings of the partnership whose session the
// place bookingID is on: the place is evaluated by its partnership's.
func settingsOfBooking(ctx context.Context, q *evaluationdb.Queries, bookingID int64) (Settings, error) {
	r, err := q.SettingsOfBooking(ctx, bookingID)
	if err != nil {
		return Settings{}, fmt.Errorf("evaluation settings of place %d: %w", bookingID, err)
	}
	return settingsFrom(evaluationdb.SettingsRow(r)), nil
}

// SettingsForm is the settings as a manager types them.
type SettingsForm struct {
	ReminderDays               string // "3, 7", or "" for none
	CloseDays                  string
	FollowUpWeeks              string
	FollowUpCloseDays          string
	CertificateNeedsEvaluation bool
}

// Form returns st as the settings form shows it.
func (st Settings) Form() SettingsForm {
	days := make([]string, len(st.ReminderDays))
	for i, d := range st.ReminderDays {
		days[i] = strconv.Itoa(d)
	}
	return SettingsForm{ReminderDays: strings.Join(days, ", "), CloseDays: strconv.Itoa(st.CloseDays),
		FollowUpWeeks: strconv.Itoa(st.FollowUpWeeks), FollowUpCloseDays: strconv.Itoa(st.FollowUpCloseDays),
		CertificateNeedsEvaluation: st.CertificateNeedsEvaluation}
}

// whole reads a whole number from lo to hi typed in field, or says what is wrong.
func whole(v *validation.Errors, field, typed, name string, lo, hi int) int {
	n, err := strconv.Atoi(strings.TrimSpace(typed))
	switch {
	case strings.TrimSpace(typed) == "":
		v.Add(field, "Enter "+name)
	case err != nil || n < lo || n > hi:
		v.Add(field, fmt.Sprintf("%s must be a whole number from %d to %d", capitalise(name), lo, hi))
	}
	return n
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// SaveSettings changes the settings; only a training manager may. What is
// already scheduled keeps its time: the new settings apply to places
// marked attended from now on.
func (s *Service) SaveSettings(ctx context.Context, f SettingsForm) error {
	who := actor.From(ctx)
	if !who.Manager {
		return ErrForbidden
	}
	var v validation.Errors
	var st Settings
	st.CloseDays = whole(&v, "close-days", f.CloseDays, "the number of days the evaluation stays open", MinCloseDays, MaxCloseDays)
	st.FollowUpWeeks = whole(&v, "follow-up-weeks", f.FollowUpWeeks, "the number of weeks before the follow-up", MinFollowUpWeeks, MaxFollowUpWeeks)
	st.FollowUpCloseDays = whole(&v, "follow-up-close-days", f.FollowUpCloseDays, "the number of days the follow-up stays open", MinFollowUpClose, MaxFollowUpClose)
	st.CertificateNeedsEvaluation = f.CertificateNeedsEvaluation
	if typed := strings.TrimSpace(f.ReminderDays); typed != "" && !strings.EqualFold(typed, "none") {
		for _, part := range strings.FieldsFunc(typed, func(r rune) bool { return r == ',' || r == ' ' }) {
			n, err := strconv.Atoi(part)
			if err != nil || n < MinReminderDay || n > MaxReminderDay {
				v.Add("reminder-days", fmt.Sprintf("Reminder days must be whole numbers from %d to %d, separated by commas, such as 3, 7", MinReminderDay, MaxReminderDay))
				st.ReminderDays = nil
				break
			}
			if !slices.Contains(st.ReminderDays, n) {
				st.ReminderDays = append(st.ReminderDays, n)
			}
		}
		slices.Sort(st.ReminderDays)
		if len(st.ReminderDays) > MaxReminders {
			v.Add("reminder-days", fmt.Sprintf("Give at most %d reminder days", MaxReminders))
		}
	}
	if !v.Has("close-days") && len(st.ReminderDays) > 0 && st.ReminderDays[len(st.ReminderDays)-1] >= st.CloseDays {
		v.Add("reminder-days", "Every reminder must come before the evaluation closes, on day "+strconv.Itoa(st.CloseDays))
	}
	if err := v.Err(); err != nil {
		return err
	}
	days := make([]int16, len(st.ReminderDays))
	for i, d := range st.ReminderDays {
		days[i] = int16(d)
	}
	now := s.now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := evaluationdb.New(tx)
		was, err := q.SettingsForUpdate(ctx)
		if err != nil {
			return fmt.Errorf("evaluation settings: %w", err)
		}
		if err := q.SaveSettings(ctx, evaluationdb.SaveSettingsParams{ReminderDays: days, CloseDays: int16(st.CloseDays),
			FollowUpWeeks: int16(st.FollowUpWeeks), FollowUpCloseDays: int16(st.FollowUpCloseDays),
			CertificateNeedsEvaluation: st.CertificateNeedsEvaluation, Now: &now}); err != nil {
			return fmt.Errorf("save evaluation settings: %w", err)
		}
		old := settingsFrom(evaluationdb.SettingsRow(was))
		return audit.RecordTx(ctx, tx, now, audit.Event{Action: audit.EvaluationSettingsChanged, ActorID: who.IDPtr(), IP: who.IP,
			Details: map[string]any{"from": old.Form(), "to": st.Form()}})
	})
}

// newToken is a fresh secret for a link that needs no account, and the
// fingerprint kept of it.
func newToken() (token string, hash []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, tokenHash(token)
}

// tokenHash is the fingerprint kept of a link's token.
func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
