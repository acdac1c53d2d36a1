//! Issuing tickets: the daily number, the ticket's rows and first interval, its event; and
//! taking a ticket at a kiosk, through the API or at the front desk.

use diesel::prelude::*;

use super::rows::{load_ticket, wire_ticket};
use super::{
    EventExtra, HallLoc, TicketRow, hall_in_scope, load_settings, open_interval, record_ticket,
    ticket_of,
};
use crate::clock::Millis;
use crate::domain::access::{Caller, Permission};
use crate::domain::catalogue::valid_item_code;
use crate::domain::identity::IdNumber;
use crate::domain::queue::{
    AgeBand, IntervalState, TicketStatus, VisitTimes, age_on, item_group, rank_at, ticket_number,
};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor};
use crate::service::cases::local_date;
use crate::store::DbConn;
use crate::store::kept::Keep;
use crate::store::schema::{
    catalogue_items, hall_areas, queue_numbers, queue_ticket_details, queue_tickets,
};
use crate::wire::queue::{NewTicket, Ticket, TicketChannel};

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
    /// The taker's request key, for idempotent takes.
    pub request_key: Option<String>,
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

pub(super) fn sql_for(conn: &DbConn, sql: &str) -> String {
    match conn {
        DbConn::Pg(_) => numbered(sql),
        DbConn::Sqlite(_) => sql.to_owned(),
    }
}

/// The next sequence of an area for a day, atomically: an upsert that takes the row lock on
/// PostgreSQL (concurrent takers wait for each other's commit, never share a number). Kept
/// prepared: diesel would prepare an upsert anew every time.
fn next_seq(conn: &mut DbConn, area: i64, day: &str) -> Result<i64, Error> {
    Ok(crate::on_backend!(conn, |c| diesel::insert_into(
        queue_numbers::table
    )
    .values((
        queue_numbers::area_id.eq(area),
        queue_numbers::day.eq(day),
        queue_numbers::last.eq(1_i64),
    ))
    .on_conflict((queue_numbers::area_id, queue_numbers::day))
    .do_update()
    .set(queue_numbers::last.eq(queue_numbers::last + 1_i64))
    .returning(queue_numbers::last)
    .kept()
    .get_result(c))?)
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
    let id: i64 = crate::on_backend!(conn, |c| diesel::insert_into(queue_tickets::table)
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
        .get_result(c))?;
    crate::on_backend!(conn, |c| diesel::insert_into(queue_ticket_details::table)
        .values((
            queue_ticket_details::ticket_id.eq(id),
            queue_ticket_details::first_area_id.eq(issue.area_id),
            queue_ticket_details::channel.eq(issue.channel.as_str()),
            queue_ticket_details::priority_class.eq(issue.priority_class.as_deref()),
            queue_ticket_details::appointment_id.eq(issue.appointment_id),
            queue_ticket_details::id_blind.eq(issue.visitor.as_ref().map(|v| v.blind.as_str())),
            queue_ticket_details::age_band.eq(issue.visitor.as_ref().map(|v| v.band.as_str())),
            queue_ticket_details::request_key.eq(issue.request_key.as_deref()),
        ))
        .execute(c))?;
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

/// The ticket an earlier take with the same request key issued, if any.
fn taken_for(conn: &mut DbConn, key: &str) -> Result<Option<TicketRow>, Error> {
    let id: Option<i64> = queue_ticket_details::table
        .filter(queue_ticket_details::request_key.eq(key))
        .select(queue_ticket_details::ticket_id)
        .get_result(conn)
        .optional()?;
    match id {
        Some(id) => load_ticket(conn, id),
        None => Ok(None),
    }
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
        if let Some(id) = &new.request_id {
            v.text(id, "request_id", 64);
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
        let request_key = new
            .request_id
            .as_deref()
            .map(|id| format!("{}:{}", caller.user_id.0, id.trim()));
        self.store
            .write(move |conn| {
                if let Some(key) = &request_key
                    && let Some(first) = taken_for(conn, key)?
                {
                    return wire_ticket(conn, &first, now);
                }
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
                        request_key,
                    },
                )?;
                // Just issued: no window, no time spent yet.
                Ok(ticket_of(&row, None, VisitTimes::default()))
            })
            .await
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
