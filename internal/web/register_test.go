package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/browsertest"
)

// placeOn gives a person a confirmed place on a session, as booking would,
// and returns the booking's ID.
func (a testApp) placeOn(t *testing.T, session, person int64) int64 {
	t.Helper()
	var b int64
	require.NoError(t, a.pool.QueryRow(context.Background(), `
		INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, access_needs, dietary_needs,
		                      line_manager_name, line_manager_email, policy_agreed_at, confirmed_at)
		SELECT $1, u.id, u.agency_id, 'confirmed', u.id, 'Step-free access', 'Vegetarian',
		       'Lee Manager', 'lee.manager@example.org', now(), now()
		FROM users u WHERE u.id = $2
		RETURNING id`, session, person).Scan(&b))
	return b
}

// marksOf reads each booking's recorded attendance ("" for none).
func (a testApp) marksOf(t *testing.T, ids ...int64) []string {
	t.Helper()
	out := make([]string, len(ids))
	for i, b := range ids {
		var m *string
		require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT attendance FROM bookings WHERE id = $1", b).Scan(&m))
		if m != nil {
			out[i] = *m
		}
	}
	return out
}

// emailsAfter lists the addresses of emails written after the one with id.
func (a testApp) emailsAfter(t *testing.T, after int64) []string {
	t.Helper()
	rows, err := a.pool.Query(context.Background(), "SELECT to_address FROM emails WHERE id > $1 ORDER BY id", after)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var to string
		require.NoError(t, rows.Scan(&to))
		out = append(out, to)
	}
	require.NoError(t, rows.Err())
	return out
}

func (a testApp) newestEmail(t *testing.T) int64 {
	t.Helper()
	var id int64
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT coalesce(max(id), 0) FROM emails").Scan(&id))
	return id
}

func TestRegisterIsTakenByTheSessionsTrainer(t *testing.T) {
	t.Parallel()
	w := trainerSetup(t)
	// Today, 23 November 2026: the register is open.
	session := w.session(t, w.room, londonAt(2026, 11, 23, 8, 30), londonAt(2026, 11, 23, 16, 0), "published", w.trainer)
	amy := w.newUser(t, "amy@example.org", coordAgency)
	ben := w.newUser(t, "ben@example.org", otherAgency)
	cat := w.newUser(t, "cat@example.org", coordAgency)
	ids := []int64{w.placeOn(t, session, amy), w.placeOn(t, session, ben), w.placeOn(t, session, cat)}
	page := "/sessions/" + id(session) + "/register"
	field := func(i int) string { return "attendance-" + id(ids[i]) }
	all := func(amy, ben, cat string) url.Values {
		return url.Values{field(0): {amy}, field(1): {ben}, field(2): {cat}}
	}

	// The trainer's session page lists who is coming and links to the register.
	tr := w.as(t, "trainer@example.org")
	_, body := tr.get("/trainer/sessions/" + id(session))
	assert.Contains(t, body, "Amy Tester")
	assert.Contains(t, body, coordAgency)
	assert.Contains(t, body, "Step-free access")
	assert.Contains(t, body, "Vegetarian")
	assert.NotContains(t, body, `id="no-attendees"`)
	assert.Contains(t, body, `href="`+page+`"`)

	resp, body := tr.get(page)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 3, strings.Count(body, `<fieldset class="govuk-fieldset"`), "one fieldset per person")
	assert.Contains(t, body, `Ben Tester<span class="govuk-caption-m">`+otherAgency+`</span></legend>`)
	assert.Contains(t, body, `id="`+field(0)+`" name="`+field(0)+`" type="radio" value="attended"`)
	assert.Contains(t, body, `govuk-radios--inline`)
	assert.NotContains(t, body, "<table")
	assert.Equal(t, 1, strings.Count(body, `>Save register</button>`), "a single Save button")
	assert.Contains(t, body, `href="/trainer/sessions/`+id(session)+`"`)

	// Other people cannot see or take it.
	for _, who := range []string{"other@example.org", "practitioner@example.org", "coordinator@example.org"} {
		c := w.as(t, who)
		resp, _ := c.get(page)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, who)
		resp, _ = c.post(page, all("attended", "attended", "attended"))
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, who)
	}
	resp, _ = w.client(t).get(page)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "sign in first")
	assert.Equal(t, []string{"", "", ""}, w.marksOf(t, ids...))

	// Bad input: a person left out, a made-up mark.
	resp, body = tr.post(page, url.Values{field(0): {"attended"}, field(2): {"present"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	summary := errorSummary(body)
	assert.Contains(t, summary, "Select whether Ben Tester attended, arrived late or was absent")
	assert.Contains(t, summary, "Select attended, arrived late or absent for Cat Tester")
	assert.Contains(t, body, `href="#`+field(1)+`"`)
	assert.Contains(t, body, `value="attended" checked`, "what was chosen is kept")
	assert.Equal(t, []string{"", "", ""}, w.marksOf(t, ids...), "nothing is saved")
	// A mark for a booking not on the register is ignored, not an error that loses the rest.
	resp, _ = tr.post(page, url.Values{field(0): {"attended"}, field(1): {"attended"}, field(2): {"attended"}, "attendance-999999": {"absent"}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "a booking not on the session")
	assert.Equal(t, []string{"attended", "attended", "attended"}, w.marksOf(t, ids...))

	before := w.newestEmail(t)
	resp, _ = tr.post(page, all("attended", "late", "absent"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, page+"?done=saved", resp.Header.Get("Location"))
	assert.Equal(t, []string{"attended", "late", "absent"}, w.marksOf(t, ids...))
	assert.ElementsMatch(t, []string{"cat@example.org", "lee.manager@example.org"}, w.emailsAfter(t, before),
		"the absent person and their line manager are told")
	_, body = tr.get(page + "?done=saved")
	assert.Contains(t, body, "Register saved: 1 attended, 1 arrived late, 1 absent")
	assert.Contains(t, body, `id="`+field(2)+`-absent" name="`+field(2)+`" type="radio" value="absent" checked`)

	// Saving again, or correcting an absence, emails nobody.
	before = w.newestEmail(t)
	resp, _ = tr.post(page, all("attended", "late", "absent"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = tr.post(page, all("attended", "attended", "attended"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Empty(t, w.emailsAfter(t, before))
	_, body = tr.get(page + "?done=saved")
	assert.Contains(t, body, "Register saved: 3 attended, 0 arrived late, 0 absent")

	// A manager may open and correct it; their way back is the manager's page.
	m := w.as(t, "manager@example.org")
	resp, body = m.get(page)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `href="/admin/sessions/`+id(session)+`"`)
}

func TestRegisterWaitsForTheSessionToStart(t *testing.T) {
	t.Parallel()
	w := trainerSetup(t)
	tomorrow := w.session(t, w.room, londonAt(2026, 11, 24, 9, 30), londonAt(2026, 11, 24, 16, 0), "published", w.trainer)
	b := w.placeOn(t, tomorrow, w.practitioner)
	page := "/sessions/" + id(tomorrow) + "/register"
	tr := w.as(t, "trainer@example.org")

	_, body := tr.get(page)
	assert.Contains(t, body, "You can take the register from 9:30am on Tuesday 24 November 2026")
	assert.NotContains(t, body, `type="radio"`)
	resp, body := tr.post(page, url.Values{"attendance-" + id(b): {"attended"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(body), "You can take the register from 9:30am on Tuesday 24 November 2026")
	assert.Equal(t, []string{""}, w.marksOf(t, b))

	// Still shut at midnight, the start of the day: people may cancel until the start.
	w.clock.Advance(15 * time.Hour)     // 09:00 + 15 hours = midnight
	tr = w.as(t, "trainer@example.org") // signed out while the clock moved
	_, body = tr.get(page)
	assert.NotContains(t, body, `type="radio"`)
	// At the start it opens.
	w.clock.Advance(9*time.Hour + 30*time.Minute)
	tr = w.as(t, "trainer@example.org")
	_, body = tr.get(page)
	assert.Contains(t, body, `type="radio"`)
	resp, _ = tr.post(page, url.Values{"attendance-" + id(b): {"attended"}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, []string{"attended"}, w.marksOf(t, b))
}

// On a phone-sized screen a trainer goes from their session to the
// register, saves it with a mistake, then properly; every page passes
// axe-core, and nothing is wider than the screen.
func TestBrowserRegisterOnAPhone(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	tr := a.newUser(t, "trainer@example.org", otherAgency, "trainer")
	w := trainerWorld{testApp: a}
	ctx := context.Background()
	require.NoError(t, a.pool.QueryRow(ctx,
		"SELECT id, title FROM courses WHERE retired_at IS NULL ORDER BY id LIMIT 1").Scan(&w.course, &w.courseTitle))
	require.NoError(t, a.pool.QueryRow(ctx,
		"INSERT INTO venues (name, online) VALUES ('Register Test Teams', true) RETURNING id").Scan(&w.online))
	sid := w.session(t, w.online, londonAt(2026, 11, 23, 8, 30), londonAt(2026, 11, 23, 16, 0), "published", tr)
	amy := a.placeOn(t, sid, a.newUser(t, "amy@example.org", coordAgency))
	ben := a.placeOn(t, sid, a.newUser(t, "ben@example.org", otherAgency))

	tab := browsertest.New(t)
	require.NoError(t, chromedp.Do(tab, chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile)))
	signInBrowser(t, tab, base, "trainer@example.org")
	resp := browsertest.Navigate(t, tab, base+"/trainer/sessions/"+id(sid))
	require.Equal(t, int64(200), resp.Status)
	assert.Contains(t, text(t, tab, "#attendee-list"), "Amy Tester")
	checkPage(t, tab)

	u := follow(t, tab, "#take-register")
	assert.Equal(t, "/sessions/"+id(sid)+"/register", u.Path)
	checkPage(t, tab)
	browsertest.FitsScreen(t, tab)

	require.NoError(t, chromedp.Do(tab, chromedp.Click(chromedp.CSS(`label[for="attendance-`+id(amy)+`"]`))))
	followExpecting(t, tab, `form[action$="/register"] button[type=submit]`, 422)
	assert.Contains(t, text(t, tab, ".govuk-error-summary"), "Select whether Ben Tester attended")
	checkPage(t, tab)

	require.NoError(t, chromedp.Do(tab, chromedp.Click(chromedp.CSS(`label[for="attendance-`+id(ben)+`-absent"]`))))
	follow(t, tab, `form[action$="/register"] button[type=submit]`)
	assert.Contains(t, text(t, tab, ".govuk-notification-banner"), "Register saved: 1 attended, 0 arrived late, 1 absent")
	checkPage(t, tab)
	browsertest.FitsScreen(t, tab)
}

// "Mark everyone as attended" through the app: one press marks everyone
// without a mark, the page then shows them as attended so the trainer
// changes the exceptions; the register's rules hold as before.
func TestRegisterMarkEveryoneAttendedThenExceptions(t *testing.T) {
	t.Parallel()
	w := trainerSetup(t)
	session := w.session(t, w.room, londonAt(2026, 11, 23, 8, 30), londonAt(2026, 11, 23, 16, 0), "published", w.trainer, w.other)
	ids := []int64{
		w.placeOn(t, session, w.newUser(t, "amy@example.org", coordAgency)),
		w.placeOn(t, session, w.newUser(t, "ben@example.org", otherAgency)),
		w.placeOn(t, session, w.newUser(t, "cat@example.org", coordAgency)),
	}
	page := "/sessions/" + id(session) + "/register"
	everyone := page + "/everyone-attended"

	tr := w.as(t, "trainer@example.org")
	_, body := tr.get(page)
	assert.Contains(t, body, `action="`+everyone+`"`)
	assert.Contains(t, body, ">Mark everyone as attended</button>")
	assert.Contains(t, body, "mark them all as attended, then change anyone who arrived late or was absent")

	// Not for anyone else; not before the session starts.
	for _, who := range []string{"practitioner@example.org", "coordinator@example.org"} {
		resp, _ := w.as(t, who).post(everyone, url.Values{})
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, who)
	}
	later := w.session(t, w.room, londonAt(2026, 11, 24, 9, 30), londonAt(2026, 11, 24, 16, 0), "published", w.trainer)
	laterID := w.placeOn(t, later, w.practitioner)
	resp, body := tr.post("/sessions/"+id(later)+"/register/everyone-attended", url.Values{})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(body), "You can take the register from 9:30am on Tuesday 24 November 2026")
	assert.Equal(t, []string{""}, w.marksOf(t, laterID))
	assert.Equal(t, []string{"", "", ""}, w.marksOf(t, ids...))

	before := w.newestEmail(t)
	resp, _ = tr.post(everyone, url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, page+"?done=everyone&marked=3", resp.Header.Get("Location"))
	assert.Equal(t, []string{"attended", "attended", "attended"}, w.marksOf(t, ids...))
	_, body = tr.get(resp.Header.Get("Location"))
	assert.Contains(t, body, "3 people marked as attended. Change anyone who arrived late or was absent, then save the register")
	assert.Equal(t, 3, strings.Count(body, `type="radio" value="attended" checked`))
	assert.NotContains(t, body, ">Mark everyone as attended</button>", "no one is left to mark")
	assert.Contains(t, body, `name="shown-`+id(ids[1])+`" value="attended"`)

	// The exception: Ben was absent. He and his line manager are told.
	resp, _ = tr.post(page, url.Values{
		"attendance-" + id(ids[0]): {"attended"}, "shown-" + id(ids[0]): {"attended"},
		"attendance-" + id(ids[1]): {"absent"}, "shown-" + id(ids[1]): {"attended"},
		"attendance-" + id(ids[2]): {"attended"}, "shown-" + id(ids[2]): {"attended"},
	})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, []string{"attended", "absent", "attended"}, w.marksOf(t, ids...))
	assert.ElementsMatch(t, []string{"ben@example.org", "lee.manager@example.org"}, w.emailsAfter(t, before))

	// The co-trainer, whose page still showed everyone attended, saves it
	// unchanged: Ben's absence is not lost. And a second press marks no one.
	co := w.as(t, "other@example.org")
	resp, _ = co.post(page, url.Values{
		"attendance-" + id(ids[0]): {"attended"}, "shown-" + id(ids[0]): {"attended"},
		"attendance-" + id(ids[1]): {"attended"}, "shown-" + id(ids[1]): {"attended"},
		"attendance-" + id(ids[2]): {"late"}, "shown-" + id(ids[2]): {"attended"},
	})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, []string{"attended", "absent", "late"}, w.marksOf(t, ids...))
	resp, _ = co.post(everyone, url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, body = co.get(resp.Header.Get("Location"))
	assert.Contains(t, body, "Everyone already had a mark, so nothing changed")
	assert.Equal(t, []string{"attended", "absent", "late"}, w.marksOf(t, ids...))
}

// Both trainers press "mark everyone as attended" at the same moment, over
// HTTP: each person is marked once.
func TestRegisterTwoTrainersPressMarkEveryoneAtOnce(t *testing.T) {
	t.Parallel()
	w := trainerSetup(t)
	session := w.session(t, w.room, londonAt(2026, 11, 23, 8, 30), londonAt(2026, 11, 23, 16, 0), "published", w.trainer, w.other)
	var ids []int64
	for _, e := range []string{"amy@example.org", "ben@example.org", "cat@example.org", "dan@example.org"} {
		ids = append(ids, w.placeOn(t, session, w.newUser(t, e, coordAgency)))
	}
	everyone := "/sessions/" + id(session) + "/register/everyone-attended"
	trainers := []*client{w.as(t, "trainer@example.org"), w.as(t, "other@example.org")}
	locations := make([]string, len(trainers))
	statuses := make([]int, len(trainers))
	ready := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range trainers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ready
			resp, _ := c.post(everyone, url.Values{})
			statuses[i], locations[i] = resp.StatusCode, resp.Header.Get("Location")
		}()
	}
	close(ready)
	wg.Wait()
	require.Equal(t, []int{http.StatusSeeOther, http.StatusSeeOther}, statuses)
	page := "/sessions/" + id(session) + "/register?done=everyone&marked="
	assert.ElementsMatch(t, []string{page + "4", page + "0"}, locations, "one press marked everyone, the other no one")
	assert.Equal(t, []string{"attended", "attended", "attended", "attended"}, w.marksOf(t, ids...))
	var events int
	require.NoError(t, w.pool.QueryRow(context.Background(),
		"SELECT count(*) FROM audit_events WHERE action = 'attendance_recorded' AND (details->>'session_id')::bigint = $1", session).Scan(&events))
	assert.Equal(t, 1, events, "one press recorded")
}

// On a phone, a trainer marks everyone as attended with one press, then
// changes the one person who was absent; every page passes axe-core and
// fits the screen.
func TestBrowserRegisterMarkEveryoneAttended(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	tr := a.newUser(t, "trainer@example.org", otherAgency, "trainer")
	w := trainerWorld{testApp: a}
	ctx := context.Background()
	require.NoError(t, a.pool.QueryRow(ctx,
		"SELECT id, title FROM courses WHERE retired_at IS NULL ORDER BY id LIMIT 1").Scan(&w.course, &w.courseTitle))
	require.NoError(t, a.pool.QueryRow(ctx,
		"INSERT INTO venues (name, online) VALUES ('Register Test Teams', true) RETURNING id").Scan(&w.online))
	sid := w.session(t, w.online, londonAt(2026, 11, 23, 8, 30), londonAt(2026, 11, 23, 16, 0), "published", tr)
	amy := a.placeOn(t, sid, a.newUser(t, "amy@example.org", coordAgency))
	ben := a.placeOn(t, sid, a.newUser(t, "ben@example.org", otherAgency))
	cat := a.placeOn(t, sid, a.newUser(t, "cat@example.org", coordAgency))

	tab := browsertest.New(t)
	require.NoError(t, chromedp.Do(tab, chromedp.EmulateViewport(320, 740, chromedp.EmulateMobile)))
	signInBrowser(t, tab, base, "trainer@example.org")
	resp := browsertest.Navigate(t, tab, base+"/sessions/"+id(sid)+"/register")
	require.Equal(t, int64(200), resp.Status)
	checkPage(t, tab)
	browsertest.FitsScreen(t, tab)

	follow(t, tab, `#everyone-attended button[type=submit]`)
	assert.Contains(t, text(t, tab, ".govuk-notification-banner"), "3 people marked as attended")
	assert.Equal(t, []string{"attended", "attended", "attended"}, a.marksOf(t, amy, ben, cat))
	checked, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('input[type=radio][value=attended]:checked').length`))
	require.NoError(t, err)
	assert.Equal(t, 3, checked, "the page shows everyone as attended")
	checkPage(t, tab)
	browsertest.FitsScreen(t, tab)

	require.NoError(t, chromedp.Do(tab, chromedp.Click(chromedp.CSS(`label[for="attendance-`+id(ben)+`-absent"]`))))
	follow(t, tab, `form[action$="/register"] button[type=submit]`)
	assert.Contains(t, text(t, tab, ".govuk-notification-banner"), "Register saved: 2 attended, 0 arrived late, 1 absent")
	assert.Equal(t, []string{"attended", "absent", "attended"}, a.marksOf(t, amy, ben, cat))
	checkPage(t, tab)
	browsertest.FitsScreen(t, tab)
}
