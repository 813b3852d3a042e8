-- Certificates: one for each attended place, carrying a short code anyone can
-- check at /certificates/{code}. A certificate is made the first time its
-- person asks for it (internal/certificate); the booking's primary key makes
-- it one per place however many ask at once. It goes with its booking when
-- the retention schedule deletes that, and when its person is erased, so an
-- erased person's code stops verifying.

-- +goose Up
CREATE TABLE certificates (
    booking_id bigint      PRIMARY KEY REFERENCES bookings (id) ON DELETE CASCADE,
    -- 12 characters of Crockford's base32 (no I, L, O or U): 60 random bits.
    code       text        NOT NULL CHECK (code ~ '^[0-9A-HJKMNP-TV-Z]{12}$'),
    issued_at  timestamptz NOT NULL,
    CONSTRAINT certificates_code_key UNIQUE (code)
);
COMMENT ON TABLE certificates IS 'A certificate of an attended place, with the code that verifies it';
COMMENT ON COLUMN certificates.code IS 'personal: the certificate''s verification code, which leads to the person''s name';

-- +goose Down
DROP TABLE certificates;
