// Package calendar owns personal calendar feeds: one secret address per
// person that calendar apps subscribe to, carrying the places they have
// booked and, for a trainer, the sessions they deliver. Every event is built
// by internal/ical, as the emailed invitations are.
package calendar

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/calendar/internal/calendardb"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/ical"
)

var (
	// ErrUnknownFeed means no current person has that feed token.
	ErrUnknownFeed = errs.New(errs.NotFound, "unknown calendar feed")
	// ErrNotFound means no person has that id.
	ErrNotFound = errs.New(errs.NotFound, "person not found")
)

// ActionFeedReset is audited when a person replaces their feed's address.
const ActionFeedReset = audit.CalendarFeedReset

// History is how far back a feed carries events.
const History = 30 * 24 * time.Hour

// Service serves and resets feeds.
type Service struct {
	pool     *pgxpool.Pool
	bookings *booking.Service
	now      func() time.Time
}

// New returns a Service whose feeds carry places as bookings describes them.
func New(pool *pgxpool.Pool, bookings *booking.Service, now func() time.Time) *Service {
	return &Service{pool: pool, bookings: bookings, now: now}
}

// newToken is 32 random bytes, base64url: the secret in a feed's address.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Token returns the person's feed token, making one on first use.
func (s *Service) Token(ctx context.Context, userID int64) (string, error) {
	q := calendardb.New(s.pool)
	tok, err := q.GetCalendarToken(ctx, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	} else if err != nil {
		return "", fmt.Errorf("get calendar token of %d: %w", userID, err)
	}
	if tok != nil {
		return *tok, nil
	}
	var t string
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		t, err = account.EnsureCalendarTokenTx(ctx, tx, userID, newToken())
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	} else if err != nil {
		return "", fmt.Errorf("make calendar token of %d: %w", userID, err)
	}
	return t, nil
}

// ResetToken replaces the feed token of the actor in ctx (each person
// resets only their own), so the old address stops working at once, and
// returns the new one. ErrNotFound when ctx carries no one.
func (s *Service) ResetToken(ctx context.Context) (string, error) {
	a := actor.From(ctx)
	if !a.SignedIn() {
		return "", ErrNotFound
	}
	userID := a.ID
	tok := newToken()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		found, err := account.SetCalendarTokenTx(ctx, tx, userID, tok)
		if err != nil {
			return fmt.Errorf("reset calendar token of %d: %w", userID, err)
		}
		if !found {
			return ErrNotFound
		}
		return audit.RecordTx(ctx, tx, s.now(), audit.Event{Action: ActionFeedReset, ActorID: a.IDPtr(), SubjectID: &userID, IP: a.IP})
	})
	return tok, err
}

// Feed is the calendar (METHOD:PUBLISH) of the person whose token it is:
// their confirmed places and, if they train, the sessions they deliver that
// are not cancelled, from History ago. An unknown token, or one of an
// erased person, is ErrUnknownFeed.
func (s *Service) Feed(ctx context.Context, token string) ([]byte, error) {
	q := calendardb.New(s.pool)
	who, err := q.UserByCalendarToken(ctx, token)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrUnknownFeed
	} else if err != nil {
		return nil, fmt.Errorf("find calendar feed: %w", err)
	}
	now := s.now()
	since := now.Add(-History)
	events, err := s.bookings.FeedEvents(ctx, who.ID, since)
	if err != nil {
		return nil, err
	}
	if who.Trainer {
		rows, err := q.ListCalendarSessions(ctx, calendardb.ListCalendarSessionsParams{TrainerID: who.ID, Since: since})
		if err != nil {
			return nil, fmt.Errorf("list calendar sessions of %d: %w", who.ID, err)
		}
		for _, r := range rows {
			events = append(events, sessionEvent(r, s.bookings.TrainerEventUID(r.ID, who.ID)))
		}
	}
	return ical.Feed("Safeguarding training", events, now), nil
}

// sessionEvent is a session a trainer delivers, under uid, the UID of their
// emailed invitation to it.
func sessionEvent(r calendardb.ListCalendarSessionsRow, uid string) ical.Event {
	e := ical.Event{
		UID:      uid,
		Sequence: int(r.Sequence),
		Start:    r.StartsAt,
		End:      r.EndsAt,
		Summary:  r.CourseTitle,
		Location: location(r),
	}
	if r.VenueOnline && r.MeetingUrl != "" {
		e.Description = "Join online: " + r.MeetingUrl
	}
	return e
}

func location(r calendardb.ListCalendarSessionsRow) string {
	if r.VenueOnline {
		return "Online"
	}
	parts := []string{r.VenueName}
	for _, l := range []string{r.AddressLine1, r.AddressLine2, r.Town, r.Postcode} {
		if strings.TrimSpace(l) != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, ", ")
}
