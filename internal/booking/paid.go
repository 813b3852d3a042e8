package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/dbsqlc"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/queue"
)

// Paid places. A place on a course the person's agency pays for is Held
// (it counts against capacity) while they choose how to pay:
//
//   - by card: a Stripe Checkout page; the place is confirmed only by
//     Stripe's signed webhook (CheckoutCompleted), never by the page the
//     person returns to;
//   - on their agency's invoice, against a purchase order: confirmed at once.
//
// A hold not paid for by its deadline lapses (its job at the hold's end,
// ExpireHolds as the safety net, or Stripe's checkout.session.expired) and
// the place goes to the waiting list. A payment that arrives after that
// takes the place if it is still free, and is refunded in full if it is not.

// DefaultPaymentHold is how long a paid place is held for payment.
const DefaultPaymentHold = 30 * time.Minute

// checkoutMinimum is the shortest time Stripe keeps a Checkout page open.
const checkoutMinimum = 30*time.Minute + time.Minute

var (
	// ErrPaymentUnavailable means card payment is not configured.
	ErrPaymentUnavailable = errs.Says(errs.Unavailable, "Paying by card is not available at the moment.")
	// ErrHoldLapsed means the hold on the place ended before payment.
	ErrHoldLapsed = errs.Says(errs.Conflict, "The place was not paid for in time, so it has been released.")
	// ErrNoAgencyToInvoice means the person has no listed agency to invoice.
	ErrNoAgencyToInvoice = errs.Says(errs.Conflict, "There is no agency to invoice: the person has no confirmed agency.")
)

// The payment form's fields and who pays an invoice: payment's.
const (
	FieldPurchaseOrder       = payment.FieldPurchaseOrder
	FieldPayer               = payment.FieldPayer
	FieldOrganisationName    = payment.FieldOrganisationName
	FieldBillingEmail        = payment.FieldBillingEmail
	FieldOrganisationPO      = payment.FieldOrganisationPO
	FieldPersonPurchaseOrder = payment.FieldPersonPurchaseOrder

	PayerAgency       = payment.PayerAgency
	PayerOrganisation = payment.PayerOrganisation
	PayerPerson       = payment.PayerPerson
)

// InvoicePayer is who the person says pays for a place on invoice.
type InvoicePayer = payment.InvoicePayer

func (s *Service) paymentHold() time.Duration {
	if s.PaymentHold > 0 {
		return s.PaymentHold
	}
	return DefaultPaymentHold
}

// price is what a place on course costs the agency agencyID (nil: an
// organisation not yet listed, which pays as a non-contributing one).
func (s *Service) price(ctx context.Context, q dbsqlc.DBTX, courseID int64, agencyID *int64) (payment.Pence, error) {
	if agencyID == nil {
		return payment.CoursePrice(ctx, q, courseID, "non_contributing")
	}
	p, _, err := payment.AgencyCoursePrice(ctx, q, courseID, *agencyID)
	return p, err
}

// Payment is what a held place costs and how it may be paid, for the page
// that asks the person to pay.
type Payment struct {
	Booking
	Price      payment.Pence
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
// it. A booking not held answers ErrWrongState.
func (s *Service) PaymentFor(ctx context.Context, id int64) (Payment, error) {
	b, err := s.Get(ctx, id)
	if err != nil {
		return Payment{}, err
	}
	if b.Status != Held {
		return Payment{}, ErrWrongState
	}
	row, err := dbsqlc.New(s.pool).GetBooking(ctx, id)
	if err != nil {
		return Payment{}, fmt.Errorf("booking %d: %w", id, err)
	}
	price, err := s.price(ctx, s.pool, row.CourseID, row.AgencyID)
	if err != nil {
		return Payment{}, err
	}
	choice, err := payment.PayerChoiceOf(ctx, s.pool, id)
	if err != nil {
		return Payment{}, err
	}
	p := Payment{Booking: b, Price: price, Card: s.Payments != nil && s.Payments.Online(),
		Invoice: row.AgencyID != nil || choice.ChoosesPayer, AgencyName: row.AgencyName,
		ChoosesPayer: choice.ChoosesPayer, PersonName: choice.PersonName, PersonEmail: choice.PersonEmail}
	if row.HoldExpiresAt != nil {
		p.HoldUntil = *row.HoldExpiresAt
	}
	return p, nil
}

// lockHeld locks booking id's session and checks the booking is a place
// held for payment that actor may pay for, still within its hold.
func (s *Service) lockHeld(ctx context.Context, q *dbsqlc.Queries, who actor.Actor, id int64) (dbsqlc.BookingDetail, error) {
	b, _, err := lockBooking(ctx, q, id)
	if err != nil {
		return b, err
	}
	if !mayChange(who, b) {
		return b, ErrNotFound
	}
	if b.Status != Held {
		if b.Status == Lapsed {
			return b, ErrHoldLapsed
		}
		return b, ErrWrongState
	}
	if b.HoldExpiresAt != nil && !s.now().Before(*b.HoldExpiresAt) {
		return b, ErrHoldLapsed
	}
	return b, nil
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
	who := actor.From(ctx)
	choice, err := payment.PayerChoiceOf(ctx, s.pool, id)
	if errors.Is(err, payment.ErrNoBooking) {
		return ErrNotFound
	} else if err != nil {
		return err
	}
	payer, verr := payment.CheckPayer(payer, choice.ChoosesPayer)
	if verr == nil {
		// A card checkout opened for this place must not take money too:
		// Stripe closes it first, or says it was paid already.
		if err := s.closeCheckout(ctx, id); err != nil {
			return err
		}
	}
	return s.inTx(ctx, func(tx pgx.Tx, q *dbsqlc.Queries) error {
		b, err := s.lockHeld(ctx, q, who, id)
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
		price, err := s.price(ctx, tx, b.CourseID, b.AgencyID)
		if err != nil {
			return err
		}
		if err := payment.InvoicePlaceTx(ctx, tx, s.jobs(), id, price, payer, choice, now); err != nil {
			return err
		}
		if _, err := q.ConfirmHeld(ctx, dbsqlc.ConfirmHeldParams{ID: id, Now: now}); err != nil {
			return fmt.Errorf("confirm booking %d: %w", id, err)
		}
		if err := s.Payments.BillWhenDueTx(ctx, tx, b.SessionID); err != nil { // a session billed already bills this place too
			return err
		}
		return s.confirmed(ctx, tx, q, id, b.SessionID, msgConfirmed)
	})
}

// PayByCard opens (or reopens) a Stripe Checkout page for held booking id
// and returns its address. The page and the hold stay open at least as
// long as Stripe's minimum. Asking twice gives the same page: the payment
// row is made once, and Stripe answers a repeated idempotency key with the
// first answer. Stripe sends the person back to /bookings/{id}/paid, or to
// /bookings/{id}/pay if they turn back.
func (s *Service) PayByCard(ctx context.Context, id int64) (string, error) {
	who := actor.From(ctx)
	successURL := s.link(fmt.Sprintf("/bookings/%d/paid", id))
	cancelURL := s.link(fmt.Sprintf("/bookings/%d/pay", id))
	if s.Payments == nil || !s.Payments.Online() {
		return "", ErrPaymentUnavailable
	}
	gateway, err := s.Payments.Gateway()
	if err != nil {
		return "", ErrPaymentUnavailable
	}
	var req payment.CheckoutRequest
	var existing string
	err = s.inTx(ctx, func(tx pgx.Tx, q *dbsqlc.Queries) error {
		b, err := s.lockHeld(ctx, q, who, id)
		if err != nil {
			return err
		}
		now := s.now()
		pay, ok, err := payment.LivePaymentTx(ctx, tx, id)
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
				req = s.checkoutRequest(b, pay.ID, pay.AmountPence, *pay.ExpiresAt, successURL, cancelURL)
				return nil
			}
			// Too old to ask for again (Stripe's page must stay open 30
			// minutes): close it and start a new payment, with a new key.
			if err := payment.CloseCardPaymentTx(ctx, tx, s.jobs(), id, now); err != nil {
				return err
			}
			ok = false
		}
		if ok {
			return ErrWrongState
		}
		{
			price, err := s.price(ctx, tx, b.CourseID, b.AgencyID)
			if err != nil {
				return err
			}
			expires := now.Add(checkoutMinimum)
			if b.HoldExpiresAt != nil && b.HoldExpiresAt.After(expires) {
				expires = *b.HoldExpiresAt
			}
			pid, err := payment.OpenCardPaymentTx(ctx, tx, id, price, expires, now)
			if err != nil {
				return err
			}
			if err := q.ExtendHold(ctx, dbsqlc.ExtendHoldParams{ID: id, Until: expires}); err != nil {
				return fmt.Errorf("extend hold of booking %d: %w", id, err)
			}
			if err := s.scheduleHoldExpiry(ctx, tx, id, expires); err != nil {
				return err
			}
			req = s.checkoutRequest(b, pid, price, expires, successURL, cancelURL)
			return nil
		}
	})
	if err != nil || existing != "" {
		return existing, err
	}
	// Outside the transaction: no row lock is held while Stripe answers.
	cs, err := gateway.CreateCheckoutSession(ctx, req)
	if err != nil {
		return "", fmt.Errorf("open card payment for booking %d: %w", id, err)
	}
	set, err := payment.SetCheckoutSession(ctx, s.pool, req.PaymentID, cs.ID, cs.URL)
	if err != nil {
		return "", fmt.Errorf("record card payment of booking %d: %w", id, err)
	}
	if !set {
		// The payment was closed while Stripe answered (the place went on the
		// invoice, was given up or lapsed): this page must not take money. It
		// is kept with the payment, with a job that closes it at Stripe, so
		// money it still takes is found and refunded.
		if err := payment.KeepClosedCheckout(ctx, s.pool, s.jobs(), req.PaymentID, cs.ID); err != nil {
			s.log.WarnContext(ctx, "keep a checkout opened for a closed payment", "payment", req.PaymentID, "error", err)
		}
		return "", ErrWrongState
	}
	return cs.URL, nil
}

func (s *Service) checkoutRequest(b dbsqlc.BookingDetail, paymentID int64, price payment.Pence, expires time.Time, successURL, cancelURL string) payment.CheckoutRequest {
	return payment.CheckoutRequest{
		BookingID: b.ID, PaymentID: paymentID, AmountPence: price,
		Description:   b.CourseTitle + ", " + london.LongDate(b.StartsAt),
		CustomerEmail: b.PersonEmail, SuccessURL: successURL, CancelURL: cancelURL,
		ExpiresAt: expires, IdempotencyKey: payment.CheckoutKey(paymentID),
	}
}

// ErrCardPaymentUnderway means a card payment for the place has been made
// (or cannot be stopped), so it cannot go on the invoice too.
var ErrCardPaymentUnderway = payment.ErrCardPaymentUnderway

// closeCheckout asks Stripe to close the open checkout of booking id, if
// any, so that it cannot take money once the place is paid otherwise
// (payment's CloseOpenCheckout; ErrCardPaymentUnderway when it cannot).
func (s *Service) closeCheckout(ctx context.Context, id int64) error {
	err := s.Payments.CloseOpenCheckout(ctx, s.pool, id)
	if errors.Is(err, ErrCardPaymentUnderway) && err != ErrCardPaymentUnderway { // wrapped: Stripe's refusal, for the log
		s.log.WarnContext(ctx, "close checkout before invoicing", "booking", id, "error", err)
		return ErrCardPaymentUnderway
	}
	return err
}

// settle deals with the money of a place that has just ended, in the
// caller's transaction (payment's SettleTx): it returns the refund asked for
// (0 for none).
func (s *Service) settle(ctx context.Context, tx pgx.Tx, id int64, late bool, now time.Time) (payment.Pence, error) {
	return payment.SettleTx(ctx, tx, s.jobs(), id, late, now)
}

// jobs is what inserts the payment jobs a booking change causes, in its
// transaction: the outbox (nil in a service built without one).
func (s *Service) jobs() queue.Enqueuer {
	if s.outbox == nil {
		return nil
	}
	return s.outbox
}

// RefundDue is what cancelling booking id now would give back: the card
// payment in full before the cut-off, nothing after. The cancel page says it
// before the person confirms.
func (s *Service) RefundDue(ctx context.Context, b Booking) (payment.Pence, error) {
	if b.Status != Confirmed || IsLate(b.Cutoff, s.now()) {
		return 0, nil
	}
	row, err := dbsqlc.New(s.pool).GetBooking(ctx, b.ID)
	if err != nil {
		return 0, fmt.Errorf("booking %d: %w", b.ID, err)
	}
	if row.RefundPence > 0 {
		return 0, nil
	}
	return payment.Pence(row.PaidPence), nil
}
