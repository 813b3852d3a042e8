-- Payment's part of the privacy registry: the payments and charges of a
-- person, for "Download your data", and their erasure. Export queries never
-- read a Stripe page's address.

-- name: ExportPayments :many
SELECT p.method, p.amount_pence, p.status, coalesce(p.purchase_order, '')::text AS purchase_order,
       coalesce(p.checkout_session_id, '')::text AS checkout_session_id,
       coalesce(p.payment_intent_id, '')::text AS payment_intent_id,
       coalesce(p.stripe_invoice_id, '')::text AS stripe_invoice_id,
       coalesce(p.refund_id, '')::text AS refund_id,
       p.created_at, p.paid_at, p.refund_requested_at, p.refunded_at,
       s.course_title, s.starts_at, p.payer, coalesce(p.payer_name, '')::text AS payer_name,
       coalesce(p.payer_email::text, '')::text AS payer_email,
       coalesce(p.invoice_reference, '')::text AS invoice_reference
FROM payments p
JOIN bookings b ON b.id = p.booking_id
JOIN sessions s ON s.id = b.session_id
WHERE b.user_id = @user_id
ORDER BY p.created_at, p.id;

-- name: ErasePurchaseOrders :exec
-- The payment, its amount and its status stay for the accounts.
UPDATE payments p
SET purchase_order = '(removed)'
FROM bookings b
WHERE b.id = p.booking_id AND b.user_id = @user_id AND p.purchase_order IS NOT NULL;

-- name: ErasePayers :exec
-- Who the person said pays (their own name, their organisation's, a billing
-- email) goes like the purchase order; the amount and status stay.
UPDATE payments p
SET payer_email = NULL, payer_name = NULL
FROM bookings b
WHERE b.id = p.booking_id AND b.user_id = @user_id AND (p.payer_email IS NOT NULL OR p.payer_name IS NOT NULL);

-- name: ExportCharges :many
SELECT c.kind, c.amount_pence, c.status, c.waiver_reason, coalesce(c.stripe_invoice_id, '')::text AS stripe_invoice_id,
       c.decided_at, c.created_at, coalesce(a.name, '')::text AS agency_name, s.course_title, s.starts_at
FROM charges c
JOIN bookings b ON b.id = c.booking_id
JOIN sessions s ON s.id = b.session_id
LEFT JOIN agencies a ON a.id = c.agency_id
WHERE b.user_id = @user_id
ORDER BY c.created_at, c.id;

-- name: EraseWaiverReasons :exec
-- The charge and its amount stay for the figures; why it was waived goes.
UPDATE charges c
SET waiver_reason = '(removed)'
FROM bookings b
WHERE b.id = c.booking_id AND b.user_id = @user_id AND c.waiver_reason <> '';
