package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/trainingrequest"
)

type trainingRequestFixture struct {
	a                        testApp
	coordinator, manager     *client
	coordinatorID, managerID int64
	course, room             int64
	trainers                 []int64
	agency                   string
}

func setupTrainingRequests(t *testing.T) trainingRequestFixture {
	t.Helper()
	a := setup(t)
	ctx := context.Background()
	f := trainingRequestFixture{a: a, agency: "Portsmouth City Council"}
	f.coordinatorID = a.newUser(t, "lead@example.org", f.agency, "coordinator")
	f.managerID = a.newUser(t, "boss@example.org", "", "manager")
	f.coordinator = a.as(t, "lead@example.org")
	f.manager = a.as(t, "boss@example.org")
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT id FROM courses WHERE slug = 'working-together-to-safeguard-children'").Scan(&f.course))
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT min(id) FROM venues WHERE NOT online").Scan(&f.room))
	for i, agency := range []string{"Portsmouth City Council", "Hampshire and Isle of Wight Constabulary"} {
		id := a.newUser(t, "trainer"+strconv.Itoa(i)+"@example.org", agency, "trainer")
		_, err := a.pool.Exec(ctx, "INSERT INTO trainer_courses (trainer_id, course_id) VALUES ($1, $2)", id, f.course)
		require.NoError(t, err)
		f.trainers = append(f.trainers, id)
	}
	return f
}

func (f trainingRequestFixture) requestForm(kv ...string) url.Values {
	v := url.Values{
		"kind": {"course"}, "course": {strconv.FormatInt(f.course, 10)}, "audience": {"Family support workers and their team leaders"},
		"participants": {"18"}, "date-1-day": {"10"}, "date-1-month": {"2"}, "date-1-year": {"2027"}, "date-1-start": {"9:30"},
		"date-1-end": {"16:00"}, "date-2-day": {"17"}, "date-2-month": {"2"}, "date-2-year": {"2027"}, "date-2-start": {"9:30"},
		"date-2-end": {"16:00"}, "location": {"venue"}, "access-needs": {"Step-free access"},
		"contact-name": {"Lead Tester"}, "contact-email": {"lead@example.org"}, "contact-phone": {"023 9268 8000"},
	}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

var requestRedirect = regexp.MustCompile(`^/training-requests/(\d+)\?done=received$`)

// submit makes a request as c and returns its ID.
func (f trainingRequestFixture) submit(t *testing.T, c *client, form url.Values) int64 {
	t.Helper()
	c.get("/training-requests/new")
	resp, page := c.post("/training-requests/new", form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	m := requestRedirect.FindStringSubmatch(resp.Header.Get("Location"))
	require.NotNil(t, m, resp.Header.Get("Location"))
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

func (f trainingRequestFixture) acceptForm(day string, kv ...string) url.Values {
	v := url.Values{"date-day": {day}, "date-month": {"2"}, "date-year": {"2027"}, "start": {"9:30"}, "end": {"16:00"},
		"venue": {strconv.FormatInt(f.room, 10)}, "capacity": {"18"}, "cutoff": {"3"},
		"trainers": {strconv.FormatInt(f.trainers[0], 10), strconv.FormatInt(f.trainers[1], 10)}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func (f trainingRequestFixture) emails(t *testing.T, to, subject string) int {
	t.Helper()
	var n int
	require.NoError(t, f.a.pool.QueryRow(context.Background(),
		"SELECT count(*) FROM emails WHERE to_address = $1 AND subject LIKE $2 || '%'", to, subject).Scan(&n))
	return n
}

func (f trainingRequestFixture) status(t *testing.T, id int64) string {
	t.Helper()
	var s string
	require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT status FROM enquiries WHERE id = $1", id).Scan(&s))
	return s
}

var inviteLink = regexp.MustCompile(`http://localhost:3000/invite/([A-Za-z0-9_-]+)`)

// The whole workflow: a coordinator asks, the manager asks a question, the
// coordinator answers, the manager accepts with a closed session, a person of
// the agency books through the invite link, and the coordinator sees them.
func TestTrainingRequestBecomesABookedClosedSession(t *testing.T) {
	t.Parallel()
	f := setupTrainingRequests(t)
	ref := "TR-"

	id := f.submit(t, f.coordinator, f.requestForm())
	ref = trainingrequest.Reference(id)
	resp, page := f.coordinator.get(fmt.Sprintf("/training-requests/%d?done=received", id))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Request sent")
	assert.Contains(t, page, ref)
	assert.Contains(t, page, "Wednesday 10 February 2027, 9:30am to 4pm")
	assert.Equal(t, 1, f.emails(t, "lead@example.org", "Training request "+ref+" received"), "acknowledged by email")

	_, page = f.manager.get("/admin/training-requests")
	assert.Contains(t, page, ref)
	assert.Contains(t, page, "Working Together to Safeguard Children")

	resp, _ = f.manager.post(fmt.Sprintf("/admin/training-requests/%d/messages", id), url.Values{"message": {"Could you do a Thursday?"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, trainingrequest.InfoRequested, f.status(t, id))
	assert.Equal(t, 1, f.emails(t, "lead@example.org", "Training request "+ref+": a message from the training team"))
	_, page = f.coordinator.get(fmt.Sprintf("/training-requests/%d", id))
	assert.Contains(t, page, "Could you do a Thursday?")
	assert.Contains(t, page, "More information needed")

	resp, _ = f.coordinator.post(fmt.Sprintf("/training-requests/%d/messages", id), url.Values{"message": {"Yes, Thursday 11 February works"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, trainingrequest.Submitted, f.status(t, id))
	assert.Equal(t, 1, f.emails(t, "boss@example.org", "Training request "+ref+": a reply from "+f.agency))

	_, page = f.manager.get(fmt.Sprintf("/admin/training-requests/%d/accept", id))
	assert.Contains(t, page, `value="10"`, "pre-filled with the first preferred date")
	assert.Contains(t, page, `value="18"`, "pre-filled with the number of participants")
	resp, page = f.manager.post(fmt.Sprintf("/admin/training-requests/%d/accept", id), f.acceptForm("11"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	assert.Equal(t, trainingrequest.Accepted, f.status(t, id))

	var session, agency int64
	var status string
	require.NoError(t, f.a.pool.QueryRow(context.Background(), `
		SELECT s.id, s.closed_to_agency_id, s.status FROM enquiry_sessions es JOIN sessions s ON s.id = es.session_id
		WHERE es.enquiry_id = $1`, id).Scan(&session, &agency, &status))
	assert.Equal(t, "published", status)
	var want int64
	require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT id FROM agencies WHERE name = $1", f.agency).Scan(&want))
	assert.Equal(t, want, agency, "closed to the requesting agency")

	var body string
	require.NoError(t, f.a.pool.QueryRow(context.Background(),
		"SELECT body_text FROM emails WHERE to_address = 'lead@example.org' AND subject LIKE '%accepted%'").Scan(&body))
	m := inviteLink.FindStringSubmatch(body)
	require.NotNil(t, m, body)
	token := m[1]
	_, page = f.coordinator.get(fmt.Sprintf("/training-requests/%d", id))
	assert.Contains(t, page, "/invite/"+token, "the link is on the request page too")

	// Someone of the agency books through the link.
	f.a.newUser(t, "worker@example.org", f.agency)
	worker := f.a.as(t, "worker@example.org")
	resp, _ = worker.get("/invite/" + token)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, page = worker.post(fmt.Sprintf("/sessions/%d/book", session), with(bookingDetails(), "invite", token))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	var booked int
	require.NoError(t, f.a.pool.QueryRow(context.Background(),
		"SELECT count(*) FROM bookings WHERE session_id = $1 AND status = 'confirmed'", session).Scan(&booked))
	assert.Equal(t, 1, booked)

	_, page = f.coordinator.get(fmt.Sprintf("/training-requests/%d", id))
	assert.Contains(t, page, "1 of 18 places")
	assert.Contains(t, page, "Worker Tester")

	// A large team: a second session on the same request.
	resp, page = f.manager.post(fmt.Sprintf("/admin/training-requests/%d/accept", id), f.acceptForm("18"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	var sessions, events int
	require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT count(*) FROM enquiry_sessions WHERE enquiry_id = $1", id).Scan(&sessions))
	assert.Equal(t, 2, sessions)
	// Every change recorded with who did it.
	require.NoError(t, f.a.pool.QueryRow(context.Background(), `
		SELECT count(*) FROM enquiry_events WHERE enquiry_id = $1 AND
		((action = 'submitted' AND actor_id = $2) OR (action = 'info_requested' AND actor_id = $3) OR
		 (action = 'replied' AND actor_id = $2) OR (action IN ('accepted', 'session_added') AND actor_id = $3))`,
		id, f.coordinatorID, f.managerID).Scan(&events))
	assert.Equal(t, 5, events)

	// A clash is refused like any session's: the room is taken on the 11th.
	resp, page = f.manager.post(fmt.Sprintf("/admin/training-requests/%d/accept", id), f.acceptForm("11"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "This clashes with another booking")
}

// Bespoke training gets a course of its own, hidden from the catalogue.
func TestBespokeRequestGetsAHiddenCourse(t *testing.T) {
	t.Parallel()
	f := setupTrainingRequests(t)
	id := f.submit(t, f.coordinator, f.requestForm("kind", "bespoke", "course", "", "topic", "Safeguarding for reception staff",
		"need", "Spotting and passing on concerns at the front desk", "location", "own_premises", "address", "1 Guildhall Square, Portsmouth"))
	resp, page := f.manager.post(fmt.Sprintf("/admin/training-requests/%d/accept", id), f.acceptForm("11"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))

	var slug string
	var bespoke bool
	require.NoError(t, f.a.pool.QueryRow(context.Background(), `
		SELECT c.slug, c.bespoke FROM enquiries e JOIN courses c ON c.id = e.course_id WHERE e.id = $1`, id).Scan(&slug, &bespoke))
	assert.True(t, bespoke)
	_, page = f.a.get(t, "/courses")
	assert.NotContains(t, page, "Safeguarding for reception staff")
	_, page = f.a.get(t, "/courses?q=reception")
	assert.NotContains(t, page, "Safeguarding for reception staff")
	resp, _ = f.a.get(t, "/courses/"+slug)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	_, page = f.manager.get("/admin/sessions/new")
	assert.NotContains(t, page, "Safeguarding for reception staff", "not a course to schedule by hand")
	_, page = f.manager.get("/admin/courses")
	assert.NotContains(t, page, "Safeguarding for reception staff")
	_, page = f.coordinator.get(fmt.Sprintf("/training-requests/%d", id))
	assert.Contains(t, page, "/invite/")
}

// People see only their own agency's requests; managers see all.
func TestTrainingRequestsAreSeenOnlyByTheirAgency(t *testing.T) {
	t.Parallel()
	f := setupTrainingRequests(t)
	id := f.submit(t, f.coordinator, f.requestForm())
	show := fmt.Sprintf("/training-requests/%d", id)

	f.a.newUser(t, "other-lead@example.org", "Hampshire and Isle of Wight Constabulary", "coordinator")
	f.a.newUser(t, "other-worker@example.org", "Hampshire and Isle of Wight Constabulary")
	f.a.newUser(t, "colleague@example.org", f.agency)
	for _, who := range []string{"other-lead@example.org", "other-worker@example.org"} {
		c := f.a.as(t, who)
		resp, _ := c.get(show)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, who)
		resp, _ = c.post(show+"/messages", url.Values{"message": {"Let me in"}})
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, who)
		_, page := c.get("/training-requests")
		assert.NotContains(t, page, trainingrequest.Reference(id), who)
		for _, path := range []string{"/admin/training-requests", fmt.Sprintf("/admin/training-requests/%d", id)} {
			resp, _ = c.get(path)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, who+" "+path)
		}
		resp, _ = c.post(fmt.Sprintf("/admin/training-requests/%d/accept", id), f.acceptForm("11"))
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, who)
	}
	var messages int
	require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT count(*) FROM enquiry_messages").Scan(&messages))
	assert.Zero(t, messages)
	assert.Equal(t, trainingrequest.Submitted, f.status(t, id))

	colleague := f.a.as(t, "colleague@example.org")
	resp, page := colleague.get(show)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "a practitioner of the agency follows it")
	assert.Contains(t, page, trainingrequest.Reference(id))
	// A practitioner may ask on behalf of their agency too.
	f.submit(t, colleague, f.requestForm())

	other := f.a.as(t, "other-lead@example.org")
	f.submit(t, other, f.requestForm())
	_, page = f.manager.get("/admin/training-requests")
	assert.Equal(t, 3, len(regexp.MustCompile(`href="/admin/training-requests/\d+"`).FindAllString(page, -1)), "the manager sees every agency's")
	resp, _ = f.manager.get(fmt.Sprintf("/admin/training-requests/%d", id))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = f.manager.get("/admin/training-requests/999999")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	// On the agency's pages a manager is a person of their own agency: the
	// training team's powers are used only under /admin.
	var elsewhere int64
	require.NoError(t, f.a.pool.QueryRow(context.Background(), `
		SELECT e.id FROM enquiries e, users u WHERE u.id = $1 AND e.agency_id <> u.agency_id ORDER BY e.id LIMIT 1`,
		f.managerID).Scan(&elsewhere))
	resp, _ = f.manager.get(fmt.Sprintf("/training-requests/%d", elsewhere))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "another agency's request, outside /admin")
	resp, _ = f.manager.post(fmt.Sprintf("/training-requests/%d/messages", elsewhere), url.Values{"message": {"From the wrong page"}})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "another agency's request, outside /admin")
	resp, _ = f.manager.get(fmt.Sprintf("/admin/training-requests/%d", elsewhere))
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// Someone without a confirmed email may not ask.
	uid := f.a.newUser(t, "unverified@example.org", f.agency)
	_, err := f.a.pool.Exec(context.Background(), "UPDATE users SET email_verified_at = NULL WHERE id = $1", uid)
	require.NoError(t, err)
	c := f.a.client(t)
	c.signIn("unverified@example.org", testPassword)
	c.get("/account")
	resp, _ = c.post("/training-requests/new", f.requestForm())
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func TestTrainingRequestValidation(t *testing.T) {
	t.Parallel()
	f := setupTrainingRequests(t)
	noDates := f.requestForm()
	for _, k := range []string{"day", "month", "year", "start", "end"} {
		noDates.Del("date-1-" + k)
		noDates.Del("date-2-" + k)
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"no dates", noDates, "Enter at least one preferred date and time"},
		{"zero participants", f.requestForm("participants", "0"), "At least 1 person must attend"},
		{"no participants", f.requestForm("participants", ""), "Enter how many people would attend"},
		{"a past date", f.requestForm("date-2-year", "2025"), "Preferred date 2 must be in the future"},
		{"an impossible date", f.requestForm("date-1-day", "31"), "Preferred date 1 must be a real date"},
		{"end before start", f.requestForm("date-1-end", "9:00"), "The end time of preferred date 1 must be after its start time"},
		{"an unknown course", f.requestForm("course", "999999"), "Select a course from the list"},
		{"no course", f.requestForm("course", ""), "Select the course you would like delivered"},
		{"bespoke without a need", f.requestForm("kind", "bespoke", "topic", "Something"), "Describe the learning need"},
		{"own premises without address", f.requestForm("location", "own_premises"), "Enter the address of your premises"},
		{"no location", f.requestForm("location", ""), "Select where the training should take place"},
		{"bad contact email", f.requestForm("contact-email", "lead at example"), "Enter an email address in the correct format"},
	} {
		f.coordinator.get("/training-requests/new")
		resp, page := f.coordinator.post("/training-requests/new", tc.form)
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, tc.name)
		assert.Contains(t, page, "govuk-error-summary", tc.name)
		assert.Contains(t, errorSummary(page), tc.want, tc.name)
	}
	var n int
	require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT count(*) FROM enquiries").Scan(&n))
	assert.Zero(t, n, "nothing saved")
	require.NoError(t, f.a.pool.QueryRow(context.Background(), "SELECT count(*) FROM emails WHERE subject LIKE 'Training request%'").Scan(&n))
	assert.Zero(t, n, "nothing sent")

	// The manager's forms check too.
	id := f.submit(t, f.coordinator, f.requestForm())
	resp, page := f.manager.post(fmt.Sprintf("/admin/training-requests/%d/decline", id), url.Values{"reason": {" "}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Enter why the request is declined")
	resp, page = f.manager.post(fmt.Sprintf("/admin/training-requests/%d/accept", id), f.acceptForm("11", "trainers", ""))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Select at least one trainer")
	assert.Equal(t, trainingrequest.Submitted, f.status(t, id))
}

// The queue counts age in working days from a controllable clock, marks
// what is past the target, filters, and a decline is told with its reason.
func TestTrainingRequestQueueAgeAndDecline(t *testing.T) {
	t.Parallel()
	f := setupTrainingRequests(t)
	id := f.submit(t, f.coordinator, f.requestForm()) // Monday 23 November 2026
	_, page := f.manager.get("/admin/training-requests")
	assert.NotContains(t, page, "Overdue")

	// Monday 7 December: 10 working days, on target still.
	f.a.clock.Advance(14 * 24 * time.Hour)
	f.manager = f.a.as(t, "boss@example.org") // the old sign-in has expired
	_, page = f.manager.get("/admin/training-requests")
	assert.Regexp(t, `>10\s*</td>`, page)
	assert.NotContains(t, page, "Overdue")
	// Tuesday 8 December: 11 working days, past the target.
	f.a.clock.Advance(24 * time.Hour)
	f.manager = f.a.as(t, "boss@example.org")
	f.coordinator = f.a.as(t, "lead@example.org")
	_, page = f.manager.get("/admin/training-requests")
	assert.Contains(t, page, "Overdue")
	_, page = f.manager.get(fmt.Sprintf("/admin/training-requests/%d", id))
	assert.Contains(t, page, "Past the response target")

	_, page = f.manager.get("/admin/training-requests?status=accepted")
	assert.NotContains(t, page, trainingrequest.Reference(id))
	_, page = f.manager.get("/admin/training-requests?status=submitted&course=" + strconv.FormatInt(f.course, 10))
	assert.Contains(t, page, trainingrequest.Reference(id))

	resp, _ := f.manager.post(fmt.Sprintf("/admin/training-requests/%d/decline", id), url.Values{"reason": {"No trainers free this term"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, trainingrequest.Declined, f.status(t, id))
	assert.Equal(t, 1, f.emails(t, "lead@example.org", "Training request "+trainingrequest.Reference(id)+" declined"))
	_, page = f.coordinator.get(fmt.Sprintf("/training-requests/%d", id))
	assert.Contains(t, page, "No trainers free this term")
	resp, _ = f.manager.post(fmt.Sprintf("/admin/training-requests/%d/accept", id), f.acceptForm("11"))
	assert.Equal(t, http.StatusConflict, resp.StatusCode, "a declined request cannot be accepted")
}

// A request for training at the agency's premises is accepted with the
// premises as the session's place, in the same form: the address comes from
// the request, is checked like a room's, and becomes the agency's own venue,
// which the partnership's venues do not list and the session's edit form
// keeps.
func TestTrainingRequestAcceptedAtTheAgencysPremises(t *testing.T) {
	t.Parallel()
	f := setupTrainingRequests(t)
	ctx := context.Background()
	id := f.submit(t, f.coordinator, f.requestForm("location", "own_premises",
		"address", "Civic Offices\nGuildhall Square\nPortsmouth PO1 2AL"))
	accept := fmt.Sprintf("/admin/training-requests/%d/accept", id)

	resp, page := f.manager.get(accept)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, `id="place" name="place" type="radio" value="premises"`)
	assert.Contains(t, page, `value="premises" checked aria-describedby="place-item-hint"`)
	assert.Contains(t, page, "At Portsmouth City Council’s premises")
	assert.Contains(t, page, `name="premises-line-1" type="text" value="Civic Offices"`)
	assert.Contains(t, page, `name="premises-line-2" type="text" value="Guildhall Square"`)
	assert.Contains(t, page, `name="premises-town" type="text" value="Portsmouth"`)
	assert.Contains(t, page, `name="premises-postcode" type="text" value="PO1 2AL"`)

	premises := func(kv ...string) url.Values {
		v := f.acceptForm("11", append([]string{"place", "premises", "venue", "", "premises-line-1", "Civic Offices",
			"premises-line-2", "Guildhall Square", "premises-town", "Portsmouth", "premises-postcode", "PO1 2AL"}, kv...)...)
		return v
	}
	countPremises := func() int {
		var n int
		require.NoError(t, f.a.pool.QueryRow(ctx, "SELECT count(*) FROM venues WHERE agency_id IS NOT NULL").Scan(&n))
		return n
	}

	// A wrong postcode and no trainers: both told, nothing saved, what was typed kept.
	resp, page = f.manager.post(accept, premises("premises-postcode", "PO1", "premises-town", "", "trainers", ""))
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	summary := errorSummary(page)
	assert.Contains(t, summary, "Enter a real postcode, like PO1 2AB")
	assert.Contains(t, summary, "Enter the town or city of the agency’s premises")
	assert.Contains(t, summary, "Select at least one trainer")
	assert.NotContains(t, summary, "Select a venue")
	assert.Contains(t, page, `href="#premises-postcode"`)
	assert.Contains(t, page, `name="premises-postcode" type="text" value="PO1"`)
	assert.Contains(t, page, `value="premises" checked aria-describedby="place-item-hint"`, "the choice is kept")
	assert.Zero(t, countPremises())
	assert.Equal(t, "submitted", f.status(t, id))

	resp, page = f.manager.post(accept, premises())
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	assert.Equal(t, "accepted", f.status(t, id))
	var session int64
	var venueName string
	var agency string
	require.NoError(t, f.a.pool.QueryRow(ctx, `
		SELECT s.id, v.name, a.name FROM enquiry_sessions es JOIN sessions s ON s.id = es.session_id
		JOIN venues v ON v.id = s.venue_id JOIN agencies a ON a.id = v.agency_id
		WHERE es.enquiry_id = $1`, id).Scan(&session, &venueName, &agency))
	assert.Equal(t, f.agency, agency)
	assert.Equal(t, "Civic Offices (Portsmouth City Council)", venueName)

	_, page = f.manager.get(fmt.Sprintf("/admin/training-requests/%d", id))
	assert.Contains(t, page, "Civic Offices (Portsmouth City Council)")
	_, page = f.manager.get("/admin/venues")
	assert.NotContains(t, page, "Civic Offices (Portsmouth City Council)", "not among the partnership's venues")
	_, page = f.manager.get("/admin/sessions/new")
	assert.NotContains(t, page, "Civic Offices (Portsmouth City Council)", "not offered for new sessions")
	resp, page = f.manager.get(fmt.Sprintf("/admin/sessions/%d/edit", session))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Regexp(t, `<option value="\d+" selected>Civic Offices \(Portsmouth City Council\)</option>`, page, "the session keeps its place when edited")
	var venueID int64
	require.NoError(t, f.a.pool.QueryRow(ctx, "SELECT venue_id FROM sessions WHERE id = $1", session).Scan(&venueID))
	edit := f.acceptForm("11", "start", "10:00", "venue", strconv.FormatInt(venueID, 10))
	resp, page = f.manager.post(fmt.Sprintf("/admin/sessions/%d/edit", session), edit)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	var moved int64
	require.NoError(t, f.a.pool.QueryRow(ctx, "SELECT venue_id FROM sessions WHERE id = $1 AND starts_at = $2",
		session, time.Date(2027, time.February, 11, 10, 0, 0, 0, time.UTC)).Scan(&moved))
	assert.Equal(t, venueID, moved, "moved in time, still at the premises")

	// The next session of the request is offered the same place and reuses it.
	_, page = f.manager.get(accept)
	assert.Contains(t, page, `name="premises-postcode" type="text" value="PO1 2AL"`)
	resp, _ = f.manager.post(accept, premises("date-day", "18"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, 1, countPremises())

	// A request for a partnership venue is not offered the premises.
	other := f.submit(t, f.coordinator, f.requestForm())
	_, page = f.manager.get(fmt.Sprintf("/admin/training-requests/%d/accept", other))
	assert.NotContains(t, page, `name="place"`)
	assert.Contains(t, page, `id="venue" name="venue"`)
}

// The queue's agency filter is typed, not a list of every agency that ever
// asked: a name one agency holds filters by it; a name none holds says so.
func TestTrainingRequestQueueAgencyIsTyped(t *testing.T) {
	t.Parallel()
	f := setupTrainingRequests(t)
	_, page := f.manager.get("/admin/training-requests")
	assert.Contains(t, page, `name="agency-name"`)
	assert.NotContains(t, page, `name="agency"`, "no list of agencies to choose from")
	_, page = f.manager.get("/admin/training-requests?agency-name=" + url.QueryEscape("no such agency"))
	assert.Contains(t, page, "No agency’s name contains “no such agency”")
}
