-- A worker delivering an email claims it for a short lease rather than
-- holding a row lock (and a pooled connection) through the SMTP
-- conversation: no connection is held across a network call. A second
-- worker finds the lease and backs off; after a crash the lease runs out
-- and the email can be taken again.

-- +goose Up
ALTER TABLE emails ADD COLUMN claimed_until timestamptz;

-- +goose Down
ALTER TABLE emails DROP COLUMN claimed_until;
