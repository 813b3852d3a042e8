package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/payment/internal/paymentdb"
)

// Paid places: the state machine of a place that costs money, in this
// folder. A place on a course the person's agency pays for is Held by
// booking (it counts against capacity) while they choose how to pay:
//
//   - by card (PayByCard): a Stripe Checkout page; the place is confirmed
//     only by Stripe's signed webhook (CheckoutCompleted,
//     checkout_webhooks.go), never by the page the person returns to;
//   - on an invoice, against a purchase order (PayByInvoiceAs): confirmed
//     at once.
//
// A hold not paid for by its deadline lapses (booking's job at the hold's
// end, its sweep as the safety net, or Stripe's checkout.session.expired)
// and the place goes to the waiting list. A payment that arrives after that
// takes the place if it is still free, and is refunded in full if it is
// not. A place that ends is settled (SettleTx, places.go): refunded in full
// before the cut-off, its invoice cancelled if not yet billed. Refunds,
// closed checkouts and invoices are jobs (jobs.go), inserted in the
// transaction that causes them.
//
// Booking's side (lock, confirm, extend, lapse, retake, tell) is called
// through booking's ...Tx functions, in this package's transaction;
// booking asks for prices and settlements through booking.Money, which this
// Service is (services wires both).

// checkoutMinimum is the shortest time Stripe keeps a Checkout page open.
const checkoutMinimum = 30*time.Minute + time.Minute

var (
	// ErrPaymentUnavailable means card payment is not configured.
	ErrPaymentUnavailable = errs.Says(errs.Unavailable, "Paying by card is not available at the moment.")
	// ErrNoAgencyToInvoice means the person has no listed agency to invoice.
	ErrNoAgencyToInvoice = errs.Says(errs.Conflict, "There is no agency to invoice: the person has no confirmed agency.")
)

var _ booking.Money = (*Service)(nil)

// PlacePrice is what a place on session sessionID costs the agency agencyID
// (nil: an organisation not yet listed, which pays as a non-contributing
// one), read in db: the price the session's partnership set for the band it
// gives the agency.
func (s *Service) PlacePrice(ctx context.Context, db DBTX, sessionID int64, agencyID *int64) (Pence, error) {
	p, err := paymentdb.New(db).PlacePrice(ctx, paymentdb.PlacePriceParams{SessionID: sessionID, AgencyID: agencyID})
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("price of a place on session %d: %w", sessionID, ErrNotFound)
	} else if err != nil {
		return 0, fmt.Errorf("price of a place on session %d: %w", sessionID, err)
	}
	return Pence(p), nil
}

// SettleTx deals with the money of booking bookingID's place, which has
// just ended, in tx (see the package function SettleTx).
func (s *Service) SettleTx(ctx context.Context, tx pgx.Tx, bookingID int64, late bool, now time.Time) (Pence, error) {
	return SettleTx(ctx, tx, s.Jobs, bookingID, late, now)
}

// CloseCardPaymentTx closes booking bookingID's pending card payment in tx,
// with a job that closes its Checkout page at Stripe.
func (s *Service) CloseCardPaymentTx(ctx context.Context, tx pgx.Tx, bookingID int64, now time.Time) error {
	return CloseCardPaymentTx(ctx, tx, s.Jobs, bookingID, now)
}

// PassOnTx passes the live payment of booking from to booking to, in tx.
func (s *Service) PassOnTx(ctx context.Context, tx pgx.Tx, from, to int64) error {
	return PassOnTx(ctx, tx, from, to)
}

// WaiveCorrectedAbsenceTx waives, in tx, the non-attendance charge of a
// place whose register was corrected from absent.
func (s *Service) WaiveCorrectedAbsenceTx(ctx context.Context, tx pgx.Tx, bookingID, by int64, now time.Time) error {
	return WaiveCorrectedAbsenceTx(ctx, tx, bookingID, by, now)
}

// Payment is what a held place costs and how it may be paid, for the page
// that asks the person to pay.
type Payment struct {
	booking.Booking
	Price      Pence
	HoldUntil  time.Time
	Card       bool // card payment is available
	Invoice    bool // the place can go on an invoice
	AgencyName string
	// ChoosesPayer: the person says who an invoice goes to, their own
	// organisation or themselves, not the (umbrella) agency: a person of a
	// non-contributing agency or of an organisation not listed.
	ChoosesPayer bool
	PersonName   string
	PersonEmail  string
}

// PaymentFor is the payment step of held booking id, for whoever may change
// it. A booking not held answers booking.ErrWrongState.
func (s *Service) PaymentFor(ctx context.Context, id int64) (Payment, error) {
	b, held, err := s.Bookings.HeldToPay(ctx, id)
	if err != nil {
		return Payment{}, err
	}
	price, err := s.PlacePrice(ctx, s.pool, held.SessionID, held.AgencyID)
	if err != nil {
		return Payment{}, err
	}
	choice, err := PayerChoiceOf(ctx, s.pool, id)
	if err != nil {
		return Payment{}, err
	}
	p := Payment{Booking: b, Price: price, Card: s.Online(),
		Invoice: held.AgencyID != nil || choice.ChoosesPayer, AgencyName: held.AgencyName,
		ChoosesPayer: choice.ChoosesPayer, PersonName: choice.PersonName, PersonEmail: choice.PersonEmail}
	if held.HoldExpiresAt != nil {
		p.HoldUntil = *held.HoldExpiresAt
	}
	return p, nil
}

// PayByInvoice confirms held booking id at once, its price to go on the
// agency's invoice against purchaseOrder. A missing or overlong purchase
// order is a validation error.
func (s *Service) PayByInvoice(ctx context.Context, id int64, purchaseOrder string) error {
	return s.PayByInvoiceAs(ctx, id, InvoicePayer{Kind: PayerAgency, PurchaseOrder: purchaseOrder})
}

// PayByInvoiceAs confirms held booking id at once, its price to go on an
// invoice to payer: the agency (against its purchase order), or, for a
// person who chooses, their own organisation (its name, billing email and
// purchase order) or themselves (at their own name and email). Bad or
// missing details are a validation error.
func (s *Service) PayByInvoiceAs(ctx context.Context, id int64, payer InvoicePayer) error {
	choice, err := PayerChoiceOf(ctx, s.pool, id)
	if errors.Is(err, ErrNoBooking) {
		return booking.ErrNotFound
	} else if err != nil {
		return err
	}
	payer, verr := CheckPayer(payer, choice.ChoosesPayer)
	if verr == nil {
		// A card checkout opened for this place must not take money too:
		// Stripe closes it first, or says it was paid already.
		if err := s.closeCheckout(ctx, id); err != nil {
			return err
		}
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		b, err := s.Bookings.LockHeldTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if b.AgencyID == nil && !choice.ChoosesPayer {
			return ErrNoAgencyToInvoice
		}
		if verr != nil {
			return verr
		}
		now := s.now()
		price, err := s.PlacePrice(ctx, tx, b.SessionID, b.AgencyID)
		if err != nil {
			return err
		}
		if err := InvoicePlaceTx(ctx, tx, s.Jobs, id, price, payer, choice, now); err != nil {
			return err
		}
		if err := s.Bookings.ConfirmHeldTx(ctx, tx, id, b.SessionID, now); err != nil {
			return err
		}
		return s.BillWhenDueTx(ctx, tx, b.SessionID) // a session billed already bills this place too
	})
}

// PayByCard opens (or reopens) a Stripe Checkout page for held booking id
// and returns its address. The page and the hold stay open at least as
// long as Stripe's minimum. Asking twice gives the same page: the payment
// row is made once, and Stripe answers a repeated idempotency key with the
// first answer. Stripe sends the person back to booking's page of the
// place (booking's PayLinks).
func (s *Service) PayByCard(ctx context.Context, id int64) (string, error) {
	successURL, cancelURL := s.Bookings.PayLinks(id)
	if !s.Online() {
		return "", ErrPaymentUnavailable
	}
	gateway, err := s.Gateway()
	if err != nil {
		return "", ErrPaymentUnavailable
	}
	var req CheckoutRequest
	var existing string
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		b, err := s.Bookings.LockHeldTx(ctx, tx, id)
		if err != nil {
			return err
		}
		now := s.now()
		pay, ok, err := LivePaymentTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if ok && pay.PendingCard() {
			if pay.CheckoutURL != nil && pay.ExpiresAt != nil && now.Before(*pay.ExpiresAt) {
				existing = *pay.CheckoutURL
				return nil
			}
			if pay.CheckoutURL == nil && pay.ExpiresAt != nil && pay.ExpiresAt.After(now.Add(checkoutMinimum-time.Minute)) {
				// Stripe did not answer last time: ask again, with the same
				// key and the same request, for the same page.
				req = checkoutRequest(b, pay.ID, pay.AmountPence, *pay.ExpiresAt, successURL, cancelURL)
				return nil
			}
			// Too old to ask for again (Stripe's page must stay open 30
			// minutes): close it and start a new payment, with a new key.
			if err := CloseCardPaymentTx(ctx, tx, s.Jobs, id, now); err != nil {
				return err
			}
			ok = false
		}
		if ok {
			return booking.ErrWrongState
		}
		price, err := s.PlacePrice(ctx, tx, b.SessionID, b.AgencyID)
		if err != nil {
			return err
		}
		expires := now.Add(checkoutMinimum)
		if b.HoldExpiresAt != nil && b.HoldExpiresAt.After(expires) {
			expires = *b.HoldExpiresAt
		}
		pid, err := OpenCardPaymentTx(ctx, tx, id, price, expires, now)
		if err != nil {
			return err
		}
		if err := s.Bookings.ExtendHoldTx(ctx, tx, id, expires); err != nil {
			return err
		}
		req = checkoutRequest(b, pid, price, expires, successURL, cancelURL)
		return nil
	})
	if err != nil || existing != "" {
		return existing, err
	}
	// Outside the transaction: no row lock is held while Stripe answers.
	cs, err := gateway.CreateCheckoutSession(ctx, req)
	if err != nil {
		return "", fmt.Errorf("open card payment for booking %d: %w", id, err)
	}
	set, err := SetCheckoutSession(ctx, s.pool, req.PaymentID, cs.ID, cs.URL)
	if err != nil {
		return "", fmt.Errorf("record card payment of booking %d: %w", id, err)
	}
	if !set {
		// The payment was closed while Stripe answered (the place went on the
		// invoice, was given up or lapsed): this page must not take money. It
		// is kept with the payment, with a job that closes it at Stripe, so
		// money it still takes is found and refunded.
		if err := KeepClosedCheckout(ctx, s.pool, s.Jobs, req.PaymentID, cs.ID); err != nil {
			s.log.WarnContext(ctx, "keep a checkout opened for a closed payment", "payment", req.PaymentID, "error", err)
		}
		return "", booking.ErrWrongState
	}
	return cs.URL, nil
}

func checkoutRequest(b booking.HeldPlace, paymentID int64, price Pence, expires time.Time, successURL, cancelURL string) CheckoutRequest {
	return CheckoutRequest{
		BookingID: b.ID, PaymentID: paymentID, AmountPence: price,
		Description:   b.CourseTitle + ", " + london.LongDate(b.StartsAt),
		CustomerEmail: b.PersonEmail, SuccessURL: successURL, CancelURL: cancelURL,
		ExpiresAt: expires, IdempotencyKey: CheckoutKey(paymentID),
	}
}

// closeCheckout asks Stripe to close the open checkout of booking id, if
// any (CloseOpenCheckout), logging why it could not.
func (s *Service) closeCheckout(ctx context.Context, id int64) error {
	err := s.CloseOpenCheckout(ctx, s.pool, id)
	if errors.Is(err, ErrCardPaymentUnderway) && err != ErrCardPaymentUnderway { // wrapped: Stripe's refusal, for the log
		s.log.WarnContext(ctx, "close checkout before invoicing", "booking", id, "error", err)
		return ErrCardPaymentUnderway
	}
	return err
}

// RefundDue is what cancelling booking b now would give back: the card
// payment in full before the cut-off, nothing after. The cancel page says it
// before the person confirms. b is as booking's Get read it just now.
func (s *Service) RefundDue(_ context.Context, b booking.Booking) (Pence, error) {
	if b.Status != booking.Confirmed || booking.IsLate(b.Cutoff, s.now()) {
		return 0, nil
	}
	if b.Refund > 0 { // asked for already
		return 0, nil
	}
	return b.Paid, nil
}
