//! Queue analytics: wait and service time distributions, void-ticket rate, busy
//! hours, hot items (tickets and desk enquiries), the age structure of visitors, repeat visits;
//! for a period of local days, per day, area and window. Computed from the tickets and their
//! intervals; statistics hold age bands and blind indexes, never an ID number.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, Timelike};
use diesel::prelude::*;

use super::hall_in_scope;
use crate::domain::access::{Caller, Permission};
use crate::domain::ids::HallId;
use crate::domain::queue::{AgeBand, IntervalState, Span, TicketStatus, distribution, visit_times};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::store::schema::{
    queue_desk_enquiries, queue_intervals, queue_ticket_details, queue_tickets,
};
use crate::wire::queue::{
    AgeCount, AnalyticsQuery, Breakdown, Figures, HourCount, ItemCount, QueueAnalytics,
    RepeatVisits,
};

/// Longest period one request may cover.
const MAX_DAYS: i64 = 366;

/// One ticket as the analytics see it.
struct Visit {
    day: String,
    area: i64,
    window: Option<i64>,
    status: TicketStatus,
    item: Option<String>,
    taken_at: i64,
    band: Option<AgeBand>,
    blind: Option<String>,
    wait_ms: i64,
    serve_ms: i64,
}

/// Counts and distributions of a set of visits.
fn figures<'a>(visits: impl Iterator<Item = &'a Visit>) -> Figures {
    let (mut tickets, mut finished, mut void) = (0u64, 0u64, 0u64);
    let (mut waits, mut serves) = (Vec::new(), Vec::new());
    for v in visits {
        tickets += 1;
        match v.status {
            TicketStatus::Finished => {
                finished += 1;
                serves.push(v.serve_ms);
            }
            TicketStatus::Void => void += 1,
            _ => {}
        }
        // A wait counts once the visitor was called at least once (or gave up: void).
        if v.status != TicketStatus::Waiting {
            waits.push(v.wait_ms);
        }
    }
    let closed = finished + void;
    Figures {
        tickets,
        finished,
        void,
        void_rate: if closed == 0 {
            0.0
        } else {
            void as f64 / closed as f64
        },
        wait: distribution(waits),
        service: distribution(serves),
    }
}

fn breakdown<K: Ord + ToString>(
    visits: &[Visit],
    key: impl Fn(&Visit) -> Option<K>,
) -> Vec<Breakdown> {
    let mut groups: BTreeMap<K, Vec<&Visit>> = BTreeMap::new();
    for v in visits {
        if let Some(k) = key(v) {
            groups.entry(k).or_default().push(v);
        }
    }
    groups
        .into_iter()
        .map(|(k, vs)| Breakdown {
            key: k.to_string(),
            figures: figures(vs.into_iter()),
        })
        .collect()
}

fn day_key(day: &str) -> String {
    NaiveDate::parse_from_str(day, "%Y%m%d").map_or_else(|_| day.to_owned(), |d| d.to_string())
}

impl Services {
    /// The queue's figures for a hall over local days `from` to `to`, optionally one area or
    /// window only.
    pub async fn queue_analytics(
        &self,
        caller: &Caller,
        hall: HallId,
        query: AnalyticsQuery,
    ) -> Result<QueueAnalytics, Error> {
        let days = (query.to - query.from).num_days();
        Validator::new()
            .check(days >= 0, "to", "must not be before from")
            .check(days < MAX_DAYS, "to", "a period covers at most 366 days")
            .finish()?;
        let tz = self.config.time_zone()?;
        let start_of = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|t| t.and_local_timezone(tz).earliest())
                .map_or(0, |t| t.timestamp_millis())
        };
        let from_ms = start_of(query.from);
        let to_ms = query.to.succ_opt().map_or(i64::MAX, start_of);
        let from_day = query.from.format("%Y%m%d").to_string();
        let to_day = query.to.format("%Y%m%d").to_string();
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .read_heavy(move |conn| {
                let h = hall_in_scope(conn, &caller, Permission::QueueRead, hall)?;
                type Row = (
                    i64,
                    String,
                    i64,
                    Option<i64>,
                    String,
                    Option<String>,
                    i64,
                    Option<String>,
                    Option<String>,
                );
                let mut q = queue_tickets::table
                    .inner_join(queue_ticket_details::table)
                    .filter(queue_tickets::hall_id.eq(h.id))
                    .filter(queue_tickets::day.ge(&from_day))
                    .filter(queue_tickets::day.le(&to_day))
                    .select((
                        queue_tickets::id,
                        queue_tickets::day,
                        queue_tickets::area_id,
                        queue_tickets::window_id,
                        queue_tickets::status,
                        queue_tickets::item_code,
                        queue_tickets::taken_at,
                        queue_ticket_details::age_band,
                        queue_ticket_details::id_blind,
                    ))
                    .into_boxed();
                let mut iq = queue_intervals::table
                    .inner_join(queue_tickets::table)
                    .filter(queue_tickets::hall_id.eq(h.id))
                    .filter(queue_tickets::day.ge(&from_day))
                    .filter(queue_tickets::day.le(&to_day))
                    .select((
                        queue_intervals::ticket_id,
                        queue_intervals::state,
                        queue_intervals::started_at,
                        queue_intervals::ended_at,
                    ))
                    .into_boxed();
                if let Some(a) = query.area_id {
                    q = q.filter(queue_tickets::area_id.eq(a));
                    iq = iq.filter(queue_tickets::area_id.eq(a));
                }
                if let Some(w) = query.window_id {
                    q = q.filter(queue_tickets::window_id.eq(w));
                    iq = iq.filter(queue_tickets::window_id.eq(w));
                }
                let rows: Vec<Row> = q.load(conn)?;
                let intervals: Vec<(i64, String, i64, Option<i64>)> = iq.load(conn)?;
                let mut spans: HashMap<i64, Vec<Span>> = HashMap::new();
                for (ticket, state, started_at, ended_at) in intervals {
                    if let Some(state) = IntervalState::parse(&state) {
                        spans.entry(ticket).or_default().push(Span {
                            state,
                            started_at,
                            ended_at,
                        });
                    }
                }
                let visits: Vec<Visit> = rows
                    .into_iter()
                    .map(
                        |(id, day, area, window, status, item, taken_at, band, blind)| {
                            let t = visit_times(spans.get(&id).map_or(&[][..], Vec::as_slice), now);
                            Visit {
                                day,
                                area,
                                window,
                                status: TicketStatus::parse(&status).unwrap_or(TicketStatus::Void),
                                item,
                                taken_at,
                                band: band.as_deref().and_then(AgeBand::parse),
                                blind,
                                wait_ms: t.waiting_ms,
                                serve_ms: t.serving_ms,
                            }
                        },
                    )
                    .collect();

                let mut hours = [0u64; 24];
                for v in &visits {
                    let hour = crate::wire::time(v.taken_at).with_timezone(&tz).hour();
                    if let Some(slot) = hours.get_mut(hour as usize) {
                        *slot += 1;
                    }
                }
                let mut items: HashMap<String, (u64, u64)> = HashMap::new();
                for v in &visits {
                    if let Some(i) = &v.item {
                        items.entry(i.clone()).or_default().0 += 1;
                    }
                }
                if query.area_id.is_none() && query.window_id.is_none() {
                    let asked: Vec<Option<String>> = queue_desk_enquiries::table
                        .filter(queue_desk_enquiries::hall_id.eq(h.id))
                        .filter(queue_desk_enquiries::at.ge(from_ms))
                        .filter(queue_desk_enquiries::at.lt(to_ms))
                        .select(queue_desk_enquiries::item_code)
                        .load(conn)?;
                    for i in asked.into_iter().flatten() {
                        items.entry(i).or_default().1 += 1;
                    }
                }
                let mut hot_items: Vec<ItemCount> = items
                    .into_iter()
                    .map(|(item_code, (tickets, enquiries))| ItemCount {
                        item_code,
                        tickets,
                        enquiries,
                        total: tickets + enquiries,
                    })
                    .collect();
                hot_items.sort_by(|a, b| b.total.cmp(&a.total).then(a.item_code.cmp(&b.item_code)));
                hot_items.truncate(50);
                let age_structure = AgeBand::ALL
                    .into_iter()
                    .map(|band| AgeCount {
                        band,
                        visits: visits.iter().filter(|v| v.band == Some(band)).count() as u64,
                    })
                    .collect();
                let mut per_person: HashMap<&str, u64> = HashMap::new();
                for v in &visits {
                    if let Some(b) = &v.blind {
                        *per_person.entry(b.as_str()).or_default() += 1;
                    }
                }
                let count =
                    |f: &dyn Fn(u64) -> bool| per_person.values().filter(|n| f(**n)).count() as u64;
                let visitors = per_person.len() as u64;
                let repeat = count(&|n| n >= 2);
                let repeat_visits = RepeatVisits {
                    visitors,
                    once: count(&|n| n == 1),
                    twice: count(&|n| n == 2),
                    three_or_more: count(&|n| n >= 3),
                    repeat_rate: if visitors == 0 {
                        0.0
                    } else {
                        repeat as f64 / visitors as f64
                    },
                };
                Ok(QueueAnalytics {
                    hall_id: HallId(h.id),
                    from: query.from,
                    to: query.to,
                    totals: figures(visits.iter()),
                    busy_hours: hours
                        .iter()
                        .enumerate()
                        .map(|(hour, n)| HourCount {
                            hour: hour as u32,
                            tickets: *n,
                        })
                        .collect(),
                    hot_items,
                    age_structure,
                    repeat_visits,
                    by_day: breakdown(&visits, |v| Some(day_key(&v.day))),
                    by_area: breakdown(&visits, |v| Some(v.area)),
                    by_window: breakdown(&visits, |v| v.window),
                })
            })
            .await
    }
}
