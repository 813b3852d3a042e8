package payment

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/payment/internal/paymentdb"
)

// SeedDemoPricesTx gives the demo courses their prices in the caller's
// transaction: the non-contributing band (private and independent providers)
// pays £80 a full day and £40 a half day; everyone else is free. Only
// internal/demo calls it, in the transaction that seeds an empty database
// with demo data, which is why nothing is audited: nobody did it.
func SeedDemoPricesTx(ctx context.Context, tx pgx.Tx) error {
	if err := paymentdb.New(tx).SeedDemoPrices(ctx); err != nil {
		return fmt.Errorf("demo prices: %w", err)
	}
	return nil
}
