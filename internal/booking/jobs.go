package booking

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/queue"
)

// Work at its time. Each time-based step of a booking is a River job
// scheduled for its moment and inserted in the transaction that made it due:
// an offer's expiry at its deadline (OfferExpiryArgs), a held place's lapse
// at the end of its hold (HoldExpiryArgs), and each reminder and the joining
// instructions (ReminderArgs). A job does its step under the session's lock
// and only if it is still due, so a job left behind by a change (an offer
// accepted, a hold paid for, a session moved or cancelled) does nothing, and
// running a job twice, or two at once, does the step once. The sweeps
// (Sweeps) are only a safety net under them.

// Job kinds, as stored in river_job; changing one strands queued jobs.
const (
	KindOfferExpiry = "booking_offer_expiry"
	KindHoldExpiry  = "booking_hold_expiry"
	KindReminder    = "booking_reminder"
)

// jobAttempts gives a job that keeps failing about an hour and a half of
// River's backoff (1 s, 16 s, 81 s … 40 minutes) before it is given up and
// shown to a training manager; the sweeps try again meanwhile.
const jobAttempts = 8

// Timeouts of the jobs: one session's offers or holds (a few emails and
// offers on), and one session's reminders (a short transaction and an email
// for each of up to a thousand places, each committed on its own, so a run
// cut short is retried and carries on where it stopped). Short, so a job
// stranded by a process that died is run again within a minute or two
// (queue.RescueStuckJobsAfter, and never before the job's timeout).
const (
	offerJobTimeout    = 20 * time.Second
	holdJobTimeout     = 20 * time.Second
	reminderJobTimeout = time.Minute
)

// SweepGrace is how overdue work must be before a sweep does it: its job
// had that long to run (a job stranded by a dead process is rescued well
// within it), so a sweep that finds something has found a missed job, not
// raced a punctual one.
const SweepGrace = 5 * time.Minute

// once makes a job unique by its args while it waits or runs: the 25 offers
// made at once on a session share one expiry job. A job already done does
// not block a new one (a deadline moved back to a time already passed).
var once = queue.UniqueWhileWaiting

// at is t as a job's args keep it (queue.JobTime).
func at(t time.Time) time.Time { return queue.JobTime(t) }

// OfferExpiryArgs is the job that ends a session's offers due at Due and
// passes their places on.
type OfferExpiryArgs struct {
	SessionID int64     `json:"session_id"`
	Due       time.Time `json:"due"`
}

func (OfferExpiryArgs) Kind() string { return KindOfferExpiry }

func (a OfferExpiryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{ScheduledAt: a.Due, MaxAttempts: jobAttempts, UniqueOpts: once}
}

// HoldExpiryArgs is the job that lapses a held place not paid for by Due
// (and any other hold of its session due by then).
type HoldExpiryArgs struct {
	BookingID int64     `json:"booking_id"`
	Due       time.Time `json:"due"`
}

func (HoldExpiryArgs) Kind() string { return KindHoldExpiry }

func (a HoldExpiryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{ScheduledAt: a.Due, MaxAttempts: jobAttempts, UniqueOpts: once}
}

// ReminderArgs is the job that sends a session's reminders due at Due: the
// Reminder (days_10, days_3, joining) of the session starting at
// StartsAt. It does nothing if the session has moved (a job for its new
// time was scheduled by the move) or is no longer on. A catch-up job is due
// at once, for reminders whose moment has passed but which are still to
// send (joining instructions once a meeting link is added, a session moved
// nearer); it is not unique, so it is never lost to a job already running.
type ReminderArgs struct {
	SessionID int64     `json:"session_id"`
	StartsAt  time.Time `json:"starts_at"`
	Reminder  string    `json:"reminder"`
	Due       time.Time `json:"due"`
	CatchUp   bool      `json:"catch_up,omitempty"`
}

func (ReminderArgs) Kind() string { return KindReminder }

func (a ReminderArgs) InsertOpts() river.InsertOpts {
	opts := river.InsertOpts{ScheduledAt: a.Due, MaxAttempts: jobAttempts}
	if !a.CatchUp {
		opts.UniqueOpts = once
	}
	return opts
}

// enqueue inserts a job in tx, the transaction of its cause. A service
// without an outbox (tests of other things) schedules nothing.
func (s *Service) enqueue(ctx context.Context, tx pgx.Tx, args river.JobArgs) error {
	if s.outbox == nil {
		return nil
	}
	return s.outbox.EnqueueJob(ctx, tx, args)
}

// scheduleOfferExpiry inserts the expiry job of each deadline among a
// session's new offers.
func (s *Service) scheduleOfferExpiry(ctx context.Context, tx pgx.Tx, sessionID int64, deadlines []time.Time) error {
	seen := map[int64]bool{}
	for _, d := range deadlines {
		d = at(d)
		if seen[d.UnixMicro()] {
			continue
		}
		seen[d.UnixMicro()] = true
		if err := s.enqueue(ctx, tx, OfferExpiryArgs{SessionID: sessionID, Due: d}); err != nil {
			return fmt.Errorf("schedule expiry of offers of session %d: %w", sessionID, err)
		}
	}
	return nil
}

// scheduleHoldExpiry inserts the job that lapses booking id's hold at until.
func (s *Service) scheduleHoldExpiry(ctx context.Context, tx pgx.Tx, id int64, until time.Time) error {
	if err := s.enqueue(ctx, tx, HoldExpiryArgs{BookingID: id, Due: at(until)}); err != nil {
		return fmt.Errorf("schedule end of hold of booking %d: %w", id, err)
	}
	return nil
}

// catchUp says which reminders whose moment has passed scheduleReminders
// makes due at once.
type catchUp int

const (
	// catchUpJoining: joining instructions already due, once there is a
	// meeting link (a place confirmed inside 48 hours, a link added). A day
	// reminder is never sent to a place confirmed after its moment.
	catchUpJoining catchUp = iota
	// catchUpAll: any reminder now passed (a session moved nearer: the
	// places confirmed before are reminded now).
	catchUpAll
	// catchUpNone: only the reminders still to come (ScheduleMissing).
	catchUpNone
)

// scheduleReminders inserts the reminder jobs of session id as it now
// stands (reminderJobs), in the transaction of the move or the link.
func (s *Service) scheduleReminders(ctx context.Context, tx pgx.Tx, q *bookingdb.Queries, id int64, due catchUp) error {
	if s.outbox == nil {
		return nil
	}
	se, err := q.ReminderSession(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	} else if err != nil {
		return fmt.Errorf("session %d for its reminders: %w", id, err)
	}
	jobs := s.reminderJobs(se, due)
	if len(jobs) == 0 {
		return nil
	}
	if err := s.outbox.EnqueueJobs(ctx, tx, jobs); err != nil {
		return fmt.Errorf("schedule reminders of session %d: %w", id, err)
	}
	return nil
}

// reminderJobs are the reminder jobs of session se as it now stands: one
// for each reminder still to come (shared by everyone with a place, so a
// place confirmed later adds nothing new: each is unique while it waits),
// and a catch-up due at once for those of the reminders already passed
// that due says.
func (s *Service) reminderJobs(se bookingdb.ReminderSessionRow, due catchUp) []river.InsertManyParams {
	now := s.now()
	if catalogue.SessionStatus(se.Status) != catalogue.SessionPublished || !now.Before(se.StartsAt) {
		return nil
	}
	type moment struct {
		kind string
		at   time.Time
	}
	var moments []moment
	for _, d := range s.reminderDays() {
		if d > 0 {
			moments = append(moments, moment{reminderKind(d), se.StartsAt.Add(-time.Duration(d) * 24 * time.Hour)})
		}
	}
	if se.VenueOnline {
		moments = append(moments, moment{joiningKind, se.StartsAt.Add(-joiningWindow)})
	}
	var jobs []river.InsertManyParams
	overdue := ""
	var latest time.Time
	for _, m := range moments {
		if m.at.After(now) {
			jobs = append(jobs, river.InsertManyParams{Args: ReminderArgs{SessionID: se.ID, StartsAt: at(se.StartsAt), Reminder: m.kind, Due: at(m.at)}})
			continue
		}
		// Its moment has passed: due now only as the caller says.
		send := due == catchUpAll && m.kind != joiningKind || due != catchUpNone && m.kind == joiningKind && se.MeetingUrl != ""
		if send && (overdue == "" || m.at.After(latest)) {
			overdue, latest = m.kind, m.at
		}
	}
	if overdue != "" {
		jobs = append(jobs, river.InsertManyParams{Args: ReminderArgs{SessionID: se.ID, StartsAt: at(se.StartsAt), Reminder: overdue, Due: at(now), CatchUp: true}})
	}
	return jobs
}

// catchUpsOnly is jobs without the reminders scheduled once per session
// and moment (unique while they wait): only the catch-ups, due now for
// this one place.
func catchUpsOnly(jobs []river.InsertManyParams) []river.InsertManyParams {
	return slices.DeleteFunc(jobs, func(j river.InsertManyParams) bool {
		r, ok := j.Args.(ReminderArgs)
		return ok && !r.CatchUp
	})
}

// confirmed finishes confirming booking id on session sessionID, in its
// transaction: the email (of kind: confirmed, or moved for a place moved to
// this session) and the jobs that remind them before it, inserted together.
func (s *Service) confirmed(ctx context.Context, tx pgx.Tx, q *bookingdb.Queries, id, sessionID int64, kind messageKind) error {
	if s.outbox == nil {
		return nil
	}
	se, err := q.ReminderSession(ctx, sessionID)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	} else if err != nil {
		return fmt.Errorf("session %d for its reminders: %w", sessionID, err)
	}
	b, err := q.GetBooking(ctx, id)
	if err != nil {
		return fmt.Errorf("booking %d for email: %w", id, err)
	}
	return s.send(ctx, tx, q, []bookingdb.BookingDetail{b}, kind, s.reminderJobs(se, catchUpJoining)...)
}

// NotifyMeetingLinkChanged schedules, in tx, what a session's new meeting
// link makes due: joining instructions already due (inside 48 hours of an
// online session) that waited for a link go now.
func (s *Service) NotifyMeetingLinkChanged(ctx context.Context, tx pgx.Tx, id int64) error {
	q := bookingdb.New(tx)
	if _, err := lockSession(ctx, q, id); err != nil {
		return err
	}
	return s.scheduleReminders(ctx, tx, q, id, catchUpJoining)
}

// ScheduleMissing gives a job to any offer, hold or reminder still to come
// that has none: work made before these jobs existed (a database from an
// older version) or written straight to the tables (the demo data). A job
// already waiting is not doubled (each is unique while it waits), so it is
// safe at every start; the sweeps would otherwise find that work late, as
// missed. Reminders whose moment has passed are left to the sweep. Each
// session's jobs go in a short transaction of their own.
func (s *Service) ScheduleMissing(ctx context.Context) error {
	q := bookingdb.New(s.pool)
	var failed []error
	offers, err := q.PendingOfferDeadlines(ctx)
	if err != nil {
		return fmt.Errorf("offers to schedule: %w", err)
	}
	for _, o := range offers {
		failed = append(failed, s.inTx(ctx, func(tx pgx.Tx, _ *bookingdb.Queries) error {
			return s.scheduleOfferExpiry(ctx, tx, o.SessionID, []time.Time{o.Deadline})
		}))
	}
	holds, err := q.PendingHolds(ctx)
	if err != nil {
		return fmt.Errorf("holds to schedule: %w", err)
	}
	for _, h := range holds {
		failed = append(failed, s.inTx(ctx, func(tx pgx.Tx, _ *bookingdb.Queries) error {
			return s.scheduleHoldExpiry(ctx, tx, h.ID, h.Until)
		}))
	}
	approvals, err := q.PendingApprovals(ctx)
	if err != nil {
		return fmt.Errorf("approvals to schedule: %w", err)
	}
	for _, a := range approvals {
		failed = append(failed, s.inTx(ctx, func(tx pgx.Tx, _ *bookingdb.Queries) error {
			return s.enqueue(ctx, tx, ApprovalExpiryArgs{BookingID: a.ID, Due: at(a.Until)})
		}))
	}
	sessions, err := q.SessionsToRemind(ctx, s.now())
	if err != nil {
		return fmt.Errorf("sessions to remind: %w", err)
	}
	for _, id := range sessions {
		failed = append(failed, s.inTx(ctx, func(tx pgx.Tx, q *bookingdb.Queries) error {
			return s.scheduleReminders(ctx, tx, q, id, catchUpNone)
		}))
	}
	return errors.Join(failed...)
}

type offerExpiryWorker struct {
	river.WorkerDefaults[OfferExpiryArgs]
	s *Service
}

func (w *offerExpiryWorker) Timeout(*river.Job[OfferExpiryArgs]) time.Duration {
	return offerJobTimeout
}

// Work ends the session's offers now due. An offer accepted or declined
// meanwhile is no longer offered, so is left alone; a job that runs early
// (another machine's clock) waits for its time.
func (w *offerExpiryWorker) Work(ctx context.Context, job *river.Job[OfferExpiryArgs]) error {
	if wait := job.Args.Due.Sub(w.s.now()); wait > 0 {
		return river.JobSnooze(wait)
	}
	_, err := w.s.expireSessionOffers(ctx, job.Args.SessionID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

type holdExpiryWorker struct {
	river.WorkerDefaults[HoldExpiryArgs]
	s *Service
}

func (w *holdExpiryWorker) Timeout(*river.Job[HoldExpiryArgs]) time.Duration { return holdJobTimeout }

// Work lapses the holds of the booking's session now due. A hold paid for,
// given up or extended meanwhile is not due, so is left alone (an extended
// hold has its own job at its new end).
func (w *holdExpiryWorker) Work(ctx context.Context, job *river.Job[HoldExpiryArgs]) error {
	if wait := job.Args.Due.Sub(w.s.now()); wait > 0 {
		return river.JobSnooze(wait)
	}
	b, err := bookingdb.New(w.s.pool).GetBooking(ctx, job.Args.BookingID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("booking %d: %w", job.Args.BookingID, err)
	}
	if Status(b.Status) != Held {
		return nil // paid for, given up or lapsed already
	}
	_, err = w.s.lapseSessionHolds(ctx, b.SessionID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

type reminderWorker struct {
	river.WorkerDefaults[ReminderArgs]
	s *Service
}

func (w *reminderWorker) Timeout(*river.Job[ReminderArgs]) time.Duration { return reminderJobTimeout }

// Work sends the session's reminders now due, each once: the same rules as
// SendReminders, for one session. A session moved since the job was
// scheduled (its start is not the job's), cancelled or started gets nothing
// from it.
func (w *reminderWorker) Work(ctx context.Context, job *river.Job[ReminderArgs]) error {
	a := job.Args
	se, err := bookingdb.New(w.s.pool).ReminderSession(ctx, a.SessionID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("session %d for its reminders: %w", a.SessionID, err)
	}
	if catalogue.SessionStatus(se.Status) != catalogue.SessionPublished || !se.StartsAt.Equal(a.StartsAt) {
		return nil
	}
	now := w.s.now()
	if wait := a.Due.Sub(now); wait > 0 {
		return river.JobSnooze(wait)
	}
	if !now.Before(se.StartsAt) {
		return nil
	}
	_, err = w.s.sendReminders(ctx, &a.SessionID, now, now)
	return err
}

// Work adds the booking jobs' workers to the job client (queue.New).
func (s *Service) Work() queue.Work {
	return func(cfg *river.Config) error {
		if cfg.Workers == nil {
			cfg.Workers = river.NewWorkers()
		}
		for _, err := range []error{
			river.AddWorkerSafely(cfg.Workers, &offerExpiryWorker{s: s}),
			river.AddWorkerSafely(cfg.Workers, &holdExpiryWorker{s: s}),
			river.AddWorkerSafely(cfg.Workers, &reminderWorker{s: s}),
			river.AddWorkerSafely(cfg.Workers, &capsReleaseWorker{s: s}),
			river.AddWorkerSafely(cfg.Workers, &approvalExpiryWorker{s: s}),
		} {
			if err != nil {
				return fmt.Errorf("register booking jobs: %w", err)
			}
		}
		return nil
	}
}

// eachSession does step for each of the sessions, each in its own
// transaction (step's), so one session's trouble does not hold up the
// others; it returns the sum of what the steps that succeeded counted, and
// every failure.
func eachSession(sessions []int64, step func(id int64) (int, error)) (int, error) {
	n := 0
	var failed []error
	for _, id := range sessions {
		count, err := step(id)
		if err != nil {
			failed = append(failed, fmt.Errorf("session %d: %w", id, err))
			continue
		}
		n += count // counted once committed
	}
	return n, errors.Join(failed...)
}

// Sweeps are the safety nets under the booking jobs: each does the work
// overdue by more than SweepGrace whose job was missed.
func (s *Service) Sweeps() []queue.Sweep {
	return []queue.Sweep{
		{Name: "offers", Every: 5 * time.Minute,
			What: "passed on waiting-list offers not accepted in time",
			Run:  func(ctx context.Context) (int, error) { return s.expireOffers(ctx, s.now().Add(-SweepGrace)) }},
		{Name: "holds", Every: 5 * time.Minute,
			What: "released places not paid for in time",
			Run:  func(ctx context.Context) (int, error) { return s.expireHolds(ctx, s.now().Add(-SweepGrace)) }},
		{Name: "caps", Every: 10 * time.Minute,
			What: "offered places to everyone waiting once a session's places per agency opened to all",
			Run:  s.releaseMissedCaps},
		{Name: "approvals", Every: 5 * time.Minute,
			What: "released places whose line manager did not answer in time",
			Run:  func(ctx context.Context) (int, error) { return s.expireApprovals(ctx, s.now().Add(-SweepGrace)) }},
		{Name: "reminders", Every: 10 * time.Minute, Timeout: reminderJobTimeout,
			What: "sent reminders and joining instructions",
			Run: func(ctx context.Context) (int, error) {
				now := s.now()
				return s.sendReminders(ctx, nil, now, now.Add(-SweepGrace))
			}},
	}
}
