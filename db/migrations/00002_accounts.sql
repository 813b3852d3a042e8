-- People and their accounts: sign-in, sessions, roles, one-time links,
-- sign-in limits, the audit log and outgoing email.

-- +goose Up
ALTER TABLE agencies
    ADD COLUMN billing_contact_name  text NOT NULL DEFAULT '' CHECK (length(billing_contact_name) <= 200),
    ADD COLUMN billing_contact_email text NOT NULL DEFAULT '' CHECK (length(billing_contact_email) <= 254);

CREATE TABLE users (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email                citext      NOT NULL CHECK (length(email) <= 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    full_name            text        NOT NULL CHECK (btrim(full_name) <> '' AND length(full_name) <= 200),
    job_title            text        NOT NULL DEFAULT '' CHECK (length(job_title) <= 200),
    agency_id            bigint      REFERENCES agencies (id),
    -- "My organisation is not listed": the name they typed, until a training
    -- manager confirms it as a new agency or merges it into one.
    unlisted_agency_name text        NOT NULL DEFAULT '' CHECK (length(unlisted_agency_name) <= 200),
    -- An agency change the person asked for, until a manager or coordinator confirms it.
    requested_agency_id  bigint      REFERENCES agencies (id),
    password_hash        text        NOT NULL,
    email_verified_at    timestamptz,
    erased_at            timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_one_employer CHECK (
        erased_at IS NOT NULL OR ((agency_id IS NOT NULL) <> (unlisted_agency_name <> '')))
);
CREATE INDEX users_agency_idx ON users (agency_id);
CREATE INDEX users_unlisted_idx ON users (lower(unlisted_agency_name)) WHERE unlisted_agency_name <> '';

-- Everyone is a practitioner; these are the roles on top.
CREATE TABLE user_roles (
    user_id    bigint      NOT NULL REFERENCES users (id),
    role       text        NOT NULL CHECK (role IN ('trainer', 'manager', 'coordinator')),
    granted_by bigint      REFERENCES users (id),
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, role)
);

-- Server-side sessions. The cookie holds a random token; only its SHA-256 is
-- stored, so a copy of the table cannot be used to sign in. An anonymous
-- session (no user) carries the CSRF token of the sign-in and sign-up forms.
CREATE TABLE web_sessions (
    token_hash   bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id      bigint      REFERENCES users (id),
    csrf_token   text        NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    ip           inet,
    user_agent   text        NOT NULL DEFAULT ''
);
CREATE INDEX web_sessions_user_idx ON web_sessions (user_id);
CREATE INDEX web_sessions_expires_idx ON web_sessions (expires_at);

-- Single-use links sent by email. Only the SHA-256 of the token is stored.
CREATE TABLE account_tokens (
    token_hash bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id    bigint      NOT NULL REFERENCES users (id),
    purpose    text        NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose);

-- Every sign-in attempt, for the limits per account and per IP address. A row
-- counts as failed until the password is verified.
CREATE TABLE sign_in_attempts (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email     citext      NOT NULL,
    ip        inet        NOT NULL,
    succeeded boolean     NOT NULL DEFAULT false,
    at        timestamptz NOT NULL
);
CREATE INDEX sign_in_attempts_email_idx ON sign_in_attempts (email, at);
CREATE INDEX sign_in_attempts_ip_idx ON sign_in_attempts (ip, at);

-- Who did what, when, from where.
CREATE TABLE audit_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL,
    actor_id        bigint      REFERENCES users (id),
    actor_email     text        NOT NULL DEFAULT '', -- as typed, for failed sign-ins
    action          text        NOT NULL CHECK (action ~ '^[a-z_]+$'),
    subject_user_id bigint      REFERENCES users (id),
    agency_id       bigint      REFERENCES agencies (id),
    details         jsonb       NOT NULL DEFAULT '{}',
    ip              inet
);
CREATE INDEX audit_events_at_idx ON audit_events (at DESC, id DESC);
CREATE INDEX audit_events_action_idx ON audit_events (action, at DESC);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, at DESC);

-- Outgoing email. A row is written in the same transaction as its cause, with
-- a job that delivers it. Without SMTP (development) the message stays here
-- for /admin/emails; after delivery over SMTP its body is cleared.
CREATE TABLE emails (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_address text        NOT NULL,
    to_name    text        NOT NULL DEFAULT '',
    subject    text        NOT NULL,
    body_text  text        NOT NULL,
    user_id    bigint      REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz,
    attempts   integer     NOT NULL DEFAULT 0,
    last_error text        NOT NULL DEFAULT ''
);
CREATE INDEX emails_created_idx ON emails (created_at DESC, id DESC);

-- +goose Down
DROP TABLE emails;
DROP TABLE audit_events;
DROP TABLE sign_in_attempts;
DROP TABLE account_tokens;
DROP TABLE web_sessions;
DROP TABLE user_roles;
DROP TABLE users;
ALTER TABLE agencies DROP COLUMN billing_contact_email, DROP COLUMN billing_contact_name;
