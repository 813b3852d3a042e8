package trainer

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/dbsqlc"
	"github.com/pscp/booktraining/internal/invite"
)

// FeedHost names this service in every event's UID, which must stay the same
// for a session however often the feed is read.
const FeedHost = "book-safeguarding-training"

// feedHistory is how far back the feed carries sessions.
const feedHistory = 30 * 24 * time.Hour

// newToken is 32 random bytes, base64url: the secret in a feed's address.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// CalendarToken returns the trainer's feed token, making one on first use.
func (s *Service) CalendarToken(ctx context.Context, trainerID int64) (string, error) {
	q := dbsqlc.New(s.pool)
	tok, err := q.GetCalendarToken(ctx, trainerID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	} else if err != nil {
		return "", fmt.Errorf("get calendar token of %d: %w", trainerID, err)
	}
	if tok != nil {
		return *tok, nil
	}
	fresh := newToken()
	t, err := q.EnsureCalendarToken(ctx, dbsqlc.EnsureCalendarTokenParams{ID: trainerID, Token: &fresh})
	if err != nil {
		return "", fmt.Errorf("make calendar token of %d: %w", trainerID, err)
	}
	return t, nil
}

// ResetCalendarToken replaces the trainer's feed token, so the old address
// stops working, and returns the new one.
func (s *Service) ResetCalendarToken(ctx context.Context, trainerID int64, ip string) (string, error) {
	tok := newToken()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		n, err := q.SetCalendarToken(ctx, dbsqlc.SetCalendarTokenParams{ID: trainerID, Token: &tok})
		if err != nil {
			return fmt.Errorf("reset calendar token of %d: %w", trainerID, err)
		}
		if n == 0 {
			return ErrNotFound
		}
		return audit.Record(ctx, q, s.now(), audit.Event{Action: ActionFeedReset, ActorID: &trainerID, SubjectID: &trainerID, IP: ip})
	})
	return tok, err
}

// WriteFeed writes the iCalendar feed of the trainer whose token it is: one
// event per session they deliver that is not cancelled, from 30 days ago. An
// unknown token, or one of a person who no longer trains, is ErrUnknownFeed.
func (s *Service) WriteFeed(ctx context.Context, token string, w io.Writer) error {
	q := dbsqlc.New(s.pool)
	id, err := q.TrainerByCalendarToken(ctx, token)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrUnknownFeed
	} else if err != nil {
		return fmt.Errorf("find calendar feed: %w", err)
	}
	now := s.now()
	rows, err := q.ListCalendarSessions(ctx, dbsqlc.ListCalendarSessionsParams{TrainerID: id, Since: now.Add(-feedHistory)})
	if err != nil {
		return fmt.Errorf("list calendar sessions of %d: %w", id, err)
	}
	events := make([]invite.Event, 0, len(rows))
	for _, r := range rows {
		e := invite.Event{
			UID:      "session-" + strconv.FormatInt(r.ID, 10) + "@" + FeedHost,
			Sequence: int(r.Sequence),
			Start:    r.StartsAt,
			End:      r.EndsAt,
			Summary:  r.CourseTitle,
			Location: location(r),
		}
		if r.VenueOnline && r.MeetingUrl != "" {
			e.Description = "Join online: " + r.MeetingUrl
		}
		events = append(events, e)
	}
	if _, err := w.Write(invite.Feed("Safeguarding training sessions", events, now)); err != nil {
		return fmt.Errorf("write calendar feed of %d: %w", id, err)
	}
	return nil
}

func location(r dbsqlc.ListCalendarSessionsRow) string {
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
