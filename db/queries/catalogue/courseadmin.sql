-- Courses as the training manager keeps them, retired ones too.

-- name: ListCoursesForAdmin :many
-- Every course the manager may see, retired ones too: their partnership's
-- own, those it offers and the shared ones it could offer (row-level
-- security decides). Whether it is the manager's partnership's own, and
-- whether that partnership offers it; outside a manager's request every
-- course is its owner's. How many sessions of each are still to come is
-- CountUpcomingSessions, which ManagedCourses keeps between changes.
SELECT c.id, c.slug, c.title, c.level, c.duration, c.delivery_modes, c.default_capacity, c.retired_at, c.shared,
       (c.partnership_id = coalesce(acting_partnership_id(), c.partnership_id))::boolean AS owned,
       EXISTS (SELECT FROM course_offers o
               WHERE o.course_id = c.id AND o.partnership_id = coalesce(acting_partnership_id(), c.partnership_id)) AS offered,
       p.short_name AS owner_name
FROM courses c
JOIN partnerships p ON p.id = c.partnership_id
WHERE NOT c.bespoke -- made for one request; never edited here
ORDER BY lower(c.title), c.id;

-- name: CountUpcomingSessions :many
-- How many sessions of each course are still to come (not cancelled), of
-- those row-level security shows, and when the first of them starts (the
-- counts change then); a course with none has no row. It reads every such
-- session (through sessions_course_starts_idx), a hundred times as many in
-- a hundredfold partnership, so ManagedCourses keeps its answer.
SELECT c.id::bigint AS course_id, n.sessions::bigint AS sessions, n.first_starts_at::timestamptz AS first_starts_at
FROM unnest(@course_ids::bigint[]) AS c(id)
CROSS JOIN LATERAL (
    SELECT count(*) AS sessions, min(s.starts_at) AS first_starts_at
    FROM sessions s
    WHERE s.course_id = c.id AND s.starts_at > @now::timestamptz AND s.status <> 'cancelled'
    HAVING count(*) > 0
) n;

-- name: GetCourseForAdmin :one
SELECT c.id, c.slug, c.title, c.summary, c.description, c.learning_outcomes, c.audience_description, c.audiences,
       c.level, c.duration, c.delivery_modes, c.default_capacity, c.retired_at, c.shared,
       (c.partnership_id = coalesce(acting_partnership_id(), c.partnership_id))::boolean AS owned,
       EXISTS (SELECT FROM course_offers o
               WHERE o.course_id = c.id AND o.partnership_id = coalesce(acting_partnership_id(), c.partnership_id)) AS offered,
       p.name AS owner_name
FROM courses c
JOIN partnerships p ON p.id = c.partnership_id
WHERE c.id = @id;

-- name: SetCourseShared :execrows
-- Whether other partnerships may offer the course (00054's trigger refuses
-- to stop while another offers it).
UPDATE courses SET shared = @shared, updated_at = @now WHERE id = @id AND shared <> @shared;

-- name: OfferCourse :execrows
-- The acting manager's partnership offers a shared course (00054's trigger
-- refuses a course that is not shared).
INSERT INTO course_offers (course_id, partnership_id)
SELECT c.id, acting_partnership_id() FROM courses c WHERE c.id = @id AND NOT c.bespoke AND c.retired_at IS NULL
ON CONFLICT DO NOTHING;

-- name: WithdrawCourseOffer :execrows
-- The acting manager's partnership stops offering another's course (the
-- sessions' foreign key refuses while it has any).
DELETE FROM course_offers
WHERE course_id = @id AND partnership_id = acting_partnership_id();

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
