-- The office works workflow cards as it works the anomaly store's: a card is acknowledged,
-- dismissed, noted and silenced (with a reason and an expiry), each action a note here.
ALTER TABLE workflow_cards ADD COLUMN silenced_until BIGINT;
CREATE TABLE workflow_card_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    card_id BIGINT NOT NULL REFERENCES workflow_cards(id),
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    note TEXT
);
CREATE INDEX workflow_card_notes_card ON workflow_card_notes(card_id, id);
