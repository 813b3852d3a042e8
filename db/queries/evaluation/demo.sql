-- Demo evaluations (internal/evaluation, called only by internal/demo in the
-- transaction that seeds an empty database).

-- name: DemoPlace :batchone
SELECT b.id AS booking_id, c.learning_outcomes, s.ends_at
FROM bookings b
JOIN users u ON u.id = b.user_id
JOIN sessions s ON s.id = b.session_id
JOIN courses c ON c.id = s.course_id
WHERE b.session_id = @session_id AND u.email = @email;

-- name: DemoQuestions :many
SELECT id, kind FROM evaluation_questions WHERE retired_at IS NULL AND partnership_id = first_partnership_id()
ORDER BY position, id;

-- name: AddDemoEvaluation :batchexec
INSERT INTO evaluations (booking_id, asked_at, closes_at, invited_at, reminders_sent, submitted_at, follow_up_at)
VALUES (@booking_id, @asked_at, @closes_at, @asked_at, 2, @submitted_at, @follow_up_at);

-- name: AddDemoOutcomes :batchexec
-- The confidence before and after on each learning outcome, in one statement
-- (the demo seeds hundreds of evaluations at every fresh start).
INSERT INTO evaluation_outcomes (booking_id, position, outcome, before, after)
SELECT @booking_id, i::smallint, (@outcomes::text[])[i], (@befores::smallint[])[i], (@afters::smallint[])[i]
FROM generate_series(1, cardinality(@outcomes::text[])) AS i;

-- name: AddDemoAnswers :batchexec
-- The answers to the standard questions, in one statement: a rating of 0,
-- a yes of -1 (1 yes, 0 no) and an empty answer stand for none.
INSERT INTO evaluation_answers (booking_id, question_id, rating, yes, answer)
SELECT @booking_id, (@question_ids::bigint[])[i], nullif((@ratings::smallint[])[i], 0),
       CASE (@yeses::smallint[])[i] WHEN 1 THEN true WHEN 0 THEN false END, nullif((@answers::text[])[i], '')
FROM generate_series(1, cardinality(@question_ids::bigint[])) AS i;

-- name: AddDemoFollowUp :batchexec
INSERT INTO impact_follow_ups (booking_id, respondent, asked_at, closes_at, submitted_at, example, barriers)
VALUES (@booking_id, @respondent, @asked_at, @closes_at, @submitted_at, @example, @barriers);

-- name: AddDemoImpactOutcomes :batchexec
INSERT INTO impact_outcomes (booking_id, respondent, position, outcome, confidence)
SELECT @booking_id, @respondent, i::smallint, (@outcomes::text[])[i], (@confidences::smallint[])[i]
FROM generate_series(1, cardinality(@outcomes::text[])) AS i;
