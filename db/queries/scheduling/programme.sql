-- The manager's programme: its filters and the choices of its forms.

-- name: ProgrammeFilterChoices :many
-- The programme filter's courses and venues, as SessionFormChoices finds
-- them, and the months that have a session (kind 'month', its 'YYYY-MM'
-- the name), in one statement rather than three. The months are found a
-- month at a time, each the month of the first session after the last
-- month found, through the index on starts_at (00042), so they cost one
-- look-up per month whatever the sessions. Months sort between courses
-- and venues, each kind by name.
WITH RECURSIVE month (m) AS (
    SELECT date_trunc('month', (SELECT min(s.starts_at) FROM sessions s) AT TIME ZONE 'Europe/London')
    UNION ALL
    SELECT date_trunc('month', (SELECT min(s.starts_at) FROM sessions s
                                WHERE s.starts_at >= (month.m + interval '1 month') AT TIME ZONE 'Europe/London')
                               AT TIME ZONE 'Europe/London')
    FROM month
    WHERE month.m IS NOT NULL
)
SELECT 'course'::text AS kind, c.id, c.title AS name, c.default_capacity AS capacity
FROM courses c
JOIN course_offers o ON o.course_id = c.id AND o.partnership_id = coalesce(acting_partnership_id(), first_partnership_id())
WHERE c.retired_at IS NULL AND NOT c.bespoke
UNION ALL
SELECT 'venue', id, name || CASE WHEN online THEN ' (online)' ELSE ' (' || capacity || ' places)' END, coalesce(capacity, 0)
FROM venues WHERE retired_at IS NULL AND agency_id IS NULL
UNION ALL
SELECT 'month', 0::bigint, to_char(m, 'YYYY-MM')::text, 0
FROM month WHERE m IS NOT NULL
ORDER BY 1, 3;

-- name: SessionFormChoices :many
-- The courses and venues the session form offers. Not its trainers, who
-- grow with the partnership: the form suggests a few approved for the
-- course (SuggestedTrainers) and finds any other by a typed name.
SELECT 'course'::text AS kind, c.id, c.title AS name, c.default_capacity AS capacity
FROM courses c
JOIN course_offers o ON o.course_id = c.id AND o.partnership_id = coalesce(acting_partnership_id(), first_partnership_id())
WHERE c.retired_at IS NULL AND NOT c.bespoke
UNION ALL
SELECT 'venue', id, name || CASE WHEN online THEN ' (online)' ELSE ' (' || capacity || ' places)' END, coalesce(capacity, 0)
FROM venues WHERE retired_at IS NULL AND agency_id IS NULL
ORDER BY 1, 3;

-- name: SuggestedTrainers :many
-- The first of the trainers the scheduling partnership approves to deliver
-- a course, by name (with their agency), and how many it approves in all.
SELECT u.id, (u.full_name || coalesce(' (' || a.name || ')', ''))::text AS name, count(*) OVER ()::int AS approved
FROM trainer_courses tc
JOIN users u ON u.id = tc.trainer_id
JOIN user_roles r ON r.user_id = u.id AND r.role = 'trainer'
LEFT JOIN agencies a ON a.id = u.agency_id
WHERE tc.course_id = @course_id AND tc.partnership_id = coalesce(acting_partnership_id(), first_partnership_id())
  AND u.erased_at IS NULL
ORDER BY 2, 1
LIMIT @max_rows;

-- name: FindTrainersByName :many
-- Trainers whose name holds the typed text (@pattern, a LIKE pattern in
-- lower case), the one so named first, then those approved for the
-- course, then by name: at most @max_rows. With @own_only, only the
-- partnership's own trainers: those it approves for a course (the
-- programme's filter).
SELECT u.id, (u.full_name || coalesce(' (' || a.name || ')', ''))::text AS name, u.full_name,
       EXISTS (SELECT 1 FROM trainer_courses tc
               WHERE tc.trainer_id = u.id AND tc.course_id = @course_id
                 AND tc.partnership_id = coalesce(acting_partnership_id(), first_partnership_id())) AS approved
FROM user_roles r
JOIN users u ON u.id = r.user_id
LEFT JOIN agencies a ON a.id = u.agency_id
WHERE r.role = 'trainer' AND u.erased_at IS NULL AND lower(u.full_name) LIKE @pattern
  AND (NOT @own_only::boolean OR EXISTS (
        SELECT 1 FROM trainer_courses tc
        WHERE tc.trainer_id = u.id AND tc.partnership_id = coalesce(acting_partnership_id(), first_partnership_id())))
ORDER BY lower(u.full_name) = lower(@exact_name::text) DESC, 4 DESC, 2, 1
LIMIT @max_rows;

-- name: NamedTrainers :many
-- The trainers a form has chosen, by name, and whether each is approved
-- for the course.
SELECT u.id, (u.full_name || coalesce(' (' || a.name || ')', ''))::text AS name,
       EXISTS (SELECT 1 FROM trainer_courses tc
               WHERE tc.trainer_id = u.id AND tc.course_id = @course_id
                 AND tc.partnership_id = coalesce(acting_partnership_id(), first_partnership_id())) AS approved
FROM users u
LEFT JOIN agencies a ON a.id = u.agency_id
WHERE u.id = ANY (@ids::bigint[])
  AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'trainer')
ORDER BY 2, 1;
