DROP TABLE catalogue_old_codes;
DROP TABLE catalogue_lineage;
DROP TABLE catalogue_items;
