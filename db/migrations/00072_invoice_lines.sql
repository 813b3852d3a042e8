-- Invoicing's lines, kept (issue 21).
--
-- The invoicing page gave each state's rows (to invoice, awaiting payment)
-- a page at a time, each with its payer's count and total and the state's,
-- over every page. To do so it read every line of the state from charges and
-- payments, and for each looked up its booking (its session, its start, its
-- attendance, its agency) and its session (whether cancelled): 777 and 1,545
-- lines at 100x, 19 ms of SQL a page. invoice_lines holds each line of either
-- state already joined: who pays (the kind of payer and the agency invoiced;
-- a person's or organisation's name stays on the payment, personal data
-- kept in one place), the session and its start, the amount, and from when
-- it is due. The page reads these narrow rows through one index, no other
-- table but agencies (by id) and, for payers who are not an agency, their
-- payment, and joins the rest for its page's rows only.
--
-- A place on invoice is to be invoiced once its session has begun: the line
-- holds that moment (due_at; -infinity for a charge or a line awaiting
-- payment) and the list reads the lines due at the time it is asked.
--
-- invoice_lines_fresh says what the lines are from the tables themselves;
-- invoice_lines_refresh sets a booking's kept lines to it. Triggers call it
-- wherever a line can change:
--   - a charge made, changed (status, billing, reference, amount, booking)
--     or deleted;
--   - a place on invoice made, changed (status, billing, payer, amount,
--     method, booking, session's start) or deleted;
--   - a booking's attendance, agency, session, session's start or
--     partnership changed;
--   - a session cancelled (or its cancellation undone).
-- An agency renamed needs nothing: the list reads its name by id.
-- Refreshes of one booking take turns on an advisory lock, and each reads
-- the tables after it has the lock (a statement's own snapshot under READ
-- COMMITTED), so two transactions changing a booking's rows at once cannot
-- leave a line as neither of them saw it.
--
-- internal/growth fills the tables with row triggers off, so it fills the
-- lines itself.

-- +goose Up
CREATE TABLE invoice_lines (
    row_kind       text        NOT NULL CHECK (row_kind IN ('charge', 'place')),
    id             bigint      NOT NULL, -- the charge's or the payment's
    booking_id     bigint      NOT NULL REFERENCES bookings ON DELETE CASCADE,
    partnership_id bigint      NOT NULL REFERENCES partnerships,
    state          text        NOT NULL CHECK (state IN ('to_invoice', 'invoiced')),
    payer          text        NOT NULL CHECK (payer IN ('agency', 'organisation', 'person')),
    -- The agency invoiced (a charge's agency; a place's booking's, when the
    -- agency pays); derived from rows that refer to agencies, so no key here.
    agency_id      bigint,
    session_id     bigint      NOT NULL,
    starts_at      timestamptz NOT NULL,
    due_at         timestamptz NOT NULL,
    amount_pence   integer     NOT NULL,
    PRIMARY KEY (row_kind, id)
);
COMMENT ON TABLE invoice_lines IS
    'The lines of invoicing by hand, to invoice and awaiting payment, kept by the triggers of migration 00072';
COMMENT ON COLUMN invoice_lines.due_at IS
    'When a place on invoice is to be invoiced (its session''s start); -infinity for every other line';

-- The list: a state's lines due by a time, with what its payers' totals and
-- its order read, without the table.
CREATE INDEX invoice_lines_list ON invoice_lines (state, due_at)
    INCLUDE (row_kind, id, payer, agency_id, session_id, starts_at, amount_pence, partnership_id);
CREATE INDEX invoice_lines_booking ON invoice_lines (booking_id);
CREATE INDEX invoice_lines_partnership ON invoice_lines (partnership_id);

-- What the lines are, from the tables: InvoicingRows' rules (internal/payment)
-- but for the time a place is due and whether Stripe is online, which the
-- list applies as it reads.
CREATE VIEW invoice_lines_fresh AS
SELECT 'charge'::text AS row_kind, ch.id, ch.booking_id, ch.partnership_id,
       (CASE WHEN ch.status = 'proposed' THEN 'to_invoice' ELSE 'invoiced' END)::text AS state,
       'agency'::text AS payer, ch.agency_id, b.session_id, b.session_starts_at AS starts_at,
       '-infinity'::timestamptz AS due_at, ch.amount_pence
FROM charges ch
JOIN bookings b ON b.id = ch.booking_id
WHERE (ch.status = 'proposed' AND ch.billing_batch IS NULL AND ch.stripe_invoice_id IS NULL
       AND (ch.kind <> 'non_attendance' OR b.attendance = 'absent'))
   OR (ch.status = 'invoiced' AND ch.invoice_reference IS NOT NULL)
UNION ALL
SELECT 'place'::text, p.id, p.booking_id, p.partnership_id,
       (CASE WHEN p.status = 'pending' THEN 'to_invoice' ELSE 'invoiced' END)::text,
       p.payer, CASE WHEN p.payer = 'agency' THEN b.agency_id END, b.session_id, b.session_starts_at,
       CASE WHEN p.status = 'pending' THEN p.session_starts_at ELSE '-infinity'::timestamptz END, p.amount_pence
FROM payments p
JOIN bookings b ON b.id = p.booking_id
JOIN sessions s ON s.id = b.session_id
WHERE p.method = 'invoice'
  AND ((p.status = 'pending' AND p.billing_batch IS NULL AND p.stripe_invoice_id IS NULL
        AND (p.payer <> 'agency' OR b.agency_id IS NOT NULL) AND s.status <> 'cancelled')
       OR (p.status = 'invoiced' AND p.invoice_reference IS NOT NULL));

-- +goose StatementBegin
-- Sets the kept lines of bookings to what they are. It runs as the service:
-- the lines must not depend on what the statement's manager may see.
CREATE FUNCTION invoice_lines_refresh(bookings bigint[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('invoice-lines:' || b, 0))
    FROM (SELECT DISTINCT b FROM unnest(bookings) b WHERE b IS NOT NULL ORDER BY b) t;
    INSERT INTO invoice_lines (row_kind, id, booking_id, partnership_id, state, payer, agency_id, session_id,
                               starts_at, due_at, amount_pence)
    SELECT f.row_kind, f.id, f.booking_id, f.partnership_id, f.state, f.payer, f.agency_id, f.session_id,
           f.starts_at, f.due_at, f.amount_pence
    FROM invoice_lines_fresh f WHERE f.booking_id = ANY(bookings)
    ON CONFLICT (row_kind, id) DO UPDATE
    SET booking_id = EXCLUDED.booking_id, partnership_id = EXCLUDED.partnership_id, state = EXCLUDED.state,
        payer = EXCLUDED.payer, agency_id = EXCLUDED.agency_id, session_id = EXCLUDED.session_id,
        starts_at = EXCLUDED.starts_at, due_at = EXCLUDED.due_at, amount_pence = EXCLUDED.amount_pence;
    DELETE FROM invoice_lines l
    WHERE l.booking_id = ANY(bookings)
      AND NOT EXISTS (SELECT FROM invoice_lines_fresh f
                      WHERE f.booking_id = l.booking_id AND f.row_kind = l.row_kind AND f.id = l.id);
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION invoice_lines_follow() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    CASE TG_TABLE_NAME
    WHEN 'sessions' THEN
        PERFORM invoice_lines_refresh(ARRAY(SELECT b.id FROM bookings b WHERE b.session_id = NEW.id));
    WHEN 'bookings' THEN
        PERFORM invoice_lines_refresh(ARRAY[OLD.id, NEW.id]);
    ELSE -- charges, payments
        CASE TG_OP
        WHEN 'INSERT' THEN PERFORM invoice_lines_refresh(ARRAY[NEW.booking_id]);
        WHEN 'DELETE' THEN PERFORM invoice_lines_refresh(ARRAY[OLD.booking_id]);
        ELSE PERFORM invoice_lines_refresh(ARRAY[OLD.booking_id, NEW.booking_id]);
        END CASE;
    END CASE;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER charges_invoice_lines AFTER INSERT OR DELETE OR UPDATE ON charges
    FOR EACH ROW EXECUTE FUNCTION invoice_lines_follow();
-- Places paid by card are never lines: a booking paid by card costs no
-- look-up.
CREATE TRIGGER payments_invoice_lines_insert AFTER INSERT ON payments
    FOR EACH ROW WHEN (NEW.method = 'invoice') EXECUTE FUNCTION invoice_lines_follow();
CREATE TRIGGER payments_invoice_lines_update AFTER UPDATE ON payments
    FOR EACH ROW WHEN (OLD.method = 'invoice' OR NEW.method = 'invoice') EXECUTE FUNCTION invoice_lines_follow();
CREATE TRIGGER payments_invoice_lines_delete AFTER DELETE ON payments
    FOR EACH ROW WHEN (OLD.method = 'invoice') EXECUTE FUNCTION invoice_lines_follow();
CREATE TRIGGER bookings_invoice_lines AFTER UPDATE OF attendance, agency_id, session_id, session_starts_at, partnership_id
    ON bookings FOR EACH ROW
    WHEN (OLD.attendance IS DISTINCT FROM NEW.attendance OR OLD.agency_id IS DISTINCT FROM NEW.agency_id
          OR OLD.session_id IS DISTINCT FROM NEW.session_id OR OLD.session_starts_at IS DISTINCT FROM NEW.session_starts_at
          OR OLD.partnership_id IS DISTINCT FROM NEW.partnership_id)
    EXECUTE FUNCTION invoice_lines_follow();
CREATE TRIGGER sessions_invoice_lines AFTER UPDATE OF status ON sessions
    FOR EACH ROW WHEN ((OLD.status = 'cancelled') <> (NEW.status = 'cancelled'))
    EXECUTE FUNCTION invoice_lines_follow();

INSERT INTO invoice_lines (row_kind, id, booking_id, partnership_id, state, payer, agency_id, session_id, starts_at,
                           due_at, amount_pence)
SELECT row_kind, id, booking_id, partnership_id, state, payer, agency_id, session_id, starts_at, due_at, amount_pence
FROM invoice_lines_fresh;

-- A manager's lines are their partnership's, as their charges and payments
-- are (migrations 00049, 00067).
ALTER TABLE invoice_lines ENABLE ROW LEVEL SECURITY;
CREATE POLICY service ON invoice_lines USING (NOT in_manager_scope()) WITH CHECK (NOT in_manager_scope());
CREATE POLICY own_partnership ON invoice_lines TO booktraining_manager
    USING (partnership_id = acting_partnership_id()) WITH CHECK (partnership_id = acting_partnership_id());

-- +goose Down
DROP TRIGGER sessions_invoice_lines ON sessions;
DROP TRIGGER bookings_invoice_lines ON bookings;
DROP TRIGGER payments_invoice_lines_delete ON payments;
DROP TRIGGER payments_invoice_lines_update ON payments;
DROP TRIGGER payments_invoice_lines_insert ON payments;
DROP TRIGGER charges_invoice_lines ON charges;
DROP FUNCTION invoice_lines_follow();
DROP FUNCTION invoice_lines_refresh(bigint[]);
DROP VIEW invoice_lines_fresh;
DROP TABLE invoice_lines;
