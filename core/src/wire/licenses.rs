//! E-licenses on the wire: the registry, material coverage and reuse, the print queue, and a
//! case's single-window routing. A holder's ID number only ever leaves the server masked.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::case::{CaseId, CaseStatus};
use crate::domain::ids::{DepartmentId, HallId, ItemId, RegionId, WindowId};
use crate::domain::license::{LicenseSource, LicenseStatus, PrintStatus, TrustLevel};

/// A license's holder: the applicant of the case that issued it, or the holder named when it was
/// registered from elsewhere.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LicenseHolder {
    pub name: String,
    /// Masked ID number or credit code.
    pub id_number: String,
}

/// One license of the registry.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct License {
    pub id: i64,
    /// `DZZZ-{case number}` when issued here; the issuer's own number otherwise.
    pub license_no: String,
    /// The license kind (the item's `license_kind` extension, or its name).
    pub kind: String,
    /// The case whose approval issued it; none for a license from elsewhere.
    pub case_id: Option<CaseId>,
    pub source: LicenseSource,
    /// Who issued a license from elsewhere (department, platform); none when issued here.
    pub issuer: Option<String>,
    pub region_id: RegionId,
    /// The issuing department, or the one that registered a license from elsewhere.
    pub department_id: DepartmentId,
    pub holder: LicenseHolder,
    pub trust_level: TrustLevel,
    pub valid_from: NaiveDate,
    /// The last day it is valid.
    pub valid_to: NaiveDate,
    pub status: LicenseStatus,
    /// Not revoked and within its dates today.
    pub valid_today: bool,
    pub issued_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoke_reason: Option<String>,
}

/// A license from elsewhere, registered so that it can stand in for materials: taken over from
/// another platform or checked at a window from a paper certificate.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalLicense {
    /// `other_platform` or `paper_certificate` (library licenses register themselves when a
    /// case reuses them).
    pub source: LicenseSource,
    /// The issuer's own license number.
    pub license_no: String,
    pub kind: String,
    /// The issuing department or platform.
    pub issuer: String,
    /// B, C or D for a paper certificate; any level for another platform's license.
    pub trust_level: TrustLevel,
    pub holder_name: String,
    /// The holder's ID number or credit code; stored only as its keyed hash and masked.
    pub id_number: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    /// The registering department; the caller needs `case.handle` over it.
    pub department_id: DepartmentId,
}

/// Filters of the license list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LicenseQuery {
    pub status: Option<LicenseStatus>,
    pub kind: Option<String>,
    pub source: Option<LicenseSource>,
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

/// An applicant's number (ID number or credit code), sent in a body so it stays out of URLs.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolderLookup {
    pub id_number: String,
}

/// Which materials of an item an applicant's licenses or earlier materials would cover.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoverageRequest {
    pub item_id: ItemId,
    pub id_number: String,
}

/// What covers a material: a license, or the same material in an earlier case.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CoverView {
    /// `license`, `earlier_case`, or `library` (a license the provincial library holds).
    pub source: String,
    pub license_id: Option<i64>,
    pub license_no: Option<String>,
    pub kind: Option<String>,
    pub trust_level: Option<TrustLevel>,
    /// Where the license came from (`issued`, `other_platform`, `paper_certificate`,
    /// `library`), for a license.
    pub license_source: Option<LicenseSource>,
    /// Who issued a license from elsewhere.
    pub issuer: Option<String>,
    pub case_id: Option<CaseId>,
    pub case_no: Option<String>,
}

/// One material of an item and what covers it, if anything.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MaterialCoverage {
    pub material: String,
    pub required: bool,
    pub covered_by: Option<CoverView>,
    /// When the platform held nothing for a material a license may stand in for, what the
    /// provincial e-license library answered: `found`, `none`, `unreachable` or
    /// `not_configured`.
    #[serde(default)]
    pub library: Option<String>,
}

/// A material a case did not need handed in, and what stood in for it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MaterialReuse {
    pub id: i64,
    pub case_id: CaseId,
    pub material: String,
    pub covered_by: CoverView,
    pub at: DateTime<Utc>,
}

/// One paper certificate in production (制证).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PrintJob {
    pub id: i64,
    pub license_id: i64,
    pub license_no: String,
    pub status: PrintStatus,
    pub queued_at: DateTime<Utc>,
    pub queued_by: String,
    pub printed_at: Option<DateTime<Utc>>,
    pub printed_by: Option<String>,
    pub handed_out_at: Option<DateTime<Utc>>,
    pub handed_out_by: Option<String>,
    /// Who received the certificate.
    pub received_by: Option<String>,
}

/// Filters of the print queue.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PrintQuery {
    pub status: Option<PrintStatus>,
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

/// Who took the certificate away.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandOut {
    pub received_by: String,
}

/// Where a case came in and where its result goes (一窗受理).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseRouting {
    pub case_id: CaseId,
    pub hall_id: HallId,
    pub intake_window_id: WindowId,
    /// The back office the case was routed to: the item's department.
    pub department_id: DepartmentId,
    pub output_window_id: WindowId,
    /// When the result reached the output window (the case's conclusion).
    pub result_ready_at: Option<DateTime<Utc>>,
}

/// A concluded case whose result waits at an output window.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WindowResult {
    pub case_id: CaseId,
    pub case_no: String,
    pub item_name: String,
    pub applicant_name: String,
    pub status: CaseStatus,
    pub department_id: DepartmentId,
    pub result_ready_at: DateTime<Utc>,
}

/// How a result left the output window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HandoverMethod {
    /// To the applicant (or the organisation's representative) in person.
    InPerson,
    /// To someone collecting for the applicant, who shows their own ID card.
    Proxy,
    /// To the courier, for a result that goes out by courier.
    Courier,
}

impl HandoverMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HandoverMethod::InPerson => "in_person",
            HandoverMethod::Proxy => "proxy",
            HandoverMethod::Courier => "courier",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "in_person" => HandoverMethod::InPerson,
            "proxy" => HandoverMethod::Proxy,
            "courier" => HandoverMethod::Courier,
            _ => return None,
        })
    }

    /// The method as the printed record names it.
    pub fn label_zh(self) -> &'static str {
        match self {
            HandoverMethod::InPerson => "本人领取",
            HandoverMethod::Proxy => "委托代领",
            HandoverMethod::Courier => "交寄快递",
        }
    }
}

/// The hand-over of a result at its output window.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHandover {
    pub method: HandoverMethod,
    /// Who received it: the applicant, the proxy, or the courier's agent.
    pub recipient_name: String,
    /// The proxy's ID number (checked, stored sealed, shown masked); only for `proxy`.
    #[serde(default)]
    pub proxy_id_number: Option<String>,
    /// The waybill of the envelope handed to the courier; only for `courier`.
    #[serde(default)]
    pub waybill_no: Option<String>,
}

/// Who handed a case's result to whom, when and how, at which output window (出件登记).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ResultHandover {
    pub case_id: CaseId,
    pub case_no: String,
    pub hall_id: HallId,
    pub window_id: WindowId,
    pub method: HandoverMethod,
    pub recipient_name: String,
    /// Masked.
    pub proxy_id_number: Option<String>,
    pub waybill_no: Option<String>,
    /// The window staff member who handed it over.
    pub handed_by: String,
    pub handed_at: DateTime<Utc>,
}
