-- Delegations of case work (委托, R-2.2.1.1): the delegator's steps may be approved, directed
-- and transferred by the delegate, either for a period [starts_at, ends_at) or for one step of
-- one case (case_id and step_index set, no end). Times are Unix milliseconds (UTC). A revoked
-- delegation keeps its row with revoked_at.
CREATE TABLE case_delegations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delegator_id BIGINT NOT NULL REFERENCES users(id),
    delegate_id BIGINT NOT NULL REFERENCES users(id),
    case_id BIGINT REFERENCES cases(id),
    step_index BIGINT,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX case_delegations_delegate ON case_delegations(delegate_id);
CREATE INDEX case_delegations_delegator ON case_delegations(delegator_id);
