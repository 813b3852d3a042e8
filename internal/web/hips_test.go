package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A HIPS course (issue 22): Portsmouth shares its course, Hampshire offers
// it, approves a trainer for it and schedules its own session of it; the
// course page names both partnerships and which runs each session. Only
// Portsmouth changes the course; Hampshire cannot stop offering it while
// it has sessions of it, nor Portsmouth stop sharing it while Hampshire
// offers it; Hampshire's change to Portsmouth's course is refused, never a
// server error.
func TestAHIPSCourseIsOfferedAndScheduledByAnotherPartnership(t *testing.T) {
	t.Parallel()
	f := setupScheduling(t)
	ctx := context.Background()
	var hampshire, hantsRoom int64
	require.NoError(t, f.a.pool.QueryRow(ctx, `
		INSERT INTO partnerships (slug, name, short_name)
		VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire') RETURNING id`).Scan(&hampshire))
	require.NoError(t, f.a.pool.QueryRow(ctx, `
		INSERT INTO venues (name, address_line1, town, postcode, capacity, partnership_id)
		VALUES ('Elizabeth II Court', 'The Castle', 'Winchester', 'SO23 8UJ', 40, $1) RETURNING id`, hampshire).Scan(&hantsRoom))
	hantsManager := f.a.newUser(t, "hants-boss@example.org", "")
	_, err := f.a.pool.Exec(ctx, `INSERT INTO user_roles (user_id, role, partnership_id) VALUES ($1, 'manager', $2)`,
		hantsManager, hampshire)
	require.NoError(t, err)
	b, _ := listening(t, f.a) // its services read the partnerships afresh
	portsmouth, hants := b.as(t, "boss@example.org"), b.as(t, "hants-boss@example.org")
	course := "/admin/courses/" + strconv.FormatInt(f.course, 10)
	offers := func() int {
		var n int
		require.NoError(t, f.a.pool.QueryRow(ctx, `SELECT count(*) FROM course_offers WHERE course_id = $1`, f.course).Scan(&n))
		return n
	}

	// Not shared yet: Hampshire cannot see it, nor offer it.
	_, page := hants.get("/admin/courses")
	assert.NotContains(t, page, "Working Together to Safeguard Children")
	resp, _ := hants.post(course+"/offer", url.Values{"offered": {"yes"}})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, 1, offers())

	// Portsmouth shares it; Hampshire finds it and offers it.
	_, page = portsmouth.get(course)
	assert.Contains(t, page, "Share this course")
	resp, _ = portsmouth.post(course+"/share", url.Values{"shared": {"yes"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = hants.get("/admin/courses")
	assert.Contains(t, page, "HIPS courses you could offer")
	assert.Contains(t, page, "Working Together to Safeguard Children")
	_, page = hants.get(course)
	assert.Contains(t, page, "Only they change what it says")
	assert.NotContains(t, page, `action="`+course+`"`, "no form to change another partnership's course")
	resp, _ = hants.post(course+"/offer", url.Values{"offered": {"yes"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, 2, offers())
	_, page = hants.get("/admin/courses")
	assert.Contains(t, page, "HIPS courses of other partnerships that you offer")

	// Hampshire changes nothing of the course itself.
	resp, _ = hants.post(course, url.Values{"title": {"Taken over"}})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = hants.post(course+"/share", url.Values{"shared": {"no"}})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	var other int64
	require.NoError(t, f.a.pool.QueryRow(ctx, `SELECT min(id) FROM courses WHERE id <> $1 AND NOT bespoke`, f.course).Scan(&other))
	resp, _ = hants.post(course+"/prerequisites", url.Values{"requires": {strconv.FormatInt(other, 10)}})
	assert.Less(t, resp.StatusCode, 500, "a refusal, not a server error")
	assert.NotEqual(t, http.StatusSeeOther, resp.StatusCode)
	var title string
	var prerequisites int
	require.NoError(t, f.a.pool.QueryRow(ctx, `
		SELECT title, (SELECT count(*) FROM course_prerequisites WHERE course_id = c.id) FROM courses c WHERE id = $1`,
		f.course).Scan(&title, &prerequisites))
	assert.Equal(t, "Working Together to Safeguard Children", title)
	assert.Zero(t, prerequisites)

	// Portsmouth's approval is Portsmouth's: Hampshire approves its own.
	form := f.form("10", f.trainers[0])
	form.Set("venue", strconv.FormatInt(hantsRoom, 10))
	resp, page = hants.post("/admin/sessions/new", form)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "is not approved to deliver Working Together to Safeguard Children")
	_, page = hants.get("/admin/trainers/" + strconv.FormatInt(f.trainers[0], 10))
	assert.Contains(t, page, "Working Together to Safeguard Children", "Hampshire can approve trainers for the course it offers")
	resp, _ = hants.post("/admin/trainers/"+strconv.FormatInt(f.trainers[0], 10)+"/courses",
		url.Values{"course": {strconv.FormatInt(f.course, 10)}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, page = hants.post("/admin/sessions/new", form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	var session, runBy int64
	require.NoError(t, f.a.pool.QueryRow(ctx, `
		SELECT id, partnership_id FROM sessions WHERE venue_id = $1`, hantsRoom).Scan(&session, &runBy))
	assert.Equal(t, hampshire, runBy)
	_, err = f.a.pool.Exec(ctx, `UPDATE sessions SET status = 'published' WHERE id = $1`, session)
	require.NoError(t, err)
	var approvals int
	require.NoError(t, f.a.pool.QueryRow(ctx, `
		SELECT count(*) FROM trainer_courses WHERE trainer_id = $1 AND course_id = $2`, f.trainers[0], f.course).Scan(&approvals))
	assert.Equal(t, 2, approvals, "approved by both partnerships")

	// The catalogue: both partnerships run it, each session says whose.
	_, page = b.get(t, "/courses/working-together-to-safeguard-children")
	assert.Contains(t, page, "A HIPS course, run by:")
	assert.Contains(t, page, "<li>the Hampshire Safeguarding Children Partnership</li>")
	assert.Contains(t, page, "<li>the Portsmouth Safeguarding Children Partnership</li>")
	assert.Contains(t, page, `data-label="Run by">Hampshire<`)
	_, page = b.get(t, "/courses?partnership=hampshire")
	assert.Contains(t, page, "Working Together to Safeguard Children", "Hampshire's courses include the HIPS course it offers")

	// Neither can undo what the other relies on.
	resp, page = hants.post(course+"/offer", url.Values{"offered": {"no"}})
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "Your partnership has sessions of this course")
	resp, page = portsmouth.post(course+"/share", url.Values{"shared": {"no"}})
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "Another partnership offers this course")
	assert.Equal(t, 2, offers())
	resp, _ = portsmouth.post(course+"/offer", url.Values{"offered": {"no"}})
	assert.Equal(t, http.StatusConflict, resp.StatusCode, "the owner always offers its course")
	assert.Equal(t, 1, f.a.auditCount(t, "course_offered", hantsManager, 0, "{}"), "the offer is audited")
}
