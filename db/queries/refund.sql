-- Refunds: asked for in the transaction that ended a paid place
-- (payments.refund_requested_at), made by the payments sweep.

-- name: RefundsDue :many
-- A payment is refunded from 'paid' (its place ended) or from 'expired' (money
-- that came for a checkout we had closed, when the place was paid otherwise).
SELECT id FROM payments
WHERE method = 'card' AND status IN ('paid', 'expired') AND refund_requested_at IS NOT NULL
  AND payment_intent_id IS NOT NULL
ORDER BY refund_requested_at, id;

-- name: ClaimRefund :one
-- One sweep at a time per refund: another holding the row skips it.
SELECT id, booking_id, amount_pence, payment_intent_id
FROM payments
WHERE id = @id AND method = 'card' AND status IN ('paid', 'expired') AND refund_requested_at IS NOT NULL
  AND payment_intent_id IS NOT NULL
FOR UPDATE SKIP LOCKED;

-- name: MarkRefunded :exec
UPDATE payments
SET status = 'refunded', refund_id = @refund_id, refunded_at = @now::timestamptz, updated_at = @now::timestamptz
WHERE id = @id AND status IN ('paid', 'expired');
