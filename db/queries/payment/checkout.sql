-- Closing at Stripe the checkouts of payments we have closed: a job per
-- payment, inserted in the transaction that closed it.

-- name: CheckoutsToClose :many
-- Only those closed on our side since @since (Stripe closes a page itself
-- within a day, and one whose job a manager dealt with must not come back).
SELECT id FROM payments
WHERE method = 'card' AND status = 'expired' AND checkout_session_id IS NOT NULL AND checkout_closed_at IS NULL
  AND updated_at >= @since::timestamptz
ORDER BY id;

-- name: CheckoutToClose :one
-- The checkout a job closes: no row once it is closed (or was never opened).
SELECT id, checkout_session_id::text AS checkout_session_id FROM payments
WHERE id = @id AND method = 'card' AND status = 'expired' AND checkout_session_id IS NOT NULL AND checkout_closed_at IS NULL;

-- name: MarkCheckoutClosed :execrows
UPDATE payments SET checkout_closed_at = @now::timestamptz, updated_at = @now::timestamptz
WHERE id = @id AND checkout_closed_at IS NULL;
