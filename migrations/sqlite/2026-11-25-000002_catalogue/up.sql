-- The service-item catalogue (R-2.1): immutable item versions, their lineage, old-code mapping.
-- Times are Unix milliseconds (UTC); fee, materials, workflow, delivery modes and extension
-- fields and the legal basis are one JSON document (TEXT) per version, since a version never changes.
CREATE TABLE catalogue_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_code TEXT NOT NULL,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    change_kind TEXT NOT NULL,
    name TEXT NOT NULL,
    item_type TEXT NOT NULL,
    legal_limit_days BIGINT NOT NULL,
    promised_limit_days BIGINT NOT NULL,
    online BOOLEAN NOT NULL,
    details TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    published_at BIGINT,
    retired_at BIGINT,
    UNIQUE (item_code, region_id, version)
);
CREATE INDEX catalogue_items_region_status ON catalogue_items(region_id, status);
CREATE INDEX catalogue_items_department ON catalogue_items(department_id);

CREATE TABLE catalogue_lineage (
    item_id BIGINT NOT NULL REFERENCES catalogue_items(id),
    source_id BIGINT NOT NULL REFERENCES catalogue_items(id),
    PRIMARY KEY (item_id, source_id)
);
CREATE INDEX catalogue_lineage_source ON catalogue_lineage(source_id);

CREATE TABLE catalogue_old_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    old_code TEXT NOT NULL,
    old_name TEXT NOT NULL,
    item_code TEXT NOT NULL,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    created_at BIGINT NOT NULL,
    UNIQUE (old_code, item_code, region_id)
);
CREATE INDEX catalogue_old_codes_item ON catalogue_old_codes(item_code, region_id);
