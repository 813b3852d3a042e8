-- audit.Record's copy of InsertAuditEvent (db/queries/audit/audit.sql), for
-- the callers that still pass a *dbsqlc.Queries rather than their
-- transaction to audit.RecordTx. Delete it with audit.Record.

-- name: InsertAuditEvent :exec
INSERT INTO audit_events (at, actor_id, actor_email, action, subject_user_id, agency_id, details, ip)
VALUES (@at, sqlc.narg(actor_id), @actor_email, @action, sqlc.narg(subject_user_id), sqlc.narg(agency_id), @details, sqlc.narg(ip));

