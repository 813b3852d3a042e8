package scheduling

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/scheduling/internal/schedulingdb"
)

// The functions here make the demo data's sessions. Only internal/demo calls
// them, in the transaction that seeds an empty database, which is why
// nothing is audited: nobody did it.

// DemoSession is one session of the demo term.
type DemoSession struct {
	CourseID, VenueID        int64
	StartsAt, EndsAt, Cutoff time.Time
	Capacity                 int
	Status                   catalogue.SessionStatus
	MeetingURL               string
	ClosedToAgencyID         *int64  // a session for one agency only
	InviteToken              *string // with ClosedToAgencyID
	CancelledReason          string  // why the partnership cancelled it (Status cancelled)
	AgencyCap                int     // places per agency until CapsRelease (0: none)
	CapsRelease              time.Time
}

// AddDemoSessionTx adds a demo session in the caller's transaction and
// returns its id.
func AddDemoSessionTx(ctx context.Context, tx pgx.Tx, s DemoSession) (int64, error) {
	agencyCap, _, release := Plan{AgencyCap: s.AgencyCap, CapsRelease: s.CapsRelease}.capsArgs()
	id, err := schedulingdb.New(tx).InsertDemoSession(ctx, schedulingdb.InsertDemoSessionParams{
		CourseID: s.CourseID, VenueID: s.VenueID, StartsAt: s.StartsAt, EndsAt: s.EndsAt,
		BookingCutoffAt: s.Cutoff, Capacity: int32(s.Capacity), Status: schedulingdb.SessionStatus(s.Status),
		MeetingUrl: s.MeetingURL, ClosedToAgencyID: s.ClosedToAgencyID, InviteToken: s.InviteToken,
		CancelledReason: s.CancelledReason, AgencyCap: agencyCap, CapsReleaseAt: release,
	})
	if err != nil {
		return 0, fmt.Errorf("demo session: %w", err)
	}
	return id, nil
}

// AddDemoPastSessionTx adds, in the caller's transaction, a completed
// session of the course with this slug, online (on the first online venue),
// for the demo training record. It reports false when there is no such
// course or no online venue.
func AddDemoPastSessionTx(ctx context.Context, tx pgx.Tx, courseSlug string, startsAt, endsAt, cutoff time.Time) (int64, bool, error) {
	id, err := schedulingdb.New(tx).InsertDemoPastSession(ctx, schedulingdb.InsertDemoPastSessionParams{
		StartsAt: startsAt, EndsAt: endsAt, CutoffAt: cutoff, Slug: courseSlug,
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	} else if err != nil {
		return 0, false, fmt.Errorf("demo past session of %q: %w", courseSlug, err)
	}
	return id, true, nil
}

// AssignDemoTrainerTx puts a trainer on a demo session in the caller's
// transaction (nothing, if they are on it already). The database refuses a
// trainer not approved for the course or on another session at that time.
func AssignDemoTrainerTx(ctx context.Context, tx pgx.Tx, sessionID, trainerID int64) error {
	if err := schedulingdb.New(tx).AssignDemoTrainer(ctx, schedulingdb.AssignDemoTrainerParams{
		SessionID: sessionID, TrainerID: trainerID,
	}); err != nil {
		return fmt.Errorf("demo trainer %d on session %d: %w", trainerID, sessionID, err)
	}
	return nil
}
