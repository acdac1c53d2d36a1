-- Licenses from elsewhere (issue #3, R-2.2.3): besides the A-level licenses the platform's own
-- cases issue, the registry holds licenses registered from another platform, from a paper
-- certificate checked at a window, or found in the provincial e-license library, each with its
-- trust level, so that reusing one can name it. Such a license has no case; its source and
-- issuer are kept beside it (a license without an origin row was issued here).
ALTER TABLE licenses ALTER COLUMN case_id DROP NOT NULL;

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
