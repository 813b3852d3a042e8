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

	"github.com/pscp/booktraining/internal/audit"
)

// The agencies of the people adminSetup makes.
const (
	managerAgency = "Portsmouth City Council"
	coordAgency   = "Portsmouth Hospitals University NHS Trust"
	otherAgency   = "Hampshire and Isle of Wight Constabulary"
)

// adminWorld is an app with one person for each role: a training manager, a
// coordinator of coordAgency with a colleague, a trainer and a practitioner
// of otherAgency, and someone whose organisation is not confirmed.
type adminWorld struct {
	testApp
	manager, coordinator, colleague, trainer, practitioner, unlisted int64
}

func adminSetup(t *testing.T) adminWorld {
	t.Helper()
	a := setup(t)
	return adminWorld{
		testApp:      a,
		manager:      a.newUser(t, "manager@example.org", managerAgency, "manager"),
		coordinator:  a.newUser(t, "coordinator@example.org", coordAgency, "coordinator"),
		colleague:    a.newUser(t, "colleague@example.org", coordAgency),
		trainer:      a.newUser(t, "trainer@example.org", otherAgency, "trainer"),
		practitioner: a.newUser(t, "practitioner@example.org", otherAgency),
		unlisted:     a.newUnlistedUser(t, "volunteer@example.org", "Southsea Youth Club"),
	}
}

// newUnlistedUser makes a verified person who typed the name of an
// organisation that is not listed.
func (a testApp) newUnlistedUser(t *testing.T, addr, organisation string) int64 {
	t.Helper()
	var id int64
	require.NoError(t, a.pool.QueryRow(context.Background(), `
		INSERT INTO users (email, full_name, job_title, unlisted_agency_name, password_hash, email_verified_at)
		VALUES ($1::text, initcap(split_part($1::text, '@', 1)) || ' Tester', 'Volunteer', $2, $3, now())
		RETURNING id`, addr, organisation, testPasswordHash).Scan(&id))
	return id
}

func (a testApp) agencyID(t *testing.T, name string) int64 {
	t.Helper()
	var id int64
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT id FROM agencies WHERE lower(name) = lower($1)", name).Scan(&id))
	return id
}

// as signs a client in as addr and opens a page, so it holds the signed-in
// session's CSRF token.
func (a testApp) as(t *testing.T, addr string) *client {
	t.Helper()
	c := a.client(t)
	c.signIn(addr, testPassword)
	resp, _ := c.get("/account")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return c
}

// snapshot is a digest of everything the pages of this file can change:
// people's agencies, roles, agencies and each partnership's bands, and every audit event but signing in
// and out.
func (a testApp) snapshot(t *testing.T) string {
	t.Helper()
	var s string
	require.NoError(t, a.pool.QueryRow(context.Background(), `
		SELECT concat_ws('/',
			(SELECT md5(string_agg(concat_ws(',', id, email, full_name, agency_id, unlisted_agency_name, erased_at), ';' ORDER BY id)) FROM users),
			(SELECT md5(string_agg(concat_ws(',', user_id, role), ';' ORDER BY user_id, role)) FROM user_roles),
			(SELECT md5(string_agg(concat_ws(',', id, name, sector, charging_band, billing_contact_name, billing_contact_email, retired_at), ';' ORDER BY id)) FROM agencies),
			(SELECT md5(string_agg(concat_ws(',', partnership_id, agency_id, charging_band), ';' ORDER BY partnership_id, agency_id)) FROM agency_partnerships),
			(SELECT count(*) FROM audit_events WHERE action NOT IN ('sign_in', 'sign_out', 'sign_in_failed', 'personal_data_viewed')))`).Scan(&s))
	return s
}

func (a testApp) hasRole(t *testing.T, user int64, role string) bool {
	t.Helper()
	var ok bool
	require.NoError(t, a.pool.QueryRow(context.Background(),
		"SELECT EXISTS (SELECT 1 FROM user_roles WHERE user_id = $1 AND role = $2)", user, role).Scan(&ok))
	return ok
}

// auditCount counts events of action about subject (any subject when 0),
// with details containing details (JSON), by actor.
func (a testApp) auditCount(t *testing.T, action string, actor, subject int64, details string) int {
	t.Helper()
	var n int
	require.NoError(t, a.pool.QueryRow(context.Background(), `
		SELECT count(*) FROM audit_events
		WHERE action = $1 AND actor_id = $2 AND ($3 = 0 OR subject_user_id = $3) AND details @> $4::jsonb
		  AND ip IS NOT NULL`, action, actor, subject, details).Scan(&n))
	return n
}

var tableRow = regexp.MustCompile(`<tr class="govuk-table__row">\s*<td`)

func rows(page string) int { return len(tableRow.FindAllString(page, -1)) }

func id(n int64) string { return strconv.FormatInt(n, 10) }

// Every page and action of the manager and the coordinator, for every kind
// of visitor: the page or action works for its role only; refused actions
// change nothing.
func TestAdminRoleMatrix(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	ctx := context.Background()
	coord, other := w.agencyID(t, coordAgency), w.agencyID(t, otherAgency)
	var emailID int64
	require.NoError(t, w.pool.QueryRow(ctx, `INSERT INTO emails (to_address, subject, body_text) VALUES ('x@example.org', 'Hello', 'Hi') RETURNING id`).Scan(&emailID))
	_, err := w.pool.Exec(ctx, "UPDATE agencies SET retired_at = now() WHERE id = $1", other)
	require.NoError(t, err)

	const (
		anyone  = ""
		manager = "manager@example.org"
		coordin = "coordinator@example.org"
	)
	gets := []struct{ path, role string }{
		{"/admin", manager},
		{"/admin/sessions/calendar", manager},
		{"/admin/sessions/calendar?month=not-a-month", manager},
		{"/admin/people", manager},
		{"/admin/people?q=tester&agency=" + id(coord) + "&page=2", manager},
		{"/admin/people/" + id(w.practitioner), manager},
		{"/admin/organisations", manager},
		{"/admin/organisations/review?organisation=southsea+youth+club", manager},
		{"/admin/agencies", manager},
		{"/admin/agencies/new", manager},
		{"/admin/agencies/" + id(coord), manager},
		{"/admin/audit", manager},
		{"/admin/audit?action=role_granted&user=" + id(w.manager), manager},
		{"/admin/emails", manager},
		{"/admin/emails/" + id(emailID), manager},
		{"/admin/retention", manager},
		{"/agency/people", coordin},
		{"/agency/people?q=colleague", coordin},
		{"/agency/people/" + id(w.colleague), coordin},
	}
	posts := []struct {
		path string
		form url.Values
	}{
		{"/admin/people/" + id(w.practitioner) + "/roles", url.Values{"role": {"trainer"}}},
		{"/admin/people/" + id(w.trainer) + "/roles/remove", url.Values{"role": {"trainer"}}},
		{"/admin/organisations/add", url.Values{"organisation": {"Southsea Youth Club"}, "name": {"Southsea Youth Club"}, "sector": {"voluntary_community"}, "charging-band": {"non_contributing"}}},
		{"/admin/organisations/merge", url.Values{"organisation": {"Southsea Youth Club"}, "merge-agency": {id(coord)}}},
		{"/admin/agencies/new", url.Values{"name": {"Milton Scouts"}, "sector": {"voluntary_community"}, "charging-band": {"non_contributing"}}},
		{"/admin/agencies/" + id(coord), url.Values{"name": {"Queen Alexandra Hospital"}, "sector": {"health"}, "charging-band": {"partner"}}},
		{"/admin/agencies/" + id(coord) + "/retire", url.Values{}},
		{"/admin/agencies/" + id(other) + "/restore", url.Values{}},
	}

	visitors := map[string]*client{anyone: w.client(t)}
	visitors[anyone].get("/sign-in") // an anonymous session with a CSRF token
	for _, addr := range []string{"practitioner@example.org", "trainer@example.org", coordin, manager} {
		visitors[addr] = w.as(t, addr)
	}

	for who, c := range visitors {
		for _, g := range gets {
			resp, page := c.get(g.path)
			switch {
			case who == anyone:
				assert.Equal(t, http.StatusSeeOther, resp.StatusCode, g.path)
				assert.Equal(t, "/sign-in?next="+url.QueryEscape(g.path), resp.Header.Get("Location"), g.path)
			case who == g.role:
				assert.Equal(t, http.StatusOK, resp.StatusCode, "%s as %s", g.path, who)
			default:
				assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s as %s", g.path, who)
				assert.Contains(t, page, "You cannot see this page", g.path)
			}
		}
	}

	// Every action by anyone but a manager is refused and changes nothing.
	before := w.snapshot(t)
	for who, c := range visitors {
		if who == manager {
			continue
		}
		for _, p := range posts {
			c.get("/account") // a fresh token
			resp, page := c.post(p.path, url.Values(cloneForm(p.form)))
			if who == anyone {
				assert.Equal(t, http.StatusSeeOther, resp.StatusCode, p.path)
				assert.Equal(t, "/sign-in", resp.Header.Get("Location"), p.path)
				continue
			}
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s as %s", p.path, who)
			assert.Contains(t, page, "You cannot see this page", "%s as %s: refused for the role, not the token", p.path, who)
		}
	}
	assert.Equal(t, before, w.snapshot(t), "refused actions changed nothing")

	// The manager's actions all work, one after another.
	m := visitors[manager]
	for _, p := range posts {
		m.get("/admin/people")
		resp, page := m.post(p.path, cloneForm(p.form))
		if p.path == "/admin/organisations/merge" {
			// The organisation was confirmed by the action before.
			assert.Equal(t, http.StatusNotFound, resp.StatusCode, p.path)
			continue
		}
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "%s: %s", p.path, errorSummary(page))
	}
	assert.NotEqual(t, before, w.snapshot(t))
}

func cloneForm(f url.Values) url.Values {
	out := url.Values{}
	for k, v := range f {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// A coordinator sees their own agency's people only. Any other ID, whether
// of another agency's person, an unconfirmed one, an erased one or none at
// all, is "not found", so IDs cannot be probed.
func TestCoordinatorSeesOnlyTheirAgency(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	ctx := context.Background()
	erased := w.newUser(t, "erased@example.org", coordAgency)
	_, err := w.pool.Exec(ctx, "UPDATE users SET erased_at = now() WHERE id = $1", erased)
	require.NoError(t, err)
	c := w.as(t, "coordinator@example.org")

	resp, page := c.get("/agency/people")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "People in "+htmlEscape(coordAgency))
	assert.Contains(t, page, `href="/agency/people/`+id(w.colleague)+`"`)
	assert.Contains(t, page, `href="/agency/people/`+id(w.coordinator)+`"`)
	assert.NotContains(t, page, "practitioner@example.org")
	assert.NotContains(t, page, "erased@example.org")
	assert.Contains(t, page, "2 people")

	// A search that matches people of other agencies still shows only ours.
	_, page = c.get("/agency/people?q=example.org")
	assert.Contains(t, page, "2 people found")
	assert.NotContains(t, page, "trainer@example.org")

	resp, page = c.get("/agency/people/" + id(w.colleague))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "colleague@example.org")
	assert.Contains(t, page, "Colleague Tester")

	for _, other := range []int64{w.practitioner, w.trainer, w.manager, w.unlisted, erased, 987654} {
		resp, page := c.get("/agency/people/" + id(other))
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, other)
		assert.Contains(t, page, "Page not found")
	}
	for _, bad := range []string{"abc", "-1", "0", "99999999999999999999"} {
		resp, _ := c.get("/agency/people/" + bad)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, bad)
	}

	// A coordinator whose own organisation is not confirmed sees why, and no one.
	nowhere := w.newUnlistedUser(t, "nowhere@example.org", "Fratton Family Hub")
	_, err = w.pool.Exec(ctx, "INSERT INTO user_roles (user_id, role) VALUES ($1, 'coordinator')", nowhere)
	require.NoError(t, err)
	n := w.as(t, "nowhere@example.org")
	resp, page = n.get("/agency/people")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "not linked to a confirmed partner agency")
	assert.Contains(t, page, "Fratton Family Hub")
	resp, _ = n.get("/agency/people/" + id(w.unlisted))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	// A manager can open anyone who is not erased.
	m := w.as(t, "manager@example.org")
	for _, p := range []int64{w.practitioner, w.colleague, w.unlisted, w.coordinator} {
		resp, _ := m.get("/admin/people/" + id(p))
		assert.Equal(t, http.StatusOK, resp.StatusCode, p)
	}
	for _, p := range []string{id(erased), "987654", "abc", "0"} {
		resp, _ := m.get("/admin/people/" + p)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, p)
	}
}

func TestGrantAndRemoveRoles(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	m := w.as(t, "manager@example.org")
	person := "/admin/people/" + id(w.practitioner)

	_, page := m.get(person)
	assert.Contains(t, page, "Practitioner Tester")
	assert.Contains(t, page, `href="/admin/audit?user=`+id(w.practitioner)+`"`)
	assert.Contains(t, page, `<option value="trainer">Trainer</option>`)

	resp, _ := m.post(person+"/roles", url.Values{"role": {"trainer"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, person+"?done=role-granted", resp.Header.Get("Location"))
	assert.True(t, w.hasRole(t, w.practitioner, "trainer"))
	assert.Equal(t, 1, w.auditCount(t, "role_granted", w.manager, w.practitioner, `{"role": "trainer"}`))
	_, page = m.get(person + "?done=role-granted")
	assert.Contains(t, page, "Role given")
	assert.Contains(t, page, `id="remove-trainer"`)
	assert.NotContains(t, page, `<option value="trainer">`, "a role held is not offered again")

	// Mistakes and refusals re-render the page with an error summary.
	// The trainer is down to deliver a session two months from the
	// database's today (its clock decides what is to come), so keeps the role.
	w.putTrainerOn(t, w.addSession(t, 10, time.Now().AddDate(0, 2, 0).Sub(w.clock.Now()), 3*24*time.Hour), w.trainer)
	for _, tc := range []struct {
		path string
		form url.Values
		want string
	}{
		{person + "/roles", url.Values{"role": {""}}, `<a href="#role">Select a role to give</a>`},
		{person + "/roles", url.Values{"role": {"superuser"}}, `<a href="#role">Select a role to give</a>`},
		{person + "/roles", url.Values{"role": {"trainer"}}, "This person already has that role"},
		{"/admin/people/" + id(w.unlisted) + "/roles", url.Values{"role": {"coordinator"}}, "An agency coordinator must work for a confirmed agency"},
		{person + "/roles/remove", url.Values{"role": {"manager"}}, "This person does not have that role"},
		{"/admin/people/" + id(w.manager) + "/roles/remove", url.Values{"role": {"manager"}},
			`<a href="#remove-manager">You cannot remove your own training manager role`},
		{"/admin/people/" + id(w.trainer) + "/roles/remove", url.Values{"role": {"trainer"}},
			"This person is down to deliver a session still to come, so they must keep the trainer role"},
	} {
		before := w.snapshot(t)
		resp, page := m.post(tc.path, tc.form)
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, tc.want)
		assert.Contains(t, errorSummaryHTML(page), tc.want)
		assert.Equal(t, before, w.snapshot(t), tc.want)
	}
	assert.True(t, w.hasRole(t, w.manager, "manager"), "the manager keeps their own role")
	resp, _ = m.post("/admin/people/987654/roles", url.Values{"role": {"trainer"}})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	// A coordinator needs a confirmed agency, which the colleague has.
	resp, _ = m.post("/admin/people/"+id(w.colleague)+"/roles", url.Values{"role": {"coordinator"}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.True(t, w.hasRole(t, w.colleague, "coordinator"))

	resp, _ = m.post(person+"/roles/remove", url.Values{"role": {"trainer"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.False(t, w.hasRole(t, w.practitioner, "trainer"))
	assert.Equal(t, 1, w.auditCount(t, "role_removed", w.manager, w.practitioner, `{"role": "trainer"}`))
	_, page = m.get(person + "?done=role-removed")
	assert.Contains(t, page, "Role removed")

	// Another manager can remove the first one's manager role.
	second := w.newUser(t, "second@example.org", managerAgency, "manager")
	_ = second
	s := w.as(t, "second@example.org")
	resp, _ = s.post("/admin/people/"+id(w.manager)+"/roles/remove", url.Values{"role": {"manager"}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.False(t, w.hasRole(t, w.manager, "manager"))
	resp, _ = m.get("/admin/people")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "the role is checked on every request")
}

var summaryHTML = regexp.MustCompile(`(?s)<div class="govuk-error-summary__body">(.*?)</div>`)

func errorSummaryHTML(page string) string {
	m := summaryHTML.FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestConfirmAndMergeUnlistedOrganisations(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	ctx := context.Background()
	club := []int64{
		w.unlisted, // "Southsea Youth Club"
		w.newUnlistedUser(t, "leader@example.org", "southsea youth club"),
		w.newUnlistedUser(t, "helper@example.org", "SOUTHSEA YOUTH CLUB"),
	}
	scouts := []int64{
		w.newUnlistedUser(t, "akela@example.org", "Milton Scouts"),
		w.newUnlistedUser(t, "bagheera@example.org", "milton scouts"),
	}
	m := w.as(t, "manager@example.org")

	_, page := m.get("/admin/organisations")
	assert.Contains(t, page, "2 organisations")
	assert.Contains(t, page, "Southsea Youth Club")
	assert.Contains(t, page, `href="/admin/organisations/review?organisation=Southsea%20Youth%20Club"`)
	assert.Contains(t, page, `href="/admin/people/`+id(scouts[1])+`"`)
	assert.Regexp(t, `Southsea Youth Club<br><span[^>]*>Also typed as[^<]*“SOUTHSEA YOUTH CLUB”`, page)

	// The people list tags the unconfirmed organisation.
	_, page = m.get("/admin/people?q=southsea")
	assert.Contains(t, page, "3 people found")
	assert.Contains(t, page, "Not confirmed")

	resp, page := m.get("/admin/organisations/review?organisation=SOUTHSEA+youth+club")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, `value="Southsea Youth Club"`, "the name is prefilled with the spelling most used")
	assert.Contains(t, page, "Add agency and move 3 people into it")
	resp, _ = m.get("/admin/organisations/review?organisation=Nowhere+At+All")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	// Mistakes: nothing moves.
	before := w.snapshot(t)
	resp, page = m.post("/admin/organisations/add", url.Values{"organisation": {"southsea youth club"}, "name": {"Southsea Youth Club"}, "sector": {""}, "charging-band": {"non_contributing"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummaryHTML(page), `<a href="#sector">Select the agency’s sector</a>`)
	assert.Contains(t, page, `value="non_contributing" selected`)
	resp, page = m.post("/admin/organisations/add", url.Values{"organisation": {"southsea youth club"}, "name": {"PORTSMOUTH city council"}, "sector": {"other"}, "charging-band": {"partner"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummaryHTML(page), "An agency with this name already exists")
	// The agency to merge into is typed, never chosen from a list of every
	// agency (issue 21): nothing typed, a name nobody has, or one that several
	// names hold (offered to choose from, what was typed kept).
	resp, page = m.post("/admin/organisations/merge", url.Values{"organisation": {"milton scouts"}, "merge-agency-name": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummaryHTML(page), `<a href="#merge-agency-name">Enter the name of the agency to move them into</a>`)
	resp, page = m.post("/admin/organisations/merge", url.Values{"organisation": {"milton scouts"}, "merge-agency-name": {"Nowhere Trust"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummaryHTML(page), `<a href="#merge-agency-name">No agency’s name contains “Nowhere Trust”: check the spelling, or type less of the name</a>`)
	assert.Contains(t, page, `value="Nowhere Trust"`)
	resp, page = m.post("/admin/organisations/merge", url.Values{"organisation": {"milton scouts"}, "merge-agency-name": {"portsmouth city"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummaryHTML(page), "More than one agency’s name contains “portsmouth city”: choose one")
	assert.Contains(t, page, `value="portsmouth city"`)
	assert.Contains(t, page, `name="merge-agency" type="radio" value="`+id(w.agencyID(t, "Portsmouth City Council"))+`"`)
	assert.NotContains(t, page, `value="`+id(w.agencyID(t, coordAgency))+`"`, "only the agencies the name matched")
	assert.Equal(t, before, w.snapshot(t))

	// Confirm as a new agency: everyone who typed it, in any case, moves in.
	resp, page = m.post("/admin/organisations/add", url.Values{"organisation": {"southsea youth club"}, "name": {"Southsea Youth Club"}, "sector": {"voluntary_community"}, "charging-band": {"non_contributing"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	club0 := w.agencyID(t, "Southsea Youth Club")
	assert.Equal(t, "/admin/people?agency="+id(club0)+"&done=moved", resp.Header.Get("Location"))
	for _, p := range club {
		var agencyID *int64
		var typed string
		require.NoError(t, w.pool.QueryRow(ctx, "SELECT agency_id, unlisted_agency_name FROM users WHERE id = $1", p).Scan(&agencyID, &typed))
		require.NotNil(t, agencyID)
		assert.Equal(t, club0, *agencyID)
		assert.Empty(t, typed)
		assert.Equal(t, 1, w.auditCount(t, "organisation_confirmed", w.manager, p, `{"agency": "Southsea Youth Club"}`))
	}
	assert.Equal(t, 1, w.auditCount(t, "agency_created", w.manager, 0, `{"name": "Southsea Youth Club", "sector": "voluntary_community"}`))
	_, page = m.get(resp.Header.Get("Location"))
	assert.Contains(t, page, "now works for this agency")
	assert.Contains(t, page, "3 people found")

	// Each person's audit trail shows it.
	_, page = m.get("/admin/audit?user=" + id(club[2]))
	assert.Contains(t, page, "Confirmed an organisation as a new agency")
	assert.Contains(t, page, "organisation: SOUTHSEA YOUTH CLUB")

	// Merge into an existing agency, named by part of its name.
	resp, page = m.post("/admin/organisations/merge", url.Values{"organisation": {"MILTON SCOUTS"}, "merge-agency-name": {"hospitals university"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	for _, p := range scouts {
		var agencyID int64
		require.NoError(t, w.pool.QueryRow(ctx, "SELECT agency_id FROM users WHERE id = $1", p).Scan(&agencyID))
		assert.Equal(t, w.agencyID(t, coordAgency), agencyID)
		assert.Equal(t, 1, w.auditCount(t, "organisation_merged", w.manager, p, `{"agency": "`+coordAgency+`"}`))
	}
	_, page = m.get("/admin/audit?user=" + id(scouts[0]))
	assert.Contains(t, page, "Moved people of an organisation into an agency")

	_, page = m.get("/admin/organisations")
	assert.Contains(t, page, "No one is waiting for their organisation to be confirmed.")
	resp, _ = m.post("/admin/organisations/merge", url.Values{"organisation": {"Milton Scouts"}, "merge-agency": {id(club0)}})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "done already")
}

func TestAgencyFormsValidateAndAudit(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	m := w.as(t, "manager@example.org")

	resp, page := m.get("/admin/agencies")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, htmlEscape(coordAgency))
	assert.Contains(t, page, "Safeguarding partner")

	for _, tc := range []struct {
		form  url.Values
		want  string
		value string
	}{
		{url.Values{"name": {"  "}, "sector": {"health"}, "charging-band": {"partner"}}, `<a href="#name">Enter the agency’s name</a>`, `value="health" selected`},
		{url.Values{"name": {"PORTSMOUTH CITY council"}, "sector": {"health"}, "charging-band": {"partner"}}, `<a href="#name">An agency with this name already exists</a>`, `value="PORTSMOUTH CITY council"`},
		{url.Values{"name": {"Milton Scouts"}, "sector": {"martian"}, "charging-band": {"partner"}}, `<a href="#sector">Select the agency’s sector</a>`, `value="Milton Scouts"`},
		{url.Values{"name": {"Milton Scouts"}, "sector": {"other"}, "charging-band": {"free"}}, `<a href="#charging-band">Select the agency’s charging band</a>`, `value="Milton Scouts"`},
		{url.Values{"name": {"Milton Scouts"}, "sector": {"other"}, "charging-band": {"partner"}, "billing-email": {"accounts@"}},
			`<a href="#billing-email">Enter the billing contact’s email address in the correct format`, `value="accounts@"`},
	} {
		before := w.snapshot(t)
		resp, page := m.post("/admin/agencies/new", tc.form)
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, tc.want)
		assert.Contains(t, page, "<title>Error: Add an agency", tc.want)
		assert.Contains(t, errorSummaryHTML(page), tc.want)
		assert.Contains(t, page, tc.value, "the values are kept")
		assert.Equal(t, before, w.snapshot(t))
	}

	resp, page = m.post("/admin/agencies/new", url.Values{"name": {" Milton  Scouts "}, "sector": {"voluntary_community"}, "charging-band": {"non_contributing"},
		"billing-name": {"Sam Akela"}, "billing-email": {"treasurer@miltonscouts.example.org"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	assert.Equal(t, "/admin/agencies?done=agency-created", resp.Header.Get("Location"))
	scouts := w.agencyID(t, "Milton Scouts")
	assert.Equal(t, 1, w.auditCount(t, "agency_created", w.manager, 0, `{"name": "Milton Scouts", "billing_contact_email": "treasurer@miltonscouts.example.org"}`))
	_, page = m.get("/admin/agencies?done=agency-created")
	assert.Contains(t, page, "Agency added")
	assert.Contains(t, page, "treasurer@miltonscouts.example.org")

	edit := "/admin/agencies/" + id(scouts)
	_, page = m.get(edit)
	assert.Contains(t, page, `value="Milton Scouts"`)
	assert.Contains(t, page, `value="non_contributing" checked`)

	resp, page = m.post(edit, url.Values{"name": {"hampshire and isle of wight constabulary"}, "sector": {"police"}, "charging-band": {"partner"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummaryHTML(page), "An agency with this name already exists")
	assert.Contains(t, page, `value="hampshire and isle of wight constabulary"`)

	// Changing the case of its own name is fine; the changed fields are audited.
	resp, _ = m.post(edit, url.Values{"name": {"Milton scouts"}, "sector": {"voluntary_community"}, "charging-band": {"contributing"},
		"billing-name": {"Sam Akela"}, "billing-email": {"treasurer@miltonscouts.example.org"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, 1, w.auditCount(t, "agency_updated", w.manager, 0,
		`{"name": {"from": "Milton Scouts", "to": "Milton scouts"}, "charging_band": {"from": "non_contributing", "to": "contributing"}}`))
	var changed []string
	require.NoError(t, w.pool.QueryRow(context.Background(),
		"SELECT array(SELECT jsonb_object_keys(details) ORDER BY 1) FROM audit_events WHERE action = 'agency_updated'").Scan(&changed))
	assert.Equal(t, []string{"charging_band", "name"}, changed, "only the changed fields")

	// Retire and restore; a retired agency is not offered at sign-up.
	resp, _ = m.post(edit+"/retire", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = m.get(edit + "?done=agency-retired")
	assert.Contains(t, page, "Agency retired")
	assert.Contains(t, page, "Restore agency")
	_, signup := w.client(t).get("/sign-up")
	assert.NotContains(t, signup, "Milton scouts")
	assert.Equal(t, 1, w.auditCount(t, "agency_updated", w.manager, 0, `{"retired": {"from": false, "to": true}}`))
	resp, _ = m.post(edit+"/restore", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, signup = w.client(t).get("/sign-up")
	assert.Contains(t, signup, "Milton scouts")

	for _, path := range []string{"/admin/agencies/987654", "/admin/agencies/abc"} {
		resp, _ := m.get(path)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		resp, _ = m.post(path, url.Values{"name": {"X"}, "sector": {"other"}, "charging-band": {"partner"}})
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
	}
}

func TestPeopleSearchAndPagination(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	for i := 1; i <= 30; i++ {
		w.newUser(t, fmt.Sprintf("pager%02d@fareham.example.org", i), "Fareham Borough Council")
	}
	m := w.as(t, "manager@example.org")

	_, page := m.get("/admin/people?q=PAGER")
	assert.Contains(t, page, "30 people found")
	assert.Equal(t, 25, rows(page))
	assert.Contains(t, page, "Pager01 Tester")
	assert.NotContains(t, page, "Pager26 Tester")
	assert.Contains(t, page, `href="/admin/people?page=2&amp;q=PAGER" rel="next"`)
	assert.Contains(t, page, `aria-label="Page 1" aria-current="page"`)

	_, page = m.get("/admin/people?q=PAGER&page=2")
	assert.Equal(t, 5, rows(page))
	assert.Contains(t, page, "Pager26 Tester")
	assert.Contains(t, page, "Pager30 Tester")
	assert.Contains(t, page, `rel="prev"`)
	assert.NotContains(t, page, `rel="next"`)
	_, page = m.get("/admin/people?q=PAGER&page=99")
	assert.Equal(t, 5, rows(page), "past the end shows the last page")

	// By email, and by agency name, ignoring case.
	_, page = m.get("/admin/people?q=" + url.QueryEscape("pager07@FAREHAM"))
	assert.Contains(t, page, "1 person found")
	assert.Contains(t, page, "Pager07 Tester")
	_, page = m.get("/admin/people?q=university+nhs")
	assert.Contains(t, page, "2 people found")
	assert.Contains(t, page, "Coordinator Tester")
	assert.Contains(t, page, "Colleague Tester")

	// The agency filter, alone and with a search.
	fareham := w.agencyID(t, "Fareham Borough Council")
	_, page = m.get("/admin/people?agency=" + id(fareham))
	assert.Contains(t, page, "30 people found")
	assert.Contains(t, page, `name="agency-name" type="search" value="Fareham Borough Council"`)
	_, page = m.get("/admin/people?agency=" + id(fareham) + "&q=coordinator")
	assert.Contains(t, page, "No one matches your search.")

	// The agency is typed, not chosen from a list of every agency: a name
	// (or part of one that only one agency holds) filters by that agency;
	// part of several names asks which; a name no agency holds says so.
	assert.NotContains(t, page, `<option value="`+id(fareham)+`"`, "no list of every agency")
	_, page = m.get("/admin/people?agency-name=" + url.QueryEscape("fareham borough council"))
	assert.Contains(t, page, "30 people found")
	_, page = m.get("/admin/people?agency-name=" + url.QueryEscape("Fareham Borough") + "&q=pager07")
	assert.Contains(t, page, "1 person found")
	_, page = m.get("/admin/people?agency-name=council&q=pager")
	assert.Contains(t, page, "Which agency?")
	assert.Contains(t, page, `href="/admin/people?agency=`+id(fareham)+`&amp;q=pager"`)
	_, page = m.get("/admin/people?agency-name=" + url.QueryEscape("no such agency"))
	assert.Contains(t, page, "No agency’s name contains “no such agency”")

	// Wildcards are not wildcards, and odd input is harmless.
	for _, q := range []string{"%", "_", "%25", "'", strings.Repeat("x", 500), "zz\x01zz", "zz\u202ezz"} {
		resp, page := m.get("/admin/people?q=" + url.QueryEscape(q))
		assert.Equal(t, http.StatusOK, resp.StatusCode, q)
		assert.Contains(t, page, "No one matches your search.", q)
	}
	for _, q := range []string{"zz\x00zz", "zz\xffzz"} { // never reach the search (badinput.go)
		resp, _ := m.get("/admin/people?q=" + url.QueryEscape(q))
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, q)
	}
	for _, q := range []string{"q=%01", "page=abc", "page=-3", "page=99999999999999999999", "agency=abc", "agency=-1"} {
		resp, _ := m.get("/admin/people?" + q)
		assert.Equal(t, http.StatusOK, resp.StatusCode, q)
	}

	// Erased people are not listed.
	_, err := w.pool.Exec(context.Background(), "UPDATE users SET erased_at = now() WHERE email = 'pager30@fareham.example.org'")
	require.NoError(t, err)
	_, page = m.get("/admin/people?q=PAGER")
	assert.Contains(t, page, "29 people found")

	// The coordinator's list pages the same way.
	coord := w.agencyID(t, coordAgency)
	for i := 1; i <= 30; i++ {
		w.newUser(t, fmt.Sprintf("nurse%02d@qa.example.org", i), coordAgency)
	}
	_ = coord
	c := w.as(t, "coordinator@example.org")
	_, page = c.get("/agency/people")
	assert.Contains(t, page, "32 people")
	assert.Equal(t, 25, rows(page))
	_, page = c.get("/agency/people?page=2")
	assert.Equal(t, 7, rows(page))
	_, page = c.get("/agency/people?q=nurse0")
	assert.Contains(t, page, "9 people found")
}

func TestAuditLogFiltersAndPages(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	ctx := context.Background()
	m := w.as(t, "manager@example.org")
	m.post("/admin/people/"+id(w.practitioner)+"/roles", url.Values{"role": {"trainer"}})
	m.get("/account")
	m.post("/admin/people/"+id(w.colleague)+"/roles", url.Values{"role": {"trainer"}})
	w.as(t, "coordinator@example.org")
	bad := w.client(t)
	bad.get("/sign-in")
	bad.post("/sign-in", url.Values{"email": {"nobody@example.org"}, "password": {"wrong password here"}})

	_, page := m.get("/admin/audit")
	assert.Contains(t, page, "Gave a role")
	assert.Contains(t, page, "Signed in")
	assert.Contains(t, page, "Failed to sign in")
	assert.Contains(t, page, "nobody@example.org", "a failed sign-in shows the address typed")
	assert.Contains(t, page, "role: Trainer")
	assert.Contains(t, page, "Monday 23 November 2026, 9am", "times in Europe/London")
	assert.Contains(t, page, `<td class="govuk-table__cell" data-label="From">0.0.0.0</td>`, "from where (app.Test comes from 0.0.0.0)")

	// Every action has a label of its own in the filter.
	for _, a := range audit.Actions {
		assert.NotContains(t, page, ">"+strings.ReplaceAll(string(a), "_", " ")+"</option>", a)
		assert.Contains(t, page, `<option value="`+string(a)+`">`)
	}

	_, page = m.get("/admin/audit?action=role_granted")
	assert.Contains(t, page, "2 events")
	assert.Equal(t, 2, rows(page))
	assert.NotContains(t, page, `data-label="What">Signed in`)
	assert.Contains(t, page, `<option value="role_granted" selected>`)

	_, page = m.get("/admin/audit?user=" + id(w.colleague))
	assert.Contains(t, page, "1 event")
	assert.Contains(t, page, "Colleague Tester")
	_, page = m.get("/admin/audit?email=COORDINATOR@example.org")
	assert.Contains(t, page, "1 event")
	assert.Contains(t, page, "Signed in")
	resp, page := m.get("/admin/audit?email=ghost@example.org")
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummaryHTML(page), `<a href="#email">No one has an account with this email address</a>`)

	date := func(prefix, d, mo, y string) string {
		return "&" + prefix + "-day=" + d + "&" + prefix + "-month=" + mo + "&" + prefix + "-year=" + y
	}
	_, page = m.get("/admin/audit?action=role_granted" + date("from", "23", "11", "2026") + date("to", "23", "11", "2026"))
	assert.Contains(t, page, "2 events")
	assert.Contains(t, page, `name="from-day" type="text" inputmode="numeric" value="23"`)
	_, page = m.get("/admin/audit?action=role_granted" + date("from", "24", "11", "2026"))
	assert.Contains(t, page, "0 events")
	assert.Contains(t, page, "Nothing matches these filters.")
	_, page = m.get("/admin/audit?action=role_granted" + date("to", "22", "11", "2026"))
	assert.Contains(t, page, "0 events")

	for q, want := range map[string]string{
		date("from", "31", "2", "2026"):                               `<a href="#from-day">Date from must be a real date</a>`,
		date("from", "1", "", "2026"):                                 `<a href="#from-month">Date from must include a month</a>`,
		date("to", "", "", "2026"):                                    `<a href="#to-day">Date to must include a day and month</a>`,
		date("to", "1", "1", "26"):                                    `<a href="#to-year">Year must include 4 numbers</a>`,
		date("to", "x", "1", "2026"):                                  `<a href="#to-day">Date to must be a real date</a>`,
		date("from", "2", "1", "2026") + date("to", "1", "1", "2026"): `<a href="#to-day">Date to must be the same as or after date from</a>`,
	} {
		resp, page := m.get("/admin/audit?" + q)
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, q)
		assert.Contains(t, errorSummaryHTML(page), want, q)
		assert.Contains(t, page, "govuk-input--error", q)
	}

	// Pages of 50, newest first.
	_, err := w.pool.Exec(ctx, `
		INSERT INTO audit_events (at, actor_id, action, subject_user_id, details)
		SELECT $1::timestamptz - n * interval '1 minute', $2, 'data_exported', $2, jsonb_build_object('n', n)
		FROM generate_series(1, 55) n`, now, w.practitioner)
	require.NoError(t, err)
	_, page = m.get("/admin/audit?action=data_exported")
	assert.Contains(t, page, "55 events")
	assert.Equal(t, 50, rows(page))
	assert.Contains(t, page, "n: 1<")
	assert.Contains(t, page, `href="/admin/audit?action=data_exported&amp;page=2" rel="next"`)
	_, page = m.get("/admin/audit?action=data_exported&page=2")
	assert.Equal(t, 5, rows(page))
	assert.Contains(t, page, "n: 55<")
	_, page = m.get("/admin/audit?action=data_exported&page=7")
	assert.Contains(t, page, "There are no events on this page.")

	// Unknown filters are ignored, never an error.
	for _, q := range []string{"action=drop_tables", "user=abc", "user=-1", "page=99999999999999999999", "action=%01"} {
		resp, _ := m.get("/admin/audit?" + q)
		assert.Equal(t, http.StatusOK, resp.StatusCode, q)
	}
	assert.NotContains(t, w.logs.String(), "level=ERROR")
}

func TestKeptEmailsCanBeRead(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	ctx := context.Background()
	c := w.client(t)
	c.get("/sign-up")
	resp, _ := c.post("/sign-up", url.Values{
		"full-name": {"Sam Jones"}, "email": {"sam@example.org"}, "job-title": {"Health visitor"},
		"agency": {id(w.agencyID(t, coordAgency))}, "password": {"tide comes in at southsea"},
	})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, link := w.lastEmail(t, "sam@example.org")
	require.NotEmpty(t, link)
	var sent int64
	require.NoError(t, w.pool.QueryRow(ctx, "SELECT id FROM emails WHERE to_address = 'sam@example.org'").Scan(&sent))
	var hostile int64
	require.NoError(t, w.pool.QueryRow(ctx, `INSERT INTO emails (to_address, subject, body_text) VALUES ('x@example.org', '<b>Hi</b>',
		E'Line one <script>alert(1)</script>\nSee https://example.org/a?b=1&c=2.\njavascript:alert(1) http://x/"onmouseover="alert(1)') RETURNING id`).Scan(&hostile))

	m := w.as(t, "manager@example.org")
	_, page := m.get("/admin/emails")
	assert.Contains(t, page, "2 emails")
	assert.Contains(t, page, `href="/admin/emails/`+id(sent)+`">Confirm your email address</a>`)
	assert.Contains(t, page, "Not sent")

	resp, page = m.get("/admin/emails/" + id(sent))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "sam@example.org")
	token := link[strings.Index(link, "token=")+len("token="):]
	assert.NotContains(t, page, token, "a confirmation link signs its holder in: never shown to a manager")
	assert.Contains(t, page, "(link removed: only the person it was sent to may use it)")

	_, page = m.get("/admin/emails/" + id(hostile))
	assert.NotContains(t, page, "<script>alert(1)")
	assert.NotContains(t, page, "<b>Hi</b>")
	assert.Contains(t, page, "&lt;b&gt;Hi&lt;/b&gt;")
	assert.Contains(t, page, `<a class="govuk-link" href="https://example.org/a?b=1&amp;c=2">`, "trailing punctuation is not part of the link")
	assert.NotContains(t, page, `href="javascript`)
	assert.NotContains(t, page, `onmouseover="alert`)
	assert.Contains(t, page, "Line one &lt;script&gt;")

	for _, path := range []string{"/admin/emails/987654", "/admin/emails/abc"} {
		resp, _ := m.get(path)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
	}
}

// Each partnership's manager sees and sets the band their partnership gives
// a shared agency (issue 22); the first partnership's manager's page still
// shows the first's.
func TestEachPartnershipsManagerSetsTheirOwnBand(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	ctx := context.Background()
	var b int64
	require.NoError(t, w.pool.QueryRow(ctx, `INSERT INTO partnerships (slug, name, short_name)
		VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire') RETURNING id`).Scan(&b))
	hampshire := w.newUser(t, "hampshire-manager@example.org", managerAgency, "manager")
	_, err := w.pool.Exec(ctx, `UPDATE user_roles SET partnership_id = $1 WHERE user_id = $2 AND role = 'manager'`, b, hampshire)
	require.NoError(t, err)
	police := w.agencyID(t, "Hampshire and Isle of Wight Constabulary")
	edit := "/admin/agencies/" + id(police)
	first, second := w.as(t, "manager@example.org"), w.as(t, "hampshire-manager@example.org")

	_, page := first.get(edit)
	assert.Contains(t, page, `value="partner" checked`)
	_, page = second.get(edit)
	assert.Contains(t, page, `value="non_contributing" checked`, "not in Hampshire's area: non-contributing there")

	resp, page := second.post(edit, url.Values{"name": {"Hampshire and Isle of Wight Constabulary"}, "sector": {"police"}, "charging-band": {"contributing"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, errorSummary(page))
	_, page = second.get(edit)
	assert.Contains(t, page, `value="contributing" checked`)
	_, page = first.get(edit)
	assert.Contains(t, page, `value="partner" checked`, "the first partnership's band is unchanged")
	var bands string
	require.NoError(t, w.pool.QueryRow(ctx, `
		SELECT string_agg((partnership_id = $2)::text || '=' || charging_band, ',' ORDER BY partnership_id)
		FROM agency_partnerships WHERE agency_id = $1`, police, b).Scan(&bands))
	assert.Equal(t, "false=partner,true=contributing", bands)
}
