-- Integrity-risk people (廉政风险点人员): staff the supervision office flags, with the reason.
-- Cases they acted on have the fact `person.risk_point`; the index on the history's actors finds
-- those cases without reading the whole history.
CREATE TABLE risk_people (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    reason TEXT NOT NULL,
    flagged_by BIGINT,
    flagged_at BIGINT NOT NULL
);
CREATE INDEX case_history_actor ON case_history(actor_id, case_id);
