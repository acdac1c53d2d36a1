//! The applicant in the hall's queue: slots, booking and cancelling their own appointments,
//! taking a ticket remotely and following its live place. Bookings and tickets go through the
//! queue service; ownership is the blind index the queue already keeps for each visitor.

use diesel::prelude::*;

use super::{ApplicantIdentity, Portal};
use crate::domain::ids::{AreaId, HallId};
use crate::domain::queue::TicketStatus;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::store::DbConn;
use crate::store::schema::{queue_appointments, queue_ticket_details, queue_tickets};
use crate::wire::portal::{NewPortalAppointment, NewPortalTicket, QueuePosition};
use crate::wire::queue::{Appointment, NewAppointment, NewTicket, Slot, SlotQuery, TicketChannel};
use crate::wire::time;

/// Most bookings listed: the newest.
const MY_APPOINTMENTS: i64 = 50;
/// Longest request id a portal may send for a ticket (the queue keeps it with a prefix).
const MAX_REQUEST_ID: usize = 40;

/// The appointment if it is the applicant's; 404 otherwise.
fn own_appointment(conn: &mut DbConn, who: &ApplicantIdentity, id: i64) -> Result<(), Error> {
    let blind: Option<String> = queue_appointments::table
        .find(id)
        .select(queue_appointments::id_blind)
        .get_result(conn)
        .optional()?;
    if blind.as_deref() == Some(who.blind.as_str()) {
        Ok(())
    } else {
        Err(Error::not_found("appointment", id))
    }
}

/// hall, area, number, item code, status, rank, taken at, day.
type TicketFacts = (i64, i64, String, Option<String>, String, i64, i64, String);

/// The ticket if it was taken by the applicant (their blind index is on it); 404 otherwise.
fn own_ticket(conn: &mut DbConn, who: &ApplicantIdentity, id: i64) -> Result<TicketFacts, Error> {
    let found: Option<(TicketFacts, Option<String>)> = queue_tickets::table
        .inner_join(queue_ticket_details::table)
        .filter(queue_tickets::id.eq(id))
        .select((
            (
                queue_tickets::hall_id,
                queue_tickets::area_id,
                queue_tickets::number,
                queue_tickets::item_code,
                queue_tickets::status,
                queue_tickets::rank_at,
                queue_tickets::taken_at,
                queue_tickets::day,
            ),
            queue_ticket_details::id_blind,
        ))
        .get_result(conn)
        .optional()?;
    match found {
        Some((facts, Some(blind))) if blind == who.blind => Ok(facts),
        _ => Err(Error::not_found("ticket", id)),
    }
}

impl Services {
    /// A hall's bookable slots, as the applicant sees them.
    pub async fn portal_slots(
        &self,
        portal: &Portal,
        hall: HallId,
        query: SlotQuery,
    ) -> Result<Vec<Slot>, Error> {
        let (acting, _) = portal.acting()?;
        self.list_slots(&acting, hall, query).await
    }

    /// Books a place in a slot in the applicant's name (a person's).
    pub async fn portal_book(
        &self,
        portal: &Portal,
        new: NewPortalAppointment,
    ) -> Result<Appointment, Error> {
        let (acting, who) = portal.acting()?;
        let number = who.person()?.to_owned();
        self.book_appointment(
            &acting,
            new.slot_id,
            NewAppointment {
                applicant_name: who.name.clone(),
                id_number: number,
                channel: new.channel,
            },
        )
        .await
    }

    /// The applicant's bookings, newest first.
    pub async fn portal_my_appointments(&self, portal: &Portal) -> Result<Vec<Appointment>, Error> {
        let (acting, who) = portal.acting()?;
        let blind = who.blind.clone();
        let ids: Vec<i64> = self
            .store
            .read(move |conn| {
                Ok(queue_appointments::table
                    .filter(queue_appointments::id_blind.eq(blind))
                    .order(queue_appointments::id.desc())
                    .limit(MY_APPOINTMENTS)
                    .select(queue_appointments::id)
                    .load(conn)?)
            })
            .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            match self.get_appointment(&acting, id).await {
                Ok(a) => out.push(a),
                // Booked in a hall outside this agent's scope: not shown here.
                Err(Error::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Cancels one of the applicant's bookings.
    pub async fn portal_cancel_appointment(
        &self,
        portal: &Portal,
        id: i64,
    ) -> Result<Appointment, Error> {
        let (acting, who) = portal.acting()?;
        let owner = who.clone();
        self.store
            .read(move |conn| own_appointment(conn, &owner, id))
            .await?;
        self.cancel_appointment(&acting, id).await
    }

    /// Takes a ticket remotely in the applicant's name (a person's) and answers its place.
    pub async fn portal_take_ticket(
        &self,
        portal: &Portal,
        new: NewPortalTicket,
    ) -> Result<QueuePosition, Error> {
        let (acting, who) = portal.acting()?;
        let mut v = Validator::new();
        if let Some(r) = &new.request_id {
            v.text(r, "request_id", MAX_REQUEST_ID);
        }
        v.finish()?;
        let number = who.person()?.to_owned();
        // The queue keys retries by the taker's account, which all applicants of one agent
        // share: the applicant's blind index keeps their request ids apart.
        let request_id = new
            .request_id
            .as_deref()
            .map(|r| format!("{}:{}", &who.blind[..20.min(who.blind.len())], r.trim()));
        let ticket = self
            .take_ticket(
                &acting,
                new.hall_id,
                NewTicket {
                    area_id: new.area_id,
                    item_code: new.item_code,
                    channel: TicketChannel::Api,
                    priority_class: None,
                    id_number: Some(number),
                    request_id,
                },
            )
            .await?;
        self.portal_ticket_position(portal, ticket.id).await
    }

    /// One of the applicant's tickets and its live place: how many will be called first and
    /// the estimated wait, from the area's windows on duty and today's mean service time.
    pub async fn portal_ticket_position(
        &self,
        portal: &Portal,
        id: i64,
    ) -> Result<QueuePosition, Error> {
        let (acting, who) = portal.acting()?;
        let owner = who.clone();
        let (facts, ahead) = self
            .store
            .read(move |conn| {
                let facts = own_ticket(conn, &owner, id)?;
                let (hall, area, rank) = (facts.0, facts.1, facts.5);
                let waiting = TicketStatus::parse(&facts.4) == Some(TicketStatus::Waiting);
                let ahead: i64 = if waiting {
                    queue_tickets::table
                        .filter(queue_tickets::hall_id.eq(hall))
                        .filter(queue_tickets::area_id.eq(area))
                        .filter(queue_tickets::status.eq(TicketStatus::Waiting.as_str()))
                        .filter(queue_tickets::day.eq(&facts.7))
                        .filter(
                            queue_tickets::rank_at.lt(rank).or(queue_tickets::rank_at
                                .eq(rank)
                                .and(queue_tickets::id.lt(id))),
                        )
                        .count()
                        .get_result(conn)?
                } else {
                    0
                };
                Ok((facts, ahead))
            })
            .await?;
        let (hall, area, number, item_code, status, _, taken_at, _) = facts;
        let state = self.queue_state(&acting, HallId(hall)).await?;
        let area_state = state.areas.iter().find(|a| a.area_id == AreaId(area));
        let on_duty = area_state.map_or(0, |a| a.windows_on_duty);
        let mean = area_state.map_or(0, |a| a.mean_service_ms);
        let window_number = state
            .windows
            .iter()
            .find(|w| w.current.as_ref().is_some_and(|c| c.ticket_id == id))
            .map(|w| w.number.clone());
        Ok(QueuePosition {
            ticket_id: id,
            number,
            hall_id: HallId(hall),
            area_id: AreaId(area),
            item_code,
            status: TicketStatus::parse(&status).unwrap_or(TicketStatus::Void),
            taken_at: time(taken_at),
            ahead,
            windows_on_duty: on_duty,
            mean_service_ms: mean,
            estimated_wait_ms: ahead * mean / on_duty.max(1),
            window_number,
        })
    }
}
