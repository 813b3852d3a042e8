package booking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stripe/stripe-go/v76"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/dbsqlc"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/pgerr"
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
	q := dbsqlc.New(tx)
	var b dbsqlc.BookingDetail
	var se dbsqlc.LockSessionForBookingRow
	pay, ok, err := payment.CheckoutPaymentTx(ctx, tx, cs.ID, func(bookingID int64) (err error) {
		b, se, err = lockBooking(ctx, q, bookingID) // the session's lock first, as everywhere
		return err
	})
	if err != nil {
		return err
	}
	if !ok {
		s.log.WarnContext(ctx, "Stripe checkout session not ours", "checkout_session", cs.ID, "event", ev.ID)
		return nil
	}
	if pay.Status != payment.StatusPending && pay.Status != payment.StatusExpired {
		return nil // already settled
	}
	intent := ""
	if cs.PaymentIntent != nil {
		intent = cs.PaymentIntent.ID
	}
	if intent == "" {
		return fmt.Errorf("checkout session %s is paid but names no payment intent", cs.ID)
	}
	now := s.now()
	live, ok, err := payment.LivePaymentTx(ctx, tx, b.ID)
	if err != nil {
		return err
	}
	if ok && live.ID != pay.ID {
		// The place was paid for otherwise (its invoice) after this checkout
		// was closed on our side: the money goes back.
		if err := payment.RefundStrayTx(ctx, tx, s.jobs(), pay.ID, intent, now); err != nil {
			return err
		}
		return s.tell(ctx, tx, q, b.ID, msgStrayPaymentRefunded)
	}
	if err := payment.MarkPaidTx(ctx, tx, pay.ID, intent, now); err != nil {
		return err
	}
	switch {
	case b.Status == Held:
		if _, err := q.ConfirmHeld(ctx, dbsqlc.ConfirmHeldParams{ID: b.ID, Now: now}); err != nil {
			return fmt.Errorf("confirm booking %d: %w", b.ID, err)
		}
		return s.confirmed(ctx, tx, q, b.ID, b.SessionID, msgConfirmed)
	case b.Status == Lapsed && se.Status == catalogue.SessionPublished && now.Before(se.StartsAt):
		ok, err := retake(ctx, tx, b.ID, now)
		if err != nil {
			return err
		}
		if ok {
			return s.confirmed(ctx, tx, q, b.ID, b.SessionID, msgConfirmed)
		}
	}
	// The place has gone (taken by someone else, or cancelled meanwhile):
	// the money goes back.
	if _, err := payment.RequestRefundTx(ctx, tx, s.jobs(), pay.ID, now); err != nil {
		return err
	}
	return s.tell(ctx, tx, q, b.ID, msgLatePaymentRefunded)
}

// retake confirms a lapsed hold again if its place is still free, inside a
// savepoint so that a full session (the CHECK on sessions) or a new booking
// of the same person (bookings_one_live) leaves the transaction usable.
func retake(ctx context.Context, tx pgx.Tx, id int64, now time.Time) (bool, error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("savepoint: %w", err)
	}
	_, err = dbsqlc.New(sp).RetakeLapsedPlace(ctx, dbsqlc.RetakeLapsedPlaceParams{ID: id, Now: now})
	if err == nil {
		return true, sp.Commit(ctx)
	}
	_ = sp.Rollback(ctx)
	if errors.Is(err, pgx.ErrNoRows) || pgerr.Violates(err, "sessions_seats_within_capacity", "bookings_one_live") {
		return false, nil
	}
	return false, fmt.Errorf("retake booking %d: %w", id, err)
}

// CheckoutExpired is the webhook handler for checkout.session.expired: the
// page closed unpaid, so its hold ends now and the place goes on.
func (s *Service) CheckoutExpired(ctx context.Context, tx pgx.Tx, ev stripe.Event) error {
	cs, err := checkoutSession(ev)
	if err != nil {
		return err
	}
	q := dbsqlc.New(tx)
	var b dbsqlc.BookingDetail
	pay, ok, err := payment.CheckoutPaymentTx(ctx, tx, cs.ID, func(bookingID int64) (err error) {
		b, _, err = lockBooking(ctx, q, bookingID)
		return err
	})
	if err != nil || !ok {
		return err
	}
	if pay.Status != payment.StatusPending || b.Status != Held {
		return nil
	}
	now := s.now()
	if err := s.lapse(ctx, tx, q, b.ID, b.SessionID, now); err != nil {
		return err
	}
	// Stripe closed this page itself: its job has nothing to ask.
	return payment.CheckoutClosedTx(ctx, tx, pay.ID, now)
}
