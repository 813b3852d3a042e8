package payment

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/stripe/stripe-go/v76"

	"github.com/pscp/booktraining/internal/dbsqlc"
)

// CloseCheckouts closes at Stripe the Checkout pages of card payments we have
// closed (the hold lapsed, the place was given up or put on the invoice), so
// that nobody pays on them, and returns how many it closed. Each is claimed
// with a row lock and asked for with the payment's expire key, so asking
// again is harmless. A page Stripe will not close because it is already
// complete or expired is done with: money it took comes by the webhook,
// which refunds it. Anything else is tried again next time.
func (s *Service) CloseCheckouts(ctx context.Context) (int, error) {
	if s.gateway == nil {
		return 0, nil
	}
	ids, err := dbsqlc.New(s.pool).CheckoutsToClose(ctx)
	if err != nil {
		return 0, fmt.Errorf("checkouts to close: %w", err)
	}
	closed := 0
	var failed []error
	for _, id := range ids {
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			q := dbsqlc.New(tx)
			c, err := q.ClaimCheckoutToClose(ctx, id)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			} else if err != nil {
				return fmt.Errorf("claim checkout of payment %d: %w", id, err)
			}
			var serr *stripe.Error
			err = s.gateway.ExpireCheckoutSession(ctx, c.CheckoutSessionID, ExpireKey(id))
			if err != nil && !(errors.As(err, &serr) && serr.HTTPStatusCode >= http.StatusBadRequest && serr.HTTPStatusCode < http.StatusInternalServerError && serr.HTTPStatusCode != http.StatusTooManyRequests) {
				return err
			}
			if err := q.MarkCheckoutClosed(ctx, dbsqlc.MarkCheckoutClosedParams{ID: id, Now: s.now()}); err != nil {
				return fmt.Errorf("record checkout of payment %d closed: %w", id, err)
			}
			closed++
			return nil
		})
		if err != nil {
			failed = append(failed, err)
		}
	}
	return closed, errors.Join(failed...)
}
