-- A person's evaluations and follow-ups, for their download and erasure, and
-- the retention schedule's rule for line managers' links (internal/evaluation).

-- name: ExportEvaluations :many
SELECT e.booking_id, s.course_title, s.starts_at, e.asked_at, e.closes_at, e.submitted_at
FROM evaluations e
JOIN bookings b ON b.id = e.booking_id
JOIN sessions s ON s.id = b.session_id
WHERE b.user_id = @user_id
ORDER BY s.starts_at, e.booking_id;

-- name: ExportEvaluationOutcomes :many
SELECT o.booking_id, o.outcome, o.before, o.after
FROM evaluation_outcomes o
JOIN bookings b ON b.id = o.booking_id
WHERE b.user_id = @user_id
ORDER BY o.booking_id, o.position;

-- name: ExportEvaluationAnswers :many
SELECT a.booking_id, q.kind, q.wording, a.rating, a.yes, a.answer
FROM evaluation_answers a
JOIN evaluation_questions q ON q.id = a.question_id
JOIN bookings b ON b.id = a.booking_id
WHERE b.user_id = @user_id
ORDER BY a.booking_id, q.position, q.id;

-- name: ExportFollowUps :many
SELECT f.booking_id, f.respondent, f.asked_at, f.closes_at, f.submitted_at, f.email, f.example, f.barriers
FROM impact_follow_ups f
JOIN bookings b ON b.id = f.booking_id
WHERE b.user_id = @user_id
ORDER BY f.booking_id, f.respondent;

-- name: ExportFollowUpOutcomes :many
SELECT o.booking_id, o.respondent, o.outcome, o.confidence
FROM impact_outcomes o
JOIN bookings b ON b.id = o.booking_id
WHERE b.user_id = @user_id
ORDER BY o.booking_id, o.respondent, o.position;

-- name: EraseWrittenAnswers :exec
-- What the person wrote goes; the ratings, with nothing that names them,
-- stay for the partnership's figures.
DELETE FROM evaluation_answers a
USING bookings b
WHERE b.id = a.booking_id AND b.user_id = @user_id AND a.answer IS NOT NULL;

-- name: EraseFollowUpWriting :exec
UPDATE impact_follow_ups f
SET example = NULL, barriers = NULL, email = NULL, token_hash = NULL
FROM bookings b
WHERE b.id = f.booking_id AND b.user_id = @user_id;

-- name: ForgetExpiredLinks :execrows
-- A line manager's link that has expired: its address and fingerprint go.
UPDATE impact_follow_ups f
SET email = NULL, token_hash = NULL
WHERE (f.booking_id, f.respondent) IN (
    SELECT x.booking_id, x.respondent FROM impact_follow_ups x
    WHERE x.token_hash IS NOT NULL AND x.closes_at < @now
    LIMIT @max_rows);
