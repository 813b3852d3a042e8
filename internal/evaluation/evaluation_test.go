package evaluation_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/config"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/evaluation"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/scope"
	"github.com/pscp/booktraining/internal/services"
)

const day = 24 * time.Hour

// clock is the time the services see, moved by the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

type journey struct {
	ctx     context.Context
	pool    *pgxpool.Pool
	clock   *clock
	svc     *services.Services
	agency  int64
	manager actor.Actor
}

// sessionStarts is when the test's session starts: a Tuesday morning.
var sessionStarts = time.Date(2026, time.March, 3, 9, 30, 0, 0, time.UTC)

// setup builds every service as production wires them, on the demo's
// catalogue, with a clock the test moves.
func startJourney(t *testing.T) journey {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	c := &clock{t: sessionStarts.Add(-30 * day)}
	_, err := demo.Seed(ctx, pool, c.Now())
	require.NoError(t, err)
	cfg, err := config.Load(func(string) string { return "" })
	require.NoError(t, err)
	svc, err := services.New(pool, cfg, services.Options{Now: c.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	f := journey{ctx: ctx, pool: pool, clock: c, svc: svc}
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM agencies ORDER BY id LIMIT 1").Scan(&f.agency))
	f.manager = f.person(t, "manager@example.org", "Mo Manager", "", "")
	f.manager.Manager = true
	return f
}

// session adds a published session of the demo's first course, three hours
// from sessionStarts.
func (f journey) session(t *testing.T) int64 {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), $1, $2, $3, 10, 'published'
		FROM courses c ORDER BY c.id LIMIT 1 RETURNING id`,
		sessionStarts, sessionStarts.Add(3*time.Hour), sessionStarts.Add(-day)).Scan(&id))
	return id
}

// person adds an account; place gives them a confirmed place naming a line
// manager (none when lmEmail is "").
func (f journey) person(t *testing.T, email, name, lmName, lmEmail string) actor.Actor {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
		VALUES ($1, $2, $3, '!', now()) RETURNING id`, email, name, f.agency).Scan(&id))
	a := f.agency
	return actor.Actor{ID: id, AgencyID: &a, Verified: true}
}

func (f journey) place(t *testing.T, who actor.Actor, session int64, lmName, lmEmail string) int64 {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at,
		                      line_manager_name, line_manager_email)
		VALUES ($1, $2, $3, 'confirmed', $2, now(), now(), $4, $5) RETURNING id`,
		session, who.ID, f.agency, lmName, lmEmail).Scan(&id))
	return id
}

// emails counts the emails to address whose subject starts with prefix.
func (f journey) emails(t *testing.T, address, prefix string) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx,
		"SELECT count(*) FROM emails WHERE to_address = $1 AND starts_with(subject, $2)", address, prefix).Scan(&n))
	return n
}

// runDue works every evaluation job due by the clock, as River would, and
// returns how many ran.
func (f journey) runDue(t *testing.T) int {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, `SELECT id, kind, args FROM river_job
		WHERE kind LIKE 'evaluation_%' AND state IN ('available', 'scheduled', 'retryable') AND scheduled_at <= $1
		ORDER BY scheduled_at, id`, f.clock.Now())
	require.NoError(t, err)
	type job struct {
		id   int64
		kind string
		args []byte
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (job, error) {
		var j job
		return j, r.Scan(&j.id, &j.kind, &j.args)
	})
	require.NoError(t, err)
	for _, j := range jobs {
		row := &rivertype.JobRow{ID: j.id, Kind: j.kind, EncodedArgs: j.args}
		switch j.kind {
		case evaluation.KindInvite:
			require.NoError(t, work(f, f.svc.Evaluations.InviteWorker(), row))
		case evaluation.KindReminder:
			require.NoError(t, work(f, f.svc.Evaluations.ReminderWorker(), row))
		case evaluation.KindFollowUp:
			require.NoError(t, work(f, f.svc.Evaluations.FollowUpWorker(), row))
		default:
			t.Fatalf("unknown job %s", j.kind)
		}
		_, err := f.pool.Exec(f.ctx, "UPDATE river_job SET state = 'completed', finalized_at = now() WHERE id = $1", j.id)
		require.NoError(t, err)
	}
	return len(jobs)
}

func work[T river.JobArgs](f journey, w river.Worker[T], row *rivertype.JobRow) error {
	var a T
	if err := json.Unmarshal(row.EncodedArgs, &a); err != nil {
		return err
	}
	return w.Work(f.ctx, &river.Job[T]{JobRow: row, Args: a})
}

func (f journey) takeRegister(t *testing.T, session int64, marks map[int64]string) {
	t.Helper()
	require.NoError(t, f.svc.Bookings.TakeRegister(actor.With(f.ctx, f.manager), session, marks))
}

// The clock moved from the register to the follow-up: each email is sent
// once at its time, to the right people, and the certificate waits for the
// evaluation while it is open.
func TestTheClockFromRegisterToFollowUp(t *testing.T) {
	t.Parallel()
	f := startJourney(t)
	session := f.session(t)
	sam := f.person(t, "sam@example.org", "Sam Social", "", "")
	ana := f.person(t, "ana@example.org", "Ana Answers", "", "")
	abe := f.person(t, "abe@example.org", "Abe Absent", "", "")
	samPlace := f.place(t, sam, session, "Lee Manager", "lee@example.org")
	anaPlace := f.place(t, ana, session, "", "")
	abePlace := f.place(t, abe, session, "Lee Manager", "lee@example.org")
	ends := sessionStarts.Add(3 * time.Hour)

	// The register, an hour after the session.
	registered := ends.Add(time.Hour)
	f.clock.Set(registered)
	f.takeRegister(t, session, map[int64]string{samPlace: booking.Attended, anaPlace: booking.ArrivedLate, abePlace: booking.Absent})
	var asked int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM evaluations").Scan(&asked))
	assert.Equal(t, 2, asked, "the two who came are asked; the one absent is not")

	// The invitation, at once.
	assert.Equal(t, 0, f.emails(t, "sam@example.org", "Tell us how"), "nothing before the job runs")
	f.runDue(t)
	assert.Equal(t, 1, f.emails(t, "sam@example.org", "Tell us how"))
	assert.Equal(t, 1, f.emails(t, "ana@example.org", "Tell us how"))
	assert.Equal(t, 0, f.emails(t, "abe@example.org", "Tell us how"))
	f.runDue(t)
	assert.Equal(t, 1, f.emails(t, "sam@example.org", "Tell us how"), "once")

	// The certificate waits while the evaluation is open.
	_, err := f.svc.Certificates.Issue(actor.With(f.ctx, sam), samPlace)
	require.ErrorIs(t, err, evaluation.ErrEvaluateFirst)
	waiting, err := f.svc.Evaluations.AwaitingEvaluation(actor.With(f.ctx, sam))
	require.NoError(t, err)
	assert.Contains(t, waiting, samPlace)

	// Ana answers on the first day: no reminders for her, and her
	// certificate opens.
	f.clock.Set(registered.Add(day))
	_, err = f.pool.Exec(f.ctx, "UPDATE evaluations SET submitted_at = $2 WHERE booking_id = $1", anaPlace, f.clock.Now())
	require.NoError(t, err)
	_, err = f.svc.Certificates.Issue(actor.With(f.ctx, ana), anaPlace)
	require.NoError(t, err)

	// The reminders, on days 3 and 7, once each.
	f.clock.Set(registered.Add(3*day - time.Minute))
	f.runDue(t)
	assert.Equal(t, 0, f.emails(t, "sam@example.org", "Reminder: Tell us how"), "not before the third day")
	f.clock.Set(registered.Add(3 * day))
	f.runDue(t)
	assert.Equal(t, 1, f.emails(t, "sam@example.org", "Reminder: Tell us how"))
	f.clock.Set(registered.Add(7 * day))
	f.runDue(t)
	f.runDue(t)
	assert.Equal(t, 2, f.emails(t, "sam@example.org", "Reminder: Tell us how"))
	assert.Equal(t, 0, f.emails(t, "ana@example.org", "Reminder:"), "answered: not reminded")

	// Closing, after 30 days: nothing is sent, and the certificate no
	// longer waits for an evaluation that cannot be answered.
	f.clock.Set(registered.Add(30 * day))
	assert.Equal(t, 0, f.runDue(t))
	_, err = f.svc.Certificates.Issue(actor.With(f.ctx, sam), samPlace)
	require.NoError(t, err, "closed unanswered: the certificate opens")

	// The follow-up, 13 weeks after the session: to Sam and to the line
	// manager Sam named; to Ana (no line manager); once each.
	f.clock.Set(ends.Add(13*7*day - time.Minute))
	assert.Equal(t, 0, f.runDue(t))
	f.clock.Set(ends.Add(13 * 7 * day))
	assert.Equal(t, 2, f.runDue(t))
	assert.Equal(t, 1, f.emails(t, "sam@example.org", "Three months on:"))
	assert.Equal(t, 1, f.emails(t, "ana@example.org", "Three months on:"))
	assert.Equal(t, 1, f.emails(t, "lee@example.org", "How has Sam Social used"))
	assert.Equal(t, 0, f.emails(t, "lee@example.org", "How has Abe Absent used"), "absent: no follow-up")
	var links int
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM impact_follow_ups
		WHERE respondent = 'line_manager' AND email = 'lee@example.org' AND token_hash IS NOT NULL`).Scan(&links))
	assert.Equal(t, 1, links)

	// The safety net finds nothing the jobs did; every step ran once.
	f.clock.Set(ends.Add(14 * 7 * day))
	for _, s := range f.svc.Evaluations.Sweeps() {
		n, err := s.Run(f.ctx)
		require.NoError(t, err)
		assert.Zero(t, n, "nothing was missed")
	}
	var total int
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM emails WHERE subject LIKE 'Tell us how%' OR subject LIKE 'Reminder: Tell us how%'
		OR subject LIKE 'Three months on:%' OR subject LIKE 'How has %'`).Scan(&total))
	assert.Equal(t, 1+1+2+1+1+1, total, "invitations 2, Sam's reminders 2, follow-ups 3")
}

// A step whose job was lost is done by the sweep once it is overdue by the
// grace, and only once.
func TestTheSweepSendsWhatJobsMissed(t *testing.T) {
	t.Parallel()
	f := startJourney(t)
	session := f.session(t)
	sam := f.person(t, "sam@example.org", "Sam Social", "", "")
	place := f.place(t, sam, session, "Lee Manager", "lee@example.org")
	registered := sessionStarts.Add(4 * time.Hour)
	f.clock.Set(registered)
	f.takeRegister(t, session, map[int64]string{place: booking.Attended})
	_, err := f.pool.Exec(f.ctx, "DELETE FROM river_job WHERE kind LIKE 'evaluation_%'")
	require.NoError(t, err)
	sweep := func() int {
		n, err := f.svc.Evaluations.Sweeps()[0].Run(f.ctx)
		require.NoError(t, err)
		return n
	}
	assert.Equal(t, 0, sweep(), "not yet overdue by the grace")
	f.clock.Set(registered.Add(evaluation.SweepGrace + time.Second))
	assert.Equal(t, 1, sweep())
	assert.Equal(t, 0, sweep())
	f.clock.Set(registered.Add(3*day + evaluation.SweepGrace + time.Second))
	assert.Equal(t, 1, sweep())
	f.clock.Set(registered.Add(7*day + evaluation.SweepGrace + time.Second))
	assert.Equal(t, 1, sweep())
	f.clock.Set(sessionStarts.Add(3*time.Hour + 13*7*day + evaluation.SweepGrace + time.Second))
	assert.Equal(t, 2, sweep(), "the person and their line manager")
	assert.Equal(t, 0, sweep())
	assert.Equal(t, 1, f.emails(t, "sam@example.org", "Tell us how"))
	assert.Equal(t, 2, f.emails(t, "sam@example.org", "Reminder: Tell us how"))
	assert.Equal(t, 1, f.emails(t, "lee@example.org", "How has Sam Social used"))
}

// Two runs of one invitation at once send it once.
func TestTwoInvitationsAtOnceSendOne(t *testing.T) {
	t.Parallel()
	f := startJourney(t)
	session := f.session(t)
	sam := f.person(t, "sam@example.org", "Sam Social", "", "")
	place := f.place(t, sam, session, "", "")
	f.clock.Set(sessionStarts.Add(4 * time.Hour))
	f.takeRegister(t, session, map[int64]string{place: booking.Attended})
	var wg sync.WaitGroup
	sent := make([]bool, 8)
	for i := range sent {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := f.svc.Evaluations.Invite(f.ctx, place)
			assert.NoError(t, err)
			sent[i] = ok
		}()
	}
	wg.Wait()
	n := 0
	for _, ok := range sent {
		if ok {
			n++
		}
	}
	assert.Equal(t, 1, n)
	assert.Equal(t, 1, f.emails(t, "sam@example.org", "Tell us how"))
}

// The register saved again, or corrected to absent, asks nobody twice and
// sends nothing to someone no longer marked as there.
func TestCorrectedRegisterAsksOnceAndSendsNothingToTheAbsent(t *testing.T) {
	t.Parallel()
	f := startJourney(t)
	session := f.session(t)
	sam := f.person(t, "sam@example.org", "Sam Social", "", "")
	place := f.place(t, sam, session, "", "")
	f.clock.Set(sessionStarts.Add(4 * time.Hour))
	f.takeRegister(t, session, map[int64]string{place: booking.Attended})
	f.takeRegister(t, session, map[int64]string{place: booking.Absent})
	f.takeRegister(t, session, map[int64]string{place: booking.Attended})
	var jobs int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM river_job WHERE kind = $1", evaluation.KindInvite).Scan(&jobs))
	assert.Equal(t, 1, jobs, "asked once")
	f.takeRegister(t, session, map[int64]string{place: booking.Absent})
	f.runDue(t)
	assert.Equal(t, 0, f.emails(t, "sam@example.org", "Tell us how"), "absent when the job ran: no invitation")
}

// A failing hook rolls the register back: no marks, no evaluations.
func TestRegisterRollsBackWithItsEvaluations(t *testing.T) {
	t.Parallel()
	f := startJourney(t)
	session := f.session(t)
	sam := f.person(t, "sam@example.org", "Sam Social", "", "")
	place := f.place(t, sam, session, "", "")
	f.clock.Set(sessionStarts.Add(4 * time.Hour))
	boom := errors.New("boom")
	ask := f.svc.Bookings.Attended
	f.svc.Bookings.Attended = func(ctx context.Context, tx pgx.Tx, ids []int64) error {
		if err := ask(ctx, tx, ids); err != nil {
			return err
		}
		return boom
	}
	err := f.svc.Bookings.TakeRegister(actor.With(f.ctx, f.manager), session, map[int64]string{place: booking.Attended})
	require.ErrorIs(t, err, boom)
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT (SELECT count(*) FROM evaluations) + (SELECT count(*) FROM river_job WHERE kind LIKE 'evaluation_%')").Scan(&n))
	assert.Zero(t, n)
}

// The workers are registered on the app's one River client: the invitation
// goes out by itself once the register is taken.
func TestInvitationGoesOutOnTheQueue(t *testing.T) {
	t.Parallel()
	f := startJourney(t)
	f.clock.Set(time.Now())
	session := f.session(t) // in March 2026: over
	sam := f.person(t, "sam@example.org", "Sam Social", "", "")
	place := f.place(t, sam, session, "", "")
	f.takeRegister(t, session, map[int64]string{place: booking.Attended})
	require.NoError(t, f.svc.Jobs.Start(context.Background()))
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = f.svc.Jobs.Stop(stop)
	})
	require.Eventually(t, func() bool { return f.emails(t, "sam@example.org", "Tell us how") == 1 }, 20*time.Second, 50*time.Millisecond)
}

// An evaluation of another partnership's session is asked in that
// partnership's name, from its training team, and is its email (issue 22).
func TestAnEvaluationIsAskedInTheSessionsPartnershipsName(t *testing.T) {
	t.Parallel()
	f := startJourney(t)
	session := f.session(t)
	var hampshire int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO partnerships (slug, name, short_name, email, phone)
		VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire', 'training@hampshirescp.example', '01962 000000')
		RETURNING id`).Scan(&hampshire))
	_, err := f.pool.Exec(f.ctx, `UPDATE courses SET shared = true WHERE id = (SELECT course_id FROM sessions WHERE id = $1)`, session)
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, `INSERT INTO course_offers (course_id, partnership_id) SELECT course_id, $2 FROM sessions WHERE id = $1`,
		session, hampshire)
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, `UPDATE sessions SET partnership_id = $2 WHERE id = $1`, session, hampshire)
	require.NoError(t, err)
	sam := f.person(t, "sam@example.org", "Sam Social", "", "")
	place := f.place(t, sam, session, "", "")
	registered := sessionStarts.Add(4 * time.Hour)
	f.clock.Set(registered)
	f.takeRegister(t, session, map[int64]string{place: booking.Attended})
	_, err = f.pool.Exec(f.ctx, "DELETE FROM river_job WHERE kind LIKE 'evaluation_%'")
	require.NoError(t, err)
	f.clock.Set(registered.Add(evaluation.SweepGrace + time.Second))
	n, err := f.svc.Evaluations.Sweeps()[0].Run(f.ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	var body string
	var of int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		SELECT body_text, partnership_id FROM emails WHERE to_address = 'sam@example.org' AND subject LIKE 'Tell us how%'`).
		Scan(&body, &of))
	assert.Contains(t, body, "Hampshire Safeguarding Children Partnership")
	assert.Contains(t, body, "training@hampshirescp.example")
	assert.NotContains(t, body, "Portsmouth Safeguarding Children Partnership")
	assert.Equal(t, hampshire, of, "Hampshire's email")
}

// Each partnership evaluates its sessions by its own settings and questions
// (issue 22): a new partnership starts with the first's, its managers change
// its own only, and a place on its session closes and is asked by its.
func TestEachPartnershipEvaluatesByItsOwnSettingsAndQuestions(t *testing.T) {
	t.Parallel()
	f := startJourney(t)
	portsmouthQuestions, err := f.svc.Evaluations.Questions(actor.With(f.ctx, f.manager))
	require.NoError(t, err)
	var portsmouth, hampshire int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT min(id) FROM partnerships`).Scan(&portsmouth))
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO partnerships (slug, name, short_name) VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire')
		RETURNING id`).Scan(&hampshire))
	asHampshire := scope.Managing(actor.With(f.ctx, f.manager), hampshire)
	asPortsmouth := scope.Managing(actor.With(f.ctx, f.manager), portsmouth)

	// Hampshire starts as Portsmouth stands, then keeps its own.
	hq, err := f.svc.Evaluations.Questions(asHampshire)
	require.NoError(t, err)
	require.Len(t, hq, len(portsmouthQuestions), "a copy of the questions asked now")
	require.NoError(t, f.svc.Evaluations.SaveSettings(asHampshire, evaluation.SettingsForm{
		ReminderDays: "5", CloseDays: "14", FollowUpWeeks: "13", FollowUpCloseDays: "30"}))
	_, err = f.svc.Evaluations.AddQuestion(asHampshire, evaluation.QuestionForm{Kind: "text", Wording: "What will you do differently in Hampshire?"})
	require.NoError(t, err)
	st, err := f.svc.Evaluations.Settings(asPortsmouth)
	require.NoError(t, err)
	assert.Equal(t, 30, st.CloseDays, "Portsmouth's settings untouched")
	pq, err := f.svc.Evaluations.Questions(asPortsmouth)
	require.NoError(t, err)
	assert.Len(t, pq, len(portsmouthQuestions), "Portsmouth's questions untouched")

	// A Hampshire place closes on Hampshire's day and is asked its questions.
	session := f.session(t)
	_, err = f.pool.Exec(f.ctx, `UPDATE courses SET shared = true WHERE id = (SELECT course_id FROM sessions WHERE id = $1)`, session)
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, `INSERT INTO course_offers (course_id, partnership_id) SELECT course_id, $2 FROM sessions WHERE id = $1`,
		session, hampshire)
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, `UPDATE sessions SET partnership_id = $2 WHERE id = $1`, session, hampshire)
	require.NoError(t, err)
	sam := f.person(t, "sam@example.org", "Sam Social", "", "")
	place := f.place(t, sam, session, "", "")
	registered := sessionStarts.Add(4 * time.Hour)
	f.clock.Set(registered)
	f.takeRegister(t, session, map[int64]string{place: booking.Attended})
	var open time.Duration
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT closes_at - asked_at FROM evaluations WHERE booking_id = $1`, place).Scan(&open))
	assert.Equal(t, 14*day, open, "Hampshire's 14 days")
	form, err := f.svc.Evaluations.Form(actor.With(f.ctx, sam), place)
	require.NoError(t, err)
	var wordings []string
	for _, q := range form.Questions {
		wordings = append(wordings, q.Wording)
	}
	assert.Contains(t, wordings, "What will you do differently in Hampshire?")
	assert.Len(t, form.Questions, len(portsmouthQuestions)+1)
}
