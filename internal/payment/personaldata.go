package payment

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/payment/internal/paymentdb"
	"github.com/pscp/booktraining/internal/privacy"
)

// PersonalData is the payments' part of the privacy registry: payments for
// the person's places and charges on their bookings. Amounts, statuses and
// dates stay after erasure (the accounts and the board's figures need them);
// the purchase order they gave, who they said pays an invoice (their own name
// and email, or their organisation's name and billing email) and why a
// charge was waived go. Stripe's ids
// are exported (they identify the payment to Stripe and to the person's
// bank statement), never a secret or a Checkout page's address.
func PersonalData() []privacy.Part {
	return []privacy.Part{
		{
			Name:    "payments",
			Columns: []string{"payments.purchase_order", "payments.payer_name", "payments.payer_email"},
			Export:  exportPayments,
			Erase: func(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
				if err := paymentdb.New(tx).ErasePayers(ctx, p.ID); err != nil {
					return err
				}
				return paymentdb.New(tx).ErasePurchaseOrders(ctx, p.ID)
			},
		},
		{
			Name:    "charges",
			Columns: []string{"charges.waiver_reason"},
			Export:  exportCharges,
			Erase: func(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
				return paymentdb.New(tx).EraseWaiverReasons(ctx, p.ID)
			},
		},
	}
}

// PersonalPayment is money for one of the person's places.
type PersonalPayment struct {
	Course            string     `json:"course"`
	SessionStarts     time.Time  `json:"session_starts_at"`
	Method            string     `json:"method"`
	Amount            string     `json:"amount"`
	Status            string     `json:"status"`
	PurchaseOrder     string     `json:"purchase_order,omitempty"`
	Payer             string     `json:"payer,omitempty"` // who an invoice goes to: agency, organisation, person
	PayerName         string     `json:"payer_name,omitempty"`
	PayerEmail        string     `json:"payer_email,omitempty"`
	InvoiceReference  string     `json:"invoice_reference,omitempty"`
	CheckoutSessionID string     `json:"stripe_checkout_session,omitempty"`
	PaymentIntentID   string     `json:"stripe_payment_intent,omitempty"`
	InvoiceID         string     `json:"stripe_invoice,omitempty"`
	RefundID          string     `json:"stripe_refund,omitempty"`
	CreatedAt         time.Time  `json:"created_at"`
	PaidAt            *time.Time `json:"paid_at,omitempty"`
	RefundRequestedAt *time.Time `json:"refund_requested_at,omitempty"`
	RefundedAt        *time.Time `json:"refunded_at,omitempty"`
}

func exportPayments(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	rows, err := paymentdb.New(tx).ExportPayments(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out := []PersonalPayment{}
	for _, r := range rows {
		pp := PersonalPayment{
			Course: r.CourseTitle, SessionStarts: r.StartsAt.UTC(), Method: r.Method, Amount: Pence(r.AmountPence).String(),
			Status: r.Status, PurchaseOrder: r.PurchaseOrder, CheckoutSessionID: r.CheckoutSessionID,
			PayerName: r.PayerName, PayerEmail: r.PayerEmail, InvoiceReference: r.InvoiceReference,
			PaymentIntentID: r.PaymentIntentID, InvoiceID: r.StripeInvoiceID, RefundID: r.RefundID,
			CreatedAt: r.CreatedAt.UTC(), PaidAt: utcPtr(r.PaidAt), RefundRequestedAt: utcPtr(r.RefundRequestedAt),
			RefundedAt: utcPtr(r.RefundedAt),
		}
		if r.Method == "invoice" {
			pp.Payer = r.Payer
		}
		out = append(out, pp)
	}
	return out, nil
}

// PersonalCharge is a non-attendance or late-cancellation charge on one of
// the person's bookings, billed to their agency.
type PersonalCharge struct {
	Course        string     `json:"course"`
	SessionStarts time.Time  `json:"session_starts_at"`
	Kind          string     `json:"kind"`
	Amount        string     `json:"amount"`
	Status        string     `json:"status"`
	WaiverReason  string     `json:"waiver_reason,omitempty"`
	Agency        string     `json:"agency,omitempty"`
	InvoiceID     string     `json:"stripe_invoice,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
}

func exportCharges(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	rows, err := paymentdb.New(tx).ExportCharges(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out := []PersonalCharge{}
	for _, r := range rows {
		out = append(out, PersonalCharge{
			Course: r.CourseTitle, SessionStarts: r.StartsAt.UTC(), Kind: r.Kind, Amount: Pence(r.AmountPence).String(),
			Status: r.Status, WaiverReason: r.WaiverReason, Agency: r.AgencyName, InvoiceID: r.StripeInvoiceID,
			CreatedAt: r.CreatedAt.UTC(), DecidedAt: utcPtr(r.DecidedAt),
		})
	}
	return out, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
