-- name: SetPrerequisiteOverride :exec
-- Why a training manager booked someone without a prerequisite of the
-- course (the check is internal/prerequisite's).
UPDATE bookings SET prerequisite_override = @reason WHERE id = @id;

-- name: ErasePrerequisiteOverrides :exec
-- Erasure: the reasons given for booking the person without a
-- prerequisite (the part is internal/prerequisite's).
UPDATE bookings SET prerequisite_override = '' WHERE user_id = @user_id AND prerequisite_override <> '';
