//! The data-sharing catalogue on the wire: data sets, requests for access, uses.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::data_sharing::{DataForm, ShareStatus, UpdateFrequency};

/// A field of a data set.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataField {
    /// The field's name as delivered, e.g. `license_no`.
    pub name: String,
    /// Its meaning, e.g. 许可证编号.
    pub label: String,
    /// Whether it holds personal data (ID numbers, phones): shown to requesters.
    #[serde(default)]
    pub personal: bool,
}

/// A data set a department provides.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDataSet {
    /// The catalogue code, unique, letters, digits and dashes.
    pub code: String,
    pub name: String,
    pub department_id: i64,
    #[serde(default)]
    pub description: String,
    pub fields: Vec<DataField>,
    pub update_frequency: UpdateFrequency,
    pub form: DataForm,
}

/// A data set in the catalogue, with the departments that may use it now.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DataSet {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub region_id: i64,
    pub department_id: i64,
    pub description: String,
    pub fields: Vec<DataField>,
    pub update_frequency: UpdateFrequency,
    pub form: DataForm,
    /// Departments holding an approved agreement that has not ended.
    pub users: Vec<DataSetUser>,
    pub created_at: DateTime<Utc>,
    /// 1 when added; each edit makes the next.
    pub version: i64,
    /// Withdrawn: kept for the record, takes no request, its agreements ended.
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdraw_reason: Option<String>,
}

/// A new version of a data set: everything but its code and department, and why.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataSetChange {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub fields: Vec<DataField>,
    pub update_frequency: UpdateFrequency,
    pub form: DataForm,
    /// What changed and why, e.g. 新增经营范围字段.
    pub note: String,
}

/// One version of a data set as it was published.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DataSetVersion {
    pub version: i64,
    pub name: String,
    pub description: String,
    pub fields: Vec<DataField>,
    pub update_frequency: UpdateFrequency,
    pub form: DataForm,
    pub note: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// Why a data set is withdrawn from the catalogue.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataSetWithdrawal {
    pub reason: String,
}

/// A department that may use a data set, and under which agreement.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DataSetUser {
    pub department_id: i64,
    pub request_id: i64,
    pub agreement_no: String,
    pub valid_until: DateTime<Utc>,
}

/// Filters of the catalogue.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DataSetQuery {
    pub after: Option<i64>,
    pub limit: Option<u32>,
    pub department_id: Option<i64>,
    pub form: Option<DataForm>,
    /// `false`: only data sets still offered; `true`: only withdrawn ones.
    pub withdrawn: Option<bool>,
}

/// A department asks to use a data set.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShareRequest {
    /// The requesting department.
    pub department_id: i64,
    pub purpose: String,
    /// The fields needed; all of them when empty.
    #[serde(default)]
    pub fields: Vec<String>,
}

/// The provider's approval: the agreement's number and last day.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareApproval {
    pub agreement_no: String,
    /// The agreement's last day (local date), today or later.
    pub valid_until: NaiveDate,
    #[serde(default)]
    pub note: String,
}

/// The provider's refusal and why.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareRefusal {
    pub note: String,
}

/// A request for access and its decision.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShareRequest {
    pub id: i64,
    pub data_set_id: i64,
    pub provider_department_id: i64,
    pub department_id: i64,
    pub purpose: String,
    pub fields: Vec<String>,
    pub status: ShareStatus,
    pub agreement_no: Option<String>,
    /// The agreement's end (the start of the day after its last day).
    pub valid_until: Option<DateTime<Utc>>,
    /// Approved and not yet ended.
    pub in_force: bool,
    pub decision_note: Option<String>,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// Filters of the requests.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ShareRequestQuery {
    pub after: Option<i64>,
    pub limit: Option<u32>,
    pub status: Option<ShareStatus>,
    pub data_set_id: Option<i64>,
}

/// One use of shared data, recorded by the using department.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDataUse {
    /// What for, e.g. the case number it served.
    pub purpose: String,
    /// How many records were read.
    pub records: i64,
}

/// A use as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DataUse {
    pub id: i64,
    pub request_id: i64,
    pub purpose: String,
    pub records: i64,
    pub used_by: String,
    pub at: DateTime<Utc>,
}
