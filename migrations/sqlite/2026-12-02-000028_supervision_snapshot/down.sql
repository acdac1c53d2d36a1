DROP TABLE supervision_snapshot_meta;
DROP TABLE supervision_snapshot_chunks;
