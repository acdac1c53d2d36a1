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
mod issue;
mod jobs;
mod queries;
mod rows;
mod settings;
mod slots;

pub use commands::TicketCommand;
pub use jobs::jobs;
pub(crate) use rows::{
    DetailRow, EventExtra, HotRow, TicketRow, close_interval, load_ticket, open_interval,
    record_ticket, ticket_in_scope, ticket_of, visit_intervals, window_number, wire_ticket,
};

use diesel::prelude::*;

use crate::domain::access::{Caller, Permission, Target};
use crate::domain::ids::{DepartmentId, HallId, WindowId};
use crate::error::Error;
use crate::store::DbConn;
use crate::store::schema::{halls, queue_settings, queue_window_sessions, regions, windows};
use crate::wire::queue::{PriorityClass, QueueSettings};

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
    let found: Option<(i64, String)> = crate::on_backend!(conn, |c| halls::table
        .inner_join(regions::table)
        .filter(halls::id.eq(id.0))
        .select((halls::region_id, regions::path))
        .get_result(c)
        .optional())?;
    let (region_id, path) = found.ok_or_else(|| Error::not_found("hall", id))?;
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

pub(crate) fn window_loc(conn: &mut DbConn, id: i64) -> Result<Option<WindowLoc>, Error> {
    let row: Option<WindowLocRow> = crate::on_backend!(conn, |c| windows::table
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
        .get_result(c)
        .optional())?;
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
    Ok(crate::on_backend!(conn, |c| queue_window_sessions::table
        .filter(queue_window_sessions::window_id.eq(window))
        .filter(queue_window_sessions::signed_out_at.is_null())
        .select((
            queue_window_sessions::id,
            queue_window_sessions::user_id,
            queue_window_sessions::signed_in_at,
        ))
        .get_result(c)
        .optional())?)
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
