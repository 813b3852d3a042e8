// Package demo fills an empty database with the launch catalogue (the sixteen
// courses, the partner agencies and the venues) and a term of sessions over
// the next three months, so the app can be tried straight away.
package demo

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/demo/internal/demodb"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/password"
	"github.com/pscp/booktraining/internal/prerequisite"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/venue"
	"github.com/pscp/booktraining/internal/workday"
)

// Term is how far ahead the demo sessions run.
const Term = 13 * 7 * 24 * time.Hour

// Seed loads the demo catalogue (agencies, courses, venues, a term of
// sessions) if the database is empty, and reports whether it did. Processes
// starting together take turns, so it loads once.
func Seed(ctx context.Context, pool *pgxpool.Pool, now time.Time) (bool, error) {
	return seedEmpty(ctx, pool, now, "")
}

// SeedWithAccounts is Seed plus the demo accounts (see Accounts), made in the
// same transaction: only ever in a database that was empty, so no later start
// can make them in a real partnership's database, nor bring back one that
// was erased.
func SeedWithAccounts(ctx context.Context, pool *pgxpool.Pool, now time.Time) (bool, error) {
	hash, err := password.Hash(DemoPassword) // before the transaction: it takes a while
	if err != nil {
		return false, fmt.Errorf("seed demo data: %w", err)
	}
	return seedEmpty(ctx, pool, now, hash)
}

// seedEmpty loads the demo data, with the demo accounts when passwordHash is
// set, into an empty database. Each part's records are made by their owner,
// in this one transaction.
func seedEmpty(ctx context.Context, pool *pgxpool.Pool, now time.Time, passwordHash string) (bool, error) {
	seeded := false
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		q := demodb.New(tx)
		if err := q.LockDemoSeed(ctx); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		empty, err := q.DatabaseIsEmpty(ctx)
		if err != nil {
			return fmt.Errorf("is the database empty: %w", err)
		}
		if !empty {
			return nil
		}
		seeded = true
		if err := seed(ctx, tx, now); err != nil {
			return err
		}
		if passwordHash != "" {
			return seedAccounts(ctx, tx, passwordHash, now)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("seed demo data: %w", err)
	}
	return seeded, nil
}

func seed(ctx context.Context, tx pgx.Tx, now time.Time) error {
	agencyIDs := make([]int64, 0, len(Agencies))
	for _, a := range Agencies {
		id, err := agency.AddDemoTx(ctx, tx, agency.DemoAgency(a))
		if err != nil {
			return err
		}
		agencyIDs = append(agencyIDs, id)
	}

	courseIDs := make([]int64, 0, len(Courses))
	for _, c := range Courses {
		id, err := catalogue.AddDemoCourseTx(ctx, tx, catalogue.DemoCourse(c))
		if err != nil {
			return err
		}
		courseIDs = append(courseIDs, id)
	}

	for _, p := range Prerequisites {
		if err := prerequisite.AddDemoTx(ctx, tx, p, now); err != nil {
			return err
		}
	}

	venueIDs := make([]int64, 0, len(Venues))
	for _, v := range Venues {
		id, err := venue.AddDemoTx(ctx, tx, venue.DemoVenue(v))
		if err != nil {
			return err
		}
		venueIDs = append(venueIDs, id)
	}

	for _, s := range Schedule(now) {
		var closedTo *int64
		var invite *string
		if s.ClosedToAgency >= 0 {
			closedTo = &agencyIDs[s.ClosedToAgency]
			token := rand.Text()
			invite = &token
		}
		meeting := ""
		if Venues[s.Venue].Online {
			meeting = fmt.Sprintf("https://teams.microsoft.com/l/meetup-join/demo-%s-%d", Courses[s.Course].Slug, s.StartsAt.Unix())
		}
		// Every other course keeps its sessions multi-agency: a quarter of
		// the places per agency until ten days before.
		agencyCap, release := 0, time.Time{}
		if s.ClosedToAgency < 0 && s.Course%2 == 1 {
			agencyCap, release = max(4, s.Capacity/4), s.StartsAt.AddDate(0, 0, -10)
		}
		if _, err := scheduling.AddDemoSessionTx(ctx, tx, scheduling.DemoSession{
			AgencyCap: agencyCap, CapsRelease: release,
			CourseID:         courseIDs[s.Course],
			VenueID:          venueIDs[s.Venue],
			StartsAt:         s.StartsAt,
			EndsAt:           s.EndsAt,
			Cutoff:           s.StartsAt.AddDate(0, 0, -3),
			Capacity:         s.Capacity,
			Status:           s.Status,
			MeetingURL:       meeting,
			ClosedToAgencyID: closedTo,
			InviteToken:      invite,
		}); err != nil {
			return fmt.Errorf("session of %q on %s: %w", Courses[s.Course].Slug, s.StartsAt.Format(time.DateOnly), err)
		}
	}
	return nil
}

// Prerequisites are the demo catalogue's: its advanced course on harmful
// sexual behaviour asks for a level 2 course first, here the one on child
// exploitation, done within 3 years.
var Prerequisites = []prerequisite.DemoPrerequisite{
	{Course: "harmful-sexual-behaviour", Requires: "child-exploitation-including-county-lines", WithinMonths: 36},
}

// PlannedSession is one demo session, by index into Courses, Venues and
// Agencies (ClosedToAgency is -1 for a session open to everyone).
type PlannedSession struct {
	Course, Venue    int
	StartsAt, EndsAt time.Time
	Capacity         int
	Status           catalogue.SessionStatus
	ClosedToAgency   int
}

// Schedule plans the demo term: each course three times in the thirteen weeks
// after now, on working days (never a weekend or an England and Wales bank
// holiday), in London time, rotating through the rooms (and
// online where the course allows), never putting two sessions in one room at
// once. The last session of every fourth course is left as a draft, and one
// session is closed to a single agency, so every state shows up in the demo.
func Schedule(now time.Time) []PlannedSession {
	first := london.StartOfDay(now).AddDate(0, 0, 7)

	var rooms []int
	online := -1
	for i, v := range Venues {
		if v.Online {
			online = i
		} else {
			rooms = append(rooms, i)
		}
	}

	type slotKey struct {
		venue int
		day   string
		pm    bool
	}
	busy := map[slotKey]bool{}
	free := func(venue int, day time.Time, am, pm bool) bool {
		d := day.Format(time.DateOnly)
		return (!am || !busy[slotKey{venue, d, false}]) && (!pm || !busy[slotKey{venue, d, true}])
	}

	var plan []PlannedSession
	for ci, c := range Courses {
		for k := range 3 {
			useOnline := online >= 0 && slices.Contains(c.DeliveryModes, catalogue.Online) &&
				(!slices.Contains(c.DeliveryModes, catalogue.InPerson) || k == 1)
			venue := online
			if !useOnline {
				venue = rooms[(ci+k)%len(rooms)]
			}
			afternoon := c.Duration == catalogue.HalfDay && (ci+k)%2 == 1
			am := c.Duration == catalogue.FullDay || !afternoon
			pm := c.Duration == catalogue.FullDay || afternoon

			day := first.AddDate(0, 0, k*28+ci*2)
			for !workday.Is(day) || (venue != online && !free(venue, day, am, pm)) {
				day = day.AddDate(0, 0, 1)
			}
			if venue != online {
				d := day.Format(time.DateOnly)
				if am {
					busy[slotKey{venue, d, false}] = true
				}
				if pm {
					busy[slotKey{venue, d, true}] = true
				}
			}

			start, end := at(day, 9, 30), at(day, 16, 0)
			if c.Duration == catalogue.HalfDay {
				start, end = at(day, 9, 30), at(day, 12, 30)
				if afternoon {
					start, end = at(day, 13, 30), at(day, 16, 30)
				}
			}
			capacity := c.DefaultCapacity
			if venue != online && Venues[venue].Capacity < capacity {
				capacity = Venues[venue].Capacity
			}
			status := catalogue.SessionPublished
			if k == 2 && ci%4 == 3 {
				status = catalogue.SessionDraft
			}
			closed := -1
			if ci == 0 && k == 2 {
				closed = 0 // a single-agency delivery for the first agency
			}
			plan = append(plan, PlannedSession{
				Course: ci, Venue: venue, StartsAt: start, EndsAt: end,
				Capacity: capacity, Status: status, ClosedToAgency: closed,
			})
		}
	}
	return plan
}

func at(day time.Time, hour, minute int) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), hour, minute, 0, 0, london.Zone)
}
