-- The retention schedule's rules still applied by internal/privacy itself,
-- on records of payments, charges and trainers' time off, until
-- their owners have blocks of their own and apply them as the others do
-- (privacy.Cleaner). Each query handles at most @max_rows records, so a rule
-- runs in short transactions, and skips rows another transaction holds (the
-- next batch or the next day takes them).

-- name: ClearPastTimeOffReasons :execrows
UPDATE trainer_commitments SET reason = ''
WHERE id IN (
    SELECT t.id FROM trainer_commitments t
    WHERE t.session_id IS NULL AND t.reason <> '' AND upper(t.during) <= @now::timestamptz
    ORDER BY t.id
    LIMIT @max_rows
    FOR UPDATE SKIP LOCKED);

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
