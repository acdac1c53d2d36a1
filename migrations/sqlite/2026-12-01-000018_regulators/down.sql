DROP TABLE license_library_lookups;
DROP TABLE punishment_list;
DROP TABLE regulator_feedback;
DROP TABLE regulator_pushes;
DROP TABLE regulators;
