-- Review–supervision interaction (审管互动, R-2.3), the punishment list (惩戒名单) and the
-- provincial e-license library's lookups (R-2.2.3.2). Times are Unix milliseconds (UTC); JSON is
-- TEXT.

-- A regulating department reached through the connector of the same name (format
-- `regulator`): which items' cases it is pushed (`item_codes`), which fields it may receive
-- (`fields`) and how many working days it has to answer a result (`feedback_days`).
CREATE TABLE regulators (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    connector TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    department_id BIGINT REFERENCES departments(id),
    item_codes TEXT NOT NULL,
    fields TEXT NOT NULL,
    feedback_days BIGINT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A case result a regulator acknowledged (one delivery of the outbox), waiting for its feedback
-- until `due_at`; `feedback_at` once answered.
CREATE TABLE regulator_pushes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    regulator_id BIGINT NOT NULL REFERENCES regulators(id),
    delivery_id BIGINT NOT NULL UNIQUE REFERENCES outbox_deliveries(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    region_id BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    pushed_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    feedback_at BIGINT
);
CREATE INDEX regulator_pushes_waiting ON regulator_pushes(feedback_at, due_at);

-- A regulator's feedback on a case (the inbound message's content, kept apart from its text).
CREATE TABLE regulator_feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    regulator_id BIGINT NOT NULL REFERENCES regulators(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    message_id TEXT NOT NULL,
    verdict TEXT NOT NULL,
    content TEXT NOT NULL,
    punishment_id BIGINT,
    received_at BIGINT NOT NULL,
    UNIQUE (regulator_id, message_id)
);

-- The punishment list: a person (ID number) or an organisation (credit code), sealed with a
-- blind index like applicants, listed from `valid_from` until `valid_to` unless lifted
-- (`lifted`: JSON of who lifted it, when and why).
CREATE TABLE punishment_list (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entity_kind TEXT NOT NULL,
    name TEXT NOT NULL,
    number_sealed TEXT NOT NULL,
    number_blind TEXT NOT NULL,
    number_masked TEXT NOT NULL,
    reason TEXT NOT NULL,
    source TEXT NOT NULL,
    source_ref TEXT,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    valid_from BIGINT NOT NULL,
    valid_to BIGINT NOT NULL,
    status TEXT NOT NULL,
    listed_by TEXT NOT NULL,
    listed_at BIGINT NOT NULL,
    lifted TEXT
);
CREATE INDEX punishment_list_number ON punishment_list(number_blind, status);

-- Each lookup of a holder in the provincial e-license library: `found`, `none` or
-- `unreachable`, with the licenses it answered; recent answers are reused.
CREATE TABLE license_library_lookups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    holder_blind TEXT NOT NULL,
    outcome TEXT NOT NULL,
    licenses TEXT NOT NULL,
    error TEXT,
    looked_up_at BIGINT NOT NULL
);
CREATE INDEX license_library_lookups_holder ON license_library_lookups(holder_blind, looked_up_at);
