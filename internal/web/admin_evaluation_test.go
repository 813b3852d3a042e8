package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// evaluationWorld is adminSetup's people, and a session that ended a
// month ago delivered by the trainer, where three people of coordAgency
// attended and two answered their evaluation; and another trainer's
// session.
type evaluationWorld struct {
	adminWorld
	course, session, othersSession int64
	attendees                      []string // their names and email addresses
}

func evaluationSetup(t *testing.T) evaluationWorld {
	t.Helper()
	w := evaluationWorld{adminWorld: adminSetup(t)}
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		_, err := w.pool.Exec(ctx, sql, args...)
		require.NoError(t, err, sql)
	}
	other := w.newUser(t, "othertrainer@example.org", otherAgency, "trainer")
	require.NoError(t, w.pool.QueryRow(ctx, "SELECT id FROM courses ORDER BY id LIMIT 1").Scan(&w.course))
	exec(`INSERT INTO trainer_courses (trainer_id, course_id) VALUES ($1, $3), ($2, $3) ON CONFLICT DO NOTHING`, w.trainer, other, w.course)
	ended := func(ago time.Duration, trainer int64) int64 {
		var id int64
		starts := w.clock.Now().Add(-ago)
		require.NoError(t, w.pool.QueryRow(ctx, `
			INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
			SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), $2::timestamptz,
			       $2::timestamptz + interval '3 hours', $2::timestamptz, 10, 'completed'
			FROM courses c WHERE c.id = $1 RETURNING id`, w.course, starts).Scan(&id))
		exec(`INSERT INTO session_trainers (session_id, trainer_id) VALUES ($1, $2)`, id, trainer)
		return id
	}
	w.session = ended(30*24*time.Hour, w.trainer)
	w.othersSession = ended(20*24*time.Hour, other)

	var outcome string
	require.NoError(t, w.pool.QueryRow(ctx, "SELECT learning_outcomes[1] FROM courses WHERE id = $1", w.course).Scan(&outcome))
	var improve, overall int64
	require.NoError(t, w.pool.QueryRow(ctx, "SELECT id FROM evaluation_questions WHERE wording = 'What could we improve?'").Scan(&improve))
	require.NoError(t, w.pool.QueryRow(ctx, "SELECT id FROM evaluation_questions WHERE wording LIKE 'Overall%'").Scan(&overall))
	for i, who := range []struct {
		addr     string
		answered bool
		comment  string
	}{
		{"zelda.quartz@example.org", true, "More role play please"},
		{"yusuf.obsidian@example.org", true, "=cmd|' /C calc'!A0"},
		{"xena.feldspar@example.org", false, ""},
	} {
		person := w.newUser(t, who.addr, coordAgency)
		var name string
		require.NoError(t, w.pool.QueryRow(ctx, "SELECT full_name FROM users WHERE id = $1", person).Scan(&name))
		w.attendees = append(w.attendees, who.addr, name)
		var booking int64
		require.NoError(t, w.pool.QueryRow(ctx, `
			INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at, attendance)
			SELECT $1, u.id, u.agency_id, 'confirmed', u.id, now(), now(), 'attended' FROM users u WHERE u.id = $2
			RETURNING id`, w.session, person).Scan(&booking))
		var submitted *time.Time
		if who.answered {
			s := w.clock.Now().Add(-25 * 24 * time.Hour)
			submitted = &s
		}
		exec(`INSERT INTO evaluations (booking_id, asked_at, closes_at, submitted_at, follow_up_at)
		      VALUES ($1, $2::timestamptz, $2::timestamptz + interval '30 days', $3, $2::timestamptz + interval '90 days')`,
			booking, w.clock.Now().Add(-29*24*time.Hour), submitted)
		if who.answered {
			exec(`INSERT INTO evaluation_outcomes (booking_id, position, outcome, before, after) VALUES ($1, 1, $2, $3, 5)`, booking, outcome, 2+i)
			exec(`INSERT INTO evaluation_answers (booking_id, question_id, answer) VALUES ($1, $2, $3)`, booking, improve, who.comment)
			exec(`INSERT INTO evaluation_answers (booking_id, question_id, rating) VALUES ($1, $2, $3)`, booking, overall, 4+i)
		}
	}
	return w
}

func TestEvaluationSettingsAreSavedAndShownAgainWithTheirErrors(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	m := w.as(t, "manager@example.org")
	resp, page := m.get("/admin/evaluation")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Overall, how would you rate the session?")
	assert.Contains(t, page, "How confident were you about this before the session?", "the fixed outcome questions are shown")
	assert.Contains(t, page, `value="3, 7"`)
	assert.Regexp(t, `name="certificate-needs-evaluation"[^>]*checked`, page, "the certificate gate is on by default")
	assert.Contains(t, page, `href="/admin/evaluation"`, "the admin navigation links to evaluation")

	form := url.Values{"reminder-days": {"2, 9"}, "close-days": {"5"}, "follow-up-weeks": {"10"}, "follow-up-close-days": {"21"}}
	resp, page = m.post("/admin/evaluation", form)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "from 7 to 90")
	assert.Contains(t, page, `value="5"`, "what was typed is kept")
	assert.Contains(t, page, `value="2, 9"`)

	form.Set("close-days", "28")
	resp, _ = m.post("/admin/evaluation", form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/admin/evaluation?done=evaluation-settings", resp.Header.Get("Location"))
	var closeDays, weeks int
	var gate bool
	require.NoError(t, w.pool.QueryRow(context.Background(),
		"SELECT close_days, follow_up_weeks, certificate_needs_evaluation FROM evaluation_settings").Scan(&closeDays, &weeks, &gate))
	assert.Equal(t, 28, closeDays)
	assert.Equal(t, 10, weeks)
	assert.False(t, gate, "an unticked box turns the certificate gate off")
	_, page = m.get("/admin/evaluation?done=evaluation-settings")
	assert.Contains(t, page, "Evaluation settings saved")
	assert.Contains(t, page, `value="2, 9"`)
	assert.NotRegexp(t, `name="certificate-needs-evaluation"[^>]*checked`, page)

	p := w.as(t, "practitioner@example.org")
	resp, _ = p.get("/admin/evaluation")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = p.post("/admin/evaluation", form)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func TestManagerAddsChangesMovesAndRemovesQuestions(t *testing.T) {
	t.Parallel()
	w := adminSetup(t)
	ctx := context.Background()
	m := w.as(t, "manager@example.org")

	resp, page := m.get("/admin/evaluation/questions/new")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "What kind of answer does it take?")
	resp, page = m.post("/admin/evaluation/questions/new", url.Values{"kind": {"text"}, "wording": {"   "}, "hint": {"Kept hint"}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Enter the question")
	assert.Contains(t, page, "Kept hint")
	resp, _ = m.post("/admin/evaluation/questions/new", url.Values{"kind": {"yes_no"}, "wording": {"Did the session start on time?"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = m.get(resp.Header.Get("Location"))
	assert.Contains(t, page, "Did the session start on time?")
	assert.Contains(t, page, "Question added")

	var id int64
	require.NoError(t, w.pool.QueryRow(ctx, "SELECT id FROM evaluation_questions WHERE wording = 'What could we improve?'").Scan(&id))
	resp, page = m.get("/admin/evaluation/questions/" + itoa(int(id)))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Answers already given keep the wording they were given")
	resp, page = m.post("/admin/evaluation/questions/"+itoa(int(id)), url.Values{"wording": {strings.Repeat("x", 301)}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "300 characters or fewer")
	resp, _ = m.post("/admin/evaluation/questions/"+itoa(int(id)), url.Values{"wording": {"What should we do better?"}, "kind": {"rating"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	var version int
	var kind string
	require.NoError(t, w.pool.QueryRow(ctx, `
		SELECT n.version, n.kind FROM evaluation_questions o JOIN evaluation_questions n ON n.lineage = o.lineage AND n.retired_at IS NULL
		WHERE o.id = $1`, id).Scan(&version, &kind))
	assert.Equal(t, 2, version)
	assert.Equal(t, "text", kind, "the form cannot change a question's kind")
	// The old version's page is gone: someone changed it.
	resp, page = m.get("/admin/evaluation/questions/" + itoa(int(id)))
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "Someone else changed or removed this question")

	order := func() []string {
		rows, err := w.pool.Query(ctx, "SELECT wording FROM evaluation_questions WHERE retired_at IS NULL ORDER BY position, id")
		require.NoError(t, err)
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			require.NoError(t, rows.Scan(&s))
			out = append(out, s)
		}
		return out
	}
	before := order()
	var second int64
	require.NoError(t, w.pool.QueryRow(ctx, "SELECT id FROM evaluation_questions WHERE wording = $1 AND retired_at IS NULL", before[1]).Scan(&second))
	m.get("/admin/evaluation")
	resp, _ = m.post("/admin/evaluation/questions/"+itoa(int(second))+"/up", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	after := order()
	assert.Equal(t, before[1], after[0])
	assert.Equal(t, before[0], after[1])
	resp, _ = m.post("/admin/evaluation/questions/"+itoa(int(second))+"/down", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, before, order())

	resp, _ = m.post("/admin/evaluation/questions/"+itoa(int(second))+"/remove", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.NotContains(t, order(), before[1])
	resp, _ = m.post("/admin/evaluation/questions/"+itoa(int(second))+"/remove", url.Values{})
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	resp, _ = m.get("/admin/evaluation/questions/987654")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestSessionResultsForManagersAndItsTrainerNameNobody(t *testing.T) {
	t.Parallel()
	w := evaluationSetup(t)
	s := itoa(int(w.session))

	m := w.as(t, "manager@example.org")
	_, page := m.get("/admin/sessions/" + s)
	assert.Contains(t, page, `href="/admin/sessions/`+s+`/evaluation"`)
	resp, page := m.get("/admin/sessions/" + s + "/evaluation")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "More role play please")
	assert.Contains(t, page, "2 (67% of those asked)")
	assert.Contains(t, page, "rose from 2.5 to 5.0 out of 5")
	assert.Contains(t, page, "&#43;2.5", "the shift, signed")
	assert.Contains(t, page, coordAgency, "a manager sees the agency a comment came from")
	for _, name := range w.attendees {
		assert.NotContains(t, page, name)
		assert.NotContains(t, page, htmlEscape(name))
	}

	resp, body := m.get("/admin/sessions/" + s + "/evaluation.csv")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Contains(t, resp.Header.Get("Content-Disposition"), "attachment")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	require.NoError(t, err)
	assert.Len(t, rows, 3, "a header and the two answered evaluations")
	assert.Contains(t, body, `'=cmd|`, "a formula is guarded")
	for _, name := range w.attendees {
		assert.NotContains(t, body, name)
	}
	resp, _ = m.get("/admin/sessions/987654/evaluation")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = m.get("/admin/sessions/987654/evaluation.csv")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.NotContains(t, resp.Header.Get("Content-Disposition"), "attachment")

	tr := w.as(t, "trainer@example.org")
	_, page = tr.get("/trainer/sessions/" + s)
	assert.Contains(t, page, `href="/trainer/sessions/`+s+`/evaluation"`)
	resp, page = tr.get("/trainer/sessions/" + s + "/evaluation")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "More role play please")
	assert.Contains(t, page, "&#43;2.5")
	assert.NotContains(t, page, coordAgency, "a trainer does not see where a comment came from")
	for _, name := range w.attendees {
		assert.NotContains(t, page, name, "a trainer sees a name")
		assert.NotContains(t, page, htmlEscape(name))
	}
	resp, _ = tr.get("/trainer/sessions/" + itoa(int(w.othersSession)) + "/evaluation")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "another trainer's session")
	resp, _ = tr.get("/admin/sessions/" + s + "/evaluation")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = tr.get("/admin/sessions/" + s + "/evaluation.csv")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)

	p := w.as(t, "practitioner@example.org")
	resp, _ = p.get("/trainer/sessions/" + s + "/evaluation")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = p.get("/admin/sessions/" + s + "/evaluation")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func TestCourseResultsOverAPeriod(t *testing.T) {
	t.Parallel()
	w := evaluationSetup(t)
	c := itoa(int(w.course))
	m := w.as(t, "manager@example.org")
	_, page := m.get("/admin/courses/" + c)
	assert.Contains(t, page, `href="/admin/courses/`+c+`/evaluation"`)

	resp, page := m.get("/admin/courses/" + c + "/evaluation")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "2 sessions ended from", "the last twelve months by default")
	assert.Contains(t, page, "More role play please")
	for _, name := range w.attendees {
		assert.NotContains(t, page, name)
	}

	// A period before the sessions: none.
	year := w.clock.Now().Year() - 3
	resp, page = m.get("/admin/courses/" + c + "/evaluation?from-day=1&from-month=1&from-year=" + itoa(year) +
		"&to-day=31&to-month=12&to-year=" + itoa(year))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "0 sessions ended from 1 January "+itoa(year)+" to 31 December "+itoa(year))
	assert.NotContains(t, page, "More role play please")

	// A period that ends before it starts.
	resp, page = m.get("/admin/courses/" + c + "/evaluation?from-day=2&from-month=1&from-year=2026&to-day=1&to-month=1&to-year=2026")
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Date to must be the same as or after date from")
	resp, _ = m.get("/admin/courses/" + c + "/evaluation.csv?from-day=2&from-month=1&from-year=2026&to-day=1&to-month=1&to-year=2026")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)

	resp, body := m.get("/admin/courses/" + c + "/evaluation.csv")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	require.NoError(t, err)
	assert.Len(t, rows, 3)
	resp, _ = m.get("/admin/courses/987654/evaluation")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
