//! Cards (anomalies) as the office sees them: their life (open → acknowledged → ordered →
//! replied → confirmed, closed or dismissed), grouping of a case's step cards under its case
//! card, and inhibition (a case-level red card mutes the step-level yellow ones beneath it).

use serde::{Deserialize, Serialize};

use super::Severity;

/// Where an anomaly stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyStatus {
    Open,
    Acknowledged,
    /// A supervision order was issued.
    Ordered,
    /// The window head replied to the order.
    Replied,
    /// The office confirmed the anomaly (with the correction made).
    Confirmed,
    /// Closed: by the office, or by the engine when the condition stopped holding.
    Closed,
    /// The office found it was not an anomaly.
    Dismissed,
}

impl AnomalyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyStatus::Open => "open",
            AnomalyStatus::Acknowledged => "acknowledged",
            AnomalyStatus::Ordered => "ordered",
            AnomalyStatus::Replied => "replied",
            AnomalyStatus::Confirmed => "confirmed",
            AnomalyStatus::Closed => "closed",
            AnomalyStatus::Dismissed => "dismissed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "open" => AnomalyStatus::Open,
            "acknowledged" => AnomalyStatus::Acknowledged,
            "ordered" => AnomalyStatus::Ordered,
            "replied" => AnomalyStatus::Replied,
            "confirmed" => AnomalyStatus::Confirmed,
            "closed" => AnomalyStatus::Closed,
            "dismissed" => AnomalyStatus::Dismissed,
            _ => return None,
        })
    }

    /// Whether the anomaly is finished.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            AnomalyStatus::Confirmed | AnomalyStatus::Closed | AnomalyStatus::Dismissed
        )
    }
}

/// What the office (or the engine) does to an anomaly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyAction {
    Acknowledge,
    /// Issue a supervision order (done through the orders endpoint).
    Order,
    /// Record the window head's reply (done through the order's reply).
    Reply,
    Confirm,
    Dismiss,
    Close,
}

impl AnomalyAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyAction::Acknowledge => "acknowledge",
            AnomalyAction::Order => "order",
            AnomalyAction::Reply => "reply",
            AnomalyAction::Confirm => "confirm",
            AnomalyAction::Dismiss => "dismiss",
            AnomalyAction::Close => "close",
        }
    }
}

/// The actions allowed on an anomaly in `status`.
pub fn allowed(status: AnomalyStatus) -> &'static [AnomalyAction] {
    use AnomalyAction::*;
    match status {
        AnomalyStatus::Open => &[Acknowledge, Order, Confirm, Dismiss, Close],
        AnomalyStatus::Acknowledged => &[Order, Confirm, Dismiss, Close],
        AnomalyStatus::Ordered => &[Reply, Close],
        AnomalyStatus::Replied => &[Confirm, Dismiss, Close],
        AnomalyStatus::Confirmed | AnomalyStatus::Closed | AnomalyStatus::Dismissed => &[],
    }
}

/// Where `action` leads from `status`, or `None` when it is not allowed.
pub fn next(status: AnomalyStatus, action: AnomalyAction) -> Option<AnomalyStatus> {
    if !allowed(status).contains(&action) {
        return None;
    }
    Some(match action {
        AnomalyAction::Acknowledge => AnomalyStatus::Acknowledged,
        AnomalyAction::Order => AnomalyStatus::Ordered,
        AnomalyAction::Reply => AnomalyStatus::Replied,
        AnomalyAction::Confirm => AnomalyStatus::Confirmed,
        AnomalyAction::Dismiss => AnomalyStatus::Dismissed,
        AnomalyAction::Close => AnomalyStatus::Closed,
    })
}

/// What grouping needs of a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardKey {
    pub id: i64,
    pub case_id: i64,
    /// The step it is about, or -1 for the case.
    pub step: i64,
    pub severity: Severity,
    /// Still live (not final).
    pub live: bool,
}

/// One case's cards: its case-level cards and its step cards, with the step cards muted by a
/// live case-level red card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub case_id: i64,
    pub case_cards: Vec<i64>,
    pub step_cards: Vec<i64>,
    pub inhibited: Vec<i64>,
}

/// Groups cards by case (in order of first appearance) and marks the inhibited ones: the
/// step-level yellow cards of a case that has a live case-level red card.
pub fn group(cards: &[CardKey]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for c in cards {
        let g = match groups.iter_mut().position(|g| g.case_id == c.case_id) {
            Some(i) => &mut groups[i],
            None => {
                groups.push(Group {
                    case_id: c.case_id,
                    case_cards: Vec::new(),
                    step_cards: Vec::new(),
                    inhibited: Vec::new(),
                });
                let last = groups.len() - 1;
                &mut groups[last]
            }
        };
        if c.step < 0 {
            g.case_cards.push(c.id);
        } else {
            g.step_cards.push(c.id);
        }
    }
    for g in &mut groups {
        let red = cards
            .iter()
            .any(|c| c.case_id == g.case_id && c.step < 0 && c.live && c.severity == Severity::Red);
        if red {
            g.inhibited = cards
                .iter()
                .filter(|c| c.case_id == g.case_id && c.step >= 0 && c.severity == Severity::Yellow)
                .map(|c| c.id)
                .collect();
        }
    }
    groups
}

/// Whether the card `id` is inhibited among `cards`.
pub fn inhibited(cards: &[CardKey], id: i64) -> bool {
    let Some(card) = cards.iter().find(|c| c.id == id) else {
        return false;
    };
    card.step >= 0
        && card.severity == Severity::Yellow
        && cards.iter().any(|c| {
            c.case_id == card.case_id && c.step < 0 && c.live && c.severity == Severity::Red
        })
}

/// What the office does to a workflow card (a late complaint step, rectification, regulator
/// feedback or publicity report): the anomaly store's actions that fit a card no rule made.
/// It closes by itself when its step is done; notes and silences have their own routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowCardAction {
    /// Seen and being followed up (`open` → `acknowledged`).
    Acknowledge,
    /// Not a breach (the delay had a lawful cause): finished, with the reason as its note.
    Dismiss,
}

impl WorkflowCardAction {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowCardAction::Acknowledge => "acknowledge",
            WorkflowCardAction::Dismiss => "dismiss",
        }
    }

    /// The event's verb.
    pub fn past(self) -> &'static str {
        match self {
            WorkflowCardAction::Acknowledge => "acknowledged",
            WorkflowCardAction::Dismiss => "dismissed",
        }
    }
}

/// The actions allowed on a workflow card in `status` (`open`, `acknowledged`, `dismissed`,
/// `closed`).
pub fn workflow_card_actions(status: &str) -> &'static [WorkflowCardAction] {
    use WorkflowCardAction::*;
    match status {
        "open" => &[Acknowledge, Dismiss],
        "acknowledged" => &[Dismiss],
        _ => &[],
    }
}

/// Where `action` leads a workflow card from `status`, or `None` when it is not allowed.
pub fn workflow_card_next(status: &str, action: WorkflowCardAction) -> Option<&'static str> {
    workflow_card_actions(status)
        .contains(&action)
        .then_some(action.past())
}
