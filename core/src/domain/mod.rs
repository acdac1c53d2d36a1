//! Domain types: validated values, ids, permissions and scopes. No IO here.

pub mod access;
pub mod calendar;
pub mod case;
pub mod case_step;
pub mod catalogue;
pub mod cockpit;
pub mod combined;
pub mod courier;
pub mod data_sharing;
pub mod identity;
pub mod ids;
pub mod integrations;
pub mod intermediary;
pub mod license;
pub mod org;
pub mod portal;
pub mod queue;
pub mod regulation;
pub mod supervision;
pub mod working_hours;
