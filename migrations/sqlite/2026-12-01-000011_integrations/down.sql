DROP TABLE inbound_messages;
DROP TABLE outbox_deliveries;
DROP TABLE connector_cursors;
