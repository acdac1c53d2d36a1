//! Cases on the wire: applying, the actions on a case, the case with its clocks, its history.
//! An applicant's ID number only ever leaves the server masked.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::calendar::SuspensionReason;
use crate::domain::case::{CaseAction, CaseClock, CaseId, CaseStatus};
use crate::domain::ids::{DepartmentId, ItemId, RegionId, UserId};

/// How a case came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// At a hall window.
    Window,
    /// Online (一网通办).
    Online,
    /// By appointment.
    Appointment,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Window => "window",
            Channel::Online => "online",
            Channel::Appointment => "appointment",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "window" => Channel::Window,
            "online" => Channel::Online,
            "appointment" => Channel::Appointment,
            _ => return None,
        })
    }
}

/// A person or an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    /// A person, identified by a resident ID number (身份证号).
    Person,
    /// An organisation, identified by a unified social credit code (统一社会信用代码).
    Organisation,
}

/// The applicant as submitted: `id_number` is the ID number of a person or the credit code of
/// an organisation.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantInput {
    pub kind: ApplicantKind,
    pub name: String,
    pub id_number: String,
}

/// An application for a published item version.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    /// A published catalogue item version; the case keeps this version.
    pub item_id: ItemId,
    pub channel: Channel,
    pub applicant: ApplicantInput,
    /// Names of the materials handed in.
    #[serde(default)]
    pub materials: Vec<String>,
}

/// The applicant as shown: the number masked.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Applicant {
    pub kind: ApplicantKind,
    pub name: String,
    /// Masked ID number or credit code.
    pub id_number: String,
}

/// A period a case's clock was (or is) stopped.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SuspensionView {
    #[schema(value_type = String)]
    pub reason: SuspensionReason,
    pub from: NaiveDate,
    /// First day counted again; absent while the suspension lasts.
    pub to: Option<NaiveDate>,
}

/// The current workflow step and its own clock.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CurrentStep {
    /// 0-based position in the item version's workflow.
    pub index: u32,
    pub name: String,
    pub role: String,
    pub started_at: DateTime<Utc>,
    pub clock: CaseClock,
}

/// A case with both clocks (legal and promised), counted from acceptance.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Case {
    pub id: CaseId,
    /// `{region code}-{YYYYMMDD}-{6-digit sequence}`.
    pub case_no: String,
    pub region_id: RegionId,
    pub department_id: DepartmentId,
    /// The item version applied for.
    pub item_id: ItemId,
    pub item_code: String,
    pub item_name: String,
    pub status: CaseStatus,
    pub channel: Channel,
    pub applicant: Applicant,
    pub materials: Vec<String>,
    /// Materials the applicant was asked for (the last supplement request).
    pub missing_materials: Vec<String>,
    pub submitted_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub concluded_at: Option<DateTime<Utc>>,
    /// The step being worked on while the case is in review or suspended.
    pub current_step: Option<CurrentStep>,
    /// Counted from acceptance; absent before it.
    pub legal_clock: Option<CaseClock>,
    pub promised_clock: Option<CaseClock>,
    pub suspensions: Vec<SuspensionView>,
    /// What may be done to the case now.
    pub allowed_actions: Vec<CaseAction>,
}

/// Filters of the case list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    pub status: Option<CaseStatus>,
    pub item_code: Option<String>,
    pub department_id: Option<i64>,
    /// Every case of this applicant (ID number or credit code; one-number handling).
    pub id_number: Option<String>,
    /// The case with this number.
    pub case_no: Option<String>,
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

/// A reason, for rejecting, denying and terminating.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    pub reason: String,
}

/// An opinion on a step (may be empty).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Opinion {
    #[serde(default)]
    pub opinion: String,
}

/// What the applicant must still hand in.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplementRequest {
    pub missing: Vec<String>,
}

/// Send the case back to an earlier step.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    /// 0-based index of the earlier step.
    pub to_step: u32,
    pub reason: String,
}

/// Why the clock stops (hearing, testing, appraisal or expert_review).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendRequest {
    #[schema(value_type = String)]
    pub reason: SuspensionReason,
    #[serde(default)]
    pub note: String,
}

/// One change in a case's life.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseHistoryEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub actor: String,
    /// `submit`, `accept`, `approve`, …
    pub action: String,
    /// The status after the change.
    pub status: CaseStatus,
    /// The step the case is at after the change.
    pub step: u32,
    pub opinion: Option<String>,
}
