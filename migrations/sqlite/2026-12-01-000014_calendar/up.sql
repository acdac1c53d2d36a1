-- Holiday arrangements loaded at run time (the API or `yiwang calendar import`): a year here
-- replaces the bundled file of the same year, or adds one the build does not ship.
CREATE TABLE calendar_years (
    year BIGINT PRIMARY KEY NOT NULL,
    source TEXT,
    days TEXT NOT NULL,
    loaded_at BIGINT NOT NULL,
    loaded_by TEXT NOT NULL
);
