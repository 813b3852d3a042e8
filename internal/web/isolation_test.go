package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pscp/booktraining/internal/web"
)

// Each partnership's training managers are in charge of their own (issue
// 22): a second partnership's manager walks every manager route of the app
// with the first partnership's ids (its sessions, bookings, courses, venues,
// requests, claims) and must never see the first's programme nor change
// any of its rows. PostgreSQL enforces it (internal/scope), so this holds
// for routes whose handlers filter nothing.
func TestNoManagerRouteReachesAnotherPartnership(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newListWorld(t, firstYearDatabase(t))
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// The first partnership (a) has the whole programme; b has nothing yet.
	var b, bManager int64
	check(w.pool.QueryRow(ctx, `
		INSERT INTO partnerships (slug, name, short_name)
		VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire') RETURNING id`).Scan(&b))
	check(w.pool.QueryRow(ctx, `
		WITH u AS (INSERT INTO users (email, full_name, job_title, unlisted_agency_name, password_hash, email_verified_at)
		           VALUES ('hampshire-manager@example.org', 'Hampshire Manager', 'Training manager',
		                   'Hampshire Safeguarding Children Partnership', '!', now()) RETURNING id),
		     r AS (INSERT INTO user_roles (user_id, role, partnership_id) SELECT id, 'manager', $1 FROM u)
		SELECT id FROM u`, b).Scan(&bManager))

	// A's ids for each kind of thing a route names.
	ids := map[string]int64{}
	for kind, q := range map[string]string{
		"session":  `SELECT ` + strconv.FormatInt(w.past, 10),
		"booking":  `SELECT min(id) FROM bookings WHERE session_id = ` + strconv.FormatInt(w.past, 10),
		"course":   `SELECT ` + strconv.FormatInt(w.course, 10),
		"requires": `SELECT min(id) FROM courses WHERE id <> ` + strconv.FormatInt(w.course, 10),
		"venue":    `SELECT min(venue_id) FROM sessions WHERE venue_id IS NOT NULL`,
		"request":  `SELECT max(id) FROM enquiries`,
		"claim":    `SELECT max(id) FROM prior_learning_claims`,
		"person":   `SELECT ` + strconv.FormatInt(w.person, 10),
		"trainer":  `SELECT ` + strconv.FormatInt(w.trainer, 10),
		"entry":    `SELECT coalesce(max(id), 1) FROM trainer_commitments`,
		"question": `SELECT min(id) FROM evaluation_questions`,
		"agency":   `SELECT ` + strconv.FormatInt(w.agency, 10),
		"email":    `SELECT max(id) FROM emails`,
		"job":      `SELECT coalesce(max(id), 1) FROM river_job`,
	} {
		var id *int64
		check(w.pool.QueryRow(ctx, q).Scan(&id))
		if id == nil {
			t.Fatalf("the first year's data has no %s", kind)
		}
		ids[kind] = *id
	}
	// What would show A's programme: its courses' titles and its venues'
	// names. B has no course nor venue, so none may appear on B's pages.
	var markers []string
	rows, err := w.pool.Query(ctx, `SELECT title FROM courses UNION SELECT name FROM venues WHERE NOT online`)
	check(err)
	for rows.Next() {
		var m string
		check(rows.Scan(&m))
		markers = append(markers, m)
	}
	check(rows.Err())

	// Every row of A's, to see that none changed.
	fingerprint := func() string {
		var parts []string
		for _, table := range partnershipTables {
			var s *string
			check(w.pool.QueryRow(ctx, fmt.Sprintf(`SELECT md5(string_agg(t::text, ';' ORDER BY t::text)) FROM %s t`, table)).Scan(&s))
			if s == nil {
				parts = append(parts, table+":empty")
			} else {
				parts = append(parts, table+":"+*s)
			}
		}
		// And A's own money: the bands it gives agencies (which are shared,
		// so B's manager may give them B's own) and its charge policy.
		for _, table := range []string{"agency_partnerships", "charge_policy"} {
			var s string
			check(w.pool.QueryRow(ctx, fmt.Sprintf(`SELECT md5(string_agg(t::text, ';' ORDER BY t::text)) FROM %s t
				WHERE t.partnership_id = first_partnership_id()`, table)).Scan(&s))
			parts = append(parts, table+":"+s)
		}
		return strings.Join(parts, " ")
	}
	before := fingerprint()

	// A's manager opens every page first, so that what a page keeps (the
	// figures of reports, the catalogue) is kept for A before B asks.
	for _, r := range web.RouteTable() {
		if r.Who == "manager" && r.Method == http.MethodGet {
			path, _ := pathFor(r.Path, ids)
			resp, err := w.manager.Get(w.base + path)
			check(err)
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
	}

	client := w.signedInAs(t, bManager)
	csrf := csrfOf(t, client, w.base+"/admin")

	var walked, refused int
	for _, r := range web.RouteTable() {
		if r.Who != "manager" {
			continue
		}
		path, kind := pathFor(r.Path, ids)
		var resp *http.Response
		var err error
		if r.Method == http.MethodGet {
			resp, err = client.Get(w.base + path)
		} else {
			form := url.Values{"_csrf": {csrf}}
			for _, f := range []string{"session", "session_id", "booking", "bookings", "booking_id", "charge", "charges", "id", "ids",
				"course", "course_id", "venue", "venue_id", "trainer", "trainer_id", "requires"} {
				for _, k := range []string{"session", "booking", "course", "venue", "trainer"} {
					if strings.HasPrefix(f, k) {
						form.Add(f, strconv.FormatInt(ids[k], 10))
					}
				}
			}
			form.Set("charges", strconv.FormatInt(ids["booking"], 10))
			resp, err = client.PostForm(w.base+path, form)
		}
		if err != nil {
			t.Fatalf("%s %s: %v", r.Method, path, err)
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		check(err)
		walked++
		page := string(body)
		switch {
		case resp.StatusCode >= 500:
			t.Errorf("%s %s answered %d", r.Method, path, resp.StatusCode)
		case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden:
			refused++
		}
		if _, shared := notYetPerPartnership[r.Path]; shared {
			continue
		}
		for _, m := range markers {
			if strings.Contains(page, m) {
				t.Errorf("%s %s (%s of A) shows A's %q to B's manager", r.Method, path, kind, m)
				break
			}
		}
		if after := fingerprint(); after != before {
			t.Fatalf("%s %s as B's manager changed A's rows:\n%s\n%s", r.Method, path, before, after)
		}
	}
	if walked < 100 || refused < 20 {
		t.Errorf("walked %d manager routes, %d refused: the walk did not reach the app's routes", walked, refused)
	}
	t.Logf("walked %d manager routes as another partnership's manager; %d answered not found or forbidden", walked, refused)
}

// partnershipTables hold a partnership's own rows, directly or through a
// session, booking, course or request of theirs.
var partnershipTables = []string{"courses", "venues", "sessions", "bookings", "session_trainers", "enquiries",
	"enquiry_messages", "enquiry_events", "enquiry_sessions", "course_prices", "course_prerequisites",
	"prior_learning_claims", "payments", "charges", "certificates", "evaluations", "evaluation_answers",
	"impact_follow_ups", "booking_approvals", "booking_reminders"}

// notYetPerPartnership are the routes that still show or change something
// every partnership shares, which a later step gives each partnership its
// own of (issue 22): the audit log and the emails sent, the evaluation
// questions and settings and the job queue's failures.
var notYetPerPartnership = map[string]bool{}

var pathParam = regexp.MustCompile(`:([a-zA-Z]+)(<[a-z]+>)?`)

// pathFor fills path's parameters with A's ids, choosing each by the area
// the path is in, and says which kind of thing it names.
func pathFor(path string, ids map[string]int64) (string, string) {
	area := strings.SplitN(strings.TrimPrefix(path, "/admin/"), "/", 2)[0]
	kind := map[string]string{
		"sessions": "session", "courses": "course", "venues": "venue", "training-requests": "request",
		"prior-learning": "claim", "people": "person", "trainers": "trainer", "evaluation": "question",
		"agencies": "agency", "emails": "email", "attention": "job", "reports": "trainer", "agency-changes": "person",
	}[area]
	out := pathParam.ReplaceAllStringFunc(path, func(p string) string {
		name := pathParam.FindStringSubmatch(p)[1]
		k := kind
		switch name {
		case "booking":
			k = "booking"
		case "requires":
			k = "requires"
		case "entryID":
			k = "entry"
		case "userID":
			k = "person"
		}
		return strconv.FormatInt(ids[k], 10)
	})
	return out, kind
}

// csrfOf is the form token of the page at target.
func csrfOf(t *testing.T, c *http.Client, target string) string {
	t.Helper()
	resp, err := c.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	m := csrfField.FindStringSubmatch(string(body))
	if m == nil {
		t.Fatalf("%s has no form token (%d)", target, resp.StatusCode)
	}
	return m[1]
}

// signedInAs is a client signed in as person id.
func (w *listWorld) signedInAs(t *testing.T, id int64) *http.Client {
	t.Helper()
	token, _, err := w.accounts.StartLogin(context.Background(), &id, "127.0.0.1", "isolation")
	if err != nil {
		t.Fatal(err)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	site, _ := url.Parse(w.base)
	jar.SetCookies(site, []*http.Cookie{{Name: "session", Value: token, Path: "/"}})
	return &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
