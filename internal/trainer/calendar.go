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

	ics "github.com/arran4/golang-ical"
	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/dbsqlc"
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
	cal := ics.NewCalendarFor(FeedHost)
	cal.SetProductId("-//" + FeedHost + "//EN")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName("Safeguarding training sessions")
	cal.SetXWRCalName("Safeguarding training sessions")
	cal.SetXWRTimezone(London.String())
	cal.AddVTimezone(londonTimezone())
	for _, r := range rows {
		e := cal.AddEvent("session-" + strconv.FormatInt(r.ID, 10) + "@" + FeedHost)
		e.SetDtStampTime(now)
		e.SetSequence(int(r.Sequence))
		e.SetSummary(r.CourseTitle)
		e.SetLocation(location(r))
		if r.VenueOnline && r.MeetingUrl != "" {
			e.SetDescription("Join online: " + r.MeetingUrl)
		}
		// Local times with TZID: SetStartAt would write UTC, which a TZID contradicts.
		e.SetProperty(ics.ComponentPropertyDtStart, localTime(r.StartsAt), ics.WithTZID(London.String()))
		e.SetProperty(ics.ComponentPropertyDtEnd, localTime(r.EndsAt), ics.WithTZID(London.String()))
		e.SetStatus(ics.ObjectStatusConfirmed)
	}
	return cal.SerializeTo(w, ics.WithNewLineWindows)
}

func localTime(t time.Time) string { return t.In(London).Format("20060102T150405") }

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

// londonTimezone describes Europe/London's rules since 1996: British Summer
// Time from 1am GMT on the last Sunday in March to 1am GMT (2am BST) on the
// last Sunday in October.
func londonTimezone() *ics.VTimezone {
	tz := ics.NewTimezone(London.String())
	tz.SetProperty(ics.ComponentProperty("X-LIC-LOCATION"), London.String())
	rule := func(c *ics.ComponentBase, name, from, to, start, rrule string) {
		c.SetProperty(ics.ComponentProperty("TZNAME"), name)
		c.SetProperty(ics.ComponentProperty("TZOFFSETFROM"), from)
		c.SetProperty(ics.ComponentProperty("TZOFFSETTO"), to)
		c.SetProperty(ics.ComponentPropertyDtStart, start)
		c.SetProperty(ics.ComponentPropertyRrule, rrule)
	}
	daylight := &ics.Daylight{}
	rule(&daylight.ComponentBase, "BST", "+0000", "+0100", "19810329T010000", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU")
	tz.Components = append(tz.Components, daylight)
	standard := tz.AddStandard()
	rule(&standard.ComponentBase, "GMT", "+0100", "+0000", "19961027T020000", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU")
	return tz
}
