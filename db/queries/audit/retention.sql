-- Audit events the retention schedule (internal/privacy) deletes
-- (internal/audit/retention.go).

-- name: DeleteAuditEventsBatch :execrows
DELETE FROM audit_events
WHERE id IN (
    SELECT e.id FROM audit_events e WHERE e.at < @before
    ORDER BY e.id
    LIMIT @max_rows
    FOR UPDATE SKIP LOCKED);
