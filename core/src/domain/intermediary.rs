//! Intermediary agencies (涉审中介, R-3.3): their lifecycle in the registry, who may be selected
//! for a project, the reproducible random draw and the credit score. No IO here.

use chrono::NaiveDate;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

/// Generates `as_str`/`parse` for a snake_case wire enum.
macro_rules! names {
    ($ty:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name,)* }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($name => Some($ty::$variant),)* _ => None }
            }
        }
    };
}
pub(crate) use names;

/// Where an agency stands in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgencyStatus {
    /// In the market: may be selected.
    Admitted,
    /// Out of the market for now (a breach under investigation …); may be reinstated.
    Suspended,
    /// Out for good.
    Removed,
}
names!(AgencyStatus { Admitted => "admitted", Suspended => "suspended", Removed => "removed" });

/// What the registry's keeper does to an agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgencyAction {
    /// Reinstates a suspended agency.
    Admit,
    Suspend,
    Remove,
}
names!(AgencyAction { Admit => "admit", Suspend => "suspend", Remove => "remove" });

impl AgencyAction {
    /// The status after the action, or why it cannot be done from `from`.
    pub fn apply(self, from: AgencyStatus) -> Result<AgencyStatus, &'static str> {
        match (self, from) {
            (AgencyAction::Admit, AgencyStatus::Suspended) => Ok(AgencyStatus::Admitted),
            (AgencyAction::Suspend, AgencyStatus::Admitted) => Ok(AgencyStatus::Suspended),
            (AgencyAction::Remove, AgencyStatus::Admitted | AgencyStatus::Suspended) => {
                Ok(AgencyStatus::Removed)
            }
            (_, AgencyStatus::Removed) => Err("a removed agency stays removed"),
            (AgencyAction::Admit, _) => Err("only a suspended agency can be admitted again"),
            (AgencyAction::Suspend, _) => Err("only an admitted agency can be suspended"),
        }
    }
}

/// One qualification (资质) of an agency, for one service type, valid between two dates
/// (both included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Qualification {
    /// The service type it qualifies for, e.g. `survey`, `eia` (环评).
    pub service_type: String,
    /// The qualification's name, e.g. 工程勘察综合甲级.
    pub name: String,
    pub certificate_no: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
}

/// What selection needs to know about an agency.
#[derive(Debug, Clone)]
pub struct AgencyFacts<'a> {
    pub status: AgencyStatus,
    pub service_types: &'a [String],
    pub items: &'a [String],
    pub qualifications: &'a [Qualification],
}

/// Why an agency cannot take a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unqualified {
    #[error("the agency is not admitted (suspended or removed)")]
    NotAdmitted,
    #[error("the agency does not offer this service type")]
    ServiceType,
    #[error("the agency does not serve this item")]
    Item,
    #[error("the agency has no qualification for this service type valid today")]
    Qualification,
}

/// Whether an agency may be selected on `today` for a project of `service_type` for the item
/// `item_code`: admitted, offering the type, serving the item, with a qualification for the
/// type valid that day.
pub fn check_qualified(
    agency: &AgencyFacts<'_>,
    service_type: &str,
    item_code: &str,
    today: NaiveDate,
) -> Result<(), Unqualified> {
    if agency.status != AgencyStatus::Admitted {
        return Err(Unqualified::NotAdmitted);
    }
    if !agency.service_types.iter().any(|t| t == service_type) {
        return Err(Unqualified::ServiceType);
    }
    if !agency.items.iter().any(|i| i == item_code) {
        return Err(Unqualified::Item);
    }
    let valid = agency
        .qualifications
        .iter()
        .any(|q| q.service_type == service_type && q.valid_from <= today && today <= q.valid_to);
    if valid {
        Ok(())
    } else {
        Err(Unqualified::Qualification)
    }
}

/// How a project's agency is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// The poster names the agency (直接选取).
    Direct,
    /// A seeded random draw among the qualified agencies (随机抽取).
    Draw,
    /// The lowest bid after the bid deadline (最低价).
    LowestPrice,
}
names!(Selection { Direct => "direct", Draw => "draw", LowestPrice => "lowest_price" });

/// Where a project stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    /// Posted; bids are taken, no agency chosen yet.
    Open,
    Selected,
    /// The contract is signed: the service clock runs.
    Contracted,
    /// The result is delivered (into the case, when there is one).
    Delivered,
    /// The poster has evaluated the agency's service.
    Evaluated,
    /// Withdrawn by its poster or department before delivery, with a reason; final.
    Cancelled,
}
names!(ProjectStatus {
    Open => "open", Selected => "selected", Contracted => "contracted",
    Delivered => "delivered", Evaluated => "evaluated", Cancelled => "cancelled",
});

impl ProjectStatus {
    /// The steps a project in this status takes next, for answers that refuse a step out of
    /// order.
    pub fn next_actions(self) -> &'static [&'static str] {
        match self {
            ProjectStatus::Open => &["bid", "select", "cancel"],
            ProjectStatus::Selected => &["contract", "cancel"],
            ProjectStatus::Contracted => &["accept", "deliver", "cancel"],
            ProjectStatus::Delivered => &["evaluate"],
            ProjectStatus::Evaluated | ProjectStatus::Cancelled => &[],
        }
    }

    /// Whether the poster may still cancel: anything before the delivery.
    pub fn cancellable(self) -> bool {
        matches!(
            self,
            ProjectStatus::Open | ProjectStatus::Selected | ProjectStatus::Contracted
        )
    }
}

/// The agency a draw picks: the candidates (ids, in ascending order as stored with the draw)
/// and the seed decide it, so anyone holding both can recompute it.
pub fn draw(seed: u64, candidates: &[i64]) -> Option<i64> {
    let n = u64::try_from(candidates.len()).ok().filter(|n| *n > 0)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Rejection sampling: plain `% n` would favour the first candidates slightly.
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let x = rng.next_u64();
        if x < zone {
            let i = usize::try_from(x % n).ok()?;
            return candidates.get(i).copied();
        }
    }
}

/// What a credit record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CreditKind {
    /// The regulator's assessment (监管考核), scored 0 to 100.
    Assessment,
    /// A government credit record (政府信用记录), scored 0 to 100.
    CreditRecord,
    /// An upheld complaint against the agency: a deduction.
    Complaint,
}
names!(CreditKind {
    Assessment => "assessment", CreditRecord => "credit_record", Complaint => "complaint",
});

/// The weights (percent) of the three parts of the credit score and the deductions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreditWeights {
    pub regulator: u32,
    pub credit_record: u32,
    pub public: u32,
    /// Points off per project delivered after its service time limit.
    pub per_breach: f64,
    /// Points off per upheld complaint.
    pub per_complaint: f64,
}

impl Default for CreditWeights {
    /// The common 70/10/20 scheme, 5 points a breach, 3 a complaint.
    fn default() -> Self {
        CreditWeights {
            regulator: 70,
            credit_record: 10,
            public: 20,
            per_breach: 5.0,
            per_complaint: 3.0,
        }
    }
}

impl CreditWeights {
    /// Weights must be non-negative and add up to 100; deductions non-negative.
    pub fn check(&self) -> Result<(), &'static str> {
        if self.regulator + self.credit_record + self.public != 100 {
            return Err("the three weights must add up to 100");
        }
        if !(self.per_breach >= 0.0 && self.per_complaint >= 0.0) {
            return Err("deductions must not be negative");
        }
        Ok(())
    }
}

/// What the credit score is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CreditInputs {
    /// The latest regulator assessment, 0 to 100.
    pub regulator: Option<f64>,
    /// The latest government credit record, 0 to 100.
    pub credit_record: Option<f64>,
    /// The average public evaluation of its projects, 1 to 5.
    pub public_rating: Option<f64>,
    /// Projects delivered (or still open) past their service time limit.
    pub breaches: u32,
    pub complaints: u32,
}

/// The credit score, 0 to 100 with one decimal: the weighted parts (the public rating mapped
/// from 1–5 onto 0–100), less the deductions. A part with no data yet counts as full marks, so
/// a new agency starts at 100 and earns its score by its record.
pub fn credit_score(w: &CreditWeights, input: &CreditInputs) -> f64 {
    let part = |v: Option<f64>| v.unwrap_or(100.0).clamp(0.0, 100.0);
    let public = input
        .public_rating
        .map(|r| (r.clamp(1.0, 5.0) - 1.0) * 25.0);
    let weighted = (f64::from(w.regulator) * part(input.regulator)
        + f64::from(w.credit_record) * part(input.credit_record)
        + f64::from(w.public) * part(public))
        / 100.0;
    let score = weighted
        - w.per_breach * f64::from(input.breaches)
        - w.per_complaint * f64::from(input.complaints);
    (score.clamp(0.0, 100.0) * 10.0).round() / 10.0
}

#[cfg(test)]
#[path = "intermediary_tests.rs"]
mod tests;
