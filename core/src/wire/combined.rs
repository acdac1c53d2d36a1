//! Combined cases (联办, parallel approval) on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::case::{CaseId, CaseStatus};
use crate::domain::combined::{CombinedStatus, DenialRule};
use crate::domain::ids::{DepartmentId, ItemId, RegionId, WindowId};
use crate::wire::cases::{ApplicantInput, Channel};

/// One item of a combined application, with the materials handed in for it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CombinedItem {
    pub item_id: ItemId,
    #[serde(default)]
    pub materials: Vec<String>,
    /// What the applicant declares for this item's fee when it is charged by formula.
    #[serde(default)]
    pub declared_quantity: Option<u64>,
}

/// One application for several items of several departments (并联审批).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCombinedCase {
    pub channel: Channel,
    pub applicant: ApplicantInput,
    /// At least two published items of one region, each once.
    pub items: Vec<CombinedItem>,
    pub denial_rule: DenialRule,
    #[serde(default)]
    pub intake_window_id: Option<WindowId>,
    #[serde(default)]
    pub output_window_id: Option<WindowId>,
}

/// One sub-case of a combined case, as it stands.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SubCase {
    pub case_id: CaseId,
    pub case_no: String,
    pub item_id: ItemId,
    pub item_name: String,
    pub department_id: DepartmentId,
    pub status: CaseStatus,
}

/// A combined case with its sub-cases' states.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CombinedCase {
    pub id: i64,
    /// `{region code}-{YYYYMMDD}-L{id}`.
    pub combined_no: String,
    pub region_id: RegionId,
    pub denial_rule: DenialRule,
    pub status: CombinedStatus,
    pub applicant_name: String,
    /// Masked ID number or credit code.
    pub applicant_id_number: String,
    pub created_at: DateTime<Utc>,
    pub concluded_at: Option<DateTime<Utc>>,
    pub sub_cases: Vec<SubCase>,
}
