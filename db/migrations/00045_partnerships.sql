-- Partnerships (issue 22): the service can serve several safeguarding
-- children partnerships (Hampshire, the Isle of Wight, Portsmouth and
-- Southampton work together as HIPS), each on its own host name. This first
-- step makes the partnership a row: the one partnership a deployment had
-- becomes the first, named by the configuration (PARTNERSHIP_NAME,
-- TRAINING_EMAIL, TRAINING_PHONE) until it is named in the service, so a
-- deployment with one partnership looks exactly as it did.

-- +goose Up
CREATE TABLE partnerships (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- For addresses and files: lower-case words joined by hyphens.
    slug       text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 40),
    name       text        NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 200),
    -- The area's name, where the full name would not fit ("Portsmouth").
    short_name text        NOT NULL CHECK (btrim(short_name) <> '' AND length(short_name) <= 60),
    -- The host name its pages are served on (lower case, with a port only
    -- when not the default); NULL: none of its own. A request for a host no
    -- partnership has is the first partnership's.
    host       text        UNIQUE CHECK (host ~ '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$' AND length(host) <= 253),
    -- The training team's mailbox and telephone, for pages and emails.
    email      text        NOT NULL DEFAULT '' CHECK (length(email) <= 254),
    phone      text        NOT NULL DEFAULT '' CHECK (length(phone) <= 40),
    -- Named by the configuration while true: the first partnership, until
    -- its details are set in the service.
    configured boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE partnerships IS
    'The safeguarding children partnerships the service serves; the first is the deployment''s own';

INSERT INTO partnerships (slug, name, short_name, configured)
VALUES ('portsmouth', 'Portsmouth Safeguarding Children Partnership', 'Portsmouth', true);

-- +goose Down
DROP TABLE partnerships;
