//! Online supervision on the wire: rules, dry runs, anomalies (cards) and their actions,
//! supervision orders and replies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::supervision::cards::{AnomalyAction, AnomalyStatus};
use crate::domain::supervision::{RuleKind, Severity};
use crate::wire::cases::CaseHistoryEntry;

/// Where a rule applies; empty lists mean everywhere. Regions include their subtrees; items are
/// named by item code (every version).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleScope {
    #[serde(default)]
    pub regions: Vec<i64>,
    #[serde(default)]
    pub departments: Vec<i64>,
    #[serde(default)]
    pub item_codes: Vec<String>,
}

/// A rule as written: its condition is checked when saved.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    pub name: String,
    pub kind: RuleKind,
    pub severity: Severity,
    /// The condition in the rule language (see docs/supervision.md).
    pub condition: String,
    #[serde(default)]
    pub scope: RuleScope,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// A new rule: a unique code and its first version.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    /// Stable code, e.g. `case-time-red` (letters, digits, `-` and `_`).
    pub code: String,
    pub name: String,
    pub kind: RuleKind,
    pub severity: Severity,
    pub condition: String,
    #[serde(default)]
    pub scope: RuleScope,
    #[serde(default = "yes")]
    pub enabled: bool,
}

impl NewRule {
    /// The rule's content, without its code.
    pub fn input(&self) -> RuleInput {
        RuleInput {
            name: self.name.clone(),
            kind: self.kind,
            severity: self.severity,
            condition: self.condition.clone(),
            scope: self.scope.clone(),
            enabled: self.enabled,
        }
    }
}

/// A stored rule at its current version.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rule {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: RuleKind,
    pub severity: Severity,
    pub condition: String,
    pub scope: RuleScope,
    pub enabled: bool,
    /// Shipped with the platform (one of the five built-in indicators).
    pub builtin: bool,
    pub version: i64,
    /// Its findings are step cards (the condition names a step fact).
    pub step_level: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An indicator: the rules of one kind.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Indicator {
    pub kind: RuleKind,
    pub name: String,
    pub rules: Vec<Rule>,
}

/// A draft rule to try on the stored cases.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DryRun {
    pub condition: String,
    #[serde(default)]
    pub scope: RuleScope,
    /// Also look at closed cases (their clocks stopped at their conclusion).
    #[serde(default)]
    pub include_closed: bool,
    /// Most cases listed (default 100, at most 1,000).
    pub limit: Option<u32>,
}

/// One case a draft rule flags.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DryRunHit {
    pub case_id: i64,
    pub case_no: String,
    /// The step it is about, or -1 for the whole case.
    pub step: i64,
    /// The values of the facts the condition names.
    #[schema(value_type = Object)]
    pub facts: Value,
}

/// What a draft rule would flag.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DryRunResult {
    pub cases_checked: u64,
    pub flagged: u64,
    pub hits: Vec<DryRunHit>,
}

/// A finding of a rule on a case (a yellow or red card).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Anomaly {
    pub id: i64,
    pub rule_id: i64,
    pub rule_code: String,
    pub rule_version: i64,
    pub case_id: i64,
    pub case_no: String,
    /// The step it is about, or -1 for the whole case.
    pub step: i64,
    pub kind: RuleKind,
    pub severity: Severity,
    pub status: AnomalyStatus,
    pub region_id: i64,
    pub department_id: i64,
    /// The facts that triggered it, as they were then.
    #[schema(value_type = Object)]
    pub facts: Value,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Notices are muted until then (the reason is in the anomaly's notes).
    pub silenced_until: Option<DateTime<Utc>>,
    /// When its notice went to the case's handler and the office (within working hours;
    /// `notify.cards`), if it did.
    pub notified_at: Option<DateTime<Utc>>,
    /// A step card muted by a live red card on its case.
    pub inhibited: bool,
    pub allowed_actions: Vec<AnomalyAction>,
}

/// Filters for listing anomalies.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AnomalyQuery {
    pub severity: Option<Severity>,
    pub kind: Option<RuleKind>,
    pub status: Option<AnomalyStatus>,
    pub region_id: Option<i64>,
    pub department_id: Option<i64>,
    pub case_id: Option<i64>,
    /// Only anomalies open at least this many hours.
    pub min_age_hours: Option<u32>,
    /// Leave out silenced anomalies.
    #[serde(default)]
    pub hide_silenced: bool,
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

/// A note in an anomaly's life.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AnomalyNote {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub note: Option<String>,
}

/// One anomaly with its life, the other cards of its case and the case's history.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AnomalyDetail {
    pub anomaly: Anomaly,
    pub notes: Vec<AnomalyNote>,
    /// Every card of the same case (case cards first, then step cards).
    pub case_cards: Vec<Anomaly>,
    pub case_history: Vec<CaseHistoryEntry>,
}

/// An action of the office on one anomaly.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnomalyActionRequest {
    /// `acknowledge`, `confirm`, `dismiss` or `close` (orders and replies have their own routes).
    pub action: AnomalyAction,
    #[serde(default)]
    pub note: String,
}

/// The same action on many anomalies.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkAnomalyAction {
    pub ids: Vec<i64>,
    pub action: AnomalyAction,
    #[serde(default)]
    pub note: String,
}

/// Why one anomaly of a bulk action was not changed.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BulkFailure {
    pub id: i64,
    pub code: String,
    pub message: String,
}

/// What a bulk action did.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BulkResult {
    pub done: Vec<Anomaly>,
    pub failed: Vec<BulkFailure>,
}

/// Mutes an anomaly's notices until a time, for a reason.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SilenceRequest {
    pub reason: String,
    pub until: DateTime<Utc>,
}

/// A note on an anomaly, its status unchanged.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    pub note: String,
}

/// What a full re-scan did.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScanReport {
    pub cases: u64,
    pub opened: u64,
    pub closed: u64,
}

/// Where a supervision order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Sent to the window head, waiting for the reply.
    Issued,
    /// The reply deadline passed without a reply: escalated to the office's leaders.
    Escalated,
    /// The window head replied.
    Replied,
    /// The office closed it.
    Closed,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Issued => "issued",
            OrderStatus::Escalated => "escalated",
            OrderStatus::Replied => "replied",
            OrderStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "issued" => OrderStatus::Issued,
            "escalated" => OrderStatus::Escalated,
            "replied" => OrderStatus::Replied,
            "closed" => OrderStatus::Closed,
            _ => return None,
        })
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            OrderStatus::Issued => "待回复",
            OrderStatus::Escalated => "逾期未复(已升级)",
            OrderStatus::Replied => "已回复",
            OrderStatus::Closed => "已办结",
        }
    }
}

/// A new supervision order (督办单): from an anomaly, or straight from a case.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    pub anomaly_id: Option<i64>,
    pub case_id: Option<i64>,
    /// The window head it is addressed to.
    pub addressee: String,
    /// What is to be explained and corrected.
    pub content: String,
    /// Working days to reply (default 3, at most 30).
    pub reply_days: Option<u32>,
    /// Email addresses of the window head, for the notice (with the office's, when email is on).
    #[serde(default)]
    pub notify: Vec<String>,
}

/// The window head's answer: confirms the anomaly (with the correction) or disputes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReplyVerdict {
    Confirm,
    Dispute,
}

/// A reply to an order.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderReply {
    pub cause: String,
    pub correction: String,
    pub verdict: ReplyVerdict,
}

/// The office closes an order: the anomaly was real (confirmed) or not (dismissed).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseOrder {
    pub outcome: CloseOutcome,
    #[serde(default)]
    pub note: String,
}

/// How the office judges an order's anomaly when closing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CloseOutcome {
    Confirmed,
    Dismissed,
}

/// A stored reply, with who gave it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredReply {
    pub cause: String,
    pub correction: String,
    pub verdict: ReplyVerdict,
    pub by: String,
}

/// A supervision order.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SupervisionOrder {
    pub id: i64,
    pub order_no: String,
    pub anomaly_id: Option<i64>,
    pub case_id: i64,
    pub case_no: String,
    pub region_id: i64,
    pub department_id: i64,
    pub addressee: String,
    pub content: String,
    pub status: OrderStatus,
    pub reply_due_at: DateTime<Utc>,
    pub reply: Option<StoredReply>,
    pub replied_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// Filters for listing orders.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    pub status: Option<OrderStatus>,
    pub case_id: Option<i64>,
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

/// Where a rating came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationSource {
    /// The citizen-facing tablet at the window.
    Tablet,
    /// A reply to the SMS sent after a case (短信评议).
    Sms,
    /// The portal or the app.
    Online,
}

impl EvaluationSource {
    pub fn as_str(self) -> &'static str {
        match self {
            EvaluationSource::Tablet => "tablet",
            EvaluationSource::Sms => "sms",
            EvaluationSource::Online => "online",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "tablet" => EvaluationSource::Tablet,
            "sms" => EvaluationSource::Sms,
            "online" => EvaluationSource::Online,
            _ => return None,
        })
    }
}

/// A rating (好差评): 1 very unsatisfied … 5 very satisfied, about a case and/or a window.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvaluation {
    pub source: EvaluationSource,
    /// The id of the message that carried it (tablet event, SMS id, web request): a second
    /// submission with the same source and id is the same rating.
    pub source_message_id: String,
    pub rating: u8,
    #[serde(default)]
    pub comment: String,
    pub case_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub window_id: Option<i64>,
    pub staff_id: Option<i64>,
}

/// The office's follow-up of a bad rating: a call-back deadline and the 15-working-day
/// rectification clock of the national good/bad review rules.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FollowUp {
    /// `open`, `rectified`, or `withdrawn` (the appeal was upheld).
    pub status: String,
    pub callback_due_at: DateTime<Utc>,
    pub rectify_due_at: DateTime<Utc>,
    /// The rectification reported: what was done, by whom, when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rectification: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rectified_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rectified_at: Option<DateTime<Utc>>,
}

/// A stored rating.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Evaluation {
    pub id: i64,
    pub source: EvaluationSource,
    pub source_message_id: String,
    pub rating: u8,
    pub comment: Option<String>,
    pub case_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub window_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub region_id: i64,
    pub department_id: Option<i64>,
    pub item_code: Option<String>,
    pub follow_up: Option<FollowUp>,
    pub created_at: DateTime<Utc>,
}

/// What ratings are summed up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SummaryBy {
    Window,
    Staff,
    Department,
    Item,
}

/// Which ratings to sum up.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SummaryQuery {
    pub by: SummaryBy,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// The ratings of one window, staff member, department or item.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SummaryRow {
    /// The window, user or department id, or the item code; `null` for ratings without one.
    pub key: Option<String>,
    pub count: u64,
    pub average: f64,
    /// Ratings of 1 or 2.
    pub bad: u64,
    /// Ratings of 4 or 5.
    pub good: u64,
}

/// What service figures are compared by (R-2.6.1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompareBy {
    Region,
    Department,
}

/// The period and grouping of a comparison: cases submitted in `[from, to)`.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ComparisonQuery {
    pub by: CompareBy,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// One region's or department's figures over the period.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ComparisonRow {
    pub id: i64,
    pub name: String,
    pub cases: u64,
    /// Accepted cases concluded (approved or denied) so far.
    pub concluded: u64,
    /// Share of the concluded cases that kept their promised limit.
    pub on_time_rate: Option<f64>,
    /// Working days from acceptance to conclusion, on average.
    pub average_handling_days: Option<f64>,
    pub yellow_cards_per_100: f64,
    pub red_cards_per_100: f64,
    /// Average rating (1-5) of the period's evaluations, and how many.
    pub satisfaction: Option<f64>,
    pub ratings: u64,
    /// Complaints filed in the period.
    pub complaints: u64,
}

/// A staff member the office flagged as an integrity-risk person (廉政风险点人员): the cases
/// they acted on have the fact `person.risk_point`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RiskPerson {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub region_id: i64,
    pub department_id: Option<i64>,
    pub reason: String,
    pub flagged_at: DateTime<Utc>,
    pub flagged_by: Option<i64>,
}

/// Why a person is flagged, or why the flag is lifted.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskPersonReason {
    pub reason: String,
}
