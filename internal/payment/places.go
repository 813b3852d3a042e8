package payment

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/payment/internal/paymentdb"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/validation"
)

// The payments of paid places. Booking holds a place and confirms or lapses
// it (internal/booking/paid.go); the money of the place is kept here: the
// card payment and its Stripe checkout, the place put on an invoice, what
// happens to the money when the place ends, and the payment passed on with
// a place. Each ...Tx function works in the caller's transaction.

// Statuses and methods of a payment.
const (
	MethodCard    = "card"
	MethodInvoice = "invoice"

	StatusPending = "pending"
	StatusExpired = "expired"
	StatusPaid    = "paid"
)

// DBTX is a pool or transaction the package functions read in: the same
// type as booking.DBTX, so that this Service is booking.Money.
type DBTX = interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
	Query(context.Context, string, ...any) (pgx.Rows, error)
	QueryRow(context.Context, string, ...any) pgx.Row
}

// ErrCardPaymentUnderway means a card payment for the place has been made
// (or cannot be stopped), so it cannot go on the invoice too.
var ErrCardPaymentUnderway = errs.Says(errs.Conflict, "A card payment for this place is under way, so it cannot go on an invoice as well.")

// LivePayment is the payment standing for a place: being paid, paid, or to
// be invoiced.
type LivePayment struct {
	ID          int64
	Method      string // MethodCard or MethodInvoice
	Status      string
	AmountPence Pence
	ExpiresAt   *time.Time // a card payment's checkout: until when it is open
	CheckoutURL *string    // nil until Stripe has answered
}

// PendingCard reports whether p is a card payment still being paid.
func (p LivePayment) PendingCard() bool { return p.Method == MethodCard && p.Status == StatusPending }

// LivePaymentTx locks and returns the live payment of booking bookingID in
// tx; ok is false when the place has none.
func LivePaymentTx(ctx context.Context, tx pgx.Tx, bookingID int64) (p LivePayment, ok bool, err error) {
	r, err := paymentdb.New(tx).LivePaymentOfBooking(ctx, bookingID)
	if errors.Is(err, pgx.ErrNoRows) {
		return LivePayment{}, false, nil
	} else if err != nil {
		return LivePayment{}, false, fmt.Errorf("payment of booking %d: %w", bookingID, err)
	}
	return LivePayment{ID: r.ID, Method: r.Method, Status: r.Status, AmountPence: Pence(r.AmountPence),
		ExpiresAt: r.ExpiresAt, CheckoutURL: r.CheckoutUrl}, true, nil
}

// OpenCardPaymentTx records, in tx, a card payment of amount for booking
// bookingID whose checkout is open until expires; it returns its id, which
// names the checkout at Stripe (CheckoutKey).
func OpenCardPaymentTx(ctx context.Context, tx pgx.Tx, bookingID int64, amount Pence, expires, now time.Time) (int64, error) {
	id, err := paymentdb.New(tx).InsertCardPayment(ctx, paymentdb.InsertCardPaymentParams{
		BookingID: bookingID, AmountPence: int32(amount), ExpiresAt: expires, Now: now,
	})
	if err != nil {
		return 0, fmt.Errorf("card payment of booking %d: %w", bookingID, err)
	}
	return id, nil
}

// SetCheckoutSession records the Checkout page Stripe opened for card
// payment id. It reports false when the payment was closed meanwhile (the
// place was put on the invoice, given up or lapsed): that page must not be
// used.
func SetCheckoutSession(ctx context.Context, db DBTX, id int64, checkoutSessionID, url string) (bool, error) {
	n, err := paymentdb.New(db).SetCheckoutSession(ctx, paymentdb.SetCheckoutSessionParams{
		ID: id, CheckoutSessionID: &checkoutSessionID, CheckoutUrl: &url,
	})
	if err != nil {
		return false, fmt.Errorf("record checkout of payment %d: %w", id, err)
	}
	return n > 0, nil
}

// CloseOpenCheckout asks Stripe to close the open checkout of booking
// bookingID, if any, so that it cannot take money once the place is paid
// otherwise. If Stripe cannot close it (it was paid a moment ago, or Stripe
// is out of reach), ErrCardPaymentUnderway: the webhook will settle it. s
// may be nil (no payments configured).
func (s *Service) CloseOpenCheckout(ctx context.Context, db DBTX, bookingID int64) error {
	open, err := paymentdb.New(db).OpenCheckoutOfBooking(ctx, bookingID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("open checkout of booking %d: %w", bookingID, err)
	}
	if s == nil {
		return ErrCardPaymentUnderway
	}
	gateway, err := s.Gateway()
	if err != nil {
		return ErrCardPaymentUnderway
	}
	if err := gateway.ExpireCheckoutSession(ctx, open.CheckoutSessionID, ExpireKey(open.ID)); err != nil {
		return fmt.Errorf("%w: %w", ErrCardPaymentUnderway, err) // errors.Is ErrCardPaymentUnderway; the cause for the log
	}
	return nil
}

// Fields of the payment form: the agency's purchase order, and who pays an
// invoice when the person chooses (PayerOrganisation's name, billing email
// and purchase order; PayerPerson's optional purchase order).
const (
	FieldPurchaseOrder       = "purchase-order"
	FieldPayer               = "payer"
	FieldOrganisationName    = "organisation-name"
	FieldBillingEmail        = "billing-email"
	FieldOrganisationPO      = "organisation-purchase-order"
	FieldPersonPurchaseOrder = "own-purchase-order"
)

// Who pays a place on invoice.
const (
	// PayerAgency: the person's agency, against its purchase order.
	PayerAgency = "agency"
	// PayerOrganisation: the person's own organisation (a nursery under an
	// umbrella agency of private providers), named by them.
	PayerOrganisation = "organisation"
	// PayerPerson: the person themselves, invoiced at their own name and email.
	PayerPerson = "person"
)

// InvoicePayer is who the person says pays for a place on invoice.
type InvoicePayer struct {
	Kind             string // PayerAgency, PayerOrganisation or PayerPerson
	OrganisationName string
	BillingEmail     string
	PurchaseOrder    string
}

// PayerChoice says whether the person of a booking chooses who pays an
// invoice (their own organisation or themselves, not the umbrella agency: a
// person of a non-contributing agency or of an organisation not listed),
// with their own name and email for an invoice to themselves.
type PayerChoice struct {
	ChoosesPayer bool
	PersonName   string
	PersonEmail  string
}

// ErrNoBooking means the booking asked about does not exist.
var ErrNoBooking = errs.New(errs.NotFound, "no such booking")

// PayerChoiceOf is the payer choice of booking bookingID, or ErrNoBooking.
func PayerChoiceOf(ctx context.Context, db DBTX, bookingID int64) (PayerChoice, error) {
	r, err := paymentdb.New(db).PayerChoiceOfBooking(ctx, bookingID)
	if errors.Is(err, pgx.ErrNoRows) {
		return PayerChoice{}, ErrNoBooking
	} else if err != nil {
		return PayerChoice{}, fmt.Errorf("payer of booking %d: %w", bookingID, err)
	}
	return PayerChoice{ChoosesPayer: r.ChoosesPayer, PersonName: r.PersonName, PersonEmail: r.PersonEmail}, nil
}

// CheckPayer cleans and checks who the person says pays, for a person who
// chooses (choosesPayer) or not.
func CheckPayer(p InvoicePayer, choosesPayer bool) (InvoicePayer, *validation.Errors) {
	var v validation.Errors
	p.PurchaseOrder = validation.CleanLine(p.PurchaseOrder)
	p.OrganisationName = validation.CleanLine(p.OrganisationName)
	p.BillingEmail = strings.TrimSpace(p.BillingEmail)
	poTooLong := len([]rune(p.PurchaseOrder)) > 100
	switch {
	case choosesPayer && p.Kind != PayerOrganisation && p.Kind != PayerPerson:
		v.Add(FieldPayer, "Select who pays for this place")
	case !choosesPayer && p.Kind != PayerAgency:
		v.Add(FieldPayer, "Select who pays for this place")
	case p.Kind == PayerAgency:
		if p.PurchaseOrder == "" {
			v.Add(FieldPurchaseOrder, "Enter your agency’s purchase order number")
		} else if poTooLong {
			v.Add(FieldPurchaseOrder, "The purchase order number must be 100 characters or fewer")
		}
	case p.Kind == PayerOrganisation:
		switch {
		case p.OrganisationName == "":
			v.Add(FieldOrganisationName, "Enter the name of your organisation")
		case len([]rune(p.OrganisationName)) > 200:
			v.Add(FieldOrganisationName, "Your organisation’s name must be 200 characters or fewer")
		case validation.HasHiddenFormatting(p.OrganisationName):
			v.Add(FieldOrganisationName, validation.HiddenFormattingMessage("Your organisation’s name"))
		}
		if p.BillingEmail == "" {
			v.Add(FieldBillingEmail, "Enter the email address your organisation’s invoices go to")
		} else if validation.Email(p.BillingEmail) == "" {
			v.Add(FieldBillingEmail, "Enter an email address in the correct format, like accounts@example.org")
		}
		if p.PurchaseOrder == "" {
			v.Add(FieldOrganisationPO, "Enter your organisation’s purchase order number")
		} else if poTooLong {
			v.Add(FieldOrganisationPO, "The purchase order number must be 100 characters or fewer")
		}
	case p.Kind == PayerPerson:
		if poTooLong {
			v.Add(FieldPersonPurchaseOrder, "The purchase order number must be 100 characters or fewer")
		}
	}
	if len(v.Fields) == 0 {
		return p, nil
	}
	return p, &v
}

// InvoicePlaceTx puts booking bookingID's place on an invoice to payer (as
// checked by CheckPayer; choice is the booking's PayerChoiceOf), for amount,
// in tx: a card payment started for it is closed first (with the job that
// closes its checkout at Stripe), so that it cannot take money too. A free
// place records no payment.
func InvoicePlaceTx(ctx context.Context, tx pgx.Tx, jobs queue.Enqueuer, bookingID int64, amount Pence, payer InvoicePayer, choice PayerChoice, now time.Time) error {
	live, ok, err := LivePaymentTx(ctx, tx, bookingID)
	if err != nil {
		return err
	}
	if ok && live.PendingCard() {
		// They started to pay by card, then chose the invoice: that
		// checkout must not take money too.
		if err := CloseCardPaymentTx(ctx, tx, jobs, bookingID, now); err != nil {
			return err
		}
	}
	if amount <= 0 {
		return nil
	}
	p := paymentdb.InsertInvoicePaymentAsParams{BookingID: bookingID, AmountPence: int32(amount), Payer: payer.Kind, Now: now}
	if payer.PurchaseOrder != "" {
		p.PurchaseOrder = &payer.PurchaseOrder
	}
	switch payer.Kind {
	case PayerOrganisation:
		p.PayerName, p.PayerEmail = &payer.OrganisationName, &payer.BillingEmail
	case PayerPerson:
		p.PayerName, p.PayerEmail = &choice.PersonName, &choice.PersonEmail
	}
	if _, err := paymentdb.New(tx).InsertInvoicePaymentAs(ctx, p); err != nil {
		return fmt.Errorf("invoice payment of booking %d: %w", bookingID, err)
	}
	return nil
}

// SettleTx deals with the money of a place that has just ended, in the
// caller's transaction: a checkout not yet paid is closed (a job closes it
// at Stripe); a card payment is refunded in full unless the cancellation
// was late (a job makes the refund); a place on the invoice not yet billed
// is not billed unless it was late. It returns the refund asked for (0 for
// none). The jobs run only if the transaction commits.
func SettleTx(ctx context.Context, tx pgx.Tx, jobs queue.Enqueuer, bookingID int64, late bool, now time.Time) (Pence, error) {
	pay, ok, err := LivePaymentTx(ctx, tx, bookingID)
	if err != nil || !ok {
		return 0, err
	}
	switch {
	case pay.PendingCard():
		if err := CloseCardPaymentTx(ctx, tx, jobs, bookingID, now); err != nil {
			return 0, err
		}
	case late:
		// no refund inside the cut-off: the place was kept from others
	case pay.Method == MethodCard && pay.Status == StatusPaid:
		return RequestRefundTx(ctx, tx, jobs, pay.ID, now) // 0 when already asked for
	case pay.Method == MethodInvoice && pay.Status == StatusPending:
		if err := paymentdb.New(tx).CancelInvoicePayment(ctx, paymentdb.CancelInvoicePaymentParams{ID: pay.ID, Now: now}); err != nil {
			return 0, fmt.Errorf("cancel invoice payment %d: %w", pay.ID, err)
		}
	}
	return 0, nil
}

// PassOnTx passes the live payment of booking from to booking to, in tx: a
// paid place passed to a colleague or moved to another session takes its
// payment with it, so a refund or an invoice follows the new booking.
func PassOnTx(ctx context.Context, tx pgx.Tx, from, to int64) error {
	if err := paymentdb.New(tx).PassPaymentOn(ctx, paymentdb.PassPaymentOnParams{FromBooking: from, ToBooking: to}); err != nil {
		return fmt.Errorf("pass payment of booking %d on: %w", from, err)
	}
	return nil
}

// WaiveCorrectedAbsenceTx waives, in tx, the non-attendance charge of
// booking bookingID whose register was corrected from absent, if it is not
// yet in a billing batch (one already billed is left for the training team
// to credit in Stripe).
func WaiveCorrectedAbsenceTx(ctx context.Context, tx pgx.Tx, bookingID, by int64, now time.Time) error {
	if _, err := paymentdb.New(tx).WaiveCorrectedAbsence(ctx, paymentdb.WaiveCorrectedAbsenceParams{
		BookingID: bookingID, DecidedBy: &by, Now: now,
	}); err != nil {
		return fmt.Errorf("waive the charge of booking %d: %w", bookingID, err)
	}
	return nil
}

// CheckoutPayment is the payment a Stripe Checkout page was opened for,
// locked in the webhook's transaction.
type CheckoutPayment struct {
	ID        int64
	BookingID int64
	Status    string
}

// CheckoutPaymentTx finds the payment of Checkout Session checkoutSessionID;
// ok is false for a session this service did not make. lock, called with
// the booking's id before the payment is locked, takes the session's lock
// first, as everywhere.
func CheckoutPaymentTx(ctx context.Context, tx pgx.Tx, checkoutSessionID string, lock func(bookingID int64) error) (p CheckoutPayment, ok bool, err error) {
	q := paymentdb.New(tx)
	ref, err := q.PaymentByCheckoutSession(ctx, &checkoutSessionID)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, false, nil
	} else if err != nil {
		return p, false, fmt.Errorf("payment of checkout session %s: %w", checkoutSessionID, err)
	}
	if err := lock(ref.BookingID); err != nil {
		return p, false, err
	}
	r, err := q.LockPayment(ctx, ref.ID)
	if err != nil {
		return p, false, fmt.Errorf("lock payment %d: %w", ref.ID, err)
	}
	return CheckoutPayment{ID: r.ID, BookingID: r.BookingID, Status: r.Status}, true, nil
}

// MarkPaidTx records card payment id as paid through paymentIntent, in tx.
// Money taken is money taken: a payment for a hold that lapsed is recorded
// as paid too (and then refunded if the place has gone).
func MarkPaidTx(ctx context.Context, tx pgx.Tx, id int64, paymentIntent string, now time.Time) error {
	if _, err := paymentdb.New(tx).MarkPaymentPaid(ctx, paymentdb.MarkPaymentPaidParams{ID: id, PaymentIntentID: &paymentIntent, Now: now}); err != nil {
		return fmt.Errorf("record payment %d: %w", id, err)
	}
	return nil
}

// CheckoutClosedTx records, in tx, that Stripe closed the checkout of card
// payment id itself: its job has nothing to ask.
func CheckoutClosedTx(ctx context.Context, tx pgx.Tx, id int64, now time.Time) error {
	if _, err := paymentdb.New(tx).MarkCheckoutClosed(ctx, paymentdb.MarkCheckoutClosedParams{ID: id, Now: now}); err != nil {
		return fmt.Errorf("record checkout of payment %d closed: %w", id, err)
	}
	return nil
}
