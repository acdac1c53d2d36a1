//! The monthly rollups: each row the sum of its month's daily rows, so that a figure over
//! whole months reads 12 rows a year per region and department instead of 365 (per item, too).
//! They are recomputed from the daily rows (set, not added) for every month whose days a fold
//! or a rebuild touched, in the same transaction, so they cannot drift from the daily rows
//! whatever happened to them.

use std::collections::BTreeSet;

use diesel::RunQueryDsl;

use super::{Key, Parts};
use crate::error::Error;
use crate::store::DbConn;

/// The counters of `cockpit_daily` and `cockpit_monthly`, in column order.
pub(super) const COUNTERS: [&str; 11] = [
    "received",
    "online",
    "concluded",
    "on_time",
    "handling_days",
    "courier",
    "ratings",
    "rating_sum",
    "yellow",
    "red",
    "complaints",
];

/// The month (`yyyymm`) of a day key (`yyyymmdd`).
pub(super) fn month_of(day: i64) -> i64 {
    day / 100
}

/// (month, region, department) of every daily or item row these parts touch.
pub(super) fn touched(parts: &Parts) -> BTreeSet<(i64, i64, i64)> {
    let of = |k: &Key| (month_of(k.day), k.region, k.department);
    parts
        .daily
        .keys()
        .chain(parts.items.keys().map(|(k, _)| k))
        .map(of)
        .collect()
}

fn sums(cols: &[&str]) -> String {
    cols.iter()
        .map(|c| format!("CAST(SUM({c}) AS BIGINT)"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Sets the monthly rows of these (month, region, department) cells to the sums of their
/// daily rows (a cell with no daily rows left has no monthly row).
pub(super) fn refresh(conn: &mut DbConn, cells: &BTreeSet<(i64, i64, i64)>) -> Result<(), Error> {
    let cols = COUNTERS.join(", ");
    let counters = sums(&COUNTERS);
    for (month, region, department) in cells {
        // Day keys of the month lie strictly between yyyymm00 and yyyymm00 + 100.
        let (lo, hi) = (month * 100, month * 100 + 100);
        let cell = format!("region_id = {region} AND department_id = {department}");
        diesel::sql_query(format!(
            "DELETE FROM cockpit_monthly WHERE month = {month} AND {cell}"
        ))
        .execute(conn)?;
        diesel::sql_query(format!(
            "INSERT INTO cockpit_monthly (month, region_id, department_id, {cols}) \
             SELECT {month}, region_id, department_id, {counters} FROM cockpit_daily \
             WHERE day > {lo} AND day < {hi} AND {cell} GROUP BY region_id, department_id"
        ))
        .execute(conn)?;
        diesel::sql_query(format!(
            "DELETE FROM cockpit_monthly_items WHERE month = {month} AND {cell}"
        ))
        .execute(conn)?;
        diesel::sql_query(format!(
            "INSERT INTO cockpit_monthly_items \
             (month, region_id, department_id, item_code, received, concluded) \
             SELECT {month}, region_id, department_id, item_code, {} FROM cockpit_daily_items \
             WHERE day > {lo} AND day < {hi} AND {cell} \
             GROUP BY region_id, department_id, item_code",
            sums(&["received", "concluded"])
        ))
        .execute(conn)?;
    }
    Ok(())
}

/// Recomputes every monthly row from the daily rows (after rows were written straight into
/// the daily tables, as the benchmark's seeding does).
pub(super) fn refresh_all(conn: &mut DbConn) -> Result<(), Error> {
    let cols = COUNTERS.join(", ");
    diesel::sql_query("DELETE FROM cockpit_monthly").execute(conn)?;
    diesel::sql_query("DELETE FROM cockpit_monthly_items").execute(conn)?;
    diesel::sql_query(format!(
        "INSERT INTO cockpit_monthly (month, region_id, department_id, {cols}) \
         SELECT day / 100, region_id, department_id, {} FROM cockpit_daily \
         GROUP BY day / 100, region_id, department_id",
        sums(&COUNTERS)
    ))
    .execute(conn)?;
    diesel::sql_query(format!(
        "INSERT INTO cockpit_monthly_items \
         (month, region_id, department_id, item_code, received, concluded) \
         SELECT day / 100, region_id, department_id, item_code, {} FROM cockpit_daily_items \
         GROUP BY day / 100, region_id, department_id, item_code",
        sums(&["received", "concluded"])
    ))
    .execute(conn)?;
    Ok(())
}
