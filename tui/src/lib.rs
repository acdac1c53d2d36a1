//! yiwang-console: the operations console (ratatui + crossterm) for the monitoring centre and
//! the supervision office. A client of the API only: it never touches the database.
//!
//! The views arrive with the console issue; this crate already pins the dependency direction
//! (`core` wire types over HTTP) so the workspace builds the way it will ship.
