package evaluation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/evaluation/internal/evaluationdb"
)

// DemoEvaluation is a demo attendee's evaluation: asked at AskedAt and, when
// Answered, answered a day later with answers made from Seed (so the demo's
// results vary); with FollowUp, the three-month follow-up was asked and
// answered by the person and, when they named one, their line manager.
type DemoEvaluation struct {
	SessionID int64
	Email     string
	AskedAt   time.Time
	Answered  bool
	Seed      int
	FollowUp  bool
	Manager   bool // the line manager answered the follow-up too
	// The follow-up was asked of the person and never answered (instead of
	// FollowUp), so the sweep does not ask it again at start.
	FollowUpUnanswered bool
}

// Demo comments, chosen by seed.
var (
	demoUseful = []string{
		"Working through the case study as a group, with colleagues from health and the police.",
		"Understanding when to share information without consent, and how to record why.",
		"The thresholds document: I had not realised how to use it to start a conversation.",
		"Hearing how other agencies see the same family.",
	}
	demoDifferent = []string{
		"Ask about the child's lived experience at every visit and write it down in their words.",
		"Phone the MASH for advice earlier instead of waiting until I am sure.",
		"Check who else is involved with the family before a strategy meeting.",
		"Use professional curiosity: ask the second question.",
	}
	demoImprove = []string{
		"More time for the case study; it felt rushed at the end.",
		"Send the slides beforehand.",
		"",
		"A break halfway through the online session.",
	}
	demoExamples = []string{
		"I noticed a pattern of missed appointments, checked with the school nurse and made a referral that led to a child protection plan.",
		"I used the chronology template with a family and shared it at the core group; the social worker said it changed the plan.",
		"I challenged a decision to close a case, using the escalation policy from the course.",
	}
	demoBarriers = []string{
		"Caseload: there is little time to reflect.",
		"",
		"Waiting times to reach the front door by phone.",
	}
)

// AddDemoTx adds a demo evaluation in the caller's transaction: only
// internal/demo calls it, seeding an empty database, so nothing is
// audited and nobody is emailed. The demo's evaluations were asked a
// fortnight or more ago, so they are recorded as invited and reminded
// twice. A place that does not exist is skipped.
func AddDemoTx(ctx context.Context, tx pgx.Tx, d DemoEvaluation) error {
	return AddDemoManyTx(ctx, tx, []DemoEvaluation{d})
}

// AddDemoManyTx is AddDemoTx for many evaluations at once, sent to the
// database in a few batches: the demo's past term has hundreds, made at
// every fresh start.
func AddDemoManyTx(ctx context.Context, tx pgx.Tx, ds []DemoEvaluation) error {
	q := evaluationdb.New(tx)
	lookups := make([]evaluationdb.DemoPlaceParams, len(ds))
	for i, d := range ds {
		lookups[i] = evaluationdb.DemoPlaceParams{SessionID: d.SessionID, Email: d.Email}
	}
	places := make([]*evaluationdb.DemoPlaceRow, len(ds))
	var errs []error
	found := q.DemoPlace(ctx, lookups)
	found.QueryRow(func(i int, p evaluationdb.DemoPlaceRow, err error) {
		if err == nil {
			places[i] = &p
		} else if !errors.Is(err, pgx.ErrNoRows) {
			errs = append(errs, fmt.Errorf("demo evaluation of %s: %w", ds[i].Email, err))
		}
	})
	if err := errors.Join(append(errs, found.Close())...); err != nil {
		return err
	}
	questions, err := q.DemoQuestions(ctx)
	if err != nil {
		return err
	}

	var (
		evaluations []evaluationdb.AddDemoEvaluationParams
		outcomes    []evaluationdb.AddDemoOutcomesParams
		answers     []evaluationdb.AddDemoAnswersParams
		followUps   []evaluationdb.AddDemoFollowUpParams
		impacts     []evaluationdb.AddDemoImpactOutcomesParams
	)
	for i, d := range ds {
		p := places[i]
		if p == nil {
			continue
		}
		id := p.BookingID
		var submitted *time.Time
		if d.Answered {
			at := d.AskedAt.Add(26 * time.Hour)
			submitted = &at
		}
		followUpAt := p.EndsAt.AddDate(0, 0, 13*7)
		evaluations = append(evaluations, evaluationdb.AddDemoEvaluationParams{BookingID: id, AskedAt: d.AskedAt,
			ClosesAt: d.AskedAt.AddDate(0, 0, 30), SubmittedAt: submitted, FollowUpAt: followUpAt})
		if d.FollowUpUnanswered {
			followUps = append(followUps, evaluationdb.AddDemoFollowUpParams{BookingID: id,
				Respondent: evaluationdb.ImpactRespondentAttendee, AskedAt: followUpAt, ClosesAt: followUpAt.AddDate(0, 0, 30)})
		}
		if !d.Answered {
			continue
		}
		n := d.Seed
		o := evaluationdb.AddDemoOutcomesParams{BookingID: id, Outcomes: p.LearningOutcomes}
		for i := range p.LearningOutcomes {
			before := int16(1 + (n+i)%3) // 1 to 3
			o.Befores = append(o.Befores, before)
			o.Afters = append(o.Afters, int16(min(5, int(before)+2+(n+i)%2)))
		}
		outcomes = append(outcomes, o)
		answers = append(answers, demoAnswers(id, n, questions))
		if !d.FollowUp {
			continue
		}
		who := []evaluationdb.ImpactRespondent{evaluationdb.ImpactRespondentAttendee}
		if d.Manager {
			who = append(who, evaluationdb.ImpactRespondentLineManager)
		}
		for j, r := range who {
			example, barriers := demoExamples[(n+j)%len(demoExamples)], demoBarriers[(n+j)%len(demoBarriers)]
			var b *string
			if barriers != "" {
				b = &barriers
			}
			answered := followUpAt.AddDate(0, 0, 2)
			followUps = append(followUps, evaluationdb.AddDemoFollowUpParams{BookingID: id, Respondent: r, AskedAt: followUpAt,
				ClosesAt: followUpAt.AddDate(0, 0, 30), SubmittedAt: &answered, Example: &example, Barriers: b})
			impact := evaluationdb.AddDemoImpactOutcomesParams{BookingID: id, Respondent: r, Outcomes: p.LearningOutcomes}
			for i := range p.LearningOutcomes {
				impact.Confidences = append(impact.Confidences, int16(3+(n+i+j)%3))
			}
			impacts = append(impacts, impact)
		}
	}
	// In this order: each table refers to the one before.
	for _, b := range []struct {
		what string
		n    int
		send func() demoResults
	}{
		{"evaluations", len(evaluations), func() demoResults { return q.AddDemoEvaluation(ctx, evaluations) }},
		{"confidence", len(outcomes), func() demoResults { return q.AddDemoOutcomes(ctx, outcomes) }},
		{"answers", len(answers), func() demoResults { return q.AddDemoAnswers(ctx, answers) }},
		{"follow-ups", len(followUps), func() demoResults { return q.AddDemoFollowUp(ctx, followUps) }},
		{"impact", len(impacts), func() demoResults { return q.AddDemoImpactOutcomes(ctx, impacts) }},
	} {
		if b.n == 0 {
			continue
		}
		results := b.send()
		var errs []error
		results.Exec(func(_ int, err error) {
			if err != nil {
				errs = append(errs, err)
			}
		})
		if err := errors.Join(append(errs, results.Close())...); err != nil {
			return fmt.Errorf("demo %s: %w", b.what, err)
		}
	}
	return nil
}

// demoResults is a batch of inserts sent to the database.
type demoResults interface {
	Exec(func(int, error))
	Close() error
}

// demoAnswers answers the standard questions from seed n.
func demoAnswers(id int64, n int, questions []evaluationdb.DemoQuestionsRow) evaluationdb.AddDemoAnswersParams {
	texts := [][]string{demoUseful, demoDifferent, demoImprove}
	written := 0
	a := evaluationdb.AddDemoAnswersParams{BookingID: id}
	for i, qu := range questions {
		var rating, yes int16 = 0, -1 // none
		answer := ""
		switch qu.Kind {
		case evaluationdb.EvaluationQuestionKindRating:
			rating = int16(4 + (n+i)%2)
			if n%5 == 4 && i == 2 {
				rating = 3 // one person found the online room hard going
			}
		case evaluationdb.EvaluationQuestionKindYesNo:
			yes = 0
			if n%6 != 5 {
				yes = 1
			}
		case evaluationdb.EvaluationQuestionKindText:
			if written >= len(texts) {
				continue
			}
			list := texts[written]
			written++
			if answer = list[n%len(list)]; answer == "" {
				continue
			}
		}
		a.QuestionIds = append(a.QuestionIds, qu.ID)
		a.Ratings = append(a.Ratings, rating)
		a.Yeses = append(a.Yeses, yes)
		a.Answers = append(a.Answers, answer)
	}
	return a
}
