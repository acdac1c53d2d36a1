//! What changes the console's state (actions) and what the state asks the outside world to do
//! (effects). Keys, ticks and the worker's answers all arrive as actions.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use serde::Deserialize;
use yiwang_core::domain::ids::HallId;
use yiwang_core::wire::auth::Me;
use yiwang_core::wire::events::Event;
use yiwang_core::wire::queue::QueueState;

use crate::metrics_text::Scrape;
use crate::state::queues::Waiting;

/// `GET /readyz` as the console reads it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Readiness {
    pub status: String,
    pub database: bool,
    pub migrations_current: bool,
    pub backend: String,
    pub event_log_head: i64,
    pub leader: bool,
    #[serde(default)]
    pub detail: Option<String>,
}

/// How many of each record the caller can see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub halls: u64,
    pub regions: u64,
    pub users: Option<u64>,
}

/// Something that happened.
#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Resize(u16, u16),
    /// Once a second, with the wall clock (the only place the state learns the time).
    Tick(DateTime<Utc>),
    /// Ctrl-C from outside (SIGINT) or the end of the input.
    Quit,
    LoggedIn(Box<Me>),
    AuthFailed(String),
    Ready(Readiness),
    Metrics {
        at: DateTime<Utc>,
        scrape: Scrape,
    },
    /// A probe failed: the server is away; the worker retries after `retry_in_s`.
    ServerDown {
        error: String,
        retry_in_s: u64,
    },
    Counts(Counts),
    /// Events from the log's catch-up or the live stream, oldest first.
    Events(Vec<Event>),
    StreamUp,
    StreamDown,
    /// The halls the caller may read (id and name), in list order.
    Halls(Vec<(HallId, String)>),
    /// The hall list could not be read (e.g. 403: the role reads queues but not halls).
    HallsFailed(String),
    /// A hall's live queue, and its waiting tickets when they were read with it.
    HallQueue {
        live: Box<QueueState>,
        waiting: Option<Vec<Waiting>>,
    },
}

/// Work for the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Recount halls, regions and users (an event named one of them).
    FetchCounts,
    /// List the halls (the caller reads queues; at login and when halls change).
    FetchHalls,
    /// Refresh a hall's live queue (and its waiting list when `waiting`); the worker runs at
    /// most one refresh per hall per 200 ms.
    FetchQueue { hall: HallId, waiting: bool },
}
