package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// One process serves each partnership on its own host name, its pages in
// its name; any other host is the first partnership's. The catalogue
// pages, cached, are kept apart by partnership.
func TestEachHostNameShowsItsPartnership(t *testing.T) {
	t.Parallel()
	a := setup(t)
	_, err := a.pool.Exec(context.Background(), `
		UPDATE partnerships SET host = 'training.portsmouthscp.example';
		INSERT INTO partnerships (slug, name, short_name, host)
		VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire', 'training.hampshirescp.example')`)
	require.NoError(t, err)
	cached, _ := listening(t, a) // its services read the partnerships afresh

	const (
		portsmouth = "Portsmouth Safeguarding Children Partnership"
		hampshire  = "Hampshire Safeguarding Children Partnership"
	)
	for _, c := range []struct{ host, want, not string }{
		{"training.hampshirescp.example", hampshire, portsmouth},
		{"training.portsmouthscp.example", portsmouth, hampshire},
		{"TRAINING.HAMPSHIRESCP.EXAMPLE", hampshire, portsmouth},
		{"localhost:3000", portsmouth, hampshire},
		{"training.hampshirescp.example", hampshire, portsmouth}, // from the cache, after Portsmouth's
	} {
		for _, path := range []string{"/courses", "/courses?q=neglect", "/privacy", "/sign-in"} {
			resp, page := cached.get(t, "http://"+c.host+path)
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s%s", c.host, path)
			assert.Contains(t, page, "<title>", c.host+path)
			title := page[strings.Index(page, "<title>"):strings.Index(page, "</title>")]
			assert.Contains(t, title, c.want, "%s%s", c.host, path)
			assert.Contains(t, page, "Run by the "+c.want, "%s%s: the footer", c.host, path)
			assert.NotContains(t, page, c.not, "%s%s", c.host, path)
		}
	}
	// A host named by anyone but a trusted proxy is not believed.
	_, page := cached.get(t, "http://localhost:3000/courses", "X-Forwarded-Host", "training.hampshirescp.example")
	assert.Contains(t, page, "Run by the "+portsmouth)
	assert.NotContains(t, page, hampshire)
}

// One account, one search (issue 22): the catalogue lists every
// partnership's courses, each saying whose it is, and can be narrowed to one
// partnership's; a practitioner books a Portsmouth and a Hampshire session
// with the one account, and My training shows both. With one partnership
// the catalogue looks as it always did: no choice of partnership, no "run by".
func TestOneAccountBooksAnyPartnershipsSessions(t *testing.T) {
	t.Parallel()
	a := setup(t)
	ctx := context.Background()

	_, page := a.get(t, "/")
	assert.NotContains(t, page, "Training across the partnerships")
	_, page = a.get(t, "/courses")
	assert.NotContains(t, page, `name="partnership"`, "one partnership: nothing to choose")
	assert.NotContains(t, page, ">Run by<")

	var hampshireSession int64
	require.NoError(t, a.pool.QueryRow(ctx, `
		WITH p AS (INSERT INTO partnerships (slug, name, short_name, email, phone)
		           VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire',
		                   'training@hampshirescp.example', '01962 000000') RETURNING id),
		     c AS (INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences,
		                                level, duration, delivery_modes, default_capacity, partnership_id)
		           SELECT 'hampshire-exploitation', 'Exploitation in Hampshire', summary, description, learning_outcomes,
		                  audience_description, audiences, level, duration, delivery_modes, default_capacity, p.id
		           FROM courses, p ORDER BY courses.id LIMIT 1 RETURNING id, title, partnership_id),
		     v AS (INSERT INTO venues (name, online, partnership_id) SELECT 'Hampshire online', true, id FROM p RETURNING id)
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status,
		                      meeting_url, partnership_id)
		SELECT c.id, c.title, v.id, $1::timestamptz, $1::timestamptz + interval '3 hours', $1::timestamptz - interval '1 day',
		       10, 'published', 'https://meet.example.org/hants', c.partnership_id
		FROM c, v RETURNING id`, a.clock.Now().Add(12*24*time.Hour)).Scan(&hampshireSession))
	portsmouthSession := a.addSession(t, 10, 10*24*time.Hour, 3*24*time.Hour)
	var portsmouthTitle string
	require.NoError(t, a.pool.QueryRow(ctx, `SELECT course_title FROM sessions WHERE id = $1`, portsmouthSession).Scan(&portsmouthTitle))
	b, _ := listening(t, a) // its services read the partnerships afresh

	// The front page lists the partnerships and leads to each one's courses.
	_, page = b.get(t, "/")
	assert.Contains(t, page, "The partnerships of Portsmouth and Hampshire share this service.")
	assert.Contains(t, page, `<a class="govuk-link" href="/courses?partnership=hampshire">Hampshire Safeguarding Children Partnership’s courses</a>`)

	_, page = b.get(t, "/courses")
	assert.Contains(t, page, `id="partnership-hampshire"`, "a choice of partnership")
	assert.Contains(t, page, `id="partnership-portsmouth"`)
	assert.Contains(t, page, "Exploitation in Hampshire", "every partnership's courses")
	assert.Contains(t, page, portsmouthTitle)
	assert.Contains(t, page, ">Run by<")

	_, page = b.get(t, "/courses?partnership=hampshire")
	assert.Contains(t, page, "Exploitation in Hampshire")
	assert.NotContains(t, page, ">"+portsmouthTitle+"<", "within Hampshire only")
	assert.Contains(t, page, "1 course matches your filters")

	_, page = b.get(t, "/courses?partnership=portsmouth&q=exploitation")
	assert.NotContains(t, page, "Exploitation in Hampshire")

	resp, page := b.get(t, "/courses/hampshire-exploitation")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Run by the Hampshire Safeguarding Children Partnership.")

	b.newUser(t, "sam@example.org", "")
	c := b.as(t, "sam@example.org")
	c.book(portsmouthSession, bookingDetails())
	c.book(hampshireSession, bookingDetails())
	_, page = c.get("/my-training")
	assert.Contains(t, page, "Exploitation in Hampshire", "My training shows both partnerships' places")
	assert.Contains(t, page, portsmouthTitle)
	// Each confirmation is signed by the partnership whose session it is.
	for _, want := range []struct{ course, signed, not string }{
		{"Exploitation in Hampshire", "Hampshire Safeguarding Children Partnership", "Portsmouth Safeguarding Children Partnership"},
		{portsmouthTitle, "Portsmouth Safeguarding Children Partnership", "Hampshire"},
	} {
		var body string
		require.NoError(t, a.pool.QueryRow(ctx, `
			SELECT body_text FROM emails WHERE to_address = 'sam@example.org' AND strpos(body_text, $1) > 0
			ORDER BY id LIMIT 1`, want.course).Scan(&body), want.course)
		assert.Contains(t, body, want.signed, "the confirmation of %s", want.course)
		assert.NotContains(t, body, want.not, "the confirmation of %s", want.course)
	}
	var hampshireBody string
	require.NoError(t, a.pool.QueryRow(ctx, `
		SELECT body_text FROM emails WHERE to_address = 'sam@example.org' AND strpos(body_text, 'Exploitation in Hampshire') > 0
		ORDER BY id LIMIT 1`).Scan(&hampshireBody))
	assert.Contains(t, hampshireBody, "training@hampshirescp.example", "Hampshire's training team to write to")
	assert.Contains(t, hampshireBody, "01962 000000")

	var partnerships int
	require.NoError(t, a.pool.QueryRow(ctx, `
		SELECT count(DISTINCT s.partnership_id) FROM bookings b JOIN sessions s ON s.id = b.session_id
		JOIN users u ON u.id = b.user_id WHERE u.email = 'sam@example.org' AND b.status = 'confirmed'`).Scan(&partnerships))
	assert.Equal(t, 2, partnerships, "one account, places with two partnerships")

	// Each partnership's managers see its emails, not the other's.
	b.newUser(t, "boss@example.org", "", "manager")
	hantsManager := b.newUser(t, "hants-boss@example.org", "")
	_, err := a.pool.Exec(ctx, `
		INSERT INTO user_roles (user_id, role, partnership_id)
		VALUES ($1, 'manager', (SELECT id FROM partnerships WHERE slug = 'hampshire'))`, hantsManager)
	require.NoError(t, err)
	var hantsEmail, portsmouthEmail int64
	require.NoError(t, a.pool.QueryRow(ctx, `
		SELECT (SELECT min(id) FROM emails WHERE to_address = 'sam@example.org' AND strpos(body_text, 'Exploitation in Hampshire') > 0),
		       (SELECT min(id) FROM emails WHERE to_address = 'sam@example.org' AND strpos(body_text, $1) > 0)`,
		portsmouthTitle).Scan(&hantsEmail, &portsmouthEmail))
	for _, m := range []struct {
		who        string
		own, other int64
	}{{"hants-boss@example.org", hantsEmail, portsmouthEmail}, {"boss@example.org", portsmouthEmail, hantsEmail}} {
		c := b.as(t, m.who)
		resp, _ := c.get(fmt.Sprintf("/admin/emails/%d", m.own))
		assert.Equal(t, http.StatusOK, resp.StatusCode, "%s sees their partnership's email", m.who)
		resp, _ = c.get(fmt.Sprintf("/admin/emails/%d", m.other))
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, "%s does not see the other partnership's", m.who)
		_, page := c.get("/admin/emails")
		assert.Contains(t, page, fmt.Sprintf("/admin/emails/%d\"", m.own))
		assert.NotContains(t, page, fmt.Sprintf("/admin/emails/%d\"", m.other))
	}
}

// A training request goes to the partnership the agency chooses (issue 22):
// the form asks which when there is more than one, refuses a course the
// partnership asked does not run, and the request is that partnership's
// alone: its manager sees it, the other partnership's does not.
func TestATrainingRequestGoesToThePartnershipChosen(t *testing.T) {
	t.Parallel()
	f := setupTrainingRequests(t)
	ctx := context.Background()
	var hampshire int64
	require.NoError(t, f.a.pool.QueryRow(ctx, `
		INSERT INTO partnerships (slug, name, short_name)
		VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire') RETURNING id`).Scan(&hampshire))
	hampshireManager := f.a.newUser(t, "hants-manager@example.org", "")
	_, err := f.a.pool.Exec(ctx, `INSERT INTO user_roles (user_id, role, partnership_id) VALUES ($1, 'manager', $2)`,
		hampshireManager, hampshire)
	require.NoError(t, err)
	requests := func() int {
		var n int
		require.NoError(t, f.a.pool.QueryRow(ctx, `SELECT count(*) FROM enquiries`).Scan(&n))
		return n
	}

	_, page := f.coordinator.get("/training-requests/new")
	assert.Contains(t, page, "Which partnership are you asking?")
	assert.Contains(t, page, `value="hampshire"`)

	// No choice; then Hampshire, for Portsmouth's course: refused, nothing lost.
	resp, page := f.coordinator.post("/training-requests/new", f.requestForm())
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Select the partnership you are asking for training")
	assert.Contains(t, page, "Family support workers and their team leaders", "what was typed is kept")
	resp, page = f.coordinator.post("/training-requests/new", f.requestForm("partnership", "hampshire"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Select a course that Hampshire runs")
	assert.Zero(t, requests())

	// Bespoke training, asked of Hampshire.
	id := f.submit(t, f.coordinator, f.requestForm("partnership", "hampshire", "kind", "bespoke", "course", "",
		"topic", "Safeguarding at the front desk", "need", "Reception staff spotting and passing on concerns"))
	var asked int64
	require.NoError(t, f.a.pool.QueryRow(ctx, `SELECT partnership_id FROM enquiries WHERE id = $1`, id).Scan(&asked))
	assert.Equal(t, hampshire, asked)

	hants := f.a.as(t, "hants-manager@example.org")
	_, page = hants.get("/admin/training-requests")
	assert.Contains(t, page, "Safeguarding at the front desk", "Hampshire's manager sees the request")
	resp, _ = hants.get(fmt.Sprintf("/admin/training-requests/%d", id))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	_, page = f.manager.get("/admin/training-requests")
	assert.NotContains(t, page, "Safeguarding at the front desk", "Portsmouth's manager does not")
	resp, _ = f.manager.get(fmt.Sprintf("/admin/training-requests/%d", id))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	// Portsmouth's course, asked of Portsmouth, is Portsmouth's.
	id = f.submit(t, f.coordinator, f.requestForm("partnership", "portsmouth"))
	require.NoError(t, f.a.pool.QueryRow(ctx, `SELECT partnership_id FROM enquiries WHERE id = $1`, id).Scan(&asked))
	assert.NotEqual(t, hampshire, asked)
}
