package scheduling_test

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/trainer"
	"github.com/pscp/booktraining/internal/validation"
)

// Two managers at once: one schedules a session with a trainer while the
// other withdraws that trainer's approval for the course. Whichever goes
// first, exactly one of them succeeds, the other is told why (on the form,
// or a sentence refusing the withdrawal; never a 500), and no session to
// come ends with a trainer not approved for its course.
func TestApprovalWithdrawnWhileSchedulingHoldsTheRule(t *testing.T) {
	t.Parallel()
	f := setup(t)
	trainers := trainer.New(f.pool, time.Now)
	year := time.Now().Year() + 1 // to come, by the database's clock
	var days []string             // weekdays of February next year
	for d := time.Date(year, time.February, 1, 12, 0, 0, 0, time.UTC); len(days) < 8; d = d.AddDate(0, 0, 1) {
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			days = append(days, strconv.Itoa(d.Day()))
		}
	}
	for round := range 8 {
		who := f.trainers[round]
		form := f.form(days[round], who)
		form.Year = strconv.Itoa(year)

		var schedErr, withdrawErr error
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Add(2)
		go func() { defer wg.Done(); <-start; _, _, schedErr = f.svc.Create(f.ctx, form) }()
		go func() { defer wg.Done(); <-start; withdrawErr = trainers.SetCourses(f.ctx, who, nil) }()
		close(start)
		wg.Wait()

		var verr *validation.Errors
		if schedErr != nil && !errors.As(schedErr, &verr) {
			t.Fatalf("round %d: scheduling refused, but not on the form: %v", round, schedErr)
		}
		if withdrawErr != nil && !errors.Is(withdrawErr, trainer.ErrStillDelivering) {
			t.Fatalf("round %d: withdrawal refused, but not with its sentence: %v", round, withdrawErr)
		}
		assert.True(t, (schedErr == nil) != (withdrawErr == nil), "round %d: exactly one wins (session: %v, withdrawal: %v)", round, schedErr, withdrawErr)
		var unapproved int
		require.NoError(t, f.pool.QueryRow(f.ctx, `
			SELECT count(*) FROM session_trainers st JOIN sessions s ON s.id = st.session_id
			WHERE s.status IN ('draft', 'published') AND s.ends_at > now()
			  AND NOT EXISTS (SELECT 1 FROM trainer_courses tc WHERE tc.trainer_id = st.trainer_id AND tc.course_id = s.course_id)`).Scan(&unapproved))
		assert.Zero(t, unapproved, "round %d", round)
	}
}

// The form's sentence when the database refused a trainer who lost their
// approval after the plan was checked.
func TestTrainerWithdrawnIsSaidOnTheForm(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var session int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, $2, now() + interval '60 days', now() + interval '60 days 3 hours', now() + interval '50 days', 10, 'draft'
		FROM courses c WHERE c.id = $1 RETURNING id`, f.course, f.online).Scan(&session))
	_, err := f.pool.Exec(f.ctx, "DELETE FROM trainer_courses WHERE trainer_id = $1", f.trainers[0])
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, "INSERT INTO session_trainers (session_id, trainer_id) VALUES ($1, $2)", session, f.trainers[0])
	said := scheduling.TrainerWithdrawn(err)
	var verr *validation.Errors
	require.True(t, errors.As(said, &verr), "a form error: %v", said)
	assert.Contains(t, said.Error(), "choose the trainers again")
	assert.Nil(t, scheduling.TrainerWithdrawn(errors.New("something else")))
}
