-- The audit log.

-- name: InsertAuditEvent :exec
INSERT INTO audit_events (at, actor_id, actor_email, action, subject_user_id, agency_id, details, ip)
VALUES (@at, sqlc.narg(actor_id), @actor_email, @action, sqlc.narg(subject_user_id), sqlc.narg(agency_id), @details, sqlc.narg(ip));

-- name: ListAuditEvents :many
SELECT e.id, e.at, e.actor_id, e.actor_email, e.action, e.subject_user_id, e.agency_id, e.details, coalesce(host(e.ip), '')::text AS ip,
       coalesce(actor.full_name, '')::text AS actor_name,
       coalesce(subject.full_name, '')::text AS subject_name,
       coalesce(a.name, '')::text AS agency_name
FROM audit_events e
LEFT JOIN users actor ON actor.id = e.actor_id
LEFT JOIN users subject ON subject.id = e.subject_user_id
LEFT JOIN agencies a ON a.id = e.agency_id
WHERE (@action::text = '' OR e.action = @action)
  AND (sqlc.narg(user_id)::bigint IS NULL OR e.actor_id = sqlc.narg(user_id) OR e.subject_user_id = sqlc.narg(user_id))
  AND (sqlc.narg(from_at)::timestamptz IS NULL OR e.at >= sqlc.narg(from_at))
  AND (sqlc.narg(to_at)::timestamptz IS NULL OR e.at < sqlc.narg(to_at))
ORDER BY e.at DESC, e.id DESC
LIMIT @max_rows OFFSET @skip_rows;

-- name: CountAuditEvents :one
-- Counted only up to @count_limit: the log says "more than" beyond it, so a
-- page costs the same however long the log grows.
SELECT count(*) FROM (
    SELECT 1
    FROM audit_events e
    WHERE (@action::text = '' OR e.action = @action)
      AND (sqlc.narg(user_id)::bigint IS NULL OR e.actor_id = sqlc.narg(user_id) OR e.subject_user_id = sqlc.narg(user_id))
      AND (sqlc.narg(from_at)::timestamptz IS NULL OR e.at >= sqlc.narg(from_at))
      AND (sqlc.narg(to_at)::timestamptz IS NULL OR e.at < sqlc.narg(to_at))
    ORDER BY e.at DESC, e.id DESC -- the log's index, never the table
    LIMIT @count_limit) counted;

-- name: InsertViewEvent :exec
-- A look at personal data. details.people lists everyone it showed: those
-- named, and the people of the bookings shown, as they were at that moment.
INSERT INTO audit_events (at, actor_id, action, subject_user_id, agency_id, details, ip)
VALUES (@at, @actor_id, 'personal_data_viewed', sqlc.narg(subject_user_id), sqlc.narg(agency_id),
        @details::jsonb || jsonb_build_object('people', coalesce((
            SELECT jsonb_agg(p.id ORDER BY p.id) FROM (
                SELECT unnest(@people::bigint[]) AS id
                UNION
                SELECT b.user_id FROM bookings b WHERE b.id = ANY(@booking_ids::bigint[])) p), '[]'::jsonb)),
        sqlc.narg(ip));

-- name: ListViewsOf :many
-- Every view of personal data that showed the person, by someone else.
SELECT e.at, e.details, coalesce(actor.full_name, '')::text AS actor_name
FROM audit_events e
LEFT JOIN users actor ON actor.id = e.actor_id
WHERE e.action = 'personal_data_viewed'
  AND (e.subject_user_id = @person_id::bigint OR e.details -> 'people' @> to_jsonb(@person_id::bigint))
  AND e.actor_id IS DISTINCT FROM @person_id
ORDER BY e.at DESC, e.id DESC;
