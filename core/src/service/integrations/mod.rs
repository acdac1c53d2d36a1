//! Integrations (issue 6): the outbox that delivers the events log to other organisations'
//! systems, and the messages they post back. See `docs/integrations.md`.
//!
//! Each configured connector keeps a cursor in the log and a delivery record per event it
//! owes (attempts, last error, next try, delivered or parked); its wire format lives in one
//! module of [`formats`]. A runner task per connector sends on the leader only.

pub mod admin;
pub mod config;
pub mod courier;
pub mod courier_report;
pub mod deliveries;
pub mod formats;
pub mod inbound;
pub mod logistics;
pub mod runner;

pub use config::{ConnectorConfig, Format, IntegrationsConfig};
pub use runner::{Outbox, start};
