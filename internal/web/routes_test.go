package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// concrete fills every parameter of a route's path (routeParam) with value.
func concrete(path, value string) string {
	return routeParam.ReplaceAllString(path, value)
}

// Every route of the app, walked from the app itself so that a route added
// later is covered: its access in the route table (routes.go) is proven
// against anonymous visitors and every role it does not allow. A route
// registered without an entry in the table fails.
func TestEveryRouteIsGuardedAsItsTableSays(t *testing.T) {
	t.Parallel()
	a := setup(t)
	const (
		practitioner = "practitioner@example.org"
		trainer      = "trainer@example.org"
		coordinator  = "coordinator@example.org"
		manager      = "manager@example.org"
	)
	other := a.newUser(t, practitioner, otherAgency)
	a.newUser(t, trainer, otherAgency, "trainer")
	a.newUser(t, coordinator, coordAgency, "coordinator")
	a.newUser(t, manager, managerAgency, "manager")

	// The practitioner, of another agency than the coordinator's, asks to
	// move to a third: a change the coordinator may not decide.
	p := a.as(t, practitioner)
	resp, _ := p.post("/account/agency", url.Values{"agency": {id(a.agencyID(t, managerAgency))}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	anon := a.client(t)
	signedIn := map[string]*client{}
	for _, who := range []string{practitioner, trainer, coordinator, manager} {
		signedIn[who] = a.as(t, who)
	}
	// allowed is who each role-guarded access lets through.
	allowed := map[string]string{
		"manager": manager, "coordinator": coordinator,
		"coordinator of this agency": coordinator, "trainer": trainer,
	}

	seen := map[string]bool{}
	for _, r := range a.app.GetRoutes(true) { // true: routes, not middleware
		if r.Method == http.MethodHead {
			continue // registered with, and guarded as, its GET
		}
		name := r.Method + " " + r.Path
		seen[r.Name] = true
		target := concrete(r.Path, id(other))
		do := func(c *client) (*http.Response, string) {
			if r.Method == http.MethodGet {
				return c.get(target)
			}
			if c == anon {
				c.get("/sign-in") // a fresh CSRF token for the session
			} else {
				c.get("/account")
			}
			return c.post(target, url.Values{})
		}
		signInPage := "/sign-in"
		if r.Method == http.MethodGet {
			signInPage += "?next=" + url.QueryEscape(target)
		}

		switch r.Name {
		case "anyone":
			resp, _ := do(anon)
			assert.NotEqual(t, http.StatusForbidden, resp.StatusCode, name)
			assert.False(t, strings.HasPrefix(resp.Header.Get("Location"), "/sign-in?"), "%s: a public route asks to sign in", name)
		case "secret":
			// No token, no signature: refused without asking to sign in (503:
			// Stripe's webhook while card payments are off, as here).
			resp, _ := do(anon)
			assert.Contains(t, []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound, http.StatusServiceUnavailable}, resp.StatusCode, name)
		case "signed-in", "manager", "coordinator", "coordinator of this agency", "trainer":
			resp, _ := do(anon)
			if assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "%s as anyone", name) {
				assert.Equal(t, signInPage, resp.Header.Get("Location"), name)
			}
			if r.Name == "signed-in" {
				continue
			}
			for who, c := range signedIn {
				if who == allowed[r.Name] {
					continue
				}
				resp, page := do(c)
				assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s as %s", name, who)
				assert.True(t, strings.Contains(page, "You cannot see this page"), "%s as %s: refused for the role, not the token", name, who)
			}
			if r.Method == http.MethodGet {
				// The role it names gets past the guard.
				resp, _ := do(signedIn[allowed[r.Name]])
				assert.NotEqual(t, http.StatusForbidden, resp.StatusCode, "%s as %s", name, allowed[r.Name])
			}
			if r.Name == "coordinator of this agency" {
				// Another agency's person, or their request: not found.
				resp, page := do(signedIn[coordinator])
				assert.Equal(t, http.StatusNotFound, resp.StatusCode, "%s with another agency's id", name)
				assert.True(t, strings.Contains(page, "Page not found"), "%s: the not-found page", name)
			}
		default:
			t.Errorf("%s has no access in the route table (routes.go), so no guard: %q", name, r.Name)
		}
	}
	for _, access := range []string{"anyone", "secret", "signed-in", "manager", "coordinator", "coordinator of this agency", "trainer"} {
		assert.True(t, seen[access], "no route was walked with access %q", access)
	}
}
