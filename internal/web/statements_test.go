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

	"github.com/pscp/booktraining/internal/pgtest"
)

// countedStatements builds the app's services on a pool of the test's
// database that lists every statement it sends, so a test can count what a
// page costs.
func countedStatements(t testing.TB, statements **pgtest.Statements) deps {
	return func(d *testDeps) {
		counted, s := pgtest.Counted(t, d.Pool)
		*statements = s
		d.Services = newServices(t, counted, d.Now)
		d.Ready = counted.Ping
	}
}

// statementsFor is how many statements one GET of target sends, after a
// first GET that warms whatever a first visit does once, and the page.
func statementsFor(t *testing.T, c *client, s *pgtest.Statements, target string) (int, string) {
	t.Helper()
	resp, _ := c.get(target)
	require.Equal(t, http.StatusOK, resp.StatusCode, target)
	var page string
	n := s.During(func() {
		resp, page = c.get(target)
	})
	require.Equal(t, http.StatusOK, resp.StatusCode, target)
	// A manager's request runs in their partnership's scope (internal/scope):
	// a connection last used in another scope is switched into it, with one
	// statement. After the first GET the pool's connection is in the page's
	// scope, and the login's lookup runs in any scope (scope.AnyScope): so a
	// manager's page switches nothing, where it used to switch out of the
	// scope for the lookup and back for the page, two round trips.
	// So are the BEGIN and commit of the page's transactions (a read with
	// its generic plans, internal/pgplan, has its own).
	scopes, txs := 0, 0
	for _, st := range s.List() {
		switch low := strings.ToLower(st); {
		case strings.Contains(st, "set_config('role'"):
			scopes++
		case strings.HasPrefix(low, "begin"), low == "commit", low == "rollback":
			txs++
		}
	}
	assert.Zero(t, scopes, "%s: switches of scope", target)
	assert.LessOrEqual(t, txs, 6, "%s: transactions begun and ended", target)
	return n - scopes - txs, page
}

// The pages people open most read their lists in one query each: a
// course's page, My training and the manager's session page and its list of
// bookings cost the same statements for few rows as for many (no query per
// session or per booking).
func TestPagesCostTheSameStatementsForFewRowsOrMany(t *testing.T) {
	t.Parallel()
	var s *pgtest.Statements
	a := setup(t, countedStatements(t, &s))
	ctx := context.Background()
	// maxPerPage bounds each page's statements: the login, the page's
	// reads and, for lists of people, the audit of who was seen.
	const maxPerPage = 8

	t.Run("course page", func(t *testing.T) {
		var slug string
		var course int64
		require.NoError(t, a.pool.QueryRow(ctx, "SELECT id, slug FROM courses ORDER BY id LIMIT 1").Scan(&course, &slug))
		c := a.client(t)
		few, _ := statementsFor(t, c, s, "/courses/"+slug)
		for i := range 30 {
			begins := now.Add(time.Duration(40+i) * 24 * time.Hour)
			_, err := a.pool.Exec(ctx, `
				INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
				SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), $1, $2, $3, 20, 'published'
				FROM courses c WHERE c.id = $4`,
				begins, begins.Add(3*time.Hour), begins.Add(-3*24*time.Hour), course)
			require.NoError(t, err)
		}
		many, page := statementsFor(t, c, s, "/courses/"+slug)
		assert.Contains(t, page, londonDay(now.Add(69*24*time.Hour)), "the last session added is listed")
		t.Logf("/courses/%s: %d statements before, %d with 30 more sessions", slug, few, many)
		assert.Equal(t, few, many)
		assert.LessOrEqual(t, many, maxPerPage)
	})

	t.Run("my training", func(t *testing.T) {
		one := a.newUser(t, "one-place@example.org", "")
		many := a.newUser(t, "many-places@example.org", "")
		a.placeOn(t, a.addSession(t, 40, 10*24*time.Hour, 3*24*time.Hour), one)
		a.addAttended(t, one, 30*24*time.Hour, 3*time.Hour, "attended")
		for i := range 30 {
			a.placeOn(t, a.addSession(t, 40, time.Duration(10+i)*24*time.Hour, 3*24*time.Hour), many)
			a.addAttended(t, many, time.Duration(30+i)*24*time.Hour, 3*time.Hour, "attended")
		}
		forOne, _ := statementsFor(t, a.as(t, "one-place@example.org"), s, "/my-training")
		forMany, page := statementsFor(t, a.as(t, "many-places@example.org"), s, "/my-training")
		assert.Contains(t, page, londonDay(now.Add(39*24*time.Hour)), "the last place is listed")
		t.Logf("/my-training: %d statements for 1 place and 1 attended, %d for 30 and 30", forOne, forMany)
		assert.Equal(t, forOne, forMany)
		assert.LessOrEqual(t, forMany, maxPerPage)
	})

	t.Run("manager's session page and bookings", func(t *testing.T) {
		a.newUser(t, "session-manager@example.org", "", "manager")
		m := a.as(t, "session-manager@example.org")
		small, big := a.addSession(t, 40, 20*24*time.Hour, 3*24*time.Hour), a.addSession(t, 40, 21*24*time.Hour, 3*24*time.Hour)
		a.placeOn(t, small, a.newUser(t, "alone@example.org", ""))
		for i := range 30 {
			a.placeOn(t, big, a.newUser(t, fmt.Sprintf("crowd%d@example.org", i), ""))
		}
		for _, page := range []string{"/admin/sessions/%d", "/admin/sessions/%d/bookings"} {
			few, _ := statementsFor(t, m, s, fmt.Sprintf(page, small))
			many, body := statementsFor(t, m, s, fmt.Sprintf(page, big))
			if page == "/admin/sessions/%d/bookings" {
				assert.Contains(t, body, "Crowd29 Tester", "the last person booked is listed")
			}
			t.Logf("%s: %d statements for 1 booking, %d for 30", page, few, many)
			assert.Equal(t, few, many, page)
			assert.LessOrEqual(t, many, maxPerPage, page)
		}
	})
}

// londonDay is t's date as the pages write it.
func londonDay(t time.Time) string {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return t.In(london).Format("Monday 2 January 2006")
}
