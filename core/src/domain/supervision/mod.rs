//! Online supervision (网上督查, R-2.6.1) as pure domain code: the rule language, the facts of a
//! case it speaks about, the in-memory projection of open cases' clocks with its timer, and the
//! cards' grouping and life. No IO; `service::supervision` stores and schedules.
//!
//! See `docs/supervision.md` for the language reference.

pub mod cards;
pub mod complaints;
pub mod eval;
pub mod facts;
mod lexer;
pub mod parser;
pub mod projection;
pub mod review;
pub mod snapshot;

use serde::{Deserialize, Serialize};

pub use eval::{holds, next_change, verdict};
pub use facts::{CaseClocks, Fact};
pub use parser::{Expr, parse};

/// The type of a value in a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Num,
    Bool,
    Text,
}

impl Type {
    pub fn name(self) -> &'static str {
        match self {
            Type::Num => "number",
            Type::Bool => "true/false",
            Type::Text => "text",
        }
    }
}

/// Why a condition was refused: where (the 1-based character column) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {reason}")]
pub struct RuleError {
    pub column: usize,
    pub reason: String,
}

impl RuleError {
    pub(crate) fn at(column: usize, reason: impl Into<String>) -> Self {
        RuleError {
            column,
            reason: reason.into(),
        }
    }
}

/// The five indicator kinds of the tender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// 时效: case and step time limits.
    TimeLimit,
    /// 流程: paused, terminated, refused, denied.
    Process,
    /// 内容: completeness and consistency of case data.
    Content,
    /// 裁量(收费): fees charged against the catalogue.
    Fee,
    /// 廉政风险点: integrity-risk points.
    IntegrityRisk,
}

impl RuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::TimeLimit => "time_limit",
            RuleKind::Process => "process",
            RuleKind::Content => "content",
            RuleKind::Fee => "fee",
            RuleKind::IntegrityRisk => "integrity_risk",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "time_limit" => RuleKind::TimeLimit,
            "process" => RuleKind::Process,
            "content" => RuleKind::Content,
            "fee" => RuleKind::Fee,
            "integrity_risk" => RuleKind::IntegrityRisk,
            _ => return None,
        })
    }

    /// The indicator's Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            RuleKind::TimeLimit => "时效监察",
            RuleKind::Process => "流程监察",
            RuleKind::Content => "内容监察",
            RuleKind::Fee => "裁量(收费)监察",
            RuleKind::IntegrityRisk => "廉政风险点监察",
        }
    }
}

/// Yellow card (warning) or red card (breach).
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
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Yellow,
    Red,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Yellow => "yellow",
            Severity::Red => "red",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "yellow" => Some(Severity::Yellow),
            "red" => Some(Severity::Red),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::Yellow => "黄牌",
            Severity::Red => "红牌",
        }
    }
}

/// Where a rule applies: empty lists mean everywhere. Region ids are expanded to their subtrees
/// and item codes to every version's id by the service before the engine sees them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    pub regions: Vec<u32>,
    pub departments: Vec<u32>,
    pub items: Vec<u32>,
}

impl Reach {
    /// Whether the rule applies to the case.
    pub fn covers(&self, case: &CaseClocks) -> bool {
        let within = |list: &[u32], x: u32| list.is_empty() || list.binary_search(&x).is_ok();
        within(&self.regions, case.region)
            && within(&self.departments, case.department)
            && within(&self.items, case.item)
    }
}

/// A rule as the engine runs it.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledRule {
    pub id: i64,
    pub code: String,
    pub version: i64,
    pub kind: RuleKind,
    pub severity: Severity,
    pub expr: Expr,
    pub reach: Reach,
    /// Findings are per step (the condition names a step fact) rather than per case.
    pub step_level: bool,
}

impl CompiledRule {
    /// The step a finding of this rule on `case` is about: the current step, or -1 for the case.
    pub fn step_of(&self, case: &CaseClocks) -> i64 {
        if self.step_level {
            i64::from(case.step)
        } else {
            -1
        }
    }
}

/// One rule holding on a case: the rule's index in the rule set and the step it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hit {
    pub rule: usize,
    pub step: i64,
}

/// Every rule that holds on `case` on the day of rank `rank`, and the first rank after it at
/// which any verdict may change ([`facts::NO_RANK`] when none will without an event).
pub fn judge(rules: &[CompiledRule], case: &CaseClocks, rank: i32, hits: &mut Vec<Hit>) -> i32 {
    let mut next = i32::MAX;
    for (i, rule) in rules.iter().enumerate() {
        if !rule.reach.covers(case) {
            continue;
        }
        let (now, change) = verdict(&rule.expr, case, rank);
        if now {
            hits.push(Hit {
                rule: i,
                step: rule.step_of(case),
            });
        }
        if let Some(at) = change {
            next = next.min(at);
        }
    }
    if next == i32::MAX {
        facts::NO_RANK
    } else {
        next
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
