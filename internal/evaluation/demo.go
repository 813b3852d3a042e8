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
	q := evaluationdb.New(tx)
	p, err := q.DemoPlace(ctx, evaluationdb.DemoPlaceParams{SessionID: d.SessionID, Email: d.Email})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("demo evaluation of %s: %w", d.Email, err)
	}
	id := p.BookingID
	var submitted *time.Time
	if d.Answered {
		at := d.AskedAt.Add(26 * time.Hour)
		submitted = &at
	}
	followUpAt := p.EndsAt.AddDate(0, 0, 13*7)
	if err := q.AddDemoEvaluation(ctx, evaluationdb.AddDemoEvaluationParams{BookingID: id, AskedAt: d.AskedAt,
		ClosesAt: d.AskedAt.AddDate(0, 0, 30), SubmittedAt: submitted, FollowUpAt: followUpAt}); err != nil {
		return fmt.Errorf("demo evaluation of %s: %w", d.Email, err)
	}
	if d.FollowUpUnanswered {
		if err := q.AddDemoFollowUp(ctx, evaluationdb.AddDemoFollowUpParams{BookingID: id,
			Respondent: evaluationdb.ImpactRespondentAttendee, AskedAt: followUpAt, ClosesAt: followUpAt.AddDate(0, 0, 30)}); err != nil {
			return fmt.Errorf("demo follow-up of %s: %w", d.Email, err)
		}
	}
	if !d.Answered {
		return nil
	}
	n := d.Seed
	outcomes := evaluationdb.AddDemoOutcomesParams{BookingID: id, Outcomes: p.LearningOutcomes}
	for i := range p.LearningOutcomes {
		before := int16(1 + (n+i)%3) // 1 to 3
		outcomes.Befores = append(outcomes.Befores, before)
		outcomes.Afters = append(outcomes.Afters, int16(min(5, int(before)+2+(n+i)%2)))
	}
	if err := q.AddDemoOutcomes(ctx, outcomes); err != nil {
		return err
	}
	questions, err := q.DemoQuestions(ctx)
	if err != nil {
		return err
	}
	texts := [][]string{demoUseful, demoDifferent, demoImprove}
	written := 0
	answers := evaluationdb.AddDemoAnswersParams{BookingID: id}
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
		answers.QuestionIds = append(answers.QuestionIds, qu.ID)
		answers.Ratings = append(answers.Ratings, rating)
		answers.Yeses = append(answers.Yeses, yes)
		answers.Answers = append(answers.Answers, answer)
	}
	if err := q.AddDemoAnswers(ctx, answers); err != nil {
		return err
	}
	if !d.FollowUp {
		return nil
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
		if err := q.AddDemoFollowUp(ctx, evaluationdb.AddDemoFollowUpParams{BookingID: id, Respondent: r, AskedAt: followUpAt,
			ClosesAt: followUpAt.AddDate(0, 0, 30), SubmittedAt: &answered, Example: &example, Barriers: b}); err != nil {
			return err
		}
		impact := evaluationdb.AddDemoImpactOutcomesParams{BookingID: id, Respondent: r, Outcomes: p.LearningOutcomes}
		for i := range p.LearningOutcomes {
			impact.Confidences = append(impact.Confidences, int16(3+(n+i+j)%3))
		}
		if err := q.AddDemoImpactOutcomes(ctx, impact); err != nil {
			return err
		}
	}
	return nil
}
