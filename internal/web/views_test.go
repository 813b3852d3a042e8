package web_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/privacy"
)

// viewCount counts the views of personal data by actor that showed person
// (their own page, or a list they were on); person 0 counts every view by
// actor.
func (a testApp) viewCount(t *testing.T, actor, person int64) int {
	t.Helper()
	return a.countRows(t, `
		SELECT count(*) FROM audit_events
		WHERE action = 'personal_data_viewed' AND actor_id = $1 AND ip IS NOT NULL
		  AND ($2 = 0 OR subject_user_id = $2 OR details -> 'people' @> to_jsonb($2::bigint))`, actor, person)
}

// TestViewsOfPersonalDataAreAudited: each page that shows other people's
// personal data, opened once, leaves exactly one audit entry naming whose
// data it showed; and the person's download lists those that showed them.
func TestViewsOfPersonalDataAreAudited(t *testing.T) {
	t.Parallel()
	a := setup(t)
	ctx := context.Background()
	const agencyName = "Portsmouth City Council"
	managerID := a.newUser(t, "boss@example.org", "", "manager")
	coordinatorID := a.newUser(t, "lead@example.org", agencyName, "coordinator")
	trainerID := a.newUser(t, "teacher@example.org", "Hampshire and Isle of Wight Integrated Care Board", "trainer")
	person := a.newUser(t, "pat@example.org", agencyName)
	session := a.addSession(t, 10, 24*time.Hour, time.Hour)
	a.putTrainerOn(t, session, trainerID)
	_, err := a.pool.Exec(ctx, `
		INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at, access_needs)
		VALUES ($1, $2, (SELECT agency_id FROM users WHERE id = $2), 'confirmed', $2, now(), now(), 'Hearing loop')`, session, person)
	require.NoError(t, err)

	manager, coordinator, trainer := a.as(t, "boss@example.org"), a.as(t, "lead@example.org"), a.as(t, "teacher@example.org")
	for _, tc := range []struct {
		who     *client
		actor   int64
		path    string
		subject int64 // whose data the entry must name
	}{
		{manager, managerID, "/admin/people", person},
		{manager, managerID, fmt.Sprintf("/admin/people/%d", person), person},
		{coordinator, coordinatorID, "/agency/people", person},
		{coordinator, coordinatorID, fmt.Sprintf("/agency/people/%d", person), person},
		{manager, managerID, fmt.Sprintf("/admin/sessions/%d/bookings", session), person},
		{manager, managerID, fmt.Sprintf("/sessions/%d/register", session), person},
		{trainer, trainerID, fmt.Sprintf("/sessions/%d/register", session), person},
		{trainer, trainerID, fmt.Sprintf("/trainer/sessions/%d", session), person},
		{coordinator, coordinatorID, "/agency/bookings", person},
		{manager, managerID, fmt.Sprintf("/admin/trainers/%d", trainerID), trainerID},
		{manager, managerID, "/admin/sessions/export.csv", 0},
		{manager, managerID, fmt.Sprintf("/admin/sessions/%d/charges", session), 0},
	} {
		before := a.viewCount(t, tc.actor, 0)
		resp, _ := tc.who.get(tc.path)
		require.Equal(t, http.StatusOK, resp.StatusCode, tc.path)
		assert.Equal(t, before+1, a.viewCount(t, tc.actor, 0), "%s: one entry", tc.path)
		if tc.subject != 0 {
			assert.Equal(t, 1, a.countRows(t, `
				SELECT count(*) FROM (SELECT * FROM audit_events WHERE action = 'personal_data_viewed' AND actor_id = $1
				                      ORDER BY id DESC LIMIT 1) e
				WHERE subject_user_id = $2 OR details -> 'people' @> to_jsonb($2::bigint)`, tc.actor, tc.subject),
				"%s: the entry names whose data it showed", tc.path)
		}
	}

	// The audit log shows them in words, and can be filtered to them.
	resp, body := manager.get("/admin/audit?action=personal_data_viewed")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "Viewed personal data")
	assert.Contains(t, body, "the register of ")
	assert.Contains(t, body, "1 person")

	// Pat's download lists the nine views that showed them, by whom and in
	// which role; not the trainer's page, the programme export or the
	// charges (Pat has none).
	tx, err := a.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	out, err := audit.ViewsPart().Export(ctx, tx, privacy.Person{ID: person, Email: "pat@example.org"})
	require.NoError(t, err)
	views, ok := out.([]audit.ViewOfYou)
	require.True(t, ok)
	require.Len(t, views, 9)
	byRole := map[string]int{}
	for _, v := range views {
		byRole[v.Role]++
		assert.NotEmpty(t, v.What)
		assert.NotEmpty(t, v.By)
	}
	assert.Equal(t, map[string]int{"training manager": 4, "agency coordinator": 3, "trainer": 2}, byRole)
	assert.Contains(t, []string{views[0].What, views[1].What}, "their agency's bookings", "newest first")
}

// TestPrivacyNoticeShowsTheSchedule: every rule of the retention schedule,
// in its own words, is on the privacy notice.
func TestPrivacyNoticeShowsTheSchedule(t *testing.T) {
	t.Parallel()
	a := setup(t)
	resp, body := a.get(t, "/privacy")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotEmpty(t, privacy.Schedule())
	for _, r := range privacy.Schedule() {
		for _, words := range []string{r.Records, r.Kept, r.Then, r.Why} {
			assert.Contains(t, body, htmlEscape(words), "rule %s", r.Key)
		}
	}
	assert.NotContains(t, body, "does not take payments")
	for _, s := range []string{"Stripe", "Article 9(2)(g)", "Schedule 1", "Article 6(1)(e)", "by letter or by phone", "calendar"} {
		assert.Contains(t, body, s)
	}
}

// TestRetentionPage: a training manager sees the latest runs, with what each
// rule did, and the schedule; nobody else may.
func TestRetentionPage(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.newUser(t, "boss@example.org", "", "manager")
	a.newUser(t, "pat@example.org", "")
	manager := a.as(t, "boss@example.org")

	resp, body := manager.get("/admin/retention")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "The schedule has not run yet")

	_, err := a.pool.Exec(context.Background(), `
		INSERT INTO retention_runs (started_at, finished_at, counts, error)
		VALUES ($1, $2, '{"sign_in_attempts": 41, "booking_needs": 2}', '')`,
		now.Add(-time.Hour), now.Add(-time.Hour+2*time.Second))
	require.NoError(t, err)
	resp, body = manager.get("/admin/retention")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "Last run started Monday 23 November 2026, 8am and finished 8am")
	assert.Contains(t, body, "43 records")
	assert.Regexp(t, `Sign-in attempts[^<]*</td>\s*<td[^>]*>41</td>`, body)
	for _, r := range privacy.Schedule() {
		assert.Contains(t, body, htmlEscape(r.Why), "rule %s", r.Key)
	}
	assert.Contains(t, body, `href="/admin/retention"`, "in the managers' menu")

	resp, _ = a.as(t, "pat@example.org").get("/admin/retention")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}
