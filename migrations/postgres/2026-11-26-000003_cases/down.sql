DROP TABLE case_numbers;
DROP TABLE case_history;
DROP TABLE cases;
