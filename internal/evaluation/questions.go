package evaluation

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/evaluation/internal/evaluationdb"
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/validation"
)

var (
	// ErrQuestionNotFound: no question has that id.
	ErrQuestionNotFound = errs.New(errs.NotFound, "evaluation question not found")
	// ErrQuestionChanged: the version being changed, moved or removed is no
	// longer the one asked, because someone changed or removed it first.
	ErrQuestionChanged = errs.Says(errs.Conflict, "Someone else changed or removed this question a moment ago. "+
		"Check the list of questions as it is now, then make your change again if it is still needed.")
)

// QuestionKind is the kind of answer a standard question takes.
type QuestionKind string

// The kinds of question.
const (
	KindRating QuestionKind = "rating" // a five-point scale
	KindYesNo  QuestionKind = "yes_no"
	KindText   QuestionKind = "text"
)

// QuestionKinds are the kinds a manager chooses from, in the order offered.
var QuestionKinds = []QuestionKind{KindRating, KindYesNo, KindText}

// Label is how the kind is named to a training manager.
func (k QuestionKind) Label() string {
	switch k {
	case KindRating:
		return "A rating on a five-point scale"
	case KindYesNo:
		return "Yes or no"
	case KindText:
		return "Their own words"
	}
	return string(k)
}

// Limits of a question's text, as the table's checks keep them.
const (
	MaxWording = 300
	MaxHint    = 500
)

// Question is one version of a standard question.
type Question struct {
	ID int64
	// Lineage is the question across its versions.
	Lineage   int64
	Version   int
	Kind      QuestionKind
	Wording   string
	Hint      string
	Position  int
	CreatedAt time.Time
	RetiredAt *time.Time
}

func questionFrom(r evaluationdb.EvaluationQuestion) Question {
	return Question{ID: r.ID, Lineage: r.Lineage, Version: int(r.Version), Kind: QuestionKind(r.Kind),
		Wording: r.Wording, Hint: r.Hint, Position: int(r.Position), CreatedAt: r.CreatedAt, RetiredAt: r.RetiredAt}
}

// QuestionForm is a question as a manager types it. Kind is chosen when the
// question is added; a change keeps it (an empty Kind means "as it was").
type QuestionForm struct {
	Kind    string
	Wording string
	Hint    string
}

// Form returns q as the question form shows it.
func (q Question) Form() QuestionForm {
	return QuestionForm{Kind: string(q.Kind), Wording: q.Wording, Hint: q.Hint}
}

// The form's fields, as the web form names them.
const (
	FieldQuestionKind    = "kind"
	FieldQuestionWording = "wording"
	FieldQuestionHint    = "hint"
)

// clean returns the form's text cleaned, and the problems with it.
func (f QuestionForm) clean() (QuestionForm, *validation.Errors) {
	var v validation.Errors
	f.Wording = validation.CleanLine(f.Wording)
	f.Hint = validation.CleanLine(f.Hint)
	switch n := utf8.RuneCountInString(f.Wording); {
	case n == 0:
		v.Add(FieldQuestionWording, "Enter the question")
	case n > MaxWording:
		v.Add(FieldQuestionWording, fmt.Sprintf("The question must be %d characters or fewer", MaxWording))
	}
	if utf8.RuneCountInString(f.Hint) > MaxHint {
		v.Add(FieldQuestionHint, fmt.Sprintf("The hint must be %d characters or fewer", MaxHint))
	}
	if f.Kind != "" && !validKind(f.Kind) {
		v.Add(FieldQuestionKind, "Choose the kind of answer the question takes")
	}
	if len(v.Fields) == 0 {
		return f, nil
	}
	return f, &v
}

func validKind(k string) bool {
	for _, kind := range QuestionKinds {
		if string(kind) == k {
			return true
		}
	}
	return false
}

// Questions returns the standard questions asked now, in their order.
func (s *Service) Questions(ctx context.Context) ([]Question, error) {
	if !actor.From(ctx).Manager {
		return nil, ErrForbidden
	}
	return currentQuestions(ctx, evaluationdb.New(s.pool))
}

func currentQuestions(ctx context.Context, q *evaluationdb.Queries) ([]Question, error) {
	rows, err := q.StandardQuestions(ctx)
	if err != nil {
		return nil, fmt.Errorf("evaluation questions: %w", err)
	}
	out := make([]Question, len(rows))
	for i, r := range rows {
		out[i] = questionFrom(r)
	}
	return out, nil
}

// Question returns one version of a standard question (a manager's edit
// page shows it).
func (s *Service) Question(ctx context.Context, id int64) (Question, error) {
	if !actor.From(ctx).Manager {
		return Question{}, ErrForbidden
	}
	r, err := evaluationdb.New(s.pool).Question(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Question{}, ErrQuestionNotFound
	} else if err != nil {
		return Question{}, fmt.Errorf("evaluation question %d: %w", id, err)
	}
	return questionFrom(r), nil
}

// AddQuestion adds a standard question, asked last, of evaluations asked
// from now on.
func (s *Service) AddQuestion(ctx context.Context, f QuestionForm) (Question, error) {
	who := actor.From(ctx)
	if !who.Manager {
		return Question{}, ErrForbidden
	}
	f, v := f.clean()
	if v == nil && f.Kind == "" {
		v = &validation.Errors{}
		v.Add(FieldQuestionKind, "Choose the kind of answer the question takes")
	}
	if v != nil {
		return Question{}, v
	}
	now := s.now()
	var added Question
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		r, err := evaluationdb.New(tx).AddQuestion(ctx, evaluationdb.AddQuestionParams{
			Kind: evaluationdb.EvaluationQuestionKind(f.Kind), Wording: f.Wording, Hint: f.Hint, Now: now})
		if err != nil {
			return fmt.Errorf("add evaluation question: %w", err)
		}
		added = questionFrom(r)
		return audit.RecordTx(ctx, tx, now, audit.Event{Action: audit.EvaluationQuestionAdded, ActorID: who.IDPtr(), IP: who.IP,
			Details: map[string]any{"question_id": added.ID, "lineage": added.Lineage, "kind": string(added.Kind),
				"wording": added.Wording, "hint": added.Hint}})
	})
	return added, err
}

// ChangeQuestion words a question afresh. The version asked until now is
// retired and the next version of the same question takes its place, so
// every answer already given keeps the wording it was given. A form that
// changes nothing changes nothing, and returns the question as it is. Its
// kind cannot change: answers of one kind cannot be read as another.
func (s *Service) ChangeQuestion(ctx context.Context, id int64, f QuestionForm) (Question, error) {
	who := actor.From(ctx)
	if !who.Manager {
		return Question{}, ErrForbidden
	}
	f, v := f.clean()
	if v != nil {
		return Question{}, v
	}
	now := s.now()
	var next Question
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := evaluationdb.New(tx)
		was, err := liveQuestion(ctx, q, id)
		if err != nil {
			return err
		}
		if f.Kind != "" && QuestionKind(f.Kind) != was.Kind {
			var v validation.Errors
			v.Add(FieldQuestionKind, "A question keeps the kind of answer it takes: remove it and add a new question instead")
			return &v
		}
		if f.Wording == was.Wording && f.Hint == was.Hint {
			next = was
			return nil
		}
		if n, err := q.RetireQuestion(ctx, evaluationdb.RetireQuestionParams{Now: &now, ID: id}); err != nil {
			return fmt.Errorf("retire evaluation question %d: %w", id, err)
		} else if n == 0 {
			return ErrQuestionChanged
		}
		r, err := q.AddQuestionVersion(ctx, evaluationdb.AddQuestionVersionParams{Lineage: was.Lineage,
			Version: int32(was.Version + 1), Kind: evaluationdb.EvaluationQuestionKind(was.Kind), Wording: f.Wording,
			Hint: f.Hint, Position: int32(was.Position), Now: now})
		if pgerr.Violates(err, "evaluation_questions_one_current", "evaluation_questions_version_key") {
			return ErrQuestionChanged
		} else if err != nil {
			return fmt.Errorf("add version %d of evaluation question %d: %w", was.Version+1, was.Lineage, err)
		}
		next = questionFrom(r)
		return audit.RecordTx(ctx, tx, now, audit.Event{Action: audit.EvaluationQuestionChanged, ActorID: who.IDPtr(), IP: who.IP,
			Details: map[string]any{"lineage": was.Lineage, "from_id": was.ID, "to_id": next.ID, "version": next.Version,
				"from": map[string]string{"wording": was.Wording, "hint": was.Hint},
				"to":   map[string]string{"wording": next.Wording, "hint": next.Hint}}})
	})
	return next, err
}

// liveQuestion is question id, which must be the version asked now.
func liveQuestion(ctx context.Context, q *evaluationdb.Queries, id int64) (Question, error) {
	r, err := q.Question(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Question{}, ErrQuestionNotFound
	} else if err != nil {
		return Question{}, fmt.Errorf("evaluation question %d: %w", id, err)
	}
	if r.RetiredAt != nil {
		return Question{}, ErrQuestionChanged
	}
	return questionFrom(r), nil
}

// RetireQuestion stops asking a question. The answers already given stay,
// with the wording they were given.
func (s *Service) RetireQuestion(ctx context.Context, id int64) error {
	who := actor.From(ctx)
	if !who.Manager {
		return ErrForbidden
	}
	now := s.now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := evaluationdb.New(tx)
		was, err := liveQuestion(ctx, q, id)
		if err != nil {
			return err
		}
		if n, err := q.RetireQuestion(ctx, evaluationdb.RetireQuestionParams{Now: &now, ID: id}); err != nil {
			return fmt.Errorf("retire evaluation question %d: %w", id, err)
		} else if n == 0 {
			return ErrQuestionChanged
		}
		return audit.RecordTx(ctx, tx, now, audit.Event{Action: audit.EvaluationQuestionRetired, ActorID: who.IDPtr(), IP: who.IP,
			Details: map[string]any{"question_id": was.ID, "lineage": was.Lineage, "wording": was.Wording}})
	})
}

// MoveQuestion swaps a question with the one before it (up) or after it in
// the order. The first question cannot go up, nor the last down: nothing
// changes then.
func (s *Service) MoveQuestion(ctx context.Context, id int64, up bool) error {
	who := actor.From(ctx)
	if !who.Manager {
		return ErrForbidden
	}
	now := s.now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := evaluationdb.New(tx)
		rows, err := q.CurrentQuestionsForUpdate(ctx)
		if err != nil {
			return fmt.Errorf("evaluation questions: %w", err)
		}
		at := -1
		for i, r := range rows {
			if r.ID == id {
				at = i
			}
		}
		if at < 0 {
			if _, err := liveQuestion(ctx, q, id); err != nil {
				return err
			}
			return ErrQuestionChanged
		}
		other := at + 1
		if up {
			other = at - 1
		}
		if other < 0 || other >= len(rows) {
			return nil
		}
		// Positions are kept distinct as the order shows them, so the swap
		// moves exactly one place even if two shared a position.
		for i, r := range rows {
			pos := i + 1
			switch i {
			case at:
				pos = other + 1
			case other:
				pos = at + 1
			}
			if int(r.Position) != pos {
				if err := q.SetQuestionPosition(ctx, evaluationdb.SetQuestionPositionParams{Position: int32(pos), ID: r.ID}); err != nil {
					return fmt.Errorf("move evaluation question %d: %w", r.ID, err)
				}
			}
		}
		direction := "down"
		if up {
			direction = "up"
		}
		return audit.RecordTx(ctx, tx, now, audit.Event{Action: audit.EvaluationQuestionMoved, ActorID: who.IDPtr(), IP: who.IP,
			Details: map[string]any{"question_id": id, "lineage": rows[at].Lineage, "direction": direction,
				"swapped_with": rows[other].ID}})
	})
}
