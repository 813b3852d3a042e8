-- Paid places, booking's side: a place held while its person pays, confirmed
-- (or lapsed) by internal/payment, which owns the payments themselves.

-- name: HoldPlace :one
-- A place held for payment, only while the session has a free seat (the
-- trigger counts it as taken). The caller holds the session's row lock.
INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, access_needs, dietary_needs,
                      line_manager_name, line_manager_email, policy_agreed_at, hold_expires_at, created_at, updated_at,
                      cap_exceeded_reason)
SELECT s.id, @user_id, sqlc.narg(agency_id), 'held', @booked_by, @access_needs, @dietary_needs,
       @line_manager_name, @line_manager_email, @now::timestamptz, @hold_until::timestamptz, @now::timestamptz, @now::timestamptz,
       @cap_exceeded_reason
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
