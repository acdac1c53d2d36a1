DROP TABLE case_windows;
DROP TABLE combined_case_parts;
DROP TABLE combined_cases;
DROP TABLE license_prints;
DROP TABLE material_reuses;
DROP TABLE licenses;
