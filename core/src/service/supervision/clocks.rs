//! From stored cases to the engine's compact clocks ([`CaseClocks`]) and back to readable facts.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::{Map, Value as Json};

use crate::clock::Millis;
use crate::domain::calendar::{Calendar, elapsed_working_days};
use crate::domain::case::{CaseStatus, FeeState};
use crate::domain::catalogue::FeeRule;
use crate::domain::supervision::facts::{
    FLAG_ACCEPTED, FLAG_FEE_MISMATCH, FLAG_FEE_WAIVED, FLAG_PERSON_RISK, FLAG_RISK_POINT,
    FLAG_STEP_CLOCK, NO_RANK, Signals, Value, rank_of, status_code,
};
use crate::domain::supervision::{CaseClocks, Expr};
use crate::error::Error;
use crate::service::cases::{CaseRow, Details, calendar, local_date};
use crate::service::catalogue::ItemRow;
use crate::store::DbConn;
use crate::store::schema::{
    anomalies, case_history, cases, catalogue_items, complaints, material_reuses,
};

use super::people::{CONFIRMED, PersonFacts, person_facts};

/// A day after every suspension a case can have: elapsed days up to it, over closed
/// suspensions only, give the base from which a running clock counts.
const FAR: NaiveDate = match NaiveDate::from_ymd_opt(2199, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// Today's rank in the platform's zone.
pub(crate) fn today_rank(cal: &Calendar, now: Millis, tz: chrono_tz::Tz) -> i32 {
    rank_of(cal, local_date(now, tz))
}

fn small<T: TryInto<u16>>(x: T) -> u16 {
    x.try_into().unwrap_or(u16::MAX)
}

/// The compact clocks of a stored case, as of `now` (without the facts of other records: see
/// [`Context`]).
pub(crate) fn clocks_of(
    row: &CaseRow,
    returns: i64,
    now: Millis,
    tz: chrono_tz::Tz,
) -> Result<CaseClocks, Error> {
    clocks_from(row, &row.details()?, returns, now, tz)
}

/// [`clocks_of`] with the case's details already read.
fn clocks_from(
    row: &CaseRow,
    d: &Details,
    returns: i64,
    now: Millis,
    tz: chrono_tz::Tz,
) -> Result<CaseClocks, Error> {
    let cal = calendar()?;
    let cal = &*cal;
    let status = row.status();
    let closed: Vec<_> = d
        .suspensions
        .iter()
        .filter(|s| s.to.is_some())
        .cloned()
        .collect();
    let far = rank_of(cal, FAR);
    let base_from = |on: NaiveDate| {
        let e = elapsed_working_days(cal, on, FAR, &closed);
        far - i32::try_from(e).unwrap_or(0)
    };
    let accepted_on = row.accepted_at.map(|at| local_date(at, tz));
    let case_base = accepted_on.map_or(NO_RANK, base_from);
    let step_on = row.step_started_at.map(|at| local_date(at, tz));
    let step_base = step_on.map_or(NO_RANK, base_from);
    let step = usize::try_from(row.step_index).unwrap_or(0);
    let has_step_clock = row.accepted_at.is_some()
        && step_on.is_some()
        && matches!(
            status,
            CaseStatus::InReview | CaseStatus::Suspended | CaseStatus::SupplementRequested
        );
    let open_stop = d.suspensions.iter().any(|s| s.to.is_none());
    // The clocks stand still during an open suspension and after the conclusion; the rank they
    // stopped at is their base plus what they had counted.
    let stopped_at = match accepted_on {
        Some(on) if open_stop || !status.is_open() => {
            let seen = if status.is_open() {
                now
            } else {
                d.concluded_at.unwrap_or(now)
            };
            let e = elapsed_working_days(cal, on, local_date(seen, tz), &d.suspensions);
            case_base.saturating_add(i32::try_from(e).unwrap_or(0))
        }
        _ => NO_RANK,
    };
    let mut flags = 0;
    if row.accepted_at.is_some() {
        flags |= FLAG_ACCEPTED;
    }
    if has_step_clock {
        flags |= FLAG_STEP_CLOCK;
    }
    if d.fee.as_ref().is_some_and(|f| f.state == FeeState::Waived) {
        flags |= FLAG_FEE_WAIVED;
    }
    if status.is_open() && d.workflow.get(step).is_some_and(|s| s.risk_point) {
        flags |= FLAG_RISK_POINT;
    }
    let id32 = |x: i64| u32::try_from(x).unwrap_or(u32::MAX);
    Ok(CaseClocks {
        region: id32(row.region_id),
        department: id32(row.department_id),
        item: id32(row.item_id),
        case_base,
        step_base,
        stopped_at,
        next: NO_RANK,
        case_limit: small(d.promised_limit_days),
        legal_limit: small(d.legal_limit_days),
        step_limit: small(d.workflow.get(step).map_or(0, |s| s.limit_days)),
        step: u8::try_from(step).unwrap_or(u8::MAX),
        status: status_code(status),
        missing: u8::try_from(d.missing.len()).unwrap_or(u8::MAX),
        materials: u8::try_from(d.materials.len()).unwrap_or(u8::MAX),
        returns: u8::try_from(returns).unwrap_or(u8::MAX),
        flags,
        signals: Signals::default(),
    })
}

/// A count as a fact keeps it: at most 255.
fn count<T: TryInto<u8>>(n: T) -> u8 {
    n.try_into().unwrap_or(u8::MAX)
}

/// What the catalogue says of an item version, for the facts that compare a case with it.
struct ItemFacts {
    required: Vec<String>,
    listed: Vec<String>,
    /// The version's own fee rule.
    fee: FeeRule,
    /// Every version ever published of the item's code in its region: when it came into force,
    /// when it left (if it did) and its fee rule, latest first.
    standards: Arc<Vec<(Millis, Option<Millis>, FeeRule)>>,
}

impl ItemFacts {
    /// The fee rule in force at `at`: the version published then, else the version's own.
    fn fee_at(&self, at: Millis) -> &FeeRule {
        self.standards
            .iter()
            .find(|(from, to, _)| *from <= at && to.is_none_or(|to| at < to))
            .map_or(&self.fee, |(_, _, rule)| rule)
    }
}

/// What other records than the cases say of the cases being judged: how often each was sent
/// back, its complaints, its confirmed cards, the materials reused for it, its item version
/// in the catalogue and what the people who acted on it bring (see `people`). Read once per batch
/// of cases, grouped, never per case.
#[derive(Default)]
pub(crate) struct Context {
    returns: HashMap<i64, i64>,
    complaints: HashMap<i64, i64>,
    confirmed: HashMap<i64, i64>,
    reused: HashMap<i64, Vec<String>>,
    items: HashMap<i64, ItemFacts>,
    people: HashMap<i64, PersonFacts>,
}

impl Context {
    /// Reads the context of these cases; `open` when they are every open case (a rebuild), so
    /// the grouped reads go over the open cases instead of a list of ids.
    pub(crate) fn load(conn: &mut DbConn, rows: &[CaseRow], open: bool) -> Result<Self, Error> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut ctx = Context {
            returns: returns_of(conn, (!open).then_some(ids.as_slice()))?,
            ..Context::default()
        };
        let mut complaint_rows: Vec<(Option<i64>, i64)> = Vec::new();
        let mut confirmed_rows: Vec<(i64, i64)> = Vec::new();
        let mut reuse_rows: Vec<(i64, String)> = Vec::new();
        ctx.people = person_facts(conn, (!open).then_some(ids.as_slice()))?;
        if open {
            let open_cases = || cases::table.filter(cases::status.eq_any(CaseStatus::OPEN));
            complaint_rows = complaints::table
                .filter(complaints::case_id.eq_any(open_cases().select(cases::id.nullable())))
                .group_by(complaints::case_id)
                .select((complaints::case_id, diesel::dsl::count_star()))
                .load(conn)?;
            confirmed_rows = anomalies::table
                .filter(anomalies::status.eq(CONFIRMED))
                .filter(anomalies::case_id.eq_any(open_cases().select(cases::id)))
                .group_by(anomalies::case_id)
                .select((anomalies::case_id, diesel::dsl::count_star()))
                .load(conn)?;
            reuse_rows = material_reuses::table
                .filter(material_reuses::case_id.eq_any(open_cases().select(cases::id)))
                .select((material_reuses::case_id, material_reuses::material))
                .load(conn)?;
        } else {
            for chunk in ids.chunks(500) {
                complaint_rows.extend(
                    complaints::table
                        .filter(complaints::case_id.eq_any(chunk))
                        .group_by(complaints::case_id)
                        .select((complaints::case_id, diesel::dsl::count_star()))
                        .load::<(Option<i64>, i64)>(conn)?,
                );
                confirmed_rows.extend(
                    anomalies::table
                        .filter(anomalies::status.eq(CONFIRMED))
                        .filter(anomalies::case_id.eq_any(chunk))
                        .group_by(anomalies::case_id)
                        .select((anomalies::case_id, diesel::dsl::count_star()))
                        .load::<(i64, i64)>(conn)?,
                );
                reuse_rows.extend(
                    material_reuses::table
                        .filter(material_reuses::case_id.eq_any(chunk))
                        .select((material_reuses::case_id, material_reuses::material))
                        .load::<(i64, String)>(conn)?,
                );
            }
        }
        ctx.complaints = complaint_rows
            .into_iter()
            .filter_map(|(id, n)| Some((id?, n)))
            .collect();
        ctx.confirmed = confirmed_rows.into_iter().collect();
        for (id, material) in reuse_rows {
            ctx.reused.entry(id).or_default().push(material);
        }
        let mut item_ids: Vec<i64> = rows.iter().map(|r| r.item_id).collect();
        item_ids.sort_unstable();
        item_ids.dedup();
        ctx.items = item_facts(conn, &item_ids)?;
        Ok(ctx)
    }

    /// The clocks of a case with every fact its context holds.
    pub(crate) fn clocks(
        &self,
        row: &CaseRow,
        now: Millis,
        tz: chrono_tz::Tz,
    ) -> Result<CaseClocks, Error> {
        let d = row.details()?;
        let of = |m: &HashMap<i64, i64>| m.get(&row.id).copied().unwrap_or(0);
        let mut c = clocks_from(row, &d, of(&self.returns), now, tz)?;
        c.signals.complaints = count(of(&self.complaints));
        c.signals.anomalies = count(of(&self.confirmed));
        if let Some(p) = self.people.get(&row.id) {
            if p.risk {
                c.flags |= FLAG_PERSON_RISK;
            }
            c.signals.person_complaints = count(p.complaints);
            c.signals.person_anomalies = count(p.anomalies);
        }
        if let Some(item) = self.items.get(&row.item_id) {
            let reused = self.reused.get(&row.id).map_or(&[][..], Vec::as_slice);
            c.signals.absent = count(
                item.required
                    .iter()
                    .filter(|m| !d.materials.contains(m) && !reused.contains(m))
                    .count(),
            );
            c.signals.unlisted = count(
                d.materials
                    .iter()
                    .filter(|m| !item.listed.contains(m))
                    .count(),
            );
            let charged_at = d
                .fee
                .as_ref()
                .map(|f| f.charged_at)
                .or(d.concluded_at)
                .unwrap_or(now);
            if fee_mismatch(&d, row.status(), item.fee_at(charged_at)) {
                c.flags |= FLAG_FEE_MISMATCH;
            }
        }
        Ok(c)
    }
}

/// Whether an approved case's fee (0 when none was charged) differs from what `rule` gives for
/// the quantity it declared.
fn fee_mismatch(d: &Details, status: CaseStatus, rule: &FeeRule) -> bool {
    // Cases stored before fees were recorded have no charge to compare.
    if status != CaseStatus::Approved || d.fee_rule.is_none() {
        return false;
    }
    let charged = d.fee.as_ref().map_or(0, |f| f.amount_fen);
    charged != rule.amount(d.declared_quantity.unwrap_or(0))
}

/// The catalogue's word on these item versions: their materials, and the fee rules of every
/// version of their code in their region that was ever published.
fn item_facts(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, ItemFacts>, Error> {
    let mut rows: Vec<ItemRow> = Vec::new();
    for chunk in ids.chunks(500) {
        rows.extend(
            catalogue_items::table
                .filter(catalogue_items::id.eq_any(chunk))
                .select(ItemRow::as_select())
                .load::<ItemRow>(conn)?,
        );
    }
    let mut codes: Vec<String> = rows.iter().map(|r| r.item_code.clone()).collect();
    codes.sort_unstable();
    codes.dedup();
    type Standards = Vec<(Millis, Option<Millis>, FeeRule)>;
    let mut by_code: HashMap<(String, i64), Standards> = HashMap::new();
    for chunk in codes.chunks(500) {
        let versions: Vec<ItemRow> = catalogue_items::table
            .filter(catalogue_items::item_code.eq_any(chunk))
            .filter(catalogue_items::published_at.is_not_null())
            .order(catalogue_items::published_at.desc())
            .select(ItemRow::as_select())
            .load(conn)?;
        for v in versions {
            if let Some(from) = v.published_at {
                let fee = v.content()?.fee;
                by_code
                    .entry((v.item_code.clone(), v.region_id))
                    .or_default()
                    .push((from, v.retired_at, fee));
            }
        }
    }
    let by_code: HashMap<(String, i64), Arc<Standards>> =
        by_code.into_iter().map(|(k, v)| (k, Arc::new(v))).collect();
    let mut out = HashMap::with_capacity(rows.len());
    for r in rows {
        let content = r.content()?;
        out.insert(
            r.id,
            ItemFacts {
                required: content
                    .materials
                    .iter()
                    .filter(|m| m.required)
                    .map(|m| m.name.clone())
                    .collect(),
                listed: content.materials.iter().map(|m| m.name.clone()).collect(),
                fee: content.fee,
                standards: by_code
                    .get(&(r.item_code.clone(), r.region_id))
                    .cloned()
                    .unwrap_or_default(),
            },
        );
    }
    Ok(out)
}

/// How often each of these cases was sent back (`None`: every case).
fn returns_of(conn: &mut DbConn, ids: Option<&[i64]>) -> Result<HashMap<i64, i64>, Error> {
    let mut q = case_history::table
        .filter(case_history::action.eq("return"))
        .group_by(case_history::case_id)
        .select((case_history::case_id, diesel::dsl::count_star()))
        .into_boxed();
    if let Some(ids) = ids {
        q = q.filter(case_history::case_id.eq_any(ids.to_vec()));
    }
    Ok(q.load::<(i64, i64)>(conn)?.into_iter().collect())
}

/// These cases' rows.
pub(crate) fn rows_of(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<CaseRow>, Error> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(
            cases::table
                .filter(cases::id.eq_any(chunk.to_vec()))
                .select(CaseRow::as_select())
                .load::<CaseRow>(conn)?,
        );
    }
    Ok(out)
}

/// The values of the facts a condition names, on the day of `rank`, for a finding's record.
pub(crate) fn facts_json(expr: &Expr, case: &CaseClocks, rank: i32, today: NaiveDate) -> Json {
    let mut m = Map::new();
    for f in expr.facts() {
        let v = match case.value(f, rank) {
            Value::Num(n) => serde_json::Number::from_f64((n * 1_000.0).round() / 1_000.0)
                .map_or(Json::Null, Json::Number),
            Value::Bool(b) => Json::Bool(b),
            Value::Text(t) => Json::String(t.to_owned()),
        };
        m.insert(f.name().to_owned(), v);
    }
    m.insert("day".into(), Json::String(today.to_string()));
    Json::Object(m)
}
