-- A course's fair-places defaults: what a new session of it starts from.

-- name: LockCourseCaps :one
SELECT id, title, default_capacity, default_agency_cap, default_sector_cap, default_cap_release_days, retired_at
FROM courses WHERE id = @id AND NOT bespoke
FOR UPDATE;

-- name: GetCourseCaps :one
SELECT id, title, default_capacity, default_agency_cap, default_sector_cap, default_cap_release_days, retired_at
FROM courses WHERE id = @id AND NOT bespoke;

-- name: SetCourseCaps :exec
UPDATE courses
SET default_agency_cap = sqlc.narg(default_agency_cap), default_sector_cap = sqlc.narg(default_sector_cap),
    default_cap_release_days = @default_cap_release_days, updated_at = @now
WHERE id = @id;
