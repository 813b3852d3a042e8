package evaluation_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/evaluation"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/validation"
)

var managerNow = time.Date(2026, time.June, 15, 10, 0, 0, 0, time.UTC)

// managerFixture is a fresh database with the evaluation service and a
// training manager to act as.
type managerFixture struct {
	pool    *pgxpool.Pool
	svc     *evaluation.Service
	manager context.Context
}

func newManagerFixture(t testing.TB) managerFixture {
	t.Helper()
	pool := pgtest.New(t)
	base, _ := url.Parse("http://localhost:3000")
	svc := evaluation.New(pool, nil, base, func() time.Time { return managerNow }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var id int64
	require.NoError(t, pool.QueryRow(context.Background(), `
		INSERT INTO users (email, full_name, unlisted_agency_name, password_hash, email_verified_at)
		VALUES ('manager@example.org', 'Morgan Manager', 'The partnership', '!', now()) RETURNING id`).Scan(&id))
	return managerFixture{pool: pool, svc: svc,
		manager: actor.With(context.Background(), actor.Actor{ID: id, Manager: true, IP: "192.0.2.7"})}
}

func (f managerFixture) questionByWording(t *testing.T, wording string) evaluation.Question {
	t.Helper()
	qs, err := f.svc.Questions(f.manager)
	require.NoError(t, err)
	for _, q := range qs {
		if q.Wording == wording {
			return q
		}
	}
	t.Fatalf("no current question %q", wording)
	return evaluation.Question{}
}

func (f managerFixture) audited(t *testing.T, action string) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(context.Background(), "SELECT count(*) FROM audit_events WHERE action = $1", action).Scan(&n))
	return n
}

func wordings(qs []evaluation.Question) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.Wording
	}
	return out
}

func TestOnlyManagersTouchQuestions(t *testing.T) {
	t.Parallel()
	f := newManagerFixture(t)
	trainer := actor.With(context.Background(), actor.Actor{ID: 1, Trainer: true})
	_, err := f.svc.Questions(trainer)
	assert.ErrorIs(t, err, evaluation.ErrForbidden)
	_, err = f.svc.AddQuestion(trainer, evaluation.QuestionForm{Kind: "text", Wording: "Anything else?"})
	assert.ErrorIs(t, err, evaluation.ErrForbidden)
	q := f.questionByWording(t, "What could we improve?")
	_, err = f.svc.ChangeQuestion(trainer, q.ID, evaluation.QuestionForm{Wording: "What should change?"})
	assert.ErrorIs(t, err, evaluation.ErrForbidden)
	assert.ErrorIs(t, f.svc.RetireQuestion(trainer, q.ID), evaluation.ErrForbidden)
	assert.ErrorIs(t, f.svc.MoveQuestion(trainer, q.ID, true), evaluation.ErrForbidden)
	assert.Equal(t, q, f.questionByWording(t, "What could we improve?"), "a refused change changed something")
}

func TestQuestionFormIsValidated(t *testing.T) {
	t.Parallel()
	f := newManagerFixture(t)
	long := make([]rune, 301)
	for i := range long {
		long[i] = 'é'
	}
	for _, tc := range []struct {
		name  string
		form  evaluation.QuestionForm
		field string
	}{
		{"blank", evaluation.QuestionForm{Kind: "text", Wording: " \t\n "}, "wording"},
		{"too long", evaluation.QuestionForm{Kind: "text", Wording: string(long)}, "wording"},
		{"long hint", evaluation.QuestionForm{Kind: "text", Wording: "Fine", Hint: string(long) + string(long)}, "hint"},
		{"no kind", evaluation.QuestionForm{Wording: "Fine"}, "kind"},
		{"unknown kind", evaluation.QuestionForm{Kind: "essay", Wording: "Fine"}, "kind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.AddQuestion(f.manager, tc.form)
			var v *validation.Errors
			require.ErrorAs(t, err, &v)
			assert.True(t, v.Has(tc.field), "%v", v)
		})
	}
	// Exactly 300 characters (not bytes) is allowed, cleaned to one line.
	q, err := f.svc.AddQuestion(f.manager, evaluation.QuestionForm{Kind: "yes_no", Wording: "  " + string(long[:300]) + "\n"})
	require.NoError(t, err)
	assert.Equal(t, string(long[:300]), q.Wording)
	assert.Equal(t, 0, f.audited(t, "evaluation_question_added")-1)
}

func TestAddedQuestionIsAskedLast(t *testing.T) {
	t.Parallel()
	f := newManagerFixture(t)
	before, err := f.svc.Questions(f.manager)
	require.NoError(t, err)
	q, err := f.svc.AddQuestion(f.manager, evaluation.QuestionForm{Kind: "rating", Wording: "How accessible were the materials?", Hint: "Slides and handouts"})
	require.NoError(t, err)
	assert.Equal(t, evaluation.KindRating, q.Kind)
	assert.Equal(t, 1, q.Version)
	after, err := f.svc.Questions(f.manager)
	require.NoError(t, err)
	require.Len(t, after, len(before)+1)
	assert.Equal(t, q.ID, after[len(after)-1].ID)
	assert.Equal(t, 1, f.audited(t, "evaluation_question_added"))
}

func TestChangingAQuestionKeepsTheWordingAnswersWereGiven(t *testing.T) {
	t.Parallel()
	f := newManagerFixture(t)
	ctx := context.Background()
	v1 := f.questionByWording(t, "What could we improve?")
	// An answer given to the first version.
	booking := attendedPlace(t, f.pool)
	_, err := f.pool.Exec(ctx, `INSERT INTO evaluation_answers (booking_id, question_id, answer) VALUES ($1, $2, 'More breaks')`, booking, v1.ID)
	require.NoError(t, err)

	v2, err := f.svc.ChangeQuestion(f.manager, v1.ID, evaluation.QuestionForm{Wording: "What one thing should we change?", Hint: "Be specific"})
	require.NoError(t, err)
	assert.Equal(t, v1.Lineage, v2.Lineage)
	assert.Equal(t, 2, v2.Version)
	assert.Equal(t, v1.Position, v2.Position, "the new version is asked where the old one was")
	assert.NotEqual(t, v1.ID, v2.ID)

	var wording string
	require.NoError(t, f.pool.QueryRow(ctx, `
		SELECT q.wording FROM evaluation_answers a JOIN evaluation_questions q ON q.id = a.question_id
		WHERE a.booking_id = $1`, booking).Scan(&wording))
	assert.Equal(t, "What could we improve?", wording, "the answer lost the wording it was given")

	qs, err := f.svc.Questions(f.manager)
	require.NoError(t, err)
	assert.Contains(t, wordings(qs), "What one thing should we change?")
	assert.NotContains(t, wordings(qs), "What could we improve?")
	old, err := f.svc.Question(f.manager, v1.ID)
	require.NoError(t, err)
	assert.NotNil(t, old.RetiredAt, "the first version is still asked")
	assert.Equal(t, 1, f.audited(t, "evaluation_question_changed"))

	// An unchanged form changes nothing.
	same, err := f.svc.ChangeQuestion(f.manager, v2.ID, evaluation.QuestionForm{Wording: " What one thing  should we change? ", Hint: "Be specific"})
	require.NoError(t, err)
	assert.Equal(t, v2.ID, same.ID)
	assert.Equal(t, 1, f.audited(t, "evaluation_question_changed"))

	// The old version cannot be changed again, nor its kind.
	_, err = f.svc.ChangeQuestion(f.manager, v1.ID, evaluation.QuestionForm{Wording: "Anything?"})
	assert.ErrorIs(t, err, evaluation.ErrQuestionChanged)
	_, err = f.svc.ChangeQuestion(f.manager, v2.ID, evaluation.QuestionForm{Kind: "rating", Wording: "Rate us"})
	var v *validation.Errors
	require.ErrorAs(t, err, &v)
	assert.True(t, v.Has("kind"))
	_, err = f.svc.ChangeQuestion(f.manager, 999999, evaluation.QuestionForm{Wording: "Anything?"})
	assert.ErrorIs(t, err, evaluation.ErrQuestionNotFound)
}

func TestRetiredQuestionIsAskedNoMore(t *testing.T) {
	t.Parallel()
	f := newManagerFixture(t)
	q := f.questionByWording(t, "Would you recommend this session to a colleague?")
	require.NoError(t, f.svc.RetireQuestion(f.manager, q.ID))
	qs, err := f.svc.Questions(f.manager)
	require.NoError(t, err)
	assert.NotContains(t, wordings(qs), q.Wording)
	assert.ErrorIs(t, f.svc.RetireQuestion(f.manager, q.ID), evaluation.ErrQuestionChanged)
	assert.Equal(t, errs.Conflict, errs.KindOf(f.svc.RetireQuestion(f.manager, q.ID)))
	assert.ErrorIs(t, f.svc.RetireQuestion(f.manager, 424242), evaluation.ErrQuestionNotFound)
	assert.ErrorIs(t, f.svc.MoveQuestion(f.manager, q.ID, true), evaluation.ErrQuestionChanged)
	assert.Equal(t, 1, f.audited(t, "evaluation_question_retired"))
}

func TestMovingAQuestionSwapsItWithItsNeighbour(t *testing.T) {
	t.Parallel()
	f := newManagerFixture(t)
	before, err := f.svc.Questions(f.manager)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(before), 3)

	require.NoError(t, f.svc.MoveQuestion(f.manager, before[1].ID, true))
	after, err := f.svc.Questions(f.manager)
	require.NoError(t, err)
	want := wordings(before)
	want[0], want[1] = want[1], want[0]
	assert.Equal(t, want, wordings(after))

	require.NoError(t, f.svc.MoveQuestion(f.manager, before[1].ID, false)) // back down
	after, err = f.svc.Questions(f.manager)
	require.NoError(t, err)
	assert.Equal(t, wordings(before), wordings(after))

	// The first cannot go up, nor the last down: nothing changes, nothing is audited.
	require.NoError(t, f.svc.MoveQuestion(f.manager, before[0].ID, true))
	require.NoError(t, f.svc.MoveQuestion(f.manager, before[len(before)-1].ID, false))
	after, err = f.svc.Questions(f.manager)
	require.NoError(t, err)
	assert.Equal(t, wordings(before), wordings(after))
	assert.Equal(t, 2, f.audited(t, "evaluation_question_moved"))
	assert.ErrorIs(t, f.svc.MoveQuestion(f.manager, 987654, true), evaluation.ErrQuestionNotFound)
}

func TestTwoManagersChangingOneQuestionAtOnce(t *testing.T) {
	t.Parallel()
	f := newManagerFixture(t)
	q := f.questionByWording(t, "What was most useful?")
	const editors = 8
	var wg sync.WaitGroup
	results := make([]error, editors)
	ready := make(chan struct{})
	for i := range editors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ready
			_, results[i] = f.svc.ChangeQuestion(f.manager, q.ID, evaluation.QuestionForm{
				Wording: "What was most useful, editor " + string(rune('A'+i)) + "?"})
		}()
	}
	close(ready)
	wg.Wait()
	won := 0
	for _, err := range results {
		switch {
		case err == nil:
			won++
		case errors.Is(err, evaluation.ErrQuestionChanged):
			msg, ok := errs.PublicMessage(err)
			assert.True(t, ok)
			assert.Contains(t, msg, "Someone else changed")
		default:
			t.Errorf("an editor failed unexpectedly: %v", err)
		}
	}
	assert.Equal(t, 1, won, "exactly one editor wins")
	var current, versions int
	require.NoError(t, f.pool.QueryRow(context.Background(), `
		SELECT count(*) FILTER (WHERE retired_at IS NULL), count(*) FROM evaluation_questions WHERE lineage = $1`,
		q.Lineage).Scan(&current, &versions))
	assert.Equal(t, 1, current)
	assert.Equal(t, 2, versions)
	assert.Equal(t, 1, f.audited(t, "evaluation_question_changed"))
}

// attendedPlace adds a course, a session that has ended, a person and
// their attended place on it, and that place's evaluation; it returns the
// booking's id.
func attendedPlace(t *testing.T, pool *pgxpool.Pool) int64 {
	t.Helper()
	ctx := context.Background()
	var booking int64
	require.NoError(t, pool.QueryRow(ctx, `
		WITH a AS (INSERT INTO agencies (name, sector, charging_band) VALUES ('Somewhere Trust', 'health', 'partner') RETURNING id),
		c AS (INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences, level,
		                           duration, delivery_modes, default_capacity)
		      VALUES ('one-course', 'One course', 'S', 'D', ARRAY['Know one thing'], 'A', ARRAY['everyone'], 1, 'half_day',
		              ARRAY['online'], 20) RETURNING id, title),
		v AS (INSERT INTO venues (name, online) VALUES ('Online', true) RETURNING id),
		s AS (INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		      SELECT c.id, c.title, v.id, $1::timestamptz, $1::timestamptz + interval '3 hours', $1, 10, 'completed' FROM c, v RETURNING id),
		u AS (INSERT INTO users (email, full_name, agency_id, password_hash) SELECT 'someone@example.org', 'Some One', a.id, '!' FROM a RETURNING id),
		b AS (INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at, attendance)
		      SELECT s.id, u.id, a.id, 'confirmed', u.id, $1, $1, 'attended' FROM s, u, a RETURNING id)
		INSERT INTO evaluations (booking_id, asked_at, closes_at, submitted_at, follow_up_at)
		SELECT b.id, $2::timestamptz, $2::timestamptz + interval '30 days', $2::timestamptz, $2::timestamptz + interval '90 days' FROM b RETURNING booking_id`,
		managerNow.Add(-30*24*time.Hour), managerNow.Add(-29*24*time.Hour)).Scan(&booking))
	return booking
}
