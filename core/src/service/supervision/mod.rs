//! Online supervision (网上督查, R-2.6.1): rules and indicators, the engine that turns case
//! clocks and events into yellow and red cards, the anomaly store and its life, dry runs.
//!
//! The language, the projection and the cards' rules are pure domain code in
//! `domain::supervision`; this module stores, schedules and checks access. Every change is one
//! `store.write` with its audit entry and event.

mod anomalies;
mod card_notices;
pub(crate) mod clocks;
mod comparison;
mod complaints;
mod cursor;
mod dryrun;
mod engine;
mod evaluations;
mod follow_up;
mod notify;
mod orders;
mod people;
pub(crate) mod print;
mod review;
mod risk_people;
mod rules;
mod snapshot;
mod workflow_card_notices;
pub(crate) mod workflow_cards;

pub use card_notices::notify_cards;
pub use engine::{Engine, jobs, tick};
pub use orders::escalate_overdue;
pub use rules::builtin_rules;
pub use workflow_cards::raise_overdue;
