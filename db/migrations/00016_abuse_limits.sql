-- Limits on what a person can make the service do to others: emails per
-- address, per IP address and per person; device cookies, so that one
-- attacker behind a shared address cannot lock out everyone else there; and
-- a one-time key on the training request form, so a double click makes one
-- request.

-- +goose Up

-- Recent actions that send (or would send) an email, counted under advisory
-- locks like sign_in_attempts. Kept 24 hours.
CREATE TABLE email_actions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       text        NOT NULL CHECK (kind IN ('sign_up', 'reset_password', 'resend_verification', 'training_request')),
    email      citext,                                          -- the address written to (account emails)
    user_id    bigint      REFERENCES users (id) ON DELETE CASCADE, -- the person who wrote (training requests)
    ip         inet,
    sent       boolean     NOT NULL, -- false: over the per-address limit, so nothing was sent
    handled_at timestamptz,          -- a password reset's job has looked the address up
    at         timestamptz NOT NULL,
    CHECK (email IS NOT NULL OR user_id IS NOT NULL)
);
CREATE INDEX email_actions_email_idx ON email_actions (email, at) WHERE email IS NOT NULL;
CREATE INDEX email_actions_ip_idx ON email_actions (ip, at) WHERE ip IS NOT NULL;
CREATE INDEX email_actions_user_idx ON email_actions (user_id, at) WHERE user_id IS NOT NULL;
CREATE INDEX email_actions_at_idx ON email_actions (at);
COMMENT ON COLUMN email_actions.email IS 'personal: an email address someone asked us to write to (sign-up, password reset, new link)';
COMMENT ON COLUMN email_actions.user_id IS 'personal: the person who sent a training request or message';
COMMENT ON COLUMN email_actions.ip IS 'personal: the IP address the request came from';

-- A browser where a person has signed in: attempts for that account from it
-- are limited per device, not per IP address (OWASP "device cookies"). Only
-- a SHA-256 of the cookie's token is kept, for DeviceLife.
CREATE TABLE device_tokens (
    token_hash bytea       PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX device_tokens_user_idx ON device_tokens (user_id);
CREATE INDEX device_tokens_expires_idx ON device_tokens (expires_at);
COMMENT ON COLUMN device_tokens.token_hash IS 'personal: SHA-256 of the token in a browser''s device cookie';
COMMENT ON COLUMN device_tokens.user_id IS 'personal: the person who signed in on that browser';

-- Attempts made with a valid device cookie: counted per device, not against
-- the address's or the IP address's limits.
ALTER TABLE sign_in_attempts ADD COLUMN device_hash bytea;
CREATE INDEX sign_in_attempts_device_idx ON sign_in_attempts (device_hash, at) WHERE device_hash IS NOT NULL;
COMMENT ON COLUMN sign_in_attempts.device_hash IS 'personal: SHA-256 of the device cookie the attempt came with';

-- The one-time key of the form a request was sent from: a second POST of the
-- same form finds the first request instead of making another.
ALTER TABLE enquiries ADD COLUMN form_key text CHECK (length(form_key) <= 100);
CREATE UNIQUE INDEX enquiries_form_key_idx ON enquiries (requested_by, form_key);

-- +goose Down
DROP INDEX enquiries_form_key_idx;
ALTER TABLE enquiries DROP COLUMN form_key;
DROP INDEX sign_in_attempts_device_idx;
ALTER TABLE sign_in_attempts DROP COLUMN device_hash;
DROP TABLE device_tokens;
DROP TABLE email_actions;
