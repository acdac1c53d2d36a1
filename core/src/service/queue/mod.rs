//! The hall queue (排队叫号, R-2.2.1.4, R-2.5): settings, window duty, tickets and the window
//! actions, the live state, appointments, the front desk and the analytics.
//!
//! The queue keeps no state in memory: tickets, their intervals and the staff on duty are rows,
//! so every node (and a restarted one) sees the same queue. Every change is one `store.write`
//! closure that updates the ticket, closes and opens its visit intervals and records the audit
//! entry and the event ([`audit::record`]). See `docs/queue.md`.

mod analytics;
mod appointments;
mod commands;
mod desk;
mod jobs;
mod queries;
mod settings;

pub use commands::TicketCommand;
pub use jobs::jobs;

use diesel::prelude::*;
use serde_json::json;

use crate::clock::Millis;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::case::CaseId;
use crate::domain::ids::{AreaId, DepartmentId, HallId, UserId, WindowId};
use crate::domain::queue::{
    IntervalState, Span, TicketStatus, VisitTimes, allowed_actions, visit_times,
};
use crate::error::Error;
use crate::service::audit::{self, Actor, Change};
use crate::store::DbConn;
use crate::store::schema::{
    hall_areas, halls, queue_intervals, queue_settings, queue_ticket_details, queue_tickets,
    queue_window_sessions, regions, windows,
};
use crate::wire::queue::{
    PriorityClass, QueueSettings, Ticket, TicketChannel, TicketEvent, VisitInterval,
};
use crate::wire::time;

/// A hall with its region, for access checks.
#[derive(Debug, Clone)]
pub(crate) struct HallLoc {
    pub id: i64,
    pub region_id: i64,
    pub path: String,
}

impl HallLoc {
    pub(crate) fn target(&self) -> Target<'_> {
        Target {
            region_path: Some(&self.path),
            ..Default::default()
        }
    }
}

/// The hall, or not-found when it is missing or outside the caller's `queue.read` scope;
/// forbidden when the caller may read its queue but not use `perm` on it.
pub(crate) fn hall_in_scope(
    conn: &mut DbConn,
    caller: &Caller,
    perm: Permission,
    id: HallId,
) -> Result<HallLoc, Error> {
    let (region_id, path): (i64, String) = halls::table
        .inner_join(regions::table)
        .filter(halls::id.eq(id.0))
        .select((halls::region_id, regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("hall", id))?;
    let loc = HallLoc {
        id: id.0,
        region_id,
        path,
    };
    caller.check(perm, Permission::QueueRead, &loc.target(), "hall", id)?;
    Ok(loc)
}

/// A window with its hall's region.
#[derive(Debug, Clone)]
pub(crate) struct WindowLoc {
    pub id: i64,
    pub hall_id: i64,
    pub area_id: Option<i64>,
    pub department_id: Option<i64>,
    pub number: String,
    pub region_id: i64,
    pub path: String,
}

impl WindowLoc {
    pub(crate) fn target(&self) -> Target<'_> {
        Target {
            region_path: Some(&self.path),
            department_id: self.department_id.map(DepartmentId),
            owner_id: None,
        }
    }
}

type WindowLocRow = (i64, i64, Option<i64>, Option<i64>, String, i64, String);

fn window_loc(conn: &mut DbConn, id: i64) -> Result<Option<WindowLoc>, Error> {
    let row: Option<WindowLocRow> = windows::table
        .inner_join(halls::table.inner_join(regions::table))
        .filter(windows::id.eq(id))
        .select((
            windows::id,
            windows::hall_id,
            windows::area_id,
            windows::department_id,
            windows::number,
            halls::region_id,
            regions::path,
        ))
        .get_result(conn)
        .optional()?;
    Ok(row.map(
        |(id, hall_id, area_id, department_id, number, region_id, path)| WindowLoc {
            id,
            hall_id,
            area_id,
            department_id,
            number,
            region_id,
            path,
        },
    ))
}

/// The window, or not-found when it is missing or outside the caller's scope; forbidden when
/// the caller may read it but not use `perm` at it.
pub(crate) fn window_in_scope(
    conn: &mut DbConn,
    caller: &Caller,
    perm: Permission,
    id: WindowId,
) -> Result<WindowLoc, Error> {
    let w = window_loc(conn, id.0)?.ok_or_else(|| Error::not_found("window", id))?;
    caller.check(perm, Permission::QueueRead, &w.target(), "window", id)?;
    Ok(w)
}

/// The staff member signed in at a window: (session id, user id, since).
pub(crate) fn on_duty(conn: &mut DbConn, window: i64) -> Result<Option<(i64, i64, i64)>, Error> {
    Ok(queue_window_sessions::table
        .filter(queue_window_sessions::window_id.eq(window))
        .filter(queue_window_sessions::signed_out_at.is_null())
        .select((
            queue_window_sessions::id,
            queue_window_sessions::user_id,
            queue_window_sessions::signed_in_at,
        ))
        .get_result(conn)
        .optional()?)
}

/// Window actions need the caller to be the one signed in at the window (409 otherwise).
pub(crate) fn require_on_duty(
    conn: &mut DbConn,
    caller: &Caller,
    w: &WindowLoc,
) -> Result<(), Error> {
    match on_duty(conn, w.id)? {
        Some((_, user, _)) if user == caller.user_id.0 => Ok(()),
        Some(_) => Err(Error::conflict(format!(
            "window {} is signed in by another staff member",
            w.number
        ))),
        None => Err(Error::conflict(format!(
            "nobody is signed in at window {}; sign in first",
            w.number
        ))),
    }
}

/// The hall's settings, or the defaults when never set.
pub(crate) fn load_settings(conn: &mut DbConn, hall: i64) -> Result<QueueSettings, Error> {
    type Row = (bool, i64, i64, String, i64);
    let row: Option<Row> = queue_settings::table
        .find(hall)
        .select((
            queue_settings::clear_at_night,
            queue_settings::max_misses,
            queue_settings::appointment_boost_min,
            queue_settings::priority_classes,
            queue_settings::default_service_min,
        ))
        .get_result(conn)
        .optional()?;
    match row {
        None => Ok(QueueSettings::default()),
        Some((clear_at_night, max_misses, boost, classes, service)) => Ok(QueueSettings {
            clear_at_night,
            max_misses,
            appointment_boost_minutes: boost,
            priority_classes: serde_json::from_str::<Vec<PriorityClass>>(&classes)
                .map_err(|e| Error::Internal(format!("hall {hall} priority classes: {e}")))?,
            default_service_minutes: service,
        }),
    }
}

/// A ticket's hot row: what call-next reads and every action changes.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = queue_tickets)]
pub(crate) struct HotRow {
    pub id: i64,
    pub hall_id: i64,
    pub area_id: i64,
    pub number: String,
    pub item_code: Option<String>,
    pub rank_at: i64,
    pub status: String,
    pub window_id: Option<i64>,
    pub target_window_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub misses: i64,
    pub taken_at: i64,
    pub called_at: Option<i64>,
    pub finished_at: Option<i64>,
}

/// The rest of a ticket: how it came, how it ended, who it was for (as statistics keep it).
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = queue_ticket_details)]
pub(crate) struct DetailRow {
    pub channel: String,
    pub priority_class: Option<String>,
    pub void_reason: Option<String>,
    pub case_id: Option<i64>,
    pub appointment_id: Option<i64>,
}

/// One stored ticket, both parts.
#[derive(Clone, Debug)]
pub(crate) struct TicketRow {
    pub id: i64,
    pub hall_id: i64,
    pub area_id: i64,
    pub number: String,
    pub item_code: Option<String>,
    pub channel: String,
    pub priority_class: Option<String>,
    pub rank_at: i64,
    pub status: String,
    pub window_id: Option<i64>,
    pub target_window_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub misses: i64,
    pub taken_at: i64,
    pub called_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub void_reason: Option<String>,
    pub case_id: Option<i64>,
    pub appointment_id: Option<i64>,
}

impl From<(HotRow, DetailRow)> for TicketRow {
    fn from((h, d): (HotRow, DetailRow)) -> Self {
        TicketRow {
            id: h.id,
            hall_id: h.hall_id,
            area_id: h.area_id,
            number: h.number,
            item_code: h.item_code,
            channel: d.channel,
            priority_class: d.priority_class,
            rank_at: h.rank_at,
            status: h.status,
            window_id: h.window_id,
            target_window_id: h.target_window_id,
            staff_id: h.staff_id,
            misses: h.misses,
            taken_at: h.taken_at,
            called_at: h.called_at,
            finished_at: h.finished_at,
            void_reason: d.void_reason,
            case_id: d.case_id,
            appointment_id: d.appointment_id,
        }
    }
}

/// One ticket, both parts.
pub(crate) fn load_ticket(conn: &mut DbConn, id: i64) -> Result<Option<TicketRow>, Error> {
    Ok(queue_tickets::table
        .inner_join(queue_ticket_details::table)
        .filter(queue_tickets::id.eq(id))
        .select((HotRow::as_select(), DetailRow::as_select()))
        .get_result::<(HotRow, DetailRow)>(conn)
        .optional()?
        .map(TicketRow::from))
}

impl TicketRow {
    pub(crate) fn status(&self) -> TicketStatus {
        TicketStatus::parse(&self.status).unwrap_or(TicketStatus::Void)
    }
}

/// The ticket as answered, with its times so far.
pub(crate) fn wire_ticket(
    conn: &mut DbConn,
    row: &TicketRow,
    now: Millis,
) -> Result<Ticket, Error> {
    let spans = spans_of(conn, row.id)?;
    let window_number = match row.window_id {
        Some(w) => Some(window_number(conn, w)?),
        None => None,
    };
    Ok(ticket_of(row, window_number, visit_times(&spans, now)))
}

/// The ticket as answered, from its row, its window's number and its times.
pub(crate) fn ticket_of(
    row: &TicketRow,
    window_number: Option<String>,
    times: VisitTimes,
) -> Ticket {
    let status = row.status();
    Ticket {
        id: row.id,
        number: row.number.clone(),
        hall_id: HallId(row.hall_id),
        area_id: AreaId(row.area_id),
        item_code: row.item_code.clone(),
        channel: TicketChannel::parse(&row.channel).unwrap_or(TicketChannel::Kiosk),
        priority_class: row.priority_class.clone(),
        status,
        window_id: row.window_id.map(WindowId),
        window_number,
        target_window_id: row.target_window_id.map(WindowId),
        misses: row.misses,
        taken_at: time(row.taken_at),
        called_at: row.called_at.map(time),
        finished_at: row.finished_at.map(time),
        void_reason: row.void_reason.clone(),
        case_id: row.case_id.map(CaseId),
        appointment_id: row.appointment_id,
        times,
        allowed_actions: allowed_actions(status).to_vec(),
    }
}

pub(crate) fn window_number(conn: &mut DbConn, id: i64) -> Result<String, Error> {
    Ok(windows::table
        .find(id)
        .select(windows::number)
        .get_result(conn)?)
}

type IntervalRow = (
    String,
    i64,
    Option<i64>,
    Option<i64>,
    i64,
    Option<i64>,
    Option<String>,
);

fn interval_rows(conn: &mut DbConn, ticket: i64) -> Result<Vec<IntervalRow>, Error> {
    Ok(queue_intervals::table
        .filter(queue_intervals::ticket_id.eq(ticket))
        .order(queue_intervals::id.asc())
        .select((
            queue_intervals::state,
            queue_intervals::area_id,
            queue_intervals::window_id,
            queue_intervals::staff_id,
            queue_intervals::started_at,
            queue_intervals::ended_at,
            queue_intervals::ended_by,
        ))
        .load(conn)?)
}

fn spans_of(conn: &mut DbConn, ticket: i64) -> Result<Vec<Span>, Error> {
    Ok(interval_rows(conn, ticket)?
        .into_iter()
        .filter_map(|(state, _, _, _, started_at, ended_at, _)| {
            IntervalState::parse(&state).map(|state| Span {
                state,
                started_at,
                ended_at,
            })
        })
        .collect())
}

/// Every interval of a visit, in order.
pub(crate) fn visit_intervals(conn: &mut DbConn, ticket: i64) -> Result<Vec<VisitInterval>, Error> {
    Ok(interval_rows(conn, ticket)?
        .into_iter()
        .filter_map(
            |(state, area, window, staff, started_at, ended_at, ended_by)| {
                IntervalState::parse(&state).map(|state| VisitInterval {
                    state,
                    area_id: AreaId(area),
                    window_id: window.map(WindowId),
                    staff_id: staff.map(UserId),
                    started_at: time(started_at),
                    ended_at: ended_at.map(time),
                    ended_by,
                })
            },
        )
        .collect())
}

/// Ends the ticket's open interval (there is at most one).
pub(crate) fn close_interval(
    conn: &mut DbConn,
    ticket: i64,
    now: Millis,
    ended_by: &str,
) -> Result<(), Error> {
    diesel::update(
        queue_intervals::table
            .filter(queue_intervals::ticket_id.eq(ticket))
            .filter(queue_intervals::ended_at.is_null()),
    )
    .set((
        queue_intervals::ended_at.eq(now),
        queue_intervals::ended_by.eq(ended_by),
    ))
    .execute(conn)?;
    Ok(())
}

/// Starts an interval of the ticket.
pub(crate) fn open_interval(
    conn: &mut DbConn,
    row: &TicketRow,
    state: IntervalState,
    window: Option<i64>,
    staff: Option<i64>,
    now: Millis,
) -> Result<(), Error> {
    diesel::insert_into(queue_intervals::table)
        .values((
            queue_intervals::ticket_id.eq(row.id),
            queue_intervals::hall_id.eq(row.hall_id),
            queue_intervals::area_id.eq(row.area_id),
            queue_intervals::window_id.eq(window),
            queue_intervals::staff_id.eq(staff),
            queue_intervals::state.eq(state.as_str()),
            queue_intervals::started_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// What else a ticket event says, beyond the ticket.
#[derive(Default)]
pub(crate) struct EventExtra {
    pub to_area_id: Option<i64>,
    pub to_window: Option<(i64, String)>,
}

/// Records the audit entry and the `ticket.*` event of a change of `row` (already updated),
/// made at `window` (if any).
#[allow(clippy::too_many_arguments)]
pub(crate) fn record_ticket(
    conn: &mut DbConn,
    now: Millis,
    actor: &Actor,
    region_id: i64,
    row: &TicketRow,
    window: Option<&WindowLoc>,
    (action, event): (&str, &str),
    before: Option<TicketStatus>,
    extra: EventExtra,
) -> Result<(), Error> {
    let payload = TicketEvent {
        ticket_id: row.id,
        number: row.number.clone(),
        hall_id: HallId(row.hall_id),
        area_id: AreaId(row.area_id),
        window_id: window.map(|w| WindowId(w.id)),
        window_number: window.map(|w| w.number.clone()),
        status: row.status(),
        item_code: row.item_code.clone(),
        priority_class: row.priority_class.clone(),
        misses: row.misses,
        to_area_id: extra.to_area_id.map(AreaId),
        to_window_id: extra.to_window.as_ref().map(|(id, _)| WindowId(*id)),
        to_window_number: extra.to_window.map(|(_, n)| n),
        void_reason: row.void_reason.clone().filter(|_| event == "ticket.voided"),
        case_id: row
            .case_id
            .map(CaseId)
            .filter(|_| event == "ticket.finished"),
    };
    let payload = serde_json::to_value(&payload)
        .map_err(|e| Error::Internal(format!("ticket event: {e}")))?;
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(region_id),
            department_id: window.and_then(|w| w.department_id),
            before: before.map(|s| json!({"status": s.as_str()})),
            after: Some(json!({"status": row.status, "number": row.number, "misses": row.misses})),
            payload,
            ..Change::new(action, event, "ticket", row.id)
        },
    )?;
    Ok(())
}

/// The ticket with its hall's region, or not-found when missing or outside the caller's
/// `queue.read` scope.
pub(crate) fn ticket_in_scope(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
) -> Result<(TicketRow, HallLoc), Error> {
    let (hot, detail, region_id, path): (HotRow, DetailRow, i64, String) = queue_tickets::table
        .inner_join(queue_ticket_details::table)
        .inner_join(hall_areas::table.inner_join(halls::table.inner_join(regions::table)))
        .filter(queue_tickets::id.eq(id))
        .select((
            HotRow::as_select(),
            DetailRow::as_select(),
            halls::region_id,
            regions::path,
        ))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("ticket", id))?;
    let row = TicketRow::from((hot, detail));
    let loc = HallLoc {
        id: row.hall_id,
        region_id,
        path,
    };
    if !caller.may(Permission::QueueRead, &loc.target()) {
        return Err(Error::not_found("ticket", id));
    }
    Ok((row, loc))
}
