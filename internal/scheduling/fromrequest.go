package scheduling

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/scheduling/internal/schedulingdb"
)

// CreatePublishedTx saves a plan that Check passed as a published session in
// the caller's transaction, so a training request can become its sessions
// and change its status all at once. A closed plan (AgencyID set) gets its
// invite token here, as Create gives it. If the room or a trainer was taken
// since Check, the database refuses and the error satisfies IsClash. The
// audit entry names the request (its reference, such as TR-00042).
func (s *Service) CreatePublishedTx(ctx context.Context, tx pgx.Tx, p Plan, request string) (int64, error) {
	q := schedulingdb.New(tx)
	id, err := insert(ctx, q, p)
	if err != nil {
		return 0, fmt.Errorf("insert session: %w", err)
	}
	if err := setStatus(ctx, q, id, catalogue.SessionPublished, "", catalogue.SessionDraft); err != nil {
		return 0, err
	}
	if err := s.recordCreated(ctx, tx, id, map[string]any{"training_request": request}); err != nil {
		return 0, err
	}
	if err := s.tellTrainers(ctx, tx, id); err != nil {
		return 0, err
	}
	return id, nil
}

// IsClash reports whether err is the database refusing a session because
// its room or a trainer is taken (a race lost after Check).
func IsClash(err error) bool {
	return pgerr.Violates(err, "sessions_room_no_overlap", "trainer_commitments_no_overlap")
}

// ClashesNow names what occupies the room or the trainers of p now, after
// CreatePublishedTx lost a race: a *ClashError always.
func (s *Service) ClashesNow(ctx context.Context, p Plan) error {
	return s.clashAfterRace(ctx, p, 0)
}
