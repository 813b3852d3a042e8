-- Asking attended places to evaluate, and the emails at their times
-- (internal/evaluation). A place counts as attended when the register says
-- attended or late, and its person has not been erased.

-- name: AskPlaces :many
-- Each place not yet asked is asked now; a place asked before (the register
-- saved again) keeps its evaluation and its times.
INSERT INTO evaluations (booking_id, asked_at, closes_at, follow_up_at)
SELECT b.id, sqlc.arg(now)::timestamptz, sqlc.arg(closes_at)::timestamptz,
       greatest(s.ends_at + sqlc.arg(follow_up_weeks)::int * interval '7 days', sqlc.arg(now)::timestamptz)
FROM bookings b
JOIN sessions s ON s.id = b.session_id
WHERE b.id = ANY(@booking_ids::bigint[]) AND b.attendance IN ('attended', 'late')
ON CONFLICT (booking_id) DO NOTHING
RETURNING booking_id, asked_at, closes_at, follow_up_at;

-- name: MarkInvited :one
-- The invitation is due once, while the evaluation is open and unanswered.
UPDATE evaluations e
SET invited_at = sqlc.arg(now)::timestamptz
FROM bookings b
JOIN users u ON u.id = b.user_id
WHERE e.booking_id = @booking_id AND b.id = e.booking_id AND b.attendance IN ('attended', 'late')
  AND u.erased_at IS NULL AND e.invited_at IS NULL AND e.submitted_at IS NULL AND e.closes_at > @now
RETURNING e.booking_id, e.closes_at;

-- name: MarkReminded :one
-- Reminder @nth is due once, after the invitation, while the evaluation is
-- open and unanswered; a later reminder sent first makes an earlier one
-- due no more.
UPDATE evaluations e
SET reminders_sent = @nth
FROM bookings b
JOIN users u ON u.id = b.user_id
WHERE e.booking_id = @booking_id AND b.id = e.booking_id AND b.attendance IN ('attended', 'late')
  AND u.erased_at IS NULL AND e.invited_at IS NOT NULL AND e.reminders_sent < @nth
  AND e.submitted_at IS NULL AND e.closes_at > @now
RETURNING e.booking_id, e.closes_at;

-- name: AskFollowUp :many
-- The follow-up of an attended place, from the person and, when they gave
-- one at booking, their line manager; once each.
INSERT INTO impact_follow_ups (booking_id, respondent, asked_at, closes_at, email, token_hash)
SELECT b.id, r.respondent, @now, @closes_at,
       CASE WHEN r.respondent = 'line_manager' THEN b.line_manager_email END,
       CASE WHEN r.respondent = 'line_manager' THEN @token_hash::bytea END
FROM bookings b
JOIN users u ON u.id = b.user_id
JOIN evaluations e ON e.booking_id = b.id
CROSS JOIN (VALUES ('attendee'::impact_respondent), ('line_manager'::impact_respondent)) AS r (respondent)
WHERE b.id = @booking_id AND b.attendance IN ('attended', 'late') AND u.erased_at IS NULL
  AND e.follow_up_at <= @now
  AND (r.respondent = 'attendee' OR b.line_manager_email <> '')
ON CONFLICT (booking_id, respondent) DO NOTHING
RETURNING booking_id, respondent, closes_at;

-- name: Letter :one
-- What an email about an evaluation says: the person, the session and their
-- line manager.
-- The session's partnership signs it, once the service names it (not
-- configured).
SELECT b.id AS booking_id, b.user_id, b.session_id, u.full_name, u.email, (u.erased_at IS NOT NULL)::boolean AS erased,
       s.course_title, s.starts_at, s.ends_at, b.line_manager_name, b.line_manager_email,
       s.partnership_id, p.name AS partnership_name, p.email AS partnership_email, p.phone AS partnership_phone,
       p.configured AS partnership_configured
FROM bookings b
JOIN users u ON u.id = b.user_id
JOIN sessions s ON s.id = b.session_id
JOIN partnerships p ON p.id = s.partnership_id
WHERE b.id = @booking_id;

-- name: DueInvitations :many
-- The safety net's finds: invitations overdue by the grace.
SELECT e.booking_id
FROM evaluations e
JOIN bookings b ON b.id = e.booking_id
WHERE e.invited_at IS NULL AND e.submitted_at IS NULL AND e.asked_at < @before AND e.closes_at > @now
  AND b.attendance IN ('attended', 'late')
ORDER BY e.asked_at
LIMIT 500;

-- name: DueReminders :many
-- Reminders overdue by the grace: the next reminder of each open,
-- unanswered evaluation whose day has passed, by the days of its session's
-- partnership's settings.
SELECT e.booking_id, e.reminders_sent::int AS sent
FROM evaluations e
JOIN bookings b ON b.id = e.booking_id
JOIN sessions s ON s.id = b.session_id
JOIN evaluation_settings st ON st.partnership_id = s.partnership_id
WHERE e.invited_at IS NOT NULL AND e.submitted_at IS NULL AND e.closes_at > @now
  AND b.attendance IN ('attended', 'late')
  AND e.reminders_sent < cardinality(st.reminder_days)
  AND e.asked_at + st.reminder_days[e.reminders_sent + 1] * interval '1 day' < sqlc.arg(before)::timestamptz
ORDER BY e.booking_id
LIMIT 500;

-- name: DueFollowUps :many
-- Follow-ups overdue by the grace and not yet asked.
SELECT e.booking_id
FROM evaluations e
JOIN bookings b ON b.id = e.booking_id
JOIN users u ON u.id = b.user_id
WHERE e.follow_up_at < @before AND b.attendance IN ('attended', 'late') AND u.erased_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM impact_follow_ups f WHERE f.booking_id = e.booking_id AND f.respondent = 'attendee')
ORDER BY e.follow_up_at
LIMIT 500;
