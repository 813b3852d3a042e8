-- Each partnership's own money (issue 22): the charging band it gives each
-- agency, its charge policy and its course prices.
--
-- Agencies are shared where they are the same organisation (the police, an
-- NHS trust), but each partnership decides how much of a partner an agency is
-- to it. agency_partnerships holds that band, and a row also says the agency
-- is in the partnership's area. An agency without a row for a session's
-- partnership pays there as a non-contributing organisation. Everything that
-- works out a price or a charge (place_price, the charge_to_decide rule of
-- migration 00047, payment's queries) now asks the session's partnership.
--
-- agencies.charging_band stays as the band an agency is listed with: a new
-- agency's row goes to the partnership whose manager lists it (or the first,
-- when the service does), with that band. Every existing band becomes the
-- first partnership's, so a deployment with one partnership charges exactly as
-- before.

-- +goose Up
CREATE TABLE agency_partnerships (
    partnership_id bigint      NOT NULL REFERENCES partnerships (id),
    agency_id      bigint      NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    charging_band  text        NOT NULL CHECK (charging_band IN ('partner', 'contributing', 'non_contributing')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partnership_id, agency_id)
);
CREATE INDEX agency_partnerships_agency ON agency_partnerships (agency_id);
COMMENT ON TABLE agency_partnerships IS
    'An agency in a partnership''s area, and the charging band that partnership gives it';
COMMENT ON COLUMN agencies.charging_band IS
    'The band the agency was listed with; each partnership''s own band is in agency_partnerships';

INSERT INTO agency_partnerships (partnership_id, agency_id, charging_band, created_at, updated_at)
SELECT first_partnership_id(), a.id, a.charging_band, a.created_at, a.updated_at
FROM agencies a
WHERE first_partnership_id() IS NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION agencies_list_in_partnership() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO agency_partnerships (partnership_id, agency_id, charging_band, created_at, updated_at)
    VALUES (coalesce(acting_partnership_id(), first_partnership_id()), NEW.id, NEW.charging_band,
            NEW.created_at, NEW.updated_at)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER agencies_list_in_partnership AFTER INSERT ON agencies
    FOR EACH ROW EXECUTE FUNCTION agencies_list_in_partnership();

-- The band partnership gives agency: its row's, or non-contributing for an
-- agency not in its area and for an organisation not listed (NULL).
CREATE FUNCTION agency_band(partnership bigint, agency bigint) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN coalesce((SELECT ap.charging_band FROM agency_partnerships ap
                     WHERE ap.partnership_id = partnership AND ap.agency_id = agency), 'non_contributing');

-- The charge policy: one for each partnership, every combination a row.
ALTER TABLE charge_policy ADD COLUMN partnership_id bigint REFERENCES partnerships (id);
UPDATE charge_policy SET partnership_id = first_partnership_id();
DELETE FROM charge_policy WHERE partnership_id IS NULL; -- no partnership at all: nothing to charge for
ALTER TABLE charge_policy
    ALTER COLUMN partnership_id SET NOT NULL,
    ALTER COLUMN partnership_id SET DEFAULT coalesce(acting_partnership_id(), first_partnership_id()),
    DROP CONSTRAINT charge_policy_pkey,
    ADD PRIMARY KEY (partnership_id, kind, duration, charging_band);

-- +goose StatementBegin
-- A new partnership's policy starts as every partnership's did: nothing for
-- partners, £50 a half day and £100 a full day for the others.
CREATE FUNCTION partnerships_default_charge_policy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO charge_policy (partnership_id, kind, duration, charging_band, amount_pence)
    SELECT NEW.id, k.kind, d.duration, b.band,
           CASE WHEN b.band = 'partner' THEN 0 WHEN d.duration = 'half_day' THEN 5000 ELSE 10000 END
    FROM (VALUES ('non_attendance'), ('late_cancellation')) AS k (kind)
    CROSS JOIN (VALUES ('half_day'), ('full_day')) AS d (duration)
    CROSS JOIN (VALUES ('partner'), ('contributing'), ('non_contributing')) AS b (band)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER partnerships_default_charge_policy AFTER INSERT ON partnerships
    FOR EACH ROW EXECUTE FUNCTION partnerships_default_charge_policy();
INSERT INTO charge_policy (partnership_id, kind, duration, charging_band, amount_pence)
SELECT p.id, k.kind, d.duration, b.band,
       CASE WHEN b.band = 'partner' THEN 0 WHEN d.duration = 'half_day' THEN 5000 ELSE 10000 END
FROM partnerships p
CROSS JOIN (VALUES ('non_attendance'), ('late_cancellation')) AS k (kind)
CROSS JOIN (VALUES ('half_day'), ('full_day')) AS d (duration)
CROSS JOIN (VALUES ('partner'), ('contributing'), ('non_contributing')) AS b (band)
ON CONFLICT DO NOTHING;

-- Course prices: each partnership prices the sessions it schedules. A price
-- set without a partnership is the course's partnership's.
ALTER TABLE course_prices ADD COLUMN partnership_id bigint REFERENCES partnerships (id);
UPDATE course_prices cp SET partnership_id = c.partnership_id FROM courses c WHERE c.id = cp.course_id;
ALTER TABLE course_prices
    ALTER COLUMN partnership_id SET NOT NULL,
    DROP CONSTRAINT course_prices_pkey,
    ADD PRIMARY KEY (course_id, partnership_id, charging_band);
CREATE INDEX course_prices_partnership ON course_prices (partnership_id);

-- +goose StatementBegin
CREATE FUNCTION course_prices_partnership() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.partnership_id IS NULL THEN
        NEW.partnership_id := (SELECT c.partnership_id FROM courses c WHERE c.id = NEW.course_id);
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER course_prices_partnership BEFORE INSERT ON course_prices
    FOR EACH ROW EXECUTE FUNCTION course_prices_partnership();

-- +goose StatementBegin
DROP FUNCTION place_price(bigint, bigint);
-- What a place on course costs agency on a session of partnership: the
-- partnership's price for the band it gives the agency, or nothing.
CREATE FUNCTION place_price(course bigint, partnership bigint, agency bigint) RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN coalesce((SELECT cp.amount_pence FROM course_prices cp
                     WHERE cp.course_id = course AND cp.partnership_id = partnership
                       AND cp.charging_band = agency_band(partnership, agency)), 0);
-- +goose StatementEnd

-- +goose StatementBegin
-- Migration 00047's rule, with the session's partnership's policy and band.
CREATE OR REPLACE FUNCTION booking_charge_to_decide(b bookings) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce((b.status = 'confirmed' AND b.attendance = 'absent') OR (b.status = 'cancelled' AND b.late), false)
       AND b.agency_id IS NOT NULL
       AND EXISTS (
           SELECT 1
           FROM sessions s
           JOIN courses c ON c.id = s.course_id
           JOIN charge_policy cp
                ON cp.partnership_id = s.partnership_id
               AND cp.kind = CASE WHEN b.status = 'confirmed' THEN 'non_attendance' ELSE 'late_cancellation' END
               AND cp.duration = c.duration AND cp.charging_band = agency_band(s.partnership_id, b.agency_id)
           WHERE s.id = b.session_id AND s.status <> 'cancelled' AND cp.amount_pence > 0)
       AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.booking_id = b.id AND p.status IN ('pending', 'invoiced', 'paid'))
       AND NOT EXISTS (SELECT 1 FROM charges ch WHERE ch.booking_id = b.id
                         AND ch.kind = CASE WHEN b.status = 'confirmed' THEN 'non_attendance' ELSE 'late_cancellation' END)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- Migration 00047's recheck when what sets an amount changes, now for one
-- partnership's sessions: its policy, or the band it gives an agency.
CREATE OR REPLACE FUNCTION bookings_recheck_charge_to_decide_by_amount() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'sessions' THEN
        UPDATE bookings b SET charge_to_decide = booking_charge_to_decide(b)
        WHERE b.session_id = NEW.id
          AND ((b.status = 'confirmed' AND b.attendance = 'absent') OR (b.status = 'cancelled' AND b.late))
          AND b.charge_to_decide IS DISTINCT FROM booking_charge_to_decide(b);
    ELSIF TG_TABLE_NAME = 'agency_partnerships' THEN
        UPDATE bookings b SET charge_to_decide = booking_charge_to_decide(b)
        FROM (SELECT OLD.partnership_id, OLD.agency_id WHERE TG_OP <> 'INSERT'
              UNION SELECT NEW.partnership_id, NEW.agency_id WHERE TG_OP <> 'DELETE') AS changed (partnership_id, agency_id)
        WHERE b.agency_id = changed.agency_id
          AND b.session_id IN (SELECT s.id FROM sessions s WHERE s.partnership_id = changed.partnership_id)
          AND ((b.status = 'confirmed' AND b.attendance = 'absent') OR (b.status = 'cancelled' AND b.late))
          AND b.charge_to_decide IS DISTINCT FROM booking_charge_to_decide(b);
    ELSIF TG_TABLE_NAME = 'courses' THEN
        UPDATE bookings b SET charge_to_decide = booking_charge_to_decide(b)
        WHERE b.session_id IN (SELECT s.id FROM sessions s WHERE s.course_id = NEW.id)
          AND ((b.status = 'confirmed' AND b.attendance = 'absent') OR (b.status = 'cancelled' AND b.late))
          AND b.charge_to_decide IS DISTINCT FROM booking_charge_to_decide(b);
    ELSE -- charge_policy
        UPDATE bookings b SET charge_to_decide = booking_charge_to_decide(b)
        WHERE b.session_id IN (SELECT s.id FROM sessions s WHERE s.partnership_id = NEW.partnership_id)
          AND ((b.status = 'confirmed' AND b.attendance = 'absent') OR (b.status = 'cancelled' AND b.late))
          AND b.charge_to_decide IS DISTINCT FROM booking_charge_to_decide(b);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

DROP TRIGGER agencies_recheck_charge_to_decide ON agencies;
CREATE TRIGGER agency_partnerships_recheck_charge_to_decide AFTER INSERT OR DELETE ON agency_partnerships
    FOR EACH ROW EXECUTE FUNCTION bookings_recheck_charge_to_decide_by_amount();
CREATE TRIGGER agency_partnerships_recheck_charge_to_decide_update AFTER UPDATE ON agency_partnerships
    FOR EACH ROW WHEN ((OLD.partnership_id, OLD.agency_id, OLD.charging_band)
                       IS DISTINCT FROM (NEW.partnership_id, NEW.agency_id, NEW.charging_band))
    EXECUTE FUNCTION bookings_recheck_charge_to_decide_by_amount();
DROP TRIGGER sessions_recheck_charge_to_decide ON sessions;
CREATE TRIGGER sessions_recheck_charge_to_decide AFTER UPDATE OF status, course_id, partnership_id ON sessions
    FOR EACH ROW WHEN ((OLD.status = 'cancelled') <> (NEW.status = 'cancelled') OR OLD.course_id <> NEW.course_id
                       OR OLD.partnership_id <> NEW.partnership_id)
    EXECUTE FUNCTION bookings_recheck_charge_to_decide_by_amount();

-- A course page shows a signed-in person their agency's price, by its band.
DROP TRIGGER agencies_catalogue_changed ON agencies;
CREATE TRIGGER agency_partnerships_catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agency_partnerships
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();

-- Row-level security as in migration 00049: the service sees every row; a
-- manager, their partnership's bands, policy and prices.
ALTER TABLE agency_partnerships ENABLE ROW LEVEL SECURITY;
CREATE POLICY service ON agency_partnerships USING (NOT in_manager_scope()) WITH CHECK (NOT in_manager_scope());
CREATE POLICY own_partnership ON agency_partnerships TO booktraining_manager
    USING (partnership_id = acting_partnership_id()) WITH CHECK (partnership_id = acting_partnership_id());
ALTER TABLE charge_policy ENABLE ROW LEVEL SECURITY;
CREATE POLICY service ON charge_policy USING (NOT in_manager_scope()) WITH CHECK (NOT in_manager_scope());
CREATE POLICY own_partnership ON charge_policy TO booktraining_manager
    USING (partnership_id = acting_partnership_id()) WITH CHECK (partnership_id = acting_partnership_id());
DROP POLICY own_partnership ON course_prices;
CREATE POLICY own_partnership ON course_prices TO booktraining_manager
    USING (partnership_id = acting_partnership_id()) WITH CHECK (partnership_id = acting_partnership_id());

-- +goose Down
DROP POLICY own_partnership ON course_prices;
CREATE POLICY own_partnership ON course_prices TO booktraining_manager
    USING (EXISTS (SELECT FROM courses parent WHERE parent.id = course_prices.course_id))
    WITH CHECK (EXISTS (SELECT FROM courses parent WHERE parent.id = course_prices.course_id));
DROP POLICY own_partnership ON charge_policy;
DROP POLICY service ON charge_policy;
ALTER TABLE charge_policy DISABLE ROW LEVEL SECURITY;

DROP TRIGGER agency_partnerships_catalogue_changed ON agency_partnerships;
CREATE TRIGGER agencies_catalogue_changed AFTER UPDATE OF charging_band ON agencies
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();

DROP TRIGGER sessions_recheck_charge_to_decide ON sessions;
CREATE TRIGGER sessions_recheck_charge_to_decide AFTER UPDATE OF status, course_id ON sessions
    FOR EACH ROW WHEN ((OLD.status = 'cancelled') <> (NEW.status = 'cancelled') OR OLD.course_id <> NEW.course_id)
    EXECUTE FUNCTION bookings_recheck_charge_to_decide_by_amount();
DROP TRIGGER agency_partnerships_recheck_charge_to_decide_update ON agency_partnerships;
DROP TRIGGER agency_partnerships_recheck_charge_to_decide ON agency_partnerships;

-- The first partnership's bands go back to the agencies.
UPDATE agencies a SET charging_band = ap.charging_band
FROM agency_partnerships ap WHERE ap.agency_id = a.id AND ap.partnership_id = first_partnership_id();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION bookings_recheck_charge_to_decide_by_amount() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'sessions' THEN
        UPDATE bookings b SET charge_to_decide = booking_charge_to_decide(b)
        WHERE b.session_id = NEW.id
          AND ((b.status = 'confirmed' AND b.attendance = 'absent') OR (b.status = 'cancelled' AND b.late))
          AND b.charge_to_decide IS DISTINCT FROM booking_charge_to_decide(b);
    ELSIF TG_TABLE_NAME = 'agencies' THEN
        UPDATE bookings b SET charge_to_decide = booking_charge_to_decide(b)
        WHERE b.agency_id = NEW.id
          AND ((b.status = 'confirmed' AND b.attendance = 'absent') OR (b.status = 'cancelled' AND b.late))
          AND b.charge_to_decide IS DISTINCT FROM booking_charge_to_decide(b);
    ELSIF TG_TABLE_NAME = 'courses' THEN
        UPDATE bookings b SET charge_to_decide = booking_charge_to_decide(b)
        WHERE b.session_id IN (SELECT s.id FROM sessions s WHERE s.course_id = NEW.id)
          AND ((b.status = 'confirmed' AND b.attendance = 'absent') OR (b.status = 'cancelled' AND b.late))
          AND b.charge_to_decide IS DISTINCT FROM booking_charge_to_decide(b);
    ELSE -- charge_policy
        UPDATE bookings b SET charge_to_decide = booking_charge_to_decide(b)
        WHERE ((b.status = 'confirmed' AND b.attendance = 'absent') OR (b.status = 'cancelled' AND b.late))
          AND b.charge_to_decide IS DISTINCT FROM booking_charge_to_decide(b);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER agencies_recheck_charge_to_decide AFTER UPDATE OF charging_band ON agencies
    FOR EACH ROW WHEN (OLD.charging_band IS DISTINCT FROM NEW.charging_band)
    EXECUTE FUNCTION bookings_recheck_charge_to_decide_by_amount();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION booking_charge_to_decide(b bookings) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce((b.status = 'confirmed' AND b.attendance = 'absent') OR (b.status = 'cancelled' AND b.late), false)
       AND EXISTS (
           SELECT 1
           FROM sessions s
           JOIN courses c ON c.id = s.course_id
           JOIN agencies a ON a.id = b.agency_id
           JOIN charge_policy cp
                ON cp.kind = CASE WHEN b.status = 'confirmed' THEN 'non_attendance' ELSE 'late_cancellation' END
               AND cp.duration = c.duration AND cp.charging_band = a.charging_band
           WHERE s.id = b.session_id AND s.status <> 'cancelled' AND cp.amount_pence > 0)
       AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.booking_id = b.id AND p.status IN ('pending', 'invoiced', 'paid'))
       AND NOT EXISTS (SELECT 1 FROM charges ch WHERE ch.booking_id = b.id
                         AND ch.kind = CASE WHEN b.status = 'confirmed' THEN 'non_attendance' ELSE 'late_cancellation' END)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
DROP FUNCTION place_price(bigint, bigint, bigint);
CREATE FUNCTION place_price(course bigint, agency bigint) RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN coalesce((SELECT cp.amount_pence FROM course_prices cp
                     WHERE cp.course_id = course
                       AND cp.charging_band = coalesce((SELECT a.charging_band FROM agencies a WHERE a.id = agency),
                                                       'non_contributing')), 0);
-- +goose StatementEnd

DROP TRIGGER course_prices_partnership ON course_prices;
DROP FUNCTION course_prices_partnership();
DELETE FROM course_prices cp USING courses c WHERE c.id = cp.course_id AND cp.partnership_id <> c.partnership_id;
ALTER TABLE course_prices DROP CONSTRAINT course_prices_pkey, ADD PRIMARY KEY (course_id, charging_band);
DROP INDEX course_prices_partnership;
ALTER TABLE course_prices DROP COLUMN partnership_id;

DROP TRIGGER partnerships_default_charge_policy ON partnerships;
DROP FUNCTION partnerships_default_charge_policy();
DELETE FROM charge_policy WHERE partnership_id <> first_partnership_id();
ALTER TABLE charge_policy DROP CONSTRAINT charge_policy_pkey, ADD PRIMARY KEY (kind, duration, charging_band);
ALTER TABLE charge_policy DROP COLUMN partnership_id;

DROP FUNCTION agency_band(bigint, bigint);
DROP TRIGGER agencies_list_in_partnership ON agencies;
DROP FUNCTION agencies_list_in_partnership();
DROP TABLE agency_partnerships;
