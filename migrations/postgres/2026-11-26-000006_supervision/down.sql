DROP TABLE supervision_orders;
DROP TABLE anomaly_notes;
DROP TABLE anomalies;
DROP TABLE supervision_rule_versions;
DROP TABLE supervision_rules;
