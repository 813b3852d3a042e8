-- An agency's own premises as a session's place. Accepting a training
-- request "at our premises" records the agency's address as a venue of that
-- agency, in the same transaction as the session, so the training manager
-- need not first add it to the partnership's venues. Such a venue is a room
-- like any other (one session at a time: sessions_room_no_overlap applies),
-- but it is the agency's: it is not among the partnership's venues nor the
-- scheduling form's choices, its name need not differ from theirs, and it
-- has no capacity of its own (the session's places say how many come). The
-- same address of the same agency is one venue, reused by later sessions.

-- +goose Up
ALTER TABLE venues ADD COLUMN agency_id bigint REFERENCES agencies (id);
COMMENT ON COLUMN venues.agency_id IS 'the agency whose own premises this is; NULL for the partnership''s venues';

ALTER TABLE venues DROP CONSTRAINT venues_room_has_address;
ALTER TABLE venues ADD CONSTRAINT venues_room_has_address CHECK (
    online OR (btrim(address_line1) <> '' AND btrim(town) <> '' AND btrim(postcode) <> ''
               AND (capacity IS NOT NULL OR agency_id IS NOT NULL)));
ALTER TABLE venues ADD CONSTRAINT venues_premises_are_rooms CHECK (agency_id IS NULL OR NOT online);

DROP INDEX venues_name_key;
CREATE UNIQUE INDEX venues_name_key ON venues (lower(name)) WHERE agency_id IS NULL;
CREATE UNIQUE INDEX venues_agency_premises_key
    ON venues (agency_id, lower(address_line1), lower(address_line2), lower(town), postcode)
    WHERE agency_id IS NOT NULL;

-- +goose Down
DROP INDEX venues_agency_premises_key;
DROP INDEX venues_name_key;
CREATE UNIQUE INDEX venues_name_key ON venues (lower(name));
ALTER TABLE venues DROP CONSTRAINT venues_premises_are_rooms;
ALTER TABLE venues DROP CONSTRAINT venues_room_has_address;
ALTER TABLE venues ADD CONSTRAINT venues_room_has_address CHECK (
    online OR (btrim(address_line1) <> '' AND btrim(town) <> '' AND btrim(postcode) <> '' AND capacity IS NOT NULL));
ALTER TABLE venues DROP COLUMN agency_id;
