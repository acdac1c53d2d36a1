//! Appointments (预约 / 预登记, R-2.5.2): bookable slots per area and item with a capacity,
//! booking, cancelling, check-in (which issues a ticket with the appointment's head start) and
//! no-shows, marked by a job once the slot is over.

use diesel::prelude::*;
use serde_json::json;

use super::issue::{Issue, Visitor, area_prefix, day_of, issue, visitor};
use super::{HallLoc, load_settings, wire_ticket};
use crate::clock::Millis;
use crate::domain::access::{Caller, Permission};
use crate::domain::ids::{AreaId, HallId};
use crate::domain::queue::AgeBand;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::store::DbConn;
use crate::store::schema::{halls, queue_appointments, queue_slots, regions};
use crate::wire::queue::{
    Appointment, AppointmentStatus, BookingChannel, CheckIn, NewAppointment, Ticket, TicketChannel,
};
use crate::wire::time;

use super::slots::{SlotRow, slot_in_scope};

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = queue_appointments)]
struct AppointmentRow {
    id: i64,
    slot_id: i64,
    hall_id: i64,
    status: String,
    applicant_name: String,
    id_blind: String,
    id_masked: String,
    age_band: String,
    channel: String,
    booked_at: i64,
    ticket_id: Option<i64>,
}

impl AppointmentRow {
    fn status(&self) -> AppointmentStatus {
        AppointmentStatus::parse(&self.status).unwrap_or(AppointmentStatus::Cancelled)
    }

    fn wire(&self, slot: &SlotRow) -> Appointment {
        Appointment {
            id: self.id,
            slot_id: self.slot_id,
            hall_id: HallId(self.hall_id),
            area_id: AreaId(slot.area_id),
            item_code: slot.item_code.clone(),
            starts_at: time(slot.starts_at),
            ends_at: time(slot.ends_at),
            status: self.status(),
            applicant_name: self.applicant_name.clone(),
            id_number: self.id_masked.clone(),
            channel: BookingChannel::parse(&self.channel).unwrap_or(BookingChannel::Web),
            booked_at: time(self.booked_at),
            ticket_id: self.ticket_id,
        }
    }
}

/// The appointment with its slot and hall, or not-found.
fn appointment_in_scope(
    conn: &mut DbConn,
    caller: &Caller,
    perm: Permission,
    id: i64,
) -> Result<(AppointmentRow, SlotRow, HallLoc), Error> {
    let row: AppointmentRow = queue_appointments::table
        .find(id)
        .select(AppointmentRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("appointment", id))?;
    let (slot, hall) = slot_in_scope(conn, caller, perm, row.slot_id).map_err(|e| match e {
        Error::NotFound { .. } => Error::not_found("appointment", id),
        other => other,
    })?;
    Ok((row, slot, hall))
}

fn record_appointment(
    conn: &mut DbConn,
    now: Millis,
    actor: &Actor,
    hall: &HallLoc,
    row: &AppointmentRow,
    slot: &SlotRow,
    (action, event): (&str, &str),
) -> Result<(), Error> {
    let payload = json!({
        "appointment_id": row.id, "slot_id": slot.id, "hall_id": hall.id, "area_id": slot.area_id,
        "item_code": slot.item_code, "status": row.status, "applicant": row.id_masked,
        "starts_at": time(slot.starts_at), "ticket_id": row.ticket_id,
    });
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(hall.region_id),
            after: Some(json!({"status": row.status, "applicant": row.id_masked})),
            payload,
            ..Change::new(action, event, "appointment", row.id)
        },
    )?;
    Ok(())
}

impl Services {
    /// Books a place in a slot; 409 when the slot is full or over, or the person already holds
    /// a booking in it.
    pub async fn book_appointment(
        &self,
        caller: &Caller,
        slot: i64,
        new: NewAppointment,
    ) -> Result<Appointment, Error> {
        let now = self.clock.now();
        let mut v = Validator::new();
        v.text(&new.applicant_name, "applicant_name", 100);
        let person = match visitor(self, &new.id_number, "id_number", now) {
            Ok(p) => Some(p),
            Err(Error::Validation(errors)) => {
                for e in errors {
                    v.push(&e.field, e.reason);
                }
                None
            }
            Err(e) => return Err(e),
        };
        v.finish()?;
        let (id, visitor) = person.ok_or_else(|| Error::invalid("id_number", "missing"))?;
        let sealed = self.vault.seal(id.as_str())?;
        let masked = id.masked();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                audit::lock_chain(conn)?;
                let (mut s, hall) = slot_in_scope(conn, &caller, Permission::QueueTake, slot)?;
                if s.ends_at <= now {
                    return Err(Error::conflict("the slot is over"));
                }
                let twice: i64 = queue_appointments::table
                    .filter(queue_appointments::slot_id.eq(s.id))
                    .filter(queue_appointments::id_blind.eq(&visitor.blind))
                    .filter(queue_appointments::status.eq(AppointmentStatus::Booked.as_str()))
                    .count()
                    .get_result(conn)?;
                if twice > 0 {
                    return Err(Error::conflict(
                        "this person already holds a booking in the slot",
                    ));
                }
                // Guarded increment: of two bookings for the last place, one gets it.
                let n = diesel::update(
                    queue_slots::table
                        .filter(queue_slots::id.eq(s.id))
                        .filter(queue_slots::booked.lt(queue_slots::capacity)),
                )
                .set(queue_slots::booked.eq(queue_slots::booked + 1))
                .execute(conn)?;
                if n != 1 {
                    return Err(Error::conflict(format!(
                        "the slot is full ({} of {} booked)",
                        s.booked, s.capacity
                    )));
                }
                s.booked += 1;
                let id: i64 = diesel::insert_into(queue_appointments::table)
                    .values((
                        queue_appointments::slot_id.eq(s.id),
                        queue_appointments::hall_id.eq(s.hall_id),
                        queue_appointments::status.eq(AppointmentStatus::Booked.as_str()),
                        queue_appointments::applicant_name.eq(new.applicant_name.trim()),
                        queue_appointments::id_sealed.eq(&sealed),
                        queue_appointments::id_blind.eq(&visitor.blind),
                        queue_appointments::id_masked.eq(&masked),
                        queue_appointments::age_band.eq(visitor.band.as_str()),
                        queue_appointments::channel.eq(new.channel.as_str()),
                        queue_appointments::booked_at.eq(now),
                        queue_appointments::changed_at.eq(now),
                    ))
                    .returning(queue_appointments::id)
                    .get_result(conn)?;
                let row = AppointmentRow {
                    id,
                    slot_id: s.id,
                    hall_id: s.hall_id,
                    status: AppointmentStatus::Booked.as_str().into(),
                    applicant_name: new.applicant_name.trim().into(),
                    id_blind: visitor.blind.clone(),
                    id_masked: masked.clone(),
                    age_band: visitor.band.as_str().into(),
                    channel: new.channel.as_str().into(),
                    booked_at: now,
                    ticket_id: None,
                };
                record_appointment(
                    conn,
                    now,
                    &Actor::of(&caller),
                    &hall,
                    &row,
                    &s,
                    ("appointment.book", "appointment.booked"),
                )?;
                Ok(row.wire(&s))
            })
            .await
    }

    pub async fn get_appointment(&self, caller: &Caller, id: i64) -> Result<Appointment, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let (row, slot, _) =
                    appointment_in_scope(conn, &caller, Permission::QueueRead, id)?;
                Ok(row.wire(&slot))
            })
            .await
    }

    /// Cancels a booking; its place becomes free again.
    pub async fn cancel_appointment(&self, caller: &Caller, id: i64) -> Result<Appointment, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                audit::lock_chain(conn)?;
                let (mut row, mut slot, hall) =
                    appointment_in_scope(conn, &caller, Permission::QueueTake, id)?;
                if row.status() != AppointmentStatus::Booked {
                    return Err(Error::conflict(format!(
                        "the appointment is {}",
                        row.status
                    )));
                }
                set_status(conn, &mut row, AppointmentStatus::Cancelled, now)?;
                diesel::update(queue_slots::table.find(slot.id))
                    .set(queue_slots::booked.eq(queue_slots::booked - 1))
                    .execute(conn)?;
                slot.booked -= 1;
                record_appointment(
                    conn,
                    now,
                    &Actor::of(&caller),
                    &hall,
                    &row,
                    &slot,
                    ("appointment.cancel", "appointment.cancelled"),
                )?;
                Ok(row.wire(&slot))
            })
            .await
    }

    /// Checks a booking in: the visitor's ID number must match; issues a ticket in the slot's
    /// area with the hall's appointment head start. 409 when not booked or the slot is over.
    pub async fn check_in_appointment(
        &self,
        caller: &Caller,
        id: i64,
        body: CheckIn,
    ) -> Result<Ticket, Error> {
        let now = self.clock.now();
        let (_, presented) = visitor(self, &body.id_number, "id_number", now)?;
        let day = day_of(self, now)?;
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                audit::lock_chain(conn)?;
                let (mut row, slot, hall) =
                    appointment_in_scope(conn, &caller, Permission::QueueTake, id)?;
                if row.status() != AppointmentStatus::Booked {
                    return Err(Error::conflict(format!(
                        "the appointment is {}",
                        row.status
                    )));
                }
                if presented.blind != row.id_blind {
                    return Err(Error::invalid("id_number", "does not match the booking"));
                }
                if slot.ends_at <= now {
                    return Err(Error::conflict("the slot is over"));
                }
                let settings = load_settings(conn, hall.id)?;
                let prefix = area_prefix(conn, hall.id, slot.area_id)?;
                let actor = Actor::of(&caller);
                let ticket = issue(
                    conn,
                    now,
                    &actor,
                    &hall,
                    Issue {
                        area_id: slot.area_id,
                        prefix,
                        item_code: slot.item_code.clone(),
                        channel: TicketChannel::Appointment,
                        priority_class: None,
                        boost_minutes: settings.appointment_boost_minutes,
                        visitor: Some(Visitor {
                            blind: row.id_blind.clone(),
                            band: AgeBand::parse(&row.age_band).unwrap_or(presented.band),
                        }),
                        appointment_id: Some(row.id),
                        day,
                    },
                )?;
                row.ticket_id = Some(ticket.id);
                set_status(conn, &mut row, AppointmentStatus::CheckedIn, now)?;
                record_appointment(
                    conn,
                    now,
                    &actor,
                    &hall,
                    &row,
                    &slot,
                    ("appointment.check_in", "appointment.checked_in"),
                )?;
                wire_ticket(conn, &ticket, now)
            })
            .await
    }

    /// Marks bookings whose slot is over as no-shows (the `queue-no-show` job); one
    /// transaction, an event per appointment. Returns how many.
    pub async fn mark_no_shows(&self) -> Result<usize, Error> {
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                audit::lock_chain(conn)?;
                let due: Vec<(AppointmentRow, SlotRow)> = queue_appointments::table
                    .inner_join(queue_slots::table)
                    .filter(queue_appointments::status.eq(AppointmentStatus::Booked.as_str()))
                    .filter(queue_slots::ends_at.le(now))
                    .select((AppointmentRow::as_select(), SlotRow::as_select()))
                    .load(conn)?;
                let n = due.len();
                for (mut row, slot) in due {
                    let (region_id, path): (i64, String) = halls::table
                        .inner_join(regions::table)
                        .filter(halls::id.eq(slot.hall_id))
                        .select((halls::region_id, regions::path))
                        .get_result(conn)?;
                    let hall = HallLoc {
                        id: slot.hall_id,
                        region_id,
                        path,
                    };
                    set_status(conn, &mut row, AppointmentStatus::NoShow, now)?;
                    record_appointment(
                        conn,
                        now,
                        &Actor::system(),
                        &hall,
                        &row,
                        &slot,
                        ("appointment.no_show", "appointment.no_show"),
                    )?;
                }
                Ok(n)
            })
            .await
    }
}

fn set_status(
    conn: &mut DbConn,
    row: &mut AppointmentRow,
    to: AppointmentStatus,
    now: Millis,
) -> Result<(), Error> {
    let n = diesel::update(
        queue_appointments::table
            .filter(queue_appointments::id.eq(row.id))
            .filter(queue_appointments::status.eq(&row.status)),
    )
    .set((
        queue_appointments::status.eq(to.as_str()),
        queue_appointments::changed_at.eq(now),
        queue_appointments::ticket_id.eq(row.ticket_id),
    ))
    .execute(conn)?;
    if n != 1 {
        return Err(Error::conflict(
            "the appointment changed meanwhile; reload it",
        ));
    }
    row.status = to.as_str().to_owned();
    Ok(())
}
