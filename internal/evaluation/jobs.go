package evaluation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/pscp/booktraining/internal/evaluation/internal/evaluationdb"
	"github.com/pscp/booktraining/internal/queue"
)

// Job kinds, as stored in river_job; changing one strands queued jobs.
const (
	KindInvite   = "evaluation_invite"
	KindReminder = "evaluation_reminder"
	KindFollowUp = "evaluation_follow_up"
)

// jobAttempts gives a job about an hour and a half of River's backoff
// before it is shown to a training manager; the sweep tries meanwhile.
const jobAttempts = 8

// jobTimeout bounds one job: a short transaction and an email or two.
const jobTimeout = 20 * time.Second

// SweepGrace is how overdue a step must be before the sweep does it: its
// job had that long to run.
const SweepGrace = 5 * time.Minute

// once makes a job unique by its args while it waits or runs.
var once = queue.UniqueWhileWaiting

// InviteArgs is the job that emails a place's invitation to evaluate, due
// at Due (when the register asked it).
type InviteArgs struct {
	BookingID int64     `json:"booking_id"`
	Due       time.Time `json:"due"`
}

func (InviteArgs) Kind() string { return KindInvite }

func (a InviteArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{ScheduledAt: a.Due, MaxAttempts: jobAttempts, UniqueOpts: once}
}

// ReminderArgs is the job that sends a place's Nth reminder, due at Due.
type ReminderArgs struct {
	BookingID int64     `json:"booking_id"`
	Nth       int       `json:"nth"`
	Due       time.Time `json:"due"`
}

func (ReminderArgs) Kind() string { return KindReminder }

func (a ReminderArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{ScheduledAt: a.Due, MaxAttempts: jobAttempts, UniqueOpts: once}
}

// FollowUpArgs is the job that asks a place's impact follow-up, due at Due:
// of the person, and of their line manager when they gave one.
type FollowUpArgs struct {
	BookingID int64     `json:"booking_id"`
	Due       time.Time `json:"due"`
}

func (FollowUpArgs) Kind() string { return KindFollowUp }

func (a FollowUpArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{ScheduledAt: a.Due, MaxAttempts: jobAttempts, UniqueOpts: once}
}

// Invite sends the place's invitation if it is still due (attended, open,
// unanswered, not sent) and says whether it sent. The step and its email
// commit together, so however often it runs, and however many at once, the
// invitation is sent once.
func (s *Service) Invite(ctx context.Context, bookingID int64) (bool, error) {
	sent := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := evaluationdb.New(tx)
		e, err := q.MarkInvited(ctx, evaluationdb.MarkInvitedParams{BookingID: bookingID, Now: s.now()})
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // not due: sent, answered, closed, or no longer attended
		} else if err != nil {
			return fmt.Errorf("invite booking %d to evaluate: %w", bookingID, err)
		}
		st, err := settingsOfBooking(ctx, q, bookingID)
		if err != nil {
			return err
		}
		sent = true
		return s.sendEvaluationLetter(ctx, tx, q, bookingID, e.ClosesAt, 0, st.CertificateNeedsEvaluation)
	})
	return sent, err
}

// Remind sends the place's nth reminder if it is still due and says
// whether it sent.
func (s *Service) Remind(ctx context.Context, bookingID int64, nth int) (bool, error) {
	sent := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := evaluationdb.New(tx)
		e, err := q.MarkReminded(ctx, evaluationdb.MarkRemindedParams{BookingID: bookingID, Nth: int16(nth), Now: s.now()})
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("remind booking %d to evaluate: %w", bookingID, err)
		}
		st, err := settingsOfBooking(ctx, q, bookingID)
		if err != nil {
			return err
		}
		sent = true
		return s.sendEvaluationLetter(ctx, tx, q, bookingID, e.ClosesAt, nth, st.CertificateNeedsEvaluation)
	})
	return sent, err
}

// AskFollowUp asks the place's impact follow-up, of the person and of the
// line manager they named when booking, once each, and says how many it
// asked. It does nothing before the follow-up's time, or for a place no
// longer attended or a person erased.
func (s *Service) AskFollowUp(ctx context.Context, bookingID int64) (int, error) {
	asked := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := evaluationdb.New(tx)
		st, err := settingsOfBooking(ctx, q, bookingID)
		if err != nil {
			return err
		}
		now := s.now()
		token, hash := newToken()
		rows, err := q.AskFollowUp(ctx, evaluationdb.AskFollowUpParams{BookingID: bookingID, Now: now,
			ClosesAt: now.AddDate(0, 0, st.FollowUpCloseDays), TokenHash: hash})
		if err != nil {
			return fmt.Errorf("ask follow-up of booking %d: %w", bookingID, err)
		}
		for _, r := range rows {
			if err := s.sendFollowUpLetter(ctx, tx, q, bookingID, r.Respondent, r.ClosesAt, token); err != nil {
				return err
			}
		}
		asked = len(rows)
		return nil
	})
	return asked, err
}

type inviteWorker struct {
	river.WorkerDefaults[InviteArgs]
	s *Service
}

func (w *inviteWorker) Timeout(*river.Job[InviteArgs]) time.Duration { return jobTimeout }

func (w *inviteWorker) Work(ctx context.Context, job *river.Job[InviteArgs]) error {
	_, err := w.s.Invite(ctx, job.Args.BookingID)
	return err
}

type reminderWorker struct {
	river.WorkerDefaults[ReminderArgs]
	s *Service
}

func (w *reminderWorker) Timeout(*river.Job[ReminderArgs]) time.Duration { return jobTimeout }

// Work sends the reminder if it is still due; a job that runs early
// (another machine's clock) waits for its time.
func (w *reminderWorker) Work(ctx context.Context, job *river.Job[ReminderArgs]) error {
	if wait := job.Args.Due.Sub(w.s.now()); wait > 0 {
		return river.JobSnooze(wait)
	}
	_, err := w.s.Remind(ctx, job.Args.BookingID, job.Args.Nth)
	return err
}

type followUpWorker struct {
	river.WorkerDefaults[FollowUpArgs]
	s *Service
}

func (w *followUpWorker) Timeout(*river.Job[FollowUpArgs]) time.Duration { return jobTimeout }

func (w *followUpWorker) Work(ctx context.Context, job *river.Job[FollowUpArgs]) error {
	if wait := job.Args.Due.Sub(w.s.now()); wait > 0 {
		return river.JobSnooze(wait)
	}
	_, err := w.s.AskFollowUp(ctx, job.Args.BookingID)
	return err
}

// InviteWorker, ReminderWorker and FollowUpWorker are the workers, for tests
// that run a job by hand.
func (s *Service) InviteWorker() river.Worker[InviteArgs]     { return &inviteWorker{s: s} }
func (s *Service) ReminderWorker() river.Worker[ReminderArgs] { return &reminderWorker{s: s} }
func (s *Service) FollowUpWorker() river.Worker[FollowUpArgs] { return &followUpWorker{s: s} }

// Work registers evaluation's workers.
func (s *Service) Work() queue.Work {
	return func(cfg *river.Config) error {
		if cfg.Workers == nil {
			cfg.Workers = river.NewWorkers()
		}
		for _, err := range []error{
			river.AddWorkerSafely(cfg.Workers, &inviteWorker{s: s}),
			river.AddWorkerSafely(cfg.Workers, &reminderWorker{s: s}),
			river.AddWorkerSafely(cfg.Workers, &followUpWorker{s: s}),
		} {
			if err != nil {
				return fmt.Errorf("register evaluation jobs: %w", err)
			}
		}
		return nil
	}
}

// Sweeps is the safety net under the jobs: every 10 minutes it sends the
// invitations, reminders and follow-ups overdue by SweepGrace whose job was
// missed.
func (s *Service) Sweeps() []queue.Sweep {
	return []queue.Sweep{{Name: "evaluations", Every: 10 * time.Minute,
		What: "sent evaluation invitations, reminders and impact follow-ups whose time had passed",
		Run:  s.sweep}}
}

func (s *Service) sweep(ctx context.Context) (int, error) {
	now := s.now()
	before := now.Add(-SweepGrace)
	q := evaluationdb.New(s.pool)
	found := 0
	invites, err := q.DueInvitations(ctx, evaluationdb.DueInvitationsParams{Before: before, Now: now})
	if err != nil {
		return found, fmt.Errorf("evaluation invitations due: %w", err)
	}
	for _, id := range invites {
		if sent, err := s.Invite(ctx, id); err != nil {
			return found, err
		} else if sent {
			found++
		}
	}
	reminders, err := q.DueReminders(ctx, evaluationdb.DueRemindersParams{Now: now, Before: before})
	if err != nil {
		return found, fmt.Errorf("evaluation reminders due: %w", err)
	}
	for _, r := range reminders {
		if sent, err := s.Remind(ctx, r.BookingID, int(r.Sent)+1); err != nil {
			return found, err
		} else if sent {
			found++
		}
	}
	followUps, err := q.DueFollowUps(ctx, before)
	if err != nil {
		return found, fmt.Errorf("follow-ups due: %w", err)
	}
	for _, id := range followUps {
		n, err := s.AskFollowUp(ctx, id)
		if err != nil {
			return found, err
		}
		found += n
	}
	return found, nil
}

// Describers tell a training manager what a failed evaluation job was doing
// and for whom (Needs attention).
func (s *Service) Describers() map[string]queue.Describe {
	describe := func(what string) queue.Describe {
		return func(ctx context.Context, raw []byte) (queue.Subject, error) {
			var a struct {
				BookingID int64 `json:"booking_id"`
				Nth       int   `json:"nth"`
			}
			if err := json.Unmarshal(raw, &a); err != nil {
				return queue.Subject{}, fmt.Errorf("evaluation job: %w", err)
			}
			l, err := evaluationdb.New(s.pool).Letter(ctx, a.BookingID)
			if err != nil {
				return queue.Subject{}, fmt.Errorf("place %d: %w", a.BookingID, err)
			}
			w := what
			if a.Nth > 0 {
				w = fmt.Sprintf("%s %d", what, a.Nth)
			}
			who := l.FullName + " (" + l.Email + ")"
			if l.Erased {
				who = "Deleted account"
			}
			return queue.Subject{What: w + ": " + l.CourseTitle + ", " + londonDate(l.StartsAt), Who: who,
				Link: fmt.Sprintf("/admin/sessions/%d/bookings", l.SessionID)}, nil
		}
	}
	return map[string]queue.Describe{
		KindInvite:   describe("Invitation to evaluate"),
		KindReminder: describe("Reminder to evaluate"),
		KindFollowUp: describe("Three-month follow-up"),
	}
}
