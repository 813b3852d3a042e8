package trainingrequest_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/validation"
)

// traces counts what accepting a request leaves behind, in every table it
// writes.
type traces struct {
	BespokeCourses, Approvals, Sessions, Audit, Events, Emails int
}

func (f fixture) traces(t *testing.T) traces {
	t.Helper()
	var tr traces
	require.NoError(t, f.pool.QueryRow(context.Background(), `
		SELECT (SELECT count(*) FROM courses WHERE bespoke),
		       (SELECT count(*) FROM trainer_courses),
		       (SELECT count(*) FROM sessions),
		       (SELECT count(*) FROM audit_events),
		       (SELECT count(*) FROM enquiry_events),
		       (SELECT count(*) FROM emails)`).Scan(
		&tr.BespokeCourses, &tr.Approvals, &tr.Sessions, &tr.Audit, &tr.Events, &tr.Emails))
	return tr
}

// requestState is a request's status and the course it was given.
func (f fixture) requestState(t *testing.T, id int64) (string, *int64) {
	t.Helper()
	var status string
	var course *int64
	require.NoError(t, f.pool.QueryRow(context.Background(),
		"SELECT status, course_id FROM enquiries WHERE id = $1", id).Scan(&status, &course))
	return status, course
}

// Accepting a request is one transaction: refused for a mistake in the
// form, a room too small or a clash, it leaves no bespoke course, no
// trainer approval, no session, no audit entry, no event and no email.
func TestARefusedAcceptanceLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := as(context.Background(), f.boss)
	id := f.bespoke(t)
	before := f.traces(t)
	unchanged := func(what string) {
		t.Helper()
		assert.Equal(t, before, f.traces(t), what)
		status, course := f.requestState(t, id)
		assert.Equal(t, "submitted", status, what)
		assert.Nil(t, course, what+": the request was given no course")
	}

	bad := f.session("10")
	bad.Start = "25:00"
	_, err := f.svc.Team().Schedule(ctx, id, bad)
	var v *validation.Errors
	require.ErrorAs(t, err, &v)
	assert.True(t, v.Has("start"))
	unchanged("a mistake in the form")

	var room int
	require.NoError(t, f.pool.QueryRow(context.Background(), "SELECT capacity FROM venues WHERE id = $1", f.room).Scan(&room))
	big := f.session("10")
	big.Capacity = strconv.Itoa(room + 1)
	_, err = f.svc.Team().Schedule(ctx, id, big)
	require.ErrorAs(t, err, &v)
	assert.Contains(t, v.Message("capacity"), fmt.Sprintf("The room holds %d", room))
	unchanged("a room too small")

	// Another request's session takes the room and the trainers at that
	// time.
	other := f.bespoke(t)
	_, err = f.svc.Team().Schedule(ctx, other, f.session("10"))
	require.NoError(t, err)
	before = f.traces(t)
	_, err = f.svc.Team().Schedule(ctx, id, f.session("10"))
	var clash *scheduling.ClashError
	require.ErrorAs(t, err, &clash)
	require.NotEmpty(t, clash.Clashes)
	unchanged("a clash")

	// Accepted at another time, it is all there.
	_, err = f.svc.Team().Schedule(ctx, id, f.session("11"))
	require.NoError(t, err)
	after := f.traces(t)
	assert.Equal(t, before.BespokeCourses+1, after.BespokeCourses)
	assert.Equal(t, before.Approvals+len(f.trainers), after.Approvals)
	assert.Equal(t, before.Sessions+1, after.Sessions)
	assert.Equal(t, before.Events+1, after.Events)
	assert.Greater(t, after.Audit, before.Audit)
	assert.Greater(t, after.Emails, before.Emails)
}

// A successful acceptance leaves the owners' audit entries, each naming
// the manager who accepted: the course made (course_created), each trainer
// approved for it (trainer_courses_changed) and the session
// (session_created). A second session for the request makes no course and
// approves no one again.
func TestAnAcceptanceIsAuditedByTheOwnersAsTheManager(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := as(context.Background(), f.boss)
	id := f.bespoke(t)
	session, err := f.svc.Team().Schedule(ctx, id, f.session("10"))
	require.NoError(t, err)
	_, course := f.requestState(t, id)
	require.NotNil(t, course)

	count := func(query string, args ...any) int {
		t.Helper()
		var n int
		require.NoError(t, f.pool.QueryRow(context.Background(), query, args...).Scan(&n))
		return n
	}
	created := func() int {
		return count(`SELECT count(*) FROM audit_events WHERE action = 'course_created' AND actor_id = $1
			AND (details->>'course_id')::bigint = $2 AND details->>'slug' = $3`, f.boss.ID, *course, fmt.Sprintf("bespoke-%d", id))
	}
	approved := func(trainer int64) int {
		return count(`SELECT count(*) FROM audit_events WHERE action = 'trainer_courses_changed' AND actor_id = $1
			AND subject_user_id = $2 AND details->'approved_course_ids' = jsonb_build_array($3::bigint)`, f.boss.ID, trainer, *course)
	}
	assert.Equal(t, 1, created(), "course_created")
	for _, tr := range f.trainers {
		assert.Equal(t, 1, approved(tr), "trainer_courses_changed for trainer %d", tr)
		assert.Equal(t, 1, count("SELECT count(*) FROM trainer_courses WHERE trainer_id = $1 AND course_id = $2", tr, *course))
	}
	assert.Equal(t, 1, count(`SELECT count(*) FROM audit_events WHERE action = 'session_created' AND actor_id = $1
		AND (details->>'session')::bigint = $2`, f.boss.ID, session), "session_created")

	_, err = f.svc.Team().Schedule(ctx, id, f.session("11"))
	require.NoError(t, err)
	assert.Equal(t, 1, created(), "the course is reused")
	for _, tr := range f.trainers {
		assert.Equal(t, 1, approved(tr), "already approved: nothing to audit")
	}
}
