-- What cancelling a session would do to its people and their money, for the
-- page that asks the manager to confirm.

-- name: SessionCancellationCounts :one
-- Everyone with a live claim is told; a card payment made is refunded in
-- full (none is late when the partnership cancels); a place on the agency's
-- invoice not yet billed is not billed; one already invoiced stays so.
SELECT count(*) FILTER (WHERE b.status = 'confirmed')::int AS booked,
       count(*) FILTER (WHERE b.status IN ('held', 'awaiting_approval'))::int AS held,
       count(*) FILTER (WHERE b.status = 'offered')::int AS offered,
       count(*) FILTER (WHERE b.status = 'waiting')::int AS waiting,
       count(p.id) FILTER (WHERE p.method = 'card' AND p.status = 'paid' AND p.refund_requested_at IS NULL)::int AS refunds,
       coalesce(sum(p.amount_pence) FILTER (
           WHERE p.method = 'card' AND p.status = 'paid' AND p.refund_requested_at IS NULL), 0)::bigint AS refund_pence,
       count(p.id) FILTER (WHERE p.method = 'invoice' AND p.status = 'pending')::int AS not_invoiced,
       count(p.id) FILTER (WHERE p.method = 'invoice' AND p.status = 'invoiced')::int AS invoiced
FROM bookings b
LEFT JOIN payments p ON p.booking_id = b.id AND p.status IN ('pending', 'invoiced', 'paid')
WHERE b.session_id = @session_id AND b.status IN ('held', 'waiting', 'offered', 'confirmed', 'awaiting_approval');
