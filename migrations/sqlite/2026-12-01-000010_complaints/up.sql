-- Complaints (投诉, R-2.6.2) with their steps, the evaluation follow-up (return visits and the
-- one appeal of a bad review), workflow cards (a step of a complaint or a bad review's
-- rectification past its time limit), and the bimonthly performance review (双月考评, R-2.6.3).
-- Times are Unix milliseconds (UTC); JSON is TEXT.

-- A complaint, online (portal, app, 12345 hotline: accepted on arrival, idempotent by the
-- source's reference) or registered by the office (phone, mail, letter, in person). The
-- complainant's phone and ID number are sealed (encrypted); `status` is the last step done and
-- `step_due_at` the deadline of the next one (NULL once published); who did what and when is
-- in `complaint_steps`.
CREATE TABLE complaints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_no TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    source_ref TEXT,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    department_id BIGINT REFERENCES departments(id),
    case_id BIGINT REFERENCES cases(id),
    window_id BIGINT REFERENCES windows(id),
    staff_id BIGINT REFERENCES users(id),
    complainant_name TEXT NOT NULL,
    complainant_phone TEXT NOT NULL,
    complainant_id_number TEXT,
    content TEXT NOT NULL,
    status TEXT NOT NULL,
    step_due_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (source, source_ref)
);
CREATE INDEX complaints_region ON complaints(region_id, created_at);
CREATE INDEX complaints_due ON complaints(step_due_at);

-- Each step done on a complaint: who, what they wrote (the form's content), its deadline and
-- whether it was late.
CREATE TABLE complaint_steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_id BIGINT NOT NULL REFERENCES complaints(id),
    step TEXT NOT NULL,
    actor TEXT NOT NULL,
    actor_id BIGINT,
    body TEXT NOT NULL,
    responsible TEXT,
    due_at BIGINT,
    late BOOLEAN NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX complaint_steps_complaint ON complaint_steps(complaint_id, id);

-- A card for a workflow step past its time limit (a complaint's step, a bad review's
-- rectification): one live card per subject and step; it closes when the step is done.
CREATE TABLE workflow_cards (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    step TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    department_id BIGINT REFERENCES departments(id),
    due_at BIGINT NOT NULL,
    opened_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE UNIQUE INDEX workflow_cards_key ON workflow_cards(subject, subject_id, step);
CREATE INDEX workflow_cards_region ON workflow_cards(region_id, status);

-- Return visits of a bad review: who visited, when, with what result.
CREATE TABLE evaluation_visits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    evaluation_id BIGINT NOT NULL REFERENCES evaluations(id),
    visited_by TEXT NOT NULL,
    visited_at BIGINT NOT NULL,
    result TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX evaluation_visits_evaluation ON evaluation_visits(evaluation_id, id);

-- The evaluated party's one appeal of a bad review, with its evidence (JSON list) and the
-- office's decision; an upheld appeal takes the rating out of the summaries.
CREATE TABLE evaluation_appeals (
    evaluation_id BIGINT PRIMARY KEY REFERENCES evaluations(id),
    reason TEXT NOT NULL,
    evidence TEXT NOT NULL,
    appealed_by TEXT NOT NULL,
    appealed_at BIGINT NOT NULL,
    outcome TEXT,
    decision_note TEXT,
    decided_by TEXT,
    decided_at BIGINT
);

-- The bimonthly performance review (双月考评) of red-flag windows and service stars: the notice
-- opens it; windows apply; the office aggregates (each application's figures for the period
-- pre-filled from stored data, as JSON); each division scores; the office proposes a list; the
-- leader gives an opinion; the list is publicised until `publicity_until`; then announced.
CREATE TABLE performance_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    review_no TEXT NOT NULL UNIQUE,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    title TEXT NOT NULL,
    period_from BIGINT NOT NULL,
    period_to BIGINT NOT NULL,
    stage TEXT NOT NULL,
    notice TEXT NOT NULL,
    leader_opinion TEXT,
    publicity_until BIGINT,
    announcement TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX performance_reviews_region ON performance_reviews(region_id, id);

-- A window's application: a red-flag window (window_id) or a service star (staff_id).
CREATE TABLE review_applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    review_id BIGINT NOT NULL REFERENCES performance_reviews(id),
    award TEXT NOT NULL,
    window_id BIGINT REFERENCES windows(id),
    staff_id BIGINT REFERENCES users(id),
    department_id BIGINT REFERENCES departments(id),
    statement TEXT NOT NULL,
    figures TEXT,
    proposed BOOLEAN NOT NULL,
    applied_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX review_applications_review ON review_applications(review_id, id);

-- One division's (department's) score of one application.
CREATE TABLE review_scores (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES review_applications(id),
    division_id BIGINT NOT NULL REFERENCES departments(id),
    score BIGINT NOT NULL,
    comment TEXT NOT NULL,
    scored_by TEXT NOT NULL,
    scored_at BIGINT NOT NULL,
    UNIQUE (application_id, division_id)
);
