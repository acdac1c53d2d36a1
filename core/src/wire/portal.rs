//! The portal on the wire: what the provincial portal, the WeChat account and the app
//! show an applicant. The applicant is never named in a body: it comes from the identity the
//! proxy or the portal server vouches for (see `docs/portal.md`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::case::{CaseClock, CaseId, CaseStatus, DeliveryState, FeeState};
use crate::domain::catalogue::{DeliveryMode, FeeRule, ItemType, Material};
use crate::domain::ids::{AreaId, DepartmentId, HallId, ItemId, RegionId, WindowId};
use crate::domain::queue::TicketStatus;
use crate::domain::supervision::complaints::ComplaintStep;
use crate::wire::cases::{Applicant, Channel};
use crate::wire::courier::CourierOrderView;
use crate::wire::queue::BookingChannel;

/// Filters of the city storefront (旗舰店); every one optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StorefrontQuery {
    /// The item's `theme` extension (主题, e.g. 企业开办), exactly.
    pub theme: Option<String>,
    pub department_id: Option<i64>,
    /// The implementing region, exactly.
    pub region_id: Option<i64>,
    pub item_type: Option<ItemType>,
    /// Only items that can (or cannot) be applied for online.
    pub online: Option<bool>,
    /// Text in the name or the code.
    pub q: Option<String>,
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

/// A published item as the storefront lists it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemCard {
    pub id: ItemId,
    pub item_code: String,
    pub name: String,
    pub item_type: ItemType,
    pub region_id: RegionId,
    pub region_name: String,
    pub department_id: DepartmentId,
    pub department_name: String,
    /// Whether it can be applied for online.
    pub online: bool,
    /// 法定时限 / 承诺时限, working days.
    pub legal_limit_days: u32,
    pub promised_limit_days: u32,
    pub fee: FeeRule,
    pub delivery_modes: Vec<DeliveryMode>,
    /// The `theme` extension, when the item has one.
    pub theme: Option<String>,
}

/// A window where an item is served.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WindowGuide {
    pub window_id: WindowId,
    pub number: String,
    pub name: String,
    pub area_id: Option<AreaId>,
    pub area_name: Option<String>,
}

/// A hall with the windows that serve an item.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HallGuide {
    pub hall_id: HallId,
    pub name: String,
    pub address: String,
    pub windows: Vec<WindowGuide>,
}

/// The item guide (办事指南): everything an applicant needs before applying.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemGuide {
    pub item: ItemCard,
    pub legal_basis: String,
    pub materials: Vec<Material>,
    /// The steps a case goes through, by name.
    pub steps: Vec<String>,
    /// Local details of the item (实施清单).
    pub extensions: BTreeMap<String, String>,
    /// Halls and windows serving the item, in its region or above and below it.
    pub where_to_go: Vec<HallGuide>,
}

/// A department counter (专柜): a department and how many items it offers.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Counter {
    pub department_id: DepartmentId,
    pub code: String,
    pub name: String,
    pub region_id: RegionId,
    pub region_name: String,
    /// Published items that can be applied for.
    pub items: i64,
}

/// One uploaded material's metadata: the file itself stays in the portal's store.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadedMaterial {
    /// The material's name, as the item's guide lists it (e.g. 营业执照).
    pub name: String,
    pub size_bytes: u64,
    /// SHA-256 of the file, 64 hex digits.
    pub sha256: String,
    /// The file's media type, e.g. `application/pdf`.
    pub content_type: String,
    /// Where the portal keeps the file (its key or URL), as the portal names it.
    pub storage_ref: String,
}

/// An online application; the applicant is the caller's verified identity.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApplication {
    /// A published item version that can be applied for online.
    pub item_id: ItemId,
    #[serde(default)]
    pub materials: Vec<UploadedMaterial>,
    /// What the applicant declares for a fee charged by formula.
    #[serde(default)]
    pub declared_quantity: Option<u64>,
    /// The applicant's mobile phone (for the rating SMS and the courier); stored sealed.
    #[serde(default)]
    pub phone: Option<String>,
    /// Courier pickup of the paper materials (needs `phone`).
    #[serde(default)]
    pub courier_pickup: Option<crate::wire::courier::PickupRequest>,
}

/// An uploaded material as stored with its case.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredMaterial {
    pub name: String,
    pub size_bytes: u64,
    pub sha256: String,
    pub content_type: String,
    pub storage_ref: String,
    pub uploaded_at: DateTime<Utc>,
}

/// The step a case is in, as the applicant sees it: no handler, no signers.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PortalStep {
    pub name: String,
    pub started_at: DateTime<Utc>,
    pub clock: CaseClock,
}

/// One of the applicant's cases.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PortalCase {
    pub id: CaseId,
    pub case_no: String,
    pub item_id: ItemId,
    pub item_code: String,
    pub item_name: String,
    pub region_id: RegionId,
    pub department_id: DepartmentId,
    pub status: CaseStatus,
    /// The status in Chinese, then English.
    pub status_title: String,
    pub status_title_en: String,
    pub channel: Channel,
    /// The applicant, number masked.
    pub applicant: Applicant,
    pub materials: Vec<String>,
    /// What the applicant was asked to supply (补正).
    pub missing_materials: Vec<String>,
    pub submitted_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub concluded_at: Option<DateTime<Utc>>,
    pub current_steps: Vec<PortalStep>,
    pub legal_clock: Option<CaseClock>,
    pub promised_clock: Option<CaseClock>,
}

/// A change of a case the applicant is told about.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PortalHistoryEntry {
    pub at: DateTime<Utc>,
    /// The action's code, e.g. `accept`.
    pub action: String,
    /// What happened, in Chinese, then English.
    pub title: String,
    pub title_en: String,
    pub status: CaseStatus,
    /// The workflow step concerned, for step approvals.
    pub step: Option<String>,
    /// What the applicant must know: a refusal's reason, the materials asked for, a payment.
    pub note: Option<String>,
}

/// One case with its uploads and the changes meant for the applicant.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PortalCaseDetail {
    pub case: PortalCase,
    pub uploads: Vec<StoredMaterial>,
    pub history: Vec<PortalHistoryEntry>,
}

/// Filters of the applicant's case list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MyCasesQuery {
    pub status: Option<CaseStatus>,
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

/// Where the result of a case is on its way (courier tracking): what the case holds now.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CourierTracking {
    pub case_id: CaseId,
    pub case_no: String,
    /// How the item may deliver its result.
    pub modes_offered: Vec<DeliveryMode>,
    pub state: DeliveryState,
    /// `window` or `courier`, once chosen.
    pub mode: Option<String>,
    pub courier_company: Option<String>,
    pub waybill_no: Option<String>,
    /// The courier address, masked.
    pub address: Option<String>,
    pub ready_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// The courier orders of the case (the pickup of its materials, the delivery of its
    /// result), each with the courier's status reports; addresses masked.
    pub orders: Vec<CourierOrderView>,
}

/// What a case costs and whether it is paid.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PaymentStatus {
    pub case_id: CaseId,
    pub case_no: String,
    /// `none` until an approval charges a fee.
    pub state: FeeState,
    /// The item's fee rule as applied for.
    pub fee_rule: Option<FeeRule>,
    pub amount_fen: Option<i64>,
    pub quantity: Option<u64>,
    pub unit: Option<String>,
    pub charged_at: Option<DateTime<Utc>>,
    pub settled_at: Option<DateTime<Utc>>,
    pub payment_ref: Option<String>,
}

/// A rating of one's own closed case (好差评); one per case.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPortalEvaluation {
    /// 1 (very unsatisfied) to 5 (very satisfied).
    pub rating: u8,
    #[serde(default)]
    pub comment: String,
}

/// A rating as stored.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EvaluationReceipt {
    pub id: i64,
    pub case_id: CaseId,
    pub rating: u8,
    pub comment: Option<String>,
    /// A rating of 1 or 2 opens the office's follow-up.
    pub follow_up_opened: bool,
    pub created_at: DateTime<Utc>,
}

/// Where a complaint came in from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PortalVia {
    #[default]
    Portal,
    /// The app or the WeChat account.
    App,
}

/// A complaint by the applicant; the place comes from the case, else the window, else the
/// region.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPortalComplaint {
    /// The portal's id of this request: sending it again answers the first complaint.
    pub request_id: String,
    #[serde(default)]
    pub via: PortalVia,
    /// One of the applicant's own cases.
    pub case_id: Option<CaseId>,
    pub window_id: Option<i64>,
    pub region_id: Option<i64>,
    /// A number to call back on.
    pub phone: String,
    pub content: String,
}

/// A complaint as the applicant sees it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ComplaintReceipt {
    pub id: i64,
    pub complaint_no: String,
    pub case_id: Option<i64>,
    /// The last step done.
    pub status: ComplaintStep,
    pub next_step: Option<ComplaintStep>,
    pub step_due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Booking a place in a slot for oneself.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPortalAppointment {
    pub slot_id: i64,
    pub channel: BookingChannel,
}

/// Taking a ticket remotely (远程取号).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPortalTicket {
    pub hall_id: HallId,
    pub area_id: AreaId,
    #[serde(default)]
    pub item_code: Option<String>,
    /// The portal's id of this request: taking again with it answers the first ticket.
    #[serde(default)]
    pub request_id: Option<String>,
}

/// A ticket and its live place in the queue.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QueuePosition {
    pub ticket_id: i64,
    pub number: String,
    pub hall_id: HallId,
    pub area_id: AreaId,
    pub item_code: Option<String>,
    pub status: TicketStatus,
    pub taken_at: DateTime<Utc>,
    /// Waiting tickets of the area that will be called first (0 once called).
    pub ahead: i64,
    pub windows_on_duty: i64,
    pub mean_service_ms: i64,
    /// ahead × mean service time ÷ windows on duty (at least one).
    pub estimated_wait_ms: i64,
    /// The window to go to, once called.
    pub window_number: Option<String>,
}
