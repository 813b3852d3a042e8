package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A session for one agency names it typed, found on the server as the typed
// agency filters are: the form never lists every agency (1,000 and more as
// the partnership grows). A name matching none, or several, is sent back
// with an error and what was typed; several are offered to choose from
// (radios, no script), retired agencies never.
func TestASessionForOneAgencyNamesItTyped(t *testing.T) {
	t.Parallel()
	f := setupScheduling(t)
	ctx := context.Background()
	agency := func(name string, retired bool) int64 {
		var id int64
		require.NoError(t, f.a.pool.QueryRow(ctx, `INSERT INTO agencies (name, sector, charging_band, retired_at)
			VALUES ($1, 'private_independent', 'contributing', CASE WHEN $2 THEN now() END) RETURNING id`, name, retired).Scan(&id))
		return id
	}
	north, south := agency("Acorn Nursery North", false), agency("Acorn Nursery South", false)
	agency("Acorn Nursery Closed", true)
	c := f.manager

	_, page := c.get(fmt.Sprintf("/admin/sessions/new?course=%d", f.course))
	assert.True(t, strings.Contains(page, `name="agency-name"`), "the agency is typed")
	assert.False(t, strings.Contains(page, "Acorn Nursery North"), "no list of every agency")

	closedTo := func(loc string) int64 {
		t.Helper()
		var id *int64
		require.NoError(t, f.a.pool.QueryRow(ctx, "SELECT closed_to_agency_id FROM sessions WHERE id = $1",
			sessionIDIn(t, loc)).Scan(&id))
		require.NotNil(t, id, "closed to one agency")
		return *id
	}
	for _, tc := range []struct {
		typed, chosen string
		problem       string
		offered       bool
	}{
		{typed: " ", problem: "Enter the name of the agency the session is for"},
		{typed: "Zebra Crossing", problem: "No agency’s name contains “Zebra Crossing”: check the spelling, or type less of the name"},
		{typed: "acorn", problem: "More than one agency’s name contains “acorn”: choose one", offered: true},
		{typed: "acorn", chosen: "999999999", problem: "More than one agency’s name contains “acorn”: choose one", offered: true},
		{typed: "Closed", problem: "No agency’s name contains “Closed”: check the spelling, or type less of the name"},
	} {
		form := f.form("10", f.trainers[0])
		form.Set("open-to", "agency")
		form.Set("agency-name", tc.typed)
		if tc.chosen != "" {
			form.Set("agency", tc.chosen)
		}
		resp, page := c.post("/admin/sessions/new", form)
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "%q", tc.typed)
		assert.Equal(t, tc.problem, errorSummary(page), "%q", tc.typed)
		assert.True(t, strings.Contains(page, `href="#agency-name"`), "the summary links to the typed name")
		assert.True(t, strings.Contains(page, fmt.Sprintf(`name="agency-name" type="text" value="%s"`, strings.TrimSpace(tc.typed))),
			"%q: what was typed is kept", tc.typed)
		assert.True(t, strings.Contains(page, `name="start" type="text" value="9:30"`), "and the rest of the form")
		assert.True(t, strings.Contains(page, `value="agency" checked`), "%q: still for one agency", tc.typed)
		offered := strings.Contains(page, fmt.Sprintf(`name="agency" type="radio" value="%d"`, north)) &&
			strings.Contains(page, fmt.Sprintf(`name="agency" type="radio" value="%d"`, south))
		assert.Equal(t, tc.offered, offered, "%q: the agencies it matches offered", tc.typed)
		assert.False(t, strings.Contains(page, "Acorn Nursery Closed"), "%q: a retired agency is never offered", tc.typed)
	}

	// One of those offered, chosen.
	form := f.form("10", f.trainers[0])
	form.Set("open-to", "agency")
	form.Set("agency-name", "acorn")
	form.Set("agency", strconv.FormatInt(south, 10))
	resp, _ := c.post("/admin/sessions/new", form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, south, closedTo(resp.Header.Get("Location")))

	// A name only one agency's holds.
	form = f.form("11", f.trainers[0])
	form.Set("open-to", "agency")
	form.Set("agency-name", "nursery north")
	resp, _ = c.post("/admin/sessions/new", form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, north, closedTo(resp.Header.Get("Location")))

	// A duplicate of it names the agency, ready to send again.
	_, page = c.get(fmt.Sprintf("/admin/sessions/new?from=%d", sessionIDIn(t, resp.Header.Get("Location"))))
	assert.True(t, strings.Contains(page, `name="agency-name" type="text" value="Acorn Nursery North"`), "the duplicate's agency")
}

// sessionIDIn is the session's ID in a redirect to its page.
func sessionIDIn(t *testing.T, loc string) int64 {
	t.Helper()
	var id int64
	_, err := fmt.Sscanf(loc, "/admin/sessions/%d", &id)
	require.NoError(t, err, loc)
	return id
}
