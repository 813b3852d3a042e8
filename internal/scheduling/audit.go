package scheduling

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/scheduling/internal/schedulingdb"
)

// record writes the audit entry of a change to a session in the change's
// transaction, as done by the actor ctx carries (none: the service itself).
func (s *Service) record(ctx context.Context, tx pgx.Tx, action audit.Action, details map[string]any) error {
	a := actor.From(ctx)
	return audit.RecordTx(ctx, tx, s.now(), audit.Event{Action: action, ActorID: a.IDPtr(), IP: a.IP, Details: details})
}

// sessionState is what the audit log says of a session: read in the
// change's transaction, so after the change it is the new state.
type sessionState struct {
	course, when, venue, status string
	capacity                    int32
	booked                      int64 // places taken
	trainers                    []string
}

func readState(ctx context.Context, q *schedulingdb.Queries, id int64) (sessionState, error) {
	r, err := q.GetScheduledSession(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return sessionState{}, ErrNotFound
	} else if err != nil {
		return sessionState{}, fmt.Errorf("read session %d for the audit log: %w", id, err)
	}
	st := sessionState{course: r.CourseTitle, when: london.When(r.StartsAt, r.EndsAt), venue: r.VenueName,
		status: string(r.Status), capacity: r.Capacity, booked: int64(r.SeatsTaken)}
	st.trainers = slices.Sorted(slices.Values(r.TrainerNames))
	return st, nil
}

// recordState writes action for session id with its course and time, and
// extra details.
func (s *Service) recordState(ctx context.Context, tx pgx.Tx, action audit.Action, id int64, extra map[string]any) error {
	st, err := readState(ctx, schedulingdb.New(tx), id)
	if err != nil {
		return err
	}
	details := map[string]any{"session": id, "course": st.course, "when": st.when}
	for k, v := range extra {
		details[k] = v
	}
	return s.record(ctx, tx, action, details)
}

// recordCreated writes session_created for a new session: where, how many
// places, who delivers it.
func (s *Service) recordCreated(ctx context.Context, tx pgx.Tx, id int64, extra map[string]any) error {
	st, err := readState(ctx, schedulingdb.New(tx), id)
	if err != nil {
		return err
	}
	details := map[string]any{"session": id, "course": st.course, "when": st.when, "venue": st.venue,
		"places": st.capacity, "trainers": st.trainers, "status": st.status}
	for k, v := range extra {
		details[k] = v
	}
	return s.record(ctx, tx, audit.SessionCreated, details)
}

// recordMoved writes session_moved with each detail that changed, from its
// old value to its new.
func (s *Service) recordMoved(ctx context.Context, tx pgx.Tx, id int64, before sessionState) error {
	after, err := readState(ctx, schedulingdb.New(tx), id)
	if err != nil {
		return err
	}
	details := map[string]any{"session": id, "course": after.course}
	change := func(name string, from, to any, same bool) {
		if !same {
			details[name] = map[string]any{"from": from, "to": to}
		}
	}
	change("when", before.when, after.when, before.when == after.when)
	change("venue", before.venue, after.venue, before.venue == after.venue)
	change("places", before.capacity, after.capacity, before.capacity == after.capacity)
	change("trainers", before.trainers, after.trainers, slices.Equal(before.trainers, after.trainers))
	if len(details) == 2 {
		details["when"] = after.when // saved unchanged: still say which session
	}
	return s.record(ctx, tx, audit.SessionMoved, details)
}
