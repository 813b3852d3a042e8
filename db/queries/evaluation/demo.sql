-- Demo evaluations (internal/evaluation, called only by internal/demo in the
-- transaction that seeds an empty database).

-- name: DemoPlace :one
SELECT b.id AS booking_id, c.learning_outcomes, s.ends_at
FROM bookings b
JOIN users u ON u.id = b.user_id
JOIN sessions s ON s.id = b.session_id
JOIN courses c ON c.id = s.course_id
WHERE b.session_id = @session_id AND u.email = @email;

-- name: DemoQuestions :many
SELECT id, kind FROM evaluation_questions WHERE retired_at IS NULL ORDER BY position, id;

-- name: AddDemoEvaluation :exec
INSERT INTO evaluations (booking_id, asked_at, closes_at, invited_at, reminders_sent, submitted_at, follow_up_at)
VALUES (@booking_id, @asked_at, @closes_at, @asked_at, 2, @submitted_at, @follow_up_at);

-- name: AddDemoOutcome :exec
INSERT INTO evaluation_outcomes (booking_id, position, outcome, before, after)
VALUES (@booking_id, @position, @outcome, @before, @after);

-- name: AddDemoAnswer :exec
INSERT INTO evaluation_answers (booking_id, question_id, rating, yes, answer)
VALUES (@booking_id, @question_id, @rating, @yes, @answer);

-- name: AddDemoFollowUp :exec
INSERT INTO impact_follow_ups (booking_id, respondent, asked_at, closes_at, submitted_at, example, barriers)
VALUES (@booking_id, @respondent, @asked_at, @closes_at, @submitted_at, @example, @barriers);

-- name: AddDemoImpactOutcome :exec
INSERT INTO impact_outcomes (booking_id, respondent, position, outcome, confidence)
VALUES (@booking_id, @respondent, @position, @outcome, @confidence);
