package booking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/queue"
)

// KindCapsRelease is the job that opens a session's places to all when its
// caps lift: the people passed over on its waiting list because of their
// agency's cap are offered the places still free, in order.
const KindCapsRelease = "booking_caps_release"

// CapsReleaseArgs is the job of session SessionID's caps lifting at Due.
type CapsReleaseArgs struct {
	SessionID int64     `json:"session_id"`
	Due       time.Time `json:"due"`
}

func (CapsReleaseArgs) Kind() string { return KindCapsRelease }

func (a CapsReleaseArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{ScheduledAt: a.Due, MaxAttempts: jobAttempts, UniqueOpts: once}
}

// ScheduleCapsRelease inserts, in tx (the session's change), the job that
// offers its free places to everyone waiting when its caps lift at release.
// A job left behind by a later change does no harm: it offers only the
// places the caps then allow.
func (s *Service) ScheduleCapsRelease(ctx context.Context, tx pgx.Tx, sessionID int64, release time.Time) error {
	if release.IsZero() {
		return nil
	}
	if err := s.enqueue(ctx, tx, CapsReleaseArgs{SessionID: sessionID, Due: at(release)}); err != nil {
		return fmt.Errorf("schedule release of the caps of session %d: %w", sessionID, err)
	}
	return nil
}

type capsReleaseWorker struct {
	river.WorkerDefaults[CapsReleaseArgs]
	s *Service
}

func (w *capsReleaseWorker) Timeout(*river.Job[CapsReleaseArgs]) time.Duration {
	return offerJobTimeout
}

// Work offers the session's free places to its waiting list once the caps
// have lifted; early (another machine's clock), it waits for its time.
func (w *capsReleaseWorker) Work(ctx context.Context, job *river.Job[CapsReleaseArgs]) error {
	if wait := job.Args.Due.Sub(w.s.now()); wait > 0 {
		return river.JobSnooze(wait)
	}
	err := w.s.releaseCaps(ctx, job.Args.SessionID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// releaseCaps offers session id's free places to the people waiting, in
// one transaction under its lock.
func (s *Service) releaseCaps(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx pgx.Tx, q *bookingdb.Queries) error {
		if _, err := lockSession(ctx, q, id); err != nil {
			return err
		}
		return s.offerFreePlaces(ctx, tx, q, id, s.now())
	})
}

// releaseMissedCaps is the sweep's: the sessions whose caps lifted in the
// last day (and at least SweepGrace ago) with places free and people
// waiting, whose job was missed.
func (s *Service) releaseMissedCaps(ctx context.Context) (int, error) {
	now := s.now()
	ids, err := bookingdb.New(s.pool).SessionsWithCapsReleased(ctx, bookingdb.SessionsWithCapsReleasedParams{
		Since: now.Add(-24 * time.Hour), Now: now.Add(-SweepGrace),
	})
	if err != nil {
		return 0, fmt.Errorf("sessions whose caps lifted: %w", err)
	}
	return eachSession(ids, func(id int64) (int, error) {
		if err := s.releaseCaps(ctx, id); err != nil && !errors.Is(err, ErrNotFound) {
			return 0, err
		}
		return 1, nil
	})
}

func (s *Service) describeCapsRelease(ctx context.Context, raw []byte) (queue.Subject, error) {
	var a CapsReleaseArgs
	if err := json.Unmarshal(raw, &a); err != nil {
		return queue.Subject{}, fmt.Errorf("caps release job: %w", err)
	}
	what, err := s.jobSession(ctx, a.SessionID)
	if err != nil {
		return queue.Subject{}, err
	}
	return queue.Subject{
		What: "Offering the places left on " + what + " to everyone waiting, now that its places per agency are open to all",
		Who:  "The people on its waiting list", Link: sessionLink(a.SessionID),
	}, nil
}
