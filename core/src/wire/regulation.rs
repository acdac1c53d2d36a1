//! Review–supervision interaction (审管互动, R-2.3) and the punishment list (惩戒名单): the
//! regulators with their item mapping and field filter, the list's entries, the flag a case
//! carries, and the provincial e-license library's lookup.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::license::TrustLevel;
use crate::domain::regulation::{EntityKind, PushField, Verdict};

/// A regulating department, reached through the connector of the same name.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Regulator {
    pub id: i64,
    /// The connector (format `regulator`) its pushes go through.
    pub connector: String,
    pub name: String,
    pub region_id: i64,
    pub department_id: Option<i64>,
    /// The items (catalogue codes) whose cases it receives.
    pub item_codes: Vec<String>,
    /// What of a case it may receive.
    pub fields: Vec<PushField>,
    /// Working days it has to answer a pushed result.
    pub feedback_days: u32,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new regulator, or the whole of its changed settings (`connector` is fixed once created).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRegulator {
    pub connector: String,
    pub name: String,
    pub region_id: i64,
    #[serde(default)]
    pub department_id: Option<i64>,
    pub item_codes: Vec<String>,
    pub fields: Vec<PushField>,
    #[serde(default = "default_feedback_days")]
    pub feedback_days: u32,
    #[serde(default = "yes")]
    pub active: bool,
}

fn default_feedback_days() -> u32 {
    5
}

fn yes() -> bool {
    true
}

/// A regulator's feedback on a pushed case, in an inbound message's `data`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegulatorFeedback {
    pub verdict: Verdict,
    /// Who violated, when not the case's applicant.
    #[serde(default)]
    pub entity: Option<ListedEntity>,
    /// The last day on the punishment list (default: a year from today).
    #[serde(default)]
    pub listed_until: Option<NaiveDate>,
}

/// A person or an organisation named by number.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListedEntity {
    pub kind: EntityKind,
    pub name: String,
    /// ID number (person) or unified social credit code (organisation).
    pub number: String,
}

/// Adds an entity to the punishment list by hand.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPunishment {
    pub entity: ListedEntity,
    pub reason: String,
    /// The region whose list it is (the caller's scope decides who may add and see it).
    pub region_id: i64,
    /// Where the decision comes from (a document number, a department).
    pub source: String,
    /// The first and the last day listed (default: from today, for a year).
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
}

/// One entry of the punishment list, its number masked.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Punishment {
    pub id: i64,
    pub kind: EntityKind,
    pub name: String,
    pub number: String,
    pub reason: String,
    /// `regulator:NAME` for regulator feedback, otherwise what the adder gave.
    pub source: String,
    pub source_ref: Option<String>,
    pub region_id: i64,
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
    /// `active` or `lifted`.
    pub status: String,
    /// Listed and within its dates now.
    pub in_force: bool,
    pub listed_by: String,
    pub listed_at: DateTime<Utc>,
    pub lifted_by: Option<String>,
    pub lifted_at: Option<DateTime<Utc>>,
    pub lift_reason: Option<String>,
}

/// Filters of the punishment list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PunishmentQuery {
    /// `active` or `lifted`.
    pub status: Option<String>,
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

/// A number to look up (in the body, not the URL).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NumberCheck {
    pub number: String,
}

/// Whether a number is on the list now, with its entries in force.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PunishmentCheck {
    pub listed: bool,
    pub entries: Vec<Punishment>,
}

/// The joint-punishment flag (联合惩戒) a case carries when its applicant was on the list at
/// intake: the window sees it in the filing answer and in the case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JointPunishment {
    pub flagged_at: DateTime<Utc>,
    pub entries: Vec<FlagEntry>,
    /// 「申请人在失信联合惩戒名单中,请依法审慎办理」 and its English.
    pub notice: String,
    pub notice_en: String,
}

/// One list entry behind a flag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FlagEntry {
    pub punishment_id: i64,
    pub reason: String,
    pub source: String,
    pub valid_to: DateTime<Utc>,
}

/// A license as the provincial e-license library answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LibraryLicense {
    pub license_no: String,
    pub kind: String,
    #[serde(default)]
    pub issuer: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub trust_level: TrustLevel,
}

/// The library's answer for a holder: `found`, `none`, or `unreachable` (down, slow or
/// answering nonsense: the error says which); `cached` when a recent answer was reused.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LibraryLookup {
    pub outcome: String,
    pub cached: bool,
    pub licenses: Vec<LibraryLicense>,
    pub error: Option<String>,
    pub looked_up_at: DateTime<Utc>,
}
