package evaluation_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/evaluation"
	"github.com/pscp/booktraining/internal/pgtest"
)

// resultsData is a small hand-made set of evaluations: a course with two
// learning outcomes; session one (trainer one) with four places attended,
// one absent, three answered; session two (trainer two) with one answered;
// and an old session two years ago, outside the default period.
type resultsData struct {
	managerFixture
	course, one, two, old  int64
	trainerOne, trainerTwo context.Context
	practitioner           context.Context
	names                  []string // every name and email in the data
	overall, improve       evaluation.Question
	improveV2              evaluation.Question
}

func newResultsData(t *testing.T) resultsData {
	t.Helper()
	d := resultsData{managerFixture: newManagerFixture(t)}
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		_, err := d.pool.Exec(ctx, sql, args...)
		require.NoError(t, err, sql)
	}
	id := func(sql string, args ...any) int64 {
		t.Helper()
		var n int64
		require.NoError(t, d.pool.QueryRow(ctx, sql, args...).Scan(&n), sql)
		return n
	}
	health := id(`INSERT INTO agencies (name, sector, charging_band) VALUES ('Harbour Health Trust', 'health', 'partner') RETURNING id`)
	police := id(`INSERT INTO agencies (name, sector, charging_band) VALUES ('City Police', 'police', 'partner') RETURNING id`)
	d.course = id(`INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences, level,
	                                    duration, delivery_modes, default_capacity)
	               VALUES ('spotting-neglect', 'Spotting neglect', 'S', 'D', ARRAY['Spot the signs', 'Know who to tell'], 'A',
	                       ARRAY['everyone'], 1, 'half_day', ARRAY['online'], 20) RETURNING id`)
	venue := id(`INSERT INTO venues (name, online) VALUES ('Online', true) RETURNING id`)
	session := func(ago time.Duration) int64 {
		starts := managerNow.Add(-ago)
		return id(`INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		           VALUES ($1, 'Spotting neglect', $2, $3::timestamptz, $3::timestamptz + interval '3 hours', $3::timestamptz, 20, 'completed')
		           RETURNING id`, d.course, venue, starts)
	}
	d.one, d.two, d.old = session(40*24*time.Hour), session(20*24*time.Hour), session(2*365*24*time.Hour)
	person := func(name string, agency int64) int64 {
		addr := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org"
		d.names = append(d.names, name, addr)
		return id(`INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
		           VALUES ($1, $2, $3, '!', now()) RETURNING id`, addr, name, agency)
	}
	t1, t2 := person("Tamsin Trainerone", police), person("Toby Trainertwo", health)
	exec(`INSERT INTO user_roles (user_id, role) VALUES ($1, 'trainer'), ($2, 'trainer')`, t1, t2)
	exec(`INSERT INTO trainer_courses (trainer_id, course_id) VALUES ($1, $3), ($2, $3)`, t1, t2, d.course)
	exec(`INSERT INTO session_trainers (session_id, trainer_id) VALUES ($1, $2)`, d.one, t1)
	exec(`INSERT INTO session_trainers (session_id, trainer_id) VALUES ($1, $2)`, d.two, t2)
	d.trainerOne = actor.With(ctx, actor.Actor{ID: t1, Trainer: true})
	d.trainerTwo = actor.With(ctx, actor.Actor{ID: t2, Trainer: true})
	d.practitioner = actor.With(ctx, actor.Actor{ID: person("Pat Practitioner", health)})

	place := func(session int64, name string, agency int64, attendance string) int64 {
		u := person(name, agency)
		return id(`INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at, attendance)
		           VALUES ($1, $2, $3, 'confirmed', $2, $4, $4, $5) RETURNING id`, session, u, agency, managerNow.Add(-400*24*time.Hour), attendance)
	}
	evaluate := func(booking int64, submitted bool) {
		var at *time.Time
		if submitted {
			s := managerNow.Add(-10 * 24 * time.Hour)
			at = &s
		}
		exec(`INSERT INTO evaluations (booking_id, asked_at, closes_at, submitted_at, follow_up_at)
		      VALUES ($1, $2::timestamptz, $2::timestamptz + interval '30 days', $3, $2::timestamptz + interval '90 days')`,
			booking, managerNow.Add(-39*24*time.Hour), at)
	}
	outcomes := func(booking int64, signsBefore, signsAfter, tellBefore, tellAfter int) {
		exec(`INSERT INTO evaluation_outcomes (booking_id, position, outcome, before, after) VALUES
		      ($1, 1, 'Spot the signs', $2, $3), ($1, 2, 'Know who to tell', $4, $5)`, booking, signsBefore, signsAfter, tellBefore, tellAfter)
	}
	d.overall = d.questionByWording(t, "Overall, how would you rate the session?")
	d.improve = d.questionByWording(t, "What could we improve?")
	recommend := d.questionByWording(t, "Would you recommend this session to a colleague?")
	rate := func(booking int64, q evaluation.Question, n int) {
		exec(`INSERT INTO evaluation_answers (booking_id, question_id, rating) VALUES ($1, $2, $3)`, booking, q.ID, n)
	}
	yes := func(booking int64, q evaluation.Question, y bool) {
		exec(`INSERT INTO evaluation_answers (booking_id, question_id, yes) VALUES ($1, $2, $3)`, booking, q.ID, y)
	}
	write := func(booking int64, q evaluation.Question, text string) {
		exec(`INSERT INTO evaluation_answers (booking_id, question_id, answer) VALUES ($1, $2, $3)`, booking, q.ID, text)
	}

	// Session one.
	a := place(d.one, "Alice Zebrafish", health, "attended")
	b := place(d.one, "Bilal Quokka", police, "late")
	c := place(d.one, "Carys Narwhal", health, "attended")
	dd := place(d.one, "Dmitri Axolotl", police, "attended")
	place(d.one, "Eve Absent", health, "absent")
	for _, p := range []int64{a, b, c} {
		evaluate(p, true)
	}
	evaluate(dd, false)
	outcomes(a, 2, 4, 1, 3)
	outcomes(b, 3, 5, 2, 4)
	outcomes(c, 1, 4, 3, 3)
	rate(a, d.overall, 5)
	rate(b, d.overall, 4)
	rate(c, d.overall, 4)
	yes(a, recommend, true)
	yes(b, recommend, true)
	yes(c, recommend, false)
	write(a, d.improve, "More breaks")
	write(b, d.improve, `=HYPERLINK("http://evil.example","click")`)
	var err error
	d.improveV2, err = d.svc.ChangeQuestion(d.manager, d.improve.ID, evaluation.QuestionForm{Wording: "What one thing should we change?"})
	require.NoError(t, err)
	write(c, d.improveV2, "Longer lunch")
	// The follow-up: Alice answered, and so did her line manager; Bilal
	// was asked and has not answered.
	exec(`INSERT INTO impact_follow_ups (booking_id, respondent, asked_at, closes_at, submitted_at, example, barriers) VALUES
	      ($1, 'attendee', $2::timestamptz, $2::timestamptz + interval '30 days', $2::timestamptz, 'Used the checklist with a family', 'No time to plan'),
	      ($1, 'line_manager', $2::timestamptz, $2::timestamptz + interval '30 days', $2::timestamptz, 'Saw them apply it in supervision', NULL),
	      ($3, 'attendee', $2::timestamptz, $2::timestamptz + interval '30 days', NULL, NULL, NULL)`,
		a, managerNow.Add(-2*24*time.Hour), b)
	exec(`INSERT INTO impact_outcomes (booking_id, respondent, position, outcome, confidence) VALUES
	      ($1, 'attendee', 1, 'Spot the signs', 4), ($1, 'attendee', 2, 'Know who to tell', 2),
	      ($1, 'line_manager', 1, 'Spot the signs', 5)`, a)

	// Session two, and the old one.
	f := place(d.two, "Farah Pangolin", police, "attended")
	evaluate(f, true)
	outcomes(f, 5, 5, 4, 5)
	rate(f, d.overall, 1)
	g := place(d.old, "Gwen Oldtimer", health, "attended")
	evaluate(g, true)
	outcomes(g, 1, 1, 1, 1)
	rate(g, d.overall, 3)
	return d
}

func near(t *testing.T, want, got float64, what string) {
	t.Helper()
	assert.InDelta(t, want, got, 0.001, what)
}

func questionResult(t *testing.T, r evaluation.Results, lineage int64) evaluation.QuestionResult {
	t.Helper()
	for _, q := range r.Questions {
		if q.Lineage == lineage {
			return q
		}
	}
	t.Fatalf("no results for question %d", lineage)
	return evaluation.QuestionResult{}
}

func TestSessionResultsFromAHandMadeDataSet(t *testing.T) {
	t.Parallel()
	d := newResultsData(t)
	r, err := d.svc.SessionResults(d.manager, d.one)
	require.NoError(t, err)

	assert.Equal(t, "Spotting neglect", r.CourseTitle)
	assert.Equal(t, d.course, r.CourseID)
	assert.Equal(t, 4, r.Attended, "attended or late; the absent place does not count")
	assert.Equal(t, 4, r.Asked)
	assert.Equal(t, 3, r.Answered)
	assert.Equal(t, 75, r.ResponseRate())

	require.Len(t, r.Outcomes, 2)
	signs, tell := r.Outcomes[0], r.Outcomes[1]
	assert.Equal(t, "Spot the signs", signs.Outcome)
	assert.Equal(t, 3, signs.Answered)
	near(t, 2.0, signs.Before, "signs before")
	near(t, 13.0/3, signs.After, "signs after")
	near(t, 13.0/3-2, signs.Shift(), "signs shift")
	assert.Equal(t, "+2.3", evaluation.SignedDecimal(signs.Shift()))
	assert.Equal(t, 1, signs.LaterAnswered)
	near(t, 4, signs.Later, "signs three months on")
	assert.Equal(t, 1, signs.LineManagersAnswered)
	near(t, 5, signs.LineManagers, "signs, line manager")
	assert.Equal(t, "Know who to tell", tell.Outcome)
	near(t, 2.0, tell.Before, "tell before")
	near(t, 10.0/3, tell.After, "tell after")
	near(t, 2, tell.Later, "tell three months on")
	assert.Equal(t, 0, tell.LineManagersAnswered)
	assert.Equal(t, "Across the 2 learning outcomes, average confidence rose from 2.0 to 3.8 out of 5, "+
		"from the 3 people who answered. About three months on it was 3.0.", r.ConfidenceSummary())

	overall := questionResult(t, r, d.overall.Lineage)
	assert.Equal(t, evaluation.KindRating, overall.Kind)
	assert.Equal(t, 3, overall.Answered)
	near(t, 13.0/3, overall.Average, "overall rating")
	counts := make([]int, 5)
	for i, p := range overall.Scale {
		counts[i] = p.Count
		assert.Equal(t, i+1, p.Score)
	}
	assert.Equal(t, []int{0, 0, 0, 2, 1}, counts)
	assert.Equal(t, 67, overall.Scale[3].Percent)

	improve := questionResult(t, r, d.improve.Lineage)
	assert.Equal(t, "What one thing should we change?", improve.Wording, "shown with its current wording")
	assert.Equal(t, []string{"What could we improve?"}, improve.EarlierWordings)
	assert.Equal(t, 3, improve.Answered)
	require.Len(t, improve.Comments, 3)
	texts := []string{}
	for _, c := range improve.Comments {
		texts = append(texts, c.Text)
		assert.NotEmpty(t, c.Agency, "a manager sees the agency a comment came from")
	}
	assert.ElementsMatch(t, []string{"More breaks", `=HYPERLINK("http://evil.example","click")`, "Longer lunch"}, texts)

	recommend := r.Questions[len(r.Questions)-1]
	assert.Equal(t, evaluation.KindYesNo, recommend.Kind)
	assert.Equal(t, 2, recommend.Yes)
	assert.Equal(t, 1, recommend.No)
	assert.Equal(t, 67, recommend.YesPercent())
	// Questions are in the order they are asked now.
	assert.Equal(t, d.overall.Lineage, r.Questions[0].Lineage)

	assert.Equal(t, 2, r.Impact.AttendeesAsked)
	assert.Equal(t, 1, r.Impact.AttendeesAnswered)
	assert.Equal(t, 1, r.Impact.LineManagersAsked)
	assert.Equal(t, 1, r.Impact.LineManagersAnswered)
	assert.Equal(t, 50, r.Impact.AttendeeRate())
	require.Len(t, r.Impact.Examples, 1)
	assert.Equal(t, "Used the checklist with a family", r.Impact.Examples[0].Text)
	assert.Equal(t, "No time to plan", r.Impact.Barriers[0].Text)
	assert.Equal(t, "Saw them apply it in supervision", r.Impact.LineManagerExamples[0].Text)
	assert.Empty(t, r.Impact.LineManagerBarriers)

	for _, name := range d.names {
		assert.NotContains(t, fmt.Sprintf("%+v", r), name, "the results name someone")
	}
}

func TestTrainersSeeTheirOwnSessionsResultsWithoutNames(t *testing.T) {
	t.Parallel()
	d := newResultsData(t)
	r, err := d.svc.SessionResults(d.trainerOne, d.one)
	require.NoError(t, err)
	assert.Equal(t, 3, r.Answered)
	all := fmt.Sprintf("%+v", r)
	for _, name := range append(d.names, "Harbour Health Trust", "City Police") {
		assert.NotContains(t, all, name, "a trainer sees a name or an agency")
	}
	for _, q := range r.Questions {
		for _, c := range q.Comments {
			assert.Empty(t, c.Agency)
		}
	}

	_, err = d.svc.SessionResults(d.trainerOne, d.two)
	assert.ErrorIs(t, err, evaluation.ErrNotFound, "another trainer's session")
	_, err = d.svc.SessionResults(d.practitioner, d.one)
	assert.ErrorIs(t, err, evaluation.ErrNotFound)
	_, err = d.svc.SessionResults(d.manager, 987654)
	assert.ErrorIs(t, err, evaluation.ErrNotFound)
	r, err = d.svc.SessionResults(d.trainerTwo, d.two)
	require.NoError(t, err)
	assert.Equal(t, 1, r.Answered)
	_, err = d.svc.CourseResults(d.trainerOne, d.course, time.Time{}, time.Time{})
	assert.ErrorIs(t, err, evaluation.ErrForbidden)
}

func TestCourseResultsCoverTheSessionsThatEndedInThePeriod(t *testing.T) {
	t.Parallel()
	d := newResultsData(t)
	r, err := d.svc.CourseResults(d.manager, d.course, time.Time{}, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, 2, r.Sessions, "the last twelve months: the old session is left out")
	assert.Equal(t, managerNow, r.To)
	assert.Equal(t, managerNow.AddDate(-1, 0, 0), r.From)
	assert.Equal(t, 5, r.Attended)
	assert.Equal(t, 5, r.Asked)
	assert.Equal(t, 4, r.Answered)
	near(t, (2+3+1+5)/4.0, r.Outcomes[0].Before, "signs before, both sessions")
	overall := questionResult(t, r, d.overall.Lineage)
	near(t, (5+4+4+1)/4.0, overall.Average, "overall, both sessions")

	// A period around the old session only.
	r, err = d.svc.CourseResults(d.manager, d.course, managerNow.AddDate(-3, 0, 0), managerNow.AddDate(-1, 0, 0))
	require.NoError(t, err)
	assert.Equal(t, 1, r.Sessions)
	assert.Equal(t, 1, r.Answered)
	near(t, 3, questionResult(t, r, d.overall.Lineage).Average, "overall, old session")

	_, err = d.svc.CourseResults(d.manager, 987654, time.Time{}, time.Time{})
	assert.ErrorIs(t, err, evaluation.ErrNotFound)
	_, err = d.svc.CourseResults(d.manager, d.course, managerNow, managerNow.AddDate(0, 0, -1))
	assert.Error(t, err, "a period that ends before it starts")
}

func TestResultsOfASessionNobodyAnswered(t *testing.T) {
	t.Parallel()
	f := newManagerFixture(t)
	booking := attendedPlace(t, f.pool)
	_, err := f.pool.Exec(context.Background(), "UPDATE evaluations SET submitted_at = NULL WHERE booking_id = $1", booking)
	require.NoError(t, err)
	var session int64
	require.NoError(t, f.pool.QueryRow(context.Background(), "SELECT session_id FROM bookings WHERE id = $1", booking).Scan(&session))
	r, err := f.svc.SessionResults(f.manager, session)
	require.NoError(t, err)
	assert.Equal(t, 1, r.Attended)
	assert.Equal(t, 1, r.Asked)
	assert.Equal(t, 0, r.Answered)
	assert.Equal(t, 0, r.ResponseRate())
	assert.Empty(t, r.Outcomes)
	assert.Empty(t, r.Questions)
	assert.Equal(t, "No one has rated their confidence on the learning outcomes yet.", r.ConfidenceSummary())
}

// A session's results are planned once per connection, not on every
// request: each statement takes its sessions as an array, and PostgreSQL
// would otherwise make a plan for each request's one session (under the
// row-level security policies, planning cost four times what running did).
func TestSessionResultsReuseTheirPlans(t *testing.T) {
	t.Parallel()
	d := newResultsData(t)
	ctx := context.Background()
	cfg := d.pool.Config().Copy()
	cfg.MaxConns = 1 // one connection: its prepared statements are the ones read below
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	svc := evaluation.New(pool, nil, nil, func() time.Time { return managerNow }, nil)
	for range 8 {
		_, err := svc.SessionResults(d.manager, d.one)
		require.NoError(t, err)
		require.NoError(t, svc.WriteSessionCSV(d.manager, io.Discard, d.one))
	}
	seen := pgtest.PreparedPlans(t, pool)
	for _, name := range []string{"PlaceCounts", "AnsweredEvaluations", "AnsweredOutcomes", "AnsweredQuestions",
		"ResultsFollowUps", "ResultsFollowUpOutcomes"} {
		require.Contains(t, seen, name)
		assert.Zero(t, seen[name].Custom, "%s planned for each request", name)
		assert.Equal(t, int64(16), seen[name].Generic, "%s", name)
	}
}
