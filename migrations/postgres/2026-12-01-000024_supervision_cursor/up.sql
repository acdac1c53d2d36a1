-- Where the supervision engine stands in the event log: every case event up to `last_event` has
-- been judged and its cards stored. A rebuild (start, a new leader, a lapse) judges the cases of
-- the events after it, so a case concluded while no engine ran still gets its conclusion's cards.
-- Existing data starts at the log's head: its history was judged by the engine that ran then.
CREATE TABLE supervision_cursor (
    id BIGINT PRIMARY KEY,
    last_event BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO supervision_cursor (id, last_event, updated_at)
SELECT 1, COALESCE(MAX(id), 0), 0 FROM events;
