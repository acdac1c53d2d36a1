DROP TABLE cockpit_cursor;
DROP TABLE cockpit_daily_items;
DROP TABLE cockpit_daily_halls;
DROP TABLE cockpit_daily;
