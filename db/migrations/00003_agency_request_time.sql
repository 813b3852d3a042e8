-- When a person asked to change agency, so that training managers and agency
-- coordinators see the waiting requests oldest first, with their date.

-- +goose Up
ALTER TABLE users ADD COLUMN agency_requested_at timestamptz;
UPDATE users SET agency_requested_at = updated_at WHERE requested_agency_id IS NOT NULL;

-- +goose Down
ALTER TABLE users DROP COLUMN agency_requested_at;
