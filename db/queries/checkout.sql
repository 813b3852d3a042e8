-- Closing at Stripe the checkouts of payments we have closed.

-- name: CheckoutsToClose :many
SELECT id FROM payments
WHERE method = 'card' AND status = 'expired' AND checkout_session_id IS NOT NULL AND checkout_closed_at IS NULL
ORDER BY id;

-- name: ClaimCheckoutToClose :one
-- One sweep at a time per checkout: another holding the row skips it.
SELECT id, checkout_session_id::text AS checkout_session_id FROM payments
WHERE id = @id AND method = 'card' AND status = 'expired' AND checkout_session_id IS NOT NULL AND checkout_closed_at IS NULL
FOR UPDATE SKIP LOCKED;

-- name: MarkCheckoutClosed :exec
UPDATE payments SET checkout_closed_at = @now::timestamptz, updated_at = @now::timestamptz WHERE id = @id;
