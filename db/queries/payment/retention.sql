-- payment's share of the retention schedule (internal/privacy), applied by
-- payment.Retention's cleaners before the bookings they belong to are
-- deleted: at most @max_rows records a batch, skipping rows another
-- transaction holds.

-- name: DeleteChargesOfSessionsBefore :execrows
DELETE FROM charges
WHERE id IN (
    SELECT c.id FROM charges c JOIN bookings b ON b.id = c.booking_id JOIN sessions s ON s.id = b.session_id
    WHERE s.ends_at < @ended_before
    ORDER BY c.id
    LIMIT @max_rows
    FOR UPDATE OF c SKIP LOCKED);

-- name: DeletePaymentsOfSessionsBefore :execrows
DELETE FROM payments
WHERE id IN (
    SELECT p.id FROM payments p JOIN bookings b ON b.id = p.booking_id JOIN sessions s ON s.id = b.session_id
    WHERE s.ends_at < @ended_before
    ORDER BY p.id
    LIMIT @max_rows
    FOR UPDATE OF p SKIP LOCKED);
