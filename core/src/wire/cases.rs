//! Cases on the wire: applying, the actions on a case, the case with its clocks, its history.
//! An applicant's ID number only ever leaves the server masked.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::calendar::SuspensionReason;
use crate::domain::case::{CaseAction, CaseClock, CaseId, CaseStatus, DeliveryState, FeeState};
use crate::domain::case_step::{Person, SignMode};
use crate::domain::ids::{DepartmentId, ItemId, RegionId, UserId, WindowId};
use crate::wire::courier::PickupRequest;

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
    /// The applicant's mobile phone (11 digits), for the SMS after conclusion and the courier;
    /// optional, stored sealed, answered masked.
    #[serde(default)]
    pub phone: Option<String>,
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
    /// What the applicant declares for a fee charged by formula (e.g. 120 平方米); required
    /// when the item's fee rule is a formula.
    #[serde(default)]
    pub declared_quantity: Option<u64>,
    /// The single-intake window (一窗受理) taking the case in for the item's department.
    #[serde(default)]
    pub intake_window_id: Option<WindowId>,
    /// The window the result goes back to; the intake window when absent.
    #[serde(default)]
    pub output_window_id: Option<WindowId>,
    /// The applicant chose courier pickup of the materials (needs `applicant.phone`).
    #[serde(default)]
    pub courier_pickup: Option<PickupRequest>,
}

/// The applicant as shown: the number masked.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Applicant {
    pub kind: ApplicantKind,
    pub name: String,
    /// Masked ID number or credit code.
    pub id_number: String,
    /// The mobile phone, masked (`138****1234`), when given.
    pub phone: Option<String>,
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

/// A signer of an open step.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SignerView {
    pub user_id: UserId,
    pub name: String,
    /// Added to the open step (加签).
    pub added: bool,
    pub signed_at: Option<DateTime<Utc>>,
}

/// A workflow step being worked on: its clock, handler and signers. Steps of one parallel
/// group are open together.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OpenStepView {
    pub index: u32,
    pub name: String,
    pub role: String,
    pub started_at: DateTime<Utc>,
    pub clock: CaseClock,
    /// Who the step was handed to (承办人); absent: anyone who may handle the case.
    pub handler: Option<Person>,
    /// `all` (会签) or `any` (或签); matters once signers are named.
    pub mode: SignMode,
    pub signers: Vec<SignerView>,
    /// Whose approval the step waits for; empty: anyone who may handle the case.
    pub waiting_for: Vec<String>,
}

/// The fee charged when the case was approved (amounts in fen).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FeeView {
    pub state: FeeState,
    pub amount_fen: i64,
    /// The declared quantity a formula counted, with its unit.
    pub quantity: Option<u64>,
    pub unit: Option<String>,
    pub charged_at: DateTime<Utc>,
    pub payment_ref: Option<String>,
    pub waive_reason: Option<String>,
    pub settled_at: Option<DateTime<Utc>>,
}

/// How the result of a concluded case reaches the applicant.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub state: DeliveryState,
    /// `window` or `courier`, once chosen.
    pub mode: Option<String>,
    pub ready_at: Option<DateTime<Utc>>,
    pub picked_up_by: Option<String>,
    pub courier_company: Option<String>,
    /// The envelope's serial number (信封流水号).
    pub envelope_no: Option<String>,
    pub waybill_no: Option<String>,
    /// The courier address, masked.
    pub address: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
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
    /// The (first) step being worked on while the case is in review or suspended.
    pub current_step: Option<CurrentStep>,
    /// Every step open now: several when a parallel group runs.
    pub open_steps: Vec<OpenStepView>,
    /// The fee, once an approval charged one.
    pub fee: Option<FeeView>,
    /// The delivery of the result, once the case is concluded.
    pub delivery: Option<DeliveryView>,
    /// Counted from acceptance; absent before it.
    pub legal_clock: Option<CaseClock>,
    pub promised_clock: Option<CaseClock>,
    pub suspensions: Vec<SuspensionView>,
    /// What may be done to the case now.
    pub allowed_actions: Vec<CaseAction>,
    /// Set when the applicant was on the punishment list at intake (联合惩戒).
    #[serde(default)]
    pub joint_punishment: Option<crate::wire::regulation::JointPunishment>,
}

/// Filters of the case list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    pub status: Option<CaseStatus>,
    /// Only the open cases (`true`: submitted, waiting for a supplement, in review or
    /// suspended) or only the closed ones (`false`).
    pub open: Option<bool>,
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

/// An opinion on a step (may be empty); `step` names which open step is approved when a
/// parallel group has several open.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Opinion {
    #[serde(default)]
    pub opinion: String,
    #[serde(default)]
    pub step: Option<u32>,
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

/// Name the signers of an open step (会签 `all` / 或签 `any`).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountersignRequest {
    pub mode: SignMode,
    /// User ids; each must be able to handle the case.
    pub signers: Vec<i64>,
    #[serde(default)]
    pub note: String,
}

/// Add a signer to an open step (加签), or hand it to another handler (转办).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandOverRequest {
    /// The user added or handed the step; they must be able to handle the case.
    pub user_id: i64,
    pub reason: String,
}

/// Record the payment of a case's fee.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeePayment {
    /// Must equal the amount charged, in fen.
    pub amount_fen: i64,
    /// The payment's reference (non-tax payment voucher, POS slip …).
    pub payment_ref: String,
}

/// The applicant (or their agent) took the result at the window.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PickUpRequest {
    /// Who picked it up.
    pub picked_up_by: String,
}

/// The result goes out by courier.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourierRequest {
    pub courier_company: String,
    /// Empty when the courier assigns it (an order through a courier connector).
    #[serde(default)]
    pub waybill_no: String,
    /// The envelope's serial number (信封流水号), sent to the courier with the order.
    #[serde(default)]
    pub envelope_no: String,
    /// Stored sealed; answers show it masked.
    pub address: String,
}

/// A delegation of case work: for a period (`starts_at`, `ends_at`) or for one open step
/// (`case_id`, `step`).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDelegation {
    pub delegate_id: i64,
    pub reason: String,
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub case_id: Option<CaseId>,
    #[serde(default)]
    pub step: Option<u32>,
}

/// A delegation as stored.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Delegation {
    pub id: i64,
    pub delegator: Person,
    pub delegate: Person,
    pub case_id: Option<CaseId>,
    pub step: Option<u32>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub reason: String,
    pub revoked_at: Option<DateTime<Utc>>,
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
