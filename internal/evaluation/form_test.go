package evaluation_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/evaluation"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/validation"
)

var now = time.Date(2026, time.November, 23, 9, 0, 0, 0, time.UTC)

type fixture struct {
	ctx      context.Context
	pool     *pgxpool.Pool
	evals    *evaluation.Service
	agency   int64
	outcomes []string
	course   string
}

func setup(t testing.TB) fixture {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := demo.Seed(ctx, pool, now)
	require.NoError(t, err)
	base, _ := url.Parse("https://book.example.org")
	f := fixture{ctx: ctx, pool: pool, evals: evaluation.New(pool, nil, base, func() time.Time { return now }, nil)}
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM agencies ORDER BY id LIMIT 1").Scan(&f.agency))
	require.NoError(t, pool.QueryRow(ctx, "SELECT title, learning_outcomes FROM courses ORDER BY id LIMIT 1").Scan(&f.course, &f.outcomes))
	require.GreaterOrEqual(t, len(f.outcomes), 2, "the demo course has outcomes")
	return f
}

func (f fixture) person(t testing.TB, email string) actor.Actor {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
		VALUES ($1::text, initcap(split_part($1::text, '@', 1)) || ' Tester', $2, '!', now()) RETURNING id`, email, f.agency).Scan(&id))
	a := f.agency
	return actor.Actor{ID: id, AgencyID: &a, IP: "192.0.2.7"}
}

// place puts who on a session of the first course that ended a week ago,
// marked with attendance ("" for none); asked, it is asked to evaluate,
// closing closes from now.
func (f fixture) place(t testing.TB, who actor.Actor, attendance string, asked bool, closes time.Duration) int64 {
	t.Helper()
	starts := now.Add(-7 * 24 * time.Hour)
	var att *string
	if attendance != "" {
		att = &attendance
	}
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		WITH s AS (
			INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
			SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), $1, $2, $3, 10, 'completed'
			FROM courses c ORDER BY c.id LIMIT 1 RETURNING id)
		INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at, attendance, attendance_at)
		SELECT s.id, $4, $5, 'confirmed', $4, $3, $3, $6, CASE WHEN $6::text IS NULL THEN NULL ELSE $2 END FROM s
		RETURNING id`, starts, starts.Add(3*time.Hour), starts.Add(-24*time.Hour), who.ID, f.agency, att).Scan(&id))
	if asked {
		_, err := f.pool.Exec(f.ctx, `INSERT INTO evaluations (booking_id, asked_at, closes_at, follow_up_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, id, now.Add(-24*time.Hour), now.Add(closes), now.Add(90*24*time.Hour))
		require.NoError(t, err)
	}
	return id
}

func (f fixture) as(who actor.Actor) context.Context { return actor.With(f.ctx, who) }

func (f fixture) count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, sql, args...).Scan(&n))
	return n
}

// saved is how many rows a place's evaluation has: outcomes and answers,
// and whether it is marked answered.
func (f fixture) saved(t testing.TB, booking int64) string {
	t.Helper()
	return fmt.Sprintf("outcomes %d, answers %d, submitted %d",
		f.count(t, "SELECT count(*) FROM evaluation_outcomes WHERE booking_id = $1", booking),
		f.count(t, "SELECT count(*) FROM evaluation_answers WHERE booking_id = $1", booking),
		f.count(t, "SELECT count(*) FROM evaluations WHERE booking_id = $1 AND submitted_at IS NOT NULL", booking))
}

// fullAnswers answers every outcome and question of form: confidence 2
// before and 4 now, ratings 4, yes, and text.
func fullAnswers(form evaluation.Form) evaluation.Answers {
	ans := evaluation.Answers{Before: map[int]string{}, Now: map[int]string{}, Questions: map[int64]string{}}
	for i := range form.Outcomes {
		ans.Before[i+1], ans.Now[i+1] = "2", "4"
	}
	for _, q := range form.Questions {
		ans.Shown = append(ans.Shown, q.ID)
		switch q.Kind {
		case evaluation.KindRating:
			ans.Questions[q.ID] = "4"
		case evaluation.KindYesNo:
			ans.Questions[q.ID] = "yes"
		default:
			ans.Questions[q.ID] = "The chronology exercise"
		}
	}
	return ans
}

func TestTheFormAsksEachOutcomeAndTheStandardQuestionsAndSavesTheAnswersOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sam := f.person(t, "sam@example.org")
	place := f.place(t, sam, "late", true, 29*24*time.Hour)

	form, err := f.evals.Form(f.as(sam), place)
	require.NoError(t, err)
	assert.Equal(t, f.course, form.Course)
	assert.Equal(t, f.outcomes, form.Outcomes)
	assert.Nil(t, form.SubmittedAt)
	var wordings []string
	for _, q := range form.Questions {
		wordings = append(wordings, string(q.Kind)+": "+q.Wording)
	}
	assert.Equal(t, []string{
		"rating: Overall, how would you rate the session?",
		"rating: How well did the trainers deliver the session?",
		"rating: How was the venue, or the online experience?",
		"text: What was most useful?",
		"text: What will you do differently in your practice?",
		"text: What could we improve?",
		"yes_no: Would you recommend this session to a colleague?",
	}, wordings)

	// Nothing answered: a message for every required field, in the form's
	// order, and nothing saved.
	err = f.evals.Submit(f.as(sam), place, evaluation.Answers{Shown: fullAnswers(form).Shown})
	var v *validation.Errors
	require.ErrorAs(t, err, &v)
	var fields []string
	for _, fe := range v.Fields {
		fields = append(fields, fe.Field)
	}
	want := []string{}
	for i := range form.Outcomes {
		want = append(want, evaluation.BeforeField(i+1), evaluation.NowField(i+1))
	}
	for _, q := range form.Questions {
		if q.Kind != evaluation.KindText {
			want = append(want, evaluation.QuestionField(q.ID))
		}
	}
	assert.Equal(t, want, fields)
	assert.Equal(t, "Select how confident you were before the session about: "+f.outcomes[0], v.Message(evaluation.BeforeField(1)))
	assert.Equal(t, "Select how confident you are now about: "+f.outcomes[0], v.Message(evaluation.NowField(1)))
	assert.Equal(t, "Select an answer to: Overall, how would you rate the session?", v.Message(evaluation.QuestionField(form.Questions[0].ID)))
	assert.Equal(t, "outcomes 0, answers 0, submitted 0", f.saved(t, place))

	// Out of range, and a text too long.
	ans := fullAnswers(form)
	ans.Before[1] = "6"
	ans.Questions[form.Questions[3].ID] = strings.Repeat("é", evaluation.MaxAnswer+1)
	err = f.evals.Submit(f.as(sam), place, ans)
	require.ErrorAs(t, err, &v)
	assert.True(t, v.Has(evaluation.BeforeField(1)))
	assert.Equal(t, "Your answer to “What was most useful?” must be 5,000 characters or fewer", v.Message(evaluation.QuestionField(form.Questions[3].ID)))
	assert.Equal(t, "outcomes 0, answers 0, submitted 0", f.saved(t, place))

	// Answered: a NUL byte and a right-to-left override are cleaned away; a
	// text left blank has no row.
	ans = fullAnswers(form)
	ans.Questions[form.Questions[3].ID] = "The \x00chronology\u202e exercise\r\nand the case study"
	ans.Questions[form.Questions[5].ID] = "   "
	require.NoError(t, f.evals.Submit(f.as(sam), place, ans))
	assert.Equal(t, fmt.Sprintf("outcomes %d, answers 6, submitted 1", len(f.outcomes)), f.saved(t, place))
	var text string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT answer FROM evaluation_answers WHERE booking_id = $1 AND question_id = $2",
		place, form.Questions[3].ID).Scan(&text))
	assert.Equal(t, "The chronology exercise\nand the case study", text)
	var outcome string
	var before, after int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT outcome, before, after FROM evaluation_outcomes WHERE booking_id = $1 AND position = 2",
		place).Scan(&outcome, &before, &after))
	assert.Equal(t, []any{f.outcomes[1], 2, 4}, []any{outcome, before, after})
	assert.Equal(t, 1, f.count(t, "SELECT count(*) FROM evaluation_answers WHERE booking_id = $1 AND yes", place))
	var details string
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT details::text FROM audit_events WHERE action = 'evaluation_submitted'
		AND actor_id = $1 AND subject_user_id = $1`, sam.ID).Scan(&details))
	assert.Equal(t, fmt.Sprintf(`{"booking_id": %d}`, place), details, "the audit names the place, not the answers")

	// Answered: the form says so, and a second answer saves nothing.
	form, err = f.evals.Form(f.as(sam), place)
	require.NoError(t, err)
	require.NotNil(t, form.SubmittedAt)
	assert.True(t, form.SubmittedAt.Equal(now))
	err = f.evals.Submit(f.as(sam), place, fullAnswers(form))
	assert.ErrorIs(t, err, evaluation.ErrAlreadyEvaluated)
	assert.Equal(t, fmt.Sprintf("outcomes %d, answers 6, submitted 1", len(f.outcomes)), f.saved(t, place))
}

func TestOnlyTheirOwnAttendedOpenEvaluation(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sam, kim := f.person(t, "sam@example.org"), f.person(t, "kim@example.org")
	open := f.place(t, sam, "attended", true, 10*24*time.Hour)
	absent := f.place(t, sam, "absent", true, 10*24*time.Hour) // the register was corrected
	unmarked := f.place(t, sam, "", false, 0)
	notAsked := f.place(t, sam, "attended", false, 0)
	closed := f.place(t, sam, "attended", true, -time.Hour)
	form, err := f.evals.Form(f.as(kim), open)
	assert.ErrorIs(t, err, evaluation.ErrNotFound, "someone else's place looks like a made-up one")
	assert.Empty(t, form.Course)
	_, err = f.evals.Form(f.as(sam), 99999999)
	assert.ErrorIs(t, err, evaluation.ErrNotFound)
	_, err = f.evals.Form(f.ctx, open)
	assert.ErrorIs(t, err, evaluation.ErrNotFound, "nobody signed in")

	answers := evaluation.Answers{Before: map[int]string{1: "3"}}
	for _, c := range []struct {
		name  string
		who   actor.Actor
		place int64
		want  error
		says  string
	}{
		{"someone else's", kim, open, evaluation.ErrNotFound, ""},
		{"made up", sam, 99999999, evaluation.ErrNotFound, ""},
		{"absent", sam, absent, evaluation.ErrNotAttended, "There is no evaluation for this place: the register does not show that you attended."},
		{"unmarked", sam, unmarked, evaluation.ErrNotAttended, ""},
		{"not asked", sam, notAsked, evaluation.ErrNotAttended, ""},
		{"closed", sam, closed, nil, "This evaluation closed on Monday 23 November 2026. "},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.evals.Form(f.as(c.who), c.place)
			for _, err := range []error{err, f.evals.Submit(f.as(c.who), c.place, answers)} {
				require.Error(t, err)
				if c.want != nil {
					assert.ErrorIs(t, err, c.want)
				} else {
					assert.True(t, errs.Is(err, errs.Conflict), "%v", err)
				}
				if c.says != "" {
					msg, ok := errs.PublicMessage(err)
					assert.True(t, ok)
					assert.True(t, strings.HasPrefix(msg, c.says), msg)
				}
			}
			assert.Equal(t, "outcomes 0, answers 0, submitted 0", f.saved(t, c.place))
		})
	}
}

// A manager changes a question while the form is open: the answer goes to
// the version shown, which keeps its wording. An id that is no question is
// refused, and saves nothing.
func TestAnswersGoToTheQuestionsShown(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sam := f.person(t, "sam@example.org")
	place := f.place(t, sam, "attended", true, 10*24*time.Hour)
	form, err := f.evals.Form(f.as(sam), place)
	require.NoError(t, err)
	first := form.Questions[0]
	_, err = f.pool.Exec(f.ctx, `
		WITH old AS (UPDATE evaluation_questions SET retired_at = now() WHERE id = $1 RETURNING lineage, version, kind, position)
		INSERT INTO evaluation_questions (lineage, version, kind, wording, position)
		SELECT lineage, version + 1, kind, 'How good was the session overall?', position FROM old`, first.ID)
	require.NoError(t, err)

	made := fullAnswers(form)
	made.Shown = append(made.Shown, 99999999)
	assert.ErrorIs(t, f.evals.Submit(f.as(sam), place, made), evaluation.ErrUnknownQuestion)
	assert.Equal(t, "outcomes 0, answers 0, submitted 0", f.saved(t, place))

	require.NoError(t, f.evals.Submit(f.as(sam), place, fullAnswers(form)))
	var wording string
	var rating int
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT q.wording, a.rating FROM evaluation_answers a
		JOIN evaluation_questions q ON q.id = a.question_id WHERE a.booking_id = $1 AND a.question_id = $2`, place, first.ID).
		Scan(&wording, &rating))
	assert.Equal(t, "Overall, how would you rate the session?", wording)
	assert.Equal(t, 4, rating)

	// The next person's form asks the new version.
	kim := f.person(t, "kim@example.org")
	next, err := f.evals.Form(f.as(kim), f.place(t, kim, "attended", true, 10*24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, "How good was the session overall?", next.Questions[0].Wording)
}

// Two tabs (or a double click) send the same evaluation at once: exactly
// one saves, the other is told it was already answered.
func TestTwoAnswersAtOnceSaveOne(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sam := f.person(t, "sam@example.org")
	place := f.place(t, sam, "attended", true, 10*24*time.Hour)
	form, err := f.evals.Form(f.as(sam), place)
	require.NoError(t, err)
	for round := range 3 {
		if round > 0 {
			_, err := f.pool.Exec(f.ctx, `DELETE FROM evaluation_outcomes WHERE booking_id = $1;`, place)
			require.NoError(t, err)
			_, err = f.pool.Exec(f.ctx, `DELETE FROM evaluation_answers WHERE booking_id = $1`, place)
			require.NoError(t, err)
			_, err = f.pool.Exec(f.ctx, `UPDATE evaluations SET submitted_at = NULL WHERE booking_id = $1`, place)
			require.NoError(t, err)
		}
		errsSeen := make([]error, 2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range errsSeen {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errsSeen[i] = f.evals.Submit(f.as(sam), place, fullAnswers(form))
			}()
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errsSeen {
			if err == nil {
				wins++
			} else {
				assert.ErrorIs(t, err, evaluation.ErrAlreadyEvaluated)
			}
		}
		assert.Equal(t, 1, wins, "round %d: %v", round, errsSeen)
		assert.Equal(t, fmt.Sprintf("outcomes %d, answers 7, submitted 1", len(f.outcomes)), f.saved(t, place))
	}
	assert.Equal(t, 3, f.count(t, "SELECT count(*) FROM audit_events WHERE action = 'evaluation_submitted'"))
}

func TestTasksAreTheOpenEvaluationsAndFollowUps(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sam, kim := f.person(t, "sam@example.org"), f.person(t, "kim@example.org")
	later := f.place(t, sam, "attended", true, 20*24*time.Hour)
	sooner := f.place(t, sam, "late", true, 5*24*time.Hour)
	f.place(t, sam, "attended", true, -time.Hour)                 // closed
	f.place(t, sam, "absent", true, 5*24*time.Hour)               // not attended
	f.place(t, kim, "attended", true, 5*24*time.Hour)             // someone else's
	answered := f.place(t, sam, "attended", true, 5*24*time.Hour) // answered
	_, err := f.pool.Exec(f.ctx, "UPDATE evaluations SET submitted_at = $2 WHERE booking_id = $1", answered, now)
	require.NoError(t, err)
	f.followUp(t, answered, "attendee", 10*24*time.Hour, nil)
	f.followUp(t, later, "line_manager", 10*24*time.Hour, hashOf("a-token")) // the line manager's, not theirs

	tasks, err := f.evals.Tasks(f.as(sam))
	require.NoError(t, err)
	var got []string
	for _, task := range tasks {
		got = append(got, fmt.Sprintf("%s %s %s", task.Kind, task.Link, task.ClosesAt.Sub(now)))
	}
	assert.Equal(t, []string{
		fmt.Sprintf("evaluate /my-training/evaluations/%d 120h0m0s", sooner),
		fmt.Sprintf("follow-up /my-training/follow-ups/%d 240h0m0s", answered),
		fmt.Sprintf("evaluate /my-training/evaluations/%d 480h0m0s", later),
	}, got)
	assert.Equal(t, f.course, tasks[0].Course)

	none, err := f.evals.Tasks(f.ctx)
	require.NoError(t, err)
	assert.Empty(t, none)
}
