-- Paid places: a place held while its person pays, confirmed by Stripe's
-- webhook or at once against a purchase order; refunds asked for in the
-- transaction of the cancellation and made by a refund job inserted with it.

-- name: HoldPlace :one
-- A place held for payment, only while the session has a free seat (the
-- trigger counts it as taken). The caller holds the session's row lock.
INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, access_needs, dietary_needs,
                      line_manager_name, line_manager_email, policy_agreed_at, hold_expires_at, created_at, updated_at)
SELECT s.id, @user_id, sqlc.narg(agency_id), 'held', @booked_by, @access_needs, @dietary_needs,
       @line_manager_name, @line_manager_email, @now::timestamptz, @hold_until::timestamptz, @now::timestamptz, @now::timestamptz
FROM sessions s
WHERE s.id = @session_id AND s.seats_taken < s.capacity
RETURNING id;

-- name: HoldOffer :one
-- An offer of a paid place accepted in time becomes a place held for payment.
UPDATE bookings SET status = 'held', hold_expires_at = @hold_until::timestamptz, updated_at = @now::timestamptz
WHERE id = @id AND status = 'offered' AND offer_expires_at > @now::timestamptz
RETURNING id;

-- name: ConfirmHeld :one
UPDATE bookings SET status = 'confirmed', confirmed_at = @now::timestamptz, hold_expires_at = NULL, updated_at = @now::timestamptz
WHERE id = @id AND status = 'held'
RETURNING id;

-- name: ExtendHold :exec
-- Card checkout pages stay open at least 30 minutes (Stripe's minimum): the
-- hold lasts as long as the page the person is paying on.
UPDATE bookings SET hold_expires_at = greatest(hold_expires_at, @until::timestamptz), updated_at = now()
WHERE id = @id AND status = 'held';

-- name: ExpireHold :one
UPDATE bookings
SET status = 'lapsed', ended_at = @now::timestamptz, hold_expires_at = NULL,
    updated_at = @now::timestamptz
WHERE id = @id AND status = 'held'
RETURNING id;

-- name: SessionsWithLapsedHolds :many
SELECT DISTINCT session_id FROM bookings
WHERE status = 'held' AND hold_expires_at <= @now::timestamptz
ORDER BY session_id;

-- name: LapsedHoldsOfSession :many
SELECT id FROM bookings
WHERE session_id = @session_id AND status = 'held' AND hold_expires_at <= @now::timestamptz
ORDER BY id;

-- name: RetakeLapsedPlace :one
-- A payment that arrives after its hold lapsed takes the place after all
-- if it is still free (the CHECK on sessions refuses it when it is not).
UPDATE bookings
SET status = 'confirmed', confirmed_at = @now::timestamptz, ended_at = NULL, end_note = '', updated_at = @now::timestamptz
WHERE id = @id AND status = 'lapsed'
RETURNING id;

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
