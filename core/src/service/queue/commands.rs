//! Queue commands: taking a ticket, calling the next one, and the window's actions on a called
//! or serving ticket (one transaction each, with its intervals, audit entry and event).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::{
    EventExtra, HallLoc, TicketRow, WindowLoc, close_interval, hall_in_scope, load_settings,
    load_ticket, open_interval, record_ticket, require_on_duty, ticket_in_scope, ticket_of,
    window_in_scope, window_loc, wire_ticket,
};
use crate::clock::Millis;
use crate::domain::access::{Caller, Permission};
use crate::domain::catalogue::valid_item_code;
use crate::domain::identity::IdNumber;
use crate::domain::queue::{
    AgeBand, IntervalState, TicketAction, TicketStatus, VisitTimes, age_on, allowed_actions,
    item_group, rank_at, ticket_number,
};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor};
use crate::service::cases::local_date;
use crate::store::DbConn;
use crate::store::schema::{
    cases, catalogue_items, hall_areas, queue_ticket_details, queue_tickets,
};
use crate::wire::queue::{FinishRequest, NewTicket, Ticket, TicketChannel, TransferRequest};

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

/// What identifies a visitor in the statistics: the blind index and the age band, never the
/// number.
pub(crate) struct Visitor {
    pub blind: String,
    pub band: AgeBand,
}

/// A ticket about to be issued.
pub(crate) struct Issue {
    pub area_id: i64,
    pub prefix: String,
    pub item_code: Option<String>,
    pub channel: TicketChannel,
    pub priority_class: Option<String>,
    pub boost_minutes: i64,
    pub visitor: Option<Visitor>,
    pub appointment_id: Option<i64>,
    pub day: String,
}

#[derive(QueryableByName)]
struct Last {
    #[diesel(sql_type = BigInt)]
    last: i64,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// `?` placeholders as PostgreSQL's `$1, $2, …`.
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

fn sql_for(conn: &DbConn, sql: &str) -> String {
    match conn {
        DbConn::Pg(_) => numbered(sql),
        DbConn::Sqlite(_) => sql.to_owned(),
    }
}

/// The next sequence of an area for a day, atomically: an upsert that takes the row lock on
/// PostgreSQL (concurrent takers wait for each other's commit, never share a number).
fn next_seq(conn: &mut DbConn, area: i64, day: &str) -> Result<i64, Error> {
    let sql = sql_for(
        conn,
        "INSERT INTO queue_numbers (area_id, day, last) VALUES (?, ?, 1) \
         ON CONFLICT (area_id, day) DO UPDATE SET last = queue_numbers.last + 1 RETURNING last",
    );
    let row: Last = diesel::sql_query(sql)
        .bind::<BigInt, _>(area)
        .bind::<Text, _>(day)
        .get_result(conn)?;
    Ok(row.last)
}

/// Issues a ticket: its number, its first (waiting) interval, the audit entry and event.
pub(crate) fn issue(
    conn: &mut DbConn,
    now: Millis,
    actor: &Actor,
    hall: &HallLoc,
    issue: Issue,
) -> Result<TicketRow, Error> {
    // The number's row lock may be held by another node: take the chain lock first.
    audit::lock_chain(conn)?;
    let seq = next_seq(conn, issue.area_id, &issue.day)?;
    let number = ticket_number(&issue.prefix, seq);
    let rank = rank_at(now, issue.boost_minutes);
    let group = issue.item_code.as_deref().map(item_group);
    let id: i64 = diesel::insert_into(queue_tickets::table)
        .values((
            queue_tickets::hall_id.eq(hall.id),
            queue_tickets::area_id.eq(issue.area_id),
            queue_tickets::number.eq(&number),
            queue_tickets::day.eq(&issue.day),
            queue_tickets::item_code.eq(issue.item_code.as_deref()),
            queue_tickets::item_group.eq(group),
            queue_tickets::rank_at.eq(rank),
            queue_tickets::status.eq(TicketStatus::Waiting.as_str()),
            queue_tickets::misses.eq(0_i64),
            queue_tickets::taken_at.eq(now),
        ))
        .returning(queue_tickets::id)
        .get_result(conn)?;
    diesel::insert_into(queue_ticket_details::table)
        .values((
            queue_ticket_details::ticket_id.eq(id),
            queue_ticket_details::first_area_id.eq(issue.area_id),
            queue_ticket_details::channel.eq(issue.channel.as_str()),
            queue_ticket_details::priority_class.eq(issue.priority_class.as_deref()),
            queue_ticket_details::appointment_id.eq(issue.appointment_id),
            queue_ticket_details::id_blind.eq(issue.visitor.as_ref().map(|v| v.blind.as_str())),
            queue_ticket_details::age_band.eq(issue.visitor.as_ref().map(|v| v.band.as_str())),
        ))
        .execute(conn)?;
    let row = TicketRow {
        id,
        hall_id: hall.id,
        area_id: issue.area_id,
        number,
        item_code: issue.item_code,
        channel: issue.channel.as_str().to_owned(),
        priority_class: issue.priority_class,
        rank_at: rank,
        status: TicketStatus::Waiting.as_str().to_owned(),
        window_id: None,
        target_window_id: None,
        staff_id: None,
        misses: 0,
        taken_at: now,
        called_at: None,
        finished_at: None,
        void_reason: None,
        case_id: None,
        appointment_id: issue.appointment_id,
    };
    open_interval(conn, &row, IntervalState::Waiting, None, None, now)?;
    record_ticket(
        conn,
        now,
        actor,
        hall.region_id,
        &row,
        None,
        ("ticket.take", "ticket.taken"),
        None,
        EventExtra::default(),
    )?;
    Ok(row)
}

/// The area's prefix, or a validation error when the area is not the hall's.
pub(crate) fn area_prefix(conn: &mut DbConn, hall: i64, area: i64) -> Result<String, Error> {
    hall_areas::table
        .filter(hall_areas::id.eq(area))
        .filter(hall_areas::hall_id.eq(hall))
        .select(hall_areas::prefix)
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::invalid("area_id", "no such area in this hall"))
}

/// Checks that the catalogue knows the item code (some version of it), or, for a window's
/// item group, some sub-item of the main item's code (`CODE-…`).
pub(crate) fn check_item(conn: &mut DbConn, code: &str, field: &str) -> Result<(), Error> {
    if !valid_item_code(code) {
        return Err(Error::invalid(field, "letters, digits and - only"));
    }
    let known: i64 = catalogue_items::table
        .filter(
            catalogue_items::item_code
                .eq(code)
                .or(catalogue_items::item_code.like(format!("{code}-%"))),
        )
        .count()
        .get_result(conn)?;
    if known == 0 {
        return Err(Error::invalid(field, "no such item in the catalogue"));
    }
    Ok(())
}

/// The visitor's blind index and age band from an ID number, checked.
pub(crate) fn visitor(
    services: &Services,
    input: &str,
    field: &str,
    now: Millis,
) -> Result<(IdNumber, Visitor), Error> {
    let tz = services.config.time_zone()?;
    let today = local_date(now, tz);
    let id = IdNumber::parse_as_of(input.trim(), today)
        .map_err(|e| Error::invalid(field, e.to_string()))?;
    let v = Visitor {
        blind: services.vault.blind_index(id.as_str()),
        band: AgeBand::of(age_on(id.birth_date(), today)),
    };
    Ok((id, v))
}

/// The local day a ticket taken `now` belongs to: `YYYYMMDD` in the platform's zone.
pub(crate) fn day_of(services: &Services, now: Millis) -> Result<String, Error> {
    let tz = services.config.time_zone()?;
    Ok(local_date(now, tz).format("%Y%m%d").to_string())
}

/// The next waiting ticket a window may call: its area's (or, for a window without an area,
/// its hall's), not transferred to another window, of an item it serves (or a general one);
/// the smallest rank first. On PostgreSQL the row is locked and rows other nodes hold are
/// skipped, so two windows never get the same ticket.
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
        .get_result(conn)
        .optional()?;
    Ok(found.map(|f| f.id))
}

/// The window's ticket being called or served, if any.
fn current_at(conn: &mut DbConn, window: i64) -> Result<Option<(String, TicketStatus)>, Error> {
    let found: Option<(String, String)> = queue_tickets::table
        .filter(queue_tickets::window_id.eq(window))
        .filter(queue_tickets::status.eq_any([
            TicketStatus::Called.as_str(),
            TicketStatus::Serving.as_str(),
        ]))
        .select((queue_tickets::number, queue_tickets::status))
        .get_result(conn)
        .optional()?;
    Ok(found.map(|(n, s)| {
        let status = TicketStatus::parse(&s).unwrap_or(TicketStatus::Called);
        (n, status)
    }))
}

/// Moves a ticket from `from` to its new status (the row as changed), guarded on the status it
/// was read in: a concurrent change makes this a conflict, not a lost update.
fn store_ticket(conn: &mut DbConn, row: &TicketRow, from: TicketStatus) -> Result<(), Error> {
    let n = diesel::update(
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
    .execute(conn)?;
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
            .execute(conn)?;
    }
    Ok(())
}

impl Services {
    /// Takes a ticket in an area of a hall (kiosk, API or desk).
    pub async fn take_ticket(
        &self,
        caller: &Caller,
        hall: crate::domain::ids::HallId,
        new: NewTicket,
    ) -> Result<Ticket, Error> {
        let now = self.clock.now();
        let mut v = Validator::new();
        v.check(
            new.channel != TicketChannel::Appointment,
            "channel",
            "appointment tickets are issued by checking in the appointment",
        );
        if let Some(code) = &new.item_code {
            v.text(code, "item_code", 64);
        }
        if let Some(class) = &new.priority_class {
            v.text(class, "priority_class", 32);
        }
        let visitor = match new.id_number.as_deref() {
            Some(n) => match visitor(self, n, "id_number", now) {
                Ok((_, vis)) => Some(vis),
                Err(Error::Validation(errors)) => {
                    for e in errors {
                        v.push(&e.field, e.reason);
                    }
                    None
                }
                Err(e) => return Err(e),
            },
            None => None,
        };
        v.finish()?;
        let day = day_of(self, now)?;
        // What the ticket needs to know of the hall is read first, off the writer: halls and
        // areas are never deleted, so only the number needs the write transaction.
        let reader = caller.clone();
        let item_code = new.item_code.as_deref().map(str::trim).map(str::to_owned);
        let priority_class = new
            .priority_class
            .as_deref()
            .map(str::trim)
            .map(str::to_owned);
        let (area, item, class) = (new.area_id.0, item_code.clone(), priority_class.clone());
        let (h, prefix, boost) = self
            .store
            .read(move |conn| {
                let h = hall_in_scope(conn, &reader, Permission::QueueTake, hall)?;
                let prefix = area_prefix(conn, h.id, area)?;
                if let Some(code) = &item {
                    check_item(conn, code, "item_code")?;
                }
                let boost = match class.as_deref() {
                    Some(name) => load_settings(conn, h.id)?
                        .priority_classes
                        .iter()
                        .find(|c| c.name == name)
                        .map(|c| c.boost_minutes)
                        .ok_or_else(|| {
                            Error::invalid("priority_class", "no such priority class in this hall")
                        })?,
                    None => 0,
                };
                Ok((h, prefix, boost))
            })
            .await?;
        let actor = Actor::of(caller);
        let channel = new.channel;
        self.store
            .write(move |conn| {
                let row = issue(
                    conn,
                    now,
                    &actor,
                    &h,
                    Issue {
                        area_id: area,
                        prefix,
                        item_code,
                        channel,
                        priority_class,
                        boost_minutes: boost,
                        visitor,
                        appointment_id: None,
                        day,
                    },
                )?;
                // Just issued: no window, no time spent yet.
                Ok(ticket_of(&row, None, VisitTimes::default()))
            })
            .await
    }

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

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn placeholders_become_numbered_for_postgresql() {
        assert_eq!(
            numbered("SELECT id FROM t WHERE a = ? AND (b = ? OR c IN (SELECT ? ))"),
            "SELECT id FROM t WHERE a = $1 AND (b = $2 OR c IN (SELECT $3 ))"
        );
        assert_eq!(numbered("SELECT 1"), "SELECT 1");
    }
}
