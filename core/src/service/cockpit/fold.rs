//! Folding the event log into the rollups: the leader-only `cockpit-rollup` job reads the
//! events after its cursor and works out the part each one fixes (a filing, a conclusion, a
//! rating …) on a read connection, then adds the parts and moves the cursor in one write that
//! first checks the cursor has not moved, so an event is folded exactly once.
//!
//! The reading is kept out of the write because a hall's day is counted again whole from its
//! tickets and their intervals whenever one of them changes: tens of thousands of rows late in
//! a busy day, which inside the single writer held every window's call behind it.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;

use super::{
    Parts, add_to_store, card_part, day_of, months, rating_part, set_halls_in_store, ticket_part,
};
use crate::clock::Millis;
use crate::domain::cockpit::{Counters, date_of_key};
use crate::error::Error;
use crate::service::Services;
use crate::service::cases::CaseRow;
use crate::service::cockpit::Key;
use crate::store::DbConn;
use crate::store::schema::{
    anomalies, cases, cockpit_cursor, complaints, evaluation_appeals, evaluations, events, halls,
    queue_intervals, queue_tickets,
};

/// Events read per transaction.
const BATCH: i64 = 2_000;

impl Services {
    /// Folds the events written since the cursor into the rollups; answers how many it read.
    pub async fn fold_cockpit(&self) -> Result<u64, Error> {
        let tz = self.config.time_zone()?;
        let mut total = 0;
        loop {
            let Some(batch) = self
                .store
                .read_heavy(move |conn| read_batch(conn, tz))
                .await?
            else {
                return Ok(total);
            };
            let now = self.clock.now();
            let n = self
                .store
                .write(move |conn| write_batch(conn, batch, now))
                .await?;
            total += n;
            if n < BATCH as u64 {
                return Ok(total);
            }
        }
    }
}

/// The last event folded (0 before the first fold).
pub(super) fn cursor(conn: &mut DbConn) -> Result<i64, Error> {
    Ok(cockpit_cursor::table
        .find(1)
        .select(cockpit_cursor::last_event)
        .get_result(conn)
        .optional()?
        .unwrap_or(0))
}

pub(super) fn set_cursor(conn: &mut DbConn, last: i64, now: Millis) -> Result<(), Error> {
    let n = diesel::update(cockpit_cursor::table.find(1))
        .set((
            cockpit_cursor::last_event.eq(last),
            cockpit_cursor::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(cockpit_cursor::table)
            .values((
                cockpit_cursor::id.eq(1),
                cockpit_cursor::last_event.eq(last),
                cockpit_cursor::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn case_row(conn: &mut DbConn, id: i64) -> Result<Option<CaseRow>, Error> {
    Ok(cases::table
        .find(id)
        .select(CaseRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// An evaluation's rating and rollup row.
fn evaluation(conn: &mut DbConn, id: i64, tz: chrono_tz::Tz) -> Result<Option<(i64, Key)>, Error> {
    let row: Option<(i64, i64, Option<i64>, i64)> = evaluations::table
        .find(id)
        .select((
            evaluations::rating,
            evaluations::region_id,
            evaluations::department_id,
            evaluations::created_at,
        ))
        .get_result(conn)
        .optional()?;
    Ok(row.map(|(rating, region, department, at)| {
        (
            rating,
            Key {
                day: day_of(at, tz),
                region,
                department: department.unwrap_or(0),
            },
        )
    }))
}

/// A batch of events read and turned into parts, to be added if the cursor still stands at
/// `after`.
struct Batch {
    after: i64,
    last: i64,
    events: u64,
    parts: Parts,
}

/// Reads the events after the cursor (up to `BATCH`) and the records they name; `None` when
/// there is none.
fn read_batch(conn: &mut DbConn, tz: chrono_tz::Tz) -> Result<Option<Batch>, Error> {
    let after = cursor(conn)?;
    let batch: Vec<(i64, String, String, i64)> = events::table
        .filter(events::id.gt(after))
        .order(events::id.asc())
        .limit(BATCH)
        .select((events::id, events::kind, events::entity, events::entity_id))
        .load(conn)?;
    let Some(last) = batch.last().map(|e| e.0) else {
        return Ok(None);
    };
    let mut parts = Parts::default();
    let mut tickets = BTreeSet::new();
    for (_, kind, entity, id) in &batch {
        let id = *id;
        match kind.as_str() {
            "case.submitted" => {
                if let Some(row) = case_row(conn, id)? {
                    parts.case_received(&row, tz);
                }
            }
            "case.approved" | "case.denied" => {
                if let Some(row) = case_row(conn, id)? {
                    parts.case_concluded(&row, tz)?;
                }
            }
            "case.sent_by_courier" => {
                if let Some(row) = case_row(conn, id)? {
                    parts.case_couriered(&row, tz)?;
                }
            }
            "evaluation.submitted" => {
                if let Some((rating, key)) = evaluation(conn, id, tz)? {
                    parts.add(key, &rating_part(rating, 1));
                }
            }
            "evaluation.appeal_decided" => {
                let upheld = evaluation_appeals::table
                    .find(id)
                    .select(evaluation_appeals::outcome)
                    .get_result::<Option<String>>(conn)
                    .optional()?
                    .flatten()
                    .is_some_and(|o| o == "upheld");
                if let (true, Some((rating, key))) = (upheld, evaluation(conn, id, tz)?) {
                    parts.add(key, &rating_part(rating, -1));
                }
            }
            "anomaly.opened" => {
                let row: Option<(String, i64, i64, i64)> = anomalies::table
                    .find(id)
                    .select((
                        anomalies::severity,
                        anomalies::region_id,
                        anomalies::department_id,
                        anomalies::opened_at,
                    ))
                    .get_result(conn)
                    .optional()?;
                if let Some((severity, region, department, at)) = row {
                    let key = Key {
                        day: day_of(at, tz),
                        region,
                        department,
                    };
                    parts.add(key, &card_part(&severity));
                }
            }
            "complaint.accepted" => {
                let row: Option<(i64, Option<i64>, i64)> = complaints::table
                    .find(id)
                    .select((
                        complaints::region_id,
                        complaints::department_id,
                        complaints::created_at,
                    ))
                    .get_result(conn)
                    .optional()?;
                if let Some((region, department, at)) = row {
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
            }
            _ if entity == "ticket" => {
                tickets.insert(id);
            }
            _ => {}
        }
    }
    let buckets = ticket_buckets(conn, &tickets, tz)?;
    for (day, region) in buckets {
        let (from, to) = day_bounds(day, tz)?;
        let hall_ids: Vec<i64> = halls::table
            .filter(halls::region_id.eq(region))
            .select(halls::id)
            .load(conn)?;
        let rows: Vec<(i64, i64, String, i64)> = queue_tickets::table
            .filter(queue_tickets::hall_id.eq_any(hall_ids))
            .filter(queue_tickets::taken_at.ge(from))
            .filter(queue_tickets::taken_at.lt(to))
            .select((
                queue_tickets::id,
                queue_tickets::hall_id,
                queue_tickets::status,
                queue_tickets::taken_at,
            ))
            .load(conn)?;
        let regions = HashMap::from_iter(rows.iter().map(|r| (r.1, region)));
        // The bucket is set whole: an empty one (its tickets gone) is set to zero.
        parts.halls.insert((day, region), Counters::default());
        hall_parts(conn, &rows, &regions, tz, &mut parts.halls)?;
    }
    Ok(Some(Batch {
        after,
        last,
        events: batch.len() as u64,
        parts,
    }))
}

/// Adds a batch's parts and moves the cursor past it; folds nothing (answers 0) when another
/// fold moved the cursor since the batch was read. A hall's day read a moment ago is set whole
/// and counted again at the next event of its tickets, so a later change is not lost.
fn write_batch(conn: &mut DbConn, b: Batch, now: Millis) -> Result<u64, Error> {
    if cursor(conn)? != b.after {
        return Ok(0);
    }
    add_to_store(conn, &b.parts)?;
    months::refresh(conn, &months::touched(&b.parts))?;
    set_halls_in_store(conn, &b.parts.halls)?;
    set_cursor(conn, b.last, now)?;
    Ok(b.events)
}

/// The (day, hall region) rows these tickets count in.
fn ticket_buckets(
    conn: &mut DbConn,
    tickets: &BTreeSet<i64>,
    tz: chrono_tz::Tz,
) -> Result<BTreeSet<(i64, i64)>, Error> {
    let mut out = BTreeSet::new();
    if tickets.is_empty() {
        return Ok(out);
    }
    let regions: HashMap<i64, i64> = halls::table
        .select((halls::id, halls::region_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let ids: Vec<i64> = tickets.iter().copied().collect();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, i64)> = queue_tickets::table
            .filter(queue_tickets::id.eq_any(chunk.to_vec()))
            .select((queue_tickets::hall_id, queue_tickets::taken_at))
            .load(conn)?;
        out.extend(
            rows.into_iter()
                .filter_map(|(hall, at)| regions.get(&hall).map(|r| (day_of(at, tz), *r))),
        );
    }
    Ok(out)
}

/// A local day's first millisecond and the next day's.
fn day_bounds(day: i64, tz: chrono_tz::Tz) -> Result<(Millis, Millis), Error> {
    let date = date_of_key(day).ok_or_else(|| Error::Internal(format!("bad day key {day}")))?;
    let start = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(tz).earliest())
            .map(|t| t.timestamp_millis())
            .ok_or_else(|| Error::Internal(format!("no midnight on {d}")))
    };
    let next = date
        .succ_opt()
        .ok_or_else(|| Error::Internal(format!("no day after {date}")))?;
    Ok((start(date)?, start(next)?))
}

/// Adds the hall figures of these tickets (`id`, `hall`, `status`, `taken_at`; `regions`
/// maps each hall to its region) to `out`.
pub(super) fn hall_parts(
    conn: &mut DbConn,
    tickets: &[(i64, i64, String, i64)],
    regions: &HashMap<i64, i64>,
    tz: chrono_tz::Tz,
    out: &mut HashMap<(i64, i64), Counters>,
) -> Result<(), Error> {
    let mut waited: HashMap<i64, i64> = HashMap::new();
    let ids: Vec<i64> = tickets.iter().map(|t| t.0).collect();
    for chunk in ids.chunks(500) {
        let spans: Vec<(i64, i64, Option<i64>)> = queue_intervals::table
            .filter(queue_intervals::ticket_id.eq_any(chunk.to_vec()))
            .filter(queue_intervals::state.eq("waiting"))
            .filter(queue_intervals::ended_at.is_not_null())
            .select((
                queue_intervals::ticket_id,
                queue_intervals::started_at,
                queue_intervals::ended_at,
            ))
            .load(conn)?;
        for (t, from, to) in spans {
            *waited.entry(t).or_default() += to.unwrap_or(from).saturating_sub(from).max(0);
        }
    }
    for (id, hall, status, taken_at) in tickets {
        let Some(region) = regions.get(hall) else {
            continue;
        };
        let part = ticket_part(status, waited.get(id).copied().unwrap_or(0));
        *out.entry((day_of(*taken_at, tz), *region)).or_default() += &part;
    }
    Ok(())
}
