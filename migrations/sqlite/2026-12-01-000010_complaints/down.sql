DROP TABLE review_scores;
DROP TABLE review_applications;
DROP TABLE performance_reviews;
DROP TABLE evaluation_appeals;
DROP TABLE evaluation_visits;
DROP TABLE workflow_cards;
DROP TABLE complaint_steps;
DROP TABLE complaints;
