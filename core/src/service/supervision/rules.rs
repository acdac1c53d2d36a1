//! Rules (监察规则) and indicators: created, edited (each edit a new version), enabled and
//! disabled through the API; the built-in indicators' rules seeded at start.

use diesel::prelude::*;
use serde_json::json;

use crate::clock::Millis;
use crate::domain::access::{Caller, Permission};
use crate::domain::supervision::{CompiledRule, Expr, Reach, RuleError, RuleKind, Severity, parse};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::store::DbConn;
use crate::store::schema::{
    catalogue_items, regions, supervision_rule_versions, supervision_rules,
};
use crate::wire::supervision::{Indicator, NewRule, Rule, RuleInput, RuleScope};
use crate::wire::time;

/// The rules shipped with the platform: the five indicators of the tender (R-2.6.1.1).
pub fn builtin_rules() -> Vec<NewRule> {
    let rule = |code: &str, name: &str, kind, severity, condition: &str| NewRule {
        code: code.into(),
        name: name.into(),
        kind,
        severity,
        condition: condition.into(),
        scope: RuleScope::default(),
        enabled: true,
    };
    use RuleKind::*;
    use Severity::*;
    vec![
        rule(
            "case-time-yellow",
            "办件即将超期",
            TimeLimit,
            Yellow,
            "accepted and open and case.remaining >= 0 and (case.used >= 0.8 or case.remaining <= 2)",
        ),
        rule(
            "case-time-red",
            "办件超期",
            TimeLimit,
            Red,
            "accepted and open and case.remaining < 0",
        ),
        rule(
            "step-time-yellow",
            "环节即将超时",
            TimeLimit,
            Yellow,
            "status == 'in_review' and step.remaining >= 0 and step.used >= 0.8 and step.limit > 0",
        ),
        rule(
            "step-time-red",
            "环节超时",
            TimeLimit,
            Red,
            "status == 'in_review' and step.remaining < 0",
        ),
        rule(
            "process-long-suspension",
            "暂停时间过长",
            Process,
            Yellow,
            "suspended and suspended.days > 10",
        ),
        rule("process-terminated", "异常终止", Process, Red, "terminated"),
        rule("process-rejected", "不予受理", Process, Yellow, "rejected"),
        rule("process-denied", "不予许可", Process, Yellow, "denied"),
        rule(
            "content-no-materials",
            "受理时无申请材料",
            Content,
            Red,
            "accepted and materials.count == 0",
        ),
        rule(
            "content-missing-materials",
            "补正材料未齐",
            Content,
            Yellow,
            "materials.missing > 0 and suspended and suspended.days > 5",
        ),
        rule(
            "content-absent-materials",
            "受理时缺少必要材料",
            Content,
            Yellow,
            "accepted and open and materials.absent > 0",
        ),
        rule(
            "fee-mismatch",
            "收费与目录收费标准不符",
            Fee,
            Red,
            "fee.mismatch",
        ),
        rule("fee-waived", "减免收费", Fee, Yellow, "fee.waived"),
        rule(
            "integrity-repeated-returns",
            "多次退回(廉政风险)",
            IntegrityRisk,
            Yellow,
            "case.returns >= 2",
        ),
        rule(
            "integrity-risk-point",
            "廉政风险点环节有投诉或异常",
            IntegrityRisk,
            Yellow,
            "step.risk_point and (case.complaints > 0 or case.anomalies > 0)",
        ),
        rule(
            "integrity-risk-person",
            "廉政风险点人员经办",
            IntegrityRisk,
            Yellow,
            "open and person.risk_point",
        ),
        rule(
            "integrity-repeated-complaints",
            "多次被投诉(廉政风险)",
            IntegrityRisk,
            Red,
            "case.complaints >= 2",
        ),
    ]
}

/// A stored rule.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = supervision_rules)]
pub(crate) struct RuleRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub severity: String,
    pub condition: String,
    pub scope: String,
    pub enabled: bool,
    pub builtin: bool,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl RuleRow {
    pub(crate) fn kind(&self) -> RuleKind {
        RuleKind::parse(&self.kind).unwrap_or(RuleKind::Process)
    }

    pub(crate) fn severity(&self) -> Severity {
        Severity::parse(&self.severity).unwrap_or(Severity::Red)
    }

    pub(crate) fn scope(&self) -> RuleScope {
        serde_json::from_str(&self.scope).unwrap_or_default()
    }

    pub(crate) fn wire(&self) -> Rule {
        Rule {
            id: self.id,
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind(),
            severity: self.severity(),
            condition: self.condition.clone(),
            scope: self.scope(),
            enabled: self.enabled,
            builtin: self.builtin,
            version: self.version,
            step_level: parse(&self.condition).is_ok_and(|e| e.of_step()),
            created_at: time(self.created_at),
            updated_at: time(self.updated_at),
        }
    }
}

/// The field error of a refused condition: `column N: reason`.
pub(crate) fn condition_error(e: &RuleError) -> Error {
    Error::invalid("condition", e.to_string())
}

/// Checks a rule's content; the parsed condition.
fn check(input: &RuleInput, code: Option<&str>) -> Result<Expr, Error> {
    let mut v = Validator::new();
    v.text(&input.name, "name", 200);
    if let Some(code) = code {
        v.text(code, "code", 64);
        v.check(
            code.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "code",
            "letters, digits, `-` and `_` only",
        );
    }
    let expr = parse(&input.condition);
    if let Err(e) = &expr {
        v.push("condition", e.to_string());
    }
    v.check(
        input.scope.item_codes.iter().all(|c| !c.trim().is_empty()),
        "scope.item_codes",
        "item codes must not be empty",
    );
    v.check(
        input.scope.regions.len() + input.scope.departments.len() + input.scope.item_codes.len()
            <= 1_000,
        "scope",
        "at most 1,000 entries",
    );
    v.finish()?;
    expr.map_err(|e| condition_error(&e))
}

fn scope_json(scope: &RuleScope) -> Result<String, Error> {
    serde_json::to_string(scope).map_err(|e| Error::Internal(format!("rule scope: {e}")))
}

/// Inserts a rule (its first version) with its audit entry and event.
fn insert_rule(
    conn: &mut DbConn,
    now: Millis,
    actor: &Actor,
    new: &NewRule,
    builtin: bool,
) -> Result<RuleRow, Error> {
    let taken: Option<i64> = supervision_rules::table
        .filter(supervision_rules::code.eq(&new.code))
        .select(supervision_rules::id)
        .get_result(conn)
        .optional()?;
    if taken.is_some() {
        return Err(Error::conflict(format!(
            "a rule with code {} exists",
            new.code
        )));
    }
    let id: i64 = diesel::insert_into(supervision_rules::table)
        .values((
            supervision_rules::code.eq(&new.code),
            supervision_rules::name.eq(new.name.trim()),
            supervision_rules::kind.eq(new.kind.as_str()),
            supervision_rules::severity.eq(new.severity.as_str()),
            supervision_rules::condition.eq(new.condition.trim()),
            supervision_rules::scope.eq(scope_json(&new.scope)?),
            supervision_rules::enabled.eq(new.enabled),
            supervision_rules::builtin.eq(builtin),
            supervision_rules::version.eq(1_i64),
            supervision_rules::created_at.eq(now),
            supervision_rules::updated_at.eq(now),
        ))
        .returning(supervision_rules::id)
        .get_result(conn)?;
    let row: RuleRow = supervision_rules::table
        .find(id)
        .select(RuleRow::as_select())
        .get_result(conn)?;
    save_version(
        conn,
        now,
        actor,
        &row,
        None,
        "supervision_rule.create",
        "supervision_rule.created",
    )?;
    Ok(row)
}

/// Keeps the rule's current content as a version and records the change.
fn save_version(
    conn: &mut DbConn,
    now: Millis,
    actor: &Actor,
    row: &RuleRow,
    before: Option<&Rule>,
    action: &str,
    event: &str,
) -> Result<(), Error> {
    let rule = row.wire();
    let body = serde_json::to_value(&rule).map_err(|e| Error::Internal(e.to_string()))?;
    diesel::insert_into(supervision_rule_versions::table)
        .values((
            supervision_rule_versions::rule_id.eq(row.id),
            supervision_rule_versions::version.eq(row.version),
            supervision_rule_versions::body.eq(body.to_string()),
            supervision_rule_versions::actor.eq(&actor.label),
            supervision_rule_versions::created_at.eq(now),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        now,
        actor,
        Change {
            before: before.and_then(|b| serde_json::to_value(b).ok()),
            after: Some(body),
            payload: json!({"code": row.code, "version": row.version, "enabled": row.enabled}),
            ..Change::new(action, event, "supervision_rule", row.id)
        },
    )?;
    Ok(())
}

fn need(caller: &Caller, perm: Permission, what: &str) -> Result<(), Error> {
    if caller.has(perm) {
        Ok(())
    } else {
        Err(Error::forbidden(format!("{what} needs {}", perm.as_str())))
    }
}

/// The rules the engine runs: every enabled rule, parsed, with its reach expanded (regions to
/// their subtrees, item codes to every version's id).
pub(crate) fn load_compiled(conn: &mut DbConn) -> Result<Vec<CompiledRule>, Error> {
    let rows: Vec<RuleRow> = supervision_rules::table
        .filter(supervision_rules::enabled.eq(true))
        .order(supervision_rules::id.asc())
        .select(RuleRow::as_select())
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let expr = match parse(&row.condition) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(rule = %row.code, error = %e, "a stored rule no longer parses; skipped");
                continue;
            }
        };
        let reach = reach_of(conn, &row.scope())?;
        out.push(CompiledRule {
            id: row.id,
            code: row.code.clone(),
            version: row.version,
            kind: row.kind(),
            severity: row.severity(),
            step_level: expr.of_step(),
            expr,
            reach,
        });
    }
    Ok(out)
}

/// A scope as the engine checks it.
pub(crate) fn reach_of(conn: &mut DbConn, scope: &RuleScope) -> Result<Reach, Error> {
    let ids = |v: Vec<i64>| -> Vec<u32> {
        let mut v: Vec<u32> = v
            .into_iter()
            .filter_map(|x| u32::try_from(x).ok())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut regions_in = Vec::new();
    for r in &scope.regions {
        let path: Option<String> = regions::table
            .find(r)
            .select(regions::path)
            .get_result(conn)
            .optional()?;
        // A region that no longer exists reaches nothing: keep an impossible id.
        let Some(path) = path else {
            regions_in.push(-1);
            continue;
        };
        let sub: Vec<i64> = regions::table
            .filter(regions::path.like(format!("{path}%")))
            .select(regions::id)
            .load(conn)?;
        regions_in.extend(sub);
    }
    let mut items = Vec::new();
    if !scope.item_codes.is_empty() {
        items = catalogue_items::table
            .filter(catalogue_items::item_code.eq_any(&scope.item_codes))
            .select(catalogue_items::id)
            .load(conn)?;
        if items.is_empty() {
            items.push(-1);
        }
    }
    let mut reach = Reach {
        regions: ids(regions_in.clone()),
        departments: ids(scope.departments.clone()),
        items: ids(items.clone()),
    };
    // An impossible id (-1) does not fit u32: keep the list non-empty so it matches nothing.
    if reach.regions.is_empty() && !regions_in.is_empty() {
        reach.regions.push(u32::MAX);
    }
    if reach.items.is_empty() && !items.is_empty() {
        reach.items.push(u32::MAX);
    }
    Ok(reach)
}

impl Services {
    /// Seeds the built-in rules that are missing (by code). Idempotent; edits are kept.
    pub async fn ensure_builtin_rules(&self) -> Result<(), Error> {
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                for new in builtin_rules() {
                    let exists: Option<i64> = supervision_rules::table
                        .filter(supervision_rules::code.eq(&new.code))
                        .select(supervision_rules::id)
                        .get_result(conn)
                        .optional()?;
                    if exists.is_none() {
                        insert_rule(conn, now, &Actor::system(), &new, true)?;
                    }
                }
                Ok(())
            })
            .await
    }

    /// Every rule; needs supervision.read.
    pub async fn list_rules(&self, caller: &Caller) -> Result<Vec<Rule>, Error> {
        need(caller, Permission::SupervisionRead, "reading rules")?;
        self.store
            .read(|conn| {
                let rows: Vec<RuleRow> = supervision_rules::table
                    .order(supervision_rules::id.asc())
                    .select(RuleRow::as_select())
                    .load(conn)?;
                Ok(rows.iter().map(RuleRow::wire).collect())
            })
            .await
    }

    /// The indicators: the rules grouped by kind, in the tender's order.
    pub async fn list_indicators(&self, caller: &Caller) -> Result<Vec<Indicator>, Error> {
        let rules = self.list_rules(caller).await?;
        Ok([
            RuleKind::TimeLimit,
            RuleKind::Process,
            RuleKind::Content,
            RuleKind::Fee,
            RuleKind::IntegrityRisk,
        ]
        .into_iter()
        .map(|kind| Indicator {
            kind,
            name: kind.label_zh().into(),
            rules: rules.iter().filter(|r| r.kind == kind).cloned().collect(),
        })
        .collect())
    }

    /// One rule.
    pub async fn get_rule(&self, caller: &Caller, id: i64) -> Result<Rule, Error> {
        need(caller, Permission::SupervisionRead, "reading rules")?;
        self.store
            .read(move |conn| {
                let row: RuleRow = supervision_rules::table
                    .find(id)
                    .select(RuleRow::as_select())
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| Error::not_found("rule", id))?;
                Ok(row.wire())
            })
            .await
    }

    /// Saves a new rule after checking its condition (422 with the column and reason).
    pub async fn create_rule(&self, caller: &Caller, new: NewRule) -> Result<Rule, Error> {
        need(caller, Permission::SupervisionRule, "creating rules")?;
        check(&new.input(), Some(&new.code))?;
        let actor = Actor::of(caller);
        let now = self.clock.now();
        self.store
            .write(move |conn| Ok(insert_rule(conn, now, &actor, &new, false)?.wire()))
            .await
    }

    /// Saves a new version of a rule (its findings so far keep the version that made them).
    pub async fn update_rule(
        &self,
        caller: &Caller,
        id: i64,
        input: RuleInput,
    ) -> Result<Rule, Error> {
        need(caller, Permission::SupervisionRule, "editing rules")?;
        check(&input, None)?;
        let actor = Actor::of(caller);
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let old: RuleRow = supervision_rules::table
                    .find(id)
                    .select(RuleRow::as_select())
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| Error::not_found("rule", id))?;
                diesel::update(supervision_rules::table.find(id))
                    .set((
                        supervision_rules::name.eq(input.name.trim()),
                        supervision_rules::kind.eq(input.kind.as_str()),
                        supervision_rules::severity.eq(input.severity.as_str()),
                        supervision_rules::condition.eq(input.condition.trim()),
                        supervision_rules::scope.eq(scope_json(&input.scope)?),
                        supervision_rules::enabled.eq(input.enabled),
                        supervision_rules::version.eq(old.version + 1),
                        supervision_rules::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                let row: RuleRow = supervision_rules::table
                    .find(id)
                    .select(RuleRow::as_select())
                    .get_result(conn)?;
                save_version(
                    conn,
                    now,
                    &actor,
                    &row,
                    Some(&old.wire()),
                    "supervision_rule.update",
                    "supervision_rule.updated",
                )?;
                Ok(row.wire())
            })
            .await
    }

    /// Every saved version of a rule, oldest first.
    pub async fn rule_versions(
        &self,
        caller: &Caller,
        id: i64,
    ) -> Result<Vec<serde_json::Value>, Error> {
        need(caller, Permission::SupervisionRead, "reading rules")?;
        self.store
            .read(move |conn| {
                let bodies: Vec<String> = supervision_rule_versions::table
                    .filter(supervision_rule_versions::rule_id.eq(id))
                    .order(supervision_rule_versions::version.asc())
                    .select(supervision_rule_versions::body)
                    .load(conn)?;
                if bodies.is_empty() {
                    return Err(Error::not_found("rule", id));
                }
                Ok(bodies
                    .iter()
                    .filter_map(|b| serde_json::from_str(b).ok())
                    .collect())
            })
            .await
    }
}
