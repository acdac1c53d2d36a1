//! The window's commands: calling the next ticket, and the actions on a called or serving
//! ticket (one transaction each, with its intervals, audit entry and event).

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::issue::{area_prefix, sql_for};
use super::{
    EventExtra, TicketRow, WindowLoc, close_interval, load_settings, load_ticket, open_interval,
    record_ticket, require_on_duty, ticket_in_scope, window_in_scope, window_loc, wire_ticket,
};
use crate::domain::access::{Caller, Permission};
use crate::domain::queue::{IntervalState, TicketAction, TicketStatus, allowed_actions};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor};
use crate::store::DbConn;
use crate::store::kept::Keep;
use crate::store::schema::{cases, queue_ticket_details, queue_tickets};
use crate::wire::queue::{FinishRequest, Ticket, TransferRequest};

/// One action of a window on a called or serving ticket.
#[derive(Debug, Clone)]
pub enum TicketCommand {
    Recall,
    Skip,
    Serve,
    Transfer(TransferRequest),
    Finish(FinishRequest),
}

impl TicketCommand {
    fn action(&self) -> TicketAction {
        match self {
            TicketCommand::Recall => TicketAction::Recall,
            TicketCommand::Skip => TicketAction::Skip,
            TicketCommand::Serve => TicketAction::Serve,
            TicketCommand::Transfer(_) => TicketAction::Transfer,
            TicketCommand::Finish(_) => TicketAction::Finish,
        }
    }
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The next waiting ticket a window may call: its area's (or, for a window without an area,
/// its hall's), not transferred to another window, of an item it serves (or a general one);
/// the smallest rank first. On PostgreSQL the row is locked and rows other nodes hold are
/// skipped, so two windows never get the same ticket. Kept prepared (one of four texts).
fn next_for(conn: &mut DbConn, w: &WindowLoc) -> Result<Option<i64>, Error> {
    let place = if w.area_id.is_some() {
        "area_id = ?"
    } else {
        "hall_id = ?"
    };
    let lock = match conn {
        DbConn::Pg(_) => " FOR UPDATE SKIP LOCKED",
        DbConn::Sqlite(_) => "",
    };
    let sql = sql_for(
        conn,
        &format!(
            "SELECT id FROM queue_tickets WHERE {place} AND status = 'waiting' \
             AND (target_window_id IS NULL OR target_window_id = ?) \
             AND (item_code IS NULL \
               OR NOT EXISTS (SELECT 1 FROM queue_window_items wi WHERE wi.window_id = ?) \
               OR item_code IN (SELECT item_code FROM queue_window_items WHERE window_id = ?) \
               OR item_group IN (SELECT item_code FROM queue_window_items WHERE window_id = ?)) \
             ORDER BY rank_at, id LIMIT 1{lock}"
        ),
    );
    let found: Option<Id> = diesel::sql_query(sql)
        .bind::<BigInt, _>(w.area_id.unwrap_or(w.hall_id))
        .bind::<BigInt, _>(w.id)
        .bind::<BigInt, _>(w.id)
        .bind::<BigInt, _>(w.id)
        .bind::<BigInt, _>(w.id)
        .kept()
        .get_result(conn)
        .optional()?;
    Ok(found.map(|f| f.id))
}

/// The window's ticket being called or served, if any.
fn current_at(conn: &mut DbConn, window: i64) -> Result<Option<(String, TicketStatus)>, Error> {
    // `OR` rather than `IN (…)`: a statement of static shape stays in the statement cache.
    let found: Option<(String, String)> = crate::on_backend!(conn, |c| queue_tickets::table
        .filter(queue_tickets::window_id.eq(window))
        .filter(
            queue_tickets::status
                .eq(TicketStatus::Called.as_str())
                .or(queue_tickets::status.eq(TicketStatus::Serving.as_str())),
        )
        .select((queue_tickets::number, queue_tickets::status))
        .get_result(c)
        .optional())?;
    Ok(found.map(|(n, s)| {
        let status = TicketStatus::parse(&s).unwrap_or(TicketStatus::Called);
        (n, status)
    }))
}

/// Moves a ticket from `from` to its new status (the row as changed), guarded on the status it
/// was read in: a concurrent change makes this a conflict, not a lost update.
fn store_ticket(conn: &mut DbConn, row: &TicketRow, from: TicketStatus) -> Result<(), Error> {
    let n = crate::on_backend!(conn, |c| diesel::update(
        queue_tickets::table
            .filter(queue_tickets::id.eq(row.id))
            .filter(queue_tickets::status.eq(from.as_str())),
    )
    .set((
        queue_tickets::status.eq(&row.status),
        queue_tickets::area_id.eq(row.area_id),
        queue_tickets::rank_at.eq(row.rank_at),
        queue_tickets::window_id.eq(row.window_id),
        queue_tickets::target_window_id.eq(row.target_window_id),
        queue_tickets::staff_id.eq(row.staff_id),
        queue_tickets::misses.eq(row.misses),
        queue_tickets::called_at.eq(row.called_at),
        queue_tickets::finished_at.eq(row.finished_at),
    ))
    .returning(queue_tickets::id)
    .kept()
    .execute(c))?;
    if n != 1 {
        return Err(Error::conflict(format!(
            "ticket {} changed meanwhile; reload it",
            row.number
        )));
    }
    if row.void_reason.is_some() || row.case_id.is_some() {
        diesel::update(queue_ticket_details::table.find(row.id))
            .set((
                queue_ticket_details::void_reason.eq(row.void_reason.as_deref()),
                queue_ticket_details::case_id.eq(row.case_id),
            ))
            .returning(queue_ticket_details::ticket_id)
            .kept()
            .execute(conn)?;
    }
    Ok(())
}

impl Services {
    /// Calls the next ticket the window may serve. 409 when the caller is not the one signed
    /// in there, when the window still has a ticket called or in service, or when nothing
    /// waits for it.
    pub async fn call_next(
        &self,
        caller: &Caller,
        window: crate::domain::ids::WindowId,
    ) -> Result<Ticket, Error> {
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let w = window_in_scope(conn, &caller, Permission::QueueServe, window)?;
                require_on_duty(conn, &caller, &w)?;
                if let Some((number, status)) = current_at(conn, w.id)? {
                    return Err(Error::Conflict {
                        message: format!(
                            "window {} still has ticket {number} ({}); finish, skip or transfer it first",
                            w.number,
                            status.as_str()
                        ),
                        allowed: allowed_actions(status)
                            .iter()
                            .map(|a| a.as_str().to_owned())
                            .collect(),
                    });
                }
                let id = next_for(conn, &w)?.ok_or_else(|| {
                    Error::conflict(format!("no ticket waits for window {}", w.number))
                })?;
                let mut row = load_ticket(conn, id)?
                    .ok_or_else(|| Error::Internal(format!("ticket {id} vanished")))?;
                row.status = TicketStatus::Called.as_str().to_owned();
                row.window_id = Some(w.id);
                row.called_at = Some(now);
                row.staff_id = Some(caller.user_id.0);
                store_ticket(conn, &row, TicketStatus::Waiting)?;
                close_interval(conn, id, now, "call")?;
                open_interval(
                    conn,
                    &row,
                    IntervalState::Called,
                    Some(w.id),
                    Some(caller.user_id.0),
                    now,
                )?;
                record_ticket(
                    conn,
                    now,
                    &Actor::of(&caller),
                    w.region_id,
                    &row,
                    Some(&w),
                    ("ticket.call", "ticket.called"),
                    Some(TicketStatus::Waiting),
                    EventExtra::default(),
                )?;
                wire_ticket(conn, &row, now)
            })
            .await
    }

    /// One action of the window that called the ticket; only its signed-in staff may act.
    pub async fn act_on_ticket(
        &self,
        caller: &Caller,
        id: i64,
        command: TicketCommand,
    ) -> Result<Ticket, Error> {
        if let TicketCommand::Transfer(t) = &command {
            Validator::new()
                .check(
                    t.to_window_id.is_some() != t.to_area_id.is_some(),
                    "to_window_id",
                    "name either a window or an area to transfer to",
                )
                .finish()?;
        }
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                // The ticket's row may be locked by another node's call: chain lock first.
                audit::lock_chain(conn)?;
                let (mut row, hall) = ticket_in_scope(conn, &caller, id)?;
                let before = row.status();
                let Some(wid) = row.window_id else {
                    return Err(not_allowed(&row, command.action()));
                };
                let w = window_in_scope(
                    conn,
                    &caller,
                    Permission::QueueServe,
                    crate::domain::ids::WindowId(wid),
                )?;
                require_on_duty(conn, &caller, &w)?;
                if !allowed_actions(before).contains(&command.action()) {
                    return Err(not_allowed(&row, command.action()));
                }
                let actor = Actor::of(&caller);
                let staff = Some(caller.user_id.0);
                let mut extra = EventExtra::default();
                let names = match &command {
                    TicketCommand::Recall => ("ticket.recall", "ticket.recalled"),
                    TicketCommand::Serve => {
                        row.status = TicketStatus::Serving.as_str().to_owned();
                        store_ticket(conn, &row, before)?;
                        close_interval(conn, row.id, now, "serve")?;
                        open_interval(conn, &row, IntervalState::Serving, Some(w.id), staff, now)?;
                        ("ticket.serve", "ticket.serving")
                    }
                    TicketCommand::Skip => {
                        let settings = load_settings(conn, hall.id)?;
                        row.misses += 1;
                        close_interval(conn, row.id, now, "skip")?;
                        if row.misses >= settings.max_misses {
                            row.status = TicketStatus::Void.as_str().to_owned();
                            row.void_reason = Some("missed".into());
                            row.finished_at = Some(now);
                            store_ticket(conn, &row, before)?;
                            ("ticket.skip", "ticket.voided")
                        } else {
                            // Back in the queue as if taken now, keeping its head start.
                            row.rank_at = now - (row.taken_at - row.rank_at);
                            row.status = TicketStatus::Waiting.as_str().to_owned();
                            row.window_id = None;
                            store_ticket(conn, &row, before)?;
                            open_interval(conn, &row, IntervalState::Waiting, None, None, now)?;
                            ("ticket.skip", "ticket.skipped")
                        }
                    }
                    TicketCommand::Transfer(t) => {
                        let (area, target) = match (t.to_window_id, t.to_area_id) {
                            (Some(to), _) => {
                                let to = window_loc(conn, to.0)?
                                    .filter(|x| x.hall_id == row.hall_id && x.id != w.id)
                                    .ok_or_else(|| {
                                        Error::invalid(
                                            "to_window_id",
                                            "no other window of this hall with that id",
                                        )
                                    })?;
                                extra.to_window = Some((to.id, to.number.clone()));
                                (to.area_id.unwrap_or(row.area_id), Some(to.id))
                            }
                            (None, Some(a)) => {
                                area_prefix(conn, row.hall_id, a.0).map_err(|_| {
                                    Error::invalid("to_area_id", "no such area in this hall")
                                })?;
                                (a.0, None)
                            }
                            (None, None) => {
                                return Err(Error::invalid(
                                    "to_window_id",
                                    "name a window or an area",
                                ));
                            }
                        };
                        extra.to_area_id = Some(area);
                        row.area_id = area;
                        row.target_window_id = target;
                        row.window_id = None;
                        row.status = TicketStatus::Waiting.as_str().to_owned();
                        store_ticket(conn, &row, before)?;
                        close_interval(conn, row.id, now, "transfer")?;
                        open_interval(conn, &row, IntervalState::Waiting, target, None, now)?;
                        ("ticket.transfer", "ticket.transferred")
                    }
                    TicketCommand::Finish(f) => {
                        if let Some(case) = f.case_id {
                            let known: i64 = cases::table
                                .filter(cases::id.eq(case.0))
                                .count()
                                .get_result(conn)?;
                            if known == 0 {
                                return Err(Error::invalid("case_id", "no such case"));
                            }
                            row.case_id = Some(case.0);
                        }
                        row.status = TicketStatus::Finished.as_str().to_owned();
                        row.finished_at = Some(now);
                        store_ticket(conn, &row, before)?;
                        close_interval(conn, row.id, now, "finish")?;
                        ("ticket.finish", "ticket.finished")
                    }
                };
                record_ticket(
                    conn,
                    now,
                    &actor,
                    hall.region_id,
                    &row,
                    Some(&w),
                    names,
                    Some(before),
                    extra,
                )?;
                wire_ticket(conn, &row, now)
            })
            .await
    }
}

fn not_allowed(row: &TicketRow, action: TicketAction) -> Error {
    Error::Conflict {
        message: format!(
            "ticket {} is {}; {} is not allowed",
            row.number,
            row.status,
            action.as_str()
        ),
        allowed: allowed_actions(row.status())
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect(),
    }
}
