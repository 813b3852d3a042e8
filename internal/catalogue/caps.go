package catalogue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/catalogue/internal/cataloguedb"
	"github.com/pscp/booktraining/internal/validation"
)

// Fields of the fair-places form.
const (
	FieldAgencyCap  = "agency-cap"
	FieldSectorCap  = "sector-cap"
	FieldCapRelease = "cap-release"
)

// MaxCapReleaseDays bounds how long before a session its caps may lift.
const MaxCapReleaseDays = 90

// CourseCaps are the fair places a new session of a course starts with:
// the most places one agency (AgencyCap) or one sector (SectorCap) may hold,
// 0 for no limit, until ReleaseDays before the session, when the places
// left open to all. A manager can change them on each session.
type CourseCaps struct {
	CourseID        int64
	Title           string
	DefaultCapacity int
	AgencyCap       int
	SectorCap       int
	ReleaseDays     int
}

// CapsForm is the fair-places form as typed.
type CapsForm struct {
	AgencyCap   string
	SectorCap   string
	ReleaseDays string
}

// Form fills the form with the course's caps.
func (c CourseCaps) Form() CapsForm {
	return CapsForm{AgencyCap: strconv.Itoa(c.AgencyCap), SectorCap: strconv.Itoa(c.SectorCap), ReleaseDays: strconv.Itoa(c.ReleaseDays)}
}

func courseCapsOf(id int64, title string, capacity int32, agencyCap, sectorCap *int32, days int32) CourseCaps {
	c := CourseCaps{CourseID: id, Title: title, DefaultCapacity: int(capacity), ReleaseDays: int(days)}
	if agencyCap != nil {
		c.AgencyCap = int(*agencyCap)
	}
	if sectorCap != nil {
		c.SectorCap = int(*sectorCap)
	}
	return c
}

// CourseCaps returns a course's fair-places defaults.
func (s *Service) CourseCaps(ctx context.Context, id int64) (CourseCaps, error) {
	r, err := cataloguedb.New(s.pool).GetCourseCaps(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return CourseCaps{}, ErrNoSuchCourse
	} else if err != nil {
		return CourseCaps{}, fmt.Errorf("caps of course %d: %w", id, err)
	}
	return courseCapsOf(r.ID, r.Title, r.DefaultCapacity, r.DefaultAgencyCap, r.DefaultSectorCap, r.DefaultCapReleaseDays), nil
}

// check reads the form against the course's usual places.
func (f CapsForm) check(capacity int) (CourseCaps, error) {
	var v validation.Errors
	var c CourseCaps
	capOf := func(field, typed, who string) int {
		typed = strings.TrimSpace(typed)
		if typed == "" {
			return 0
		}
		n, err := strconv.Atoi(typed)
		switch {
		case err != nil || n < 0:
			v.Add(field, fmt.Sprintf("Enter the places %s may hold as a whole number, like 4, or 0 for no limit", who))
		case n > capacity:
			v.Add(field, fmt.Sprintf("The places %s may hold cannot be more than the course’s %d places in a session", who, capacity))
		default:
			return n
		}
		return 0
	}
	c.AgencyCap = capOf(FieldAgencyCap, f.AgencyCap, "one agency")
	c.SectorCap = capOf(FieldSectorCap, f.SectorCap, "one sector")
	typed := strings.TrimSpace(f.ReleaseDays)
	n, err := strconv.Atoi(typed)
	switch {
	case typed == "":
		v.Add(FieldCapRelease, "Enter how many days before a session its places open to all")
	case err != nil || n < 0 || n > MaxCapReleaseDays:
		v.Add(FieldCapRelease, fmt.Sprintf("Enter how many days before a session its places open to all, from 0 to %d", MaxCapReleaseDays))
	default:
		c.ReleaseDays = n
	}
	return c, v.Err()
}

// SetCourseCaps changes a course's fair-places defaults, audited as a
// change of the course. Sessions already scheduled keep their own caps.
func (s *Service) SetCourseCaps(ctx context.Context, id int64, f CapsForm) error {
	a := actor.From(ctx)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := cataloguedb.New(tx)
		r, err := q.LockCourseCaps(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNoSuchCourse
		} else if err != nil {
			return fmt.Errorf("lock course %d: %w", id, err)
		}
		old := courseCapsOf(r.ID, r.Title, r.DefaultCapacity, r.DefaultAgencyCap, r.DefaultSectorCap, r.DefaultCapReleaseDays)
		c, err := f.check(old.DefaultCapacity)
		if err != nil {
			return err
		}
		changes := map[string]any{}
		for _, ch := range []struct {
			field    string
			from, to int
		}{
			{"default_agency_cap", old.AgencyCap, c.AgencyCap},
			{"default_sector_cap", old.SectorCap, c.SectorCap},
			{"default_cap_release_days", old.ReleaseDays, c.ReleaseDays},
		} {
			if ch.from != ch.to {
				changes[ch.field] = map[string]any{"from": ch.from, "to": ch.to}
			}
		}
		if len(changes) == 0 {
			return nil
		}
		now := s.now()
		if err := q.SetCourseCaps(ctx, cataloguedb.SetCourseCapsParams{
			ID: id, DefaultAgencyCap: positive(c.AgencyCap), DefaultSectorCap: positive(c.SectorCap),
			DefaultCapReleaseDays: int32(c.ReleaseDays), Now: now,
		}); err != nil {
			return fmt.Errorf("set caps of course %d: %w", id, err)
		}
		changes["course_id"] = id
		return audit.RecordTx(ctx, tx, now, audit.Event{Action: CourseUpdated, ActorID: a.IDPtr(), IP: a.IP, Details: changes})
	})
}

// positive is n for a nullable column, nil for 0.
func positive(n int) *int32 {
	if n <= 0 {
		return nil
	}
	v := int32(n)
	return &v
}
