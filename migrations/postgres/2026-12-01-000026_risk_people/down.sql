DROP INDEX case_history_actor;
DROP TABLE risk_people;
