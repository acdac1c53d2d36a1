//! Big-data supervision (R-2.6.1.7): regions or departments compared on their service figures
//! over a period — cases, on-time rate, average handling days, yellow and red cards per 100
//! cases, satisfaction, complaints — for the cockpit and the console.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;

use super::clocks::clocks_of;
use crate::domain::access::{Caller, Permission};
use crate::domain::case::CaseStatus;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::cases::CaseRow;
use crate::service::org::ScopeSql;
use crate::store::schema::{anomalies, cases, complaints, departments, evaluations, regions};
use crate::wire::supervision::{CompareBy, ComparisonQuery, ComparisonRow};

#[derive(Default)]
struct Sums {
    cases: u64,
    concluded: u64,
    on_time: u64,
    handling_days: i64,
    yellow: u64,
    red: u64,
    rating_total: i64,
    ratings: u64,
    complaints: u64,
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl Services {
    /// Compares regions or departments over a period, within the caller's supervision.read scope.
    pub async fn compare(
        &self,
        caller: &Caller,
        query: ComparisonQuery,
    ) -> Result<Vec<ComparisonRow>, Error> {
        let (from, to) = (query.from.timestamp_millis(), query.to.timestamp_millis());
        let mut v = Validator::new();
        v.check(from < to, "to", "must be after from");
        v.check(
            to - from <= 366 * 86_400_000,
            "to",
            "a period of at most a year",
        );
        v.finish()?;
        let caller = caller.clone();
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        self.store
            .read_heavy(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::SupervisionRead)?;
                if scope.is_empty() {
                    return Err(Error::forbidden("comparisons need supervision.read"));
                }
                let mut q = cases::table
                    .filter(cases::submitted_at.ge(from))
                    .filter(cases::submitted_at.lt(to))
                    .select(CaseRow::as_select())
                    .into_boxed();
                if !scope.global {
                    q = q.filter(
                        cases::region_id
                            .eq_any(scope.region_ids.clone())
                            .or(cases::department_id.eq_any(scope.department_ids.clone())),
                    );
                }
                let rows: Vec<CaseRow> = q.load(conn)?;
                let key = |region: i64, department: i64| match query.by {
                    CompareBy::Region => region,
                    CompareBy::Department => department,
                };
                let mut sums: BTreeMap<i64, Sums> = BTreeMap::new();
                let mut group_of: HashMap<i64, i64> = HashMap::new();
                for row in &rows {
                    let k = key(row.region_id, row.department_id);
                    group_of.insert(row.id, k);
                    let s = sums.entry(k).or_default();
                    s.cases += 1;
                    let status = row.status();
                    if row.accepted_at.is_some()
                        && matches!(status, CaseStatus::Approved | CaseStatus::Denied)
                    {
                        let c = clocks_of(row, 0, now, tz)?;
                        let days = i64::from(c.stopped_at) - i64::from(c.case_base);
                        s.concluded += 1;
                        s.handling_days += days;
                        s.on_time += u64::from(days <= i64::from(c.case_limit));
                    }
                }
                let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                for chunk in ids.chunks(500) {
                    let cards: Vec<(i64, String)> = anomalies::table
                        .filter(anomalies::case_id.eq_any(chunk.to_vec()))
                        .select((anomalies::case_id, anomalies::severity))
                        .load(conn)?;
                    for (case, severity) in cards {
                        if let Some(s) = group_of.get(&case).and_then(|k| sums.get_mut(k)) {
                            if severity == "red" {
                                s.red += 1;
                            } else {
                                s.yellow += 1;
                            }
                        }
                    }
                }
                let mut eq = evaluations::table
                    .filter(evaluations::id.ne_all(super::evaluations::uncounted(conn)?))
                    .filter(evaluations::created_at.ge(from))
                    .filter(evaluations::created_at.lt(to))
                    .select((
                        evaluations::region_id,
                        evaluations::department_id,
                        evaluations::rating,
                    ))
                    .into_boxed();
                if !scope.global {
                    eq = eq.filter(
                        evaluations::region_id
                            .eq_any(scope.region_ids.clone())
                            .or(evaluations::department_id.eq_any(scope.department_ids.clone())),
                    );
                }
                let ratings: Vec<(i64, Option<i64>, i64)> = eq.load(conn)?;
                for (region, department, rating) in ratings {
                    let k = match query.by {
                        CompareBy::Region => Some(region),
                        CompareBy::Department => department,
                    };
                    if let Some(k) = k {
                        let s = sums.entry(k).or_default();
                        s.rating_total += rating;
                        s.ratings += 1;
                    }
                }
                let mut cq = complaints::table
                    .filter(complaints::created_at.ge(from))
                    .filter(complaints::created_at.lt(to))
                    .select((complaints::region_id, complaints::department_id))
                    .into_boxed();
                if !scope.global {
                    cq = cq.filter(
                        complaints::region_id
                            .eq_any(scope.region_ids.clone())
                            .or(complaints::department_id.eq_any(scope.department_ids.clone())),
                    );
                }
                let filed: Vec<(i64, Option<i64>)> = cq.load(conn)?;
                for (region, department) in filed {
                    let k = match query.by {
                        CompareBy::Region => Some(region),
                        CompareBy::Department => department,
                    };
                    if let Some(k) = k {
                        sums.entry(k).or_default().complaints += 1;
                    }
                }
                let keys: Vec<i64> = sums.keys().copied().collect();
                let names: HashMap<i64, String> = match query.by {
                    CompareBy::Region => regions::table
                        .filter(regions::id.eq_any(keys))
                        .select((regions::id, regions::name))
                        .load(conn)?,
                    CompareBy::Department => departments::table
                        .filter(departments::id.eq_any(keys))
                        .select((departments::id, departments::name))
                        .load(conn)?,
                }
                .into_iter()
                .collect();
                Ok(sums
                    .into_iter()
                    .map(|(id, s)| {
                        let per_100 = |n: u64| {
                            if s.cases == 0 {
                                0.0
                            } else {
                                round(n as f64 * 100.0 / s.cases as f64)
                            }
                        };
                        let concluded = s.concluded.max(1) as f64;
                        ComparisonRow {
                            id,
                            name: names.get(&id).cloned().unwrap_or_default(),
                            cases: s.cases,
                            concluded: s.concluded,
                            on_time_rate: (s.concluded > 0)
                                .then(|| round(s.on_time as f64 / concluded)),
                            average_handling_days: (s.concluded > 0)
                                .then(|| round(s.handling_days as f64 / concluded)),
                            yellow_cards_per_100: per_100(s.yellow),
                            red_cards_per_100: per_100(s.red),
                            satisfaction: (s.ratings > 0)
                                .then(|| round(s.rating_total as f64 / s.ratings as f64)),
                            ratings: s.ratings,
                            complaints: s.complaints,
                        }
                    })
                    .collect())
            })
            .await
    }
}
