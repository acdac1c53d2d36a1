DROP INDEX cases_open_region;
DROP INDEX cases_open_department;
