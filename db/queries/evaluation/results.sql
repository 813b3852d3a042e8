-- What trainers and training managers read of the evaluations
-- (internal/evaluation): the answers of a set of sessions, naming nobody.
-- No query here returns a person's name or email; a booking's id is read
-- only to join one person's answers together, and never shown.

-- name: ResultsSession :one
SELECT s.id, s.course_id, s.course_title, s.starts_at, s.ends_at
FROM sessions s
WHERE s.id = @session_id;

-- name: TrainsSession :one
SELECT EXISTS (
    SELECT 1 FROM session_trainers WHERE session_id = @session_id AND trainer_id = @trainer_id
)::boolean AS trains;

-- name: ResultsCourse :one
SELECT c.id, c.title
FROM courses c
WHERE c.id = @course_id;

-- name: CourseSessionsEnded :many
-- The sessions of a course that ended in the period, cancelled ones aside.
SELECT s.id
FROM sessions s
WHERE s.course_id = @course_id AND s.ends_at >= @ended_from AND s.ends_at < @ended_before AND s.status <> 'cancelled'
ORDER BY s.starts_at, s.id;

-- name: PlaceCounts :one
-- Places attended, and of those how many were asked to evaluate and how
-- many answered.
-- Each session's places are read in a lateral subquery through their
-- indexes (as every query here that takes @session_ids), so a course's
-- period costs its own sessions' places however many years there are.
SELECT count(*) FILTER (WHERE x.attendance IN ('attended', 'late'))::int AS attended,
       count(x.evaluated)::int AS asked,
       count(x.submitted_at)::int AS answered
FROM (SELECT DISTINCT unnest(@session_ids::bigint[]) AS id) si
CROSS JOIN LATERAL (
    SELECT b.attendance, e.booking_id AS evaluated, e.submitted_at
    FROM bookings b
    LEFT JOIN evaluations e ON e.booking_id = b.id
    WHERE b.session_id = si.id AND (b.attendance IN ('attended', 'late') OR e.booking_id IS NOT NULL)
    OFFSET 0
) x;

-- name: AnsweredEvaluations :many
-- Each answered evaluation, with the session it was about and the agency
-- and sector the person booked from.
SELECT e.booking_id, s.starts_at, s.course_title, e.submitted_at::timestamptz AS submitted_at,
       coalesce(a.name, '')::text AS agency, coalesce(a.sector, '')::text AS sector
FROM sessions s
CROSS JOIN LATERAL (
    SELECT e.booking_id, e.submitted_at, b.agency_id
    FROM bookings b
    JOIN evaluations e ON e.booking_id = b.id
    WHERE b.session_id = s.id AND e.submitted_at IS NOT NULL
    OFFSET 0
) e
-- each answer's agency by its key, in a lateral subquery: the statement's
-- generic plan (see readResults) would otherwise hash every agency
LEFT JOIN LATERAL (SELECT a.name, a.sector FROM agencies a WHERE a.id = e.agency_id OFFSET 0) a ON true
WHERE s.id = ANY(@session_ids::bigint[])
ORDER BY s.starts_at, e.submitted_at, e.booking_id;

-- name: AnsweredOutcomes :many
SELECT o.booking_id, o.position, o.outcome, o.before, o.after
FROM (SELECT DISTINCT unnest(@session_ids::bigint[]) AS id) si
CROSS JOIN LATERAL (
    SELECT o.booking_id, o.position, o.outcome, o.before, o.after
    FROM bookings b
    JOIN evaluations e ON e.booking_id = b.id
    JOIN evaluation_outcomes o ON o.booking_id = e.booking_id
    WHERE b.session_id = si.id AND e.submitted_at IS NOT NULL
    OFFSET 0
) o
ORDER BY o.booking_id, o.position;

-- name: AnsweredQuestions :many
-- Every answer to a standard question, with the version it was given to.
SELECT a.booking_id, q.lineage, q.version, q.kind, q.wording, a.rating, a.yes, a.answer
FROM (SELECT DISTINCT unnest(@session_ids::bigint[]) AS id) si
CROSS JOIN LATERAL (
    SELECT a.booking_id, a.question_id, a.rating, a.yes, a.answer, e.submitted_at
    FROM bookings b
    JOIN evaluations e ON e.booking_id = b.id
    JOIN evaluation_answers a ON a.booking_id = e.booking_id
    WHERE b.session_id = si.id AND e.submitted_at IS NOT NULL
    OFFSET 0
) a
JOIN evaluation_questions q ON q.id = a.question_id
ORDER BY a.submitted_at, a.booking_id, q.position, q.id;

-- name: LatestQuestionVersions :many
-- The latest version of each question: its wording now (or when it was
-- last asked), where it is asked, and whether it still is.
SELECT DISTINCT ON (q.lineage) q.lineage, q.kind, q.wording, q.position, (q.retired_at IS NOT NULL)::boolean AS retired
FROM evaluation_questions q
WHERE q.lineage = ANY(@lineages::bigint[])
ORDER BY q.lineage, q.version DESC;

-- name: ResultsFollowUps :many
-- Every impact follow-up asked, answered or not.
SELECT f.booking_id, f.respondent, f.submitted_at, f.example, f.barriers,
       coalesce(a.name, '')::text AS agency
FROM (SELECT DISTINCT unnest(@session_ids::bigint[]) AS id) si
CROSS JOIN LATERAL (
    SELECT f.booking_id, f.respondent, f.submitted_at, f.example, f.barriers, b.agency_id
    FROM bookings b
    JOIN impact_follow_ups f ON f.booking_id = b.id
    WHERE b.session_id = si.id
    OFFSET 0
) f
LEFT JOIN LATERAL (SELECT a.name FROM agencies a WHERE a.id = f.agency_id OFFSET 0) a ON true -- as AnsweredEvaluations
ORDER BY f.submitted_at NULLS LAST, f.booking_id, f.respondent;

-- name: ResultsFollowUpOutcomes :many
SELECT o.booking_id, o.respondent, o.position, o.outcome, o.confidence
FROM (SELECT DISTINCT unnest(@session_ids::bigint[]) AS id) si
CROSS JOIN LATERAL (
    SELECT o.booking_id, o.respondent, o.position, o.outcome, o.confidence
    FROM bookings b
    JOIN impact_follow_ups f ON f.booking_id = b.id
    JOIN impact_outcomes o ON o.booking_id = f.booking_id AND o.respondent = f.respondent
    WHERE b.session_id = si.id AND f.submitted_at IS NOT NULL
    OFFSET 0
) o
ORDER BY o.booking_id, o.respondent, o.position;
