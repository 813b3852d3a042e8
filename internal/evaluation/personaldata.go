package evaluation

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/evaluation/internal/evaluationdb"
	"github.com/pscp/booktraining/internal/privacy"
)

// PersonalData is evaluation's part of the privacy registry. A person's
// download has each evaluation and follow-up they were asked for, with
// every answer, and what their line manager answered about them. Erasure
// deletes what they (and their line manager) wrote, and the line manager's
// address and link; the ratings and confidence scores stay, naming nobody,
// for the partnership's figures. Evaluations go with their bookings when
// the retention schedule deletes those (the foreign keys cascade).
func PersonalData() []privacy.Part {
	return []privacy.Part{{
		Name: "evaluations",
		Columns: []string{"evaluation_answers.answer", "impact_follow_ups.email", "impact_follow_ups.token_hash",
			"impact_follow_ups.example", "impact_follow_ups.barriers"},
		Export: exportEvaluations,
		Erase: func(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
			q := evaluationdb.New(tx)
			if err := q.EraseWrittenAnswers(ctx, p.ID); err != nil {
				return err
			}
			return q.EraseFollowUpWriting(ctx, p.ID)
		},
	}}
}

// PersonalEvaluation is an evaluation as the person's download gives it.
type PersonalEvaluation struct {
	Course      string            `json:"course"`
	StartsAt    time.Time         `json:"session_starts_at"`
	AskedAt     time.Time         `json:"asked_at"`
	ClosesAt    time.Time         `json:"closes_at"`
	SubmittedAt *time.Time        `json:"submitted_at"`
	Outcomes    []PersonalOutcome `json:"learning_outcomes,omitempty"`
	Answers     []PersonalAnswer  `json:"answers,omitempty"`
	FollowUps   []PersonalImpact  `json:"follow_ups,omitempty"`
}

// PersonalOutcome is confidence on one learning outcome.
type PersonalOutcome struct {
	Outcome    string `json:"outcome"`
	Before     *int   `json:"confidence_before,omitempty"`
	After      *int   `json:"confidence_after,omitempty"`
	Confidence *int   `json:"confidence,omitempty"`
}

// PersonalAnswer is one question as it was asked, and the answer.
type PersonalAnswer struct {
	Question string `json:"question"`
	Answer   any    `json:"answer"`
}

// PersonalImpact is one follow-up: the person's own, or their line manager's.
type PersonalImpact struct {
	From        string            `json:"from"` // "you" or "your line manager"
	Email       *string           `json:"line_manager_email,omitempty"`
	AskedAt     time.Time         `json:"asked_at"`
	ClosesAt    time.Time         `json:"closes_at"`
	SubmittedAt *time.Time        `json:"submitted_at"`
	Example     *string           `json:"example,omitempty"`
	Barriers    *string           `json:"what_got_in_the_way,omitempty"`
	Outcomes    []PersonalOutcome `json:"learning_outcomes,omitempty"`
}

func intPtr(n int16) *int { v := int(n); return &v }

func exportEvaluations(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	q := evaluationdb.New(tx)
	evals, err := q.ExportEvaluations(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	outcomes, err := q.ExportEvaluationOutcomes(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	answers, err := q.ExportEvaluationAnswers(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	followUps, err := q.ExportFollowUps(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	impactOutcomes, err := q.ExportFollowUpOutcomes(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out := make([]PersonalEvaluation, 0, len(evals))
	at := map[int64]int{}
	for _, e := range evals {
		at[e.BookingID] = len(out)
		out = append(out, PersonalEvaluation{Course: e.CourseTitle, StartsAt: e.StartsAt.UTC(), AskedAt: e.AskedAt.UTC(),
			ClosesAt: e.ClosesAt.UTC(), SubmittedAt: utc(e.SubmittedAt)})
	}
	for _, o := range outcomes {
		e := &out[at[o.BookingID]]
		e.Outcomes = append(e.Outcomes, PersonalOutcome{Outcome: o.Outcome, Before: intPtr(o.Before), After: intPtr(o.After)})
	}
	for _, a := range answers {
		e := &out[at[a.BookingID]]
		var v any
		switch {
		case a.Rating != nil:
			v = int(*a.Rating)
		case a.Yes != nil:
			v = *a.Yes
		case a.Answer != nil:
			v = *a.Answer
		}
		e.Answers = append(e.Answers, PersonalAnswer{Question: a.Wording, Answer: v})
	}
	type who struct {
		booking int64
		from    string
	}
	impactAt := map[who]*PersonalImpact{}
	for _, f := range followUps {
		i, ok := at[f.BookingID]
		if !ok {
			continue // asked for a follow-up only: cannot happen, every follow-up has its evaluation
		}
		from := "you"
		if f.Respondent == evaluationdb.ImpactRespondentLineManager {
			from = "your line manager"
		}
		out[i].FollowUps = append(out[i].FollowUps, PersonalImpact{From: from, Email: f.Email, AskedAt: f.AskedAt.UTC(),
			ClosesAt: f.ClosesAt.UTC(), SubmittedAt: utc(f.SubmittedAt), Example: f.Example, Barriers: f.Barriers})
	}
	for i := range out {
		for j := range out[i].FollowUps {
			impactAt[who{evals[i].BookingID, out[i].FollowUps[j].From}] = &out[i].FollowUps[j]
		}
	}
	for _, o := range impactOutcomes {
		from := "you"
		if o.Respondent == evaluationdb.ImpactRespondentLineManager {
			from = "your line manager"
		}
		if f := impactAt[who{o.BookingID, from}]; f != nil {
			f.Outcomes = append(f.Outcomes, PersonalOutcome{Outcome: o.Outcome, Confidence: intPtr(o.Confidence)})
		}
	}
	return out, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
