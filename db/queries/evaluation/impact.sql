-- The impact follow-up, about three months after the session: the person's
-- own, and their line manager's through a link that needs no account
-- (internal/evaluation).

-- name: AttendeeFollowUp :one
-- One of the person's own places and its follow-up, if one was asked for.
SELECT b.id AS booking_id, s.course_title, s.starts_at, s.ends_at, c.learning_outcomes,
       (f.booking_id IS NOT NULL)::boolean AS asked, f.closes_at AS closes_at, f.submitted_at AS submitted_at
FROM bookings b
JOIN users u ON u.id = b.user_id
JOIN sessions s ON s.id = b.session_id
JOIN courses c ON c.id = s.course_id
LEFT JOIN impact_follow_ups f ON f.booking_id = b.id AND f.respondent = 'attendee'
WHERE b.id = @booking_id AND b.user_id = @user_id AND u.erased_at IS NULL;

-- name: LineManagerFollowUp :one
-- The follow-up a line manager's link opens: the person's name, the course,
-- its date and outcomes, nothing else about them.
SELECT f.booking_id, b.user_id, u.full_name, s.course_title, s.starts_at, s.ends_at, c.learning_outcomes,
       f.closes_at, f.submitted_at
FROM impact_follow_ups f
JOIN bookings b ON b.id = f.booking_id
JOIN users u ON u.id = b.user_id
JOIN sessions s ON s.id = b.session_id
JOIN courses c ON c.id = s.course_id
WHERE f.token_hash = @token_hash AND f.respondent = 'line_manager' AND u.erased_at IS NULL;

-- name: LockFollowUp :one
-- A follow-up locked for its answer: a second answer waits here, then finds
-- it submitted.
SELECT f.closes_at, f.submitted_at, c.learning_outcomes
FROM impact_follow_ups f
JOIN bookings b ON b.id = f.booking_id
JOIN users u ON u.id = b.user_id
JOIN sessions s ON s.id = b.session_id
JOIN courses c ON c.id = s.course_id
WHERE f.booking_id = @booking_id AND f.respondent = @respondent AND u.erased_at IS NULL
FOR UPDATE OF f;

-- name: SaveFollowUp :exec
UPDATE impact_follow_ups
SET example = @example, barriers = nullif(@barriers::text, ''), submitted_at = @now
WHERE booking_id = @booking_id AND respondent = @respondent;

-- name: InsertImpactOutcomes :exec
-- Confidence now on each outcome, as the outcome was worded.
INSERT INTO impact_outcomes (booking_id, respondent, position, outcome, confidence)
SELECT @booking_id, @respondent, unnest(@positions::smallint[]), unnest(@outcomes::text[]),
       unnest(@confidences::smallint[]);

-- name: OpenFollowUps :many
-- The person's own follow-ups still to answer.
SELECT f.booking_id, s.course_title, s.starts_at, s.ends_at, f.closes_at
FROM impact_follow_ups f
JOIN bookings b ON b.id = f.booking_id
JOIN sessions s ON s.id = b.session_id
WHERE b.user_id = @user_id AND f.respondent = 'attendee' AND f.submitted_at IS NULL AND f.closes_at > @now
ORDER BY f.closes_at, f.booking_id;
