//! The city's and counties' courier figures reported to the province (R-2.2.4.3): once a day a
//! job counts the previous local day's orders, deliveries and failures per region and logs them
//! as one `logistics.reported` event, which a `province_logistics` connector delivers. Each day
//! is reported once (`logistics_reports`), whichever node leads.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{Days, NaiveDate};
use diesel::prelude::*;
use serde_json::json;

use crate::clock::Millis;
use crate::domain::courier::{CourierLeg, CourierStatus};
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::cases::local_date;
use crate::service::jobs::JobSpec;
use crate::store::DbConn;
use crate::store::schema::{courier_orders, courier_updates, logistics_reports, regions};
use crate::wire::courier::{LogisticsReport, RegionLogistics};

/// How often the job looks whether yesterday is reported.
const EVERY: Duration = Duration::from_secs(600);

/// A day as the table keys it: `YYYYMMDD`.
fn day_key(day: NaiveDate) -> i64 {
    day.format("%Y%m%d").to_string().parse().unwrap_or_default()
}

fn day_bounds(day: NaiveDate, tz: chrono_tz::Tz) -> Result<(Millis, Millis), Error> {
    let start = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(tz).earliest())
            .map(|t| t.timestamp_millis())
            .ok_or_else(|| Error::Internal(format!("no midnight on {d}")))
    };
    let next = day
        .succ_opt()
        .ok_or_else(|| Error::Internal(format!("no day after {day}")))?;
    Ok((start(day)?, start(next)?))
}

/// Counts one day's figures per region.
fn figures(conn: &mut DbConn, day: NaiveDate, tz: chrono_tz::Tz) -> Result<LogisticsReport, Error> {
    let (from, to) = day_bounds(day, tz)?;
    let ordered: Vec<(i64, String)> = courier_orders::table
        .filter(courier_orders::created_at.ge(from))
        .filter(courier_orders::created_at.lt(to))
        .select((courier_orders::region_id, courier_orders::leg))
        .load(conn)?;
    let ended: Vec<(i64, String)> = courier_updates::table
        .inner_join(courier_orders::table)
        .filter(courier_updates::at.ge(from))
        .filter(courier_updates::at.lt(to))
        .filter(courier_updates::status.eq_any(vec![
            CourierStatus::Delivered.as_str(),
            CourierStatus::Failed.as_str(),
            CourierStatus::Returned.as_str(),
        ]))
        .select((courier_orders::region_id, courier_updates::status))
        .load(conn)?;
    let mut by_region: BTreeMap<i64, [i64; 4]> = BTreeMap::new();
    for (region, leg) in ordered {
        let f = by_region.entry(region).or_default();
        match CourierLeg::parse(&leg) {
            Some(CourierLeg::Pickup) => f[0] += 1,
            _ => f[1] += 1,
        }
    }
    for (region, status) in ended {
        let f = by_region.entry(region).or_default();
        if status == CourierStatus::Delivered.as_str() {
            f[2] += 1;
        } else {
            f[3] += 1;
        }
    }
    let ids: Vec<i64> = by_region.keys().copied().collect();
    let names: Vec<(i64, String, String, String)> = regions::table
        .filter(regions::id.eq_any(ids))
        .select((regions::id, regions::code, regions::name, regions::level))
        .load(conn)?;
    let mut regions: Vec<RegionLogistics> = names
        .into_iter()
        .filter_map(|(id, code, name, level)| {
            let f = by_region.get(&id)?;
            Some(RegionLogistics {
                region_code: code,
                region_name: name,
                level,
                pickup_orders: f[0],
                result_orders: f[1],
                delivered: f[2],
                failed: f[3],
            })
        })
        .collect();
    regions.sort_by(|a, b| a.region_code.cmp(&b.region_code));
    Ok(LogisticsReport { day, regions })
}

/// Reports `day` unless it was reported before: the figures, and whether they are new.
fn report(
    conn: &mut DbConn,
    day: NaiveDate,
    tz: chrono_tz::Tz,
    now: Millis,
) -> Result<(LogisticsReport, bool), Error> {
    let key = day_key(day);
    let stored: Option<String> = logistics_reports::table
        .find(key)
        .select(logistics_reports::figures)
        .get_result(conn)
        .optional()?;
    if let Some(s) = stored {
        let r = serde_json::from_str(&s)
            .map_err(|e| Error::Internal(format!("logistics report {key}: {e}")))?;
        return Ok((r, false));
    }
    let r = figures(conn, day, tz)?;
    let body = serde_json::to_value(&r).map_err(|e| Error::Internal(e.to_string()))?;
    diesel::insert_into(logistics_reports::table)
        .values((
            logistics_reports::day.eq(key),
            logistics_reports::figures.eq(body.to_string()),
            logistics_reports::created_at.eq(now),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        now,
        &Actor::system(),
        Change {
            after: Some(json!({"day": day})),
            payload: body,
            ..Change::new(
                "logistics.report",
                "logistics.reported",
                "logistics_report",
                key,
            )
        },
    )?;
    Ok((r, true))
}

impl Services {
    /// Reports one local day's courier figures (once: a day reported before answers the same
    /// figures and `false`).
    pub async fn report_logistics(&self, day: NaiveDate) -> Result<(LogisticsReport, bool), Error> {
        let tz = self.config.time_zone()?;
        let now = self.clock.now();
        if day >= local_date(now, tz) {
            return Err(Error::invalid(
                "day",
                "only a day that is over can be reported",
            ));
        }
        self.store
            .write(move |conn| report(conn, day, tz, now))
            .await
    }
}

/// The leader's job: yesterday's figures, once.
pub fn jobs() -> Vec<JobSpec> {
    vec![JobSpec::new("logistics-report", EVERY, |s| async move {
        let tz = s.config.time_zone()?;
        let today = local_date(s.clock.now(), tz);
        let yesterday = today
            .checked_sub_days(Days::new(1))
            .ok_or_else(|| Error::Internal("no yesterday".into()))?;
        let (_, new) = s.report_logistics(yesterday).await?;
        Ok(if new {
            format!("{yesterday} reported")
        } else {
            format!("{yesterday} was reported before")
        })
    })]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_keyed_by_its_digits() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
        assert_eq!(day_key(d), 20261201);
    }
}
