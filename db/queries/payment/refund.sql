-- Refunds: asked for in the transaction that ended a paid place
-- (payments.refund_requested_at, with a refund job), made by that job:
-- Stripe is asked with no row locked, then a short transaction records the
-- answer.

-- name: RefundsDue :many
-- A payment is refunded from 'paid' (its place ended) or from 'expired' (money
-- that came for a checkout we had closed, when the place was paid otherwise).
-- Only those asked for since @since: the sweep that reads this runs every
-- few minutes, and an older one whose job a manager dealt with (and the
-- retention schedule later deleted) must not be asked of Stripe again.
SELECT id FROM payments
WHERE method = 'card' AND status IN ('paid', 'expired') AND refund_requested_at >= @since::timestamptz
  AND payment_intent_id IS NOT NULL
ORDER BY refund_requested_at, id;

-- name: RefundToMake :one
-- What a refund job gives back: no row once it is made (or never asked).
SELECT id, booking_id, amount_pence, payment_intent_id::text AS payment_intent_id
FROM payments
WHERE id = @id AND method = 'card' AND status IN ('paid', 'expired') AND refund_requested_at IS NOT NULL
  AND payment_intent_id IS NOT NULL;

-- name: MarkRefunded :execrows
-- No row: recorded already (a second run, or another worker at once).
UPDATE payments
SET status = 'refunded', refund_id = @refund_id, refunded_at = @now::timestamptz, updated_at = @now::timestamptz
WHERE id = @id AND status IN ('paid', 'expired') AND refund_requested_at IS NOT NULL;

-- name: PaymentSubject :one
-- Whose payment it is, for a training manager reading about a failed job.
SELECT p.id, p.amount_pence, p.booking_id, b.session_id, s.course_title, s.starts_at, u.full_name, u.email::text AS email
FROM payments p
JOIN bookings b ON b.id = p.booking_id
JOIN sessions s ON s.id = b.session_id
JOIN users u ON u.id = b.user_id
WHERE p.id = @id;
