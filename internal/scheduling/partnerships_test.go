package scheduling_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/scope"
)

// A trainer approved by two partnerships is one person with one diary: a
// Hampshire manager cannot put them in a Hampshire session while they
// deliver a Portsmouth one, though the Hampshire manager cannot see
// Portsmouth's session, and the refusal names no Portsmouth course. Two
// managers, one of each partnership, racing for the same hour: one wins.
func TestATrainerCannotBeInTwoPartnershipsSessionsAtOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var portsmouth, hampshire, hampshireCourse, hampshireRoom int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT min(id) FROM partnerships`).Scan(&portsmouth))
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO partnerships (slug, name, short_name)
		VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire') RETURNING id`).Scan(&hampshire))
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences, level,
		                     duration, delivery_modes, default_capacity, partnership_id)
		SELECT 'hampshire-' || slug, 'Hampshire: ' || title, summary, description, learning_outcomes, audience_description,
		       audiences, level, duration, delivery_modes, default_capacity, $1
		FROM courses WHERE id = $2 RETURNING id`, hampshire, f.course).Scan(&hampshireCourse))
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO venues (name, address_line1, town, postcode, capacity, partnership_id)
		VALUES ('Elizabeth II Court', 'The Castle', 'Winchester', 'SO23 8UJ', 40, $1) RETURNING id`, hampshire).Scan(&hampshireRoom))
	_, err := f.pool.Exec(f.ctx, `INSERT INTO trainer_courses (trainer_id, course_id) SELECT id, $1 FROM unnest($2::bigint[]) id`,
		hampshireCourse, f.trainers)
	require.NoError(t, err)

	asPortsmouth := scope.Managing(f.ctx, portsmouth)
	asHampshire := scope.Managing(f.ctx, hampshire)
	hampshireForm := func(day string, trainers ...int64) scheduling.Form {
		form := f.form(day, trainers...)
		form.CourseID, form.VenueID = hampshireCourse, hampshireRoom
		return form
	}

	// Portsmouth's session with trainer 0; Hampshire's at the same hour.
	_, _, err = f.svc.Create(asPortsmouth, f.form("10", f.trainers[0]))
	require.NoError(t, err)
	_, _, err = f.svc.Create(asHampshire, hampshireForm("10", f.trainers[0]))
	var clash *scheduling.ClashError
	require.ErrorAs(t, err, &clash, "the trainer is in Portsmouth's session then")
	require.Len(t, clash.Clashes, 1)
	assert.Equal(t, "trainer", clash.Clashes[0].Kind)
	assert.Equal(t, "Trainer 0", clash.Clashes[0].What)
	assert.NotContains(t, clash.Clashes[0].CourseTitle, "Working Together", "Hampshire's manager is not shown Portsmouth's course")
	assert.Zero(t, clash.Clashes[0].SessionID, "nor a link to Portsmouth's session")
	assert.Equal(t, "Trainer 0 is already delivering a session of another partnership on 10 February 2026",
		clash.Clashes[0].Describe(func(a, _ time.Time) string { return london.Date(a) }))

	// Another trainer is free: Hampshire's session is scheduled, and is Hampshire's.
	id, _, err := f.svc.Create(asHampshire, hampshireForm("10", f.trainers[1]))
	require.NoError(t, err)
	var owner int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT partnership_id FROM sessions WHERE id = $1`, id).Scan(&owner))
	assert.Equal(t, hampshire, owner)

	// A Hampshire manager may not schedule Portsmouth's course or use its room.
	_, _, err = f.svc.Create(asHampshire, f.form("12", f.trainers[2]))
	assert.Error(t, err, "Hampshire scheduled Portsmouth's course in Portsmouth's room")

	// The two partnerships' managers race for trainer 3 on the same hour.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	start := make(chan struct{})
	for i, run := range []func() error{
		func() error { _, _, err := f.svc.Create(asPortsmouth, f.form("17", f.trainers[3])); return err },
		func() error { _, _, err := f.svc.Create(asHampshire, hampshireForm("17", f.trainers[3])); return err },
	} {
		wg.Add(1)
		go func() { defer wg.Done(); <-start; errs[i] = run() }()
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else if !errors.As(err, &clash) {
			t.Fatalf("unexpected error: %v", err)
		}
	}
	assert.Equal(t, 1, won, "one trainer, one session at a time, across partnerships")

	// Each manager's programme is their partnership's alone, with its
	// trainers; the view it reads them through (00070, which reads as its
	// owner) keeps the line itself.
	for _, m := range []struct {
		ctx         context.Context
		partnership int64
		prefix      string
	}{{asPortsmouth, portsmouth, "Working Together"}, {asHampshire, hampshire, "Hampshire: "}} {
		var held int
		require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM sessions WHERE partnership_id = $1`, m.partnership).Scan(&held))
		rows, total, _, err := f.svc.Programme(m.ctx, scheduling.ProgrammeFilter{When: scheduling.AllDates}, 1)
		require.NoError(t, err)
		assert.Equal(t, held, total)
		assert.Len(t, rows, held)
		for _, r := range rows {
			assert.True(t, strings.HasPrefix(r.CourseTitle, m.prefix), "%s in the programme of %s", r.CourseTitle, m.prefix)
			assert.Contains(t, r.Trainers, "Trainer ")
		}
	}
	var theirs []int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT array_agg(id) FROM sessions WHERE partnership_id = $1`, portsmouth).Scan(&theirs))
	require.NotEmpty(t, theirs)
	var seen int
	require.NoError(t, f.pool.QueryRow(asHampshire, `SELECT count(*) FROM programme_sessions WHERE id = ANY ($1)`,
		theirs).Scan(&seen))
	assert.Zero(t, seen, "Hampshire's manager reads nothing of Portsmouth's sessions through the view")
	require.NoError(t, f.pool.QueryRow(asPortsmouth, `SELECT count(*) FROM programme_sessions WHERE id = ANY ($1)`,
		theirs).Scan(&seen))
	assert.Equal(t, len(theirs), seen)
}

// A trainer's invitation to another partnership's session is in that
// partnership's name, from its training team.
func TestATrainersInvitationIsInTheSessionsPartnershipsName(t *testing.T) {
	t.Parallel()
	f := setup(t)
	withBookings(t, f)
	var hampshire, room int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO partnerships (slug, name, short_name, email, phone)
		VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire', 'training@hampshirescp.example', '01962 000000')
		RETURNING id`).Scan(&hampshire))
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO venues (name, address_line1, town, postcode, capacity, partnership_id)
		VALUES ('Elizabeth II Court', 'The Castle', 'Winchester', 'SO23 8UJ', 40, $1) RETURNING id`, hampshire).Scan(&room))
	_, err := f.pool.Exec(f.ctx, `UPDATE courses SET partnership_id = $1 WHERE id = $2`, hampshire, f.course)
	require.NoError(t, err)
	// Hampshire approves Portsmouth's trainers too.
	_, err = f.pool.Exec(f.ctx, `
		INSERT INTO trainer_courses (trainer_id, course_id, partnership_id)
		SELECT trainer_id, course_id, $1 FROM trainer_courses WHERE course_id = $2`, hampshire, f.course)
	require.NoError(t, err)

	asHampshire := scope.Managing(f.ctx, hampshire)
	form := f.form("3", f.trainers[3])
	form.VenueID = room
	id, _, err := f.svc.Create(asHampshire, form)
	require.NoError(t, err)
	require.NoError(t, f.svc.Publish(asHampshire, id))
	sent, _ := trainerEmails(t, f, 0)
	require.Len(t, sent, 1)
	assert.Contains(t, sent[0].Text, "Hampshire Safeguarding Children Partnership")
	assert.Contains(t, sent[0].Text, "training@hampshirescp.example")
	assert.NotContains(t, sent[0].Text, "Test Partnership", "not the configured partnership's name")
}
