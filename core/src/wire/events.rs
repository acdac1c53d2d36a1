//! The event log as clients read it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::ids::EventId;

/// One domain event: something changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Event {
    /// Monotonic: resume a stream from the last id seen.
    pub id: EventId,
    pub at: DateTime<Utc>,
    /// What happened, e.g. `user.created`.
    pub kind: String,
    /// The kind of record it happened to, e.g. `user`.
    pub entity: String,
    pub entity_id: i64,
    pub region_id: Option<i64>,
    pub payload: serde_json::Value,
}

/// An audit entry as auditors read it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: i64,
    pub region_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub hash: String,
}

/// The result of checking the audit chain.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditVerification {
    pub entries_checked: u64,
    /// The id of the first entry whose hash or link does not match; `null` when all hold.
    pub first_broken: Option<i64>,
    pub reason: Option<String>,
}
