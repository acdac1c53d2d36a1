//! Double publicity (双公示) on the wire: each department's field selection, a case's report
//! with its deadline and the credit platform's validation, and the validation results the
//! platform posts back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::wire::complaints::WorkflowCard;

/// A field a licensing decision can publish.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublicityField {
    pub name: String,
    /// What the credit platform calls it.
    pub label_zh: String,
    pub label_en: String,
}

/// The fields a department publishes (`case_no` always, as the report's key).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldSelection {
    pub department_id: i64,
    pub fields: Vec<String>,
    /// False: the department chose nothing yet and publishes every field.
    pub custom: bool,
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: Option<String>,
    /// Every field there is to choose from.
    pub available: Vec<PublicityField>,
}

/// A department's new selection.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFieldSelection {
    pub fields: Vec<String>,
}

/// The credit platform's verdict on a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Validation {
    Passed,
    Failed,
}

impl Validation {
    pub fn as_str(self) -> &'static str {
        match self {
            Validation::Passed => "passed",
            Validation::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "passed" => Validation::Passed,
            "failed" => Validation::Failed,
            _ => return None,
        })
    }
}

/// A validation result the platform posts (`POST /connectors/NAME/publicity-results`).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicityResult {
    /// The platform's own id of the message: a repeat is answered as the first.
    pub message_id: String,
    /// The `report_id` yiwang sent (the delivery's idempotency key).
    pub report_id: String,
    pub result: Validation,
    /// Why it failed, as the platform says it.
    pub message: Option<String>,
}

/// A concluded licensing decision's report to the credit platform, as shown on the case.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublicityReport {
    pub case_id: i64,
    pub concluded_at: DateTime<Utc>,
    /// The end of the 7th working day after the conclusion.
    pub due_at: DateTime<Utc>,
    /// When the platform acknowledged it.
    pub reported_at: Option<DateTime<Utc>>,
    /// The platform's receipt id.
    pub receipt: Option<String>,
    /// Not reported and past its deadline.
    pub overdue: bool,
    pub validation: Option<Validation>,
    pub validation_message: Option<String>,
    pub validated_at: Option<DateTime<Utc>>,
    /// The red card raised when the deadline passed, if it did.
    pub cards: Vec<WorkflowCard>,
}
