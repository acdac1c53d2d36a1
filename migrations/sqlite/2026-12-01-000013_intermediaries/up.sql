-- Intermediaries (涉审中介, R-3.3) and the data-sharing catalogue (信息资源共享目录, R-3.5).
-- Times are Unix milliseconds (UTC); dates are ISO `YYYY-MM-DD` text; JSON is TEXT.

-- An intermediary agency in the registry. `qualifications` (JSON: service type, name,
-- certificate, validity), `service_types` and `items` (JSON lists of codes), `staff` (JSON) are
-- its profile; `status` is admitted, suspended or removed.
CREATE TABLE intermediaries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    credit_code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    status TEXT NOT NULL,
    service_types TEXT NOT NULL,
    items TEXT NOT NULL,
    qualifications TEXT NOT NULL,
    fee_min_fen BIGINT NOT NULL,
    fee_max_fen BIGINT NOT NULL,
    staff TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX intermediaries_region ON intermediaries(region_id, status);

-- Each admission, suspension, reinstatement and removal, with its reason.
CREATE TABLE intermediary_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    intermediary_id BIGINT NOT NULL REFERENCES intermediaries(id),
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX intermediary_history_agency ON intermediary_history(intermediary_id, id);

-- What the credit score is made of besides projects: the regulator's assessments, government
-- credit records (scores 0 to 100) and upheld complaints.
CREATE TABLE intermediary_credit_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    intermediary_id BIGINT NOT NULL REFERENCES intermediaries(id),
    kind TEXT NOT NULL,
    score BIGINT,
    note TEXT NOT NULL,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX intermediary_credit_records_agency ON intermediary_credit_records(intermediary_id, id);

-- A service project posted to the market: where it belongs, what it needs, how its agency
-- is chosen, where it stands and, once contracted, when its service time limit ends.
CREATE TABLE intermediary_projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_no TEXT NOT NULL UNIQUE,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    department_id BIGINT REFERENCES departments(id),
    case_id BIGINT REFERENCES cases(id),
    title TEXT NOT NULL,
    service_type TEXT NOT NULL,
    item_code TEXT NOT NULL,
    budget_fen BIGINT NOT NULL,
    bid_deadline BIGINT NOT NULL,
    selection TEXT NOT NULL,
    status TEXT NOT NULL,
    intermediary_id BIGINT REFERENCES intermediaries(id),
    due_at BIGINT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX intermediary_projects_region ON intermediary_projects(region_id, status);
CREATE INDEX intermediary_projects_agency ON intermediary_projects(intermediary_id);

-- A project from its selection on: the price, the draw's seed and candidates (kept so that the
-- draw can be recomputed), the contract, the delivery and the evaluation.
CREATE TABLE intermediary_project_progress (
    project_id BIGINT PRIMARY KEY REFERENCES intermediary_projects(id),
    price_fen BIGINT,
    draw_seed TEXT,
    draw_candidates TEXT,
    selected_at BIGINT NOT NULL,
    service_days BIGINT,
    contracted_at BIGINT,
    delivered_at BIGINT,
    result_material TEXT,
    late BOOLEAN NOT NULL,
    evaluation_score BIGINT,
    evaluation_comment TEXT
);

-- An agency's bid on a lowest-price project: one per agency.
CREATE TABLE intermediary_bids (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES intermediary_projects(id),
    intermediary_id BIGINT NOT NULL REFERENCES intermediaries(id),
    price_fen BIGINT NOT NULL,
    note TEXT NOT NULL,
    at BIGINT NOT NULL,
    UNIQUE (project_id, intermediary_id)
);

-- A data set a department provides: its fields (JSON), update frequency and form.
CREATE TABLE data_sets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    description TEXT NOT NULL,
    fields TEXT NOT NULL,
    update_frequency TEXT NOT NULL,
    form TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX data_sets_department ON data_sets(department_id);

-- A department's request to use a data set, and the provider's decision: an approved request
-- is a sharing agreement, valid until `valid_until` (end of that day, local time).
CREATE TABLE data_share_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    data_set_id BIGINT NOT NULL REFERENCES data_sets(id),
    provider_department_id BIGINT NOT NULL REFERENCES departments(id),
    provider_region_id BIGINT NOT NULL REFERENCES regions(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    region_id BIGINT NOT NULL REFERENCES regions(id),
    purpose TEXT NOT NULL,
    fields TEXT NOT NULL,
    status TEXT NOT NULL,
    agreement_no TEXT,
    valid_until BIGINT,
    decision_note TEXT,
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT
);
CREATE INDEX data_share_requests_set ON data_share_requests(data_set_id, status);

-- Each use of shared data under an agreement.
CREATE TABLE data_share_uses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id BIGINT NOT NULL REFERENCES data_share_requests(id),
    purpose TEXT NOT NULL,
    records BIGINT NOT NULL,
    used_by TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX data_share_uses_request ON data_share_uses(request_id, id);
