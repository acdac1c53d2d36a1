-- A card's notice to the person responsible for its case (SMS) and to the office (email) is
-- queued once, within the calendar's working hours; `notified_at` says when. The partial index
-- holds only the cards still waiting, so the notice job's look stays small as the store grows.
ALTER TABLE anomalies ADD COLUMN notified_at BIGINT;
CREATE INDEX anomalies_unnotified ON anomalies(opened_at) WHERE notified_at IS NULL;
