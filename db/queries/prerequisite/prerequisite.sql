-- Prerequisites of courses and prior learning claims (internal/prerequisite).

-- name: GetCourse :one
SELECT id, title, slug, (retired_at IS NOT NULL)::boolean AS retired FROM courses WHERE id = @id;

-- name: ListPrerequisites :many
-- What a course requires, with each required course's title and slug.
SELECT p.requires_course_id, c.title, c.slug, p.within_months
FROM course_prerequisites p
JOIN courses c ON c.id = p.requires_course_id
WHERE p.course_id = @course_id
ORDER BY c.title, c.id;

-- name: CourseChoices :many
-- Every course, for the prerequisite form's list.
SELECT id, title FROM courses WHERE retired_at IS NULL AND NOT bespoke ORDER BY title, id;

-- name: AddPrerequisite :execrows
INSERT INTO course_prerequisites (course_id, requires_course_id, within_months, created_at)
VALUES (sqlc.arg(course_id), sqlc.arg(requires_course_id), sqlc.narg(within_months), sqlc.arg(now))
ON CONFLICT (course_id, requires_course_id) DO UPDATE SET within_months = EXCLUDED.within_months;

-- name: RemovePrerequisite :execrows
DELETE FROM course_prerequisites WHERE course_id = @course_id AND requires_course_id = @requires_course_id;

-- name: MissingPrerequisites :many
-- The prerequisites of a course that the person's training record does not
-- meet for a session starting at the reference time: a place marked
-- attended or late on a session of the required course that ended by now
-- and within the months before the reference time, or a confirmed claim
-- with its completion date (a London date) in that window. The record is
-- the person's with every partnership, and a required course may be
-- another partnership's (migration 00057).
SELECT p.requires_course_id, course_title(p.requires_course_id)::text AS title,
       course_slug(p.requires_course_id)::text AS slug, p.within_months
FROM course_prerequisites p
WHERE p.course_id = sqlc.arg(course_id)
  AND NOT has_completed(sqlc.arg(user_id)::bigint, p.requires_course_id, p.within_months,
                        sqlc.arg(ref)::timestamptz, sqlc.arg(now)::timestamptz)
ORDER BY 2, 1;

-- name: SessionCourse :one
SELECT course_id, starts_at FROM sessions WHERE id = @id;

-- name: InsertClaim :one
INSERT INTO prior_learning_claims (user_id, course_id, completed_on, provider, note, created_at)
VALUES (@user_id, @course_id, @completed_on, @provider, @note, @now)
RETURNING id;

-- name: GetClaim :one
SELECT l.id, l.user_id, l.course_id, l.completed_on, l.provider, l.note, l.status, l.decided_at, l.reject_reason,
       l.created_at, c.title AS course_title, c.slug AS course_slug, u.full_name, u.email::text AS email, (u.erased_at IS NOT NULL)::boolean AS erased,
       c.partnership_id, p.name AS partnership_name, p.email AS partnership_email, p.phone AS partnership_phone,
       p.configured AS partnership_configured
FROM prior_learning_claims l
JOIN courses c ON c.id = l.course_id
JOIN partnerships p ON p.id = c.partnership_id
JOIN users u ON u.id = l.user_id
WHERE l.id = @id;

-- name: DecideClaim :one
-- Decides a pending claim; no row when it was already decided.
UPDATE prior_learning_claims
SET status = @status, decided_by = @decided_by, decided_at = @now, reject_reason = @reject_reason
WHERE id = @id AND status = 'pending'
RETURNING id;

-- name: CountPendingClaims :one
SELECT count(*) FROM prior_learning_claims WHERE status = 'pending';

-- name: PendingClaims :many
-- Oldest first, a page at a time.
SELECT l.id, l.user_id, l.completed_on, l.provider, l.note, l.created_at, c.title AS course_title,
       u.full_name, u.email::text AS email, a.name AS agency_name
FROM prior_learning_claims l
JOIN courses c ON c.id = l.course_id
JOIN users u ON u.id = l.user_id
LEFT JOIN agencies a ON a.id = u.agency_id
WHERE l.status = 'pending'
ORDER BY l.created_at, l.id
LIMIT @max_rows OFFSET @skip_rows;

-- name: ClaimsOf :many
SELECT l.id, l.course_id, l.completed_on, l.provider, l.note, l.status, l.decided_at, l.reject_reason, l.created_at,
       c.title AS course_title, c.slug AS course_slug
FROM prior_learning_claims l
JOIN courses c ON c.id = l.course_id
WHERE l.user_id = @user_id
ORDER BY l.created_at DESC, l.id DESC;

-- name: EraseClaims :exec
DELETE FROM prior_learning_claims WHERE user_id = @user_id;

-- name: ExportOverrides :many
SELECT b.id, c.title AS course_title, s.starts_at, b.prerequisite_override
FROM bookings b
JOIN sessions s ON s.id = b.session_id
JOIN courses c ON c.id = s.course_id
WHERE b.user_id = @user_id AND b.prerequisite_override <> ''
ORDER BY s.starts_at, b.id;

-- name: DeleteRejectedClaims :execrows
-- Rejected claims a year after they were decided.
DELETE FROM prior_learning_claims
WHERE id IN (
    SELECT x.id FROM prior_learning_claims x
    WHERE x.status = 'rejected' AND x.decided_at < @before
    LIMIT @max_rows);
