-- The manager's programme: its filters and the choices of its forms.

-- name: ProgrammeMonths :many
-- Every month (in London) that has a session, for the programme's filter:
-- found a month at a time, each the month of the first session after the
-- last month found, through the index on starts_at (00042), so it costs
-- one look-up per month whatever the sessions.
WITH RECURSIVE month (m) AS (
    SELECT date_trunc('month', (SELECT min(s.starts_at) FROM sessions s) AT TIME ZONE 'Europe/London')
    UNION ALL
    SELECT date_trunc('month', (SELECT min(s.starts_at) FROM sessions s
                                WHERE s.starts_at >= (month.m + interval '1 month') AT TIME ZONE 'Europe/London')
                               AT TIME ZONE 'Europe/London')
    FROM month
    WHERE month.m IS NOT NULL
)
SELECT to_char(m, 'YYYY-MM')::text AS month
FROM month
WHERE m IS NOT NULL
ORDER BY 1;

-- name: ApprovedTrainerIDs :many
-- The trainers the scheduling partnership (the acting manager's, else the
-- first) approves to deliver a course.
SELECT tc.trainer_id FROM trainer_courses tc
WHERE tc.course_id = @course_id AND tc.partnership_id = coalesce(acting_partnership_id(), first_partnership_id());
