-- Integrations (issue 6): the outbox that delivers the events log to peers, one cursor and one
-- delivery record per event per connector, and the inbound messages peers post back.
-- Times are Unix milliseconds (UTC); JSON is TEXT.

-- A connector's position in the events log: every event up to `cursor` has been looked at and,
-- when the connector wants it, has a delivery record (both written in one transaction, so a
-- restart never skips an event). `paused` stops sending, not taking in.
CREATE TABLE connector_cursors (
    connector TEXT PRIMARY KEY NOT NULL,
    cursor BIGINT NOT NULL,
    paused BOOLEAN NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One event owed to one connector: `status` is pending, delivered or parked; `attempts` counts
-- tries, `next_try_at` is when a pending one is due (exponential back-off with jitter);
-- `idempotency_key` is sent with every try; `receipt` is the peer's acknowledgement id.
CREATE TABLE outbox_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    connector TEXT NOT NULL,
    event_id BIGINT NOT NULL REFERENCES events(id),
    event_at BIGINT NOT NULL,
    idempotency_key TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    last_error TEXT,
    next_try_at BIGINT NOT NULL,
    receipt TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT,
    UNIQUE (connector, event_id)
);
CREATE INDEX outbox_deliveries_due ON outbox_deliveries(connector, status, next_try_at);

-- A message a peer posted (SMS reply, callback), stored before it is acknowledged; a repeat of
-- the peer's own message id gets the stored answer.
CREATE TABLE inbound_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    peer TEXT NOT NULL,
    message_id TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    answer TEXT,
    received_at BIGINT NOT NULL,
    UNIQUE (peer, message_id)
);
