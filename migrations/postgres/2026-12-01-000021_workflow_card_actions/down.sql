DROP TABLE workflow_card_notes;
ALTER TABLE workflow_cards DROP COLUMN silenced_until;
