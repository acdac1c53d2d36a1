DROP INDEX result_handovers_window;
DROP TABLE result_handovers;

-- Licenses from elsewhere have no case and cannot go back into the older table.
DROP INDEX license_origins_source;
DROP TABLE license_origins;
DELETE FROM material_reuses WHERE license_id IN (SELECT id FROM licenses WHERE case_id IS NULL);
DELETE FROM license_prints WHERE license_id IN (SELECT id FROM licenses WHERE case_id IS NULL);
DELETE FROM licenses WHERE case_id IS NULL;
ALTER TABLE licenses ALTER COLUMN case_id SET NOT NULL;
