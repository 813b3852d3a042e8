package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// resourceSnapshot is a digest of everything the course and venue pages can
// change.
func (a testApp) resourceSnapshot(t *testing.T) string {
	t.Helper()
	var s string
	require.NoError(t, a.pool.QueryRow(context.Background(), `
		SELECT concat_ws('/',
			(SELECT md5(string_agg(concat_ws(',', id, slug, title, summary, description, learning_outcomes, audience_description,
				audiences, level, duration, delivery_modes, default_capacity, retired_at), ';' ORDER BY id)) FROM courses),
			(SELECT md5(string_agg(concat_ws(',', id, name, online, address_line1, address_line2, town, postcode, capacity,
				accessibility_notes, directions, retired_at), ';' ORDER BY id)) FROM venues),
			(SELECT md5(string_agg(concat_ws(',', id, course_title, capacity), ';' ORDER BY id)) FROM sessions),
			(SELECT count(*) FROM audit_events WHERE action LIKE 'course_%' OR action LIKE 'venue_%'))`).Scan(&s))
	return s
}

func (a testApp) scalar(t *testing.T, query string, args ...any) string {
	t.Helper()
	var s string
	require.NoError(t, a.pool.QueryRow(context.Background(), query, args...).Scan(&s))
	return s
}

func courseForm(slug, title string) url.Values {
	return url.Values{
		"slug": {slug}, "title": {title}, "summary": {"Keeping children safe online."},
		"description": {"One.\r\n\r\nTwo."}, "learning-outcomes": {"Spot the signs\nKnow who to tell"},
		"audience-description": {"Anyone."}, "audiences": {"everyone", "leads"}, "level": {"2"},
		"duration": {"full_day"}, "delivery-modes": {"in_person", "online"}, "default-capacity": {"20"},
	}
}

func roomForm(name string) url.Values {
	return url.Values{
		"kind": {"room"}, "name": {name}, "address-line-1": {"1 Castle Road"}, "town": {"Portsmouth"},
		"postcode": {"po53dd"}, "capacity": {"30"}, "accessibility": {"Step-free"}, "directions": {"Bus 1"},
	}
}

// Every course and venue page and action, for every kind of visitor: only a
// training manager may use them; refused actions change nothing.
func TestResourceRoleMatrix(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	course := w.scalar(t, "SELECT min(id)::text FROM courses")
	venue := w.scalar(t, "SELECT min(id)::text FROM venues WHERE NOT online")
	gets := []string{
		"/admin/courses", "/admin/courses/new", "/admin/courses/" + course,
		"/admin/venues", "/admin/venues/new", "/admin/venues/" + venue,
	}
	posts := []struct {
		path string
		form url.Values
	}{
		{"/admin/courses/new", courseForm("new-course", "New course")},
		{"/admin/courses/" + course, courseForm("renamed-course", "Renamed course")},
		{"/admin/courses/" + course + "/retire", url.Values{}},
		{"/admin/courses/" + course + "/restore", url.Values{}},
		{"/admin/venues/new", roomForm("New room")},
		{"/admin/venues/" + venue, url.Values{"kind": {"room"}, "name": {"Renamed room"}, "address-line-1": {"2 High Street"},
			"town": {"Portsmouth"}, "postcode": {"PO1 2AB"}, "capacity": {"999"}}},
		{"/admin/venues/" + venue + "/retire", url.Values{}},
		{"/admin/venues/" + venue + "/restore", url.Values{}},
	}
	const manager = "manager@example.org"
	visitors := map[string]*client{"": w.client(t)}
	visitors[""].get("/sign-in")
	for _, addr := range []string{"practitioner@example.org", "trainer@example.org", "coordinator@example.org", manager} {
		visitors[addr] = w.as(t, addr)
	}
	for who, c := range visitors {
		for _, path := range gets {
			resp, page := c.get(path)
			switch who {
			case "":
				assert.Equal(t, http.StatusSeeOther, resp.StatusCode, path)
				assert.Equal(t, "/sign-in?next="+url.QueryEscape(path), resp.Header.Get("Location"), path)
			case manager:
				assert.Equal(t, http.StatusOK, resp.StatusCode, path)
			default:
				assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s as %s", path, who)
				assert.Contains(t, page, "You cannot see this page", path)
			}
		}
	}

	before := w.resourceSnapshot(t)
	for who, c := range visitors {
		if who == manager {
			continue
		}
		for _, p := range posts {
			c.get("/account")
			resp, page := c.post(p.path, cloneForm(p.form))
			if who == "" {
				assert.Equal(t, http.StatusSeeOther, resp.StatusCode, p.path)
				assert.Equal(t, "/sign-in", resp.Header.Get("Location"), p.path)
				continue
			}
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s as %s", p.path, who)
			assert.Contains(t, page, "You cannot see this page", "%s as %s", p.path, who)
		}
	}
	assert.Equal(t, before, w.resourceSnapshot(t), "refused actions changed nothing")

	m := visitors[manager]
	for _, p := range posts {
		m.get("/admin/courses")
		resp, page := m.post(p.path, cloneForm(p.form))
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "%s: %s", p.path, errorSummary(page))
		assert.Contains(t, resp.Header.Get("Location"), "?done=", p.path)
	}
	assert.NotEqual(t, before, w.resourceSnapshot(t))

	// Unknown and malformed IDs are not found.
	for _, path := range []string{"/admin/courses/99999999", "/admin/courses/0", "/admin/venues/abc", "/admin/venues/99999999"} {
		resp, _ := m.get(path)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
	}
	resp, _ := m.post("/admin/venues/99999999/retire", url.Values{})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestManagerKeepsCourses(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	m := w.as(t, "manager@example.org")

	// A mistake: the form comes back with a summary and every value kept.
	m.get("/admin/courses/new")
	bad := courseForm("Not A Slug", "Online safety <basics>")
	bad.Set("default-capacity", "501")
	resp, page := m.post("/admin/courses/new", bad)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	summary := errorSummary(page)
	assert.Contains(t, summary, "Web address name must be lower-case")
	assert.Contains(t, summary, "Places must be between 1 and 500")
	assert.Contains(t, page, `value="Not A Slug"`)
	assert.Contains(t, page, `value="Online safety &lt;basics&gt;"`)
	assert.Contains(t, page, "Spot the signs\nKnow who to tell</textarea>")
	assert.Regexp(t, `value="leads" checked`, page)
	assert.Regexp(t, `value="2" checked`, page)
	assert.Contains(t, page, `href="#slug"`)

	// Fixed, it is added, listed and in the catalogue.
	resp, page = m.post("/admin/courses/new", courseForm("online-safety-basics", "Online safety basics"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	assert.Equal(t, "/admin/courses?done=course-created", resp.Header.Get("Location"))
	_, page = m.get("/admin/courses?done=course-created")
	assert.Contains(t, page, "Course added")
	assert.Contains(t, page, "Online safety basics")
	id := w.scalar(t, "SELECT id::text FROM courses WHERE slug = 'online-safety-basics'")
	assert.Equal(t, "1", w.scalar(t, `SELECT count(*)::text FROM audit_events e JOIN users u ON u.id = e.actor_id
		WHERE e.action = 'course_created' AND u.email = 'manager@example.org' AND e.ip IS NOT NULL
		AND (e.details->>'course_id') = $1`, id), "audited as the signed-in manager, from their address")
	resp, _ = w.client(t).get("/courses/online-safety-basics")
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// A slug in use is a field error, on edit too.
	taken := w.scalar(t, "SELECT slug FROM courses WHERE id <> $1 ORDER BY id LIMIT 1", id)
	m.get("/admin/courses/" + id)
	resp, page = m.post("/admin/courses/"+id, courseForm(taken, "Online safety basics"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Another course already has this web address name")

	// Retired: gone from the catalogue and its page; kept in the list, tagged.
	resp, _ = m.post("/admin/courses/"+id+"/retire", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/admin/courses/"+id+"?done=course-retired", resp.Header.Get("Location"))
	public := w.client(t)
	resp, _ = public.get("/courses/online-safety-basics")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	_, page = public.get("/courses")
	assert.NotContains(t, page, "Online safety basics")
	_, page = m.get("/admin/courses")
	assert.Regexp(t, `Online safety basics</a><br><strong class="govuk-tag govuk-tag--grey">Retired`, page)
	_, page = m.get("/admin/courses/" + id + "?done=course-retired")
	assert.Contains(t, page, "Course retired")
	assert.Contains(t, page, "Restore course")

	resp, _ = m.post("/admin/courses/"+id+"/restore", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = public.get("/courses/online-safety-basics")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestEditingCourseTitleKeepsSessionTitle(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	m := w.as(t, "manager@example.org")
	var courseID, sessionID int64
	var title string
	require.NoError(t, w.pool.QueryRow(context.Background(), `
		SELECT c.id, c.title, s.id FROM courses c JOIN sessions s ON s.course_id = c.id ORDER BY s.id LIMIT 1`).Scan(&courseID, &title, &sessionID))
	path := "/admin/courses/" + id(courseID)
	_, page := m.get(path)
	assert.Contains(t, page, html.EscapeString(title))
	form := url.Values{}
	for _, name := range []string{"slug", "summary", "audience-description", "default-capacity"} {
		form.Set(name, inputValue(t, page, name))
	}
	form.Set("title", "A brand new title")
	form.Set("description", textareaValue(t, page, "description"))
	form.Set("learning-outcomes", textareaValue(t, page, "learning-outcomes"))
	for _, group := range []string{"audiences", "level", "duration", "delivery-modes"} {
		form[group] = checkedValues(page, group)
	}
	resp, page := m.post(path, form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	assert.Equal(t, "A brand new title", w.scalar(t, "SELECT title FROM courses WHERE id = $1", courseID))
	assert.Equal(t, title, w.scalar(t, "SELECT course_title FROM sessions WHERE id = $1", sessionID))
	_, page = m.get(resp.Header.Get("Location"))
	assert.Contains(t, page, "Course changed")
}

func TestManagerKeepsVenues(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	m := w.as(t, "manager@example.org")

	m.get("/admin/venues/new")
	bad := roomForm("Milton Library")
	bad.Set("postcode", "not a postcode")
	bad.Set("capacity", "0")
	resp, page := m.post("/admin/venues/new", bad)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Enter a real postcode")
	assert.Contains(t, errorSummary(page), "Capacity must be between 1 and 1000")
	assert.Contains(t, page, `value="Milton Library"`)
	assert.Contains(t, page, `value="not a postcode"`)
	assert.Contains(t, page, `value="room" checked`)

	resp, page = m.post("/admin/venues/new", roomForm("Milton Library"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	assert.Equal(t, "/admin/venues?done=venue-created", resp.Header.Get("Location"))
	assert.Equal(t, "PO5 3DD", w.scalar(t, "SELECT postcode FROM venues WHERE name = 'Milton Library'"))
	_, page = m.get("/admin/venues?done=venue-created")
	assert.Contains(t, page, "Venue added")
	assert.Contains(t, page, "Milton Library")

	// Names are unique ignoring case.
	resp, page = m.post("/admin/venues/new", roomForm("MILTON LIBRARY"))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "A venue with this name already exists")

	// An online platform.
	resp, _ = m.post("/admin/venues/new", url.Values{"kind": {"online"}, "name": {"Microsoft Teams (partnership)"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "true", w.scalar(t, "SELECT online::text FROM venues WHERE name = 'Microsoft Teams (partnership)'"))

	// A room in use cannot shrink below an upcoming session, which is named.
	var venueID int64
	var title string
	require.NoError(t, w.pool.QueryRow(context.Background(), `
		SELECT s.venue_id, s.course_title FROM sessions s JOIN venues v ON v.id = s.venue_id
		WHERE NOT v.online AND s.starts_at > $1 AND s.status <> 'cancelled' ORDER BY s.capacity DESC, s.starts_at LIMIT 1`, now).Scan(&venueID, &title))
	path := "/admin/venues/" + id(venueID)
	_, page = m.get(path)
	form := url.Values{"kind": {"room"}, "capacity": {"1"}}
	for _, name := range []string{"name", "address-line-1", "address-line-2", "town", "postcode"} {
		form.Set(name, inputValue(t, page, name))
	}
	before := w.resourceSnapshot(t)
	resp, page = m.post(path, form)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), html.EscapeString(title))
	assert.Equal(t, before, w.resourceSnapshot(t))

	// Retired, never deleted; restored.
	resp, _ = m.post(path+"/retire", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, path+"?done=venue-retired", resp.Header.Get("Location"))
	_, page = m.get(path + "?done=venue-retired")
	assert.Contains(t, page, "Venue retired")
	assert.Contains(t, page, "Restore venue")
	assert.NotEqual(t, "", w.scalar(t, "SELECT coalesce(retired_at::text, '') FROM venues WHERE id = $1", venueID))
	resp, _ = m.post(path+"/restore", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "", w.scalar(t, "SELECT coalesce(retired_at::text, '') FROM venues WHERE id = $1", venueID))
}

// inputValue is the value of the text input named name in page.
func inputValue(t *testing.T, page, name string) string {
	t.Helper()
	_, rest, ok := strings.Cut(page, `name="`+name+`"`)
	require.True(t, ok, name)
	_, rest, ok = strings.Cut(rest, `value="`)
	require.True(t, ok, name)
	v, _, _ := strings.Cut(rest, `"`)
	return html.UnescapeString(v)
}

func textareaValue(t *testing.T, page, name string) string {
	t.Helper()
	_, rest, ok := strings.Cut(page, `<textarea`)
	for ok && !strings.Contains(rest[:strings.Index(rest, ">")], `name="`+name+`"`) {
		_, rest, ok = strings.Cut(rest, `<textarea`)
	}
	require.True(t, ok, name)
	rest = rest[strings.Index(rest, ">")+1:]
	v, _, _ := strings.Cut(rest, "</textarea>")
	return html.UnescapeString(v)
}

func checkedValues(page, name string) []string {
	var out []string
	for _, part := range strings.Split(page, "<input")[1:] {
		tag, _, _ := strings.Cut(part, ">")
		if strings.Contains(tag, `name="`+name+`"`) && strings.Contains(tag, " checked") {
			_, v, _ := strings.Cut(tag, `value="`)
			v, _, _ = strings.Cut(v, `"`)
			out = append(out, html.UnescapeString(v))
		}
	}
	return out
}
