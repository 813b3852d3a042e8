package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/services"
	"github.com/pscp/booktraining/internal/web"
)

// listening builds a second app on a's database, as another process would
// be, with its own services, whose catalogue listens for changes: its
// catalogue pages are cached. (setup's app does not listen, so it reads
// every page afresh: the pages as they were before the cache.)
func listening(t *testing.T, a testApp) (testApp, *services.Services) {
	t.Helper()
	svc := newServices(t, a.pool, a.clock.Now)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { svc.Catalogue.Listen(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))) })
	t.Cleanup(func() { cancel(); wg.Wait() }) // before the database goes
	require.Eventually(t, svc.Catalogue.Listening, 10*time.Second, 10*time.Millisecond)
	app, err := web.New(web.Deps{
		Services: svc, Now: a.clock.Now, Ready: a.pool.Ping,
		Logger:      slog.New(web.LogHandler(slog.NewTextHandler(io.Discard, nil))),
		Partnership: "Portsmouth Safeguarding Children Partnership", ShowEmailBodies: true,
	})
	require.NoError(t, err)
	b := a
	b.app = app
	return b, svc
}

var catalogueAddresses = []string{
	"/courses",
	"/courses?q=neglect&level=2",
	"/courses?level=2&q=neglect", // the same page, asked otherwise
	"/courses?mode=online&audience=leads",
	"/courses/" + demo.Courses[0].Slug,
	"/courses/neglect-and-the-graded-care-profile-2",
}

// The cached pages are the pages as they were: byte for byte, for a visitor
// and for a signed-in person, the first time and from the cache.
func TestCachedCataloguePagesAreThePagesAsRendered(t *testing.T) {
	t.Parallel()
	a := setup(t)
	b, _ := listening(t, a)
	a.newUser(t, "reader@example.org", "")
	signedIn := a.client(t)
	signedIn.signIn("reader@example.org", testPassword)
	cached := b.client(t)
	cached.cookies, cached.csrf = signedIn.cookies, signedIn.csrf
	for _, target := range catalogueAddresses {
		_, want := a.get(t, target)
		for range 2 {
			resp, got := b.get(t, target)
			require.Equal(t, http.StatusOK, resp.StatusCode, target)
			require.Equal(t, want, got, "%s, not signed in", target)
		}
		_, want = signedIn.get(target)
		require.Contains(t, want, "Sign out")
		for range 2 {
			_, got := cached.get(target)
			require.Equal(t, want, got, "%s, signed in", target)
		}
	}
	resp, _ := b.get(t, "/courses/no-such-course")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// Nothing of one visitor's reaches another's page: not their navigation,
// not their CSRF token, not their agency's price.
func TestCachedCataloguePagesShowEachVisitorOnlyTheirOwn(t *testing.T) {
	t.Parallel()
	a := setup(t)
	b, _ := listening(t, a)
	course := demo.Courses[0]
	_, err := a.pool.Exec(context.Background(), `
		INSERT INTO course_prices (course_id, charging_band, amount_pence)
		SELECT id, 'contributing', 4550 FROM courses WHERE slug = $1`, course.Slug)
	require.NoError(t, err)

	a.newUser(t, "partner@example.org", "Portsmouth City Council")
	a.newUser(t, "fareham@example.org", "Fareham Borough Council", "manager")
	partner, contributing := b.client(t), b.client(t)
	partner.signIn("partner@example.org", testPassword)
	contributing.signIn("fareham@example.org", testPassword)
	require.NotEqual(t, partner.csrf, contributing.csrf)
	visitor := b.client(t)

	for _, target := range catalogueAddresses {
		for range 2 { // each fills the cache in turn
			_, p := partner.get(target)
			_, c := contributing.get(target)
			_, v := visitor.get(target)
			assert.Contains(t, p, `value="`+partner.csrf+`"`, target)
			assert.NotContains(t, p, contributing.csrf, target)
			assert.NotContains(t, p, `href="/admin"`, target)
			assert.Contains(t, c, `value="`+contributing.csrf+`"`, target)
			assert.NotContains(t, c, partner.csrf, target)
			assert.Contains(t, c, `href="/admin"`, target, "a manager's navigation")
			for _, other := range []string{partner.csrf, contributing.csrf, "Sign out", `href="/admin"`, "My training"} {
				assert.NotContains(t, v, other, target)
			}
			assert.Contains(t, v, `href="/sign-in"`, target)
		}
	}
	_, p := partner.get("/courses/" + course.Slug)
	_, c := contributing.get("/courses/" + course.Slug)
	_, v := visitor.get("/courses/" + course.Slug)
	assert.Contains(t, p, "Free for your agency")
	assert.Contains(t, c, "£45.50 for your agency")
	assert.NotContains(t, v, "for your agency")
	assert.Contains(t, v, "£45.50")
}

// A cached page stays as it is until a change is announced: a change made
// with the triggers off (so announcing nothing) is not seen, however long
// one waits, and the next announced change brings it in.
func TestCataloguePagesAreCachedUntilAChangeIsAnnounced(t *testing.T) {
	t.Parallel()
	a := setup(t)
	b, _ := listening(t, a)
	ctx := context.Background()
	course := demo.Courses[0]
	_, before := b.get(t, "/courses")
	require.Contains(t, before, course.Title)

	tx, err := a.pool.Begin(ctx)
	require.NoError(t, err)
	for _, sql := range []string{
		"ALTER TABLE courses DISABLE TRIGGER USER",
		"UPDATE courses SET title = 'Renamed unannounced' WHERE slug = '" + course.Slug + "'",
		"ALTER TABLE courses ENABLE TRIGGER USER",
	} {
		_, err = tx.Exec(ctx, sql)
		require.NoError(t, err)
	}
	require.NoError(t, tx.Commit(ctx))
	_, fresh := a.get(t, "/courses")
	require.Contains(t, fresh, "Renamed unannounced", "the app that does not cache sees it")
	time.Sleep(1200 * time.Millisecond) // longer than places left are kept
	_, stale := b.get(t, "/courses")
	require.NotContains(t, stale, "Renamed unannounced", "unannounced, so the cached page is served")
	require.Equal(t, before, stale)

	// Any statement on courses announces, even one that changes no row.
	_, err = a.pool.Exec(ctx, "UPDATE courses SET title = title WHERE false")
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, got := b.get(t, "/courses")
		return strings.Contains(got, "Renamed unannounced")
	}, 5*time.Second, 5*time.Millisecond)
}

// Every kind of change to what the pages show is announced and seen by a
// second process's cache: courses, sessions, venues, prices, prerequisites.
func TestCataloguePagesSeeEveryChangeFromAnotherProcess(t *testing.T) {
	t.Parallel()
	a := setup(t)
	b, _ := listening(t, a)
	ctx := context.Background()
	course := demo.Courses[0]
	coursePage := "/courses/" + course.Slug
	var sessionID, venueID int64
	require.NoError(t, a.pool.QueryRow(ctx, `
		SELECT s.id, s.venue_id FROM sessions s JOIN courses c ON c.id = s.course_id JOIN venues v ON v.id = s.venue_id
		WHERE c.slug = $1 AND s.status = 'published' AND s.closed_to_agency_id IS NULL AND s.starts_at > $2 AND NOT v.online
		ORDER BY s.starts_at LIMIT 1`, course.Slug, now).Scan(&sessionID, &venueID))

	for _, c := range []struct {
		name, page, sql, shows string
		args                   []any
	}{
		{"course", "/courses", "UPDATE courses SET title = 'Renamed course' WHERE slug = $1", "Renamed course", []any{course.Slug}},
		{"venue", coursePage, "UPDATE venues SET name = 'Renamed venue' WHERE id = $1", "Renamed venue", []any{venueID}},
		{"session", coursePage, "UPDATE sessions SET agency_cap = 3, caps_release_at = $2 WHERE id = $1",
			"Up to 3 per agency for now", []any{sessionID, now.AddDate(0, 0, 5)}},
		{"new session", coursePage, `
			INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
			SELECT course_id, course_title, venue_id, $2::timestamptz, $2::timestamptz + interval '2 hours', $2::timestamptz - interval '1 day', 5, 'published'
			FROM sessions WHERE id = $1`, "Tuesday 8 February 2028", []any{sessionID, time.Date(2028, 2, 8, 10, 0, 0, 0, time.UTC)}},
		{"price", coursePage, `
			INSERT INTO course_prices (course_id, charging_band, amount_pence)
			SELECT id, 'non_contributing', 12345 FROM courses WHERE slug = $1`, "£123.45", []any{course.Slug}},
		{"prerequisite", coursePage, `
			INSERT INTO course_prerequisites (course_id, requires_course_id, created_at)
			SELECT c.id, r.id, now() FROM courses c, courses r WHERE c.slug = $1 AND r.slug = $2`,
			"Before you book", []any{course.Slug, demo.Courses[1].Slug}},
	} {
		_, before := b.get(t, c.page)
		require.NotContains(t, before, c.shows, c.name)
		_, err := a.pool.Exec(ctx, c.sql, c.args...)
		require.NoError(t, err, c.name)
		require.Eventually(t, func() bool {
			_, got := b.get(t, c.page)
			return strings.Contains(got, c.shows)
		}, 5*time.Second, 5*time.Millisecond, "%s: heard", c.name)
	}
}

// A training manager's change through this process is on its next page at
// once, without waiting for the database's announcement (here there is
// none: the trigger is off).
func TestCataloguePagesSeeAManagersChangeOnTheNextRequest(t *testing.T) {
	t.Parallel()
	a := setup(t)
	b, _ := listening(t, a)
	ctx := context.Background()
	course := demo.Courses[0]
	a.newUser(t, "boss@example.org", "", "manager")
	manager := b.client(t)
	manager.signIn("boss@example.org", testPassword)
	_, before := b.get(t, "/courses")
	require.Contains(t, before, `href="/courses/`+course.Slug+`"`)

	_, err := a.pool.Exec(ctx, "ALTER TABLE courses DISABLE TRIGGER courses_catalogue_changed")
	require.NoError(t, err)
	var id int64
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT id FROM courses WHERE slug = $1", course.Slug).Scan(&id))
	manager.get("/admin/courses/" + strconv.FormatInt(id, 10))
	resp, body := manager.post("/admin/courses/"+strconv.FormatInt(id, 10)+"/retire", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(body))
	_, after := b.get(t, "/courses")
	assert.NotContains(t, after, `href="/courses/`+course.Slug+`"`)
}

// Places left are read apart: a booking announces nothing, yet every page
// shows the right figure within a second of it.
func TestCataloguePagesShowPlacesLeftWithinASecond(t *testing.T) {
	t.Parallel()
	a := setup(t)
	b, svc := listening(t, a)
	ctx := context.Background()
	course := demo.Courses[0]
	var sessionID int64
	var places int
	require.NoError(t, a.pool.QueryRow(ctx, `
		SELECT s.id, s.capacity - s.seats_taken FROM sessions s JOIN courses c ON c.id = s.course_id
		WHERE c.slug = $1 AND s.status = 'published' AND s.closed_to_agency_id IS NULL AND s.starts_at > $2
		ORDER BY s.starts_at LIMIT 1`, course.Slug, now).Scan(&sessionID, &places))
	require.Greater(t, places, 2)
	pages := []string{"/courses", "/courses/" + course.Slug}
	for _, p := range pages {
		_, body := b.get(t, p)
		require.Contains(t, body, strconv.Itoa(places)+" places left", p)
	}
	stamp, ok := svc.Catalogue.Stamp()
	require.True(t, ok)

	// Two people book it (the places are the bookings: a trigger counts
	// them into seats_taken).
	userID := a.newUser(t, "booker@example.org", "")
	other := a.newUser(t, "booker2@example.org", "")
	for _, u := range []int64{userID, other} {
		_, err := a.pool.Exec(ctx, "INSERT INTO bookings (session_id, user_id, booked_by, status, policy_agreed_at, confirmed_at) VALUES ($1, $2, $2, 'confirmed', now(), now())", sessionID, u)
		require.NoError(t, err)
	}
	booked := time.Now()
	want := strconv.Itoa(places-2) + " places left"
	for _, p := range pages {
		for {
			_, body := b.get(t, p)
			if strings.Contains(body, want) {
				break
			}
			require.Less(t, time.Since(booked), time.Second+100*time.Millisecond, "%s still shows the old places left", p)
			time.Sleep(20 * time.Millisecond)
		}
	}
	time.Sleep(200 * time.Millisecond) // any announcement would have arrived
	again, ok := svc.Catalogue.Stamp()
	require.True(t, ok)
	assert.Equal(t, stamp, again, "a booking announces no change to the catalogue")
}

// The listening connection, killed, comes back; meanwhile and afterwards
// the pages show every change.
func TestCatalogueListenerRecoversFromALostConnection(t *testing.T) {
	t.Parallel()
	a := setup(t)
	b, svc := listening(t, a)
	ctx := context.Background()
	course := demo.Courses[0]
	_, body := b.get(t, "/courses")
	require.Contains(t, body, course.Title)
	before, _ := svc.Catalogue.Stamp()

	var killed int
	require.NoError(t, a.pool.QueryRow(ctx, `
		SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN %catalogue_changed%'`).Scan(&killed))
	require.Equal(t, 1, killed, "one listening connection per process")

	// Deaf or listening again, a change made now is seen at once or soon.
	_, err := a.pool.Exec(ctx, "UPDATE courses SET title = 'Renamed while deaf' WHERE slug = $1", course.Slug)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, got := b.get(t, "/courses")
		return strings.Contains(got, "Renamed while deaf")
	}, 5*time.Second, 5*time.Millisecond)

	require.Eventually(t, svc.Catalogue.Listening, 10*time.Second, 10*time.Millisecond, "listening again")
	after, _ := svc.Catalogue.Stamp()
	assert.Greater(t, after, before, "the loss counts as a change")
	_, err = a.pool.Exec(ctx, "UPDATE courses SET title = 'Renamed after' WHERE slug = $1", course.Slug)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, got := b.get(t, "/courses")
		return strings.Contains(got, "Renamed after")
	}, 5*time.Second, 5*time.Millisecond)
	var listeners int
	require.NoError(t, a.pool.QueryRow(ctx, `
		SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN %catalogue_changed%'`).Scan(&listeners))
	assert.Equal(t, 1, listeners)
}
