//! Filling the rollups with a city's year of counts for the speed benchmark
//! (`yiwang loadgen cockpit`): the rows a year of `cases` would leave, spread over regions,
//! departments and days, written straight into the rollup tables. A query reads the same rows
//! whether ten or ten million cases made them, so the cases themselves are not needed.

use chrono::{Days, NaiveDate};
use diesel::prelude::*;

use crate::domain::cockpit::day_key;
use crate::error::Error;
use crate::service::Services;
use crate::store::schema::{cockpit_daily, cockpit_daily_halls, cockpit_daily_items};

/// The shape of the seeded city.
#[derive(Debug, Clone, Copy)]
pub struct SeedSpec {
    /// Regions with rows (ids from 1001 on; they need no region record for a whole-city query).
    pub regions: u32,
    pub departments_per_region: u32,
    pub items_per_department: u32,
    /// Days ending with `last`.
    pub days: u32,
    pub last: NaiveDate,
    /// Cases received over all the days.
    pub cases: u64,
}

/// Rows written.
#[derive(Debug, Clone, Copy)]
pub struct Seeded {
    pub daily: u64,
    pub halls: u64,
    pub items: u64,
}

impl Services {
    /// Writes the rollup rows of `spec` (benchmarks only: the rows stand for no real cases).
    pub async fn seed_cockpit_rollups(&self, spec: SeedSpec) -> Result<Seeded, Error> {
        let mut seeded = Seeded {
            daily: 0,
            halls: 0,
            items: 0,
        };
        let cells = u64::from(spec.regions) * u64::from(spec.departments_per_region);
        let per_cell = spec.cases / (cells * u64::from(spec.days)).max(1);
        let n = i64::try_from(per_cell).unwrap_or(i64::MAX);
        for d in 0..spec.days {
            let Some(date) = spec.last.checked_sub_days(Days::new(u64::from(d))) else {
                break;
            };
            let day = day_key(date);
            let mut daily = Vec::new();
            let mut items = Vec::new();
            let mut halls = Vec::new();
            for r in 0..spec.regions {
                let region = 1001 + i64::from(r);
                halls.push((
                    cockpit_daily_halls::day.eq(day),
                    cockpit_daily_halls::region_id.eq(region),
                    cockpit_daily_halls::visits.eq(n * 3),
                    cockpit_daily_halls::waits.eq(n * 3),
                    cockpit_daily_halls::wait_ms.eq(n * 3 * 600_000),
                ));
                for k in 0..spec.departments_per_region {
                    let department = region * 1000 + i64::from(k);
                    daily.push((
                        cockpit_daily::day.eq(day),
                        cockpit_daily::region_id.eq(region),
                        cockpit_daily::department_id.eq(department),
                        cockpit_daily::received.eq(n),
                        cockpit_daily::online.eq(n * 4 / 5),
                        cockpit_daily::concluded.eq(n),
                        cockpit_daily::on_time.eq(n * 9 / 10),
                        cockpit_daily::handling_days.eq(n * 3),
                        cockpit_daily::courier.eq(n / 5),
                        cockpit_daily::ratings.eq(n / 2),
                        cockpit_daily::rating_sum.eq(n / 2 * 4),
                        cockpit_daily::yellow.eq(n / 50),
                        cockpit_daily::red.eq(n / 200),
                        cockpit_daily::complaints.eq(n / 100),
                    ));
                    let m = i64::from(spec.items_per_department.max(1));
                    for i in 0..spec.items_per_department {
                        items.push((
                            cockpit_daily_items::day.eq(day),
                            cockpit_daily_items::region_id.eq(region),
                            cockpit_daily_items::department_id.eq(department),
                            cockpit_daily_items::item_code.eq(format!("BENCH-{k:03}-{i:02}")),
                            cockpit_daily_items::received.eq(n / m),
                            cockpit_daily_items::concluded.eq(n / m),
                        ));
                    }
                }
            }
            seeded.daily += daily.len() as u64;
            seeded.halls += halls.len() as u64;
            seeded.items += items.len() as u64;
            self.store
                .write(move |conn| {
                    for chunk in daily.chunks(500) {
                        crate::on_backend!(conn, |c| diesel::insert_into(cockpit_daily::table)
                            .values(chunk)
                            .execute(c))?;
                    }
                    for chunk in halls.chunks(500) {
                        crate::on_backend!(conn, |c| diesel::insert_into(
                            cockpit_daily_halls::table
                        )
                        .values(chunk)
                        .execute(c))?;
                    }
                    for chunk in items.chunks(500) {
                        crate::on_backend!(conn, |c| diesel::insert_into(
                            cockpit_daily_items::table
                        )
                        .values(chunk)
                        .execute(c))?;
                    }
                    Ok(())
                })
                .await?;
        }
        self.store.write(super::months::refresh_all).await?;
        Ok(seeded)
    }
}
