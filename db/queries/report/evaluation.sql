-- Evaluation and impact for the board (internal/report): what the
-- evaluations of a period's sessions say, naming nobody. A session is in the
-- period when it starts in it (London time) and ran (published or
-- completed). With @agency_id, only the places booked from that agency
-- (bookings.agency_id) count: an agency coordinator's own figures.
-- Averages are summed and counted here and divided in Go. Each session's
-- places are read in a lateral subquery through their indexes, so a period
-- costs its own sessions' places however many years there are.

-- name: EvaluationFigures :many
-- By course and in total: evaluations asked and answered; confidence before
-- and after over every learning-outcome answer; the impact follow-ups
-- asked and answered, from attendees and line managers, and the confidence
-- they gave about three months on.
WITH period_sessions AS (
    SELECT s.id, s.course_id
    FROM sessions s
    WHERE s.starts_at >= @period_start::timestamptz AND s.starts_at < @period_end::timestamptz
      AND s.status IN ('published', 'completed')
),
facts AS (
    SELECT ps.course_id, f.asked, f.answered, f.outcome_answers, f.before_sum, f.after_sum,
           f.attendees_asked, f.attendees_answered, f.line_managers_asked, f.line_managers_answered,
           f.later_answers, f.later_sum, f.line_manager_answers, f.line_manager_sum
    FROM period_sessions ps
    CROSS JOIN LATERAL (
    SELECT count(*) AS places,
           count(e.booking_id) AS asked,
           count(e.submitted_at) AS answered,
           sum(o.n) AS outcome_answers, sum(o.before_sum) AS before_sum, sum(o.after_sum) AS after_sum,
           count(fa.booking_id) AS attendees_asked,
           count(fa.submitted_at) AS attendees_answered,
           count(fl.booking_id) AS line_managers_asked,
           count(fl.submitted_at) AS line_managers_answered,
           sum(ia.n) AS later_answers, sum(ia.total) AS later_sum,
           sum(il.n) AS line_manager_answers, sum(il.total) AS line_manager_sum
    FROM bookings b
    LEFT JOIN evaluations e ON e.booking_id = b.id
    LEFT JOIN LATERAL (SELECT count(*) AS n, sum(eo.before) AS before_sum, sum(eo.after) AS after_sum
                       FROM evaluation_outcomes eo
                       WHERE eo.booking_id = e.booking_id AND e.submitted_at IS NOT NULL) o ON true
    LEFT JOIN impact_follow_ups fa ON fa.booking_id = b.id AND fa.respondent = 'attendee'
    LEFT JOIN impact_follow_ups fl ON fl.booking_id = b.id AND fl.respondent = 'line_manager'
    LEFT JOIN LATERAL (SELECT count(*) AS n, sum(io.confidence) AS total
                       FROM impact_outcomes io
                       WHERE io.booking_id = fa.booking_id AND io.respondent = 'attendee'
                         AND fa.submitted_at IS NOT NULL) ia ON true
    LEFT JOIN LATERAL (SELECT count(*) AS n, sum(io.confidence) AS total
                       FROM impact_outcomes io
                       WHERE io.booking_id = fl.booking_id AND io.respondent = 'line_manager'
                         AND fl.submitted_at IS NOT NULL) il ON true
    WHERE b.session_id = ps.id
      AND (e.booking_id IS NOT NULL OR fa.booking_id IS NOT NULL OR fl.booking_id IS NOT NULL)
      AND (sqlc.narg(agency_id)::bigint IS NULL OR b.agency_id = sqlc.narg(agency_id)::bigint)
    ) f
    WHERE f.places > 0
)
SELECT (GROUPING(x.course_id) = 1)::boolean AS total,
       coalesce(x.course_id, 0)::bigint AS course_id,
       (CASE WHEN GROUPING(x.course_id) = 0 THEN max(c.title) ELSE '' END)::text AS course_title,
       coalesce(sum(x.asked), 0)::integer AS asked,
       coalesce(sum(x.answered), 0)::integer AS answered,
       coalesce(sum(x.outcome_answers), 0)::integer AS outcome_answers,
       coalesce(sum(x.before_sum), 0)::bigint AS before_sum,
       coalesce(sum(x.after_sum), 0)::bigint AS after_sum,
       coalesce(sum(x.attendees_asked), 0)::integer AS attendees_asked,
       coalesce(sum(x.attendees_answered), 0)::integer AS attendees_answered,
       coalesce(sum(x.line_managers_asked), 0)::integer AS line_managers_asked,
       coalesce(sum(x.line_managers_answered), 0)::integer AS line_managers_answered,
       coalesce(sum(x.later_answers), 0)::integer AS later_answers,
       coalesce(sum(x.later_sum), 0)::bigint AS later_sum,
       coalesce(sum(x.line_manager_answers), 0)::integer AS line_manager_answers,
       coalesce(sum(x.line_manager_sum), 0)::bigint AS line_manager_sum
FROM facts x
JOIN courses c ON c.id = x.course_id
GROUP BY GROUPING SETS ((x.course_id), ())
ORDER BY 1, 3, 2;

-- name: EvaluationOutcomeFigures :many
-- Per course and learning outcome (as it was worded when answered): the
-- confidence before and after from the evaluations, and about three months
-- on from the attendees' and line managers' follow-ups.
WITH period_sessions AS (
    SELECT s.id, s.course_id
    FROM sessions s
    WHERE s.starts_at >= @period_start::timestamptz AND s.starts_at < @period_end::timestamptz
      AND s.status IN ('published', 'completed')
),
answers AS (
    SELECT ps.course_id, x.position, x.outcome, x.n, x.before, x.after, x.later_n, x.later, x.line_manager_n, x.line_manager
    FROM period_sessions ps
    CROSS JOIN LATERAL (
        SELECT eo.position, eo.outcome, 1 AS n, eo.before::integer AS before, eo.after::integer AS after,
               0 AS later_n, 0 AS later, 0 AS line_manager_n, 0 AS line_manager
        FROM bookings b
        JOIN evaluations e ON e.booking_id = b.id AND e.submitted_at IS NOT NULL
        JOIN evaluation_outcomes eo ON eo.booking_id = e.booking_id
        WHERE b.session_id = ps.id
          AND (sqlc.narg(agency_id)::bigint IS NULL OR b.agency_id = sqlc.narg(agency_id)::bigint)
        UNION ALL
        SELECT io.position, io.outcome, 0, 0, 0,
               (io.respondent = 'attendee')::integer, CASE WHEN io.respondent = 'attendee' THEN io.confidence::integer ELSE 0 END,
               (io.respondent = 'line_manager')::integer, CASE WHEN io.respondent = 'line_manager' THEN io.confidence::integer ELSE 0 END
        FROM bookings b
        JOIN impact_follow_ups f ON f.booking_id = b.id AND f.submitted_at IS NOT NULL
        JOIN impact_outcomes io ON io.booking_id = f.booking_id AND io.respondent = f.respondent
        WHERE b.session_id = ps.id
          AND (sqlc.narg(agency_id)::bigint IS NULL OR b.agency_id = sqlc.narg(agency_id)::bigint)
        OFFSET 0
    ) x
)
SELECT a.course_id, max(c.title)::text AS course_title, a.outcome, min(a.position)::integer AS position,
       sum(a.n)::integer AS answered, sum(a.before)::bigint AS before_sum, sum(a.after)::bigint AS after_sum,
       sum(a.later_n)::integer AS later_answered, sum(a.later)::bigint AS later_sum,
       sum(a.line_manager_n)::integer AS line_managers_answered, sum(a.line_manager)::bigint AS line_manager_sum
FROM answers a
JOIN courses c ON c.id = a.course_id
GROUP BY a.course_id, a.outcome
ORDER BY 2, 1, 4, 3;

-- name: EvaluationRatingFigures :many
-- The standard rating questions, each across its versions (its lineage,
-- worded as it was last asked), by course and in total: how many answered
-- and the sum of their ratings.
WITH period_sessions AS (
    SELECT s.id, s.course_id
    FROM sessions s
    WHERE s.starts_at >= @period_start::timestamptz AND s.starts_at < @period_end::timestamptz
      AND s.status IN ('published', 'completed')
),
per_lineage AS (
    SELECT (GROUPING(ps.course_id) = 1)::boolean AS total, coalesce(ps.course_id, 0)::bigint AS course_id, q.lineage,
           count(*)::integer AS answered, sum(a.rating)::bigint AS rating_sum
    FROM period_sessions ps
    JOIN bookings b ON b.session_id = ps.id
    JOIN evaluations e ON e.booking_id = b.id AND e.submitted_at IS NOT NULL
    JOIN evaluation_answers a ON a.booking_id = e.booking_id AND a.rating IS NOT NULL
    JOIN evaluation_questions q ON q.id = a.question_id
    WHERE sqlc.narg(agency_id)::bigint IS NULL OR b.agency_id = sqlc.narg(agency_id)::bigint
    GROUP BY GROUPING SETS ((ps.course_id, q.lineage), (q.lineage))
)
SELECT p.total, p.course_id, p.lineage, latest.wording, latest.retired, latest.position, p.answered, p.rating_sum
FROM per_lineage p
JOIN LATERAL (SELECT q.wording, (q.retired_at IS NOT NULL)::boolean AS retired, q.position
              FROM evaluation_questions q
              WHERE q.lineage = p.lineage
              ORDER BY q.version DESC
              LIMIT 1) latest ON true
ORDER BY p.total, p.course_id, latest.retired, latest.position, p.lineage;
