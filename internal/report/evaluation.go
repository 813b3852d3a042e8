package report

import (
	"context"
	"fmt"

	"github.com/pscp/booktraining/internal/report/internal/reportdb"
)

// Evaluation is the seventh report: what the evaluations of the period's
// sessions say, and what changed in practice about three months on, naming
// nobody. A session is in the period when it starts in it (London time) and
// ran (published or completed); its evaluations count whenever they were
// answered.
type Evaluation struct {
	Period   Period
	ByCourse []EvaluationRow // courses with an evaluation or follow-up asked, by title
	Total    EvaluationRow
	// Outcomes is the confidence on each learning outcome, by course title
	// and the outcome's place in the course, as it was worded when answered.
	Outcomes []OutcomeShift
}

// EvaluationRow is one course's (or every course's) evaluations.
type EvaluationRow struct {
	CourseID int64  // 0 in the total
	Course   string // "" in the total
	// Asked: attended places asked to evaluate; Answered: evaluations sent back.
	Asked, Answered int
	// Confidence over every learning-outcome answer: how many, and the
	// average before (in hindsight) and after, 1 to 5.
	ConfidenceAnswers int
	Before, After     float64
	// The impact follow-up about three months on.
	AttendeesAsked, AttendeesAnswered       int
	LineManagersAsked, LineManagersAnswered int
	// Later: the average confidence attendees gave three months on, over
	// LaterAnswers outcome answers; LineManagers: their line managers' view.
	LaterAnswers       int
	Later              float64
	LineManagerAnswers int
	LineManagersLater  float64
	Ratings            []Rating // the standard rating questions, answered at least once
}

// ResponseRate is the share of those asked who answered, 0 to 1.
func (r EvaluationRow) ResponseRate() float64 { return ratio(r.Answered, r.Asked) }

// Shift is how far average confidence moved from before to after.
func (r EvaluationRow) Shift() float64 { return r.After - r.Before }

// AttendeeRate and LineManagerRate are the follow-ups' response rates, 0 to 1.
func (r EvaluationRow) AttendeeRate() float64 { return ratio(r.AttendeesAnswered, r.AttendeesAsked) }
func (r EvaluationRow) LineManagerRate() float64 {
	return ratio(r.LineManagersAnswered, r.LineManagersAsked)
}

// Rating is the answers to one standard rating question across its
// versions (its lineage).
type Rating struct {
	Lineage  int64
	Question string // as it is asked now, or was last asked
	Retired  bool   // no longer asked
	Answered int
	Average  float64 // 1 to 5
}

// OutcomeShift is the confidence on one learning outcome of a course.
type OutcomeShift struct {
	CourseID int64
	Course   string
	Outcome  string
	// Answered: evaluations that rated it; Before and After their averages.
	Answered      int
	Before, After float64
	// Later: attendees' average three months on; LineManagers: theirs.
	LaterAnswered        int
	Later                float64
	LineManagersAnswered int
	LineManagers         float64
}

// Shift is how far confidence on the outcome moved from before to after.
func (o OutcomeShift) Shift() float64 { return o.After - o.Before }

// evaluation reads the figures of the places booked from agency, or of
// every place when agency is nil.
func (s *Service) evaluation(ctx context.Context, p Period, agency *int64) (Evaluation, error) {
	out := Evaluation{Period: p}
	err := s.read(ctx, func(q *reportdb.Queries) error {
		rows, err := q.EvaluationFigures(ctx, reportdb.EvaluationFiguresParams{PeriodStart: p.Start(), PeriodEnd: p.End(), AgencyID: agency})
		if err != nil {
			return fmt.Errorf("evaluations: %w", err)
		}
		for _, r := range rows {
			row := EvaluationRow{CourseID: r.CourseID, Course: r.CourseTitle, Asked: int(r.Asked), Answered: int(r.Answered),
				ConfidenceAnswers: int(r.OutcomeAnswers), Before: mean(r.BeforeSum, r.OutcomeAnswers), After: mean(r.AfterSum, r.OutcomeAnswers),
				AttendeesAsked: int(r.AttendeesAsked), AttendeesAnswered: int(r.AttendeesAnswered),
				LineManagersAsked: int(r.LineManagersAsked), LineManagersAnswered: int(r.LineManagersAnswered),
				LaterAnswers: int(r.LaterAnswers), Later: mean(r.LaterSum, r.LaterAnswers),
				LineManagerAnswers: int(r.LineManagerAnswers), LineManagersLater: mean(r.LineManagerSum, r.LineManagerAnswers)}
			if r.Total {
				out.Total = row
			} else {
				out.ByCourse = append(out.ByCourse, row)
			}
		}
		ratings, err := q.EvaluationRatingFigures(ctx, reportdb.EvaluationRatingFiguresParams{PeriodStart: p.Start(), PeriodEnd: p.End(), AgencyID: agency})
		if err != nil {
			return fmt.Errorf("ratings: %w", err)
		}
		for _, r := range ratings {
			rating := Rating{Lineage: r.Lineage, Question: r.Wording, Retired: r.Retired, Answered: int(r.Answered),
				Average: mean(r.RatingSum, r.Answered)}
			if r.Total {
				out.Total.Ratings = append(out.Total.Ratings, rating)
				continue
			}
			for i := range out.ByCourse {
				if out.ByCourse[i].CourseID == r.CourseID {
					out.ByCourse[i].Ratings = append(out.ByCourse[i].Ratings, rating)
				}
			}
		}
		outcomes, err := q.EvaluationOutcomeFigures(ctx, reportdb.EvaluationOutcomeFiguresParams{PeriodStart: p.Start(), PeriodEnd: p.End(), AgencyID: agency})
		if err != nil {
			return fmt.Errorf("learning outcomes: %w", err)
		}
		for _, r := range outcomes {
			out.Outcomes = append(out.Outcomes, OutcomeShift{CourseID: r.CourseID, Course: r.CourseTitle, Outcome: r.Outcome,
				Answered: int(r.Answered), Before: mean(r.BeforeSum, r.Answered), After: mean(r.AfterSum, r.Answered),
				LaterAnswered: int(r.LaterAnswered), Later: mean(r.LaterSum, r.LaterAnswered),
				LineManagersAnswered: int(r.LineManagersAnswered), LineManagers: mean(r.LineManagerSum, r.LineManagersAnswered)})
		}
		return nil
	})
	if err != nil {
		return Evaluation{}, fmt.Errorf("evaluation figures for %s: %w", p, err)
	}
	return out, nil
}

// mean is sum over n, 0 when there is nothing to average.
func mean(sum int64, n int32) float64 {
	if n == 0 {
		return 0
	}
	return float64(sum) / float64(n)
}
