//! Provincial catalogue sync on the wire: the province's item changes posted back, the
//! conflicts they raise and an operator's resolution.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::catalogue::ItemContent;

/// What the province does to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncAction {
    /// The item as the province now has it (new or changed).
    Change,
    /// The item is cancelled (取消).
    Cancel,
}

impl SyncAction {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncAction::Change => "change",
            SyncAction::Cancel => "cancel",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "change" => SyncAction::Change,
            "cancel" => SyncAction::Cancel,
            _ => return None,
        })
    }
}

/// A change the province posts (`POST /connectors/NAME/catalogue-changes`).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvinceItemChange {
    /// The province's own id of the message: a repeat is answered as the first.
    pub message_id: String,
    pub action: SyncAction,
    /// The implementing region, by its code.
    pub region_code: String,
    /// The implementing department, by its code in that region; needed for a new item,
    /// otherwise the item keeps its department.
    pub department_code: Option<String>,
    pub item_code: String,
    /// What the item says (for `change`; its `item_code` is the one above).
    pub content: Option<ItemContent>,
}

/// The state of a sync conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConflictStatus {
    /// Waits for an operator.
    Open,
    /// Resolved by taking the province's change.
    Theirs,
    /// Resolved by keeping ours (sent to the province again).
    Ours,
    /// A later change of the province to the same item replaced it.
    Superseded,
}

impl ConflictStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictStatus::Open => "open",
            ConflictStatus::Theirs => "theirs",
            ConflictStatus::Ours => "ours",
            ConflictStatus::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "open" => ConflictStatus::Open,
            "theirs" => ConflictStatus::Theirs,
            "ours" => ConflictStatus::Ours,
            "superseded" => ConflictStatus::Superseded,
            _ => return None,
        })
    }
}

/// A change of the province to an item changed here since the last sync.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SyncConflict {
    pub id: i64,
    pub connector: String,
    /// The province's message that raised it.
    pub message_id: String,
    pub region_id: i64,
    pub department_id: i64,
    pub item_code: String,
    pub action: SyncAction,
    /// What the province says.
    pub theirs: Option<ItemContent>,
    /// What the region's published version says now (none when nothing is published).
    pub ours: Option<ItemContent>,
    /// The newest local version when the change came.
    pub local_version: i64,
    /// The version both sides last agreed on; none when the item was never synced.
    pub synced_version: Option<i64>,
    pub status: ConflictStatus,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
}

/// Filters of the conflict list.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConflictQuery {
    pub status: Option<ConflictStatus>,
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

/// Which side an operator takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Take {
    Theirs,
    Ours,
}

/// An operator's resolution of a conflict.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    pub take: Take,
}
