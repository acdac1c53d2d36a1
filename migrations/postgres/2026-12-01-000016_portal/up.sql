-- What an applicant uploaded with an online application through the portal: metadata only
-- (the files stay in the portal's own store, named by `storage_ref`), kept with the case so
-- staff can match a file to its hash.
CREATE TABLE portal_materials (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    name TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL,
    storage_ref TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX portal_materials_case ON portal_materials (case_id);
