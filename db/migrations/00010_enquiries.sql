-- Requests for bespoke and single-agency training: what an agency asks for,
-- the manager's triage (a message thread and a status history), and the
-- closed sessions an accepted request became.

-- +goose Up
-- A bespoke course is made when a bespoke request is accepted, so its
-- sessions have a course like any other; it is never listed in the public
-- catalogue, the scheduling choices or trainers' approvals.
ALTER TABLE courses ADD COLUMN bespoke boolean NOT NULL DEFAULT false;

CREATE TABLE enquiries (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id      bigint      NOT NULL REFERENCES agencies (id),
    requested_by   bigint      NOT NULL REFERENCES users (id),
    kind           text        NOT NULL CHECK (kind IN ('course', 'bespoke')),
    -- The catalogue course asked for; for bespoke training, the hidden course
    -- made on acceptance (NULL until then).
    course_id      bigint      REFERENCES courses (id),
    topic          text        NOT NULL DEFAULT '' CHECK (length(topic) <= 200),
    need           text        NOT NULL DEFAULT '' CHECK (length(need) <= 5000),
    audience       text        NOT NULL CHECK (btrim(audience) <> '' AND length(audience) <= 2000),
    participants   integer     NOT NULL CHECK (participants BETWEEN 1 AND 1000),
    location       text        NOT NULL CHECK (location IN ('own_premises', 'venue', 'online')),
    address        text        NOT NULL DEFAULT '' CHECK (length(address) <= 1000),
    access_needs   text        NOT NULL DEFAULT '' CHECK (length(access_needs) <= 2000),
    contact_name   text        NOT NULL CHECK (btrim(contact_name) <> '' AND length(contact_name) <= 200),
    contact_email  citext      NOT NULL CHECK (length(contact_email) <= 254 AND contact_email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    contact_phone  text        NOT NULL DEFAULT '' CHECK (length(contact_phone) <= 50),
    status         text        NOT NULL DEFAULT 'submitted'
                               CHECK (status IN ('submitted', 'info_requested', 'accepted', 'declined')),
    decline_reason text        NOT NULL DEFAULT '' CHECK (length(decline_reason) <= 2000),
    submitted_at   timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CONSTRAINT enquiries_course_named CHECK (kind = 'bespoke' OR course_id IS NOT NULL),
    CONSTRAINT enquiries_bespoke_described CHECK (kind = 'course' OR (btrim(topic) <> '' AND btrim(need) <> '')),
    CONSTRAINT enquiries_premises_address CHECK (location <> 'own_premises' OR btrim(address) <> ''),
    CONSTRAINT enquiries_declined_reason CHECK ((status = 'declined') = (decline_reason <> ''))
);
CREATE INDEX enquiries_agency_idx ON enquiries (agency_id, submitted_at DESC);
CREATE INDEX enquiries_status_idx ON enquiries (status, submitted_at);

-- The dates and times the agency would like, in their order of preference.
CREATE TABLE enquiry_dates (
    enquiry_id bigint      NOT NULL REFERENCES enquiries (id) ON DELETE CASCADE,
    position   smallint    NOT NULL CHECK (position BETWEEN 1 AND 5),
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    PRIMARY KEY (enquiry_id, position),
    CHECK (ends_at > starts_at)
);

-- The thread between the training team and the agency.
CREATE TABLE enquiry_messages (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enquiry_id       bigint      NOT NULL REFERENCES enquiries (id) ON DELETE CASCADE,
    author_id        bigint      NOT NULL REFERENCES users (id),
    from_partnership boolean     NOT NULL,
    body             text        NOT NULL CHECK (btrim(body) <> '' AND length(body) <= 5000),
    sent_at          timestamptz NOT NULL
);
CREATE INDEX enquiry_messages_enquiry_idx ON enquiry_messages (enquiry_id, id);

-- Every change of status (and each session added), by whom and when.
CREATE TABLE enquiry_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enquiry_id bigint      NOT NULL REFERENCES enquiries (id) ON DELETE CASCADE,
    actor_id   bigint      NOT NULL REFERENCES users (id),
    action     text        NOT NULL CHECK (action IN ('submitted', 'info_requested', 'replied', 'accepted', 'session_added', 'declined')),
    status     text        NOT NULL,
    note       text        NOT NULL DEFAULT '',
    at         timestamptz NOT NULL
);
CREATE INDEX enquiry_events_enquiry_idx ON enquiry_events (enquiry_id, id);

-- The closed sessions an accepted request became.
CREATE TABLE enquiry_sessions (
    enquiry_id bigint NOT NULL REFERENCES enquiries (id) ON DELETE CASCADE,
    session_id bigint NOT NULL UNIQUE REFERENCES sessions (id),
    PRIMARY KEY (enquiry_id, session_id)
);

-- +goose Down
DROP TABLE enquiry_sessions;
DROP TABLE enquiry_events;
DROP TABLE enquiry_messages;
DROP TABLE enquiry_dates;
DROP TABLE enquiries;
ALTER TABLE courses DROP COLUMN bespoke;
