-- The payments of paid places: a card payment opened for a held place and
-- its Stripe checkout, a place put on an invoice, a refund asked for in the
-- transaction of the cancellation and made by a refund job inserted with it.

-- name: InsertCardPayment :one
INSERT INTO payments (booking_id, method, amount_pence, status, expires_at, created_at, updated_at)
VALUES (@booking_id, 'card', @amount_pence, 'pending', @expires_at::timestamptz, @now::timestamptz, @now::timestamptz)
RETURNING id;

-- name: InsertInvoicePayment :one
INSERT INTO payments (booking_id, method, amount_pence, status, purchase_order, created_at, updated_at)
VALUES (@booking_id, 'invoice', @amount_pence, 'pending', @purchase_order::text, @now::timestamptz, @now::timestamptz)
RETURNING id;

-- name: LivePaymentOfBooking :one
-- The payment standing for a place: being paid, paid, or to be invoiced.
SELECT id, method, status, amount_pence, expires_at, checkout_session_id, checkout_url, payment_intent_id,
       purchase_order, refund_requested_at
FROM payments
WHERE booking_id = @booking_id AND status IN ('pending', 'invoiced', 'paid')
FOR UPDATE;

-- name: SetCheckoutSession :execrows
-- No row: the payment was closed meanwhile (the place was put on the
-- invoice, given up or lapsed), and its checkout must not be used.
UPDATE payments SET checkout_session_id = @checkout_session_id, checkout_url = @checkout_url, updated_at = now()
WHERE id = @id AND checkout_session_id IS NULL AND status = 'pending';

-- name: PaymentByCheckoutSession :one
SELECT p.id, p.booking_id, p.status, p.amount_pence, b.session_id
FROM payments p JOIN bookings b ON b.id = p.booking_id
WHERE p.checkout_session_id = @checkout_session_id;

-- name: LockPayment :one
SELECT id, booking_id, method, status, amount_pence, payment_intent_id, refund_requested_at
FROM payments WHERE id = @id
FOR UPDATE;

-- name: MarkPaymentPaid :one
-- Money taken is money taken: a payment for a hold that lapsed is recorded
-- as paid too (and then refunded if the place has gone).
UPDATE payments
SET status = 'paid', payment_intent_id = @payment_intent_id, paid_at = @now::timestamptz, updated_at = @now::timestamptz
WHERE id = @id AND status IN ('pending', 'expired')
RETURNING id;

-- name: ExpireCardPayment :many
-- Closes the booking's card payment on our side; the ids of those whose
-- Checkout page is open at Stripe, for the jobs that close them there.
UPDATE payments SET status = 'expired', updated_at = @now::timestamptz
WHERE booking_id = @booking_id AND method = 'card' AND status = 'pending'
RETURNING id, (checkout_session_id IS NOT NULL)::boolean AS checkout_open;

-- name: RequestRefund :one
UPDATE payments SET refund_requested_at = @now::timestamptz, updated_at = @now::timestamptz
WHERE id = @id AND method = 'card' AND status = 'paid' AND refund_requested_at IS NULL
RETURNING amount_pence;

-- name: CancelInvoicePayment :exec
-- A place on the agency's invoice, cancelled before it is billed, is not
-- billed. One already reserved into a billing batch is on its way to an
-- invoice (Stripe may be making it now) and stays: the training team credits
-- it in Stripe.
UPDATE payments SET status = 'cancelled', updated_at = @now::timestamptz
WHERE id = @id AND method = 'invoice' AND status = 'pending' AND billing_batch IS NULL;

-- name: BookingPayments :many
-- Every payment of a booking, newest first, for its page.
SELECT id, method, status, amount_pence, purchase_order, paid_at, refund_requested_at, refunded_at, created_at
FROM payments WHERE booking_id = @booking_id
ORDER BY id DESC;

-- name: PassPaymentOn :exec
-- A paid place passed to a colleague or moved to another session takes its
-- payment with it: the new booking is what a refund or an invoice follows.
UPDATE payments SET booking_id = @to_booking, updated_at = now()
WHERE booking_id = @from_booking AND status IN ('pending', 'invoiced', 'paid');

-- name: RefundStrayPayment :exec
-- Money for a checkout we had closed (the place was paid for otherwise):
-- kept as expired, with what Stripe took, and refunded by a refund job.
UPDATE payments
SET payment_intent_id = @payment_intent_id, paid_at = @now::timestamptz, refund_requested_at = @now::timestamptz,
    updated_at = @now::timestamptz
WHERE id = @id AND status = 'expired';

-- name: SetClosedCheckoutSession :execrows
-- A Checkout page Stripe opened for a payment we closed while it answered:
-- kept, so its job closes it and money it still takes is found and refunded.
UPDATE payments SET checkout_session_id = @checkout_session_id, updated_at = now()
WHERE id = @id AND checkout_session_id IS NULL AND status = 'expired';

-- name: OpenCheckoutOfBooking :one
-- A card payment of the booking still pending with a Stripe checkout open.
SELECT id, checkout_session_id::text AS checkout_session_id FROM payments
WHERE booking_id = @booking_id AND method = 'card' AND status = 'pending' AND checkout_session_id IS NOT NULL;
