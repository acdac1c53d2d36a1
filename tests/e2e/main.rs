//! End-to-end tests: the real server on a free port, over SQLite and (when
//! `YIWANG_TEST_POSTGRES` is set) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod audit;
mod auth;
mod bad_input;
mod calendar;
mod card_notices;
mod case_import;
mod case_steps;
mod cases;
mod catalogue;
mod catalogue_sync;
mod cli;
mod cockpit;
mod combined_cases;
mod complaints;
mod console_records;
mod courier;
mod data_sharing;
mod devices;
mod devices_client;
mod devices_queue;
mod evaluation_follow_up;
mod events;
mod health;
mod integrations;
mod intermediaries;
mod intermediary_agencies;
mod jobs;
mod licenses;
mod performance_review;
mod portal;
mod portal_access;
mod queue;
mod queue_appointments;
mod queue_concurrency;
mod regulators;
mod scope;
mod storage;
mod supervision;
mod supervision_facts;
mod supervision_snapshot;
mod users;
