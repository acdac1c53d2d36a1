-- Courier logistics (R-2.2.4): the orders sent to the courier for a case (the pickup of its
-- materials, the delivery of its result) and the status updates the courier posts back.
-- Times are Unix milliseconds (UTC).

-- One order per case and leg (`pickup` or `result`). The address is sealed like ID numbers;
-- `status` is the latest the courier reported (`ordered` until then).
CREATE TABLE courier_orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    leg TEXT NOT NULL,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    company TEXT NOT NULL,
    envelope_no TEXT,
    waybill_no TEXT,
    address_sealed TEXT NOT NULL,
    address_masked TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (case_id, leg)
);
CREATE INDEX courier_orders_region_day ON courier_orders(region_id, created_at);

-- A status report of the courier, idempotent by its inbound message (peer and message id).
CREATE TABLE courier_updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES courier_orders(id),
    status TEXT NOT NULL,
    note TEXT NOT NULL,
    at BIGINT NOT NULL,
    peer TEXT NOT NULL,
    message_id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    UNIQUE (peer, message_id)
);
CREATE INDEX courier_updates_order ON courier_updates(order_id, at);

-- The daily logistics figures reported to the province, one row per local day (YYYYMMDD), so
-- the job reports each day once.
CREATE TABLE logistics_reports (
    day BIGINT PRIMARY KEY NOT NULL,
    figures TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
