-- Bookings read in one go for the emails a change sends to many people.

-- name: BookingsByIDs :many
-- Bookings as GetBooking reads them, every one asked for in one query (not
-- one query each), in id order.
SELECT * FROM booking_details WHERE id = ANY (@ids::bigint[]) ORDER BY id;

-- name: ConfirmedBookingsOfSession :many
-- A session's places as GetBooking reads them, in one query, for the email
-- a change to the session sends to everyone booked.
SELECT * FROM booking_details WHERE session_id = @session_id AND status = 'confirmed' ORDER BY id;

-- name: EndSessionBookings :many
-- Ends every live booking of a session the partnership cancelled, in one
-- statement: a place is cancelled, a wait, an offer or a hold simply ends,
-- none is late. Each says whether a payment stands for it, to be settled.
UPDATE bookings b
SET status = (CASE WHEN b.status = 'confirmed' THEN 'cancelled' ELSE 'left' END)::booking_status,
    ended_at = @now::timestamptz, ended_by = NULL, late = false, end_note = @end_note, replaced_by = NULL,
    updated_at = @now::timestamptz,
    -- a session cancelled after its register was taken: no place, no mark
    attendance = NULL, attendance_by = NULL, attendance_at = NULL
WHERE b.session_id = @session_id AND b.status IN ('held', 'waiting', 'offered', 'confirmed', 'awaiting_approval')
RETURNING b.id, EXISTS (SELECT 1 FROM payments p
                        WHERE p.booking_id = b.id AND p.status IN ('pending', 'invoiced', 'paid'))::boolean AS paying;

-- name: MarkReminders :many
-- Records reminders as handled, booking_ids[i] with kinds[i], in one
-- statement; only those not handled before come back.
INSERT INTO booking_reminders (booking_id, kind, sent_at)
SELECT unnest(@booking_ids::bigint[]), unnest(@kinds::text[]), @now::timestamptz
ON CONFLICT DO NOTHING
RETURNING booking_id, kind;
