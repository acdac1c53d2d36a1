//! Reading the rollups: any period and region subtree, compared by region or department,
//! as a trend, or as top items. A period is cut into months, read from the monthly rows, and
//! the days before and after them, read from the daily rows; a month the period covers mostly
//! is read whole, less its days outside the period (a trend by day reads days only). Never the
//! cases, so the cost does not grow with the number of cases.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::fold::cursor;
use super::months::COUNTERS;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::cockpit::{
    Counters, Figures, Granularity, PeriodCut, cut_period, date_of_key, day_key,
};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::org::ScopeSql;
use crate::store::DbConn;
use crate::store::schema::{catalogue_items, departments, regions};
use crate::wire::cockpit::{
    CockpitComparison, CockpitItems, CockpitPlace, CockpitQuery, CockpitRow, CockpitSummary,
    CockpitTrend, TopItem, TrendPoint,
};

/// The longest period one request covers (five years).
const MAX_DAYS: i64 = 1_830;
/// `sums` grouped by month: whole months from the monthly rows, the days around them by their
/// month.
const MONTH: &str = "month";

/// A resolved request: the period's day keys and which rollup rows it reads.
pub(super) struct Place {
    pub wire: CockpitPlace,
    path: String,
    from: i64,
    to: i64,
    /// The period as whole months and the days around them.
    cut: PeriodCut,
    /// The subtree's regions; `None`: every region (the root, for a caller who sees it all).
    subtree: Option<Vec<i64>>,
    /// Only these departments (a caller who reads by department, or one asked for).
    departments: Option<Vec<i64>>,
}

/// Which rows of the period a query reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rows {
    /// Every day of the period, from the daily rows (trends by day).
    AllDays,
    /// The days outside the period's months.
    Days,
    /// The period's months, from the monthly rows.
    Months,
    /// The days of those months outside the period, to subtract.
    Minus,
    /// Hall figures: daily only, and of no department.
    Halls,
}

impl Place {
    fn filter(&self, rows: Rows) -> String {
        let list = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let mut w = match rows {
            Rows::AllDays | Rows::Halls => format!("day >= {} AND day <= {}", self.from, self.to),
            Rows::Days | Rows::Minus => {
                let days = if rows == Rows::Days {
                    &self.cut.days
                } else {
                    &self.cut.minus
                };
                if days.is_empty() {
                    return "1 = 0".to_owned();
                }
                let ranges: Vec<String> = days
                    .iter()
                    .map(|(a, b)| format!("(day >= {a} AND day <= {b})"))
                    .collect();
                format!("({})", ranges.join(" OR "))
            }
            Rows::Months => match self.cut.months {
                Some((a, b)) => format!("month >= {a} AND month <= {b}"),
                None => "1 = 0".to_owned(),
            },
        };
        if let Some(ids) = &self.subtree {
            w.push_str(&format!(" AND region_id IN ({})", list(ids)));
        }
        match (&self.departments, rows == Rows::Halls) {
            // Hall visits belong to no department.
            (Some(_), true) => w.push_str(" AND 1 = 0"),
            (Some(ids), false) => w.push_str(&format!(" AND department_id IN ({})", list(ids))),
            (None, _) => {}
        }
        w
    }
}

#[derive(QueryableByName)]
struct DailySums {
    #[diesel(sql_type = BigInt)]
    k: i64,
    #[diesel(sql_type = BigInt)]
    received: i64,
    #[diesel(sql_type = BigInt)]
    online: i64,
    #[diesel(sql_type = BigInt)]
    concluded: i64,
    #[diesel(sql_type = BigInt)]
    on_time: i64,
    #[diesel(sql_type = BigInt)]
    handling_days: i64,
    #[diesel(sql_type = BigInt)]
    courier: i64,
    #[diesel(sql_type = BigInt)]
    ratings: i64,
    #[diesel(sql_type = BigInt)]
    rating_sum: i64,
    #[diesel(sql_type = BigInt)]
    yellow: i64,
    #[diesel(sql_type = BigInt)]
    red: i64,
    #[diesel(sql_type = BigInt)]
    complaints: i64,
}

#[derive(QueryableByName)]
struct HallSums {
    #[diesel(sql_type = BigInt)]
    k: i64,
    #[diesel(sql_type = BigInt)]
    visits: i64,
    #[diesel(sql_type = BigInt)]
    waits: i64,
    #[diesel(sql_type = BigInt)]
    wait_ms: i64,
}

#[derive(QueryableByName)]
struct ItemSums {
    #[diesel(sql_type = Text)]
    item_code: String,
    #[diesel(sql_type = BigInt)]
    received: i64,
    #[diesel(sql_type = BigInt)]
    concluded: i64,
}

fn sum(col: &str) -> String {
    format!("CAST(COALESCE(SUM({col}), 0) AS BIGINT) AS {col}")
}

/// The negated sum, for the days subtracted from a month.
fn minus(col: &str) -> String {
    format!("CAST(-COALESCE(SUM({col}), 0) AS BIGINT) AS {col}")
}

/// The period's counters grouped by `group` (a column; `None`: one group, key 0; `MONTH`: the
/// month, key `yyyymm`). Grouped by day, every day is read from the daily rows; otherwise whole
/// months from the monthly rows.
fn sums(
    conn: &mut DbConn,
    place: &Place,
    group: Option<&str>,
) -> Result<BTreeMap<i64, Counters>, Error> {
    // A month is a monthly row's `month`, and a daily row's day key without its day.
    let group_in = |table: &str| match group {
        Some(MONTH) if table == "cockpit_monthly" => Some("month"),
        Some(MONTH) => Some("CAST(day / 100 AS BIGINT)"),
        g => g,
    };
    let key_in = |table: &str| group_in(table).unwrap_or("CAST(0 AS BIGINT)");
    let tail = |table: &str, rows: Rows| match group_in(table) {
        Some(g) => format!("WHERE {} GROUP BY {g}", place.filter(rows)),
        None => format!("WHERE {}", place.filter(rows)),
    };
    let mut parts = Vec::new();
    if group == Some("day") {
        parts.push(("cockpit_daily", Rows::AllDays));
    } else {
        if !place.cut.days.is_empty() {
            parts.push(("cockpit_daily", Rows::Days));
        }
        if place.cut.months.is_some() {
            parts.push(("cockpit_monthly", Rows::Months));
        }
        if !place.cut.minus.is_empty() {
            parts.push(("cockpit_daily", Rows::Minus));
        }
    }
    let mut daily: Vec<DailySums> = Vec::new();
    for (table, rows) in parts {
        let cols = COUNTERS
            .map(if rows == Rows::Minus { minus } else { sum })
            .join(", ");
        daily.extend(
            diesel::sql_query(format!(
                "SELECT {} AS k, {cols} FROM {table} {}",
                key_in(table),
                tail(table, rows)
            ))
            .load::<DailySums>(conn)?,
        );
    }
    let mut out: BTreeMap<i64, Counters> = BTreeMap::new();
    for r in daily {
        let c = Counters {
            received: r.received,
            online: r.online,
            concluded: r.concluded,
            on_time: r.on_time,
            handling_days: r.handling_days,
            courier: r.courier,
            ratings: r.ratings,
            rating_sum: r.rating_sum,
            yellow: r.yellow,
            red: r.red,
            complaints: r.complaints,
            ..Counters::default()
        };
        *out.entry(r.k).or_default() += &c;
    }
    // Hall figures have no department: grouped by department they all go to "none" (0).
    let hall_group = match group_in("cockpit_daily_halls") {
        Some("department_id") | None => None,
        g => g,
    };
    let hall_key = hall_group.unwrap_or("CAST(0 AS BIGINT)");
    let hall_tail = match hall_group {
        None => format!("WHERE {}", place.filter(Rows::Halls)),
        Some(g) => format!("WHERE {} GROUP BY {g}", place.filter(Rows::Halls)),
    };
    let cols = ["visits", "waits", "wait_ms"].map(sum).join(", ");
    let halls: Vec<HallSums> = diesel::sql_query(format!(
        "SELECT {hall_key} AS k, {cols} FROM cockpit_daily_halls {hall_tail}"
    ))
    .load(conn)?;
    for r in halls.into_iter().filter(|r| r.visits != 0 || r.waits != 0) {
        let c = Counters {
            visits: r.visits,
            waits: r.waits,
            wait_ms: r.wait_ms,
            ..Counters::default()
        };
        *out.entry(r.k).or_default() += &c;
    }
    Ok(out)
}

/// Checks the period and the place against the caller's `cockpit.read` scope.
fn resolve(conn: &mut DbConn, caller: &Caller, q: &CockpitQuery) -> Result<Place, Error> {
    let mut v = Validator::new();
    v.check(q.from <= q.to, "to", "must not be before from");
    v.check(
        (q.to - q.from).num_days() < MAX_DAYS,
        "to",
        "a period of at most five years",
    );
    v.check(
        q.limit.is_none_or(|n| (1..=100).contains(&n)),
        "limit",
        "1 to 100",
    );
    v.finish()?;
    let scope = ScopeSql::load(conn, caller, Permission::CockpitRead)?;
    if scope.is_empty() {
        return Err(Error::forbidden("the cockpit needs cockpit.read"));
    }
    let region_id = match q.region_id {
        Some(id) => id,
        None => {
            let own = caller.filter(Permission::CockpitRead).region_paths;
            let first = own
                .iter()
                .filter_map(|p| p.trim_end_matches('/').rsplit('/').next())
                .find_map(|id| id.parse::<i64>().ok());
            match first {
                Some(id) if !scope.global => id,
                _ => regions::table
                    .filter(regions::parent_id.is_null())
                    .select(regions::id)
                    .order(regions::id.asc())
                    .first(conn)?,
            }
        }
    };
    let region: Option<(String, String)> = regions::table
        .find(region_id)
        .select((regions::name, regions::path))
        .get_result(conn)
        .optional()?;
    let Some((region_name, path)) = region else {
        return Err(Error::not_found("region", region_id));
    };
    let whole = caller.may(
        Permission::CockpitRead,
        &Target {
            region_path: Some(&path),
            ..Target::default()
        },
    );
    if !whole && scope.department_ids.is_empty() {
        return Err(Error::not_found("region", region_id));
    }
    let mut departments = (!whole).then(|| scope.department_ids.clone());
    if let Some(d) = q.department_id {
        let known = departments::table
            .find(d)
            .select(departments::id)
            .get_result::<i64>(conn)
            .optional()?
            .is_some();
        if !known || departments.as_ref().is_some_and(|ds| !ds.contains(&d)) {
            return Err(Error::not_found("department", d));
        }
        departments = Some(vec![d]);
    }
    let subtree = if path.matches('/').count() == 2 {
        None
    } else {
        Some(
            regions::table
                .filter(regions::path.like(format!("{path}%")))
                .select(regions::id)
                .load(conn)?,
        )
    };
    Ok(Place {
        wire: CockpitPlace {
            region_id,
            region_name,
            department_id: q.department_id,
            from: q.from,
            to: q.to,
            as_of_event: cursor(conn)?,
        },
        path,
        from: day_key(q.from),
        to: day_key(q.to),
        cut: cut_period(q.from, q.to),
        subtree,
        departments,
    })
}

pub(super) fn summary(
    conn: &mut DbConn,
    caller: &Caller,
    q: &CockpitQuery,
) -> Result<CockpitSummary, Error> {
    let place = resolve(conn, caller, q)?;
    let c = sums(conn, &place, None)?.remove(&0).unwrap_or_default();
    Ok(CockpitSummary {
        place: place.wire,
        figures: Figures::of(c),
    })
}

/// The children of the region (each with its subtree), and the region itself for the rows
/// kept at its own level (本级) when it has any.
pub(super) fn regions_of(
    conn: &mut DbConn,
    caller: &Caller,
    q: &CockpitQuery,
) -> Result<CockpitComparison, Error> {
    let place = resolve(conn, caller, q)?;
    let by_region = sums(conn, &place, Some("region_id"))?;
    let tree: Vec<(i64, String, String, Option<i64>)> = regions::table
        .filter(regions::path.like(format!("{}%", place.path)))
        .select((
            regions::id,
            regions::name,
            regions::path,
            regions::parent_id,
        ))
        .load(conn)?;
    let me = place.wire.region_id;
    let children: Vec<(i64, String, String)> = tree
        .iter()
        .filter(|r| r.3 == Some(me))
        .map(|r| (r.0, r.1.clone(), r.2.clone()))
        .collect();
    let mut rows: BTreeMap<i64, Counters> = BTreeMap::new();
    for (id, _, p, _) in &tree {
        let Some(c) = by_region.get(id) else {
            continue;
        };
        let under = children
            .iter()
            .find(|(_, _, cp)| p.starts_with(cp.as_str()))
            .map_or(me, |ch| ch.0);
        *rows.entry(under).or_default() += c;
    }
    let mut out: Vec<CockpitRow> = children
        .iter()
        .map(|(id, name, _)| CockpitRow {
            id: *id,
            name: name.clone(),
            figures: Figures::of(rows.get(id).copied().unwrap_or_default()),
        })
        .collect();
    if let Some(own) = rows.get(&me) {
        out.insert(
            0,
            CockpitRow {
                id: me,
                name: format!("{}（本级）", place.wire.region_name),
                figures: Figures::of(*own),
            },
        );
    }
    Ok(CockpitComparison {
        place: place.wire,
        rows: out,
    })
}

/// The departments with figures in the period (0: records of no department, hall visits).
pub(super) fn departments_of(
    conn: &mut DbConn,
    caller: &Caller,
    q: &CockpitQuery,
) -> Result<CockpitComparison, Error> {
    let place = resolve(conn, caller, q)?;
    let by = sums(conn, &place, Some("department_id"))?;
    let ids: Vec<i64> = by.keys().copied().collect();
    let names: HashMap<i64, String> = departments::table
        .filter(departments::id.eq_any(ids))
        .select((departments::id, departments::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let rows = by
        .into_iter()
        .map(|(id, c)| CockpitRow {
            id,
            name: names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| "（未分部门）".to_owned()),
            figures: Figures::of(c),
        })
        .collect();
    Ok(CockpitComparison {
        place: place.wire,
        rows,
    })
}

/// Every period from `from` to `to`, empty ones included.
pub(super) fn trend(
    conn: &mut DbConn,
    caller: &Caller,
    q: &CockpitQuery,
) -> Result<CockpitTrend, Error> {
    let place = resolve(conn, caller, q)?;
    let g = q.granularity.unwrap_or_default();
    let mut periods: BTreeMap<NaiveDate, Counters> = BTreeMap::new();
    let mut d = q.from;
    while d <= q.to {
        periods.entry(g.start_of(d)).or_default();
        d = d.succ_opt().unwrap_or(NaiveDate::MAX);
    }
    // By month, a year reads 12 monthly rows per region and department instead of 365 daily.
    let (rows, date_of): (_, fn(i64) -> Option<NaiveDate>) = if g == Granularity::Month {
        // A month key `yyyymm` is the day key of its first day without the day.
        (sums(conn, &place, Some(MONTH))?, |m| {
            date_of_key(m * 100 + 1)
        })
    } else {
        (sums(conn, &place, Some("day"))?, date_of_key)
    };
    for (key, c) in rows {
        if let Some(date) = date_of(key) {
            *periods.entry(g.start_of(date)).or_default() += &c;
        }
    }
    Ok(CockpitTrend {
        place: place.wire,
        granularity: g,
        points: periods
            .into_iter()
            .map(|(start, c)| TrendPoint {
                period: g.label(start),
                start,
                figures: Figures::of(c),
            })
            .collect(),
    })
}

/// The items with the most cases received in the period.
pub(super) fn items(
    conn: &mut DbConn,
    caller: &Caller,
    q: &CockpitQuery,
) -> Result<CockpitItems, Error> {
    let place = resolve(conn, caller, q)?;
    let limit = q.limit.unwrap_or(10);
    // The days', the months' and the subtracted days' rows together, then grouped: the top is
    // over their sums (an item seen only on subtracted days sums to nothing and is left out).
    let rows: Vec<ItemSums> = diesel::sql_query(format!(
        "SELECT item_code, {}, {} FROM (\
           SELECT item_code, received, concluded FROM cockpit_daily_items WHERE {} \
           UNION ALL \
           SELECT item_code, received, concluded FROM cockpit_monthly_items WHERE {} \
           UNION ALL \
           SELECT item_code, -received, -concluded FROM cockpit_daily_items WHERE {}\
         ) AS period GROUP BY item_code \
         HAVING SUM(received) <> 0 OR SUM(concluded) <> 0 \
         ORDER BY received DESC, item_code LIMIT {limit}",
        sum("received"),
        sum("concluded"),
        place.filter(Rows::Days),
        place.filter(Rows::Months),
        place.filter(Rows::Minus)
    ))
    .load(conn)?;
    let codes: Vec<String> = rows.iter().map(|r| r.item_code.clone()).collect();
    // The newest version's name.
    let names: HashMap<String, String> = catalogue_items::table
        .filter(catalogue_items::item_code.eq_any(codes))
        .order(catalogue_items::id.asc())
        .select((catalogue_items::item_code, catalogue_items::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    Ok(CockpitItems {
        place: place.wire,
        items: rows
            .into_iter()
            .map(|r| TopItem {
                name: names.get(&r.item_code).cloned().unwrap_or_default(),
                item_code: r.item_code,
                received: r.received,
                concluded: r.concluded,
            })
            .collect(),
    })
}

/// One cockpit read: off the request threads (a year's rollups are many rows).
async fn read<T: Send + 'static>(
    services: &Services,
    caller: &Caller,
    q: CockpitQuery,
    f: fn(&mut DbConn, &Caller, &CockpitQuery) -> Result<T, Error>,
) -> Result<T, Error> {
    let caller = caller.clone();
    services
        .store
        .read_heavy(move |conn| f(conn, &caller, &q))
        .await
}

impl Services {
    /// The period's figures over a region subtree (`cockpit.read`).
    pub async fn cockpit_summary(
        &self,
        caller: &Caller,
        q: CockpitQuery,
    ) -> Result<CockpitSummary, Error> {
        read(self, caller, q, summary).await
    }

    /// The region's children side by side.
    pub async fn cockpit_regions(
        &self,
        caller: &Caller,
        q: CockpitQuery,
    ) -> Result<CockpitComparison, Error> {
        read(self, caller, q, regions_of).await
    }

    /// The departments side by side.
    pub async fn cockpit_departments(
        &self,
        caller: &Caller,
        q: CockpitQuery,
    ) -> Result<CockpitComparison, Error> {
        read(self, caller, q, departments_of).await
    }

    /// The figures by day, week or month.
    pub async fn cockpit_trend(
        &self,
        caller: &Caller,
        q: CockpitQuery,
    ) -> Result<CockpitTrend, Error> {
        read(self, caller, q, trend).await
    }

    /// The top items by cases received.
    pub async fn cockpit_items(
        &self,
        caller: &Caller,
        q: CockpitQuery,
    ) -> Result<CockpitItems, Error> {
        read(self, caller, q, items).await
    }
}
