-- The audit log per partnership (issue 22): each event is its partnership's,
-- so a training manager reads only their partnership's history. An event
-- recorded in a manager's request is their partnership's; any other is the
-- partnership of the session, booking, course, venue or training request its
-- details name; an event naming none (signing in, a person's own account) is
-- every partnership's. Events recorded before partnerships are the first
-- partnership's, whose history they are.

-- +goose Up
ALTER TABLE audit_events ADD COLUMN partnership_id bigint REFERENCES partnerships;
UPDATE audit_events SET partnership_id = first_partnership_id();
CREATE INDEX audit_events_partnership ON audit_events (partnership_id, at DESC, id DESC);

-- The id under key (or else key2) of details, when it is a number.
CREATE FUNCTION audit_ref(details jsonb, key text, key2 text) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN jsonb_typeof(details -> key) = 'number' THEN (details ->> key)::bigint
                WHEN jsonb_typeof(details -> key2) = 'number' THEN (details ->> key2)::bigint END;

-- +goose StatementBegin
CREATE FUNCTION audit_events_partnership() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.partnership_id IS NULL THEN
        NEW.partnership_id := coalesce(
            acting_partnership_id(),
            (SELECT s.partnership_id FROM sessions s WHERE s.id = audit_ref(NEW.details, 'session', 'session_id')),
            (SELECT s.partnership_id FROM bookings b JOIN sessions s ON s.id = b.session_id
             WHERE b.id = audit_ref(NEW.details, 'booking', 'booking_id')),
            (SELECT c.partnership_id FROM courses c WHERE c.id = audit_ref(NEW.details, 'course', 'course_id')),
            (SELECT v.partnership_id FROM venues v WHERE v.id = audit_ref(NEW.details, 'venue', 'venue_id')),
            (SELECT e.partnership_id FROM enquiries e WHERE e.id = audit_ref(NEW.details, 'training_request', 'enquiry_id')));
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_partnership BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_partnership();

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY service ON audit_events USING (NOT in_manager_scope()) WITH CHECK (NOT in_manager_scope());
CREATE POLICY own_partnership ON audit_events TO booktraining_manager
    USING (partnership_id = acting_partnership_id() OR partnership_id IS NULL)
    WITH CHECK (partnership_id = acting_partnership_id() OR partnership_id IS NULL);

-- +goose Down
DROP POLICY own_partnership ON audit_events;
DROP POLICY service ON audit_events;
ALTER TABLE audit_events DISABLE ROW LEVEL SECURITY;
DROP TRIGGER audit_events_partnership ON audit_events;
DROP FUNCTION audit_events_partnership();
DROP FUNCTION audit_ref(jsonb, text, text);
ALTER TABLE audit_events DROP COLUMN partnership_id;
