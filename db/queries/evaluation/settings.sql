-- Each partnership's evaluation settings (internal/evaluation): one row
-- each. The manager's pages read their partnership's (the first's outside a
-- manager's request); a place is evaluated by its session's partnership's.

-- name: Settings :one
SELECT reminder_days, close_days, follow_up_weeks, follow_up_close_days, certificate_needs_evaluation,
       updated_at
FROM evaluation_settings
WHERE partnership_id = coalesce(acting_partnership_id(), first_partnership_id());

-- name: SettingsOfBooking :one
-- The settings of the place's session's partnership.
SELECT st.reminder_days, st.close_days, st.follow_up_weeks, st.follow_up_close_days, st.certificate_needs_evaluation,
       st.updated_at
FROM bookings b
JOIN sessions s ON s.id = b.session_id
JOIN evaluation_settings st ON st.partnership_id = s.partnership_id
WHERE b.id = @booking_id;

-- name: SettingsForUpdate :one
SELECT reminder_days, close_days, follow_up_weeks, follow_up_close_days, certificate_needs_evaluation,
       updated_at
FROM evaluation_settings
WHERE partnership_id = coalesce(acting_partnership_id(), first_partnership_id())
FOR UPDATE;

-- name: SaveSettings :exec
UPDATE evaluation_settings
SET reminder_days = @reminder_days, close_days = @close_days, follow_up_weeks = @follow_up_weeks,
    follow_up_close_days = @follow_up_close_days, certificate_needs_evaluation = @certificate_needs_evaluation,
    updated_at = @now
WHERE partnership_id = coalesce(acting_partnership_id(), first_partnership_id());
