-- Personal calendar feeds: one secret address per person, carrying their
-- places on sessions and, for trainers, the sessions they deliver.

-- name: GetCalendarToken :one
SELECT calendar_token FROM users WHERE id = @id;

-- name: UserByCalendarToken :one
-- Whose feed a token opens (nobody once erased), and whether they train.
SELECT u.id, EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'trainer')::boolean AS trainer
FROM users u
WHERE u.calendar_token = @token::text AND u.erased_at IS NULL;

-- name: ListCalendarSessions :many
-- The sessions a trainer delivers, for their calendar feed.
-- Each carries the UID of the trainer's emailed invitation, so the feed and
-- the invitation are one event in a calendar, with a SEQUENCE never below
-- the last invitation's.
SELECT s.id, s.course_title, s.starts_at, s.ends_at,
       greatest(s.sequence, coalesce(ti.sequence, 0))::integer AS sequence, s.meeting_url,
       v.name AS venue_name, v.online AS venue_online, v.address_line1, v.address_line2, v.town, v.postcode
FROM session_trainers st
JOIN sessions s ON s.id = st.session_id
JOIN venues v ON v.id = s.venue_id
LEFT JOIN trainer_invites ti ON ti.session_id = s.id AND ti.trainer_id = st.trainer_id
WHERE st.trainer_id = @trainer_id AND s.status <> 'cancelled' AND s.ends_at >= @since
ORDER BY s.starts_at, s.id;
