package trainingrequest

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/trainingrequest/internal/trainingrequestdb"
)

// DemoRequest is a request of the demo's past term for a catalogue course,
// made by RequestedBy (a coordinator, for their agency) at SubmittedAt and,
// unless still waiting (Status submitted), decided by DecidedBy at
// DecidedAt: accepted into the closed session SessionID, or declined with
// DeclineReason.
type DemoRequest struct {
	RequestedBy   int64
	CourseSlug    string
	Audience      string
	Participants  int
	Online        bool
	SubmittedAt   time.Time
	Status        string // submitted, accepted or declined
	DecidedBy     int64
	DecidedAt     time.Time
	DeclineReason string
	SessionID     int64 // accepted: the session it became
}

// AddDemoRequestTx adds a demo training request, with its history, in the
// caller's transaction. Only internal/demo calls it, seeding an empty
// database, which is why nothing is audited and nobody is emailed.
func AddDemoRequestTx(ctx context.Context, tx pgx.Tx, r DemoRequest) error {
	q := trainingrequestdb.New(tx)
	location := "venue"
	if r.Online {
		location = "online"
	}
	updated := r.SubmittedAt
	if r.Status != Submitted {
		updated = r.DecidedAt
	}
	id, err := q.AddDemoRequest(ctx, trainingrequestdb.AddDemoRequestParams{
		RequestedBy: r.RequestedBy, CourseSlug: r.CourseSlug, Audience: r.Audience, Participants: int32(r.Participants),
		Location: location, Status: r.Status, DeclineReason: r.DeclineReason, SubmittedAt: r.SubmittedAt, UpdatedAt: updated,
	})
	if err != nil {
		return fmt.Errorf("demo request for %q: %w", r.CourseSlug, err)
	}
	wanted := r.SubmittedAt.AddDate(0, 0, 35)
	if err := q.AddDemoRequestDate(ctx, trainingrequestdb.AddDemoRequestDateParams{
		EnquiryID: id, StartsAt: wanted, EndsAt: wanted.Add(3 * time.Hour),
	}); err != nil {
		return fmt.Errorf("demo request %d: %w", id, err)
	}
	events := []trainingrequestdb.AddDemoRequestEventParams{
		{EnquiryID: id, ActorID: r.RequestedBy, Action: "submitted", Status: Submitted, At: r.SubmittedAt},
	}
	switch r.Status {
	case Accepted:
		events = append(events, trainingrequestdb.AddDemoRequestEventParams{EnquiryID: id, ActorID: r.DecidedBy,
			Action: "accepted", Status: Accepted, At: r.DecidedAt, Note: fmt.Sprintf("Session %d", r.SessionID)})
	case Declined:
		events = append(events, trainingrequestdb.AddDemoRequestEventParams{EnquiryID: id, ActorID: r.DecidedBy,
			Action: "declined", Status: Declined, At: r.DecidedAt, Note: r.DeclineReason})
	}
	for _, e := range events {
		if err := q.AddDemoRequestEvent(ctx, e); err != nil {
			return fmt.Errorf("demo request %d: %w", id, err)
		}
	}
	if r.Status == Accepted && r.SessionID != 0 {
		if err := q.LinkDemoRequestSession(ctx, trainingrequestdb.LinkDemoRequestSessionParams{
			EnquiryID: id, SessionID: r.SessionID,
		}); err != nil {
			return fmt.Errorf("demo request %d: %w", id, err)
		}
	}
	return nil
}
