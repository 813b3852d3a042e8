package evaluation_test

import (
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/evaluation"
	"github.com/pscp/booktraining/internal/validation"
)

func hashOf(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// followUp asks the place's follow-up of respondent, closing closes from
// now, as the lead's job does (a line manager's with the hash of its link).
func (f fixture) followUp(t testing.TB, booking int64, respondent string, closes time.Duration, hash []byte) {
	t.Helper()
	var email *string
	if hash != nil {
		e := "lee@example.org"
		email = &e
	}
	_, err := f.pool.Exec(f.ctx, `INSERT INTO impact_follow_ups (booking_id, respondent, asked_at, closes_at, email, token_hash)
		VALUES ($1, $2, $3, $4, $5, $6)`, booking, respondent, now.Add(-24*time.Hour), now.Add(closes), email, hash)
	require.NoError(t, err)
}

// impactSaved is what a place's follow-up from respondent holds.
func (f fixture) impactSaved(t testing.TB, booking int64, respondent string) string {
	t.Helper()
	var example, barriers *string
	var submitted bool
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT example, barriers, submitted_at IS NOT NULL FROM impact_follow_ups
		WHERE booking_id = $1 AND respondent = $2`, booking, respondent).Scan(&example, &barriers, &submitted))
	str := func(p *string) string {
		if p == nil {
			return "-"
		}
		return *p
	}
	return fmt.Sprintf("example %q, barriers %q, submitted %t, outcomes %d", str(example), str(barriers), submitted,
		f.count(t, "SELECT count(*) FROM impact_outcomes WHERE booking_id = $1 AND respondent = $2", booking, respondent))
}

func impactAnswers(outcomes int) evaluation.ImpactAnswers {
	a := evaluation.ImpactAnswers{Example: "I asked about the child's lived experience at a strategy meeting", Confidence: map[int]string{}}
	for i := range outcomes {
		a.Confidence[i+1] = "4"
	}
	return a
}

func TestTheAttendeesFollowUp(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sam, kim := f.person(t, "sam@example.org"), f.person(t, "kim@example.org")
	place := f.place(t, sam, "attended", true, 10*24*time.Hour)
	notYet := f.place(t, sam, "attended", true, 10*24*time.Hour)
	closed := f.place(t, sam, "attended", true, 10*24*time.Hour)
	f.followUp(t, place, "attendee", 20*24*time.Hour, nil)
	f.followUp(t, closed, "attendee", -time.Minute, nil)

	form, err := f.evals.FollowUp(f.as(sam), place)
	require.NoError(t, err)
	assert.Equal(t, f.course, form.Course)
	assert.Equal(t, f.outcomes, form.Outcomes)
	assert.Empty(t, form.Person)

	_, err = f.evals.FollowUp(f.as(kim), place)
	assert.ErrorIs(t, err, evaluation.ErrNotFound)
	assert.ErrorIs(t, f.evals.SubmitFollowUp(f.as(kim), place, impactAnswers(len(f.outcomes))), evaluation.ErrNotFound)
	_, err = f.evals.FollowUp(f.as(sam), notYet)
	assert.ErrorIs(t, err, evaluation.ErrNoFollowUp)
	_, err = f.evals.FollowUp(f.as(sam), closed)
	msg, _ := errs.PublicMessage(err)
	assert.Equal(t, "This follow-up closed on Monday 23 November 2026. It can no longer be answered.", msg)
	assert.True(t, errs.Is(f.evals.SubmitFollowUp(f.as(sam), closed, impactAnswers(len(f.outcomes))), errs.Conflict))
	assert.Equal(t, `example "-", barriers "-", submitted false, outcomes 0`, f.impactSaved(t, closed, "attendee"))

	// Nothing typed: a message for the example and each outcome.
	err = f.evals.SubmitFollowUp(f.as(sam), place, evaluation.ImpactAnswers{Barriers: "Time"})
	var v *validation.Errors
	require.ErrorAs(t, err, &v)
	assert.Equal(t, "Enter an example of how you have used the learning in your practice", v.Message(evaluation.ExampleField))
	assert.Equal(t, "Select how confident you are now about: "+f.outcomes[0], v.Message(evaluation.ConfidenceField(1)))
	assert.Len(t, v.Fields, 1+len(f.outcomes))
	assert.Equal(t, `example "-", barriers "-", submitted false, outcomes 0`, f.impactSaved(t, place, "attendee"))

	ans := impactAnswers(len(f.outcomes))
	ans.Barriers = "Caseload\x00, and no time to read the guidance"
	require.NoError(t, f.evals.SubmitFollowUp(f.as(sam), place, ans))
	want := fmt.Sprintf(`example %q, barriers "Caseload, and no time to read the guidance", submitted true, outcomes %d`, ans.Example, len(f.outcomes))
	assert.Equal(t, want, f.impactSaved(t, place, "attendee"))
	assert.Equal(t, 1, f.count(t, "SELECT count(*) FROM audit_events WHERE action = 'impact_follow_up_submitted' AND actor_id = $1", sam.ID))

	form, err = f.evals.FollowUp(f.as(sam), place)
	require.NoError(t, err)
	assert.NotNil(t, form.SubmittedAt)
	assert.ErrorIs(t, f.evals.SubmitFollowUp(f.as(sam), place, impactAnswers(len(f.outcomes))), evaluation.ErrAlreadyFollowedUp)
	assert.Equal(t, want, f.impactSaved(t, place, "attendee"))
}

func TestTheLineManagersLink(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sam := f.person(t, "sam@example.org")
	place := f.place(t, sam, "attended", true, 10*24*time.Hour)
	old := f.place(t, sam, "attended", true, 10*24*time.Hour)
	f.followUp(t, place, "line_manager", 20*24*time.Hour, hashOf("the-token"))
	f.followUp(t, old, "line_manager", -time.Minute, hashOf("an-old-token"))
	f.followUp(t, place, "attendee", 20*24*time.Hour, nil)

	form, err := f.evals.LineManagerFollowUp(f.ctx, "the-token")
	require.NoError(t, err)
	assert.Equal(t, "Sam Tester", form.Person)
	assert.Equal(t, f.course, form.Course)
	assert.Equal(t, f.outcomes, form.Outcomes)

	for _, madeUp := range []string{"", "not-a-token", string(make([]byte, 500))} {
		_, err := f.evals.LineManagerFollowUp(f.ctx, madeUp)
		assert.ErrorIs(t, err, evaluation.ErrLinkUnknown)
		assert.ErrorIs(t, f.evals.SubmitLineManagerFollowUp(f.ctx, madeUp, impactAnswers(len(f.outcomes))), evaluation.ErrLinkUnknown)
	}
	_, err = f.evals.LineManagerFollowUp(f.ctx, "an-old-token")
	msg, _ := errs.PublicMessage(err)
	assert.Equal(t, "This link expired on Monday 23 November 2026. It can no longer be used to answer.", msg)
	assert.True(t, errs.Is(f.evals.SubmitLineManagerFollowUp(f.ctx, "an-old-token", impactAnswers(len(f.outcomes))), errs.Conflict))
	assert.Equal(t, `example "-", barriers "-", submitted false, outcomes 0`, f.impactSaved(t, old, "line_manager"))

	err = f.evals.SubmitLineManagerFollowUp(f.ctx, "the-token", evaluation.ImpactAnswers{})
	var v *validation.Errors
	require.ErrorAs(t, err, &v)
	assert.Equal(t, "Enter an example of how they have used the learning", v.Message(evaluation.ExampleField))
	assert.Equal(t, "Select how confident you think they are now about: "+f.outcomes[1], v.Message(evaluation.ConfidenceField(2)))

	// Sent twice at once: one saves.
	errsSeen := make([]error, 2)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range errsSeen {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errsSeen[i] = f.evals.SubmitLineManagerFollowUp(f.ctx, "the-token", impactAnswers(len(f.outcomes)))
		}()
	}
	close(start)
	wg.Wait()
	wins := 0
	for _, err := range errsSeen {
		if err == nil {
			wins++
		} else {
			assert.ErrorIs(t, err, evaluation.ErrAlreadyFollowedUp)
		}
	}
	assert.Equal(t, 1, wins, "%v", errsSeen)
	assert.Contains(t, f.impactSaved(t, place, "line_manager"), "submitted true, outcomes")
	assert.Equal(t, `example "-", barriers "-", submitted false, outcomes 0`, f.impactSaved(t, place, "attendee"), "the person's own is apart")
	assert.Equal(t, 1, f.count(t, `SELECT count(*) FROM audit_events WHERE action = 'impact_follow_up_submitted'
		AND actor_id IS NULL AND subject_user_id = $1`, sam.ID))

	form, err = f.evals.LineManagerFollowUp(f.ctx, "the-token")
	require.NoError(t, err)
	assert.NotNil(t, form.SubmittedAt, "used: the page says it was answered")

	// The person is erased: the link shows nothing of them.
	_, err = f.pool.Exec(f.ctx, "UPDATE users SET erased_at = now() WHERE id = $1", sam.ID)
	require.NoError(t, err)
	_, err = f.evals.LineManagerFollowUp(f.ctx, "the-token")
	assert.ErrorIs(t, err, evaluation.ErrLinkUnknown)
}
