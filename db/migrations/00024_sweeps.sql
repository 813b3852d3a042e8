-- The safety-net sweeps (internal/queue): periodic jobs, run by one
-- process at a time, that find time-based work whose own job was missed
-- and do it. Each run is recorded, so an operator (and the fault test)
-- can see which process ran which sweep, when, and what it found.

-- +goose Up
CREATE TABLE sweep_runs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sweep       text        NOT NULL CHECK (sweep <> ''),
    process     text        NOT NULL,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    found       integer     NOT NULL DEFAULT 0 CHECK (found >= 0),
    error       text        NOT NULL DEFAULT '',
    CHECK (finished_at IS NULL OR finished_at >= started_at)
);
CREATE INDEX sweep_runs_sweep_started_idx ON sweep_runs (sweep, started_at DESC);

-- +goose Down
DROP TABLE sweep_runs;
