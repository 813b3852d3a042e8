-- name: ListPartnerships :many
-- Every partnership, the first (the deployment's own) first.
SELECT id, slug, name, short_name, coalesce(host, '')::text AS host, email, phone
FROM partnerships
ORDER BY id;

-- name: NameFirstFromConfig :execrows
-- Names the first partnership as the configuration does, while it is named
-- by the configuration (configured).
UPDATE partnerships
SET name = @name, email = @email, phone = @phone, updated_at = now()
WHERE id = (SELECT min(id) FROM partnerships) AND configured
  AND (name, email, phone) IS DISTINCT FROM (@name::text, @email::text, @phone::text);
