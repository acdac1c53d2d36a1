//! From stored cases to the engine's compact clocks ([`CaseClocks`]) and back to readable facts.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::{Map, Value as Json};

use crate::clock::Millis;
use crate::domain::calendar::{Calendar, elapsed_working_days};
use crate::domain::case::CaseStatus;
use crate::domain::supervision::facts::{
    FLAG_ACCEPTED, FLAG_STEP_CLOCK, NO_RANK, Value, rank_of, status_code,
};
use crate::domain::supervision::{CaseClocks, Expr};
use crate::error::Error;
use crate::service::cases::{CaseRow, calendar, local_date};
use crate::store::DbConn;
use crate::store::schema::{case_history, cases};

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

/// The compact clocks of a stored case, as of `now`.
pub(crate) fn clocks_of(
    row: &CaseRow,
    returns: i64,
    now: Millis,
    tz: chrono_tz::Tz,
) -> Result<CaseClocks, Error> {
    let cal = calendar()?;
    let cal = &*cal;
    let d = row.details()?;
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
    })
}

/// How often each of these cases was sent back (`None`: every case).
pub(crate) fn returns_of(
    conn: &mut DbConn,
    ids: Option<&[i64]>,
) -> Result<HashMap<i64, i64>, Error> {
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
