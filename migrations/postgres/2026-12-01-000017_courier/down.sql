DROP TABLE logistics_reports;
DROP TABLE courier_updates;
DROP TABLE courier_orders;
