-- A workflow card (a late complaint step, a bad review's rectification, an intermediary's
-- service) is told like the anomaly store's cards: once, within working hours, to the person
-- responsible and to the office; `notified_at` says when. The partial index holds only the
-- cards still waiting.
ALTER TABLE workflow_cards ADD COLUMN notified_at BIGINT;
CREATE INDEX workflow_cards_unnotified ON workflow_cards(opened_at) WHERE notified_at IS NULL;
