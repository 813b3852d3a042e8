-- The training manager's changes to a session's list: marking a
-- cancellation late, reordering the waiting list, and the sessions a place
-- can move to. The callers lock the session's row first, as for every
-- change to its bookings.

-- name: SetBookingLate :one
-- Only a cancelled place can be a late cancellation.
UPDATE bookings SET late = @late, updated_at = @now::timestamptz
WHERE id = @id AND status = 'cancelled'
RETURNING id;

-- name: WaitingAbove :one
-- The booking just ahead of this one on its session's waiting list.
SELECT n.id, n.queue_position, b.queue_position AS own_position
FROM bookings b
JOIN bookings n ON n.session_id = b.session_id AND n.status = 'waiting'
WHERE b.id = @id AND b.status = 'waiting' AND (n.queue_position, n.id) < (b.queue_position, b.id)
ORDER BY n.queue_position DESC, n.id DESC
LIMIT 1;

-- name: WaitingBelow :one
-- The booking just behind this one on its session's waiting list.
SELECT n.id, n.queue_position, b.queue_position AS own_position
FROM bookings b
JOIN bookings n ON n.session_id = b.session_id AND n.status = 'waiting'
WHERE b.id = @id AND b.status = 'waiting' AND (n.queue_position, n.id) > (b.queue_position, b.id)
ORDER BY n.queue_position, n.id
LIMIT 1;

-- name: SwapQueuePositions :execrows
-- Two bookings change places in the queue.
UPDATE bookings
SET queue_position = CASE WHEN id = @a_id::bigint THEN @b_position::bigint ELSE @a_position::bigint END,
    updated_at = @now::timestamptz
WHERE id IN (@a_id::bigint, @b_id::bigint);

-- name: MoveTargets :many
-- The other published sessions of the same course, not started yet, with a
-- place left: where a confirmed place can be moved to.
SELECT t.id, t.starts_at, t.ends_at, (t.capacity - t.seats_taken)::int AS places_left,
       v.name AS venue_name, v.online AS venue_online
FROM sessions s
JOIN sessions t ON t.course_id = s.course_id AND t.id <> s.id
JOIN venues v ON v.id = t.venue_id
WHERE s.id = @session_id AND t.status = 'published' AND t.starts_at > @now::timestamptz
  AND t.seats_taken < t.capacity
ORDER BY t.starts_at, t.id;
