//! The catalogue on the wire: item versions, changes, the old-code mapping, the exchange format
//! for import and export (documented in `docs/catalogue.md`) and the online-share figures.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::catalogue::{ChangeKind, ItemContent, ItemStatus, ItemType};
use crate::domain::ids::{DepartmentId, ItemId, RegionId};
use crate::domain::org::RegionLevel;
use crate::error::FieldError;

/// One version of a service item. Published and retired versions never change.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Item {
    pub id: ItemId,
    pub region_id: RegionId,
    /// The implementing level: the level of the item's region.
    pub level: RegionLevel,
    pub department_id: DepartmentId,
    /// 1, 2, … per item code and region.
    pub version: i64,
    pub status: ItemStatus,
    /// How this version came to be.
    pub change_kind: ChangeKind,
    /// The versions this one came from (empty for a new item).
    pub lineage: Vec<ItemId>,
    /// Old-system codes mapped to this item code in this region.
    pub old_codes: Vec<String>,
    pub content: ItemContent,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub retired_at: Option<DateTime<Utc>>,
}

/// A new item: its first draft version.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    pub region_id: RegionId,
    pub department_id: DepartmentId,
    pub content: ItemContent,
}

/// The content of one draft; the department defaults to the one it replaces.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftSpec {
    pub department_id: Option<DepartmentId>,
    pub content: ItemContent,
}

/// A catalogue change as the national guide types it: `change` (one source, one draft),
/// `split` (one source, several drafts), `merge` (several sources, one draft), `suspend` and
/// `cancel` (one source, copied). Sources must be published versions of one region.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemChange {
    pub kind: ChangeKind,
    pub sources: Vec<ItemId>,
    #[serde(default)]
    pub items: Vec<DraftSpec>,
}

/// The quality check's verdict.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckReport {
    pub passed: bool,
    /// Every failure, by field.
    pub failures: Vec<FieldError>,
}

/// Filters of the item list; every one optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ItemQuery {
    pub region_id: Option<i64>,
    pub department_id: Option<i64>,
    pub item_type: Option<ItemType>,
    pub status: Option<ItemStatus>,
    /// Exact item code (every version of it).
    pub item_code: Option<String>,
    /// Items an old-system code maps to.
    pub old_code: Option<String>,
    /// Text in the name or the code.
    pub q: Option<String>,
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

/// One old-system code mapped to a new item code in a region.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OldCodeMapping {
    pub id: i64,
    pub old_code: String,
    pub old_name: String,
    pub item_code: String,
    pub region_id: RegionId,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOldCodeMapping {
    pub old_code: String,
    #[serde(default)]
    pub old_name: String,
    pub item_code: String,
    pub region_id: RegionId,
}

/// Filters of the mapping table: by old code, or by new item code.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OldCodeQuery {
    pub old_code: Option<String>,
    pub item_code: Option<String>,
    pub region_id: Option<i64>,
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

/// Which region's published items to export.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    pub region_id: i64,
}

/// Which region an import creates its drafts in.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    pub region_id: i64,
}

/// The format name every exchange document carries.
pub const EXCHANGE_FORMAT: &str = "yiwang.catalogue";
/// The format version this build writes and reads.
pub const EXCHANGE_VERSION: u32 = 1;

/// The catalogue exchange document (`docs/catalogue.md`).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueExport {
    /// Always `yiwang.catalogue`.
    pub format: String,
    /// Always 1 for now.
    pub format_version: u32,
    /// The division code of the region exported.
    pub region_code: String,
    pub exported_at: DateTime<Utc>,
    pub items: Vec<ExportedItem>,
}

/// One published item in an exchange document.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportedItem {
    /// The implementing department, by code: the importing region's department with the same
    /// code implements the imported draft.
    pub department_code: String,
    /// The version in the exporting region (informative; imports number their own).
    #[serde(default)]
    pub version: Option<i64>,
    #[serde(default)]
    pub old_codes: Vec<String>,
    pub content: ItemContent,
}

/// What an import created: one draft per item, in document order.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub region_id: RegionId,
    pub drafts: Vec<ItemId>,
}

/// Online availability of one region's published items.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegionFigures {
    pub region_id: RegionId,
    pub region_code: String,
    pub region_name: String,
    /// Published items that are not suspended.
    pub published: i64,
    /// Of those, the ones that can be applied for online.
    pub online: i64,
    /// `online / published`, 0 when nothing is published.
    pub online_share: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CatalogueFigures {
    pub regions: Vec<RegionFigures>,
}
