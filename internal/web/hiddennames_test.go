package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNamesWithHiddenFormattingAreRefused types a name carrying a
// right-to-left override or a zero-width character into every form that
// takes one: each form is shown again with the field's message, and nothing
// is saved.
func TestNamesWithHiddenFormattingAreRefused(t *testing.T) {
	t.Parallel()
	f := setupTrainingRequests(t)
	a := f.a
	ctx := context.Background()
	var sessionID, agencyID int64
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT min(id) FROM sessions WHERE status = 'published' AND closed_to_agency_id IS NULL").Scan(&sessionID))
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT min(id) FROM agencies").Scan(&agencyID))
	anonymous := a.client(t)

	for _, hidden := range []string{"\u202E", "\u200B", "\u200D", "\u2066", "\uFEFF"} {
		cases := []struct {
			name, target, message string
			c                     *client
			form                  url.Values
		}{
			{"sign-up name", "/sign-up", "Full name must not contain hidden formatting characters", anonymous, url.Values{
				"full-name": {"Sam Jones" + hidden + "seno"}, "email": {"sam@example.org"}, "job-title": {"Nurse"},
				"agency": {strconv.FormatInt(agencyID, 10)}, "password": {"tide comes in at southsea"},
			}},
			{"unlisted organisation", "/sign-up", "Organisation name must not contain hidden formatting characters", anonymous, url.Values{
				"full-name": {"Sam Jones"}, "email": {"sam@example.org"}, "job-title": {"Nurse"},
				"agency": {"not-listed"}, "unlisted-agency": {"Acme" + hidden + " Care"}, "password": {"tide comes in at southsea"},
			}},
			{"profile", "/account/profile", "Full name must not contain hidden formatting characters", f.coordinator, url.Values{
				"full-name": {hidden + "Lead Tester"}, "job-title": {"Safeguarding lead"},
			}},
			{"line manager", "/sessions/" + strconv.FormatInt(sessionID, 10) + "/book", "Your line manager’s name must not contain hidden formatting characters", f.coordinator, url.Values{
				"line-manager-name": {"Lee" + hidden + " Smith"}, "line-manager-email": {"lee@example.org"}, "agree-policy": {"yes"},
			}},
			{"training request contact", "/training-requests/new", "The name must not contain hidden formatting characters", f.coordinator,
				f.requestForm("contact-name", "Lead"+hidden+" Tester")},
			{"bespoke training's name", "/training-requests/new", "The name must not contain hidden formatting characters", f.coordinator,
				f.requestForm("kind", "bespoke", "topic", "Front"+hidden+" desk", "need", "Passing on concerns")},
			{"venue", "/admin/venues/new", "Name must not contain hidden formatting characters", f.manager, url.Values{
				"kind": {"room"}, "name": {"Room" + hidden + " 3"}, "address-line-1": {"Guildhall Square"}, "town": {"Portsmouth"},
				"postcode": {"PO1 2AL"}, "capacity": {"20"},
			}},
			{"venue address", "/admin/venues/new", "Town or city must not contain hidden formatting characters", f.manager, url.Values{
				"kind": {"room"}, "name": {"Room 3"}, "address-line-1": {"Guildhall Square"}, "town": {"Ports" + hidden + "mouth"},
				"postcode": {"PO1 2AL"}, "capacity": {"20"},
			}},
			{"agency", "/admin/agencies/new", "Agency name must not contain hidden formatting characters", f.manager, url.Values{
				"name": {"Acme" + hidden + " Nursery"}, "sector": {"voluntary"}, "charging-band": {"partner"},
			}},
			{"course", "/admin/courses/new", "Title must not contain hidden formatting characters", f.manager, url.Values{
				"slug": {"new-course"}, "title": {"Neglect" + hidden}, "summary": {"A summary"},
			}},
		}
		for _, tc := range cases {
			tc.c.get(tc.target) // the form, and its CSRF token
			resp, page := tc.c.post(tc.target, tc.form)
			assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "%s %U", tc.name, []rune(hidden)[0])
			assert.Contains(t, errorSummary(page), tc.message, "%s %U", tc.name, []rune(hidden)[0])
		}
	}
	var saved int
	require.NoError(t, a.pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM users WHERE email = 'sam@example.org') + (SELECT count(*) FROM venues WHERE name LIKE 'Room%')
		     + (SELECT count(*) FROM agencies WHERE name LIKE 'Acme%') + (SELECT count(*) FROM courses WHERE slug = 'new-course')
		     + (SELECT count(*) FROM bookings WHERE user_id = $1)`, f.coordinatorID).Scan(&saved))
	assert.Zero(t, saved)
	var name string
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT full_name FROM users WHERE id = $1", f.coordinatorID).Scan(&name))
	assert.Equal(t, "Lead Tester", name)
	assert.NotContains(t, a.logs.String(), "level=ERROR")
}
