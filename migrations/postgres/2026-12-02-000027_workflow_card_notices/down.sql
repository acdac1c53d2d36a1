DROP INDEX workflow_cards_unnotified;
ALTER TABLE workflow_cards DROP COLUMN notified_at;
