-- The retention schedule's rules on bookings, still applied by
-- internal/privacy itself until booking has a block of its own and applies
-- them as the others do (privacy.Cleaner). Each query handles at most
-- @max_rows records, so a rule runs in short transactions, and skips rows
-- another transaction holds (the next batch or the next day takes them).

-- name: ClearNeedsOfPastSessions :execrows
UPDATE bookings SET access_needs = '', dietary_needs = '', updated_at = @now
WHERE id IN (
    SELECT b.id FROM bookings b JOIN sessions s ON s.id = b.session_id
    WHERE s.ends_at < @ended_before AND (b.access_needs <> '' OR b.dietary_needs <> '')
    ORDER BY b.id
    LIMIT @max_rows
    FOR UPDATE OF b SKIP LOCKED);

-- name: ClearLineManagersOfPastSessions :execrows
UPDATE bookings SET line_manager_name = '', line_manager_email = '', updated_at = @now
WHERE id IN (
    SELECT b.id FROM bookings b JOIN sessions s ON s.id = b.session_id
    WHERE s.ends_at < @ended_before AND (b.line_manager_name <> '' OR b.line_manager_email <> '')
    ORDER BY b.id
    LIMIT @max_rows
    FOR UPDATE OF b SKIP LOCKED);

-- name: ListBookingsOfSessionsBefore :many
-- Bookings whose payments and charges have gone already (the payments rule
-- runs first).
SELECT b.id FROM bookings b JOIN sessions s ON s.id = b.session_id
WHERE s.ends_at < @ended_before
  AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.booking_id = b.id)
  AND NOT EXISTS (SELECT 1 FROM charges c WHERE c.booking_id = b.id)
ORDER BY b.id
LIMIT @max_rows
FOR UPDATE OF b SKIP LOCKED;

-- name: UnlinkReplacedBookings :exec
UPDATE bookings SET replaced_by = NULL WHERE replaced_by = ANY(@booking_ids::bigint[]);

-- name: DeleteBookings :execrows
DELETE FROM bookings WHERE id = ANY(@booking_ids::bigint[]);
