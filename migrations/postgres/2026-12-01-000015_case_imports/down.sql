DROP TABLE case_imports;
