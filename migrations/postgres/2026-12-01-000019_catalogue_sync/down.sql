DROP TABLE publicity_reports;
DROP TABLE publicity_fields;
DROP TABLE catalogue_sync_conflicts;
DROP TABLE catalogue_sync_items;
