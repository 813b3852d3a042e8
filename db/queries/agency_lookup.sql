-- scheduling's look-up of an agency, until it asks internal/agency.

-- name: AgencyExists :one
SELECT EXISTS (SELECT 1 FROM agencies WHERE id = @id AND retired_at IS NULL);

