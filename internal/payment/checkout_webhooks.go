package payment

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/stripe/stripe-go/v76"

	"github.com/pscp/booktraining/internal/booking"
)

// Stripe's word on a Checkout page: paid (the held place is confirmed, or
// taken again if its hold had lapsed and it is still free, or the money goes
// back), or closed unpaid (the hold ends now).

// checkoutSession reads the Checkout Session an event is about.
func checkoutSession(ev stripe.Event) (stripe.CheckoutSession, error) {
	var cs stripe.CheckoutSession
	if ev.Data == nil {
		return cs, fmt.Errorf("event %s has no data", ev.ID)
	}
	if err := json.Unmarshal(ev.Data.Raw, &cs); err != nil {
		return cs, fmt.Errorf("event %s: checkout session: %w", ev.ID, err)
	}
	if cs.ID == "" {
		return cs, fmt.Errorf("event %s: checkout session has no id", ev.ID)
	}
	return cs, nil
}

// CheckoutCompleted is the webhook handler for checkout.session.completed,
// run in the transaction that records the event (so it takes effect once).
// A paid session confirms its held place. If the hold had lapsed, the
// place is taken after all when it is still free; otherwise the payment is
// refunded in full and the person told. A session this service did not make
// is ignored.
func (s *Service) CheckoutCompleted(ctx context.Context, tx pgx.Tx, ev stripe.Event) error {
	cs, err := checkoutSession(ev)
	if err != nil {
		return err
	}
	if cs.PaymentStatus != stripe.CheckoutSessionPaymentStatusPaid {
		return nil // not paid (yet): nothing to confirm
	}
	now := s.now()
	var b booking.PaidPlace
	pay, ok, err := CheckoutPaymentTx(ctx, tx, cs.ID, func(bookingID int64) (err error) {
		b, err = s.Bookings.LockPlaceTx(ctx, tx, bookingID, now) // the session's lock first, as everywhere
		return err
	})
	if err != nil {
		return err
	}
	if !ok {
		s.log.WarnContext(ctx, "Stripe checkout session not ours", "checkout_session", cs.ID, "event", ev.ID)
		return nil
	}
	if pay.Status != StatusPending && pay.Status != StatusExpired {
		return nil // already settled
	}
	intent := ""
	if cs.PaymentIntent != nil {
		intent = cs.PaymentIntent.ID
	}
	if intent == "" {
		return fmt.Errorf("checkout session %s is paid but names no payment intent", cs.ID)
	}
	live, ok, err := LivePaymentTx(ctx, tx, b.ID)
	if err != nil {
		return err
	}
	if ok && live.ID != pay.ID {
		// The place was paid for otherwise (its invoice) after this checkout
		// was closed on our side: the money goes back.
		if err := RefundStrayTx(ctx, tx, s.Jobs, pay.ID, intent, now); err != nil {
			return err
		}
		return s.Bookings.TellStrayPaymentRefundedTx(ctx, tx, b.ID)
	}
	if err := MarkPaidTx(ctx, tx, pay.ID, intent, now); err != nil {
		return err
	}
	switch {
	case b.Status == booking.Held:
		return s.Bookings.ConfirmHeldTx(ctx, tx, b.ID, b.SessionID, now)
	case b.Status == booking.Lapsed && b.SessionToCome:
		ok, err := s.Bookings.RetakeLapsedTx(ctx, tx, b.ID, b.SessionID, now)
		if err != nil || ok {
			return err
		}
	}
	// The place has gone (taken by someone else, or cancelled meanwhile):
	// the money goes back.
	if _, err := RequestRefundTx(ctx, tx, s.Jobs, pay.ID, now); err != nil {
		return err
	}
	return s.Bookings.TellLatePaymentRefundedTx(ctx, tx, b.ID)
}

// CheckoutExpired is the webhook handler for checkout.session.expired: the
// page closed unpaid, so its hold ends now and the place goes on.
func (s *Service) CheckoutExpired(ctx context.Context, tx pgx.Tx, ev stripe.Event) error {
	cs, err := checkoutSession(ev)
	if err != nil {
		return err
	}
	now := s.now()
	var b booking.PaidPlace
	pay, ok, err := CheckoutPaymentTx(ctx, tx, cs.ID, func(bookingID int64) (err error) {
		b, err = s.Bookings.LockPlaceTx(ctx, tx, bookingID, now)
		return err
	})
	if err != nil || !ok {
		return err
	}
	if pay.Status != StatusPending || b.Status != booking.Held {
		return nil
	}
	if err := s.Bookings.LapseHoldTx(ctx, tx, b.ID, b.SessionID, now); err != nil {
		return err
	}
	// Stripe closed this page itself: its job has nothing to ask.
	return CheckoutClosedTx(ctx, tx, pay.ID, now)
}
