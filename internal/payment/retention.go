package payment

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/payment/internal/paymentdb"
	"github.com/pscp/booktraining/internal/privacy"
)

// Retention is payment's share of the retention schedule (internal/privacy),
// by the schedule's rule key: charges and payments go privacy.FinancialYears
// after the partnership year of their session. The schedule applies them
// before the rule that deletes the bookings they belong to.
func Retention() map[string]privacy.Cleaner {
	return map[string]privacy.Cleaner{"charges": deleteOldCharges, "payments": deleteOldPayments}
}

func deleteOldCharges(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
	n, err := paymentdb.New(tx).DeleteChargesOfSessionsBefore(ctx, paymentdb.DeleteChargesOfSessionsBeforeParams{
		EndedBefore: privacy.FinancialCutoff(now), MaxRows: max})
	return int(n), err
}

func deleteOldPayments(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
	n, err := paymentdb.New(tx).DeletePaymentsOfSessionsBefore(ctx, paymentdb.DeletePaymentsOfSessionsBeforeParams{
		EndedBefore: privacy.FinancialCutoff(now), MaxRows: max})
	return int(n), err
}
