package agency

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/agency/internal/agencydb"
)

// DemoAgency is a partner organisation of the demo data.
type DemoAgency struct {
	Name         string
	Sector       Sector
	ChargingBand ChargingBand
}

// AddDemoTx adds a demo agency in the caller's transaction and returns its
// id. Only internal/demo calls it, in the transaction that seeds an empty
// database with demo data, which is why nothing is audited: nobody did it.
func AddDemoTx(ctx context.Context, tx pgx.Tx, a DemoAgency) (int64, error) {
	id, err := agencydb.New(tx).InsertDemoAgency(ctx, agencydb.InsertDemoAgencyParams{
		Name: a.Name, Sector: string(a.Sector), ChargingBand: string(a.ChargingBand),
	})
	if err != nil {
		return 0, fmt.Errorf("demo agency %q: %w", a.Name, err)
	}
	return id, nil
}

// SetDemoApprovalTx turns line-manager approval on for the demo agency
// named, with hours to answer, in the demo seeding's transaction (nothing
// audited: nobody did it).
func SetDemoApprovalTx(ctx context.Context, tx pgx.Tx, name string, hours int) error {
	if err := agencydb.New(tx).SetDemoApproval(ctx, agencydb.SetDemoApprovalParams{Name: name, ApprovalHours: int32(hours)}); err != nil {
		return fmt.Errorf("demo approval of agency %q: %w", name, err)
	}
	return nil
}
