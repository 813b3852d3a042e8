-- The partnership's evaluation settings (internal/evaluation): one row.

-- name: Settings :one
SELECT reminder_days, close_days, follow_up_weeks, follow_up_close_days, certificate_needs_evaluation,
       updated_at
FROM evaluation_settings;

-- name: SettingsForUpdate :one
SELECT reminder_days, close_days, follow_up_weeks, follow_up_close_days, certificate_needs_evaluation,
       updated_at
FROM evaluation_settings
FOR UPDATE;

-- name: SaveSettings :exec
UPDATE evaluation_settings
SET reminder_days = @reminder_days, close_days = @close_days, follow_up_weeks = @follow_up_weeks,
    follow_up_close_days = @follow_up_close_days, certificate_needs_evaluation = @certificate_needs_evaluation,
    updated_at = @now;
