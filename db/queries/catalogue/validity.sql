-- A course's validity period and the course that renews it (migration
-- 00038), edited on the course's form (internal/catalogue); the rule that
-- reads them is internal/renewal's.

-- name: CourseValidity :one
SELECT valid_for_months, renewed_by_course_id FROM courses WHERE id = @id;

-- name: SetCourseValidity :exec
UPDATE courses
SET valid_for_months = sqlc.narg(valid_for_months)::int, renewed_by_course_id = sqlc.narg(renewed_by_course_id)::bigint,
    updated_at = @now
WHERE id = @id;

-- name: RenewingCourseChoices :many
-- The courses that can renew another: the catalogue's, not bespoke ones.
SELECT id, title, (retired_at IS NOT NULL)::boolean AS retired
FROM courses
WHERE NOT bespoke
ORDER BY title, id;

-- name: SetDemoCourseValidity :execrows
-- Demo data: a course of the demo catalogue expires after @months.
UPDATE courses SET valid_for_months = @months::int WHERE slug = @slug;
