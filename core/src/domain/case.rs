//! The life of a case (办件, R-2.2.1.1) as a pure state machine: which action is allowed in
//! which state, and where it leads. No IO; the service stores the result.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::calendar::{
    Calendar, Deadline, Suspension, deadline, elapsed_working_days, remaining_working_days,
};

/// The database id of a case.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct CaseId(pub i64);

impl std::fmt::Display for CaseId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Applied for, waiting for intake (or back from a supplement at intake).
    Submitted,
    /// Waiting for the applicant's missing materials (补正).
    SupplementRequested,
    /// Accepted and going through the item's workflow steps.
    InReview,
    /// Clock stopped for a hearing, testing, appraisal or expert review (特别程序).
    Suspended,
    /// Concluded: approved (准予).
    Approved,
    /// Concluded: denied (不予), with a reason.
    Denied,
    /// Refused at intake (不予受理), with a reason.
    RejectedAtIntake,
    /// Ended before a conclusion (终止), with a reason.
    Terminated,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Submitted => "submitted",
            CaseStatus::SupplementRequested => "supplement_requested",
            CaseStatus::InReview => "in_review",
            CaseStatus::Suspended => "suspended",
            CaseStatus::Approved => "approved",
            CaseStatus::Denied => "denied",
            CaseStatus::RejectedAtIntake => "rejected_at_intake",
            CaseStatus::Terminated => "terminated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "submitted" => CaseStatus::Submitted,
            "supplement_requested" => CaseStatus::SupplementRequested,
            "in_review" => CaseStatus::InReview,
            "suspended" => CaseStatus::Suspended,
            "approved" => CaseStatus::Approved,
            "denied" => CaseStatus::Denied,
            "rejected_at_intake" => CaseStatus::RejectedAtIntake,
            "terminated" => CaseStatus::Terminated,
            _ => return None,
        })
    }

    /// Whether the case is still open (not concluded, rejected or terminated).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CaseStatus::Submitted
                | CaseStatus::SupplementRequested
                | CaseStatus::InReview
                | CaseStatus::Suspended
        )
    }
}

/// Something a handler does to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseAction {
    Accept,
    RejectAtIntake,
    RequestSupplement,
    ReceiveSupplement,
    /// Approve the current workflow step (the last one concludes the case approved).
    Approve,
    /// Send the case back to an earlier step.
    Return,
    Deny,
    Suspend,
    Resume,
    Terminate,
}

impl CaseAction {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseAction::Accept => "accept",
            CaseAction::RejectAtIntake => "reject_at_intake",
            CaseAction::RequestSupplement => "request_supplement",
            CaseAction::ReceiveSupplement => "receive_supplement",
            CaseAction::Approve => "approve",
            CaseAction::Return => "return",
            CaseAction::Deny => "deny",
            CaseAction::Suspend => "suspend",
            CaseAction::Resume => "resume",
            CaseAction::Terminate => "terminate",
        }
    }
}

/// The actions allowed in a state (whatever the step); empty once the case is closed.
pub fn allowed_actions(status: CaseStatus) -> &'static [CaseAction] {
    use CaseAction::*;
    match status {
        CaseStatus::Submitted => &[Accept, RejectAtIntake, RequestSupplement, Terminate],
        CaseStatus::SupplementRequested => &[ReceiveSupplement, Terminate],
        CaseStatus::InReview => &[Approve, Return, Deny, RequestSupplement, Suspend, Terminate],
        CaseStatus::Suspended => &[Resume, Terminate],
        CaseStatus::Approved
        | CaseStatus::Denied
        | CaseStatus::RejectedAtIntake
        | CaseStatus::Terminated => &[],
    }
}

/// A case's place in its life: its status, the current workflow step (0-based) and whether it
/// was accepted (a supplement requested after acceptance goes back to review, not to intake).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub status: CaseStatus,
    pub step: u32,
    pub accepted: bool,
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The action is not allowed in this state.
    #[error("a {} case cannot {}", .status.as_str(), .action.as_str())]
    NotAllowed {
        status: CaseStatus,
        action: CaseAction,
    },
    /// `return` must name an earlier step.
    #[error("a case at step {current} can only return to an earlier step, not {to}")]
    NotEarlier { current: u32, to: u32 },
}

/// Where `action` leads from `from`, for an item whose workflow has `steps` steps. `return_to`
/// is the step a `return` goes back to (ignored by other actions).
pub fn apply(
    from: Position,
    action: CaseAction,
    steps: u32,
    return_to: u32,
) -> Result<Position, TransitionError> {
    if !allowed_actions(from.status).contains(&action) {
        return Err(TransitionError::NotAllowed {
            status: from.status,
            action,
        });
    }
    let to = |status: CaseStatus| Position { status, ..from };
    Ok(match action {
        CaseAction::Accept => Position {
            status: CaseStatus::InReview,
            step: 0,
            accepted: true,
        },
        CaseAction::RejectAtIntake => to(CaseStatus::RejectedAtIntake),
        CaseAction::RequestSupplement => to(CaseStatus::SupplementRequested),
        CaseAction::ReceiveSupplement if from.accepted => to(CaseStatus::InReview),
        CaseAction::ReceiveSupplement => to(CaseStatus::Submitted),
        CaseAction::Approve if from.step + 1 >= steps => to(CaseStatus::Approved),
        CaseAction::Approve => Position {
            step: from.step + 1,
            ..from
        },
        CaseAction::Return if return_to < from.step => Position {
            step: return_to,
            ..from
        },
        CaseAction::Return => {
            return Err(TransitionError::NotEarlier {
                current: from.step,
                to: return_to,
            });
        }
        CaseAction::Deny => to(CaseStatus::Denied),
        CaseAction::Suspend => to(CaseStatus::Suspended),
        CaseAction::Resume => to(CaseStatus::InReview),
        CaseAction::Terminate => to(CaseStatus::Terminated),
    })
}

/// One of a case's clocks (legal, promised, or the current step's) on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseClock {
    /// The limit in working days.
    pub limit_days: u32,
    /// When the limit runs out, or that it is stopped by an open suspension.
    #[schema(value_type = Object)]
    pub deadline: Deadline,
    /// Working days counted so far (suspended days excluded).
    pub elapsed_working_days: i64,
    /// Working days left after today: 0 on the deadline day, negative when overdue.
    pub remaining_working_days: i64,
}

/// The clock of a limit that started on `started_on` (that day does not count), seen on
/// `today`, with the case's suspensions taken out.
pub fn clock(
    cal: &Calendar,
    started_on: NaiveDate,
    limit_days: u32,
    today: NaiveDate,
    suspensions: &[Suspension],
) -> CaseClock {
    CaseClock {
        limit_days,
        deadline: deadline(cal, started_on, limit_days, suspensions),
        elapsed_working_days: elapsed_working_days(cal, started_on, today, suspensions),
        remaining_working_days: remaining_working_days(
            cal,
            started_on,
            limit_days,
            today,
            suspensions,
        ),
    }
}

#[cfg(test)]
#[path = "case_tests.rs"]
mod tests;
