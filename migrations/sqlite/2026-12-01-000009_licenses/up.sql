-- E-licenses (电子证照, R-2.2.3), their reuse as application material, paper-certificate
-- production (制证, R-3.1), combined cases for parallel approval (并联审批, R-2.2.5) and the
-- single-window routing of a case (一窗受理, R-2.2.2). Times are Unix milliseconds (UTC); validity
-- dates are ISO dates (YYYY-MM-DD) in the platform's zone. The holder is found by the same keyed
-- hash (blind index) as the cases' applicants and is only ever stored masked in clear.
CREATE TABLE licenses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    license_no TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    case_id BIGINT NOT NULL UNIQUE REFERENCES cases(id),
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
CREATE INDEX licenses_holder ON licenses(holder_blind, status);
CREATE INDEX licenses_region ON licenses(region_id, id);

CREATE TABLE material_reuses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    material TEXT NOT NULL,
    license_id BIGINT REFERENCES licenses(id),
    source_case_id BIGINT REFERENCES cases(id),
    trust_level TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX material_reuses_case ON material_reuses(case_id);
CREATE INDEX material_reuses_license ON material_reuses(license_id);

CREATE TABLE license_prints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    license_id BIGINT NOT NULL REFERENCES licenses(id),
    status TEXT NOT NULL,
    queued_at BIGINT NOT NULL,
    queued_by TEXT NOT NULL,
    printed_at BIGINT,
    printed_by TEXT,
    handed_out_at BIGINT,
    handed_out_by TEXT,
    received_by TEXT
);
CREATE INDEX license_prints_status ON license_prints(status, id);
CREATE INDEX license_prints_license ON license_prints(license_id);

CREATE TABLE combined_cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    combined_no TEXT NOT NULL UNIQUE,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    denial_rule TEXT NOT NULL,
    status TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    applicant_masked TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    concluded_at BIGINT
);
CREATE INDEX combined_cases_region ON combined_cases(region_id, id);

CREATE TABLE combined_case_parts (
    case_id BIGINT PRIMARY KEY REFERENCES cases(id),
    combined_id BIGINT NOT NULL REFERENCES combined_cases(id),
    position BIGINT NOT NULL
);
CREATE INDEX combined_case_parts_combined ON combined_case_parts(combined_id, position);

CREATE TABLE case_windows (
    case_id BIGINT PRIMARY KEY REFERENCES cases(id),
    hall_id BIGINT NOT NULL REFERENCES halls(id),
    intake_window_id BIGINT NOT NULL REFERENCES windows(id),
    output_window_id BIGINT NOT NULL REFERENCES windows(id),
    result_ready_at BIGINT
);
CREATE INDEX case_windows_output ON case_windows(output_window_id, case_id);
