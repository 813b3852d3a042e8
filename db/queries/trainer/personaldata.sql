-- A trainer's approvals, time off and sessions delivered, for "Download
-- your data", and their erasure (internal/trainer/personaldata.go).

-- name: ExportCourseApprovals :many
-- Each approval names the partnership that gave it: a trainer may be
-- approved for one HIPS course by several.
SELECT c.title, tc.approved_at, p.name AS partnership
FROM trainer_courses tc
JOIN courses c ON c.id = tc.course_id
JOIN partnerships p ON p.id = tc.partnership_id
WHERE tc.trainer_id = @trainer_id
ORDER BY c.title, p.name;

-- name: DeleteCourseApprovalsOf :exec
DELETE FROM trainer_courses WHERE trainer_id = @trainer_id;

-- name: ExportTimeOff :many
SELECT lower(during)::timestamptz AS starts_at, upper(during)::timestamptz AS ends_at, reason, created_at
FROM trainer_commitments
WHERE trainer_id = @trainer_id AND session_id IS NULL
ORDER BY lower(during), id;

-- name: DeleteTimeOffOf :exec
-- An erased person trains no more: their time off goes, reason and all.
DELETE FROM trainer_commitments WHERE trainer_id = @trainer_id AND session_id IS NULL;

-- name: ExportSessionsDelivered :many
SELECT s.course_title, s.starts_at, s.ends_at, s.status
FROM session_trainers st
JOIN sessions s ON s.id = st.session_id
WHERE st.trainer_id = @trainer_id
ORDER BY s.starts_at, s.id;
