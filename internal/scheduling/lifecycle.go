package scheduling

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/scheduling/internal/schedulingdb"
	"github.com/pscp/booktraining/internal/validation"
)

// Session is a scheduled session as the manager sees it.
type Session struct {
	ID            int64
	CourseID      int64
	CourseTitle   string
	VenueID       int64
	VenueName     string
	Online        bool
	StartsAt      time.Time
	EndsAt        time.Time
	Cutoff        time.Time
	Capacity      int
	Booked        int
	Status        catalogue.SessionStatus
	Sequence      int
	MeetingURL    string
	ClosedTo      string // the agency, for a closed session
	InviteToken   string
	CancelReason  string
	AgencyCap     int       // 0: none
	SectorCap     int       // 0: none
	CapsRelease   time.Time // zero: no caps
	Trainers      []Trainer
	TrainerAgency map[string]bool
}

// Trainer is someone delivering a session.
type Trainer struct {
	ID     int64
	Name   string
	Agency string
}

// Get returns one session with its trainers.
func (s *Service) Get(ctx context.Context, id int64) (Session, error) {
	return get(ctx, schedulingdb.New(s.pool), id)
}

// get is Get with the queries of a transaction, or of the pool.
func get(ctx context.Context, q *schedulingdb.Queries, id int64) (Session, error) {
	r, err := q.GetScheduledSession(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, ErrNotFound
	} else if err != nil {
		return Session{}, fmt.Errorf("get session %d: %w", id, err)
	}
	out := Session{
		ID: r.ID, CourseID: r.CourseID, CourseTitle: r.CourseTitle, VenueID: r.VenueID, VenueName: r.VenueName,
		Online: r.VenueOnline, StartsAt: r.StartsAt, EndsAt: r.EndsAt, Cutoff: r.BookingCutoffAt,
		Capacity: int(r.Capacity), Booked: int(r.SeatsTaken), Status: catalogue.SessionStatus(r.Status), Sequence: int(r.Sequence),
		MeetingURL: r.MeetingUrl, ClosedTo: r.ClosedToAgencyName, CancelReason: r.CancelledReason,
	}
	if r.InviteToken != nil {
		out.InviteToken = *r.InviteToken
	}
	if r.CapsReleaseAt != nil {
		out.CapsRelease = *r.CapsReleaseAt
		if r.AgencyCap != nil {
			out.AgencyCap = int(*r.AgencyCap)
		}
		if r.SectorCap != nil {
			out.SectorCap = int(*r.SectorCap)
		}
	}
	if len(r.TrainerNames) != len(r.TrainerIds) || len(r.TrainerAgencies) != len(r.TrainerIds) {
		return Session{}, fmt.Errorf("trainers of session %d: %d ids, %d names, %d agencies",
			id, len(r.TrainerIds), len(r.TrainerNames), len(r.TrainerAgencies))
	}
	for i, tid := range r.TrainerIds {
		out.Trainers = append(out.Trainers, Trainer{ID: tid, Name: r.TrainerNames[i], Agency: r.TrainerAgencies[i]})
	}
	return out, nil
}

// FormFor fills a form from a session, to edit or duplicate it.
func FormFor(se Session) Form {
	day := london.InputOf(se.StartsAt)
	f := Form{
		CourseID: se.CourseID, VenueID: se.VenueID, MeetingURL: se.MeetingURL,
		Day: day.Day, Month: day.Month, Year: day.Year,
		Start: london.Clock24(se.StartsAt), End: london.Clock24(se.EndsAt),
		Capacity:   fmt.Sprint(se.Capacity),
		CutoffDays: fmt.Sprint(int(se.StartsAt.Sub(se.Cutoff).Round(24*time.Hour) / (24 * time.Hour))),
		// An edit keeps the session's own caps, none included, not the course's.
		AgencyCap: fmt.Sprint(se.AgencyCap), SectorCap: fmt.Sprint(se.SectorCap),
	}
	if !se.CapsRelease.IsZero() {
		f.CapReleaseDays = fmt.Sprint(int(se.StartsAt.Sub(se.CapsRelease).Round(24*time.Hour) / (24 * time.Hour)))
	}
	for _, t := range se.Trainers {
		f.TrainerIDs = append(f.TrainerIDs, t.ID)
	}
	return f
}

// Move changes the time, place, capacity or trainers of a draft or
// published session, in one transaction that locks the session, checks the
// form (its clashes read there, the session's own slot excepted) and saves
// it. A published session moved in time or place gets a new sequence
// number, so calendars replace the old invitation, and everyone booked is
// told.
func (s *Service) Move(ctx context.Context, id int64, f Form) (Plan, error) {
	var p Plan
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := schedulingdb.New(tx)
		// Lock the session: two managers changing it at once take turns,
		// and the second checks its form against the first's change.
		locked, err := q.LockSessionForChange(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if st := catalogue.SessionStatus(locked.Status); st != catalogue.SessionDraft && st != catalogue.SessionPublished {
			return ErrWrongState
		}
		cur, err := get(ctx, q, id)
		if err != nil {
			return err
		}
		f.CourseID = cur.CourseID // a session stays a session of its course
		if p, err = s.CheckTx(ctx, tx, f, id); err != nil {
			return err
		}
		if !sameDay(p.StartsAt, cur.StartsAt) { // a new date on a weekend or bank holiday needs confirming
			if w := nonWorkingDays(f, p.StartsAt); w != nil {
				return w
			}
		}
		if p.Capacity < int(locked.SeatsTaken) {
			var v validation.Errors
			v.Add("capacity", fmt.Sprintf("%d people are booked: enter %d places or more", locked.SeatsTaken, locked.SeatsTaken))
			return v.Err()
		}
		before, err := readState(ctx, q, id)
		if err != nil {
			return err
		}
		// Trainers leaving the session go first, so moving it never counts
		// their other commitments as clashes.
		if err := q.RemoveSessionTrainers(ctx, id); err != nil {
			return err
		}
		agencyCap, sectorCap, release := p.capsArgs()
		sequence, err := q.MoveSession(ctx, schedulingdb.MoveSessionParams{
			StartsAt: p.StartsAt, EndsAt: p.EndsAt, BookingCutoffAt: p.Cutoff, VenueID: p.VenueID,
			Capacity: int32(p.Capacity), MeetingUrl: p.MeetingURL, ID: id,
			AgencyCap: agencyCap, SectorCap: sectorCap, CapsReleaseAt: release,
		})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrWrongState
		} else if err != nil {
			return err
		}
		for _, t := range p.TrainerIDs {
			if err := q.AddSessionTrainer(ctx, schedulingdb.AddSessionTrainerParams{SessionID: id, TrainerID: t}); err != nil {
				return err
			}
		}
		if err := s.recordMoved(ctx, tx, id, before); err != nil {
			return err
		}
		if err := s.scheduleCapsRelease(ctx, tx, id, p); err != nil {
			return err
		}
		// Trainers put on it are invited, those taken off it get a
		// cancellation, and those staying get the new time or place.
		if err := s.tellTrainers(ctx, tx, id); err != nil {
			return err
		}
		if s.Bookings == nil {
			return nil
		}
		// The sequence rises only when a published session's time or place
		// changed: then everyone booked gets the change and a new invitation.
		if sequence > int32(cur.Sequence) {
			if err := s.Bookings.NotifySessionMoved(ctx, tx, id); err != nil {
				return err
			}
		} else if p.MeetingURL != cur.MeetingURL && p.MeetingURL != "" {
			// A link added inside 48 hours lets joining instructions go now.
			if err := s.Bookings.NotifyMeetingLinkChanged(ctx, tx, id); err != nil {
				return err
			}
		}
		// More places (or a later cut-off) may let the waiting list in.
		return s.Bookings.FillPlaces(ctx, tx, id)
	})
	if IsClash(err) {
		return p, s.clashAfterRace(ctx, p, id)
	} else if smaller := RoomMadeSmaller(err); smaller != nil {
		return p, smaller
	} else if withdrawn := TrainerWithdrawn(err); withdrawn != nil {
		return p, withdrawn
	} else if refused(err) {
		return p, err
	} else if err != nil {
		return p, fmt.Errorf("move session %d: %w", id, err)
	}
	return p, nil
}

// Publish makes a draft visible and bookable; a draft whose start has
// passed cannot be published.
func (s *Service) Publish(ctx context.Context, id int64) error {
	se, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	if !se.StartsAt.After(s.now()) {
		return ErrWrongState
	}
	return s.setStatus(ctx, id, catalogue.SessionPublished, audit.SessionPublished, catalogue.SessionDraft)
}

// Complete marks a published session that has ended as delivered; before
// its end it is refused with ErrNotEnded.
func (s *Service) Complete(ctx context.Context, id int64) error {
	se, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	if se.Status == catalogue.SessionPublished && se.EndsAt.After(s.now()) {
		return ErrNotEnded
	}
	return s.setStatus(ctx, id, catalogue.SessionCompleted, audit.SessionCompleted, catalogue.SessionPublished)
}

// Cancel cancels a draft or published session with a reason. Its trainers
// and room are free again at once (the database's commitments follow the
// status); everyone booked or waiting has their booking ended and is told.
func (s *Service) Cancel(ctx context.Context, id int64, reason string) error {
	reason = validation.CleanText(reason)
	if len(reason) == 0 {
		var v validation.Errors
		v.Add("reason", "Enter why the session is cancelled")
		return v.Err()
	}
	if len([]rune(reason)) > 500 {
		var v validation.Errors
		v.Add("reason", "The reason must be 500 characters or fewer")
		return v.Err()
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := schedulingdb.New(tx)
		before, err := readState(ctx, q, id)
		if err != nil {
			return err
		}
		if err := setStatus(ctx, q, id, catalogue.SessionCancelled, reason, catalogue.SessionDraft, catalogue.SessionPublished); err != nil {
			return err
		}
		// Who cancelled it, and so ended its bookings and started refunds.
		if err := s.recordState(ctx, tx, audit.SessionCancelled, id, map[string]any{
			"reason": reason, "was": before.status, "places_taken": before.booked,
		}); err != nil {
			return err
		}
		if err := s.tellTrainers(ctx, tx, id); err != nil {
			return err
		}
		if s.Bookings != nil {
			return s.Bookings.CancelSessionBookings(ctx, tx, id, reason)
		}
		return nil
	})
	if errors.Is(err, ErrWrongState) {
		if _, gerr := s.Get(ctx, id); errors.Is(gerr, ErrNotFound) {
			return ErrNotFound
		}
	}
	return err
}

func (s *Service) setStatus(ctx context.Context, id int64, status catalogue.SessionStatus, action audit.Action, from ...catalogue.SessionStatus) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := schedulingdb.New(tx)
		if err := setStatus(ctx, q, id, status, "", from...); err != nil {
			return err
		}
		if err := s.recordState(ctx, tx, action, id, nil); err != nil {
			return err
		}
		if status == catalogue.SessionCompleted && s.Bookings != nil {
			// Delivered: nothing is left to decide, so its agencies are billed.
			if err := s.Bookings.SessionDelivered(ctx, tx, id); err != nil {
				return err
			}
		}
		return s.tellTrainers(ctx, tx, id) // published: they are invited
	})
	if errors.Is(err, ErrWrongState) {
		if _, gerr := s.Get(ctx, id); errors.Is(gerr, ErrNotFound) {
			return ErrNotFound
		}
	}
	return err
}

func setStatus(ctx context.Context, q *schedulingdb.Queries, id int64, status catalogue.SessionStatus, reason string, from ...catalogue.SessionStatus) error {
	_, err := q.SetSessionStatus(ctx, schedulingdb.SetSessionStatusParams{
		Status: schedulingdb.SessionStatus(status), CancelledReason: reason, ID: id, FromStates: statusNames(from),
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrWrongState
	} else if err != nil {
		return fmt.Errorf("session %d to %s: %w", id, status, err)
	}
	return nil
}

// tellTrainers sends the session's trainers what changed for them (an
// invitation, an update or a cancellation), in the transaction of the change.
func (s *Service) tellTrainers(ctx context.Context, tx pgx.Tx, id int64) error {
	if s.Bookings == nil {
		return nil
	}
	return s.Bookings.TellTrainers(ctx, tx, id)
}

// statusNames are statuses as the text a query compares with.
func statusNames(ss []catalogue.SessionStatus) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}
