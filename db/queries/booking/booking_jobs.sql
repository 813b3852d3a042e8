-- What the booking jobs were doing and for whom, for the training manager's
-- Needs attention page (internal/booking/jobs.go).

-- name: JobSession :one
SELECT s.id, s.course_title, s.starts_at, s.ends_at
FROM sessions s WHERE s.id = @id;

-- name: OfferedUntil :many
-- The people offered a place on a session until deadline, whatever became
-- of the offer since.
SELECT u.full_name, u.email::text AS email, (u.erased_at IS NOT NULL)::boolean AS erased
FROM bookings b JOIN users u ON u.id = b.user_id
WHERE b.session_id = @session_id AND b.offer_expires_at = @deadline::timestamptz
ORDER BY b.id;

-- name: ConfirmedPeopleOfSession :many
SELECT u.full_name, u.email::text AS email, (u.erased_at IS NOT NULL)::boolean AS erased
FROM bookings b JOIN users u ON u.id = b.user_id
WHERE b.session_id = @session_id AND b.status = 'confirmed'
ORDER BY b.id;

-- Work that may have no job: made before jobs existed (an upgrade), or
-- written straight to the tables (demo data). ScheduleMissing gives each
-- its job.

-- name: PendingOfferDeadlines :many
SELECT DISTINCT session_id, offer_expires_at::timestamptz AS deadline
FROM bookings WHERE status = 'offered'
ORDER BY session_id, deadline;

-- name: PendingHolds :many
SELECT id, hold_expires_at::timestamptz AS until
FROM bookings WHERE status = 'held'
ORDER BY id;

-- name: SessionsToRemind :many
-- Published sessions still to start with someone to remind.
SELECT s.id FROM sessions s
WHERE s.status = 'published' AND s.starts_at > @now::timestamptz
  AND EXISTS (SELECT 1 FROM bookings b WHERE b.session_id = s.id AND b.status = 'confirmed')
ORDER BY s.id;
