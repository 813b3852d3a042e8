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
