-- Courses as the training manager keeps them, retired ones too.

-- name: ListCoursesForAdmin :many
-- Every course, retired ones too, with how many sessions of it are still to
-- come (not cancelled).
SELECT c.id, c.slug, c.title, c.level, c.duration, c.delivery_modes, c.default_capacity, c.retired_at,
       (SELECT count(*) FROM sessions s
        WHERE s.course_id = c.id AND s.starts_at > @now::timestamptz AND s.status <> 'cancelled') AS upcoming_sessions
FROM courses c
WHERE NOT c.bespoke -- made for one request; never edited here
ORDER BY lower(c.title), c.id;

-- name: GetCourseForAdmin :one
SELECT id, slug, title, summary, description, learning_outcomes, audience_description, audiences,
       level, duration, delivery_modes, default_capacity, retired_at
FROM courses
WHERE id = @id;

-- name: LockCourse :one
SELECT id, slug, title, summary, description, learning_outcomes, audience_description, audiences,
       level, duration, delivery_modes, default_capacity, retired_at
FROM courses
WHERE id = @id
FOR UPDATE;

-- name: CourseSlugTaken :one
-- Whether another course has @slug (courses_slug_key has the last word when
-- two requests race).
SELECT EXISTS (SELECT 1 FROM courses WHERE slug = @slug::text AND id <> @except_id);

-- name: CreateCourse :one
INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences,
                     level, duration, delivery_modes, default_capacity, created_at, updated_at)
VALUES (@slug, @title, @summary, @description, @learning_outcomes::text[], @audience_description,
        @audiences::text[], @level, @duration, @delivery_modes::text[], @default_capacity, @now, @now)
RETURNING id;

-- name: CreateBespokeCourse :one
-- A course made for one agency's request for bespoke training: hidden from
-- the catalogue, its sessions closed to that agency.
INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences,
                     level, duration, delivery_modes, default_capacity, bespoke, created_at, updated_at)
VALUES (@slug, @title, @summary, @description, @learning_outcomes::text[], @audience_description,
        @audiences::text[], @level, @duration, @delivery_modes::text[], @default_capacity, true, @now, @now)
RETURNING id;

-- name: UpdateCourse :exec
-- Sessions keep the course title they were scheduled with: nothing here
-- touches them.
UPDATE courses
SET slug = @slug, title = @title, summary = @summary, description = @description,
    learning_outcomes = @learning_outcomes::text[], audience_description = @audience_description,
    audiences = @audiences::text[], level = @level, duration = @duration,
    delivery_modes = @delivery_modes::text[], default_capacity = @default_capacity, updated_at = @now
WHERE id = @id;

-- name: SetCourseRetired :exec
UPDATE courses SET retired_at = sqlc.narg(retired_at), updated_at = @now WHERE id = @id;
