package trainer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/trainer/internal/trainerdb"
)

// SessionsPageSize is how many sessions a page of "My sessions" holds, in
// either list: a trainer who delivers a whole term's programme pages
// through it rather than scrolling one very long page.
const SessionsPageSize = 10

// Venue is where a session happens: a room, or an online platform.
type Venue struct {
	Name               string
	Online             bool
	AddressLines       []string // the non-empty lines of the address, town and postcode included
	Directions         string
	AccessibilityNotes string
}

// CoTrainer is another trainer delivering the same session.
type CoTrainer struct {
	Name       string
	AgencyName string
}

// Session is a session as the trainer delivering it sees it.
type Session struct {
	ID          int64
	CourseTitle string
	Start, End  time.Time
	Status      catalogue.SessionStatus
	Capacity    int
	SeatsTaken  int
	MeetingURL  string
	Venue       Venue
	CoTrainers  []CoTrainer
}

// StatusLabel says the session's status in words.
func (s Session) StatusLabel() string { return catalogue.SessionStatusWords(s.Status) }

// Cancelled reports whether the session will not happen.
func (s Session) Cancelled() bool { return s.Status == catalogue.SessionCancelled }

// MySessions is a trainer's "My sessions" page: one page of either their
// sessions still to come, soonest first, or those that have ended, most
// recent first, with how many there are of each.
type MySessions struct {
	Past          bool // the list is of past sessions
	Sessions      []Session
	UpcomingTotal int
	PastTotal     int
	Page          int
	PageCount     int
}

// sessionOf converts any of the session rows, which have the same columns.
func sessionOf(r trainerdb.ListUpcomingTrainerSessionsRow) Session {
	var lines []string
	for _, l := range []string{r.AddressLine1, r.AddressLine2, r.Town, r.Postcode} {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	return Session{
		ID: r.ID, CourseTitle: r.CourseTitle, Start: r.StartsAt, End: r.EndsAt, Status: catalogue.SessionStatus(r.Status),
		Capacity: int(r.Capacity), SeatsTaken: int(r.SeatsTaken), MeetingURL: r.MeetingUrl,
		Venue: Venue{Name: r.VenueName, Online: r.VenueOnline, AddressLines: lines,
			Directions: r.Directions, AccessibilityNotes: r.AccessibilityNotes},
	}
}

// Sessions returns page (from 1) of the trainer's upcoming sessions, or
// of their past ones.
func (s *Service) Sessions(ctx context.Context, trainerID int64, past bool, page int) (MySessions, error) {
	q := trainerdb.New(s.pool)
	now := s.now()
	page = max(page, 1)
	up, err := q.CountUpcomingTrainerSessions(ctx, trainerdb.CountUpcomingTrainerSessionsParams{TrainerID: trainerID, Now: now})
	if err != nil {
		return MySessions{}, fmt.Errorf("count upcoming sessions of trainer %d: %w", trainerID, err)
	}
	done, err := q.CountPastTrainerSessions(ctx, trainerdb.CountPastTrainerSessionsParams{TrainerID: trainerID, Now: now})
	if err != nil {
		return MySessions{}, fmt.Errorf("count past sessions of trainer %d: %w", trainerID, err)
	}
	out := MySessions{Past: past, UpcomingTotal: int(up), PastTotal: int(done), Page: page}
	total := out.UpcomingTotal
	if past {
		total = out.PastTotal
	}
	out.PageCount = (total + SessionsPageSize - 1) / SessionsPageSize
	off := int32(min((page-1)*SessionsPageSize, 1<<30))
	if past {
		rows, err := q.ListPastTrainerSessions(ctx, trainerdb.ListPastTrainerSessionsParams{
			TrainerID: trainerID, Now: now, Lim: SessionsPageSize, Off: off,
		})
		if err != nil {
			return MySessions{}, fmt.Errorf("list past sessions of trainer %d: %w", trainerID, err)
		}
		for _, r := range rows {
			out.Sessions = append(out.Sessions, sessionOf(trainerdb.ListUpcomingTrainerSessionsRow(r)))
		}
	} else {
		rows, err := q.ListUpcomingTrainerSessions(ctx, trainerdb.ListUpcomingTrainerSessionsParams{
			TrainerID: trainerID, Now: now, Lim: SessionsPageSize, Off: off,
		})
		if err != nil {
			return MySessions{}, fmt.Errorf("list upcoming sessions of trainer %d: %w", trainerID, err)
		}
		for _, r := range rows {
			out.Sessions = append(out.Sessions, sessionOf(r))
		}
	}
	if err := addCoTrainers(ctx, q, trainerID, out.Sessions); err != nil {
		return MySessions{}, err
	}
	return out, nil
}

// Session returns one session the trainer delivers, or ErrSessionNotFound
// for any other session, so that no trainer can open another's.
func (s *Service) Session(ctx context.Context, trainerID, sessionID int64) (Session, error) {
	q := trainerdb.New(s.pool)
	r, err := q.GetTrainerSession(ctx, trainerdb.GetTrainerSessionParams{TrainerID: trainerID, SessionID: sessionID})
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, ErrSessionNotFound
	} else if err != nil {
		return Session{}, fmt.Errorf("get session %d of trainer %d: %w", sessionID, trainerID, err)
	}
	one := []Session{sessionOf(trainerdb.ListUpcomingTrainerSessionsRow(r))}
	if err := addCoTrainers(ctx, q, trainerID, one); err != nil {
		return Session{}, err
	}
	return one[0], nil
}

func addCoTrainers(ctx context.Context, q *trainerdb.Queries, trainerID int64, sessions []Session) error {
	if len(sessions) == 0 {
		return nil
	}
	ids := make([]int64, len(sessions))
	index := make(map[int64][]int, len(sessions))
	for i, s := range sessions {
		ids[i] = s.ID
		index[s.ID] = append(index[s.ID], i)
	}
	rows, err := q.ListCoTrainers(ctx, trainerdb.ListCoTrainersParams{TrainerID: trainerID, SessionIds: ids})
	if err != nil {
		return fmt.Errorf("list co-trainers: %w", err)
	}
	for _, r := range rows {
		for _, i := range index[r.SessionID] {
			sessions[i].CoTrainers = append(sessions[i].CoTrainers, CoTrainer{Name: r.FullName, AgencyName: r.AgencyName})
		}
	}
	return nil
}
