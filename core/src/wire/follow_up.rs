//! The follow-up of a bad review (差评整改) on the wire: return visits, the rectification, the
//! evaluated party's one appeal and the office's decision.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::wire::complaints::WorkflowCard;
use crate::wire::supervision::Evaluation;

/// A return visit to the citizen who gave the bad review.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReturnVisit {
    /// Who made the visit or the call.
    pub visited_by: String,
    /// When; not in the future.
    pub visited_at: DateTime<Utc>,
    /// What the citizen said: satisfied now, still unsatisfied, not reached …
    pub result: String,
}

/// A recorded return visit.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReturnVisit {
    pub id: i64,
    pub visited_by: String,
    pub visited_at: DateTime<Utc>,
    pub result: String,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

/// The rectification of a bad review: what was done.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRectification {
    pub measures: String,
}

/// One piece of an appeal's evidence: what it is and where it is kept (a file reference or an
/// address).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub name: String,
    pub reference: String,
}

/// The evaluated party's appeal of a bad review: once, with evidence.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppeal {
    pub reason: String,
    pub evidence: Vec<Evidence>,
}

/// How the office decided an appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppealOutcome {
    /// The review was unfounded: it leaves the summaries and needs no rectification.
    Upheld,
    /// The review stands.
    Rejected,
}

impl AppealOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AppealOutcome::Upheld => "upheld",
            AppealOutcome::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "upheld" => Some(AppealOutcome::Upheld),
            "rejected" => Some(AppealOutcome::Rejected),
            _ => None,
        }
    }
}

/// The office's decision on an appeal.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealDecision {
    pub outcome: AppealOutcome,
    pub note: String,
}

/// An appeal with its decision, once made.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Appeal {
    pub reason: String,
    pub evidence: Vec<Evidence>,
    pub appealed_by: String,
    pub appealed_at: DateTime<Utc>,
    pub outcome: Option<AppealOutcome>,
    pub decision_note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// A rating with its follow-up: return visits, appeal, cards, and whether it counts.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EvaluationDetail {
    pub evaluation: Evaluation,
    pub visits: Vec<ReturnVisit>,
    pub appeal: Option<Appeal>,
    pub cards: Vec<WorkflowCard>,
    /// False once an appeal is upheld: the rating is left out of summaries and comparisons.
    pub counted: bool,
}
