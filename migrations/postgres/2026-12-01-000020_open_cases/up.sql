-- A department's or a region's open cases in case order, without walking its concluded ones:
-- the work lists of the back offices (issue #3: 100 per page under 10 ms at 1,000,000 cases).
-- The condition is written exactly as the case list writes it, which SQLite needs to use them.
CREATE INDEX cases_open_department ON cases(department_id, id)
    WHERE status IN ('submitted', 'supplement_requested', 'in_review', 'suspended');
CREATE INDEX cases_open_region ON cases(region_id, id)
    WHERE status IN ('submitted', 'supplement_requested', 'in_review', 'suspended');
