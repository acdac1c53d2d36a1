//! Recomputing the rollups from the source tables (`yiwang cockpit rebuild`): after a restore,
//! a change of definition, or to check the fold. One transaction: the rows are replaced and the
//! cursor moved to the event log's head together, so the fold goes on from there.

use std::collections::HashMap;

use diesel::prelude::*;
use serde_json::json;

use super::fold::{cursor, hall_parts, set_cursor};
use super::{Parts, add_to_store, card_part, day_of, months, rating_part, set_halls_in_store};
use crate::domain::cockpit::Counters;
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::cases::CaseRow;
use crate::service::cockpit::Key;
use crate::store::DbConn;
use crate::store::schema::{
    anomalies, cases, cockpit_daily, cockpit_daily_halls, cockpit_daily_items, cockpit_monthly,
    cockpit_monthly_items, complaints, evaluation_appeals, evaluations, events, halls,
    queue_tickets,
};

/// Source rows read per query.
const CHUNK: i64 = 5_000;

/// Every rollup row, sorted, without rows that are all zero (a rating taken out again leaves
/// one behind in the fold): what the rebuild and the fold are compared on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RollupDump {
    pub daily: Vec<(i64, i64, i64, Counters)>,
    pub halls: Vec<(i64, i64, Counters)>,
    pub items: Vec<(i64, i64, i64, String, i64, i64)>,
    /// The monthly rows: (month, region, department, counters).
    pub monthly: Vec<(i64, i64, i64, Counters)>,
    pub monthly_items: Vec<(i64, i64, i64, String, i64, i64)>,
    /// The last event folded.
    pub cursor: i64,
}

/// What a rebuild did.
#[derive(Debug, Clone, Copy)]
pub struct Rebuilt {
    pub rows: usize,
    pub cursor: i64,
}

impl Services {
    /// Recomputes every rollup from the source tables (audited as `cockpit.rebuild`).
    pub async fn rebuild_cockpit(&self, actor: Actor) -> Result<Rebuilt, Error> {
        let tz = self.config.time_zone()?;
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                // No event may be appended (by another node) between the head read and commit.
                audit::lock_chain(conn)?;
                let head: Option<i64> = events::table
                    .select(diesel::dsl::max(events::id))
                    .get_result(conn)?;
                let head = head.unwrap_or(0);
                diesel::delete(cockpit_daily::table).execute(conn)?;
                diesel::delete(cockpit_daily_halls::table).execute(conn)?;
                diesel::delete(cockpit_daily_items::table).execute(conn)?;
                diesel::delete(cockpit_monthly::table).execute(conn)?;
                diesel::delete(cockpit_monthly_items::table).execute(conn)?;
                let parts = recompute(conn, tz)?;
                add_to_store(conn, &parts)?;
                months::refresh_all(conn)?;
                set_halls_in_store(conn, &parts.halls)?;
                set_cursor(conn, head, now)?;
                let rows = parts.daily.len() + parts.halls.len() + parts.items.len();
                let after = json!({"rows": rows, "cursor": head});
                audit::record(
                    conn,
                    now,
                    &actor,
                    Change {
                        after: Some(after.clone()),
                        payload: after,
                        ..Change::new("cockpit.rebuild", "cockpit.rebuilt", "cockpit", 0)
                    },
                )?;
                Ok(Rebuilt { rows, cursor: head })
            })
            .await
    }

    /// Every stored rollup row (for checks and tests).
    pub async fn cockpit_dump(&self) -> Result<RollupDump, Error> {
        self.store.read_heavy(dump).await
    }
}

fn recompute(conn: &mut DbConn, tz: chrono_tz::Tz) -> Result<Parts, Error> {
    let mut parts = Parts::default();
    let mut after = 0;
    loop {
        let rows: Vec<CaseRow> = cases::table
            .filter(cases::id.gt(after))
            .order(cases::id.asc())
            .limit(CHUNK)
            .select(CaseRow::as_select())
            .load(conn)?;
        let Some(last) = rows.last().map(|r| r.id) else {
            break;
        };
        for row in &rows {
            parts.case_received(row, tz);
            parts.case_concluded(row, tz)?;
            parts.case_couriered(row, tz)?;
        }
        after = last;
    }
    let upheld: Vec<i64> = evaluation_appeals::table
        .filter(evaluation_appeals::outcome.eq("upheld"))
        .select(evaluation_appeals::evaluation_id)
        .load(conn)?;
    let ratings: Vec<(i64, i64, i64, Option<i64>, i64)> = evaluations::table
        .select((
            evaluations::id,
            evaluations::rating,
            evaluations::region_id,
            evaluations::department_id,
            evaluations::created_at,
        ))
        .load(conn)?;
    for (id, rating, region, department, at) in ratings {
        if upheld.contains(&id) {
            continue;
        }
        let key = Key {
            day: day_of(at, tz),
            region,
            department: department.unwrap_or(0),
        };
        parts.add(key, &rating_part(rating, 1));
    }
    let cards: Vec<(String, i64, i64, i64)> = anomalies::table
        .select((
            anomalies::severity,
            anomalies::region_id,
            anomalies::department_id,
            anomalies::opened_at,
        ))
        .load(conn)?;
    for (severity, region, department, at) in cards {
        let key = Key {
            day: day_of(at, tz),
            region,
            department,
        };
        parts.add(key, &card_part(&severity));
    }
    let filed: Vec<(i64, Option<i64>, i64)> = complaints::table
        .select((
            complaints::region_id,
            complaints::department_id,
            complaints::created_at,
        ))
        .load(conn)?;
    for (region, department, at) in filed {
        let key = Key {
            day: day_of(at, tz),
            region,
            department: department.unwrap_or(0),
        };
        let c = Counters {
            complaints: 1,
            ..Counters::default()
        };
        parts.add(key, &c);
    }
    let regions: HashMap<i64, i64> = halls::table
        .select((halls::id, halls::region_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let mut after = 0;
    loop {
        let rows: Vec<(i64, i64, String, i64)> = queue_tickets::table
            .filter(queue_tickets::id.gt(after))
            .order(queue_tickets::id.asc())
            .limit(CHUNK)
            .select((
                queue_tickets::id,
                queue_tickets::hall_id,
                queue_tickets::status,
                queue_tickets::taken_at,
            ))
            .load(conn)?;
        let Some(last) = rows.last().map(|r| r.0) else {
            break;
        };
        hall_parts(conn, &rows, &regions, tz, &mut parts.halls)?;
        after = last;
    }
    Ok(parts)
}

fn dump(conn: &mut DbConn) -> Result<RollupDump, Error> {
    type Daily = (
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
    );
    let daily: Vec<Daily> = cockpit_daily::table
        .order((
            cockpit_daily::day,
            cockpit_daily::region_id,
            cockpit_daily::department_id,
        ))
        .load(conn)?;
    let halls: Vec<(i64, i64, i64, i64, i64)> = cockpit_daily_halls::table
        .order((cockpit_daily_halls::day, cockpit_daily_halls::region_id))
        .load(conn)?;
    let items: Vec<(i64, i64, i64, String, i64, i64)> = cockpit_daily_items::table
        .order((
            cockpit_daily_items::day,
            cockpit_daily_items::region_id,
            cockpit_daily_items::department_id,
            cockpit_daily_items::item_code,
        ))
        .load(conn)?;
    let monthly: Vec<Daily> = cockpit_monthly::table
        .order((
            cockpit_monthly::month,
            cockpit_monthly::region_id,
            cockpit_monthly::department_id,
        ))
        .load(conn)?;
    let monthly_items: Vec<(i64, i64, i64, String, i64, i64)> = cockpit_monthly_items::table
        .order((
            cockpit_monthly_items::month,
            cockpit_monthly_items::region_id,
            cockpit_monthly_items::department_id,
            cockpit_monthly_items::item_code,
        ))
        .load(conn)?;
    let zero = Counters::default();
    let counters = |rows: Vec<Daily>| -> Vec<(i64, i64, i64, Counters)> {
        rows.into_iter()
            .map(|r| {
                let c = Counters {
                    received: r.3,
                    online: r.4,
                    concluded: r.5,
                    on_time: r.6,
                    handling_days: r.7,
                    courier: r.8,
                    ratings: r.9,
                    rating_sum: r.10,
                    yellow: r.11,
                    red: r.12,
                    complaints: r.13,
                    ..Counters::default()
                };
                (r.0, r.1, r.2, c)
            })
            .filter(|r| r.3 != zero)
            .collect()
    };
    Ok(RollupDump {
        daily: counters(daily),
        monthly: counters(monthly),
        halls: halls
            .into_iter()
            .map(|(day, region, visits, waits, wait_ms)| {
                let c = Counters {
                    visits,
                    waits,
                    wait_ms,
                    ..Counters::default()
                };
                (day, region, c)
            })
            .filter(|r| r.2 != zero)
            .collect(),
        items: items.into_iter().filter(|r| r.4 != 0 || r.5 != 0).collect(),
        monthly_items: monthly_items
            .into_iter()
            .filter(|r| r.4 != 0 || r.5 != 0)
            .collect(),
        cursor: cursor(conn)?,
    })
}
