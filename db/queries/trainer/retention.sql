-- trainer's share of the retention schedule (internal/privacy), applied by
-- trainer.Retention's cleaner: at most @max_rows records a batch, skipping
-- rows another transaction holds.

-- name: ClearPastTimeOffReasons :execrows
UPDATE trainer_commitments SET reason = ''
WHERE id IN (
    SELECT t.id FROM trainer_commitments t
    WHERE t.session_id IS NULL AND t.reason <> '' AND upper(t.during) <= @now::timestamptz
    ORDER BY t.id
    LIMIT @max_rows
    FOR UPDATE SKIP LOCKED);
