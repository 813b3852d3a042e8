package evaluation

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pscp/booktraining/internal/pgplan"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/evaluation/internal/evaluationdb"
	"github.com/pscp/booktraining/internal/figcache"
	"github.com/pscp/booktraining/internal/validation"
)

// Results are what a set of sessions' evaluations say, naming nobody: no
// name, email address or booking is in them.
type Results struct {
	// CourseID and CourseTitle: the course the sessions are of.
	CourseID    int64
	CourseTitle string
	// SessionID, StartsAt and EndsAt: the session, for one session's
	// results; zero for a course's.
	SessionID        int64
	StartsAt, EndsAt time.Time
	// From and To: the period a course's sessions ended in ([From, To)).
	From, To time.Time
	// Sessions: how many sessions the results are of.
	Sessions int

	// Attended: places attended; Asked: of those, asked to evaluate;
	// Answered: evaluations sent back.
	Attended, Asked, Answered int

	// Outcomes: confidence on each learning outcome, as it was worded.
	Outcomes []OutcomeResult
	// Questions: each standard question, across its versions.
	Questions []QuestionResult
	// Impact: the follow-up about three months on.
	Impact Impact
}

// ResponseRate is the percentage of those asked who answered, rounded.
func (r Results) ResponseRate() int { return percent(r.Answered, r.Asked) }

func percent(n, of int) int {
	if of == 0 {
		return 0
	}
	return int(math.Round(100 * float64(n) / float64(of)))
}

// OutcomeResult is confidence on one learning outcome.
type OutcomeResult struct {
	Outcome string
	// Answered: how many rated it; Before and After: their average
	// confidence before the session (in hindsight) and after it, 1 to 5.
	Answered      int
	Before, After float64
	// Later: the average confidence people gave about three months on, from
	// LaterAnswered follow-ups; LineManagers: their line managers' view.
	LaterAnswered        int
	Later                float64
	LineManagersAnswered int
	LineManagers         float64
}

// Shift is how far confidence moved from before to after.
func (o OutcomeResult) Shift() float64 { return o.After - o.Before }

// QuestionResult is the answers to one standard question, across its
// versions.
type QuestionResult struct {
	Lineage int64
	Kind    QuestionKind
	// Wording is the question as it is asked now, or as it was last asked
	// if it has been removed (Retired).
	Wording string
	Retired bool
	// EarlierWordings: other wordings some of the answers were given to.
	EarlierWordings []string
	Answered        int
	// A rating: the average, and how many gave each point of the scale.
	Average float64
	Scale   []ScalePoint
	// Yes or no.
	Yes, No int
	// Their own words.
	Comments []Comment
}

// YesPercent is the share of yes answers.
func (q QuestionResult) YesPercent() int { return percent(q.Yes, q.Yes+q.No) }

// ScalePoint is one point of a five-point scale and how many chose it.
type ScalePoint struct {
	Score   int
	Label   string
	Count   int
	Percent int
}

// Comment is something written in answer, without who wrote it. Agency is
// the agency they booked from, for training managers only ("" for
// trainers).
type Comment struct {
	Text   string
	Agency string
}

// Impact is the follow-up about three months after the session.
type Impact struct {
	AttendeesAsked, AttendeesAnswered       int
	LineManagersAsked, LineManagersAnswered int
	// Examples of using the learning, and what got in the way: from the
	// people who attended, and from their line managers.
	Examples, Barriers                       []Comment
	LineManagerExamples, LineManagerBarriers []Comment
}

// AttendeeRate and LineManagerRate are the response rates of the follow-up.
func (i Impact) AttendeeRate() int    { return percent(i.AttendeesAnswered, i.AttendeesAsked) }
func (i Impact) LineManagerRate() int { return percent(i.LineManagersAnswered, i.LineManagersAsked) }

// OneDecimal writes an average as the results show it: "3.5"; "–" for none.
func OneDecimal(f float64, of int) string {
	if of == 0 {
		return "–"
	}
	return strconv.FormatFloat(math.Round(f*10)/10, 'f', 1, 64)
}

// SignedDecimal writes a shift with its sign: "+1.5", "−0.5", "0.0".
func SignedDecimal(f float64) string {
	r := math.Round(f*10) / 10
	switch {
	case r > 0:
		return "+" + strconv.FormatFloat(r, 'f', 1, 64)
	case r < 0:
		return "−" + strconv.FormatFloat(-r, 'f', 1, 64)
	}
	return "0.0"
}

// ConfidenceSummary says in a sentence how confidence moved across the
// learning outcomes.
func (r Results) ConfidenceSummary() string {
	if len(r.Outcomes) == 0 {
		return "No one has rated their confidence on the learning outcomes yet."
	}
	var before, after float64
	for _, o := range r.Outcomes {
		before += o.Before
		after += o.After
	}
	n := float64(len(r.Outcomes))
	before, after = before/n, after/n
	outcomes := "On the learning outcome"
	if len(r.Outcomes) > 1 {
		outcomes = "Across the " + strconv.Itoa(len(r.Outcomes)) + " learning outcomes"
	}
	people := "1 person"
	if r.Answered != 1 {
		people = strconv.Itoa(r.Answered) + " people"
	}
	var moved string
	switch shift := math.Round((after-before)*10) / 10; {
	case shift > 0:
		moved = "rose from " + OneDecimal(before, 1) + " to " + OneDecimal(after, 1) + " out of 5"
	case shift < 0:
		moved = "fell from " + OneDecimal(before, 1) + " to " + OneDecimal(after, 1) + " out of 5"
	default:
		moved = "stayed at " + OneDecimal(after, 1) + " out of 5"
	}
	s := outcomes + ", average confidence " + moved + ", from the " + people + " who answered."
	var later float64
	var laterN int
	for _, o := range r.Outcomes {
		if o.LaterAnswered > 0 {
			later += o.Later
			laterN++
		}
	}
	if laterN > 0 {
		s += " About three months on it was " + OneDecimal(later/float64(laterN), 1) + "."
	}
	return s
}

// FieldPeriodTo is the field a period that ends before it starts is
// reported against.
const FieldPeriodTo = "to"

// SessionResults are the results of one session, for a training manager or
// a trainer of that session; anyone else is told it does not exist.
// Trainers see comments without the agency they came from.
func (s *Service) SessionResults(ctx context.Context, sessionID int64) (Results, error) {
	who := actor.From(ctx)
	var res Results
	err := s.readResults(ctx, func(q *evaluationdb.Queries) error {
		if err := mayReadSession(ctx, q, who, sessionID); err != nil {
			return err
		}
		sess, err := q.ResultsSession(ctx, sessionID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("session %d: %w", sessionID, err)
		}
		d, err := loadAnswers(ctx, q, []int64{sessionID})
		if err != nil {
			return err
		}
		res = d.results(who.Manager)
		res.CourseID, res.CourseTitle, res.SessionID = sess.CourseID, sess.CourseTitle, sess.ID
		res.StartsAt, res.EndsAt, res.Sessions = sess.StartsAt, sess.EndsAt, 1
		return nil
	})
	return res, err
}

// mayReadSession checks who is a training manager or a trainer of the
// session; anyone else is told it does not exist.
func mayReadSession(ctx context.Context, q *evaluationdb.Queries, who actor.Actor, sessionID int64) error {
	if who.Manager {
		return nil
	}
	if !who.Trainer || who.ID == 0 {
		return ErrNotFound
	}
	trains, err := q.TrainsSession(ctx, evaluationdb.TrainsSessionParams{SessionID: sessionID, TrainerID: who.ID})
	if err != nil {
		return fmt.Errorf("trainers of session %d: %w", sessionID, err)
	}
	if !trains {
		return ErrNotFound
	}
	return nil
}

// Period is the default period of a course's results when from or to is
// zero: the twelve months to now.
func (s *Service) Period(from, to time.Time) (time.Time, time.Time) {
	if to.IsZero() {
		to = s.now()
	}
	if from.IsZero() {
		from = to.AddDate(-1, 0, 0)
	}
	return from, to
}

// CourseResults are the results of every session of a course that ended in
// [from, to) (the last twelve months when zero), for training managers.
func (s *Service) CourseResults(ctx context.Context, courseID int64, from, to time.Time) (Results, error) {
	who := actor.From(ctx)
	if !who.Manager {
		return Results{}, ErrForbidden
	}
	if f, t := s.Period(from, to); !f.Before(t) {
		var v validation.Errors
		v.Add(FieldPeriodTo, "The end of the period must be after its start")
		return Results{}, &v
	}
	// Kept by the period asked for: the last twelve months are counted to
	// the moment the figures are counted.
	return figcache.Get(ctx, s.Figures, figcache.Key(fmt.Sprintf("course|%d", courseID), from, to), true,
		func(ctx context.Context) (Results, error) { return s.countCourseResults(ctx, courseID, from, to) })
}

// countCourseResults is CourseResults counted now.
func (s *Service) countCourseResults(ctx context.Context, courseID int64, from, to time.Time) (Results, error) {
	from, to = s.Period(from, to)
	var res Results
	err := s.readResults(ctx, func(q *evaluationdb.Queries) error {
		course, sessions, err := courseSessions(ctx, q, courseID, from, to)
		if err != nil {
			return err
		}
		d, err := loadAnswers(ctx, q, sessions)
		if err != nil {
			return err
		}
		res = d.results(true)
		res.CourseID, res.CourseTitle, res.From, res.To, res.Sessions = course.ID, course.Title, from, to, len(sessions)
		return nil
	})
	return res, err
}

func courseSessions(ctx context.Context, q *evaluationdb.Queries, courseID int64, from, to time.Time) (evaluationdb.ResultsCourseRow, []int64, error) {
	course, err := q.ResultsCourse(ctx, courseID)
	if errors.Is(err, pgx.ErrNoRows) {
		return course, nil, ErrNotFound
	} else if err != nil {
		return course, nil, fmt.Errorf("course %d: %w", courseID, err)
	}
	sessions, err := q.CourseSessionsEnded(ctx, evaluationdb.CourseSessionsEndedParams{CourseID: courseID, EndedFrom: from, EndedBefore: to})
	if err != nil {
		return course, nil, fmt.Errorf("sessions of course %d: %w", courseID, err)
	}
	return course, sessions, nil
}

// readResults runs read in one read-only snapshot, so the counts and the
// answers agree, with each statement's generic plan (pgplan). The
// statements take their sessions as an array, and the generic plan (priced
// for ten sessions) always looked dearer than a plan made for the one
// session of a session's page, so PostgreSQL planned each statement again
// on every request: under the row-level security policies that cost 0.8 ms
// a statement, four times what running it did, at any size of database.
// The plans are the same either way (each session's places through their
// index, in a lateral subquery), so they are made once per connection.
func (s *Service) readResults(ctx context.Context, read func(q *evaluationdb.Queries) error) error {
	return pgplan.Read(ctx, s.pool, func(tx pgx.Tx) error { return read(evaluationdb.New(tx)) })
}

// answers are every answer given about a set of sessions, as read from the
// database, for results and the CSV alike.
type answers struct {
	counts      evaluationdb.PlaceCountsRow
	evaluations []evaluationdb.AnsweredEvaluationsRow
	outcomes    []evaluationdb.EvaluationOutcome
	questions   []evaluationdb.AnsweredQuestionsRow
	latest      map[int64]evaluationdb.LatestQuestionVersionsRow
	lineages    []int64 // in the order questions are shown
	followUps   []evaluationdb.ResultsFollowUpsRow
	impact      []evaluationdb.ImpactOutcome
}

func loadAnswers(ctx context.Context, q *evaluationdb.Queries, sessions []int64) (answers, error) {
	var d answers
	var err error
	if sessions == nil {
		sessions = []int64{}
	}
	if d.counts, err = q.PlaceCounts(ctx, sessions); err != nil {
		return d, fmt.Errorf("places attended: %w", err)
	}
	if d.evaluations, err = q.AnsweredEvaluations(ctx, sessions); err != nil {
		return d, fmt.Errorf("answered evaluations: %w", err)
	}
	if d.outcomes, err = q.AnsweredOutcomes(ctx, sessions); err != nil {
		return d, fmt.Errorf("confidence on outcomes: %w", err)
	}
	if d.questions, err = q.AnsweredQuestions(ctx, sessions); err != nil {
		return d, fmt.Errorf("answers to questions: %w", err)
	}
	if d.followUps, err = q.ResultsFollowUps(ctx, sessions); err != nil {
		return d, fmt.Errorf("follow-ups: %w", err)
	}
	if d.impact, err = q.ResultsFollowUpOutcomes(ctx, sessions); err != nil {
		return d, fmt.Errorf("confidence three months on: %w", err)
	}
	var lineages []int64
	for _, a := range d.questions {
		if !slices.Contains(lineages, a.Lineage) {
			lineages = append(lineages, a.Lineage)
		}
	}
	latest, err := q.LatestQuestionVersions(ctx, append([]int64{}, lineages...))
	if err != nil {
		return d, fmt.Errorf("questions answered: %w", err)
	}
	d.latest = map[int64]evaluationdb.LatestQuestionVersionsRow{}
	for _, l := range latest {
		d.latest[l.Lineage] = l
	}
	// Questions asked now in their order, then those no longer asked.
	slices.SortFunc(lineages, func(a, b int64) int {
		la, lb := d.latest[a], d.latest[b]
		if la.Retired != lb.Retired {
			if la.Retired {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(la.Position, lb.Position), cmp.Compare(a, b))
	})
	d.lineages = lineages
	return d, nil
}

// outcomeOrder is the learning outcomes answered, each once, in the order
// the course asks them (by position, then wording).
func (d answers) outcomeOrder() []string {
	first := map[string]int16{}
	var names []string
	for _, o := range d.outcomes {
		if p, ok := first[o.Outcome]; !ok || o.Position < p {
			if !ok {
				names = append(names, o.Outcome)
			}
			first[o.Outcome] = o.Position
		}
	}
	slices.SortStableFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(first[a], first[b]), strings.Compare(a, b))
	})
	return names
}

// results sums the answers up; withAgency keeps the agency each comment
// came from (for training managers).
func (d answers) results(withAgency bool) Results {
	res := Results{Attended: int(d.counts.Attended), Asked: int(d.counts.Asked), Answered: int(d.counts.Answered)}
	agencyOf := func(a string) string {
		if withAgency {
			return a
		}
		return ""
	}

	// Confidence on each outcome: before and after, then three months on.
	at := map[string]int{}
	for _, name := range d.outcomeOrder() {
		at[name] = len(res.Outcomes)
		res.Outcomes = append(res.Outcomes, OutcomeResult{Outcome: name})
	}
	for _, o := range d.outcomes {
		r := &res.Outcomes[at[o.Outcome]]
		r.Answered++
		r.Before += float64(o.Before)
		r.After += float64(o.After)
	}
	for _, o := range d.impact {
		i, ok := at[o.Outcome]
		if !ok { // an outcome asked three months on but not rated in the evaluation
			i = len(res.Outcomes)
			at[o.Outcome] = i
			res.Outcomes = append(res.Outcomes, OutcomeResult{Outcome: o.Outcome})
		}
		r := &res.Outcomes[i]
		if o.Respondent == evaluationdb.ImpactRespondentLineManager {
			r.LineManagersAnswered++
			r.LineManagers += float64(o.Confidence)
		} else {
			r.LaterAnswered++
			r.Later += float64(o.Confidence)
		}
	}
	for i := range res.Outcomes {
		r := &res.Outcomes[i]
		r.Before, r.After = mean(r.Before, r.Answered), mean(r.After, r.Answered)
		r.Later, r.LineManagers = mean(r.Later, r.LaterAnswered), mean(r.LineManagers, r.LineManagersAnswered)
	}

	// The standard questions, each across its versions.
	qAt := map[int64]int{}
	for _, lineage := range d.lineages {
		l := d.latest[lineage]
		qAt[lineage] = len(res.Questions)
		qr := QuestionResult{Lineage: lineage, Kind: QuestionKind(l.Kind), Wording: l.Wording, Retired: l.Retired}
		if qr.Kind == KindRating {
			qr.Scale = make([]ScalePoint, 5)
			for i := range qr.Scale {
				qr.Scale[i] = ScalePoint{Score: i + 1, Label: RatingLabels[i]}
			}
		}
		res.Questions = append(res.Questions, qr)
	}
	agencies := map[int64]string{}
	for _, e := range d.evaluations {
		agencies[e.BookingID] = e.Agency
	}
	for _, a := range d.questions {
		qr := &res.Questions[qAt[a.Lineage]]
		if a.Wording != qr.Wording && !slices.Contains(qr.EarlierWordings, a.Wording) {
			qr.EarlierWordings = append(qr.EarlierWordings, a.Wording)
		}
		switch {
		case a.Rating != nil && *a.Rating >= 1 && *a.Rating <= 5:
			qr.Answered++
			qr.Average += float64(*a.Rating)
			if qr.Scale == nil { // answers kept from a kind no longer asked
				qr.Scale = make([]ScalePoint, 5)
				for i := range qr.Scale {
					qr.Scale[i] = ScalePoint{Score: i + 1, Label: RatingLabels[i]}
				}
			}
			qr.Scale[*a.Rating-1].Count++
		case a.Yes != nil:
			qr.Answered++
			if *a.Yes {
				qr.Yes++
			} else {
				qr.No++
			}
		case a.Answer != nil && strings.TrimSpace(*a.Answer) != "":
			qr.Answered++
			qr.Comments = append(qr.Comments, Comment{Text: *a.Answer, Agency: agencyOf(agencies[a.BookingID])})
		}
	}
	for i := range res.Questions {
		qr := &res.Questions[i]
		rated := 0
		for _, p := range qr.Scale {
			rated += p.Count
		}
		qr.Average = mean(qr.Average, rated)
		for j := range qr.Scale {
			qr.Scale[j].Percent = percent(qr.Scale[j].Count, rated)
		}
	}

	// The follow-up.
	im := &res.Impact
	for _, f := range d.followUps {
		manager := f.Respondent == evaluationdb.ImpactRespondentLineManager
		if manager {
			im.LineManagersAsked++
		} else {
			im.AttendeesAsked++
		}
		if f.SubmittedAt == nil {
			continue
		}
		examples, barriers := &im.Examples, &im.Barriers
		if manager {
			im.LineManagersAnswered++
			examples, barriers = &im.LineManagerExamples, &im.LineManagerBarriers
		} else {
			im.AttendeesAnswered++
		}
		if f.Example != nil && strings.TrimSpace(*f.Example) != "" {
			*examples = append(*examples, Comment{Text: *f.Example, Agency: agencyOf(f.Agency)})
		}
		if f.Barriers != nil && strings.TrimSpace(*f.Barriers) != "" {
			*barriers = append(*barriers, Comment{Text: *f.Barriers, Agency: agencyOf(f.Agency)})
		}
	}
	return res
}

func mean(sum float64, n int) float64 {
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// sectorWords names an agency's sector as people read it.
func sectorWords(s string) string {
	if s == "" {
		return ""
	}
	return agency.Sector(s).Label()
}

// notFoundIfNoRows is ErrNotFound for a row that is not there, and err
// wrapped with what was being read otherwise.
func notFoundIfNoRows(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return fmt.Errorf("%s: %w", what, err)
}

// How the results pages write the averages: one decimal place, "–" when
// no one answered.

// BeforeText is the average confidence before, as the results show it.
func (o OutcomeResult) BeforeText() string { return OneDecimal(o.Before, o.Answered) }

// AfterText is the average confidence after.
func (o OutcomeResult) AfterText() string { return OneDecimal(o.After, o.Answered) }

// ShiftText is the shift from before to after, signed.
func (o OutcomeResult) ShiftText() string {
	if o.Answered == 0 {
		return "–"
	}
	return SignedDecimal(o.Shift())
}

// LaterText is the average confidence about three months on.
func (o OutcomeResult) LaterText() string { return OneDecimal(o.Later, o.LaterAnswered) }

// LineManagersText is the line managers' average about three months on.
func (o OutcomeResult) LineManagersText() string {
	return OneDecimal(o.LineManagers, o.LineManagersAnswered)
}

// AverageText is a rating question's average.
func (q QuestionResult) AverageText() string {
	rated := 0
	for _, p := range q.Scale {
		rated += p.Count
	}
	return OneDecimal(q.Average, rated)
}
