-- Online supervision (网上督查, R-2.6.1): rules with their versions, the anomaly store (异常信息库)
-- with its notes, and supervision orders (督办单) with their replies. Times are Unix
-- milliseconds (UTC); JSON is TEXT.
CREATE TABLE supervision_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    condition TEXT NOT NULL,
    scope TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    builtin BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Every saved version of a rule, as JSON, so a finding can name the version that made it.
CREATE TABLE supervision_rule_versions (
    rule_id BIGINT NOT NULL REFERENCES supervision_rules(id),
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (rule_id, version)
);

-- One live anomaly per rule, case and step (step -1: the whole case); a finished one keeps
-- its row (closed_at set) and a new one may open later.
CREATE TABLE anomalies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id BIGINT NOT NULL REFERENCES supervision_rules(id),
    rule_version BIGINT NOT NULL,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    step BIGINT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    facts TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    closed_at BIGINT,
    closed_by TEXT,
    silenced_until BIGINT
);
CREATE UNIQUE INDEX anomalies_live ON anomalies(rule_id, case_id, step) WHERE closed_at IS NULL;
CREATE INDEX anomalies_case ON anomalies(case_id);
CREATE INDEX anomalies_region_status ON anomalies(region_id, status);

CREATE TABLE anomaly_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    anomaly_id BIGINT NOT NULL REFERENCES anomalies(id),
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    note TEXT
);
CREATE INDEX anomaly_notes_anomaly ON anomaly_notes(anomaly_id, id);

-- A supervision order to a window head, from an anomaly or straight from a case; the reply
-- (cause, correction, confirmed or disputed, who) is one JSON document. A silence's reason is
-- its note.
CREATE TABLE supervision_orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_no TEXT NOT NULL UNIQUE,
    anomaly_id BIGINT REFERENCES anomalies(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    region_id BIGINT NOT NULL REFERENCES regions(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    addressee TEXT NOT NULL,
    content TEXT NOT NULL,
    status TEXT NOT NULL,
    reply_due_at BIGINT NOT NULL,
    reply TEXT,
    replied_at BIGINT,
    closed_at BIGINT,
    escalated_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX supervision_orders_region_status ON supervision_orders(region_id, status);
CREATE INDEX supervision_orders_due ON supervision_orders(status, reply_due_at);
