//! End-to-end tests: the real server on a free port, over SQLite and (when
//! `YIWANG_TEST_POSTGRES` is set) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod audit;
mod auth;
mod bad_input;
mod cases;
mod catalogue;
mod cli;
mod console_records;
mod devices;
mod devices_client;
mod devices_queue;
mod events;
mod health;
mod jobs;
mod queue;
mod queue_appointments;
mod queue_concurrency;
mod scope;
mod storage;
mod supervision;
