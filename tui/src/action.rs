//! What changes the console's state (actions) and what the state asks the outside world to do
//! (effects). Keys, ticks and the worker's answers all arrive as actions.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use serde::Deserialize;
use yiwang_core::domain::case::CaseId;
use yiwang_core::domain::ids::{DeviceId, HallId};
use yiwang_core::domain::supervision::cards::AnomalyAction;
use yiwang_core::wire::auth::Me;
use yiwang_core::wire::cases::Case;
use yiwang_core::wire::devices::{Device, DeviceDetail};
use yiwang_core::wire::events::Event;
use yiwang_core::wire::queue::QueueState;
use yiwang_core::wire::supervision::{Anomaly, AnomalyDetail};

use crate::metrics_text::Scrape;
use crate::state::card::Card;
use crate::state::cases::{CaseSearch, OpenCase};
use crate::state::cockpit::CockpitData;
use crate::state::names::OrgNames;
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
    /// The names of the regions and departments the caller may read.
    Names(Box<OrgNames>),
    /// Every live card in the caller's supervision scope (compacted page by page as read).
    Anomalies(Vec<Card>),
    /// The card list could not be read.
    AnomaliesFailed(String),
    /// Cards as the server has them now (after an event or an action).
    AnomaliesChanged(Vec<Anomaly>),
    /// A card opened with Enter: its notes, its case's cards and the case's history.
    AnomalyOpened(Box<AnomalyDetail>),
    /// A search's cases (`more`: more matched than were read).
    CasesFound {
        cases: Vec<Case>,
        more: bool,
    },
    CasesFailed(String),
    /// A case read again after an event about it.
    CaseChanged(Box<Case>),
    CaseOpened(Box<OpenCase>),
    /// Every device in the caller's scope.
    Devices(Vec<Device>),
    DevicesFailed(String),
    DeviceChanged(Box<Device>),
    DeviceOpened(Box<DeviceDetail>),
    /// The Cockpit view's figures.
    Cockpit(Box<CockpitData>),
    CockpitFailed(String),
    /// What an action did (or why the server refused it), for the status bar.
    Outcome {
        ok: bool,
        message: String,
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
    FetchQueue {
        hall: HallId,
        waiting: bool,
    },
    /// Read the names of regions and departments (at login and when one changes).
    FetchNames,
    /// Read every live card.
    FetchAnomalies,
    /// Read these cards again (events named them).
    RefreshAnomalies(Vec<i64>),
    /// Read a card with its notes and its case's history.
    OpenAnomaly(i64),
    /// Acknowledge, dismiss, … cards (one request for one card, the bulk route for several).
    ActOnAnomalies {
        ids: Vec<i64>,
        action: AnomalyAction,
        note: String,
    },
    /// Issue a supervision order for each card.
    IssueOrders {
        ids: Vec<i64>,
        addressee: String,
        content: String,
        reply_days: u32,
    },
    /// Add a note to each card.
    NoteAnomalies {
        ids: Vec<i64>,
        note: String,
    },
    SearchCases(CaseSearch),
    RefreshCase(CaseId),
    OpenCase(CaseId),
    FetchDevices,
    RefreshDevice(DeviceId),
    OpenDevice(DeviceId),
    /// Show a text on a device.
    SendDisplay {
        device: DeviceId,
        text: String,
    },
    /// Read the cockpit's figures per region and department and the daily trend of a period.
    FetchCockpit {
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    },
}
