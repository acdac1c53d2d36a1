//! Queue reads: one ticket with its visit intervals, a hall's tickets, and the live state per
//! area and window.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::{
    DetailRow, HotRow, TicketRow, hall_in_scope, load_settings, ticket_in_scope, visit_intervals,
    wire_ticket,
};
use crate::domain::access::{Caller, Permission};
use crate::domain::ids::{AreaId, HallId, UserId, WindowId};
use crate::domain::queue::{MINUTE_MS, TicketStatus};
use crate::error::Error;
use crate::service::Services;
use crate::service::cases::local_date;
use crate::store::schema::{
    hall_areas, queue_ticket_details, queue_tickets, queue_window_sessions, users, windows,
};
use crate::wire::queue::{
    AreaState, CurrentTicket, QueueState, StaffOnDuty, Ticket, TicketQuery, VisitInterval,
    WindowState,
};
use crate::wire::{Page, PageQuery, page_of, time};

#[derive(QueryableByName)]
struct AreaMean {
    #[diesel(sql_type = BigInt)]
    area_id: i64,
    #[diesel(sql_type = BigInt)]
    mean: i64,
}

impl Services {
    /// One ticket with its times so far.
    pub async fn get_ticket(&self, caller: &Caller, id: i64) -> Result<Ticket, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .read(move |conn| {
                let (row, _) = ticket_in_scope(conn, &caller, id)?;
                wire_ticket(conn, &row, now)
            })
            .await
    }

    /// Every interval of a ticket's visit, in order.
    pub async fn ticket_intervals(
        &self,
        caller: &Caller,
        id: i64,
    ) -> Result<Vec<VisitInterval>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let (row, _) = ticket_in_scope(conn, &caller, id)?;
                visit_intervals(conn, row.id)
            })
            .await
    }

    /// A hall's tickets, oldest first, filtered by status and area.
    pub async fn list_tickets(
        &self,
        caller: &Caller,
        hall: HallId,
        query: TicketQuery,
    ) -> Result<Page<Ticket>, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .read_heavy(move |conn| {
                let h = hall_in_scope(conn, &caller, Permission::QueueRead, hall)?;
                let page = PageQuery {
                    after: query.after,
                    limit: query.limit,
                };
                let limit = page.limit();
                let mut q = queue_tickets::table
                    .inner_join(queue_ticket_details::table)
                    .filter(queue_tickets::hall_id.eq(h.id))
                    .filter(queue_tickets::id.gt(page.after()))
                    .order(queue_tickets::id.asc())
                    .limit(limit + 1)
                    .select((HotRow::as_select(), DetailRow::as_select()))
                    .into_boxed();
                if let Some(s) = query.status {
                    q = q.filter(queue_tickets::status.eq(s.as_str()));
                }
                if let Some(a) = query.area_id {
                    q = q.filter(queue_tickets::area_id.eq(a));
                }
                let rows: Vec<TicketRow> = q
                    .load::<(HotRow, DetailRow)>(conn)?
                    .into_iter()
                    .map(TicketRow::from)
                    .collect();
                let items = rows
                    .iter()
                    .map(|r| wire_ticket(conn, r, now))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(page_of(items, limit, |t| t.id))
            })
            .await
    }

    /// The live state of a hall's queue: per area the waiting count, the windows on duty and
    /// the estimated wait; per window the staff on duty and the ticket called or in service.
    pub async fn queue_state(&self, caller: &Caller, hall: HallId) -> Result<QueueState, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        let day_start = local_date(now, tz)
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(tz).earliest())
            .map_or(now - 86_400_000, |t| t.timestamp_millis());
        self.store
            .read(move |conn| {
                let h = hall_in_scope(conn, &caller, Permission::QueueRead, hall)?;
                let settings = load_settings(conn, h.id)?;
                let areas: Vec<(i64, String, String)> = hall_areas::table
                    .filter(hall_areas::hall_id.eq(h.id))
                    .order(hall_areas::id.asc())
                    .select((hall_areas::id, hall_areas::prefix, hall_areas::name))
                    .load(conn)?;
                let waiting: Vec<(i64, Option<i64>)> = queue_tickets::table
                    .filter(queue_tickets::hall_id.eq(h.id))
                    .filter(queue_tickets::status.eq(TicketStatus::Waiting.as_str()))
                    .select((queue_tickets::area_id, queue_tickets::target_window_id))
                    .load(conn)?;
                let mut per_area: HashMap<i64, i64> = HashMap::new();
                let mut per_window: HashMap<i64, i64> = HashMap::new();
                for (area, target) in &waiting {
                    *per_area.entry(*area).or_default() += 1;
                    if let Some(w) = target {
                        *per_window.entry(*w).or_default() += 1;
                    }
                }
                let sql = match conn {
                    crate::store::DbConn::Pg(_) => {
                        "SELECT area_id, CAST(AVG(ended_at - started_at) AS BIGINT) AS mean \
                         FROM queue_intervals WHERE hall_id = $1 AND state = 'serving' \
                         AND ended_at IS NOT NULL AND started_at >= $2 GROUP BY area_id"
                    }
                    crate::store::DbConn::Sqlite(_) => {
                        "SELECT area_id, CAST(AVG(ended_at - started_at) AS BIGINT) AS mean \
                         FROM queue_intervals WHERE hall_id = ? AND state = 'serving' \
                         AND ended_at IS NOT NULL AND started_at >= ? GROUP BY area_id"
                    }
                };
                let means: HashMap<i64, i64> = diesel::sql_query(sql)
                    .bind::<BigInt, _>(h.id)
                    .bind::<BigInt, _>(day_start)
                    .load::<AreaMean>(conn)?
                    .into_iter()
                    .map(|m| (m.area_id, m.mean))
                    .collect();
                type WindowRow = (i64, String, Option<i64>);
                let wins: Vec<WindowRow> = windows::table
                    .filter(windows::hall_id.eq(h.id))
                    .order(windows::id.asc())
                    .select((windows::id, windows::number, windows::area_id))
                    .load(conn)?;
                let duty: Vec<(i64, i64, i64, String)> = queue_window_sessions::table
                    .inner_join(users::table)
                    .filter(queue_window_sessions::hall_id.eq(h.id))
                    .filter(queue_window_sessions::signed_out_at.is_null())
                    .select((
                        queue_window_sessions::window_id,
                        queue_window_sessions::user_id,
                        queue_window_sessions::signed_in_at,
                        users::display_name,
                    ))
                    .load(conn)?;
                let duty: HashMap<i64, StaffOnDuty> = duty
                    .into_iter()
                    .map(|(w, u, since, name)| {
                        (
                            w,
                            StaffOnDuty {
                                user_id: UserId(u),
                                name,
                                since: time(since),
                            },
                        )
                    })
                    .collect();
                let current: Vec<(Option<i64>, i64, String, String)> = queue_tickets::table
                    .filter(queue_tickets::hall_id.eq(h.id))
                    .filter(queue_tickets::status.eq_any([
                        TicketStatus::Called.as_str(),
                        TicketStatus::Serving.as_str(),
                    ]))
                    .select((
                        queue_tickets::window_id,
                        queue_tickets::id,
                        queue_tickets::number,
                        queue_tickets::status,
                    ))
                    .load(conn)?;
                let current: HashMap<i64, CurrentTicket> = current
                    .into_iter()
                    .filter_map(|(w, id, number, status)| {
                        Some((
                            w?,
                            CurrentTicket {
                                ticket_id: id,
                                number,
                                status: TicketStatus::parse(&status)?,
                            },
                        ))
                    })
                    .collect();
                let default_ms = settings.default_service_minutes * MINUTE_MS;
                let areas = areas
                    .into_iter()
                    .map(|(id, prefix, name)| {
                        let waiting = per_area.get(&id).copied().unwrap_or(0);
                        let on_duty = wins
                            .iter()
                            .filter(|(w, _, a)| *a == Some(id) && duty.contains_key(w))
                            .count() as i64;
                        let mean = means.get(&id).copied().unwrap_or(default_ms);
                        AreaState {
                            area_id: AreaId(id),
                            prefix,
                            name,
                            waiting,
                            windows_on_duty: on_duty,
                            mean_service_ms: mean,
                            estimated_wait_ms: waiting * mean / on_duty.max(1),
                        }
                    })
                    .collect();
                let windows = wins
                    .into_iter()
                    .map(|(id, number, area)| WindowState {
                        window_id: WindowId(id),
                        number,
                        area_id: area.map(AreaId),
                        staff: duty.get(&id).cloned(),
                        current: current.get(&id).cloned(),
                        waiting_for_window: per_window.get(&id).copied().unwrap_or(0),
                    })
                    .collect();
                Ok(QueueState {
                    hall_id: HallId(h.id),
                    at: time(now),
                    areas,
                    windows,
                })
            })
            .await
    }
}
