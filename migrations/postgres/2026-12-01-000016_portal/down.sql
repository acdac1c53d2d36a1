DROP TABLE portal_materials;
