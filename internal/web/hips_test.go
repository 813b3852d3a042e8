package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

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
	_, page = hants.get("/admin/sessions/new?course=" + strconv.FormatInt(f.course, 10))
	assert.Contains(t, page, "Staff of the agencies in your partnership’s area")
	form.Set("open-to", "area")
	resp, page = hants.post("/admin/sessions/new", form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	var session, runBy int64
	var ownArea bool
	require.NoError(t, f.a.pool.QueryRow(ctx, `
		SELECT id, partnership_id, own_area_only FROM sessions WHERE venue_id = $1`, hantsRoom).Scan(&session, &runBy, &ownArea))
	assert.Equal(t, hampshire, runBy)
	assert.True(t, ownArea, "kept to Hampshire's area")
	_, err = f.a.pool.Exec(ctx, `UPDATE sessions SET status = 'published' WHERE id = $1`, session)
	require.NoError(t, err)
	// Hampshire's programme is filtered by Hampshire's trainers alone (typed
	// and found on the server).
	resp, page = hants.get("/admin/sessions?trainer-name=trainer0")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, `value="Trainer0 Tester (`)
	resp, page = hants.get("/admin/sessions?trainer-name=trainer1")
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "approved by Portsmouth only")
	assert.Contains(t, errorSummary(page), "No trainer’s name contains “trainer1”")
	resp, page = portsmouth.get("/admin/sessions?trainer-name=trainer1")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, `value="Trainer1 Tester (`)
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
	assert.Contains(t, page, "Only for staff of agencies in the Hampshire area")

	// Kept to Hampshire's area: the constabulary works in both areas, the
	// city council only in Portsmouth's.
	_, err = f.a.pool.Exec(ctx, `
		INSERT INTO agency_partnerships (partnership_id, agency_id, charging_band)
		SELECT $1, id, 'partner' FROM agencies WHERE name = 'Hampshire and Isle of Wight Constabulary'`, hampshire)
	require.NoError(t, err)
	b.newUser(t, "pc@example.org", "Hampshire and Isle of Wight Constabulary")
	b.newUser(t, "city@example.org", "Portsmouth City Council")
	b.as(t, "pc@example.org").book(session, bookingDetails())
	city := b.as(t, "city@example.org")
	city.get(fmt.Sprintf("/sessions/%d/book", session))
	resp, page = city.post(fmt.Sprintf("/sessions/%d/book", session), bookingDetails())
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "This session is only for staff of agencies in the area of the partnership that runs it")
	var places int
	require.NoError(t, f.a.pool.QueryRow(ctx, `SELECT count(*) FROM bookings WHERE session_id = $1`, session).Scan(&places))
	assert.Equal(t, 1, places, "the constabulary's officer only")
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

// A partnership's managers keep its name and contact details (issue 22),
// with a clear message for a mistake and nothing typed lost; and the
// HIPS-wide figures are seen only by managers of a partnership that shares
// its own, with each sharing partnership's sessions and places and their
// sum, never another's that does not share.
func TestAPartnershipsManagersKeepItsDetailsAndShareItsFigures(t *testing.T) {
	t.Parallel()
	a := setup(t)
	ctx := context.Background()
	var hampshire int64
	require.NoError(t, a.pool.QueryRow(ctx, `
		INSERT INTO partnerships (slug, name, short_name)
		VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire') RETURNING id`).Scan(&hampshire))
	a.newUser(t, "boss@example.org", "", "manager")
	hantsManager := a.newUser(t, "hants-boss@example.org", "")
	_, err := a.pool.Exec(ctx, `INSERT INTO user_roles (user_id, role, partnership_id) VALUES ($1, 'manager', $2)`,
		hantsManager, hampshire)
	require.NoError(t, err)
	// Portsmouth delivered a session yesterday; Hampshire two of its own
	// course.
	a.addAttended(t, a.newUser(t, "sam@example.org", ""), 24*time.Hour, 3*time.Hour, "attended")
	_, err = a.pool.Exec(ctx, `
		WITH c AS (INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences,
		                                level, duration, delivery_modes, default_capacity, partnership_id)
		           SELECT 'hampshire-neglect', 'Neglect in Hampshire', summary, description, learning_outcomes,
		                  audience_description, audiences, level, duration, delivery_modes, default_capacity, $1
		           FROM courses ORDER BY id LIMIT 1 RETURNING id, title),
		     v AS (INSERT INTO venues (name, online, partnership_id) VALUES ('Hampshire online', true, $1) RETURNING id)
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status,
		                      meeting_url, partnership_id)
		SELECT c.id, c.title, v.id, $2::timestamptz - d * interval '1 day', $2::timestamptz - d * interval '1 day' + interval '3 hours',
		       $2::timestamptz - (d + 3) * interval '1 day', 17, 'completed', 'https://meet.example.org/h', $1
		FROM c, v, (VALUES (2), (3)) AS days (d)`, hampshire, a.clock.Now())
	require.NoError(t, err)
	b, _ := listening(t, a)
	portsmouth := b.as(t, "boss@example.org")

	// Details: a mistake is shown, nothing typed is lost; then saved.
	_, page := portsmouth.get("/admin/partnership")
	assert.Contains(t, page, `value="Portsmouth Safeguarding Children Partnership"`)
	resp, page := portsmouth.post("/admin/partnership", url.Values{"name": {""}, "short-name": {"Portsmouth"},
		"email": {"not an address"}, "phone": {"023 9268 8000"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Enter the partnership’s name")
	assert.Contains(t, errorSummary(page), "Enter the training team’s email address in the correct format")
	assert.Contains(t, page, `value="023 9268 8000"`, "what was typed is kept")
	resp, _ = portsmouth.post("/admin/partnership", url.Values{"name": {"Portsmouth Safeguarding Children Partnership"},
		"short-name": {"Portsmouth"}, "email": {"training@portsmouthscp.example"}, "phone": {"023 9268 8000"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	var email string
	var configured bool
	require.NoError(t, a.pool.QueryRow(ctx, `SELECT email, configured FROM partnerships WHERE id = (SELECT min(id) FROM partnerships)`).
		Scan(&email, &configured))
	assert.Equal(t, "training@portsmouthscp.example", email)
	assert.False(t, configured, "named by the service from now on")
	var hantsName string
	require.NoError(t, a.pool.QueryRow(ctx, `SELECT name FROM partnerships WHERE id = $1`, hampshire).Scan(&hantsName))
	assert.Equal(t, "Hampshire Safeguarding Children Partnership", hantsName, "another partnership's details untouched")

	share := func(c *client, name, short string) {
		t.Helper()
		resp, page := c.post("/admin/partnership", url.Values{"name": {name}, "short-name": {short}, "shares-figures": {"yes"}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	}

	// Neither shares: Portsmouth sees no one's figures but its own reports.
	_, page = portsmouth.get("/admin/reports")
	assert.Contains(t, page, `href="/admin/reports/hips?`)
	_, page = portsmouth.get("/admin/reports/hips")
	assert.Contains(t, page, "Your partnership does not share its figures")
	assert.NotContains(t, page, "Hampshire")
	share(portsmouth, "Portsmouth Safeguarding Children Partnership", "Portsmouth")
	b, _ = listening(t, a) // the partnerships read afresh
	portsmouth, hants := b.as(t, "boss@example.org"), b.as(t, "hants-boss@example.org")
	_, page = portsmouth.get("/admin/reports/hips")
	assert.Contains(t, page, "No other partnership shares its figures yet")
	_, page = hants.get("/admin/reports/hips")
	assert.Contains(t, page, "Your partnership does not share its figures", "Hampshire does not share, so sees nothing")
	assert.NotContains(t, page, ">Portsmouth<")

	// Both share: each partnership's row, and the two together.
	share(hants, "Hampshire Safeguarding Children Partnership", "Hampshire")
	b, _ = listening(t, a)
	portsmouth = b.as(t, "boss@example.org")
	// Portsmouth's own figures, as its delivery report counts them.
	_, page = portsmouth.get("/admin/reports/delivery")
	own := strings.Fields(totalRow(page))
	require.GreaterOrEqual(t, len(own), 7, "Portsmouth's total row: %v", own)
	pDelivered, err := strconv.Atoi(own[1])
	require.NoError(t, err)
	require.Positive(t, pDelivered, "the demo has delivered sessions this year")
	_, page = portsmouth.get("/admin/reports/hips")
	table := tableText(page, "table-by-partnership")
	assert.Contains(t, table, "Hampshire 2 0 0 34", "Hampshire's two sessions of 17 places")
	assert.Contains(t, table, "Portsmouth "+strings.Join(own[1:], " "), "Portsmouth's row is its own report's total")
	assert.Contains(t, table, fmt.Sprintf("HIPS %d", pDelivered+2), "the sum")
}

var (
	tags      = regexp.MustCompile(`<[^>]+>`)
	totalRows = regexp.MustCompile(`(?s)<tr class="govuk-table__row app-report-table__total">(.*?)</tr>`)
)

// tableText is the text of the table with id, its cells one space apart.
func tableText(page, id string) string {
	start := strings.Index(page, `id="`+id+`"`)
	if start < 0 {
		return ""
	}
	end := strings.Index(page[start:], "</table>")
	if end < 0 {
		return ""
	}
	return strings.Join(strings.Fields(tags.ReplaceAllString(page[start:start+end], " ")), " ")
}

// totalRow is the text of the first table's totals row on page.
func totalRow(page string) string {
	m := totalRows.FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return strings.Join(strings.Fields(tags.ReplaceAllString(m[1], " ")), " ")
}
