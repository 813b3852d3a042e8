-- The manager's programme: its filters and the choices of its forms.

-- name: ProgrammeMonths :many
-- Every month (in London) that has a session, for the programme's filter.
SELECT DISTINCT to_char(s.starts_at AT TIME ZONE 'Europe/London', 'YYYY-MM')::text AS month
FROM sessions s
ORDER BY 1;

-- name: ApprovedTrainerIDs :many
-- The trainers approved to deliver a course.
SELECT tc.trainer_id FROM trainer_courses tc WHERE tc.course_id = @course_id;
