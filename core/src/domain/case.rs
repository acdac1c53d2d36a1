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

    /// The open statuses, as stored (see [`CaseStatus::is_open`]).
    pub const OPEN: [&'static str; 4] = [
        "submitted",
        "supplement_requested",
        "in_review",
        "suspended",
    ];

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
    /// Name the signers of an open step: all must approve (会签) or any one (或签).
    Countersign,
    /// Add a signer to an open step (加签).
    AddSigner,
    /// Hand an open step to another handler (转办).
    Transfer,
    /// Record the payment of the fee charged at conclusion.
    PayFee,
    /// Waive the fee charged at conclusion, with a reason.
    WaiveFee,
    /// The result waits at the window for the applicant.
    ReadyForPickup,
    /// The applicant (or their agent) picked the result up at the window.
    PickUp,
    /// The result went out by courier.
    SendByCourier,
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
            CaseAction::Countersign => "countersign",
            CaseAction::AddSigner => "add_signer",
            CaseAction::Transfer => "transfer",
            CaseAction::PayFee => "pay_fee",
            CaseAction::WaiveFee => "waive_fee",
            CaseAction::ReadyForPickup => "ready_for_pickup",
            CaseAction::PickUp => "pick_up",
            CaseAction::SendByCourier => "send_by_courier",
        }
    }
}

/// Where the fee of a case stands. A fee is charged when an approved case's item charges one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeeState {
    /// Nothing charged (the item is free, or the case was not approved).
    None,
    /// Charged and not yet paid or waived: delivery waits for it.
    Due,
    Paid,
    Waived,
}

/// Where the delivery of a concluded case's result stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not delivered yet (or the case is not concluded).
    Pending,
    /// Waiting at the window (待领取).
    ReadyForPickup,
    /// Picked up at the window or sent by courier (已送达).
    Delivered,
}

/// The actions allowed at a position (whatever the step); empty once a case is closed and, if
/// concluded, delivered.
pub fn allowed_actions(at: &Position) -> &'static [CaseAction] {
    use CaseAction::*;
    match (at.status, at.fee, at.delivery) {
        (CaseStatus::Submitted, ..) => &[Accept, RejectAtIntake, RequestSupplement, Terminate],
        (CaseStatus::SupplementRequested, ..) => &[ReceiveSupplement, Terminate],
        (CaseStatus::InReview, ..) => &[
            Approve,
            Return,
            Deny,
            RequestSupplement,
            Suspend,
            Terminate,
            Countersign,
            AddSigner,
            Transfer,
        ],
        (CaseStatus::Suspended, ..) => &[Resume, Terminate],
        (CaseStatus::Approved | CaseStatus::Denied, FeeState::Due, _) => &[PayFee, WaiveFee],
        (CaseStatus::Approved | CaseStatus::Denied, _, DeliveryState::Pending) => {
            &[ReadyForPickup, SendByCourier]
        }
        (CaseStatus::Approved | CaseStatus::Denied, _, DeliveryState::ReadyForPickup) => &[PickUp],
        (CaseStatus::Approved | CaseStatus::Denied, _, DeliveryState::Delivered)
        | (CaseStatus::RejectedAtIntake | CaseStatus::Terminated, ..) => &[],
    }
}

/// The workflow stage holding step `index`: the step alone, or the run of consecutive steps
/// sharing its `parallel_group` (并联), which are open at the same time. `groups` is each
/// step's group, in template order.
pub fn stage_of(groups: &[Option<u32>], index: u32) -> std::ops::Range<u32> {
    let i = index as usize;
    let len = u32::try_from(groups.len()).unwrap_or(u32::MAX);
    match groups.get(i).copied().flatten() {
        None => index..index + 1,
        Some(g) => {
            let same = |j: &usize| groups[*j] == Some(g);
            let start = (0..=i).rev().take_while(|j| same(j)).last().unwrap_or(i);
            let end = (i..groups.len())
                .take_while(|j| same(j))
                .last()
                .unwrap_or(i)
                + 1;
            u32::try_from(start).unwrap_or(0)..u32::try_from(end).unwrap_or(len)
        }
    }
}

/// A case's place in its life: its status, the first step of the current workflow stage
/// (0-based), whether it was accepted (a supplement requested after acceptance goes back to
/// review, not to intake), and, once concluded, its fee and delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub status: CaseStatus,
    pub step: u32,
    pub accepted: bool,
    pub fee: FeeState,
    pub delivery: DeliveryState,
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

/// Whether `action` is allowed at `from`; a refusal names the state.
pub fn check_allowed(from: &Position, action: CaseAction) -> Result<(), TransitionError> {
    if allowed_actions(from).contains(&action) {
        Ok(())
    } else {
        Err(TransitionError::NotAllowed {
            status: from.status,
            action,
        })
    }
}

/// Where `action` leads from `from`, for an item whose workflow steps have the parallel groups
/// `groups` (one entry a step). `Approve` means the current stage is complete (every step of a
/// parallel stage approved): the case moves to the next stage, or concludes approved after the
/// last. `return_to` is the step a `return` goes back to (ignored by other actions); the case
/// goes back to the start of that step's stage. The step-level actions (countersign, add a
/// signer, transfer) leave the position as it is.
pub fn apply(
    from: Position,
    action: CaseAction,
    groups: &[Option<u32>],
    return_to: u32,
) -> Result<Position, TransitionError> {
    check_allowed(&from, action)?;
    let to = |status: CaseStatus| Position { status, ..from };
    let last = u32::try_from(groups.len()).unwrap_or(u32::MAX);
    Ok(match action {
        CaseAction::Accept => Position {
            status: CaseStatus::InReview,
            step: 0,
            accepted: true,
            ..from
        },
        CaseAction::RejectAtIntake => to(CaseStatus::RejectedAtIntake),
        CaseAction::RequestSupplement => to(CaseStatus::SupplementRequested),
        CaseAction::ReceiveSupplement if from.accepted => to(CaseStatus::InReview),
        CaseAction::ReceiveSupplement => to(CaseStatus::Submitted),
        CaseAction::Approve => {
            let next = stage_of(groups, from.step).end;
            if next >= last {
                to(CaseStatus::Approved)
            } else {
                Position { step: next, ..from }
            }
        }
        CaseAction::Return if return_to < from.step => Position {
            step: stage_of(groups, return_to).start,
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
        CaseAction::Countersign | CaseAction::AddSigner | CaseAction::Transfer => from,
        CaseAction::PayFee => Position {
            fee: FeeState::Paid,
            ..from
        },
        CaseAction::WaiveFee => Position {
            fee: FeeState::Waived,
            ..from
        },
        CaseAction::ReadyForPickup => Position {
            delivery: DeliveryState::ReadyForPickup,
            ..from
        },
        CaseAction::PickUp | CaseAction::SendByCourier => Position {
            delivery: DeliveryState::Delivered,
            ..from
        },
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
