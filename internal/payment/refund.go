package payment

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/dbsqlc"
)

// SendRefunds makes the refunds asked for (a paid place cancelled before its
// cut-off, a session cancelled, a payment that came after its place had
// gone) and returns how many Stripe made. Each refund is claimed with a row
// lock for the length of the call, so two sweeps never ask for the same one,
// and is asked for with an idempotency key made from the payment, so if our
// record of it is lost (a crash between Stripe's answer and our commit) the
// next sweep gets Stripe's first answer back rather than a second refund.
// A refund Stripe refuses stays asked for and is tried again next time.
func (s *Service) SendRefunds(ctx context.Context) (int, error) {
	if s.gateway == nil {
		return 0, nil // without Stripe no card payment was taken
	}
	ids, err := dbsqlc.New(s.pool).RefundsDue(ctx)
	if err != nil {
		return 0, fmt.Errorf("refunds due: %w", err)
	}
	made := 0
	var failed []error
	for _, id := range ids {
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			q := dbsqlc.New(tx)
			r, err := q.ClaimRefund(ctx, id)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil // made meanwhile, or another sweep has it
			} else if err != nil {
				return fmt.Errorf("claim refund of payment %d: %w", id, err)
			}
			if r.PaymentIntentID == nil {
				return fmt.Errorf("payment %d is paid but has no payment intent", id)
			}
			refund, err := s.gateway.Refund(ctx, *r.PaymentIntentID, Pence(r.AmountPence), RefundKey(r.ID))
			if err != nil {
				return err
			}
			if err := q.MarkRefunded(ctx, dbsqlc.MarkRefundedParams{ID: id, RefundID: &refund, Now: s.now()}); err != nil {
				return fmt.Errorf("record refund of payment %d: %w", id, err)
			}
			made++
			return nil
		})
		if err != nil {
			failed = append(failed, err)
		}
	}
	return made, errors.Join(failed...)
}
