-- The supervision engine's projection of the open cases' clocks, saved by the leader so that a
-- start (or a new leader) reads it back and judges only the cases changed since, instead of
-- recomputing every open case. A cache: losing it costs one full rebuild. One row per chunk of
-- case ids (rewritten only when one of its cases changed); the meta row says which event the
-- chunks stand at and what they were computed under (record layout, zone, calendar, rules).
CREATE TABLE supervision_snapshot_chunks (
    chunk BIGINT PRIMARY KEY,
    body BYTEA NOT NULL
);
CREATE TABLE supervision_snapshot_meta (
    id BIGINT PRIMARY KEY,
    layout BIGINT NOT NULL,
    last_event BIGINT NOT NULL,
    fingerprint TEXT NOT NULL,
    cases BIGINT NOT NULL,
    saved_at BIGINT NOT NULL
);
