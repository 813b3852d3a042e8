-- The public catalogue: partner agencies, courses, venues and sessions.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE agencies (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text        NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 200),
    sector        text        NOT NULL CHECK (sector IN (
                      'police', 'health', 'education', 'local_authority', 'probation_youth_justice',
                      'voluntary_community', 'faith', 'private_independent', 'fire', 'other')),
    charging_band text        NOT NULL CHECK (charging_band IN ('partner', 'contributing', 'non_contributing')),
    retired_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX agencies_name_key ON agencies (lower(name));

CREATE TABLE courses (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                 text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
    title                text        NOT NULL CHECK (btrim(title) <> '' AND length(title) <= 200),
    summary              text        NOT NULL CHECK (btrim(summary) <> ''),
    description          text        NOT NULL CHECK (btrim(description) <> ''),
    learning_outcomes    text[]      NOT NULL CHECK (cardinality(learning_outcomes) BETWEEN 1 AND 10
                                                     AND array_position(learning_outcomes, NULL) IS NULL),
    audience_description text        NOT NULL CHECK (btrim(audience_description) <> ''),
    audiences            text[]      NOT NULL CHECK (cardinality(audiences) > 0
                                                     AND audiences <@ ARRAY['everyone', 'practitioners', 'leads']),
    level                smallint    NOT NULL CHECK (level BETWEEN 1 AND 3),
    duration             text        NOT NULL CHECK (duration IN ('half_day', 'full_day')),
    delivery_modes       text[]      NOT NULL CHECK (cardinality(delivery_modes) > 0
                                                     AND delivery_modes <@ ARRAY['in_person', 'online']),
    default_capacity     integer     NOT NULL CHECK (default_capacity BETWEEN 1 AND 500),
    retired_at           timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    -- Keyword search: the title counts most, then the summary, then the rest.
    search               tsvector    NOT NULL GENERATED ALWAYS AS (
                             setweight(to_tsvector('english', title), 'A') ||
                             setweight(to_tsvector('english', summary), 'B') ||
                             setweight(to_tsvector('english', description || ' ' || audience_description), 'C')
                         ) STORED
);
CREATE INDEX courses_search_idx ON courses USING gin (search);

-- A venue is a training room, or an online platform (no address, no room limit).
CREATE TABLE venues (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                text        NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 200),
    online              boolean     NOT NULL DEFAULT false,
    address_line1       text        NOT NULL DEFAULT '',
    address_line2       text        NOT NULL DEFAULT '',
    town                text        NOT NULL DEFAULT '',
    postcode            text        NOT NULL DEFAULT '',
    capacity            integer     CHECK (capacity > 0),
    accessibility_notes text        NOT NULL DEFAULT '',
    directions          text        NOT NULL DEFAULT '',
    retired_at          timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT venues_room_has_address CHECK (
        online OR (btrim(address_line1) <> '' AND btrim(town) <> '' AND btrim(postcode) <> '' AND capacity IS NOT NULL)),
    CONSTRAINT venues_online_has_no_room CHECK (
        NOT online OR (capacity IS NULL AND address_line1 = '' AND postcode = ''))
);
CREATE UNIQUE INDEX venues_name_key ON venues (lower(name));

-- A session is one delivery of a course. seats_taken only ever moves through
-- guarded updates, so the CHECK makes overbooking impossible.
CREATE TABLE sessions (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    course_id           bigint      NOT NULL REFERENCES courses (id),
    venue_id            bigint      NOT NULL REFERENCES venues (id),
    starts_at           timestamptz NOT NULL,
    ends_at             timestamptz NOT NULL,
    during              tstzrange   NOT NULL GENERATED ALWAYS AS (tstzrange(starts_at, ends_at, '[)')) STORED,
    booking_cutoff_at   timestamptz NOT NULL,
    capacity            integer     NOT NULL CHECK (capacity > 0),
    seats_taken         integer     NOT NULL DEFAULT 0,
    status              text        NOT NULL DEFAULT 'draft'
                                    CHECK (status IN ('draft', 'published', 'cancelled', 'completed')),
    -- Goes up each time the time or place changes; calendar updates depend on it.
    sequence            integer     NOT NULL DEFAULT 0 CHECK (sequence >= 0),
    meeting_url         text        NOT NULL DEFAULT '',
    -- Set for a closed session delivered to one agency only.
    closed_to_agency_id bigint      REFERENCES agencies (id),
    cancelled_reason    text        NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sessions_ends_after_start CHECK (ends_at > starts_at),
    CONSTRAINT sessions_cutoff_before_start CHECK (booking_cutoff_at <= starts_at),
    CONSTRAINT sessions_seats_within_capacity CHECK (seats_taken BETWEEN 0 AND capacity),
    CONSTRAINT sessions_cancelled_has_reason CHECK ((status = 'cancelled') = (cancelled_reason <> ''))
);
CREATE INDEX sessions_course_starts_idx ON sessions (course_id, starts_at);
CREATE INDEX sessions_starts_idx ON sessions (starts_at) WHERE status = 'published';

-- +goose Down
DROP TABLE sessions;
DROP TABLE venues;
DROP TABLE courses;
DROP TABLE agencies;
