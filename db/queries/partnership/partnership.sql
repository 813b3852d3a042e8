-- name: ListPartnerships :many
-- Every partnership, the first (the deployment's own) first.
SELECT id, slug, name, short_name, coalesce(host, '')::text AS host, email, phone, shares_figures
FROM partnerships
ORDER BY id;

-- name: LockPartnership :one
SELECT id, name, short_name, email, phone, shares_figures FROM partnerships WHERE id = @id FOR UPDATE;

-- name: UpdatePartnership :exec
-- Its managers' details for it: from now on the service names it, not the
-- configuration.
UPDATE partnerships
SET name = @name, short_name = @short_name, email = @email, phone = @phone, shares_figures = @shares_figures,
    configured = false, updated_at = now()
WHERE id = @id;

-- name: NameFirstFromConfig :execrows
-- Names the first partnership as the configuration does, while it is named
-- by the configuration (configured).
UPDATE partnerships
SET name = @name, email = @email, phone = @phone, updated_at = now()
WHERE id = (SELECT min(id) FROM partnerships) AND configured
  AND (name, email, phone) IS DISTINCT FROM (@name::text, @email::text, @phone::text);
