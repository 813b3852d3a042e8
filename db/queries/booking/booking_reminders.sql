-- Reminders before a session (internal/booking/reminders.go).

-- name: ReminderCandidates :many
-- Confirmed places on published sessions starting after now and no later
-- than until (of one session, when session_id is given), with the kinds of
-- reminder already handled for each.
SELECT b.id, b.session_id, b.confirmed_at, s.starts_at, s.meeting_url, v.online AS venue_online,
       coalesce((SELECT array_agg(r.kind ORDER BY r.kind) FROM booking_reminders r WHERE r.booking_id = b.id),
                '{}')::text[] AS handled
FROM bookings b
JOIN sessions s ON s.id = b.session_id
JOIN venues v ON v.id = s.venue_id
WHERE b.status = 'confirmed' AND s.status = 'published'
  AND s.starts_at > @now::timestamptz AND s.starts_at <= @until::timestamptz
  AND (sqlc.narg(session_id)::bigint IS NULL OR b.session_id = sqlc.narg(session_id))
ORDER BY s.starts_at, b.id;

-- name: MarkReminder :one
-- Records a reminder as handled; no row when it already was.
INSERT INTO booking_reminders (booking_id, kind, sent_at)
VALUES (@booking_id, @kind, @now::timestamptz)
ON CONFLICT DO NOTHING
RETURNING booking_id;

-- name: ReminderSession :one
-- What a session's reminders depend on: when it starts, whether it is still
-- on, and whether it is online with a meeting link.
SELECT s.id, s.status, s.starts_at, s.meeting_url, v.online AS venue_online
FROM sessions s JOIN venues v ON v.id = s.venue_id
WHERE s.id = @id;
