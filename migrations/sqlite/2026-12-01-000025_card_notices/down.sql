DROP INDEX anomalies_unnotified;
ALTER TABLE anomalies DROP COLUMN notified_at;
