-- Trainers' calendar invitations: the last invite each trainer was sent for
-- each session, so that every later one (a move, their removal, the
-- session's cancellation, being put back on it) carries the same UID and a
-- higher SEQUENCE, as calendars require (RFC 5546).

-- +goose Up
CREATE TABLE trainer_invites (
    session_id       bigint      NOT NULL REFERENCES sessions (id),
    trainer_id       bigint      NOT NULL REFERENCES users (id),
    -- the SEQUENCE of the last invite or cancellation sent under this UID
    sequence         integer     NOT NULL CHECK (sequence >= 0),
    -- the session's sequence (its time and place) that invite described
    session_sequence integer     NOT NULL CHECK (session_sequence >= 0),
    -- whether the last one sent was a cancellation (METHOD:CANCEL)
    cancelled        boolean     NOT NULL DEFAULT false,
    sent_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, trainer_id)
);
CREATE INDEX trainer_invites_trainer_idx ON trainer_invites (trainer_id);

-- +goose Down
DROP TABLE trainer_invites;
