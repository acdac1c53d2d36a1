-- Cases (办件, R-2.2.1.1): one row per case, its history, and the per-region daily numbering.
-- Times are Unix milliseconds (UTC). The applicant's ID number is sealed (id_sealed) and found
-- by its keyed hash (id_blind); the applicant's details, materials and suspensions are one JSON
-- document (details).
CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_no TEXT NOT NULL UNIQUE,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    item_id BIGINT NOT NULL REFERENCES catalogue_items(id),
    item_code TEXT NOT NULL,
    status TEXT NOT NULL,
    channel TEXT NOT NULL,
    id_blind TEXT NOT NULL,
    id_sealed TEXT NOT NULL,
    step_index BIGINT NOT NULL,
    submitted_at BIGINT NOT NULL,
    accepted_at BIGINT,
    step_started_at BIGINT,
    details TEXT NOT NULL
);
CREATE INDEX cases_region_status ON cases(region_id, status);
CREATE INDEX cases_department ON cases(department_id);
CREATE INDEX cases_id_blind ON cases(id_blind);

CREATE TABLE case_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    step_index BIGINT NOT NULL,
    opinion TEXT
);
CREATE INDEX case_history_case ON case_history(case_id, id);

CREATE TABLE case_numbers (
    region_id BIGINT NOT NULL REFERENCES regions(id),
    day TEXT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (region_id, day)
);
