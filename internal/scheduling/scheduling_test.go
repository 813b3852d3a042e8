package scheduling_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/validation"
)

var now = time.Date(2026, time.January, 5, 9, 0, 0, 0, time.UTC)

type fixture struct {
	ctx      context.Context
	pool     *pgxpool.Pool
	svc      *scheduling.Service
	course   int64
	rooms    []int64
	online   int64
	trainers []int64
}

func setup(t testing.TB) fixture {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := demo.Seed(ctx, pool, now)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, "DELETE FROM sessions") // a clean calendar
	require.NoError(t, err)
	f := fixture{ctx: ctx, pool: pool, svc: scheduling.New(pool, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM courses WHERE slug = 'working-together-to-safeguard-children'").Scan(&f.course))
	rows, err := pool.Query(ctx, "SELECT id FROM venues WHERE NOT online ORDER BY id")
	require.NoError(t, err)
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		f.rooms = append(f.rooms, id)
	}
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM venues WHERE online").Scan(&f.online))
	for i := range 10 {
		var id int64
		require.NoError(t, pool.QueryRow(ctx, `
			INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
			VALUES ($1, $2, 'Trainer', (SELECT id FROM agencies ORDER BY id OFFSET $3 LIMIT 1), '!', now()) RETURNING id`,
			"trainer"+strconv.Itoa(i)+"@example.org", "Trainer "+strconv.Itoa(i), i%3).Scan(&id))
		_, err := pool.Exec(ctx, "INSERT INTO user_roles (user_id, role) VALUES ($1, 'trainer')", id)
		require.NoError(t, err)
		_, err = pool.Exec(ctx, "INSERT INTO trainer_courses (trainer_id, course_id) SELECT $1, id FROM courses", id)
		require.NoError(t, err)
		f.trainers = append(f.trainers, id)
	}
	return f
}

func (f fixture) form(day string, trainers ...int64) scheduling.Form {
	return scheduling.Form{
		CourseID: f.course, Day: day, Month: "2", Year: "2026", Start: "9:30", End: "16:00",
		VenueID: f.rooms[0], TrainerIDs: trainers,
	}
}

func sessions(t *testing.T, f fixture) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM sessions").Scan(&n))
	return n
}

// Eight managers schedule the same trainer at the same time in different
// rooms, at once: exactly one wins. Then the same for one room.
func TestConcurrentSchedulingHasOneWinner(t *testing.T) {
	t.Parallel()
	f := setup(t)
	race := func(forms []scheduling.Form) (won int, clashes int) {
		var wg sync.WaitGroup
		errs := make([]error, len(forms))
		start := make(chan struct{})
		for i, form := range forms {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, _, errs[i] = f.svc.Create(f.ctx, form)
			}()
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			var clash *scheduling.ClashError
			switch {
			case err == nil:
				won++
			case errors.As(err, &clash):
				clashes++
				require.NotEmpty(t, clash.Clashes)
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		return won, clashes
	}

	var sameTrainer []scheduling.Form
	for i := range 6 {
		form := f.form("10", f.trainers[0])
		form.VenueID = f.rooms[i%len(f.rooms)]
		if i >= len(f.rooms) {
			form.VenueID = f.online
		}
		sameTrainer = append(sameTrainer, form)
	}
	won, lost := race(sameTrainer)
	assert.Equal(t, 1, won, "one trainer, one session at a time")
	assert.Equal(t, 5, lost)

	var sameRoom []scheduling.Form
	for i := range 6 {
		form := f.form("11", f.trainers[1+i])
		form.VenueID = f.rooms[1]
		sameRoom = append(sameRoom, form)
	}
	won, lost = race(sameRoom)
	assert.Equal(t, 1, won, "one room, one session at a time")
	assert.Equal(t, 5, lost)
	assert.Equal(t, 2, sessions(t, f))
}

func TestClashIsNamed(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, _, err := f.svc.Create(f.ctx, f.form("10", f.trainers[0]))
	require.NoError(t, err)

	// The same room, an overlapping hour, another trainer.
	form := f.form("10", f.trainers[1])
	form.Start, form.End = "15:00", "17:00"
	_, _, err = f.svc.Create(f.ctx, form)
	var clash *scheduling.ClashError
	require.ErrorAs(t, err, &clash)
	require.Len(t, clash.Clashes, 1)
	assert.Equal(t, "room", clash.Clashes[0].Kind)
	assert.Equal(t, "Working Together to Safeguard Children", clash.Clashes[0].CourseTitle)

	// Back to back is fine: a range ends where the next begins.
	form.Start, form.End = "16:00", "17:00"
	_, _, err = f.svc.Create(f.ctx, form)
	assert.NoError(t, err)
}

func TestTimeOffBlocksATrainer(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, err := f.pool.Exec(f.ctx, `INSERT INTO trainer_commitments (trainer_id, during, reason)
		VALUES ($1, tstzrange('2026-02-09 00:00 Europe/London', '2026-02-14 00:00 Europe/London'), 'Annual leave')`, f.trainers[2])
	require.NoError(t, err)
	_, _, err = f.svc.Create(f.ctx, f.form("10", f.trainers[2]))
	var clash *scheduling.ClashError
	require.ErrorAs(t, err, &clash)
	assert.Equal(t, "time_off", clash.Clashes[0].Kind)
	assert.Contains(t, clash.Clashes[0].Describe(func(a, b time.Time) string { return a.Format(time.DateOnly) }), "Annual leave")
}

// Times are entered in London time and stored as instants, right on both
// sides of both clock changes.
func TestClockChanges(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for _, tc := range []struct {
		day, month string
		utcHour    int
	}{
		{"28", "3", 9},  // Saturday before the clocks go forward: GMT
		{"30", "3", 8},  // Monday after: BST, an hour ahead
		{"24", "10", 8}, // Saturday before the clocks go back: BST
		{"26", "10", 9}, // Monday after: GMT
	} {
		form := f.form(tc.day, f.trainers[3])
		form.Month = tc.month
		form.VenueID = f.online
		form.ConfirmedDays = []string{"2026-03-28", "2026-10-24"} // the Saturdays, meant
		id, _, err := f.svc.Create(f.ctx, form)
		require.NoError(t, err, tc)
		se, err := f.svc.Get(f.ctx, id)
		require.NoError(t, err)
		assert.Equal(t, tc.utcHour, se.StartsAt.UTC().Hour(), "%s/%s 9:30 London", tc.day, tc.month)
		assert.Equal(t, "09:30", se.StartsAt.In(london.Zone).Format("15:04"))
		assert.Equal(t, 6*time.Hour+30*time.Minute, se.EndsAt.Sub(se.StartsAt))
	}
}

func TestBadInputIsRefusedAndNothingSaved(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var notApproved int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO users (email, full_name, job_title, agency_id, password_hash) VALUES ('na@example.org', 'Not Approved', '', (SELECT min(id) FROM agencies), '!') RETURNING id`).Scan(&notApproved))
	_, err := f.pool.Exec(f.ctx, "INSERT INTO user_roles (user_id, role) VALUES ($1, 'trainer')", notApproved)
	require.NoError(t, err)
	var retiredCourse, retiredRoom int64
	require.NoError(t, f.pool.QueryRow(f.ctx, "UPDATE courses SET retired_at = now() WHERE slug = 'harmful-sexual-behaviour' RETURNING id").Scan(&retiredCourse))
	require.NoError(t, f.pool.QueryRow(f.ctx, "UPDATE venues SET retired_at = now() WHERE id = $1 RETURNING id", f.rooms[2]).Scan(&retiredRoom))

	tests := []struct {
		name, field, message string
		change               func(*scheduling.Form)
	}{
		{"end before start", "end", "The end time must be after the start time", func(s *scheduling.Form) { s.Start, s.End = "14:00", "10:00" }},
		{"in the past", "date", "The session must be in the future", func(s *scheduling.Form) { s.Year = "2025" }},
		{"no such date", "date", "The date must be a real date", func(s *scheduling.Form) { s.Day = "30" }},
		{"bad time", "start", "Enter the start time in 24-hour format, for example 9:30 or 13:45", func(s *scheduling.Form) { s.Start = "9.30am" }},
		{"capacity zero", "capacity", "A session must have at least 1 place", func(s *scheduling.Form) { s.Capacity = "0" }},
		{"capacity above the room", "capacity", "", func(s *scheduling.Form) { s.Capacity = "500" }},
		{"trainer not approved", "trainers", "Not Approved is not approved to deliver Working Together to Safeguard Children", func(s *scheduling.Form) { s.TrainerIDs = []int64{notApproved} }},
		{"no trainer", "trainers", "Select at least one trainer", func(s *scheduling.Form) { s.TrainerIDs = nil }},
		{"retired course", "course", "That course has been retired: restore it before scheduling it", func(s *scheduling.Form) { s.CourseID = retiredCourse }},
		{"retired venue", "venue", "That venue has been retired", func(s *scheduling.Form) { s.VenueID = retiredRoom }},
		{"agency cap above the places", "agency-cap", "The places one agency may hold cannot be more than the session’s 10 places",
			func(s *scheduling.Form) { s.Capacity, s.AgencyCap = "10", "11" }},
		{"sector cap not a number", "sector-cap", "Enter the places one sector may hold as a whole number, like 4, or 0 for no limit",
			func(s *scheduling.Form) { s.SectorCap = "four" }},
		{"caps released after the session", "cap-release", "Enter how many days before the session its places open to all, from 0 to 90",
			func(s *scheduling.Form) { s.AgencyCap, s.CapReleaseDays = "3", "-2" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := f.form("10", f.trainers[4])
			tt.change(&form)
			_, _, err := f.svc.Create(f.ctx, form)
			var v *validation.Errors
			require.ErrorAs(t, err, &v)
			require.True(t, v.Has(tt.field), "%v", v)
			if tt.message != "" {
				assert.Equal(t, tt.message, v.Message(tt.field))
			}
		})
	}
	assert.Zero(t, sessions(t, f))
}

func TestCapacityDefaultsFromTheCourseWithinTheRoom(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id, p, err := f.svc.Create(f.ctx, f.form("10", f.trainers[5]))
	require.NoError(t, err)
	var defaultCapacity, room int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT default_capacity FROM courses WHERE id = $1", f.course).Scan(&defaultCapacity))
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT capacity FROM venues WHERE id = $1", f.rooms[0]).Scan(&room))
	assert.Equal(t, min(defaultCapacity, room), p.Capacity)
	se, err := f.svc.Get(f.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, catalogue.SessionDraft, se.Status)
	assert.Equal(t, "Working Together to Safeguard Children", se.CourseTitle)
}

// The first Tuesday of each month for six months; one date clashes, so
// nothing is saved and every clash is reported.
func TestSeriesWithAClashSavesNothing(t *testing.T) {
	t.Parallel()
	f := setup(t)
	p, verr := scheduling.ParsePattern("1", "2", "6")
	require.Nil(t, verr)
	dates := p.Dates(time.Date(2026, 2, 1, 0, 0, 0, 0, london.Zone))
	require.Len(t, dates, 6)
	for i, d := range dates {
		assert.Equal(t, time.Tuesday, d.Weekday())
		assert.LessOrEqual(t, d.Day(), 7, "first Tuesday")
		assert.Equal(t, time.Month(2+i), d.Month())
	}
	// Occupy the room on the third date.
	block := f.form(strconv.Itoa(dates[2].Day()), f.trainers[6])
	block.Month = strconv.Itoa(int(dates[2].Month()))
	_, _, err := f.svc.Create(f.ctx, block)
	require.NoError(t, err)

	series := f.form("1", f.trainers[7])
	_, err = f.svc.CreateSeries(f.ctx, series, p)
	var se *scheduling.SeriesError
	require.ErrorAs(t, err, &se)
	require.Len(t, se.Dates, 1)
	assert.True(t, se.Dates[0].Date.Equal(dates[2]))
	assert.Equal(t, 1, sessions(t, f), "nothing from the series was saved")

	// In another room it all fits, in one go.
	series.VenueID = f.rooms[3]
	ids, err := f.svc.CreateSeries(f.ctx, series, p)
	require.NoError(t, err)
	assert.Len(t, ids, 6)
	assert.Equal(t, 7, sessions(t, f))
}

func TestLastWeekdayOfTheMonth(t *testing.T) {
	t.Parallel()
	p := scheduling.Pattern{Week: 5, Weekday: time.Friday, Count: 3}
	got := p.Dates(time.Date(2026, 1, 1, 0, 0, 0, 0, london.Zone))
	require.Len(t, got, 3)
	assert.Equal(t, "2026-01-30 2026-02-27 2026-03-27", got[0].Format(time.DateOnly)+" "+got[1].Format(time.DateOnly)+" "+got[2].Format(time.DateOnly))
}

func TestLifeCycle(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id, _, err := f.svc.Create(f.ctx, f.form("10", f.trainers[8]))
	require.NoError(t, err)
	assert.ErrorIs(t, f.svc.Complete(f.ctx, id), scheduling.ErrWrongState, "a draft cannot be completed")
	require.NoError(t, f.svc.Publish(f.ctx, id))
	assert.ErrorIs(t, f.svc.Publish(f.ctx, id), scheduling.ErrWrongState)

	// Moving a published session in time raises its sequence; changing only
	// its capacity does not.
	se, _ := f.svc.Get(f.ctx, id)
	form := scheduling.FormFor(se)
	form.Capacity = "12"
	_, err = f.svc.Move(f.ctx, id, form)
	require.NoError(t, err)
	se, _ = f.svc.Get(f.ctx, id)
	assert.Equal(t, 0, se.Sequence)
	assert.Equal(t, 12, se.Capacity)
	form.Start, form.End = "10:00", "16:30"
	_, err = f.svc.Move(f.ctx, id, form)
	require.NoError(t, err)
	se, _ = f.svc.Get(f.ctx, id)
	assert.Equal(t, 1, se.Sequence)
	assert.Equal(t, "10:00", se.StartsAt.In(london.Zone).Format("15:04"))

	// Cancelling needs a reason, and frees the trainer and the room at once.
	var v *validation.Errors
	require.ErrorAs(t, f.svc.Cancel(f.ctx, id, ""), &v)
	require.NoError(t, f.svc.Cancel(f.ctx, id, "Trainer unwell"))
	se, _ = f.svc.Get(f.ctx, id)
	assert.Equal(t, catalogue.SessionCancelled, se.Status)
	_, _, err = f.svc.Create(f.ctx, f.form("10", f.trainers[8]))
	assert.NoError(t, err, "the slot is free again")
	assert.ErrorIs(t, f.svc.Publish(f.ctx, id), scheduling.ErrWrongState, "a cancelled session stays cancelled")
	assert.ErrorIs(t, f.svc.Publish(f.ctx, 999999), scheduling.ErrNotFound)
}

func TestSameAgencyTrainersIsAWarningNotABlock(t *testing.T) {
	t.Parallel()
	f := setup(t)
	// trainers 0 and 3 share an agency (i%3).
	_, p, err := f.svc.Create(f.ctx, f.form("12", f.trainers[0], f.trainers[3]))
	require.NoError(t, err)
	require.Len(t, p.Warnings, 1)
	assert.Contains(t, p.Warnings[0], "same agency")
}

// Moving a session and swapping its trainer at once: the trainer who leaves
// may be busy at the new time without that counting as a clash.
func TestMoveWithANewTrainer(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id, _, err := f.svc.Create(f.ctx, f.form("10", f.trainers[0]))
	require.NoError(t, err)
	other := f.form("11", f.trainers[0]) // trainer 0 is busy on the 11th
	other.VenueID = f.rooms[1]
	_, _, err = f.svc.Create(f.ctx, other)
	require.NoError(t, err)

	se, err := f.svc.Get(f.ctx, id)
	require.NoError(t, err)
	form := scheduling.FormFor(se)
	form.Day, form.TrainerIDs = "11", []int64{f.trainers[1]}
	_, err = f.svc.Move(f.ctx, id, form)
	require.NoError(t, err)
	se, err = f.svc.Get(f.ctx, id)
	require.NoError(t, err)
	require.Len(t, se.Trainers, 1)
	assert.Equal(t, f.trainers[1], se.Trainers[0].ID)
	var commitments int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM trainer_commitments WHERE session_id = $1", id).Scan(&commitments))
	assert.Equal(t, 1, commitments, "commitments follow the trainers")
}

// Whatever SQL runs, the rows behind the clash rules stay true.
func TestDatabaseGuardsTheClashRules(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id, _, err := f.svc.Create(f.ctx, f.form("10", f.trainers[0]))
	require.NoError(t, err)
	require.NoError(t, f.svc.Cancel(f.ctx, id, "Room flooded"))

	for name, sql := range map[string]string{
		"reopening a cancelled session":       "UPDATE sessions SET status = 'draft', cancelled_reason = '' WHERE id = $1",
		"updating who delivers a session":     "UPDATE session_trainers SET trainer_id = trainer_id WHERE session_id = $1",
		"turning a used room into a platform": "UPDATE venues SET online = true, capacity = NULL, address_line1 = '', postcode = '' WHERE id = (SELECT venue_id FROM sessions WHERE id = $1)",
	} {
		_, err := f.pool.Exec(f.ctx, sql, id)
		assert.Error(t, err, name)
	}

	// in_room cannot be switched off by hand to let two sessions share a room.
	other, _, err := f.svc.Create(f.ctx, f.form("12", f.trainers[1]))
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, "UPDATE sessions SET in_room = false WHERE id = $1", other)
	require.NoError(t, err)
	var inRoom bool
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT in_room FROM sessions WHERE id = $1", other).Scan(&inRoom))
	assert.True(t, inRoom, "recomputed from the venue")
}

func TestReviewFindings(t *testing.T) {
	t.Parallel()
	f := setup(t)

	// A number of places beyond any session is refused, not wrapped.
	huge := f.form("10", f.trainers[0])
	huge.VenueID, huge.Capacity = f.online, "4294967297"
	_, _, err := f.svc.Create(f.ctx, huge)
	var v *validation.Errors
	require.ErrorAs(t, err, &v)
	assert.Equal(t, "Enter 1000 places or fewer", v.Message("capacity"))

	// Booking closes at the same London time of day across a clock change.
	spring := f.form("31", f.trainers[1])
	spring.Month, spring.VenueID = "3", f.online
	id, _, err := f.svc.Create(f.ctx, spring)
	require.NoError(t, err)
	se, err := f.svc.Get(f.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "2026-03-28 09:30", se.Cutoff.In(london.Zone).Format("2006-01-02 15:04"))

	// A course delivered in person only cannot go online.
	var inPersonOnly int64
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT id FROM courses WHERE delivery_modes = '{in_person}' LIMIT 1").Scan(&inPersonOnly))
	online := f.form("12", f.trainers[2])
	online.CourseID, online.VenueID = inPersonOnly, f.online
	_, _, err = f.svc.Create(f.ctx, online)
	require.ErrorAs(t, err, &v)
	assert.Contains(t, v.Message("venue"), "in person only")

	// A session keeps its room after the room is retired, and can still be changed.
	inRoom, _, err := f.svc.Create(f.ctx, f.form("13", f.trainers[3]))
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, "UPDATE venues SET retired_at = now() WHERE id = $1", f.rooms[0])
	require.NoError(t, err)
	se, err = f.svc.Get(f.ctx, inRoom)
	require.NoError(t, err)
	form := scheduling.FormFor(se)
	form.TrainerIDs = []int64{f.trainers[4]}
	_, err = f.svc.Move(f.ctx, inRoom, form)
	assert.NoError(t, err)

	// A draft whose start has passed cannot be published.
	_, err = f.pool.Exec(f.ctx, "UPDATE sessions SET starts_at = $2, ends_at = $3, booking_cutoff_at = $2 WHERE id = $1",
		inRoom, now.Add(-2*time.Hour), now.Add(-time.Hour))
	require.NoError(t, err)
	assert.ErrorIs(t, f.svc.Publish(f.ctx, inRoom), scheduling.ErrWrongState)

	// A cancel reason with a NUL byte is cleaned, not a database error.
	assert.NoError(t, f.svc.Cancel(f.ctx, id, "Trainer\x00 unwell"))
}

// A new session takes the course's places per agency unless the form gives
// its own; an edit keeps the session's, none included; a session for one
// agency has none.
func TestCapsDefaultFromTheCourse(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, err := f.pool.Exec(f.ctx, `UPDATE courses SET default_agency_cap = 3, default_sector_cap = NULL, default_cap_release_days = 7 WHERE id = $1`, f.course)
	require.NoError(t, err)
	id, p, err := f.svc.Create(f.ctx, f.form("10", f.trainers[5]))
	require.NoError(t, err)
	assert.Equal(t, 3, p.AgencyCap)
	assert.Zero(t, p.SectorCap)
	assert.Equal(t, p.StartsAt.AddDate(0, 0, -7), p.CapsRelease)
	se, err := f.svc.Get(f.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, 3, se.AgencyCap)
	assert.True(t, se.CapsRelease.Equal(p.CapsRelease))

	// Edited with no cap: none, not the course's again.
	form := scheduling.FormFor(se)
	assert.Equal(t, "3", form.AgencyCap)
	assert.Equal(t, "7", form.CapReleaseDays)
	form.AgencyCap, form.SectorCap = "0", "5"
	_, err = f.svc.Move(f.ctx, id, form)
	require.NoError(t, err)
	se, err = f.svc.Get(f.ctx, id)
	require.NoError(t, err)
	assert.Zero(t, se.AgencyCap)
	assert.Equal(t, 5, se.SectorCap)
	form = scheduling.FormFor(se)
	form.SectorCap = "0"
	_, err = f.svc.Move(f.ctx, id, form)
	require.NoError(t, err)
	se, err = f.svc.Get(f.ctx, id)
	require.NoError(t, err)
	assert.True(t, se.CapsRelease.IsZero(), "no caps, no release date")

	closed := f.form("11", f.trainers[6])
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT id FROM agencies ORDER BY id LIMIT 1").Scan(&closed.AgencyID))
	closed.AgencyCap = "2"
	closedID, p, err := f.svc.Create(f.ctx, closed)
	require.NoError(t, err)
	assert.True(t, p.CapsRelease.IsZero(), "a session for one agency has no caps")

	// Its edit form has no caps to fill in, and the course's default (3)
	// must not be put on it: it is saved as it was, with none.
	se, err = f.svc.Get(f.ctx, closedID)
	require.NoError(t, err)
	form = scheduling.FormFor(se)
	form.AgencyCap, form.SectorCap, form.CapReleaseDays = "", "", ""
	form.End = "15:30"
	p, err = f.svc.Move(f.ctx, closedID, form)
	require.NoError(t, err)
	assert.True(t, p.CapsRelease.IsZero())
	se, err = f.svc.Get(f.ctx, closedID)
	require.NoError(t, err)
	assert.Zero(t, se.AgencyCap)
}

// A session's trainers come with it by name, each with their own id and
// agency, whatever order they were given or added in.
func TestASessionsTrainersAreByName(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, err := f.pool.Exec(f.ctx, `UPDATE users SET full_name = CASE id WHEN $1 THEN 'Zoe Trainer' WHEN $2 THEN 'Amir Trainer' END
		WHERE id IN ($1, $2)`, f.trainers[1], f.trainers[2])
	require.NoError(t, err)
	id, _, err := f.svc.Create(f.ctx, f.form("10", f.trainers[1], f.trainers[0], f.trainers[2]))
	require.NoError(t, err)
	se, err := f.svc.Get(f.ctx, id)
	require.NoError(t, err)
	var want []scheduling.Trainer
	rows, err := f.pool.Query(f.ctx, `SELECT u.id, u.full_name, a.name FROM users u JOIN agencies a ON a.id = u.agency_id
		WHERE u.id = ANY($1) ORDER BY u.full_name`, []int64{f.trainers[0], f.trainers[1], f.trainers[2]})
	require.NoError(t, err)
	for rows.Next() {
		var tr scheduling.Trainer
		require.NoError(t, rows.Scan(&tr.ID, &tr.Name, &tr.Agency))
		want = append(want, tr)
	}
	require.NoError(t, rows.Err())
	require.Len(t, want, 3)
	require.Equal(t, "Amir Trainer", want[0].Name)
	assert.Equal(t, want, se.Trainers)

	_, err = f.pool.Exec(f.ctx, `DELETE FROM session_trainers WHERE session_id = $1`, id)
	require.NoError(t, err)
	se, err = f.svc.Get(f.ctx, id)
	require.NoError(t, err)
	assert.Empty(t, se.Trainers, "a session with no trainer")
}
