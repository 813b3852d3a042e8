package booking

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/dbsqlc"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/validation"
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
	choice, err := dbsqlc.New(s.pool).PayerChoiceOfBooking(ctx, id)
	if err != nil {
		return Payment{}, fmt.Errorf("payer of booking %d: %w", id, err)
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

// checkPayer cleans and checks who the person says pays, for a person who
// chooses (choosesPayer) or not.
func checkPayer(p InvoicePayer, choosesPayer bool) (InvoicePayer, *validation.Errors) {
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

// PayByInvoiceAs confirms held booking id at once, its price to go on an
// invoice to payer: the agency (against its purchase order), or, for a
// person who chooses, their own organisation (its name, billing email and
// purchase order) or themselves (at their own name and email). Bad or
// missing details are a validation error.
func (s *Service) PayByInvoiceAs(ctx context.Context, id int64, payer InvoicePayer) error {
	who := actor.From(ctx)
	choice, err := dbsqlc.New(s.pool).PayerChoiceOfBooking(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	} else if err != nil {
		return fmt.Errorf("payer of booking %d: %w", id, err)
	}
	payer, verr := checkPayer(payer, choice.ChoosesPayer)
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
		if pay, err := q.LivePaymentOfBooking(ctx, id); err == nil && pay.Method == "card" && pay.Status == "pending" {
			// They started to pay by card, then chose the invoice: that
			// checkout must not take money too.
			if err := payment.CloseCardPaymentTx(ctx, tx, s.jobs(), id, now); err != nil {
				return err
			}
		} else if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("payment of booking %d: %w", id, err)
		}
		if price > 0 {
			p := dbsqlc.InsertInvoicePaymentAsParams{BookingID: id, AmountPence: int32(price), Payer: payer.Kind, Now: now}
			if payer.PurchaseOrder != "" {
				p.PurchaseOrder = &payer.PurchaseOrder
			}
			switch payer.Kind {
			case PayerOrganisation:
				p.PayerName, p.PayerEmail = &payer.OrganisationName, &payer.BillingEmail
			case PayerPerson:
				p.PayerName, p.PayerEmail = &choice.PersonName, &choice.PersonEmail
			}
			if _, err := q.InsertInvoicePaymentAs(ctx, p); err != nil {
				return fmt.Errorf("invoice payment of booking %d: %w", id, err)
			}
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
		pay, err := q.LivePaymentOfBooking(ctx, id)
		if err == nil && pay.Method == "card" && pay.Status == "pending" {
			if pay.CheckoutUrl != nil && pay.ExpiresAt != nil && now.Before(*pay.ExpiresAt) {
				existing = *pay.CheckoutUrl
				return nil
			}
			if pay.CheckoutUrl == nil && pay.ExpiresAt != nil && pay.ExpiresAt.After(now.Add(checkoutMinimum-time.Minute)) {
				// Stripe did not answer last time: ask again, with the same
				// key and the same request, for the same page.
				price := payment.Pence(pay.AmountPence)
				req = s.checkoutRequest(b, pay.ID, price, *pay.ExpiresAt, successURL, cancelURL)
				return nil
			}
			// Too old to ask for again (Stripe's page must stay open 30
			// minutes): close it and start a new payment, with a new key.
			if err := payment.CloseCardPaymentTx(ctx, tx, s.jobs(), id, now); err != nil {
				return err
			}
			err = pgx.ErrNoRows
		}
		switch {
		case err == nil:
			return ErrWrongState
		case errors.Is(err, pgx.ErrNoRows):
			price, err := s.price(ctx, tx, b.CourseID, b.AgencyID)
			if err != nil {
				return err
			}
			expires := now.Add(checkoutMinimum)
			if b.HoldExpiresAt != nil && b.HoldExpiresAt.After(expires) {
				expires = *b.HoldExpiresAt
			}
			pid, err := q.InsertCardPayment(ctx, dbsqlc.InsertCardPaymentParams{
				BookingID: id, AmountPence: int32(price), ExpiresAt: expires, Now: now,
			})
			if err != nil {
				return fmt.Errorf("card payment of booking %d: %w", id, err)
			}
			if err := q.ExtendHold(ctx, dbsqlc.ExtendHoldParams{ID: id, Until: expires}); err != nil {
				return fmt.Errorf("extend hold of booking %d: %w", id, err)
			}
			if err := s.scheduleHoldExpiry(ctx, tx, id, expires); err != nil {
				return err
			}
			req = s.checkoutRequest(b, pid, price, expires, successURL, cancelURL)
			return nil
		default:
			return fmt.Errorf("payment of booking %d: %w", id, err)
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
	n, err := dbsqlc.New(s.pool).SetCheckoutSession(ctx, dbsqlc.SetCheckoutSessionParams{
		ID: req.PaymentID, CheckoutSessionID: &cs.ID, CheckoutUrl: &cs.URL,
	})
	if err != nil {
		return "", fmt.Errorf("record card payment of booking %d: %w", id, err)
	}
	if n == 0 {
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
var ErrCardPaymentUnderway = errs.Says(errs.Conflict, "A card payment for this place is under way, so it cannot go on an invoice as well.")

// closeCheckout asks Stripe to close the open checkout of booking id, if
// any, so that it cannot take money once the place is paid otherwise. If
// Stripe cannot close it (it was paid a moment ago, or Stripe is out of
// reach), ErrCardPaymentUnderway: the webhook will settle it.
func (s *Service) closeCheckout(ctx context.Context, id int64) error {
	open, err := dbsqlc.New(s.pool).OpenCheckoutOfBooking(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("open checkout of booking %d: %w", id, err)
	}
	if s.Payments == nil {
		return ErrCardPaymentUnderway
	}
	gateway, err := s.Payments.Gateway()
	if err != nil {
		return ErrCardPaymentUnderway
	}
	if err := gateway.ExpireCheckoutSession(ctx, open.CheckoutSessionID, payment.ExpireKey(open.ID)); err != nil {
		s.log.WarnContext(ctx, "close checkout before invoicing", "booking", id, "error", err)
		return ErrCardPaymentUnderway
	}
	return nil
}

// settle deals with the money of a place that has just ended, in the
// caller's transaction: a checkout not yet paid is closed (a job closes it
// at Stripe); a card payment is refunded in full unless the cancellation
// was late (a job makes the refund); a place on the agency's invoice not yet
// billed is not billed unless it was late. It returns the refund asked for
// (0 for none). The jobs run only if the transaction commits.
func (s *Service) settle(ctx context.Context, tx pgx.Tx, q *dbsqlc.Queries, id int64, late bool, now time.Time) (payment.Pence, error) {
	pay, err := q.LivePaymentOfBooking(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("payment of booking %d: %w", id, err)
	}
	switch {
	case pay.Method == "card" && pay.Status == "pending":
		if err := payment.CloseCardPaymentTx(ctx, tx, s.jobs(), id, now); err != nil {
			return 0, err
		}
	case late:
		// no refund inside the cut-off: the place was kept from others
	case pay.Method == "card" && pay.Status == "paid":
		return payment.RequestRefundTx(ctx, tx, s.jobs(), pay.ID, now) // 0 when already asked for
	case pay.Method == "invoice" && pay.Status == "pending":
		if err := q.CancelInvoicePayment(ctx, dbsqlc.CancelInvoicePaymentParams{ID: pay.ID, Now: now}); err != nil {
			return 0, fmt.Errorf("cancel invoice payment %d: %w", pay.ID, err)
		}
	}
	return 0, nil
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
