//! The service-item catalogue (事项库): what an item says, the quality check it must pass before
//! it is published, the "three levels, four sames" (三级四同) comparison, fee computation and
//! the version lifecycle. No IO.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldError};

/// The six item types of the national guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    /// 行政许可
    Licensing,
    /// 行政征收
    Levying,
    /// 行政给付
    Payment,
    /// 行政确认
    Confirmation,
    /// 行政奖励
    Reward,
    /// 其他
    Other,
}

impl ItemType {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemType::Licensing => "licensing",
            ItemType::Levying => "levying",
            ItemType::Payment => "payment",
            ItemType::Confirmation => "confirmation",
            ItemType::Reward => "reward",
            ItemType::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "licensing" => ItemType::Licensing,
            "levying" => ItemType::Levying,
            "payment" => ItemType::Payment,
            "confirmation" => ItemType::Confirmation,
            "reward" => ItemType::Reward,
            "other" => ItemType::Other,
            _ => return None,
        })
    }
}

/// Where a version is in its life: drafts change, published versions never do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Draft,
    Published,
    Retired,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Draft => "draft",
            ItemStatus::Published => "published",
            ItemStatus::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "draft" => ItemStatus::Draft,
            "published" => ItemStatus::Published,
            "retired" => ItemStatus::Retired,
            _ => return None,
        })
    }

    /// Only a draft may be edited; a published version is changed by drafting a new version.
    pub fn check_edit(self) -> Result<(), Error> {
        match self {
            ItemStatus::Draft => Ok(()),
            _ => Err(Error::Conflict {
                message: format!(
                    "a {} version never changes; draft a new version with POST /api/v1/catalogue/changes",
                    self.as_str()
                ),
                allowed: vec!["change".into()],
            }),
        }
    }

    /// draft → published.
    pub fn check_publish(self) -> Result<(), Error> {
        match self {
            ItemStatus::Draft => Ok(()),
            _ => Err(Error::Conflict {
                message: format!(
                    "only a draft can be published; this version is {}",
                    self.as_str()
                ),
                allowed: self.allowed(),
            }),
        }
    }

    /// published → retired.
    pub fn check_retire(self) -> Result<(), Error> {
        match self {
            ItemStatus::Published => Ok(()),
            _ => Err(Error::Conflict {
                message: format!(
                    "only a published version can be retired; this one is {}",
                    self.as_str()
                ),
                allowed: self.allowed(),
            }),
        }
    }

    /// The actions allowed in this state, for conflict answers.
    pub fn allowed(self) -> Vec<String> {
        match self {
            ItemStatus::Draft => vec!["edit".into(), "check".into(), "publish".into()],
            ItemStatus::Published => vec!["retire".into(), "change".into()],
            ItemStatus::Retired => Vec::new(),
        }
    }
}

/// How the national guide types a catalogue change; each produces new versions with lineage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// 新增: a new item, no sources.
    New,
    /// 变更: the next version of one item.
    Change,
    /// 拆分: one item becomes several.
    Split,
    /// 合并: several items become one.
    Merge,
    /// 暂停: the item stays but takes no new applications.
    Suspend,
    /// 取消: the item ends; publishing the cancellation retires it.
    Cancel,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::New => "new",
            ChangeKind::Change => "change",
            ChangeKind::Split => "split",
            ChangeKind::Merge => "merge",
            ChangeKind::Suspend => "suspend",
            ChangeKind::Cancel => "cancel",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "new" => ChangeKind::New,
            "change" => ChangeKind::Change,
            "split" => ChangeKind::Split,
            "merge" => ChangeKind::Merge,
            "suspend" => ChangeKind::Suspend,
            "cancel" => ChangeKind::Cancel,
            _ => return None,
        })
    }

    /// Checks how many sources and new contents a change of this kind takes.
    /// Suspend and cancel copy their one source, so they take no content.
    pub fn check_shape(self, sources: usize, contents: usize) -> Result<(), Error> {
        let (ok, what) = match self {
            ChangeKind::New => (
                sources == 0 && contents >= 1,
                "no sources and at least one item",
            ),
            ChangeKind::Change => (sources == 1 && contents == 1, "one source and one item"),
            ChangeKind::Split => (
                sources == 1 && contents >= 2,
                "one source and at least two items",
            ),
            ChangeKind::Merge => (
                sources >= 2 && contents == 1,
                "at least two sources and one item",
            ),
            ChangeKind::Suspend | ChangeKind::Cancel => {
                (sources == 1 && contents == 0, "one source and no items")
            }
        };
        if ok {
            Ok(())
        } else {
            Err(Error::invalid(
                "sources",
                format!("a {} takes {what}", self.as_str()),
            ))
        }
    }
}

/// How an item is charged. Amounts are in fen (分), as integers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FeeRule {
    /// No fee.
    None,
    /// One fixed amount.
    Fixed { amount_fen: i64 },
    /// `per_unit_fen` × quantity, kept between `min_fen` and `max_fen`.
    Formula {
        /// What the formula counts (e.g. 平方米, 件).
        unit: String,
        per_unit_fen: i64,
        min_fen: i64,
        max_fen: i64,
    },
}

impl FeeRule {
    /// The fee for `quantity` units (ignored but for formulas), in fen.
    pub fn amount(&self, quantity: u64) -> i64 {
        match self {
            FeeRule::None => 0,
            FeeRule::Fixed { amount_fen } => *amount_fen,
            FeeRule::Formula {
                per_unit_fen,
                min_fen,
                max_fen,
                ..
            } => {
                let q = i64::try_from(quantity).unwrap_or(i64::MAX);
                let raw = per_unit_fen.saturating_mul(q);
                raw.max(*min_fen).min((*max_fen).max(*min_fen))
            }
        }
    }
}

/// A material the applicant hands in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Material {
    pub name: String,
    pub required: bool,
    /// E-license kinds that stand in for this material (the applicant then hands in nothing).
    #[serde(default)]
    pub substitute_licenses: Vec<String>,
}

/// One step of the workflow template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowStep {
    pub name: String,
    /// The role that does this step.
    pub role: String,
    /// Working days this step may take.
    pub limit_days: u32,
    /// Consecutive steps with the same group number run in parallel (并联).
    #[serde(default)]
    pub parallel_group: Option<u32>,
    /// The step is an integrity-risk point (廉政风险点): supervision rules can single it out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub risk_point: bool,
}

/// How a result reaches the applicant.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMode {
    /// 窗口领取
    Window,
    /// 快递送达
    Courier,
    /// 电子送达
    Electronic,
}

/// Everything an item version says, apart from where it is implemented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemContent {
    /// The item code, the same at city, county and town level.
    pub item_code: String,
    pub name: String,
    pub item_type: ItemType,
    pub legal_basis: String,
    /// 法定时限, working days.
    pub legal_limit_days: u32,
    /// 承诺时限, working days.
    pub promised_limit_days: u32,
    pub fee: FeeRule,
    #[serde(default)]
    pub materials: Vec<Material>,
    #[serde(default)]
    pub workflow: Vec<WorkflowStep>,
    /// Whether the item can be applied for online.
    pub online: bool,
    #[serde(default)]
    pub delivery_modes: Vec<DeliveryMode>,
    /// Local extension fields (实施清单): key → value.
    #[serde(default)]
    pub extensions: BTreeMap<String, String>,
}

/// Longest accepted texts.
const MAX_NAME: usize = 200;
const MAX_TEXT: usize = 4_000;
const MAX_CODE: usize = 64;

fn too_long(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

/// Whether an item code is well formed: letters, digits and `-`, at most 64 characters.
pub fn valid_item_code(code: &str) -> bool {
    !code.is_empty()
        && !too_long(code, MAX_CODE)
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

impl ItemContent {
    /// What a draft must satisfy to be stored at all: a well-formed code, no overlong texts,
    /// no negative money. Incomplete drafts are fine; [`ItemContent::quality_check`] is for
    /// publishing.
    pub fn storable(&self) -> Vec<FieldError> {
        let mut f = Vec::new();
        let mut push = |field: String, reason: &str| f.push(FieldError::new(field, reason));
        if !valid_item_code(&self.item_code) {
            push(
                "content.item_code".into(),
                "must be 1–64 letters, digits or '-'",
            );
        }
        if too_long(&self.name, MAX_NAME) {
            push("content.name".into(), "must be at most 200 characters");
        }
        if too_long(&self.legal_basis, MAX_TEXT) {
            push(
                "content.legal_basis".into(),
                "must be at most 4000 characters",
            );
        }
        let money = match &self.fee {
            FeeRule::None => vec![],
            FeeRule::Fixed { amount_fen } => vec![("amount_fen", *amount_fen)],
            FeeRule::Formula {
                per_unit_fen,
                min_fen,
                max_fen,
                ..
            } => vec![
                ("per_unit_fen", *per_unit_fen),
                ("min_fen", *min_fen),
                ("max_fen", *max_fen),
            ],
        };
        for (name, v) in money {
            if v < 0 {
                push(format!("content.fee.{name}"), "must not be negative");
            }
        }
        let texts = self
            .materials
            .iter()
            .enumerate()
            .map(|(i, m)| (format!("content.materials[{i}].name"), &m.name))
            .chain(self.workflow.iter().enumerate().flat_map(|(i, s)| {
                [
                    (format!("content.workflow[{i}].name"), &s.name),
                    (format!("content.workflow[{i}].role"), &s.role),
                ]
            }))
            .chain(
                self.extensions
                    .iter()
                    .map(|(k, v)| (format!("content.extensions.{k}"), v)),
            );
        for (field, text) in texts {
            if too_long(text, MAX_NAME) {
                push(field, "must be at most 200 characters");
            }
        }
        for k in self.extensions.keys() {
            if k.trim().is_empty() || too_long(k, 64) {
                push("content.extensions".into(), "keys must be 1–64 characters");
            }
        }
        if self.materials.len() > 200 || self.workflow.len() > 100 || self.extensions.len() > 100 {
            push(
                "content".into(),
                "at most 200 materials, 100 steps and 100 extension fields",
            );
        }
        f
    }

    /// Working days the workflow takes: parallel groups count once, by their longest step.
    pub fn workflow_days(&self) -> u64 {
        let mut total = 0u64;
        let mut i = 0;
        while i < self.workflow.len() {
            let step = &self.workflow[i];
            match step.parallel_group {
                None => {
                    total += u64::from(step.limit_days);
                    i += 1;
                }
                Some(g) => {
                    let mut longest = 0u32;
                    while i < self.workflow.len() && self.workflow[i].parallel_group == Some(g) {
                        longest = longest.max(self.workflow[i].limit_days);
                        i += 1;
                    }
                    total += u64::from(longest);
                }
            }
        }
        total
    }

    /// The quality check before publishing: every failure, not just the first.
    pub fn quality_check(&self) -> Vec<FieldError> {
        let mut f = self.storable();
        let mut push = |field: &str, reason: String| f.push(FieldError::new(field, reason));
        if self.name.trim().is_empty() {
            push("content.name", "is required".into());
        }
        if self.legal_basis.trim().is_empty() {
            push("content.legal_basis", "is required".into());
        }
        if self.legal_limit_days < 1 {
            push(
                "content.legal_limit_days",
                "must be at least 1 working day".into(),
            );
        }
        if self.promised_limit_days < 1 {
            push(
                "content.promised_limit_days",
                "must be at least 1 working day".into(),
            );
        }
        if self.promised_limit_days > self.legal_limit_days {
            push(
                "content.promised_limit_days",
                format!(
                    "must not exceed the legal limit ({} days)",
                    self.legal_limit_days
                ),
            );
        }
        match &self.fee {
            FeeRule::Formula {
                unit,
                per_unit_fen,
                min_fen,
                max_fen,
            } => {
                if min_fen > max_fen {
                    push("content.fee.max_fen", "must not be below min_fen".into());
                }
                if *per_unit_fen <= 0 {
                    push("content.fee.per_unit_fen", "must be positive".into());
                }
                if unit.trim().is_empty() {
                    push("content.fee.unit", "is required".into());
                }
            }
            FeeRule::Fixed { amount_fen } if *amount_fen <= 0 => {
                push(
                    "content.fee.amount_fen",
                    "must be positive (use kind none for no fee)".into(),
                );
            }
            _ => {}
        }
        for (i, m) in self.materials.iter().enumerate() {
            if m.name.trim().is_empty() {
                push(
                    &format!("content.materials[{i}].name"),
                    "is required".into(),
                );
            }
        }
        if self.workflow.is_empty() {
            push("content.workflow", "needs at least one step".into());
        }
        for (i, s) in self.workflow.iter().enumerate() {
            if s.name.trim().is_empty() {
                push(&format!("content.workflow[{i}].name"), "is required".into());
            }
            if s.role.trim().is_empty() {
                push(&format!("content.workflow[{i}].role"), "is required".into());
            }
            if s.limit_days < 1 {
                push(
                    &format!("content.workflow[{i}].limit_days"),
                    "must be at least 1 working day".into(),
                );
            }
        }
        let days = self.workflow_days();
        if self.legal_limit_days >= 1 && days > u64::from(self.legal_limit_days) {
            push(
                "content.workflow",
                format!(
                    "the steps take {days} working days, more than the legal limit of {}",
                    self.legal_limit_days
                ),
            );
        }
        if self.delivery_modes.is_empty() {
            push(
                "content.delivery_modes",
                "needs at least one delivery mode".into(),
            );
        }
        let mut modes = self.delivery_modes.clone();
        modes.sort();
        modes.dedup();
        if modes.len() != self.delivery_modes.len() {
            push("content.delivery_modes", "lists a mode twice".into());
        }
        f
    }

    /// "Three levels, four sames": how a local version differs from the upper level's
    /// in name, code, legal basis or type. Empty when they agree.
    pub fn four_sames_differences(
        &self,
        upper: &ItemContent,
        upper_region: &str,
    ) -> Vec<FieldError> {
        let mut f = Vec::new();
        let mut differ = |field: &str, theirs: &str| {
            f.push(FieldError::new(
                field,
                format!("must be the same as {upper_region}'s version of this item (\"{theirs}\"): 三级四同"),
            ));
        };
        if self.item_code != upper.item_code {
            differ("content.item_code", &upper.item_code);
        }
        if self.name.trim() != upper.name.trim() {
            differ("content.name", &upper.name);
        }
        if self.item_type != upper.item_type {
            differ("content.item_type", upper.item_type.as_str());
        }
        if self.legal_basis.trim() != upper.legal_basis.trim() {
            differ("content.legal_basis", &upper.legal_basis);
        }
        f
    }
}

#[cfg(test)]
#[path = "catalogue_tests.rs"]
mod tests;
