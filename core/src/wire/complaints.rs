//! Complaints (投诉) and workflow cards on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::supervision::cards::WorkflowCardAction;
use crate::domain::supervision::complaints::{ComplaintSource, ComplaintStep};
use crate::wire::supervision::AnomalyNote;

/// Who complains. The phone and ID number are sealed at rest and answered masked.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Complainant {
    pub name: String,
    /// A mobile or landline number.
    pub phone: String,
    /// A citizen ID number, when given.
    pub id_number: Option<String>,
}

/// A complaint brought in: online through the API (portal, app, 12345 hotline; `source_ref`
/// required, a repeat answers the first) or registered by the office (phone, mail, letter, in
/// person). The place comes from the case, else the window, else `region_id`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComplaint {
    pub source: ComplaintSource,
    /// The source's own id of the complaint (the hotline's work-order number …).
    pub source_ref: Option<String>,
    pub case_id: Option<i64>,
    pub window_id: Option<i64>,
    pub region_id: Option<i64>,
    pub department_id: Option<i64>,
    /// The staff member complained about, when known: only they may sign.
    pub staff_id: Option<i64>,
    pub complainant: Complainant,
    pub content: String,
}

/// A step's form filled in: the findings, the signed statement, the instruction or the notice.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintStepInput {
    pub text: String,
    /// Investigation only: who is found responsible.
    pub responsible: Option<String>,
}

/// A step done.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ComplaintStepRecord {
    pub step: ComplaintStep,
    pub actor: String,
    pub text: String,
    pub responsible: Option<String>,
    /// The step's deadline (none for acceptance).
    pub due_at: Option<DateTime<Utc>>,
    pub late: bool,
    pub at: DateTime<Utc>,
}

/// The complainant as answers show them: phone and ID number masked.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MaskedComplainant {
    pub name: String,
    pub phone: String,
    pub id_number: Option<String>,
}

/// A complaint with its steps and cards.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Complaint {
    pub id: i64,
    /// `TS-YYYYMMDD-000001`.
    pub complaint_no: String,
    pub source: ComplaintSource,
    pub source_ref: Option<String>,
    pub online: bool,
    pub region_id: i64,
    pub department_id: Option<i64>,
    pub case_id: Option<i64>,
    pub window_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub complainant: MaskedComplainant,
    pub content: String,
    /// The last step done.
    pub status: ComplaintStep,
    /// The step due next and its deadline; none once published.
    pub next_step: Option<ComplaintStep>,
    pub step_due_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub steps: Vec<ComplaintStepRecord>,
    pub cards: Vec<WorkflowCard>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Filters of the complaint list.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ComplaintQuery {
    /// The last step done.
    pub status: Option<ComplaintStep>,
    /// Only those whose next step is past its deadline.
    pub overdue: Option<bool>,
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

/// What a workflow card is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CardSubject {
    Complaint,
    Evaluation,
    /// An intermediary's service past its time limit (step `deliver`).
    IntermediaryProject,
    /// A case result pushed to a regulator and not answered in time (step `feedback`).
    RegulatorPush,
    /// A licensing decision not reported to the credit platform in time (step `report`).
    Publicity,
}

impl CardSubject {
    pub fn as_str(self) -> &'static str {
        match self {
            CardSubject::Complaint => "complaint",
            CardSubject::Evaluation => "evaluation",
            CardSubject::IntermediaryProject => "intermediary_project",
            CardSubject::RegulatorPush => "regulator_push",
            CardSubject::Publicity => "publicity",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "complaint" => CardSubject::Complaint,
            "evaluation" => CardSubject::Evaluation,
            "intermediary_project" => CardSubject::IntermediaryProject,
            "regulator_push" => CardSubject::RegulatorPush,
            "publicity" => CardSubject::Publicity,
            _ => return None,
        })
    }
}

/// A red card for a workflow step past its time limit (a complaint's step, a bad review's
/// rectification); it closes when the step is done.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WorkflowCard {
    pub id: i64,
    pub subject: CardSubject,
    pub subject_id: i64,
    pub step: String,
    pub severity: String,
    /// `open`, `acknowledged`, `dismissed` (by the office) or `closed` (its step was done).
    pub status: String,
    pub region_id: i64,
    pub department_id: Option<i64>,
    pub due_at: DateTime<Utc>,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Notices are muted until then (the reason is in the card's notes).
    pub silenced_until: Option<DateTime<Utc>>,
    /// When the person responsible and the office were told (`notify.cards`).
    pub notified_at: Option<DateTime<Utc>>,
    pub allowed_actions: Vec<WorkflowCardAction>,
}

/// One workflow card with the office's notes on it (actions, silences, notes), oldest first.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WorkflowCardDetail {
    #[serde(flatten)]
    pub card: WorkflowCard,
    pub notes: Vec<AnomalyNote>,
}

/// The office's action on a workflow card, with its note (required to dismiss).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowCardActionRequest {
    pub action: WorkflowCardAction,
    #[serde(default)]
    pub note: String,
}

/// Filters of the workflow-card list.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WorkflowCardQuery {
    pub subject: Option<CardSubject>,
    /// `open`, `acknowledged`, `dismissed` or `closed`.
    pub status: Option<String>,
    pub after: Option<i64>,
    pub limit: Option<u32>,
}
