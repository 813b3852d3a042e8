package report_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/report"
)

// outcome is one learning outcome's confidence in an evaluation: before
// and after.
type outcome struct {
	name          string
	before, after int
}

// evaluate records an evaluation of booking, answered when outcomes or
// ratings are given (ratings by question id).
func (f *board) evaluate(booking int64, answered bool, outcomes []outcome, ratings map[int64]int) {
	f.t.Helper()
	asked := utc(2026, 5, 13, 9, 0)
	var submitted any
	if answered {
		submitted = asked.Add(24 * time.Hour)
	}
	f.exec(`INSERT INTO evaluations (booking_id, asked_at, closes_at, submitted_at, follow_up_at)
	        VALUES ($1, $2, $2::timestamptz + interval '30 days', $3, $2::timestamptz + interval '13 weeks')`, booking, asked, submitted)
	for i, o := range outcomes {
		f.exec(`INSERT INTO evaluation_outcomes (booking_id, position, outcome, before, after) VALUES ($1, $2, $3, $4, $5)`,
			booking, i+1, o.name, o.before, o.after)
	}
	for q, r := range ratings {
		f.exec(`INSERT INTO evaluation_answers (booking_id, question_id, rating) VALUES ($1, $2, $3)`, booking, q, r)
	}
}

// followUp records the impact follow-up of booking from respondent,
// answered with a confidence on each outcome when confidence is given.
func (f *board) followUp(booking int64, respondent string, answered bool, confidence map[string]int) {
	f.t.Helper()
	asked := utc(2026, 8, 12, 9, 0)
	var submitted any
	if answered {
		submitted = asked.Add(48 * time.Hour)
	}
	f.exec(`INSERT INTO impact_follow_ups (booking_id, respondent, asked_at, closes_at, submitted_at)
	        VALUES ($1, $2, $3, $3::timestamptz + interval '30 days', $4)`, booking, respondent, asked, submitted)
	pos := 0
	for name, c := range confidence {
		pos++
		f.exec(`INSERT INTO impact_outcomes (booking_id, respondent, position, outcome, confidence) VALUES ($1, $2, $3, $4, $5)`,
			booking, respondent, pos, name, c)
	}
}

// evaluationFixture adds evaluations to the board's fixture, worked out by
// hand in TestEvaluationFigures:
//
//	S1 Neglect: e1 Police answered (Spot it 2→4, Act on it 1→3; Overall 4
//	    to the first wording, Trainers 5), follow-up answered (Spot it 4),
//	    line manager asked, no answer; e2 Health answered (Spot it 3→5;
//	    Overall 5 to the second wording), follow-up asked, no answer, line
//	    manager answered (Spot it 3); e3 Education asked, no answer.
//	S3 Domestic abuse: e4 Youth answered (Name it 1→4; Overall 3, Venue 2,
//	    a yes and a comment, which are not ratings); e5 Police asked, no answer.
//	S5 (the year before): e6 Health answered (Spot it 5→5, Overall 1): out.
func evaluationFixture(t *testing.T) *board {
	f := newBoard(t)
	question := func(wording string) int64 {
		return f.id(`SELECT id FROM evaluation_questions WHERE wording = $1 AND retired_at IS NULL`, wording)
	}
	overall1 := question("Overall, how would you rate the session?")
	trainers := question("How well did the trainers deliver the session?")
	venue := question("How was the venue, or the online experience?")
	recommend := question("Would you recommend this session to a colleague?")
	useful := question("What was most useful?")
	// The overall question reworded: a second version of the same lineage.
	f.exec(`UPDATE evaluation_questions SET retired_at = $2 WHERE id = $1`, overall1, utc(2026, 5, 20, 9, 0))
	overall2 := f.id(`INSERT INTO evaluation_questions (lineage, version, kind, wording, position)
	                  SELECT lineage, 2, kind, 'Overall, how good was the session?', position FROM evaluation_questions
	                  WHERE id = $1 RETURNING id`, overall1)

	// Room for the places evaluated.
	f.exec(`UPDATE sessions SET capacity = 20 WHERE id IN ($1, $2, $3)`, f.s1, f.s3, f.s5)

	e1 := f.place(f.s1, f.police, "attended")
	f.evaluate(e1, true, []outcome{{"Spot it", 2, 4}, {"Act on it", 1, 3}}, map[int64]int{overall1: 4, trainers: 5})
	f.followUp(e1, "attendee", true, map[string]int{"Spot it": 4})
	f.followUp(e1, "line_manager", false, nil)
	e2 := f.place(f.s1, f.health, "attended")
	f.evaluate(e2, true, []outcome{{"Spot it", 3, 5}}, map[int64]int{overall2: 5})
	f.followUp(e2, "attendee", false, nil)
	f.followUp(e2, "line_manager", true, map[string]int{"Spot it": 3})
	f.evaluate(f.place(f.s1, f.school, "attended"), false, nil, nil)

	e4 := f.place(f.s3, f.youth, "attended")
	f.evaluate(e4, true, []outcome{{"Name it", 1, 4}}, map[int64]int{overall2: 3, venue: 2})
	f.exec(`INSERT INTO evaluation_answers (booking_id, question_id, yes) VALUES ($1, $2, true)`, e4, recommend)
	f.exec(`INSERT INTO evaluation_answers (booking_id, question_id, answer) VALUES ($1, $2, 'The case studies')`, e4, useful)
	f.evaluate(f.place(f.s3, f.police, "attended"), false, nil, nil)

	e6 := f.place(f.s5, f.health, "attended")
	f.evaluate(e6, true, []outcome{{"Spot it", 5, 5}}, map[int64]int{overall1: 1})
	f.followUp(e6, "attendee", true, map[string]int{"Spot it": 1})
	return f
}

func TestEvaluationFigures(t *testing.T) {
	t.Parallel()
	f := evaluationFixture(t)
	lineage := func(wording string) int64 {
		return f.id(`SELECT lineage FROM evaluation_questions WHERE wording = $1`, wording)
	}
	overall := lineage("Overall, how good was the session?")
	trainers := lineage("How well did the trainers deliver the session?")
	venue := lineage("How was the venue, or the online experience?")

	e, err := f.svc.Evaluation(asManager(f.ctx), f.year)
	require.NoError(t, err)
	assert.Equal(t, f.year, e.Period)

	// By course, by title. Domestic abuse: e4 and e5 asked, e4 answered;
	// Name it 1→4. Neglect: e1 e2 e3 asked, e1 e2 answered; three outcome
	// answers, before (2+1+3)/3 = 2, after (4+3+5)/3 = 4; follow-ups: e1
	// and e2 asked of attendees, e1 answered (4); of line managers, e2
	// answered (3). The overall question's two wordings are one lineage,
	// shown as it is worded now: (4+5)/2 = 4.5 on Neglect.
	assert.Equal(t, []report.EvaluationRow{
		{CourseID: f.abuse, Course: "Domestic abuse", Asked: 2, Answered: 1, ConfidenceAnswers: 1, Before: 1, After: 4,
			Ratings: []report.Rating{
				{Lineage: overall, Question: "Overall, how good was the session?", Answered: 1, Average: 3},
				{Lineage: venue, Question: "How was the venue, or the online experience?", Answered: 1, Average: 2},
			}},
		{CourseID: f.neglect, Course: "Neglect", Asked: 3, Answered: 2, ConfidenceAnswers: 3, Before: 2, After: 4,
			AttendeesAsked: 2, AttendeesAnswered: 1, LineManagersAsked: 2, LineManagersAnswered: 1,
			LaterAnswers: 1, Later: 4, LineManagerAnswers: 1, LineManagersLater: 3,
			Ratings: []report.Rating{
				{Lineage: overall, Question: "Overall, how good was the session?", Answered: 2, Average: 4.5},
				{Lineage: trainers, Question: "How well did the trainers deliver the session?", Answered: 1, Average: 5},
			}},
	}, e.ByCourse)

	// In total: 5 asked, 3 answered (60%); four outcome answers, before
	// (2+1+3+1)/4 = 1.75, after (4+3+5+4)/4 = 4. The year before's e6 is
	// nowhere (its overall 1 and Spot it 5→5 would move every average).
	assert.Equal(t, report.EvaluationRow{Asked: 5, Answered: 3, ConfidenceAnswers: 4, Before: 1.75, After: 4,
		AttendeesAsked: 2, AttendeesAnswered: 1, LineManagersAsked: 2, LineManagersAnswered: 1,
		LaterAnswers: 1, Later: 4, LineManagerAnswers: 1, LineManagersLater: 3,
		Ratings: []report.Rating{
			{Lineage: overall, Question: "Overall, how good was the session?", Answered: 3, Average: 4},
			{Lineage: trainers, Question: "How well did the trainers deliver the session?", Answered: 1, Average: 5},
			{Lineage: venue, Question: "How was the venue, or the online experience?", Answered: 1, Average: 2},
		}}, e.Total)
	assert.InDelta(t, 0.6, e.Total.ResponseRate(), 1e-9)
	assert.InDelta(t, 2.25, e.Total.Shift(), 1e-9)
	assert.InDelta(t, 0.5, e.Total.AttendeeRate(), 1e-9)

	// Per learning outcome, by course and the outcome's place.
	assert.Equal(t, []report.OutcomeShift{
		{CourseID: f.abuse, Course: "Domestic abuse", Outcome: "Name it", Answered: 1, Before: 1, After: 4},
		{CourseID: f.neglect, Course: "Neglect", Outcome: "Spot it", Answered: 2, Before: 2.5, After: 4.5,
			LaterAnswered: 1, Later: 4, LineManagersAnswered: 1, LineManagers: 3},
		{CourseID: f.neglect, Course: "Neglect", Outcome: "Act on it", Answered: 1, Before: 1, After: 3},
	}, e.Outcomes)
	assert.InDelta(t, 3, e.Outcomes[0].Shift(), 1e-9)
}

func TestEvaluationFiguresAreForManagersOnly(t *testing.T) {
	t.Parallel()
	f := evaluationFixture(t)
	_, err := f.svc.Evaluation(f.ctx, f.year)
	assert.ErrorIs(t, err, report.ErrForbidden)

	// An empty period is all zeros.
	empty := report.PartnershipYear(utc(2030, 6, 1, 12, 0))
	e, err := f.svc.Evaluation(asManager(f.ctx), empty)
	require.NoError(t, err)
	assert.Equal(t, report.Evaluation{Period: empty}, e)
}
