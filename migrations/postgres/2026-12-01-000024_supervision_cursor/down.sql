DROP TABLE supervision_cursor;
