-- What the audit log holds about a person, for "Download your data", and
-- its erasure (internal/audit/personaldata.go).

-- name: ExportAuditEvents :many
-- Events the person did, or that were done to their account. The IP address
-- of an event someone else did is that person's, so it is left out.
SELECT e.at, e.action, (e.actor_id IS NOT DISTINCT FROM @user_id::bigint)::boolean AS by_you,
       CASE WHEN e.actor_id IS NULL OR e.actor_id = @user_id::bigint THEN coalesce(host(e.ip), '') ELSE '' END::text AS ip,
       coalesce(a.name, '')::text AS agency_name,
       e.details
FROM audit_events e
LEFT JOIN agencies a ON a.id = e.agency_id
WHERE e.actor_id = @user_id::bigint OR e.subject_user_id = @user_id::bigint
   OR (e.actor_email <> '' AND lower(e.actor_email) = lower(@email::text))
ORDER BY e.at, e.id;

-- name: AnonymiseAuditActorEmail :exec
-- The address typed at failed sign-ins.
UPDATE audit_events
SET actor_email = @erased_address
WHERE lower(actor_email) = lower(@email::text);

-- name: AuditEventsMentioning :many
-- Audit events by or about the person, or whose details name them: their
-- details are cleaned in Go, value by value.
-- theirs: an event about the person (not one they did to someone else,
-- whose reason is kept as that person's record).
SELECT id, details,
       (subject_user_id IS NOT DISTINCT FROM @user_id::bigint
        OR (actor_id IS NOT DISTINCT FROM @user_id::bigint AND subject_user_id IS NULL))::boolean AS theirs
FROM audit_events
WHERE actor_id = @user_id::bigint OR subject_user_id = @user_id::bigint
   OR strpos(lower(details::text), lower(@email::text)) > 0
   OR (length(@name::text) >= 3 AND strpos(lower(details::text), lower(@name::text)) > 0)
FOR UPDATE;

-- name: SetAuditDetails :exec
UPDATE audit_events SET details = @details WHERE id = @id;

-- name: ForgetAuditIPs :exec
-- Who did it stays ("Deleted person"), and what and when; not from where
-- (nor where someone typed their address from).
UPDATE audit_events SET ip = NULL
WHERE ip IS NOT NULL AND (actor_id = @user_id OR (actor_email <> '' AND lower(actor_email) = lower(@email::text)));
