//! Intermediary agencies, their market projects and their credit on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::intermediary::{
    AgencyStatus, CreditKind, ProjectStatus, Qualification, Selection,
};

/// A staff member of an agency with their professional title or certificate.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencyStaff {
    pub name: String,
    /// E.g. 注册岩土工程师.
    pub title: String,
}

/// An agency admitted to the registry (入驻) by the approval bureau.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIntermediary {
    /// Unified social credit code (统一社会信用代码), checked.
    pub credit_code: String,
    pub name: String,
    /// The region whose approval bureau keeps it.
    pub region_id: i64,
    /// Service types offered, e.g. `survey`, `eia`, `appraisal`.
    pub service_types: Vec<String>,
    /// Catalogue item codes it serves.
    pub items: Vec<String>,
    pub qualifications: Vec<Qualification>,
    /// Fee range in fen (分).
    pub fee_min_fen: i64,
    pub fee_max_fen: i64,
    pub staff: Vec<AgencyStaff>,
}

/// An agency's profile replaced (a renewed qualification, a new item, staff changes); the
/// credit code and the region stay.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntermediaryProfile {
    pub name: String,
    pub service_types: Vec<String>,
    pub items: Vec<String>,
    pub qualifications: Vec<Qualification>,
    pub fee_min_fen: i64,
    pub fee_max_fen: i64,
    pub staff: Vec<AgencyStaff>,
}

impl NewIntermediary {
    /// The profile part of an admission.
    pub fn profile(&self) -> IntermediaryProfile {
        IntermediaryProfile {
            name: self.name.clone(),
            service_types: self.service_types.clone(),
            items: self.items.clone(),
            qualifications: self.qualifications.clone(),
            fee_min_fen: self.fee_min_fen,
            fee_max_fen: self.fee_max_fen,
            staff: self.staff.clone(),
        }
    }
}

/// An agency with its credit score.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Intermediary {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    pub region_id: i64,
    pub status: AgencyStatus,
    pub service_types: Vec<String>,
    pub items: Vec<String>,
    pub qualifications: Vec<Qualification>,
    pub fee_min_fen: i64,
    pub fee_max_fen: i64,
    pub staff: Vec<AgencyStaff>,
    pub credit: CreditScore,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The credit score and what it is made of.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreditScore {
    /// 0 to 100.
    pub score: f64,
    pub regulator: Option<f64>,
    pub credit_record: Option<f64>,
    /// Average public evaluation of its projects, 1 to 5.
    pub public_rating: Option<f64>,
    /// Projects late against their service time limit (delivered late or overdue now).
    pub breaches: u32,
    pub complaints: u32,
}

/// Filters of the registry.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct IntermediaryQuery {
    pub after: Option<i64>,
    pub limit: Option<u32>,
    pub status: Option<AgencyStatus>,
    pub service_type: Option<String>,
    pub item_code: Option<String>,
}

/// Why an agency is suspended, reinstated or removed.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencyChange {
    pub reason: String,
}

/// One entry of an agency's history.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgencyHistoryEntry {
    /// `register`, `update`, `admit`, `suspend` or `remove`.
    pub action: String,
    pub status: AgencyStatus,
    pub reason: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// A regulator assessment, a government credit record or an upheld complaint.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCreditRecord {
    pub kind: CreditKind,
    /// 0 to 100 for assessments and credit records; none for complaints.
    pub score: Option<i64>,
    pub note: String,
}

/// A credit record as stored.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreditRecord {
    pub id: i64,
    pub kind: CreditKind,
    pub score: Option<i64>,
    pub note: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// A service project posted to the market, by a department (for an applicant's case, or for
/// its own needs).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    pub title: String,
    pub service_type: String,
    /// The catalogue item the service is needed for.
    pub item_code: String,
    /// The applicant's case the result goes into; it sets region and department.
    pub case_id: Option<i64>,
    /// Without a case: where the project belongs.
    pub region_id: Option<i64>,
    pub department_id: Option<i64>,
    pub budget_fen: i64,
    /// Bids are taken until then; a lowest-price selection happens after it.
    pub bid_deadline: DateTime<Utc>,
    pub selection: Selection,
}

/// An agency's bid.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBid {
    pub intermediary_id: i64,
    pub price_fen: i64,
    #[serde(default)]
    pub note: String,
}

/// A bid as stored.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Bid {
    pub intermediary_id: i64,
    pub price_fen: i64,
    pub note: String,
    pub at: DateTime<Utc>,
}

/// Selects the agency: direct choice names it; a draw and the lowest price need nothing.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectAgency {
    pub intermediary_id: Option<i64>,
}

/// The contract: the price (the bid's for lowest-price projects) and the service time limit.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractTerms {
    /// Required unless the project was won by a bid.
    pub price_fen: Option<i64>,
    /// Working days from signing (1 to 365).
    pub service_days: u32,
}

/// The result delivered: the material's name as it goes into the case.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// E.g. 岩土工程勘察报告.
    pub material: String,
    #[serde(default)]
    pub note: String,
}

/// The poster's evaluation of the service (1 very unsatisfied … 5 very satisfied).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectEvaluation {
    pub score: i64,
    #[serde(default)]
    pub comment: String,
}

/// How the agency was drawn: enough to recompute the draw.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DrawRecord {
    /// The seed, as a decimal `u64`.
    pub seed: String,
    /// The qualified agencies at selection time, ascending ids.
    pub candidates: Vec<i64>,
    pub chosen: i64,
    /// Whether recomputing the draw from seed and candidates gives `chosen`.
    pub verified: bool,
}

/// A project.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Project {
    pub id: i64,
    /// `ZJ-YYYYMMDD-000001`.
    pub project_no: String,
    pub region_id: i64,
    pub department_id: Option<i64>,
    pub case_id: Option<i64>,
    pub title: String,
    pub service_type: String,
    pub item_code: String,
    pub budget_fen: i64,
    pub bid_deadline: DateTime<Utc>,
    pub selection: Selection,
    pub status: ProjectStatus,
    pub intermediary_id: Option<i64>,
    pub price_fen: Option<i64>,
    pub draw: Option<DrawRecord>,
    pub bids: Vec<Bid>,
    pub selected_at: Option<DateTime<Utc>>,
    pub service_days: Option<u32>,
    pub contracted_at: Option<DateTime<Utc>>,
    /// End of the service time limit.
    pub due_at: Option<DateTime<Utc>>,
    /// Contracted, not delivered, and past `due_at`.
    pub overdue: bool,
    pub delivered_at: Option<DateTime<Utc>>,
    pub result_material: Option<String>,
    /// Delivered after `due_at`.
    pub late: bool,
    pub evaluation_score: Option<i64>,
    pub evaluation_comment: Option<String>,
    /// When the agency accepted (countersigned) the contract.
    pub accepted_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why the poster or the department cancelled the project.
    pub cancel_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Filters of the project list.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProjectQuery {
    pub after: Option<i64>,
    pub limit: Option<u32>,
    pub status: Option<ProjectStatus>,
    /// `true`: only contracted projects past their service time limit.
    pub overdue: Option<bool>,
    pub intermediary_id: Option<i64>,
}

/// Why the poster or the department cancels a project.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectCancellation {
    pub reason: String,
}

/// Binds a user (holding the `intermediary_agency` role) to an agency: they act for it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgencyLogin {
    pub user_id: i64,
}

/// A user bound to an agency.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgencyLogin {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub intermediary_id: i64,
    pub created_at: DateTime<Utc>,
}

/// A bid made by the agency's own staff: the agency is the caller's.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencyBid {
    pub price_fen: i64,
    #[serde(default)]
    pub note: String,
}

/// Filters of the projects an agency sees.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AgencyProjectQuery {
    pub after: Option<i64>,
    pub limit: Option<u32>,
    pub status: Option<ProjectStatus>,
}
