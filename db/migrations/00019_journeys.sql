-- Practitioners' journeys: the line manager a person gave at their last
-- booking, kept on their profile so the next booking form is filled in.

-- +goose Up
ALTER TABLE users
    ADD COLUMN line_manager_name  text   NOT NULL DEFAULT '' CHECK (length(line_manager_name) <= 200),
    ADD COLUMN line_manager_email citext NOT NULL DEFAULT '' CHECK (length(line_manager_email) <= 254);
COMMENT ON COLUMN users.line_manager_name IS 'personal: the person''s line manager''s name, from their last booking or their profile';
COMMENT ON COLUMN users.line_manager_email IS 'personal: the person''s line manager''s email address, from their last booking or their profile';

-- +goose Down
ALTER TABLE users
    DROP COLUMN line_manager_name,
    DROP COLUMN line_manager_email;
