package trainer

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/trainer/internal/trainerdb"
)

// ApproveDemoTx approves a demo trainer for the courses with these slugs in
// the caller's transaction. Only internal/demo calls it, in the transaction
// that seeds an empty database with demo data, which is why nothing is
// audited: nobody did it.
func ApproveDemoTx(ctx context.Context, tx pgx.Tx, trainerID int64, courseSlugs []string) error {
	if err := trainerdb.New(tx).ApproveDemoTrainer(ctx, trainerdb.ApproveDemoTrainerParams{
		TrainerID: trainerID, Slugs: courseSlugs,
	}); err != nil {
		return fmt.Errorf("approve demo trainer %d: %w", trainerID, err)
	}
	return nil
}
