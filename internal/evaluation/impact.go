package evaluation

import (
	"context"
	"errors"
	"fmt"
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

var (
	// ErrNoFollowUp: the place is the person's, and no follow-up has been
	// asked of it (yet, or ever).
	ErrNoFollowUp = errs.Says(errs.Conflict, "There is no follow-up for this place yet: you are asked how you have used the learning about three months after the session.")
	// ErrAlreadyFollowedUp: the follow-up was answered. Nothing more is saved.
	ErrAlreadyFollowedUp = errs.Says(errs.Conflict, "This follow-up has already been answered. Thank you: the answers were saved the first time.")
	// ErrLinkUnknown: no line manager's follow-up has this link (never
	// made, mistyped, or its person's data erased).
	ErrLinkUnknown = errs.New(errs.NotFound, "no follow-up has this link")
)

// followUpClosed is the refusal of a follow-up that closed unanswered.
func followUpClosed(closes time.Time, lineManager bool) error {
	if lineManager {
		return errs.Says(errs.Conflict, fmt.Sprintf("This link expired on %s. It can no longer be used to answer.", london.LongDate(closes)))
	}
	return errs.Says(errs.Conflict, fmt.Sprintf("This follow-up closed on %s. It can no longer be answered.", london.LongDate(closes)))
}

// ImpactForm is an impact follow-up as its respondent sees it: the session
// and the course's learning outcomes; for a line manager, the person's name
// too, and nothing else about them. SubmittedAt is set once it is answered.
type ImpactForm struct {
	BookingID   int64
	Person      string // the line manager's form only
	Course      string
	StartsAt    time.Time
	EndsAt      time.Time
	Outcomes    []string
	ClosesAt    time.Time
	SubmittedAt *time.Time
}

// ImpactAnswers is what a follow-up's respondent sent, as typed.
type ImpactAnswers struct {
	// Example: how the learning was used in practice (required).
	Example string
	// Confidence now on each learning outcome, "1" to "5", by position.
	Confidence map[int]string
	// Barriers: what got in the way (optional).
	Barriers string
}

// The follow-up form's fields.
const (
	ExampleField  = "example"
	BarriersField = "barriers"
)

// ConfidenceField is the field of confidence now on the outcome at position.
func ConfidenceField(position int) string { return fmt.Sprintf("outcome-%d", position) }

// FollowUpPath is the page of the person's own follow-up of bookingID.
func FollowUpPath(bookingID int64) string {
	return fmt.Sprintf("/my-training/follow-ups/%d", bookingID)
}

// LineManagerPath is the page a line manager's link opens.
func LineManagerPath(token string) string { return "/follow-ups/" + token }

// FollowUp returns the actor's own follow-up of their place bookingID.
// Someone else's place is ErrNotFound; one with no follow-up asked is
// ErrNoFollowUp; one closed unanswered is a conflict that says when. One
// answered is returned with SubmittedAt set.
func (s *Service) FollowUp(ctx context.Context, bookingID int64) (ImpactForm, error) {
	a := actor.From(ctx)
	if !a.SignedIn() {
		return ImpactForm{}, ErrNotFound
	}
	f, err := attendeeFollowUp(ctx, evaluationdb.New(s.pool), a, bookingID)
	if err != nil || f.SubmittedAt != nil {
		return f, err
	}
	if !f.ClosesAt.After(s.now()) {
		return ImpactForm{}, followUpClosed(f.ClosesAt, false)
	}
	return f, nil
}

func attendeeFollowUp(ctx context.Context, q *evaluationdb.Queries, a actor.Actor, bookingID int64) (ImpactForm, error) {
	r, err := q.AttendeeFollowUp(ctx, evaluationdb.AttendeeFollowUpParams{BookingID: bookingID, UserID: a.ID})
	if errors.Is(err, pgx.ErrNoRows) {
		return ImpactForm{}, ErrNotFound
	} else if err != nil {
		return ImpactForm{}, fmt.Errorf("follow-up of place %d: %w", bookingID, err)
	}
	if !r.Asked || r.ClosesAt == nil {
		return ImpactForm{}, ErrNoFollowUp
	}
	return ImpactForm{BookingID: r.BookingID, Course: r.CourseTitle, StartsAt: r.StartsAt, EndsAt: r.EndsAt,
		Outcomes: r.LearningOutcomes, ClosesAt: *r.ClosesAt, SubmittedAt: r.SubmittedAt}, nil
}

// LineManagerFollowUp returns the follow-up a line manager's link opens.
// A link no follow-up has (or whose person has been erased) is
// ErrLinkUnknown; one that has expired unanswered is a conflict that says
// when. One answered is returned with SubmittedAt set.
func (s *Service) LineManagerFollowUp(ctx context.Context, token string) (ImpactForm, error) {
	f, _, err := lineManagerFollowUp(ctx, evaluationdb.New(s.pool), token)
	if err != nil || f.SubmittedAt != nil {
		return f, err
	}
	if !f.ClosesAt.After(s.now()) {
		return ImpactForm{}, followUpClosed(f.ClosesAt, true)
	}
	return f, nil
}

// lineManagerFollowUp is the follow-up of token, and whose place it is.
func lineManagerFollowUp(ctx context.Context, q *evaluationdb.Queries, token string) (ImpactForm, int64, error) {
	if token == "" || len(token) > 100 {
		return ImpactForm{}, 0, ErrLinkUnknown
	}
	r, err := q.LineManagerFollowUp(ctx, tokenHash(token))
	if errors.Is(err, pgx.ErrNoRows) {
		return ImpactForm{}, 0, ErrLinkUnknown
	} else if err != nil {
		return ImpactForm{}, 0, fmt.Errorf("line manager's follow-up: %w", err)
	}
	return ImpactForm{BookingID: r.BookingID, Person: r.FullName, Course: r.CourseTitle, StartsAt: r.StartsAt, EndsAt: r.EndsAt,
		Outcomes: r.LearningOutcomes, ClosesAt: r.ClosesAt, SubmittedAt: r.SubmittedAt}, r.UserID, nil
}

// SubmitFollowUp saves the actor's answers to their own follow-up of
// bookingID, once (see saveFollowUp).
func (s *Service) SubmitFollowUp(ctx context.Context, bookingID int64, ans ImpactAnswers) error {
	a := actor.From(ctx)
	if !a.SignedIn() {
		return ErrNotFound
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := attendeeFollowUp(ctx, evaluationdb.New(tx), a, bookingID); err != nil {
			return err
		}
		return s.saveFollowUp(ctx, tx, bookingID, a.ID, evaluationdb.ImpactRespondentAttendee, ans)
	})
}

// SubmitLineManagerFollowUp saves a line manager's answers through their
// link, once (see saveFollowUp).
func (s *Service) SubmitLineManagerFollowUp(ctx context.Context, token string, ans ImpactAnswers) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		f, person, err := lineManagerFollowUp(ctx, evaluationdb.New(tx), token)
		if err != nil {
			return err
		}
		return s.saveFollowUp(ctx, tx, f.BookingID, person, evaluationdb.ImpactRespondentLineManager, ans)
	})
}

// saveFollowUp locks the follow-up, checks again under the lock that it is
// open and unanswered (so of two answers sent at once one saves and the
// other is ErrAlreadyFollowedUp), checks the answers (a
// *validation.Errors, with nothing saved), and saves them, audited.
func (s *Service) saveFollowUp(ctx context.Context, tx pgx.Tx, bookingID, person int64, who evaluationdb.ImpactRespondent, ans ImpactAnswers) error {
	q := evaluationdb.New(tx)
	now := s.now()
	lineManager := who == evaluationdb.ImpactRespondentLineManager
	f, err := q.LockFollowUp(ctx, evaluationdb.LockFollowUpParams{BookingID: bookingID, Respondent: who})
	if errors.Is(err, pgx.ErrNoRows) {
		if lineManager {
			return ErrLinkUnknown
		}
		return ErrNoFollowUp
	} else if err != nil {
		return fmt.Errorf("lock follow-up of place %d: %w", bookingID, err)
	}
	if f.SubmittedAt != nil {
		return ErrAlreadyFollowedUp
	}
	if !f.ClosesAt.After(now) {
		return followUpClosed(f.ClosesAt, lineManager)
	}

	var v validation.Errors
	example := validation.CleanText(ans.Example)
	switch {
	case example == "" && lineManager:
		v.Add(ExampleField, "Enter an example of how they have used the learning")
	case example == "":
		v.Add(ExampleField, "Enter an example of how you have used the learning in your practice")
	case utf8.RuneCountInString(example) > MaxAnswer:
		v.Add(ExampleField, fmt.Sprintf("The example must be %s characters or fewer", thousands(MaxAnswer)))
	}
	out := evaluationdb.InsertImpactOutcomesParams{BookingID: bookingID, Respondent: who}
	for i, outcome := range f.LearningOutcomes {
		pos := i + 1
		msg := "Select how confident you are now about: " + outcome
		if lineManager {
			msg = "Select how confident you think they are now about: " + outcome
		}
		c := scale(&v, ConfidenceField(pos), ans.Confidence[pos], msg)
		out.Positions = append(out.Positions, int16(pos))
		out.Outcomes = append(out.Outcomes, outcome)
		out.Confidences = append(out.Confidences, int16(c))
	}
	barriers := validation.CleanText(ans.Barriers)
	if utf8.RuneCountInString(barriers) > MaxAnswer {
		v.Add(BarriersField, fmt.Sprintf("What got in the way must be %s characters or fewer", thousands(MaxAnswer)))
	}
	if err := v.Err(); err != nil {
		return err
	}

	if err := q.SaveFollowUp(ctx, evaluationdb.SaveFollowUpParams{Example: &example, Barriers: barriers, Now: &now,
		BookingID: bookingID, Respondent: who}); err != nil {
		return fmt.Errorf("save follow-up of place %d: %w", bookingID, err)
	}
	if err := q.InsertImpactOutcomes(ctx, out); err != nil {
		return fmt.Errorf("save follow-up outcomes of place %d: %w", bookingID, err)
	}
	a := actor.From(ctx)
	return audit.RecordTx(ctx, tx, now, audit.Event{Action: audit.ImpactSubmitted, ActorID: a.IDPtr(), SubjectID: &person,
		IP: a.IP, Details: map[string]any{"booking_id": bookingID, "respondent": strings.ReplaceAll(string(who), "_", " ")}})
}
