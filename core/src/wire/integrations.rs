//! Integrations on the wire: connectors' state, parked deliveries, replays, reconciliation and
//! inbound messages from peers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::integrations::DeliveryStatus;

/// One connector as the operations centre sees it (no credentials).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConnectorState {
    pub name: String,
    /// The wire format: `webhook`, `province_cases` or `email`.
    pub format: String,
    pub endpoint: String,
    /// Off in the configuration: nothing is taken in or sent.
    pub enabled: bool,
    /// Paused by an operator: events are still taken in, nothing is sent.
    pub paused: bool,
    /// The last event of the log this connector has looked at.
    pub cursor: i64,
    /// The newest event of the log.
    pub log_head: i64,
    /// Events owed to the peer and not yet acknowledged (parked ones excluded).
    pub backlog: i64,
    /// Events that failed every attempt and wait for a replay.
    pub parked: i64,
    pub delivered: i64,
    /// Age of the oldest event in the backlog, in seconds (0 when the backlog is empty).
    pub lag_seconds: f64,
    pub oldest_pending_at: Option<DateTime<Utc>>,
}

/// One event owed to a connector.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Delivery {
    pub connector: String,
    pub event_id: i64,
    pub event_kind: String,
    /// When the event was logged.
    pub event_at: DateTime<Utc>,
    pub entity: String,
    pub entity_id: i64,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub idempotency_key: String,
    pub next_try_at: DateTime<Utc>,
    /// The peer's receipt id, when it gave one.
    pub receipt: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// What a replay put back into the backlog.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Replayed {
    pub connector: String,
    pub replayed: i64,
}

/// The time range a reconciliation looks at: events logged in `[from, to)`.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReconcileQuery {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// What was sent to a peer against what it acknowledged, for events logged in a time range.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reconciliation {
    pub connector: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Events of the range this connector takes.
    pub owed: i64,
    /// Acknowledged with the peer's receipt id.
    pub acknowledged: i64,
    pub pending: i64,
    pub parked: i64,
    /// Events of the range the connector has not yet looked at.
    pub not_taken_in: i64,
    /// Up to 100 deliveries of the range without an acknowledgement, oldest first.
    pub unacknowledged: Vec<Delivery>,
}

/// A message a peer posts back (an SMS reply, a status callback).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboundMessage {
    /// The peer's own id of the message: a repeat is answered as the first and stored once.
    pub message_id: String,
    /// What the message answers: the idempotency key yiwang sent with the message it replies to.
    pub reference: Option<String>,
    /// The message's text (an SMS reply: "1" to "5"; a courier's note on its report).
    #[serde(default)]
    pub text: String,
    /// A courier's report: the order's new status (`accepted`, `collected`, `in_transit`,
    /// `out_for_delivery`, `delivered`, `failed`, `returned`).
    #[serde(default)]
    pub status: Option<String>,
    /// A courier's report: the waybill it assigned.
    #[serde(default)]
    pub waybill_no: Option<String>,
    /// A courier's report: when it happened (default: when it arrives).
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    /// What a structured callback says (a regulator's feedback: `verdict`, `entity`,
    /// `listed_until`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

/// The answer to an inbound message; a repeat gets the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InboundAnswer {
    pub peer: String,
    pub message_id: String,
    /// `applied` (it changed something), `ignored` (stored, nothing to do: `reason` says why).
    pub status: String,
    pub reason: Option<String>,
    /// The evaluation an SMS rating became.
    pub evaluation_id: Option<i64>,
    /// The courier order's status after a courier's report.
    #[serde(default)]
    pub order_status: Option<String>,
    /// The punishment-list entry a regulator's feedback added.
    #[serde(default)]
    pub punishment_id: Option<i64>,
}
