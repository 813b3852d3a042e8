package evaluation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/evaluation/internal/evaluationdb"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/validation"
)

// The words of the five-point scales, from 1 (the first) to 5: every page
// that asks or reports on them uses these.
var (
	ConfidenceLabels = []string{"Not at all confident", "Slightly confident", "Fairly confident", "Confident", "Very confident"}
	RatingLabels     = []string{"Very poor", "Poor", "Adequate", "Good", "Very good"}
)

// MaxAnswer is the longest written answer, in characters.
const MaxAnswer = 5000

var (
	// ErrNotAttended: the place is the person's, but the register does not
	// show them there (or it was never asked to evaluate).
	ErrNotAttended = errs.Says(errs.Conflict, "There is no evaluation for this place: the register does not show that you attended.")
	// ErrAlreadyEvaluated: the evaluation was answered (a second click, a
	// second tab). Nothing more is saved.
	ErrAlreadyEvaluated = errs.Says(errs.Conflict, "You have already evaluated this session. Thank you: your answers were saved the first time.")
	// ErrUnknownQuestion: the form sent an answer to a question that does
	// not exist.
	ErrUnknownQuestion = errs.Says(errs.Invalid, "The form asked a question the service does not know. Go back, reload the page and answer again.")
)

// evaluationClosed is the refusal of an evaluation that closed unanswered.
func evaluationClosed(closes time.Time) error {
	return errs.Says(errs.Conflict, fmt.Sprintf("This evaluation closed on %s. It can no longer be answered, and your certificate does not wait for it.",
		london.LongDate(closes)))
}

// Form is an evaluation as its person sees it: the session, the course's
// learning outcomes (in order; position 1 is the first) and the standard
// questions asked now. SubmittedAt is set once it is answered.
type Form struct {
	BookingID   int64
	Course      string
	StartsAt    time.Time
	EndsAt      time.Time
	Outcomes    []string
	Questions   []Question
	ClosesAt    time.Time
	SubmittedAt *time.Time
}

// The names of a form's fields: the page's inputs and the validation
// errors' fields are the same.
func BeforeField(position int) string { return fmt.Sprintf("outcome-%d-before", position) }
func NowField(position int) string    { return fmt.Sprintf("outcome-%d-now", position) }
func QuestionField(id int64) string   { return fmt.Sprintf("question-%d", id) }
func EvaluationPath(bookingID int64) string {
	return fmt.Sprintf("/my-training/evaluations/%d", bookingID)
}

// Answers is what a person sent on the evaluation form, as typed.
type Answers struct {
	// Before and Now are the confidence (1 to 5) on each learning outcome,
	// by its position.
	Before, Now map[int]string
	// Questions are the answers by question id: a rating "1" to "5", "yes"
	// or "no", or text.
	Questions map[int64]string
	// Shown are the questions the form showed: their answers are taken,
	// even if a manager has changed or retired them since.
	Shown []int64
}

// Form returns the actor's evaluation of their own place bookingID.
// Someone else's place is ErrNotFound, as one that does not exist; one the
// register does not show them at is ErrNotAttended; one that closed
// unanswered is a conflict that says when. One answered is returned with
// SubmittedAt set (and no questions).
func (s *Service) Form(ctx context.Context, bookingID int64) (Form, error) {
	a := actor.From(ctx)
	if !a.SignedIn() {
		return Form{}, ErrNotFound
	}
	q := evaluationdb.New(s.pool)
	p, err := q.EvaluationPlace(ctx, evaluationdb.EvaluationPlaceParams{BookingID: bookingID, UserID: a.ID})
	if errors.Is(err, pgx.ErrNoRows) {
		return Form{}, ErrNotFound
	} else if err != nil {
		return Form{}, fmt.Errorf("evaluation of place %d: %w", bookingID, err)
	}
	if !p.Attended || !p.Asked || p.ClosesAt == nil {
		return Form{}, ErrNotAttended
	}
	f := Form{BookingID: p.BookingID, Course: p.CourseTitle, StartsAt: p.StartsAt, EndsAt: p.EndsAt,
		Outcomes: p.LearningOutcomes, ClosesAt: *p.ClosesAt, SubmittedAt: p.SubmittedAt}
	if f.SubmittedAt != nil {
		return f, nil
	}
	if !f.ClosesAt.After(s.now()) {
		return Form{}, evaluationClosed(f.ClosesAt)
	}
	rows, err := q.CurrentQuestions(ctx, p.BookingID)
	if err != nil {
		return Form{}, fmt.Errorf("evaluation questions: %w", err)
	}
	for _, r := range rows {
		f.Questions = append(f.Questions, Question{ID: r.ID, Kind: QuestionKind(r.Kind), Wording: r.Wording, Hint: r.Hint})
	}
	return f, nil
}

// Submit saves the actor's answers to the evaluation of their own place
// bookingID, once: the evaluation is locked, and whether it is still theirs
// to answer (attended, open, unanswered) is checked again under the lock,
// so of two answers sent at once one saves and the other is
// ErrAlreadyEvaluated. Every confidence and rating, and each yes or no, is
// required; written answers are optional. Problems are a
// *validation.Errors, a message for each field, and nothing is saved.
func (s *Service) Submit(ctx context.Context, bookingID int64, ans Answers) error {
	a := actor.From(ctx)
	if !a.SignedIn() {
		return ErrNotFound
	}
	now := s.now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := evaluationdb.New(tx)
		e, err := q.LockEvaluation(ctx, evaluationdb.LockEvaluationParams{BookingID: bookingID, UserID: a.ID})
		if errors.Is(err, pgx.ErrNoRows) {
			// Not theirs (or none), or theirs and never asked: say which.
			if _, err := q.EvaluationPlace(ctx, evaluationdb.EvaluationPlaceParams{BookingID: bookingID, UserID: a.ID}); errors.Is(err, pgx.ErrNoRows) {
				return ErrNotFound
			} else if err != nil {
				return fmt.Errorf("evaluation of place %d: %w", bookingID, err)
			}
			return ErrNotAttended
		} else if err != nil {
			return fmt.Errorf("lock evaluation of place %d: %w", bookingID, err)
		}
		switch {
		case !e.Attended:
			return ErrNotAttended
		case e.SubmittedAt != nil:
			return ErrAlreadyEvaluated
		case !e.ClosesAt.After(now):
			return evaluationClosed(e.ClosesAt)
		}
		questions, err := shownQuestions(ctx, q, bookingID, ans.Shown)
		if err != nil {
			return err
		}

		var v validation.Errors
		var out evaluationdb.InsertEvaluationOutcomesParams
		out.BookingID = bookingID
		for i, outcome := range e.LearningOutcomes {
			pos := i + 1
			before := scale(&v, BeforeField(pos), ans.Before[pos], "Select how confident you were before the session about: "+outcome)
			after := scale(&v, NowField(pos), ans.Now[pos], "Select how confident you are now about: "+outcome)
			out.Positions = append(out.Positions, int16(pos))
			out.Outcomes = append(out.Outcomes, outcome)
			out.Befores = append(out.Befores, int16(before))
			out.Afters = append(out.Afters, int16(after))
		}
		answers := evaluationdb.InsertEvaluationAnswersParams{BookingID: bookingID}
		for _, qu := range questions {
			field, typed := QuestionField(qu.ID), ans.Questions[qu.ID]
			var rating int
			var yes, text string
			switch qu.Kind {
			case KindRating:
				rating = scale(&v, field, typed, "Select an answer to: "+qu.Wording)
			case KindYesNo:
				switch yes = strings.TrimSpace(typed); yes {
				case "yes", "no":
				default:
					v.Add(field, "Select yes or no: "+qu.Wording)
				}
			default:
				text = validation.CleanText(typed)
				if utf8.RuneCountInString(text) > MaxAnswer {
					v.Add(field, fmt.Sprintf("Your answer to “%s” must be %s characters or fewer", qu.Wording, thousands(MaxAnswer)))
				}
				if text == "" {
					continue // optional: no row
				}
			}
			answers.QuestionIds = append(answers.QuestionIds, qu.ID)
			answers.Ratings = append(answers.Ratings, int16(rating))
			answers.Yeses = append(answers.Yeses, yes)
			answers.Answers = append(answers.Answers, text)
		}
		if err := v.Err(); err != nil {
			return err
		}

		if err := q.InsertEvaluationOutcomes(ctx, out); err != nil {
			return fmt.Errorf("save outcomes of place %d: %w", bookingID, err)
		}
		if err := q.InsertEvaluationAnswers(ctx, answers); err != nil {
			return fmt.Errorf("save answers of place %d: %w", bookingID, err)
		}
		if err := q.MarkEvaluationSubmitted(ctx, evaluationdb.MarkEvaluationSubmittedParams{Now: &now, BookingID: bookingID}); err != nil {
			return fmt.Errorf("mark evaluation of place %d answered: %w", bookingID, err)
		}
		return audit.RecordTx(ctx, tx, now, audit.Event{Action: audit.EvaluationSubmitted, ActorID: a.IDPtr(), SubjectID: &a.ID,
			IP: a.IP, Details: map[string]any{"booking_id": bookingID}})
	})
}

// shownQuestions are the questions a form showed, in order; the questions
// asked now when it names none. An id that is no question is refused.
func shownQuestions(ctx context.Context, q *evaluationdb.Queries, bookingID int64, shown []int64) ([]Question, error) {
	var out []Question
	if len(shown) == 0 {
		rows, err := q.CurrentQuestions(ctx, bookingID)
		if err != nil {
			return nil, fmt.Errorf("evaluation questions: %w", err)
		}
		for _, r := range rows {
			out = append(out, Question{ID: r.ID, Kind: QuestionKind(r.Kind), Wording: r.Wording})
		}
		return out, nil
	}
	ids := slices.Clone(shown)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	rows, err := q.QuestionsByID(ctx, evaluationdb.QuestionsByIDParams{BookingID: bookingID, Ids: ids})
	if err != nil {
		return nil, fmt.Errorf("evaluation questions %v: %w", ids, err)
	}
	if len(rows) != len(ids) {
		return nil, ErrUnknownQuestion
	}
	for _, r := range rows {
		out = append(out, Question{ID: r.ID, Kind: QuestionKind(r.Kind), Wording: r.Wording})
	}
	return out, nil
}

// scale reads a point of a five-point scale from typed, or adds message
// to field.
func scale(v *validation.Errors, field, typed, message string) int {
	n, err := strconv.Atoi(strings.TrimSpace(typed))
	if err != nil || n < 1 || n > 5 {
		v.Add(field, message)
		return 0
	}
	return n
}

// thousands writes n with a comma between thousands: 5,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if len(s) <= 3 {
		return s
	}
	return thousands(n/1000) + "," + s[len(s)-3:]
}

// TaskKind is what a task on My training asks.
type TaskKind string

// The tasks a person may have.
const (
	EvaluateTask TaskKind = "evaluate"  // evaluate a session attended
	FollowUpTask TaskKind = "follow-up" // say how the learning has been used
)

// Task is something the person is asked to do about a session they
// attended, by ClosesAt.
type Task struct {
	Kind      TaskKind
	BookingID int64
	Course    string
	StartsAt  time.Time
	EndsAt    time.Time
	ClosesAt  time.Time
	// Link is the task's page.
	Link string
}

// Tasks are the actor's open evaluations and follow-ups, the one closing
// soonest first.
func (s *Service) Tasks(ctx context.Context) ([]Task, error) {
	a := actor.From(ctx)
	if !a.SignedIn() {
		return nil, nil
	}
	now := s.now()
	q := evaluationdb.New(s.pool)
	evals, err := q.OpenEvaluations(ctx, evaluationdb.OpenEvaluationsParams{UserID: a.ID, Now: now})
	if err != nil {
		return nil, fmt.Errorf("open evaluations of %d: %w", a.ID, err)
	}
	follows, err := q.OpenFollowUps(ctx, evaluationdb.OpenFollowUpsParams{UserID: a.ID, Now: now})
	if err != nil {
		return nil, fmt.Errorf("open follow-ups of %d: %w", a.ID, err)
	}
	tasks := make([]Task, 0, len(evals)+len(follows))
	for _, e := range evals {
		tasks = append(tasks, Task{Kind: EvaluateTask, BookingID: e.BookingID, Course: e.CourseTitle, StartsAt: e.StartsAt,
			EndsAt: e.EndsAt, ClosesAt: e.ClosesAt, Link: EvaluationPath(e.BookingID)})
	}
	for _, f := range follows {
		tasks = append(tasks, Task{Kind: FollowUpTask, BookingID: f.BookingID, Course: f.CourseTitle, StartsAt: f.StartsAt,
			EndsAt: f.EndsAt, ClosesAt: f.ClosesAt, Link: FollowUpPath(f.BookingID)})
	}
	sort.SliceStable(tasks, func(i, j int) bool { return tasks[i].ClosesAt.Before(tasks[j].ClosesAt) })
	return tasks, nil
}

// AwaitingEvaluation is the actor's places whose certificate waits for
// their evaluation (their session's partnership's settings say a
// certificate opens once it is done): each open, unanswered one, with the
// page to answer it.
func (s *Service) AwaitingEvaluation(ctx context.Context) (map[int64]string, error) {
	a := actor.From(ctx)
	if !a.SignedIn() {
		return nil, nil
	}
	q := evaluationdb.New(s.pool)
	evals, err := q.OpenEvaluations(ctx, evaluationdb.OpenEvaluationsParams{UserID: a.ID, Now: s.now()})
	if err != nil {
		return nil, fmt.Errorf("open evaluations of %d: %w", a.ID, err)
	}
	out := make(map[int64]string, len(evals))
	for _, e := range evals {
		if e.CertificateWaits {
			out[e.BookingID] = EvaluationPath(e.BookingID)
		}
	}
	return out, nil
}
