package payment

import (
	"context"
	"fmt"
	"time"

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

// DemoCharge is a non-attendance or late-cancellation charge of the demo's
// past term, as the manager decided it (DecidedBy at DecidedAt, also when it
// was made): charged and waiting to be invoiced (proposed), waived (with
// WaiverReason), or invoiced or paid (on InvoiceReference).
type DemoCharge struct {
	BookingID        int64
	Kind             string // non_attendance or late_cancellation
	Status           string // proposed, waived, invoiced or paid
	WaiverReason     string
	InvoiceReference string
	CreatedAt        time.Time
	DecidedBy        int64
	DecidedAt        time.Time
}

// AddDemoChargeTx adds a demo charge in the caller's transaction at the
// charge policy's amount, and reports false when the policy charges the
// booking's agency nothing. Only internal/demo calls it, seeding an empty
// database: nothing is audited, nothing is sent to Stripe.
func AddDemoChargeTx(ctx context.Context, tx pgx.Tx, c DemoCharge) (bool, error) {
	arg := paymentdb.AddDemoChargeParams{BookingID: c.BookingID, Kind: c.Kind, Status: c.Status,
		WaiverReason: c.WaiverReason, CreatedAt: c.CreatedAt}
	if c.InvoiceReference != "" {
		arg.InvoiceReference = &c.InvoiceReference
	}
	if c.DecidedBy != 0 {
		arg.DecidedBy, arg.DecidedAt = &c.DecidedBy, &c.DecidedAt
	}
	n, err := paymentdb.New(tx).AddDemoCharge(ctx, arg)
	if err != nil {
		return false, fmt.Errorf("demo %s charge on booking %d: %w", c.Kind, c.BookingID, err)
	}
	return n > 0, nil
}

// DemoPayment is a paid place of the demo's past term: by card, or on the
// agency's invoice with a purchase order.
type DemoPayment struct {
	BookingID     int64
	Card          bool
	PurchaseOrder string // on invoice
	PaidAt        time.Time
}

// AddDemoPaymentTx records a demo place as paid, at the course's price for
// the booking agency's band, in the caller's transaction; it reports false
// when the place is free. Only internal/demo calls it, seeding an empty
// database: nothing is audited, nothing is sent to Stripe.
func AddDemoPaymentTx(ctx context.Context, tx pgx.Tx, p DemoPayment) (bool, error) {
	arg := paymentdb.AddDemoPaymentParams{BookingID: p.BookingID, Method: "invoice", PaidAt: p.PaidAt}
	if p.Card {
		intent := fmt.Sprintf("pi_demo_%d", p.BookingID)
		arg.Method, arg.PaymentIntentID = "card", &intent
	} else {
		ref := fmt.Sprintf("INV-DEMO-%d", p.BookingID)
		arg.PurchaseOrder, arg.InvoiceReference = &p.PurchaseOrder, &ref
	}
	n, err := paymentdb.New(tx).AddDemoPayment(ctx, arg)
	if err != nil {
		return false, fmt.Errorf("demo payment for booking %d: %w", p.BookingID, err)
	}
	return n > 0, nil
}
