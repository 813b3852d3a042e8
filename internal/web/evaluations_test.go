package web_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/london"
)

// evaluationPlace gives user a place on a session that ended ago, marked
// with attendance, and asks it to evaluate (as the register's AskTx does),
// closing closes from now. It returns the place.
func (a testApp) evaluationPlace(t *testing.T, user int64, ago time.Duration, attendance string, closes time.Duration) int64 {
	t.Helper()
	a.addAttended(t, user, ago, 3*time.Hour, attendance)
	places := a.placesOf(t, user)
	place := places[len(places)-1]
	_, err := a.pool.Exec(context.Background(), `INSERT INTO evaluations (booking_id, asked_at, closes_at, follow_up_at)
		VALUES ($1, least($2::timestamptz, $3::timestamptz - interval '1 hour'), $3, $4) ON CONFLICT DO NOTHING`, place, a.clock.Now().Add(-time.Hour), a.clock.Now().Add(closes),
		a.clock.Now().Add(80*24*time.Hour))
	require.NoError(t, err)
	return place
}

// followUp asks place's follow-up of respondent, closing closes from now;
// a line manager's with the link token.
func (a testApp) followUp(t *testing.T, place int64, respondent string, closes time.Duration, token string) {
	t.Helper()
	var email, hash any
	if token != "" {
		h := sha256.Sum256([]byte(token))
		email, hash = "lee@example.org", h[:]
	}
	_, err := a.pool.Exec(context.Background(), `INSERT INTO impact_follow_ups (booking_id, respondent, asked_at, closes_at, email, token_hash)
		VALUES ($1, $2, least($3::timestamptz, $4::timestamptz - interval '1 hour'), $4, $5, $6)`, place, respondent, a.clock.Now().Add(-time.Hour), a.clock.Now().Add(closes), email, hash)
	require.NoError(t, err)
}

func longDateOf(t time.Time) string { return london.LongDate(t) }

// evaluationSaved counts what a place's evaluation holds.
func (a testApp) evaluationSaved(t *testing.T, place int64) string {
	t.Helper()
	return fmt.Sprintf("outcomes %d, answers %d, submitted %d",
		a.countRows(t, "SELECT count(*) FROM evaluation_outcomes WHERE booking_id = "+id(place)),
		a.countRows(t, "SELECT count(*) FROM evaluation_answers WHERE booking_id = "+id(place)),
		a.countRows(t, "SELECT count(*) FROM evaluations WHERE submitted_at IS NOT NULL AND booking_id = "+id(place)))
}

// outcomesOf is the learning outcomes of the course of place.
func (a testApp) outcomesOf(t *testing.T, place int64) []string {
	t.Helper()
	var out []string
	require.NoError(t, a.pool.QueryRow(context.Background(), `SELECT c.learning_outcomes FROM bookings b
		JOIN sessions s ON s.id = b.session_id JOIN courses c ON c.id = s.course_id WHERE b.id = $1`, place).Scan(&out))
	return out
}

// questionIDs are the standard questions asked now, by kind, in order.
func (a testApp) questionIDs(t *testing.T) map[string][]int64 {
	t.Helper()
	rows, err := a.pool.Query(context.Background(), "SELECT id, kind::text FROM evaluation_questions WHERE retired_at IS NULL ORDER BY position, id")
	require.NoError(t, err)
	out := map[string][]int64{}
	for rows.Next() {
		var qid int64
		var kind string
		require.NoError(t, rows.Scan(&qid, &kind))
		out[kind] = append(out[kind], qid)
		out["all"] = append(out["all"], qid)
	}
	require.NoError(t, rows.Err())
	return out
}

// evaluationForm is a whole evaluation's answers: every outcome 2 before
// and 4 now, every rating 5, yes, and a text answer.
func evaluationForm(outcomes int, qs map[string][]int64) url.Values {
	v := url.Values{}
	for _, q := range qs["all"] {
		v.Add("shown", id(q))
	}
	for i := 1; i <= outcomes; i++ {
		v.Set(fmt.Sprintf("outcome-%d-before", i), "2")
		v.Set(fmt.Sprintf("outcome-%d-now", i), "4")
	}
	for _, q := range qs["rating"] {
		v.Set("question-"+id(q), "5")
	}
	for _, q := range qs["yes_no"] {
		v.Set("question-"+id(q), "yes")
	}
	v.Set("question-"+id(qs["text"][0]), "The case study")
	return v
}

// A practitioner who attended evaluates the session from the task on My
// training: the form asks each learning outcome and the standard
// questions; a form sent with gaps comes back with its errors and what was
// typed; sent whole, it is saved once, with a way to the certificate.
func TestEvaluateASessionAttended(t *testing.T) {
	t.Parallel()
	a := setup(t)
	sam := a.newUser(t, "sam@example.org", "")
	place := a.evaluationPlace(t, sam, 2*24*time.Hour, "attended", 28*24*time.Hour)
	outcomes := a.outcomesOf(t, place)
	qs := a.questionIDs(t)
	path := "/my-training/evaluations/" + id(place)
	c := a.as(t, "sam@example.org")

	_, page := c.get("/my-training")
	assert.Contains(t, page, `id="to-do"`)
	assert.Contains(t, page, `href="`+path+`"`)
	assert.Contains(t, page, "Answer by "+longDateOf(a.clock.Now().Add(28*24*time.Hour)))

	resp, page := c.get(path)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Evaluate the session")
	assert.Contains(t, page, "about 5 minutes")
	assert.Contains(t, page, "Trainers and the training team see your answers without your name")
	for _, o := range outcomes {
		assert.Contains(t, page, htmlEscape(o))
	}
	for _, w := range []string{"Before the session, how confident were you?", "How confident are you now?", "Not at all confident",
		"Very confident", "Overall, how would you rate the session?", "Very poor", "Very good",
		"What was most useful? (optional)", "Would you recommend this session to a colleague?"} {
		assert.Contains(t, page, w)
	}
	assert.Equal(t, len(qs["all"]), strings.Count(page, `name="shown"`))

	// Sent with gaps: every gap named, and what was typed kept.
	partial := url.Values{"shown": evaluationForm(0, qs)["shown"]}
	partial.Set("outcome-1-before", "3")
	partial.Set("question-"+id(qs["text"][1]), "Ask about the lived experience")
	resp, page = c.post(path, partial)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	summary := errorSummary(page)
	assert.Contains(t, summary, "Select how confident you are now about: "+outcomes[0])
	assert.NotContains(t, summary, "before the session about: "+outcomes[0])
	assert.Contains(t, summary, "Select how confident you were before the session about: "+outcomes[1])
	assert.Contains(t, summary, "Select an answer to: Overall, how would you rate the session?")
	assert.Contains(t, summary, "Select yes or no: Would you recommend this session to a colleague?")
	assert.Contains(t, page, `href="#outcome-1-now"`)
	assert.Contains(t, page, `id="outcome-1-now"`)
	assert.Regexp(t, `id="outcome-1-before-3" name="outcome-1-before" type="radio" value="3" checked`, page)
	assert.Contains(t, page, ">Ask about the lived experience</textarea>")
	assert.Equal(t, "outcomes 0, answers 0, submitted 0", a.evaluationSaved(t, place))

	// A NUL byte: a page that says the form cannot be read, and nothing saved.
	nul := evaluationForm(len(outcomes), qs)
	nul.Set("question-"+id(qs["text"][1]), "Ask about\x00 the lived experience")
	resp, page = c.post(path, nul)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, page, "characters the service cannot accept")
	assert.Equal(t, "outcomes 0, answers 0, submitted 0", a.evaluationSaved(t, place))

	// Whole: saved, and the confirmation leads to the certificate.
	whole := evaluationForm(len(outcomes), qs)
	whole.Set("question-"+id(qs["text"][1]), "Ask about\u202e the lived\x07 experience")
	resp, _ = c.post(path, whole)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, path+"?done=sent", resp.Header.Get("Location"))
	resp, page = c.get(path + "?done=sent")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Evaluation sent")
	assert.Contains(t, page, `href="/my-training/certificates"`)
	want := fmt.Sprintf("outcomes %d, answers %d, submitted 1", len(outcomes), len(qs["rating"])+len(qs["yes_no"])+2)
	assert.Equal(t, want, a.evaluationSaved(t, place))
	var written string
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT answer FROM evaluation_answers WHERE question_id = $1",
		qs["text"][1]).Scan(&written))
	assert.Equal(t, "Ask about the lived experience", written, "hidden formatting and control characters are cleaned away")

	// Again (a second tab): nothing more saved, and the page says when.
	resp, _ = c.post(path, evaluationForm(len(outcomes), qs))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, path, resp.Header.Get("Location"))
	_, page = c.get(path)
	assert.Contains(t, page, "You have evaluated this session")
	assert.Equal(t, want, a.evaluationSaved(t, place))
	_, page = c.get("/my-training")
	assert.NotContains(t, page, `href="`+path+`"`, "no longer a task")
}

// Someone else's place is not found, as a made-up one; a place the register
// does not show attended, or never asked, or closed, gets a page saying
// so; none saves anything.
func TestEvaluationsThatCannotBeAnswered(t *testing.T) {
	t.Parallel()
	a := setup(t)
	sam := a.newUser(t, "sam@example.org", "")
	kim := a.newUser(t, "kim@example.org", "")
	theirs := a.evaluationPlace(t, kim, 2*24*time.Hour, "attended", 28*24*time.Hour)
	absent := a.evaluationPlace(t, sam, 3*24*time.Hour, "absent", 28*24*time.Hour)
	a.addAttended(t, sam, 4*24*time.Hour, 3*time.Hour, "attended")
	places := a.placesOf(t, sam)
	notAsked := places[len(places)-1]
	closed := a.evaluationPlace(t, sam, 40*24*time.Hour, "late", -2*24*time.Hour)
	c := a.as(t, "sam@example.org")
	qs := a.questionIDs(t)

	for _, tc := range []struct {
		name   string
		place  int64
		status int
		says   string
	}{
		{"someone else's", theirs, http.StatusNotFound, "Page not found"},
		{"made up", 99999999, http.StatusNotFound, "Page not found"},
		{"absent", absent, http.StatusConflict, "There is no evaluation for this place: the register does not show that you attended."},
		{"not asked", notAsked, http.StatusConflict, "the register does not show that you attended"},
		{"closed", closed, http.StatusConflict, "This evaluation closed on " + longDateOf(a.clock.Now().Add(-2*24*time.Hour)) + "."},
	} {
		path := "/my-training/evaluations/" + id(tc.place)
		resp, page := c.get(path)
		assert.Equal(t, tc.status, resp.StatusCode, tc.name)
		assert.Contains(t, page, tc.says, tc.name)
		resp, page = c.post(path, evaluationForm(8, qs))
		assert.Equal(t, tc.status, resp.StatusCode, tc.name)
		assert.Contains(t, page, tc.says, tc.name)
		assert.Equal(t, "outcomes 0, answers 0, submitted 0", a.evaluationSaved(t, tc.place), tc.name)
	}
	// A question id that is no question: refused, nothing saved.
	open := a.evaluationPlace(t, sam, 5*24*time.Hour, "attended", 28*24*time.Hour)
	bad := evaluationForm(len(a.outcomesOf(t, open)), qs)
	bad.Add("shown", "99999999")
	resp, page := c.post("/my-training/evaluations/"+id(open), bad)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, page, "The form asked a question the service does not know")
	bad.Set("shown", "not-a-number")
	resp, _ = c.post("/my-training/evaluations/"+id(open), bad)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, "outcomes 0, answers 0, submitted 0", a.evaluationSaved(t, open))
}

// The follow-up about three months on: the person's own from My training,
// and their line manager's through the emailed link, which needs no
// account, shows only the person's name and the course, and works once.
func TestImpactFollowUps(t *testing.T) {
	t.Parallel()
	a := setup(t)
	sam := a.newUser(t, "sam@example.org", "")
	kim := a.newUser(t, "kim@example.org", "")
	place := a.evaluationPlace(t, sam, 92*24*time.Hour, "attended", -60*24*time.Hour)
	a.followUp(t, place, "attendee", 20*24*time.Hour, "")
	const token = "k3Jv9QeXw0Zt8uY2pLmN4bH6cD1fG5aS7rT0yU9iO2E"
	a.followUp(t, place, "line_manager", 20*24*time.Hour, token)
	old := a.evaluationPlace(t, sam, 200*24*time.Hour, "attended", -150*24*time.Hour)
	const oldToken = "old-Jv9QeXw0Zt8uY2pLmN4bH6cD1fG5aS7rT0yU9iO2E"
	a.followUp(t, old, "line_manager", -24*time.Hour, oldToken)
	outcomes := a.outcomesOf(t, place)
	answers := func() url.Values {
		v := url.Values{"example": {"Asked to see the child alone, and recorded why"}, "barriers": {"Caseload"}}
		for i := range outcomes {
			v.Set(fmt.Sprintf("outcome-%d", i+1), "4")
		}
		return v
	}
	saved := func(respondent string) string {
		return fmt.Sprintf("submitted %d, outcomes %d",
			a.countRows(t, "SELECT count(*) FROM impact_follow_ups WHERE submitted_at IS NOT NULL AND respondent = '"+respondent+"'"),
			a.countRows(t, "SELECT count(*) FROM impact_outcomes WHERE respondent = '"+respondent+"'"))
	}

	// The person's own.
	c := a.as(t, "sam@example.org")
	path := "/my-training/follow-ups/" + id(place)
	_, page := c.get("/my-training")
	assert.Contains(t, page, `href="`+path+`"`)
	assert.Contains(t, page, "Tell us how you have used")
	resp, page := c.get(path)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "How have you used the training?")
	resp, _ = a.as(t, "kim@example.org").get(path)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "someone else's")
	resp, page = c.post(path, url.Values{"barriers": {"Time"}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Enter an example of how you have used the learning in your practice")
	assert.Contains(t, errorSummary(page), "Select how confident you are now about: "+outcomes[0])
	assert.Contains(t, page, ">Time</textarea>")
	resp, _ = c.post(path, answers())
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = c.get(resp.Header.Get("Location"))
	assert.Contains(t, page, "Answers sent")
	resp, _ = c.post(path, answers())
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = c.get(path)
	assert.Contains(t, page, "This follow-up has been answered")
	assert.Equal(t, fmt.Sprintf("submitted 1, outcomes %d", len(outcomes)), saved("attendee"))
	_ = kim

	// The line manager's, with no account.
	lm := a.client(t)
	lmPath := "/follow-ups/" + token
	resp, page = lm.get(lmPath)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"))
	assert.Contains(t, page, "How has Sam Tester used the training?")
	assert.Contains(t, page, "gave your name as their line manager")
	assert.NotContains(t, page, "sam@example.org", "nothing else about them")
	assert.NotContains(t, page, "lee@example.org")
	for _, o := range outcomes {
		assert.Contains(t, page, htmlEscape(o))
	}
	assert.Equal(t, "submitted 0, outcomes 0", saved("line_manager"), "opening the link changes nothing")
	resp, page = lm.post(lmPath, url.Values{})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, errorSummary(page), "Enter an example of how they have used the learning")
	resp, _ = lm.post(lmPath, answers())
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, lmPath+"?done=sent", resp.Header.Get("Location"))
	_, page = lm.get(lmPath + "?done=sent")
	assert.Contains(t, page, "Answers sent")
	assert.Contains(t, page, "Nothing else is needed from you")
	// Used twice: nothing more saved.
	resp, _ = lm.post(lmPath, answers())
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = lm.get(lmPath)
	assert.Contains(t, page, "This follow-up has been answered")
	assert.Equal(t, fmt.Sprintf("submitted 1, outcomes %d", len(outcomes)), saved("line_manager"))
	var actor *int64
	var details string
	require.NoError(t, a.pool.QueryRow(context.Background(), `SELECT actor_id, details::text FROM audit_events
		WHERE action = 'impact_follow_up_submitted' AND details->>'respondent' = 'line manager'`).Scan(&actor, &details))
	assert.Nil(t, actor)
	assert.NotContains(t, details, "Caseload")

	// Made up, and expired.
	for _, madeUp := range []string{"made-up-token", strings.Repeat("x", 300)} {
		resp, page = lm.get("/follow-ups/" + madeUp)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		assert.Contains(t, page, "This link does not work")
		resp, _ = lm.post("/follow-ups/"+madeUp, answers())
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	}
	resp, page = lm.get("/follow-ups/" + oldToken)
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "This link expired on "+longDateOf(a.clock.Now().Add(-24*time.Hour)))
	resp, _ = lm.post("/follow-ups/"+oldToken, answers())
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Equal(t, fmt.Sprintf("submitted 1, outcomes %d", len(outcomes)), saved("line_manager"))

	assert.NotContains(t, a.logs.String(), token, "the link is a secret: it never reaches the logs")
	assert.Contains(t, a.logs.String(), "/follow-ups/(secret)")
}

// A certificate the evaluation holds back: the list links to the
// evaluation instead of the download, and the certificate service's
// refusal (its evaluation gate) leads there too.
func TestTheCertificateWaitsForTheEvaluation(t *testing.T) {
	t.Parallel()
	gate := func(d *testDeps) {
		d.Certificates.Ready = func(ctx context.Context, tx pgx.Tx, bookingID int64) error {
			var open bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM evaluations WHERE booking_id = $1
				AND submitted_at IS NULL AND closes_at > now())`, bookingID).Scan(&open); err != nil || !open {
				return err
			}
			return errs.Says(errs.Conflict, "Evaluate the session to get your certificate: it takes about 5 minutes.")
		}
	}
	a := setup(t, gate)
	sam := a.newUser(t, "sam@example.org", "")
	waiting := a.evaluationPlace(t, sam, 2*24*time.Hour, "attended", 365*24*time.Hour)
	a.addAttended(t, sam, 40*24*time.Hour, 3*time.Hour, "attended")
	places := a.placesOf(t, sam)
	free := places[len(places)-1]
	c := a.as(t, "sam@example.org")

	_, page := c.get("/my-training/certificates")
	assert.Contains(t, page, `href="/my-training/evaluations/`+id(waiting)+`"`)
	assert.NotContains(t, page, `href="/my-training/certificates/`+id(waiting)+`"`)
	assert.Contains(t, page, `href="/my-training/certificates/`+id(free)+`"`)

	resp, page := c.get("/my-training/certificates/" + id(waiting))
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "Evaluate the session to get your certificate")
	assert.Contains(t, page, `href="/my-training/evaluations/`+id(waiting)+`"`)

	// Evaluated: the download.
	resp, _ = c.post("/my-training/evaluations/"+id(waiting), evaluationForm(len(a.outcomesOf(t, waiting)), a.questionIDs(t)))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = c.get("/my-training/certificates")
	assert.Contains(t, page, `href="/my-training/certificates/`+id(waiting)+`"`)
	resp, _ = c.get("/my-training/certificates/" + id(waiting))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}
