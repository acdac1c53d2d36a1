//! Courier orders (物流配送, R-2.2.4): a pickup ordered when an application asks for one, a
//! result delivery ordered when the window sends a result by courier, both in the case's own
//! transaction with a `courier.ordered` event that the `courier` format sends to the courier.
//! The courier's waybill and status reports come back as inbound messages and are kept on the
//! order, each with its time; the window and the applicant's portal track them.

use diesel::prelude::*;
use serde_json::json;

use crate::clock::Millis;
use crate::domain::access::{Caller, Permission};
use crate::domain::case::CaseId;
use crate::domain::courier::{CourierLeg, CourierStatus};
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::cases::{CaseRow, case_in_scope};
use crate::store::DbConn;
use crate::store::schema::{cases, courier_orders, courier_updates};
use crate::wire::courier::{CourierOrderView, CourierTracking, CourierUpdateView};
use crate::wire::time;

/// Who picks up materials: the provincial postal courier (EMS), the one the province connects.
pub(crate) const PICKUP_COMPANY: &str = "EMS";

/// A stored order.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = courier_orders)]
pub(crate) struct OrderRow {
    pub id: i64,
    pub case_id: i64,
    pub leg: String,
    pub company: String,
    pub envelope_no: Option<String>,
    pub waybill_no: Option<String>,
    pub address_sealed: String,
    pub address_masked: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl OrderRow {
    pub(crate) fn leg(&self) -> CourierLeg {
        CourierLeg::parse(&self.leg).unwrap_or(CourierLeg::Result)
    }

    fn status(&self) -> CourierStatus {
        CourierStatus::parse(&self.status).unwrap_or(CourierStatus::Ordered)
    }
}

/// An order to place: the address as (sealed, masked).
pub(crate) struct NewOrder<'a> {
    pub leg: CourierLeg,
    pub company: &'a str,
    pub envelope_no: Option<&'a str>,
    pub waybill_no: Option<&'a str>,
    pub address: (&'a str, &'a str),
}

/// Places an order in the case's transaction, with its audit entry and `courier.ordered` event
/// (ids and masked data only: the format reads and opens the address when it sends).
pub(crate) fn order(
    conn: &mut DbConn,
    actor: &Actor,
    case: &CaseRow,
    new: &NewOrder<'_>,
    now: Millis,
) -> Result<i64, Error> {
    let id: i64 = diesel::insert_into(courier_orders::table)
        .values((
            courier_orders::case_id.eq(case.id),
            courier_orders::leg.eq(new.leg.as_str()),
            courier_orders::region_id.eq(case.region_id),
            courier_orders::company.eq(new.company),
            courier_orders::envelope_no.eq(new.envelope_no),
            courier_orders::waybill_no.eq(new.waybill_no),
            courier_orders::address_sealed.eq(new.address.0),
            courier_orders::address_masked.eq(new.address.1),
            courier_orders::status.eq(CourierStatus::Ordered.as_str()),
            courier_orders::created_at.eq(now),
            courier_orders::updated_at.eq(now),
        ))
        .returning(courier_orders::id)
        .get_result(conn)?;
    let payload = json!({
        "case_id": case.id, "case_no": case.case_no, "leg": new.leg.as_str(),
        "company": new.company, "envelope_no": new.envelope_no, "waybill_no": new.waybill_no,
        "address": new.address.1,
    });
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(case.region_id),
            department_id: Some(case.department_id),
            after: Some(json!({"status": CourierStatus::Ordered.as_str()})),
            payload,
            ..Change::new("courier.order", "courier.ordered", "courier_order", id)
        },
    )?;
    Ok(id)
}

/// Orders the delivery of a result the window just sent by courier (its delivery record holds
/// the company, envelope, waybill when known, and the sealed address).
pub(crate) fn order_result(
    conn: &mut DbConn,
    actor: &Actor,
    case: &CaseRow,
    now: Millis,
) -> Result<(), Error> {
    let d = case.details()?;
    let Some(v) = d.delivery else {
        return Ok(());
    };
    let (Some(sealed), Some(masked)) = (&v.address_sealed, &v.address_masked) else {
        return Ok(());
    };
    let new = NewOrder {
        leg: CourierLeg::Result,
        company: v.courier_company.as_deref().unwrap_or(PICKUP_COMPANY),
        envelope_no: v.envelope_no.as_deref(),
        waybill_no: v.waybill_no.as_deref(),
        address: (sealed, masked),
    };
    order(conn, actor, case, &new, now)?;
    Ok(())
}

/// A courier's report, checked.
pub(crate) struct Report<'a> {
    pub peer: &'a str,
    pub message_id: &'a str,
    pub order_id: i64,
    pub status: CourierStatus,
    pub waybill_no: Option<&'a str>,
    pub at: Millis,
    pub note: &'a str,
}

/// Keeps a courier's report on its order (once per peer message): the order takes the status
/// of its latest report by the courier's time, so reports arriving out of order do not move it
/// back; a waybill number is taken onto the order and, for a result, the case's delivery.
pub(crate) fn record_report(
    conn: &mut DbConn,
    actor: &Actor,
    report: &Report<'_>,
    now: Millis,
) -> Result<OrderRow, Error> {
    let order: OrderRow = courier_orders::table
        .find(report.order_id)
        .select(OrderRow::as_select())
        .get_result(conn)?;
    let known: i64 = courier_updates::table
        .filter(courier_updates::peer.eq(report.peer))
        .filter(courier_updates::message_id.eq(report.message_id))
        .count()
        .get_result(conn)?;
    if known > 0 {
        return Ok(order);
    }
    diesel::insert_into(courier_updates::table)
        .values((
            courier_updates::order_id.eq(order.id),
            courier_updates::status.eq(report.status.as_str()),
            courier_updates::note.eq(report.note),
            courier_updates::at.eq(report.at),
            courier_updates::peer.eq(report.peer),
            courier_updates::message_id.eq(report.message_id),
            courier_updates::received_at.eq(now),
        ))
        .execute(conn)?;
    let latest: String = courier_updates::table
        .filter(courier_updates::order_id.eq(order.id))
        .order((courier_updates::at.desc(), courier_updates::id.desc()))
        .select(courier_updates::status)
        .first(conn)?;
    let waybill = report
        .waybill_no
        .map(str::to_owned)
        .or(order.waybill_no.clone());
    diesel::update(courier_orders::table.find(order.id))
        .set((
            courier_orders::status.eq(&latest),
            courier_orders::waybill_no.eq(&waybill),
            courier_orders::updated_at.eq(now),
        ))
        .execute(conn)?;
    let case: CaseRow = cases::table
        .find(order.case_id)
        .select(CaseRow::as_select())
        .get_result(conn)?;
    if order.leg() == CourierLeg::Result && waybill != order.waybill_no {
        let mut d = case.details()?;
        if let Some(v) = d.delivery.as_mut() {
            v.waybill_no.clone_from(&waybill);
            diesel::update(cases::table.find(case.id))
                .set(cases::details.eq(crate::service::cases::details_json(&d)?))
                .execute(conn)?;
        }
    }
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(case.region_id),
            department_id: Some(case.department_id),
            before: Some(json!({"status": order.status, "waybill_no": order.waybill_no})),
            after: Some(json!({"status": latest, "waybill_no": waybill})),
            payload: json!({
                "case_id": case.id, "case_no": case.case_no, "leg": order.leg,
                "status": report.status.as_str(), "waybill_no": waybill, "at": time(report.at),
                "peer": report.peer, "message_id": report.message_id,
            }),
            ..Change::new(
                "courier.update",
                "courier.updated",
                "courier_order",
                order.id,
            )
        },
    )?;
    Ok(OrderRow {
        status: latest,
        waybill_no: waybill,
        updated_at: now,
        ..order
    })
}

type UpdateRow = (i64, String, String, i64, i64);

fn view(order: &OrderRow, updates: &[UpdateRow]) -> CourierOrderView {
    let status = order.status();
    CourierOrderView {
        leg: order.leg(),
        status,
        status_zh: status.label_zh().to_owned(),
        envelope_no: order.envelope_no.clone(),
        company: order.company.clone(),
        waybill_no: order.waybill_no.clone(),
        address: order.address_masked.clone(),
        ordered_at: time(order.created_at),
        updated_at: time(order.updated_at),
        updates: updates
            .iter()
            .filter(|u| u.0 == order.id)
            .map(|(_, s, note, at, received_at)| {
                let s = CourierStatus::parse(s).unwrap_or(CourierStatus::Ordered);
                CourierUpdateView {
                    status: s,
                    status_zh: s.label_zh().to_owned(),
                    at: time(*at),
                    note: note.clone(),
                    received_at: time(*received_at),
                }
            })
            .collect(),
    }
}

/// A case's courier orders, oldest first, each with every report in the courier's time order;
/// addresses masked.
pub(crate) fn case_orders(conn: &mut DbConn, id: CaseId) -> Result<Vec<CourierOrderView>, Error> {
    let orders: Vec<OrderRow> = courier_orders::table
        .filter(courier_orders::case_id.eq(id.0))
        .order(courier_orders::id.asc())
        .select(OrderRow::as_select())
        .load(conn)?;
    let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let updates: Vec<UpdateRow> = courier_updates::table
        .filter(courier_updates::order_id.eq_any(ids))
        .order((courier_updates::at.asc(), courier_updates::id.asc()))
        .select((
            courier_updates::order_id,
            courier_updates::status,
            courier_updates::note,
            courier_updates::at,
            courier_updates::received_at,
        ))
        .load(conn)?;
    Ok(orders.iter().map(|o| view(o, &updates)).collect())
}

impl Services {
    /// A case's courier orders with every report (case.read over the case's region or
    /// department; outside it the case does not exist).
    pub async fn courier_tracking(
        &self,
        caller: &Caller,
        id: CaseId,
    ) -> Result<CourierTracking, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let located = case_in_scope(conn, &caller, Permission::CaseRead, id)?;
                Ok(CourierTracking {
                    case_id: id,
                    case_no: located.row.case_no.clone(),
                    orders: case_orders(conn, id)?,
                })
            })
            .await
    }
}
