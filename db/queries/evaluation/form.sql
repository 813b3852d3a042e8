-- The attendee's evaluation of a place they attended: the form, the answers
-- and their open tasks (internal/evaluation). A place counts as attended when
-- the register says attended or late.

-- name: EvaluationPlace :one
-- One of the person's own places, whether they attended, and its evaluation
-- if it was asked for (closes_at and submitted_at are null when not).
SELECT b.id AS booking_id,
       (b.attendance IS NOT NULL AND b.attendance IN ('attended', 'late'))::boolean AS attended,
       s.course_title, s.starts_at, s.ends_at, c.learning_outcomes,
       (e.booking_id IS NOT NULL)::boolean AS asked, e.closes_at AS closes_at, e.submitted_at AS submitted_at
FROM bookings b
JOIN users u ON u.id = b.user_id
JOIN sessions s ON s.id = b.session_id
JOIN courses c ON c.id = s.course_id
LEFT JOIN evaluations e ON e.booking_id = b.id
WHERE b.id = @booking_id AND b.user_id = @user_id AND u.erased_at IS NULL;

-- name: CurrentQuestions :many
-- The standard questions the place's session's partnership asks now, in
-- order.
SELECT q.id, q.kind, q.wording, q.hint
FROM bookings b
JOIN sessions s ON s.id = b.session_id
JOIN evaluation_questions q ON q.partnership_id = s.partnership_id
WHERE b.id = @booking_id AND q.retired_at IS NULL
ORDER BY q.position, q.id;

-- name: QuestionsByID :many
-- The questions a form showed, whatever has become of them since: the
-- place's session's partnership's.
SELECT q.id, q.kind, q.wording, q.hint
FROM bookings b
JOIN sessions s ON s.id = b.session_id
JOIN evaluation_questions q ON q.partnership_id = s.partnership_id
WHERE b.id = @booking_id AND q.id = ANY(@ids::bigint[])
ORDER BY q.position, q.id;

-- name: LockEvaluation :one
-- The person's evaluation, locked for the answer: a second answer (a double
-- click, another tab) waits here, then finds it submitted.
SELECT e.booking_id, e.closes_at, e.submitted_at,
       (b.attendance IS NOT NULL AND b.attendance IN ('attended', 'late'))::boolean AS attended,
       c.learning_outcomes
FROM evaluations e
JOIN bookings b ON b.id = e.booking_id
JOIN users u ON u.id = b.user_id
JOIN sessions s ON s.id = b.session_id
JOIN courses c ON c.id = s.course_id
WHERE e.booking_id = @booking_id AND b.user_id = @user_id AND u.erased_at IS NULL
FOR UPDATE OF e;

-- name: InsertEvaluationOutcomes :exec
-- Confidence before and now on each outcome, as the outcome was worded.
INSERT INTO evaluation_outcomes (booking_id, position, outcome, before, after)
SELECT @booking_id, unnest(@positions::smallint[]), unnest(@outcomes::text[]), unnest(@befores::smallint[]),
       unnest(@afters::smallint[]);

-- name: InsertEvaluationAnswers :exec
-- One answer to each question answered: a rating (0 for none), yes or no
-- ('' for none) or text ('' for none), one of the three each.
INSERT INTO evaluation_answers (booking_id, question_id, rating, yes, answer)
SELECT @booking_id, a.question_id, nullif(a.rating, 0),
       CASE a.yes WHEN 'yes' THEN true WHEN 'no' THEN false END, nullif(a.answer, '')
FROM (SELECT unnest(@question_ids::bigint[]) AS question_id, unnest(@ratings::smallint[]) AS rating,
             unnest(@yeses::text[]) AS yes, unnest(@answers::text[]) AS answer) AS a;

-- name: MarkEvaluationSubmitted :exec
UPDATE evaluations SET submitted_at = @now WHERE booking_id = @booking_id;

-- name: OpenEvaluations :many
-- The person's evaluations still to answer.
-- certificate_waits: the session's partnership holds its certificate back
-- until it is answered.
SELECT e.booking_id, s.course_title, s.starts_at, s.ends_at, e.closes_at, st.certificate_needs_evaluation AS certificate_waits
FROM evaluations e
JOIN bookings b ON b.id = e.booking_id
JOIN sessions s ON s.id = b.session_id
JOIN evaluation_settings st ON st.partnership_id = s.partnership_id
WHERE b.user_id = @user_id AND b.attendance IN ('attended', 'late')
  AND e.submitted_at IS NULL AND e.closes_at > @now
ORDER BY e.closes_at, e.booking_id;
