DROP TABLE device_reports;
DROP TABLE device_commands;
DROP TABLE devices;
