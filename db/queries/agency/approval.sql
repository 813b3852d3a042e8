-- An agency's line-manager approval setting (internal/agency/approval.go;
-- internal/booking applies it).

-- name: GetApprovalSetting :one
SELECT line_manager_approval, approval_hours FROM agencies WHERE id = @id;

-- name: LockApprovalSetting :one
SELECT line_manager_approval, approval_hours FROM agencies WHERE id = @id FOR UPDATE;

-- name: SetApprovalSetting :exec
UPDATE agencies
SET line_manager_approval = @line_manager_approval, approval_hours = @approval_hours, updated_at = @now
WHERE id = @id;
