-- The demo's prerequisites and prior learning (internal/demo, through
-- prerequisite's AddDemo functions).

-- name: AddDemoPrerequisite :execrows
INSERT INTO course_prerequisites (course_id, requires_course_id, within_months, created_at)
SELECT c.id, r.id, sqlc.narg(within_months), sqlc.arg(now)
FROM courses c, courses r
WHERE c.slug = sqlc.arg(course_slug) AND r.slug = sqlc.arg(requires_slug);

-- name: AddDemoClaim :execrows
INSERT INTO prior_learning_claims (user_id, course_id, completed_on, provider, note, created_at)
SELECT u.id, c.id, sqlc.arg(completed_on), sqlc.arg(provider), sqlc.arg(note), sqlc.arg(now)
FROM users u, courses c
WHERE u.email = sqlc.arg(email) AND c.slug = sqlc.arg(course_slug);
