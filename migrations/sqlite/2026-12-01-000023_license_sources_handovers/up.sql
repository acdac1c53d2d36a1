-- Licenses from elsewhere (issue #3, R-2.2.3): besides the A-level licenses the platform's own
-- cases issue, the registry holds licenses registered from another platform, from a paper
-- certificate checked at a window, or found in the provincial e-license library, each with its
-- trust level, so that reusing one can name it. Such a license has no case; its source and
-- issuer are kept beside it (a license without an origin row was issued here).
-- SQLite cannot drop a NOT NULL, so the table is rebuilt; the references to it stay checked at
-- the commit.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE licenses_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    license_no TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    case_id BIGINT UNIQUE REFERENCES cases(id),
    region_id BIGINT NOT NULL REFERENCES regions(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    holder_blind TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    holder_masked TEXT NOT NULL,
    trust_level TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    status TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoke_reason TEXT
);
INSERT INTO licenses_rebuilt (id, license_no, kind, case_id, region_id, department_id,
    holder_blind, holder_name, holder_masked, trust_level, valid_from, valid_to, status,
    issued_at, revoked_at, revoke_reason)
SELECT id, license_no, kind, case_id, region_id, department_id, holder_blind, holder_name,
    holder_masked, trust_level, valid_from, valid_to, status, issued_at, revoked_at,
    revoke_reason
FROM licenses;
DROP TABLE licenses;
ALTER TABLE licenses_rebuilt RENAME TO licenses;
CREATE INDEX licenses_holder ON licenses(holder_blind, status);
CREATE INDEX licenses_region ON licenses(region_id, id);

CREATE TABLE license_origins (
    license_id BIGINT PRIMARY KEY REFERENCES licenses(id),
    source TEXT NOT NULL,
    issuer TEXT
);
CREATE INDEX license_origins_source ON license_origins(source, license_id);

-- The hand-over of a case's result at its output window (出件, R-2.2.2): who handed it to whom,
-- when and how. A proxy's ID number is sealed, and kept masked for the record.
CREATE TABLE result_handovers (
    case_id BIGINT PRIMARY KEY REFERENCES cases(id),
    window_id BIGINT NOT NULL REFERENCES windows(id),
    method TEXT NOT NULL,
    recipient_name TEXT NOT NULL,
    proxy_id_sealed TEXT,
    proxy_id_masked TEXT,
    waybill_no TEXT,
    handed_by_id BIGINT REFERENCES users(id),
    handed_by TEXT NOT NULL,
    handed_at BIGINT NOT NULL
);
CREATE INDEX result_handovers_window ON result_handovers(window_id, handed_at);
