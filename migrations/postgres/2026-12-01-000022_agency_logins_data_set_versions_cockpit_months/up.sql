-- An agency's own staff (issue #8): a user bound to one agency acts for it in the market
-- (sees the projects open to it, bids, accepts its contracts, delivers) and sees nothing of
-- other agencies. One agency per user.
CREATE TABLE intermediary_logins (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    intermediary_id BIGINT NOT NULL REFERENCES intermediaries(id),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX intermediary_logins_agency ON intermediary_logins(intermediary_id);

-- A project cancelled by its poster or department before delivery: who, when and why.
CREATE TABLE intermediary_project_cancellations (
    project_id BIGINT PRIMARY KEY REFERENCES intermediary_projects(id),
    reason TEXT NOT NULL,
    cancelled_by BIGINT NOT NULL REFERENCES users(id),
    cancelled_at BIGINT NOT NULL
);

-- When the selected agency accepted (countersigned) the contract.
ALTER TABLE intermediary_project_progress ADD COLUMN accepted_at BIGINT;

-- A data set's versions (issue #8): every edit is a new version, the old ones stay readable;
-- a withdrawn data set stays in the catalogue, marked, and takes no request.
ALTER TABLE data_sets ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE data_sets ADD COLUMN withdrawn_at BIGINT;
ALTER TABLE data_sets ADD COLUMN withdraw_reason TEXT;
CREATE TABLE data_set_versions (
    data_set_id BIGINT NOT NULL REFERENCES data_sets(id),
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    fields TEXT NOT NULL,
    update_frequency TEXT NOT NULL,
    form TEXT NOT NULL,
    note TEXT NOT NULL,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (data_set_id, version)
);
INSERT INTO data_set_versions
    (data_set_id, version, name, description, fields, update_frequency, form, note, actor, at)
    SELECT id, 1, name, description, fields, update_frequency, form, '', '', created_at
    FROM data_sets;

-- The cockpit's monthly rollups (yyyymm × region × department, and × item): the sums of the
-- daily rows of each month, kept equal to them by the `cockpit-rollup` fold (it recomputes the
-- months whose days it touched) and by the rebuild. A figure over whole months reads these,
-- the days before and after them the daily rows: a year is 12 rows per region and department
-- instead of 365.
CREATE TABLE cockpit_monthly (
    month BIGINT NOT NULL,
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
    PRIMARY KEY (month, region_id, department_id)
);
CREATE TABLE cockpit_monthly_items (
    month BIGINT NOT NULL,
    region_id BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    item_code TEXT NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    concluded BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, region_id, department_id, item_code)
);
-- The fold recomputes a month of one region and department: its item rows by that cell.
CREATE INDEX cockpit_daily_items_cell ON cockpit_daily_items(region_id, department_id, day);
INSERT INTO cockpit_monthly
    (month, region_id, department_id, received, online, concluded, on_time, handling_days,
     courier, ratings, rating_sum, yellow, red, complaints)
    SELECT day / 100, region_id, department_id, SUM(received), SUM(online), SUM(concluded),
           SUM(on_time), SUM(handling_days), SUM(courier), SUM(ratings), SUM(rating_sum),
           SUM(yellow), SUM(red), SUM(complaints)
    FROM cockpit_daily GROUP BY day / 100, region_id, department_id;
INSERT INTO cockpit_monthly_items
    (month, region_id, department_id, item_code, received, concluded)
    SELECT day / 100, region_id, department_id, item_code, SUM(received), SUM(concluded)
    FROM cockpit_daily_items GROUP BY day / 100, region_id, department_id, item_code;
