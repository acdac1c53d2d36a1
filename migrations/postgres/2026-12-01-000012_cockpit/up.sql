-- The leader cockpit's rollups (领导驾驶舱, R-3.4): counters per local day (yyyymmdd in the
-- platform's zone) × region × department, kept up by the `cockpit-rollup` job folding the
-- event log from its own cursor, so a figure over a year reads at most 366 days of rows and
-- never the cases. Department 0 stands for "none" (evaluations and complaints without one).
CREATE TABLE cockpit_daily (
    day BIGINT NOT NULL,
    region_id BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    online BIGINT NOT NULL DEFAULT 0,
    concluded BIGINT NOT NULL DEFAULT 0,
    on_time BIGINT NOT NULL DEFAULT 0,
    handling_days BIGINT NOT NULL DEFAULT 0,
    courier BIGINT NOT NULL DEFAULT 0,
    ratings BIGINT NOT NULL DEFAULT 0,
    rating_sum BIGINT NOT NULL DEFAULT 0,
    yellow BIGINT NOT NULL DEFAULT 0,
    red BIGINT NOT NULL DEFAULT 0,
    complaints BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, region_id, department_id)
);
CREATE INDEX cockpit_daily_region ON cockpit_daily(region_id, day);

-- Hall visits (tickets taken), visits whose wait ended (called or voided) and the
-- milliseconds waited, per day and the hall's region (a ticket has no department).
CREATE TABLE cockpit_daily_halls (
    day BIGINT NOT NULL,
    region_id BIGINT NOT NULL,
    visits BIGINT NOT NULL DEFAULT 0,
    waits BIGINT NOT NULL DEFAULT 0,
    wait_ms BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, region_id)
);

-- Cases received and concluded per item, for the top items.
CREATE TABLE cockpit_daily_items (
    day BIGINT NOT NULL,
    region_id BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    item_code TEXT NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    concluded BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, region_id, department_id, item_code)
);

-- The last event folded into the rollups (one row, id 1).
CREATE TABLE cockpit_cursor (
    id BIGINT PRIMARY KEY,
    last_event BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
