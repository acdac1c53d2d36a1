-- Past cases loaded from an old system: its name and number identify each, so a file
-- imported again skips the cases already in.
CREATE TABLE case_imports (
    source TEXT NOT NULL,
    legacy_no TEXT NOT NULL,
    case_id BIGINT NOT NULL UNIQUE REFERENCES cases(id),
    imported_at BIGINT NOT NULL,
    PRIMARY KEY (source, legacy_no)
);
