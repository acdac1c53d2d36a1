-- Hall devices (R-2.5): kiosks, window LEDs and hall boards, window tablets, access points.
-- Each device acts through its own principal (a user holding the `device` role over the hall's
-- region) and that user's device token. Liveness (online, last_seen_at) and firmware are written
-- only when they change, in batches; heartbeats live in memory. Times are Unix milliseconds.
CREATE TABLE devices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hall_id BIGINT NOT NULL REFERENCES halls(id),
    window_id BIGINT REFERENCES windows(id),
    user_id BIGINT NOT NULL UNIQUE REFERENCES users(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    online BOOLEAN NOT NULL,
    heartbeat_interval_ms BIGINT NOT NULL,
    firmware TEXT,
    capabilities TEXT NOT NULL,
    last_seen_at BIGINT,
    display_state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX devices_hall ON devices(hall_id, kind);

-- Commands to a device: queued → acked, or expired at their own deadline. Delivery is tracked in
-- memory (at least once); delivered_at is written with the acknowledgement.
CREATE TABLE device_commands (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id BIGINT NOT NULL REFERENCES devices(id),
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    delivered_at BIGINT,
    acked_at BIGINT,
    outcome TEXT,
    detail TEXT
);
CREATE INDEX device_commands_device ON device_commands(device_id, status);

-- What happened on a device, once per device-chosen report id (retries never duplicate).
CREATE TABLE device_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id BIGINT NOT NULL REFERENCES devices(id),
    report_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    case_id BIGINT REFERENCES cases(id),
    happened_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    UNIQUE (device_id, report_id)
);
CREATE INDEX device_reports_case ON device_reports(case_id);
