package payment

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/payment/internal/paymentdb"
)

var (
	// ErrBadSignature means a webhook was not signed with our secret, or was
	// signed too long ago (a replay): it is refused.
	ErrBadSignature = errs.New(errs.Invalid, "stripe webhook: bad signature")
	// ErrBadPayload means a correctly signed webhook is not an event.
	ErrBadPayload = errs.New(errs.Invalid, "stripe webhook: not an event")
	// ErrAPIVersion means the event was rendered for another API version than
	// stripe-go's (2023-10-16): its objects may not mean what our code reads.
	ErrAPIVersion = errs.New(errs.Invalid, "stripe webhook: event for another API version")
)

// WebhookTolerance is how old a signature may be: Stripe's default, 5 minutes.
const WebhookTolerance = webhook.DefaultTolerance

// Verify checks a webhook against the raw request body and its
// Stripe-Signature header, and returns the event it carries.
//
// An event for another API version than stripe-go's is refused
// (ErrAPIVersion), not tolerated: its objects can have other fields and
// meanings, and a refusal makes Stripe retry (for three days) while the
// endpoint's version is put right, where a misreading would be silent. The
// webhook endpoint must be created with API version 2023-10-16.
func (s *Service) Verify(rawBody []byte, signatureHeader string) (stripe.Event, error) {
	if s.webhookSecret == "" {
		return stripe.Event{}, ErrOffline
	}
	ev, err := webhook.ConstructEventWithOptions(rawBody, signatureHeader, s.webhookSecret,
		webhook.ConstructEventOptions{Tolerance: WebhookTolerance, IgnoreAPIVersionMismatch: true})
	switch {
	case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader),
		errors.Is(err, webhook.ErrNoValidSignature), errors.Is(err, webhook.ErrTooOld):
		return stripe.Event{}, fmt.Errorf("%w: %w", ErrBadSignature, err)
	case err != nil:
		return stripe.Event{}, fmt.Errorf("%w: %w", ErrBadPayload, err)
	case ev.ID == "" || ev.Type == "":
		return stripe.Event{}, fmt.Errorf("%w: no id or type", ErrBadPayload)
	case ev.APIVersion != stripe.APIVersion:
		return stripe.Event{}, fmt.Errorf("%w: %q, want %q", ErrAPIVersion, ev.APIVersion, stripe.APIVersion)
	}
	return ev, nil
}

// Handler applies one Stripe event inside tx, the transaction that also
// records the event as processed. An error rolls both back, so Stripe's
// retry gets another go.
type Handler func(ctx context.Context, tx pgx.Tx, ev stripe.Event) error

// Handle registers h for events of type t (at start-up, before serving).
// Events of a type with no handler are recorded and otherwise ignored.
func (s *Service) Handle(t stripe.EventType, h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.handlers[t]; dup {
		panic(fmt.Sprintf("payment: a second handler for %s", t))
	}
	s.handlers[t] = h
}

// Dispatch processes ev with the handler registered for its type.
func (s *Service) Dispatch(ctx context.Context, ev stripe.Event) error {
	s.mu.RLock()
	h := s.handlers[ev.Type]
	s.mu.RUnlock()
	return s.ProcessEvent(ctx, ev, h)
}

// ProcessEvent makes ev take effect exactly once: in one transaction it
// records ev's id in stripe_events and runs handle (which may be nil). If the
// id is already there the event was processed, and nothing more is done; if
// another request is processing it right now, this one waits for that one to
// end, then either finds the id (it committed) or processes it (it failed).
func (s *Service) ProcessEvent(ctx context.Context, ev stripe.Event, handle Handler) error {
	if ev.ID == "" {
		return fmt.Errorf("%w: no id", ErrBadPayload)
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		n, err := paymentdb.New(tx).RecordStripeEvent(ctx, paymentdb.RecordStripeEventParams{
			ID: ev.ID, Type: string(ev.Type), Now: now,
		})
		if err != nil {
			return fmt.Errorf("record stripe event %s: %w", ev.ID, err)
		}
		if n == 0 || handle == nil {
			return nil // a duplicate, or nothing to do
		}
		if err := handle(ctx, tx, ev); err != nil {
			return fmt.Errorf("handle stripe event %s (%s): %w", ev.ID, ev.Type, err)
		}
		return nil
	})
}

// Processed reports whether the event with id has taken effect.
func (s *Service) Processed(ctx context.Context, id string) (bool, error) {
	ok, err := paymentdb.New(s.pool).StripeEventProcessed(ctx, id)
	if err != nil {
		return false, fmt.Errorf("stripe event %s processed: %w", id, err)
	}
	return ok, nil
}
