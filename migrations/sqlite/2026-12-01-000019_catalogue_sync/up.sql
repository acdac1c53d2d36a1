-- Provincial catalogue sync (R-2.1.4) and double publicity (双公示, R-2.2.1.6), issue 6.
-- Times are Unix milliseconds (UTC); JSON is TEXT.

-- Where an item of a region stands with the province: `synced_version` is the local version
-- both sides last agreed on (the province acknowledged ours, or we applied theirs; `source`
-- says which). A local version above it is a change the province has not seen.
CREATE TABLE catalogue_sync_items (
    connector TEXT NOT NULL,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    item_code TEXT NOT NULL,
    synced_version BIGINT NOT NULL,
    source TEXT NOT NULL,
    synced_at BIGINT NOT NULL,
    PRIMARY KEY (connector, region_id, item_code)
);

-- A change from the province to an item changed here since the last sync: kept, never applied
-- silently; `status` is open, theirs (taken), ours (kept) or superseded (a later change came).
CREATE TABLE catalogue_sync_conflicts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    connector TEXT NOT NULL,
    message_id TEXT NOT NULL,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    item_code TEXT NOT NULL,
    action TEXT NOT NULL,
    theirs TEXT NOT NULL,
    local_version BIGINT NOT NULL,
    synced_version BIGINT,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT,
    resolved_by TEXT
);
CREATE INDEX catalogue_sync_conflicts_item ON catalogue_sync_conflicts(region_id, item_code, status);

-- Which fields a department publishes to the credit platform (a JSON list of field names).
CREATE TABLE publicity_fields (
    department_id BIGINT PRIMARY KEY NOT NULL REFERENCES departments(id),
    fields TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

-- A concluded licensing decision owed to the credit platform by `due_at` (7 working days
-- after the conclusion), when it was acknowledged, and the platform's validation result.
CREATE TABLE publicity_reports (
    case_id BIGINT PRIMARY KEY NOT NULL REFERENCES cases(id),
    region_id BIGINT NOT NULL REFERENCES regions(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    concluded_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    reported_at BIGINT,
    receipt TEXT,
    validation_status TEXT,
    validation_message TEXT,
    validated_at BIGINT
);
CREATE INDEX publicity_reports_due ON publicity_reports(reported_at, due_at);
