-- Evaluations (好差评, R-2.2.1.3): ratings 1 to 5 from the window tablet, SMS replies or online,
-- each linked to a case and/or a window (and the ticket and staff member when known). One per
-- source message: (source, source_message_id) is unique, so a retried submission is one rating.
-- ticket_id has no foreign key: the queue's tickets live in another part of the schema.
-- A bad rating (1-2) carries its follow-up as JSON: the call-back deadline and the 15-working-day
-- rectification clock.
CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    source_message_id TEXT NOT NULL,
    rating BIGINT NOT NULL,
    comment TEXT,
    case_id BIGINT REFERENCES cases(id),
    ticket_id BIGINT,
    window_id BIGINT REFERENCES windows(id),
    staff_id BIGINT REFERENCES users(id),
    region_id BIGINT NOT NULL REFERENCES regions(id),
    department_id BIGINT REFERENCES departments(id),
    item_code TEXT,
    follow_up_status TEXT,
    follow_up TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (source, source_message_id)
);
CREATE INDEX evaluations_region ON evaluations(region_id, created_at);
CREATE INDEX evaluations_follow_up ON evaluations(follow_up_status);
