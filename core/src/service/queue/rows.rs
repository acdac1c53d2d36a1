//! A ticket's rows (hot row and details) as the services see them, the ticket as answered,
//! its visit intervals, and the audit entry and event of each change.

use diesel::prelude::*;
use serde_json::json;

use super::{HallLoc, WindowLoc};
use crate::clock::Millis;
use crate::domain::access::{Caller, Permission};
use crate::domain::case::CaseId;
use crate::domain::ids::{AreaId, HallId, UserId, WindowId};
use crate::domain::queue::{
    IntervalState, Span, TicketStatus, VisitTimes, allowed_actions, visit_times,
};
use crate::error::Error;
use crate::service::audit::{self, Actor, Change};
use crate::store::DbConn;
use crate::store::kept::Keep;
use crate::store::schema::{
    hall_areas, halls, queue_intervals, queue_ticket_details, queue_tickets, regions, windows,
};
use crate::wire::queue::{Ticket, TicketChannel, TicketEvent, VisitInterval};
use crate::wire::time;

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
    let found: Option<(HotRow, DetailRow)> = crate::on_backend!(conn, |c| queue_tickets::table
        .inner_join(queue_ticket_details::table)
        .filter(queue_tickets::id.eq(id))
        .select((HotRow::as_select(), DetailRow::as_select()))
        .get_result(c)
        .optional())?;
    Ok(found.map(TicketRow::from))
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
    Ok(crate::on_backend!(conn, |c| windows::table
        .find(id)
        .select(windows::number)
        .get_result(c))?)
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
    Ok(crate::on_backend!(conn, |c| queue_intervals::table
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
        .load(c))?)
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
    crate::on_backend!(conn, |c| diesel::update(
        queue_intervals::table
            .filter(queue_intervals::ticket_id.eq(ticket))
            .filter(queue_intervals::ended_at.is_null()),
    )
    .set((
        queue_intervals::ended_at.eq(now),
        queue_intervals::ended_by.eq(ended_by),
    ))
    .returning(queue_intervals::id)
    .kept()
    .execute(c))?;
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
    crate::on_backend!(conn, |c| diesel::insert_into(queue_intervals::table)
        .values((
            queue_intervals::ticket_id.eq(row.id),
            queue_intervals::hall_id.eq(row.hall_id),
            queue_intervals::area_id.eq(row.area_id),
            queue_intervals::window_id.eq(window),
            queue_intervals::staff_id.eq(staff),
            queue_intervals::state.eq(state.as_str()),
            queue_intervals::started_at.eq(now),
        ))
        .execute(c))?;
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
/// `queue.read` scope: the hall's region, or — for staff scoped to a department — the window
/// (of that department) that called it.
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
    if caller.may(Permission::QueueRead, &loc.target()) {
        return Ok((row, loc));
    }
    if let Some(w) = row.window_id
        && let Some(w) = super::window_loc(conn, w)?
        && caller.may(Permission::QueueRead, &w.target())
    {
        return Ok((row, loc));
    }
    Err(Error::not_found("ticket", id))
}
