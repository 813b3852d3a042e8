package booking

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
)

// ErasePrerequisiteOverridesTx deletes, in the caller's transaction, the
// reasons managers gave for booking userID without a prerequisite: the
// erasure of internal/prerequisite's part of the privacy registry.
func ErasePrerequisiteOverridesTx(ctx context.Context, tx pgx.Tx, userID int64) error {
	if err := bookingdb.New(tx).ErasePrerequisiteOverrides(ctx, userID); err != nil {
		return fmt.Errorf("erase prerequisite overrides of %d: %w", userID, err)
	}
	return nil
}
