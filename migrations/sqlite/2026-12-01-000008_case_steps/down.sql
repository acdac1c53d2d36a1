DROP TABLE case_delegations;
