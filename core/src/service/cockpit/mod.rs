//! The leader cockpit (领导驾驶舱, R-3.4): rollups of the service figures per local day, region
//! and department (and item, for the top items), kept up by folding the event log (`fold`),
//! recomputed from the source tables on demand (`rebuild`), read over any period and region
//! subtree (`query`) and exported as CSV or XLSX (`export`). See `docs/cockpit.md`.
//!
//! Every figure has one definition, here: the part one source record contributes to one
//! rollup row. The fold adds a part when the event that fixes it arrives; the rebuild sums the
//! parts of every record; so both give the same rows.

mod export;
mod fold;
mod months;
mod query;
mod rebuild;
mod seed;

use std::collections::HashMap;
use std::time::Duration;

use diesel::prelude::*;

use crate::clock::Millis;
use crate::domain::case::CaseStatus;
use crate::domain::cockpit::{Counters, day_key};
use crate::error::Error;
use crate::service::cases::{CaseRow, local_date};
use crate::service::jobs::JobSpec;
use crate::service::supervision::clocks::clocks_of;
use crate::store::DbConn;
use crate::store::schema::{cockpit_daily, cockpit_daily_halls, cockpit_daily_items};

pub use export::ExportFile;
pub use rebuild::{Rebuilt, RollupDump};
pub use seed::{SeedSpec, Seeded};

/// A rollup row's key: local day (`yyyymmdd`), region, department (0: none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Key {
    pub day: i64,
    pub region: i64,
    pub department: i64,
}

/// The rollups as grouped in memory before they are written.
#[derive(Default)]
pub(crate) struct Parts {
    pub daily: HashMap<Key, Counters>,
    pub items: HashMap<(Key, String), (i64, i64)>,
    /// Hall figures per (day, region).
    pub halls: HashMap<(i64, i64), Counters>,
}

impl Parts {
    fn add(&mut self, key: Key, c: &Counters) {
        *self.daily.entry(key).or_default() += c;
    }

    fn add_item(&mut self, key: Key, item: &str, received: i64, concluded: i64) {
        let e = self.items.entry((key, item.to_owned())).or_default();
        e.0 += received;
        e.1 += concluded;
    }

    /// A case's filing: received, and online when it came online.
    fn case_received(&mut self, row: &CaseRow, tz: chrono_tz::Tz) {
        let key = Key {
            day: day_key(local_date(row.submitted_at, tz)),
            region: row.region_id,
            department: row.department_id,
        };
        let c = Counters {
            received: 1,
            online: i64::from(row.channel == "online"),
            ..Counters::default()
        };
        self.add(key, &c);
        self.add_item(key, &row.item_code, 1, 0);
    }

    /// A case's conclusion (accepted, then approved or denied): on time or not, and the
    /// working days it took.
    fn case_concluded(&mut self, row: &CaseRow, tz: chrono_tz::Tz) -> Result<(), Error> {
        let Some(key) = conclusion_key(row, tz)? else {
            return Ok(());
        };
        let clocks = clocks_of(row, 0, 0, tz)?;
        let days = i64::from(clocks.stopped_at) - i64::from(clocks.case_base);
        let c = Counters {
            concluded: 1,
            on_time: i64::from(days <= i64::from(clocks.case_limit)),
            handling_days: days,
            ..Counters::default()
        };
        self.add(key, &c);
        self.add_item(key, &row.item_code, 0, 1);
        Ok(())
    }

    /// A concluded case's result sent by courier, counted on the conclusion's day.
    fn case_couriered(&mut self, row: &CaseRow, tz: chrono_tz::Tz) -> Result<(), Error> {
        let by_courier = row
            .details()?
            .delivery
            .is_some_and(|d| d.mode.as_deref() == Some("courier"));
        if let (true, Some(key)) = (by_courier, conclusion_key(row, tz)?) {
            let c = Counters {
                courier: 1,
                ..Counters::default()
            };
            self.add(key, &c);
        }
        Ok(())
    }
}

/// The rollup row a concluded case counts in; `None` for a case not (or not so) concluded.
fn conclusion_key(row: &CaseRow, tz: chrono_tz::Tz) -> Result<Option<Key>, Error> {
    let decided = matches!(row.status(), CaseStatus::Approved | CaseStatus::Denied);
    if !decided || row.accepted_at.is_none() {
        return Ok(None);
    }
    Ok(row.details()?.concluded_at.map(|at| Key {
        day: day_key(local_date(at, tz)),
        region: row.region_id,
        department: row.department_id,
    }))
}

/// An evaluation's part: one rating on its day (`sign` -1 takes it out again).
fn rating_part(rating: i64, sign: i64) -> Counters {
    Counters {
        ratings: sign,
        rating_sum: sign * rating,
        ..Counters::default()
    }
}

/// A card's part: yellow or red.
fn card_part(severity: &str) -> Counters {
    Counters {
        yellow: i64::from(severity != "red"),
        red: i64::from(severity == "red"),
        ..Counters::default()
    }
}

/// A ticket's part: one visit; once its wait ended (called, or voided), the wait.
fn ticket_part(status: &str, waited_ms: i64) -> Counters {
    let ended = status != "waiting";
    Counters {
        visits: 1,
        waits: i64::from(ended),
        wait_ms: if ended { waited_ms } else { 0 },
        ..Counters::default()
    }
}

/// The day key of a moment.
fn day_of(at: Millis, tz: chrono_tz::Tz) -> i64 {
    day_key(local_date(at, tz))
}

/// Adds `parts`' case, evaluation, card and complaint figures to the stored daily rollups (the
/// caller brings the monthly rows up to date: `months`).
fn add_to_store(conn: &mut DbConn, parts: &Parts) -> Result<(), Error> {
    use diesel::upsert::excluded;
    for (k, c) in &parts.daily {
        let row = (
            cockpit_daily::day.eq(k.day),
            cockpit_daily::region_id.eq(k.region),
            cockpit_daily::department_id.eq(k.department),
            cockpit_daily::received.eq(c.received),
            cockpit_daily::online.eq(c.online),
            cockpit_daily::concluded.eq(c.concluded),
            cockpit_daily::on_time.eq(c.on_time),
            cockpit_daily::handling_days.eq(c.handling_days),
            cockpit_daily::courier.eq(c.courier),
            cockpit_daily::ratings.eq(c.ratings),
            cockpit_daily::rating_sum.eq(c.rating_sum),
            cockpit_daily::yellow.eq(c.yellow),
            cockpit_daily::red.eq(c.red),
            cockpit_daily::complaints.eq(c.complaints),
        );
        crate::on_backend!(conn, |c| diesel::insert_into(cockpit_daily::table)
            .values(row)
            .on_conflict((
                cockpit_daily::day,
                cockpit_daily::region_id,
                cockpit_daily::department_id,
            ))
            .do_update()
            .set((
                cockpit_daily::received
                    .eq(cockpit_daily::received + excluded(cockpit_daily::received)),
                cockpit_daily::online.eq(cockpit_daily::online + excluded(cockpit_daily::online)),
                cockpit_daily::concluded
                    .eq(cockpit_daily::concluded + excluded(cockpit_daily::concluded)),
                cockpit_daily::on_time
                    .eq(cockpit_daily::on_time + excluded(cockpit_daily::on_time)),
                cockpit_daily::handling_days
                    .eq(cockpit_daily::handling_days + excluded(cockpit_daily::handling_days)),
                cockpit_daily::courier
                    .eq(cockpit_daily::courier + excluded(cockpit_daily::courier)),
                cockpit_daily::ratings
                    .eq(cockpit_daily::ratings + excluded(cockpit_daily::ratings)),
                cockpit_daily::rating_sum
                    .eq(cockpit_daily::rating_sum + excluded(cockpit_daily::rating_sum)),
                cockpit_daily::yellow.eq(cockpit_daily::yellow + excluded(cockpit_daily::yellow)),
                cockpit_daily::red.eq(cockpit_daily::red + excluded(cockpit_daily::red)),
                cockpit_daily::complaints
                    .eq(cockpit_daily::complaints + excluded(cockpit_daily::complaints)),
            ))
            .execute(c))?;
    }
    for ((k, item), (received, concluded)) in &parts.items {
        let row = (
            cockpit_daily_items::day.eq(k.day),
            cockpit_daily_items::region_id.eq(k.region),
            cockpit_daily_items::department_id.eq(k.department),
            cockpit_daily_items::item_code.eq(item),
            cockpit_daily_items::received.eq(received),
            cockpit_daily_items::concluded.eq(concluded),
        );
        crate::on_backend!(conn, |c| diesel::insert_into(cockpit_daily_items::table)
            .values(row)
            .on_conflict((
                cockpit_daily_items::day,
                cockpit_daily_items::region_id,
                cockpit_daily_items::department_id,
                cockpit_daily_items::item_code,
            ))
            .do_update()
            .set((
                cockpit_daily_items::received
                    .eq(cockpit_daily_items::received + excluded(cockpit_daily_items::received)),
                cockpit_daily_items::concluded
                    .eq(cockpit_daily_items::concluded + excluded(cockpit_daily_items::concluded)),
            ))
            .execute(c))?;
    }
    Ok(())
}

/// Sets the hall figures of (day, region) rows: recomputed, not added, since a ticket's wait
/// changes with each of its events.
fn set_halls_in_store(
    conn: &mut DbConn,
    rows: &HashMap<(i64, i64), Counters>,
) -> Result<(), Error> {
    use diesel::upsert::excluded;
    for ((day, region), c) in rows {
        let row = (
            cockpit_daily_halls::day.eq(day),
            cockpit_daily_halls::region_id.eq(region),
            cockpit_daily_halls::visits.eq(c.visits),
            cockpit_daily_halls::waits.eq(c.waits),
            cockpit_daily_halls::wait_ms.eq(c.wait_ms),
        );
        crate::on_backend!(conn, |c| diesel::insert_into(cockpit_daily_halls::table)
            .values(row)
            .on_conflict((cockpit_daily_halls::day, cockpit_daily_halls::region_id))
            .do_update()
            .set((
                cockpit_daily_halls::visits.eq(excluded(cockpit_daily_halls::visits)),
                cockpit_daily_halls::waits.eq(excluded(cockpit_daily_halls::waits)),
                cockpit_daily_halls::wait_ms.eq(excluded(cockpit_daily_halls::wait_ms)),
            ))
            .execute(c))?;
    }
    Ok(())
}

/// The cockpit's leader-only job: folds new events into the rollups every second.
pub fn jobs() -> Vec<JobSpec> {
    vec![JobSpec::new(
        "cockpit-rollup",
        Duration::from_secs(1),
        |s| async move {
            let n = s.fold_cockpit().await?;
            Ok(format!("{n} events folded"))
        },
    )]
}
