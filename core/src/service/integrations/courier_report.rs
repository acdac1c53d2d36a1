//! A courier's reports posted back (`POST /connectors/NAME/inbound` of a `courier` connector):
//! `reference` is the idempotency key of the order yiwang sent it, `status` where the order
//! stands, `waybill_no` the waybill it assigned, `at` when it happened, `text` its note. A
//! courier can only report on orders sent to it: the reference must name one of this
//! connector's deliveries.

use diesel::prelude::*;

use super::courier::{Report, record_report};
use super::inbound::ignored;
use crate::domain::access::Caller;
use crate::domain::courier::CourierStatus;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::Actor;
use crate::service::cases::serial_no;
use crate::store::schema::{events, outbox_deliveries};
use crate::wire::integrations::{InboundAnswer, InboundMessage};

/// Checks a report before it is stored, so a malformed one is a 422 that changes nothing.
pub(crate) fn check(v: &mut Validator, msg: &InboundMessage) {
    v.check(
        msg.status
            .as_deref()
            .and_then(CourierStatus::parse_reported)
            .is_some(),
        "status",
        "accepted, collected, in_transit, out_for_delivery, delivered, failed or returned",
    );
    if let Some(w) = &msg.waybill_no {
        v.check(
            serial_no(w.trim()),
            "waybill_no",
            "must be 6–40 letters, digits or '-'",
        );
    }
}

impl Services {
    pub(super) async fn apply_courier_report(
        &self,
        caller: &Caller,
        peer: &str,
        msg: &InboundMessage,
        reference: String,
    ) -> Result<InboundAnswer, Error> {
        let Some(status) = msg
            .status
            .as_deref()
            .and_then(CourierStatus::parse_reported)
        else {
            return Ok(ignored(peer, msg, "not a courier status"));
        };
        let p = peer.to_owned();
        let order_id: Option<i64> = self
            .store
            .read(move |conn| {
                Ok(outbox_deliveries::table
                    .inner_join(events::table)
                    .filter(outbox_deliveries::connector.eq(&p))
                    .filter(outbox_deliveries::idempotency_key.eq(&reference))
                    .filter(events::entity.eq("courier_order"))
                    .select(events::entity_id)
                    .get_result(conn)
                    .optional()?)
            })
            .await?;
        let Some(order_id) = order_id else {
            return Ok(ignored(
                peer,
                msg,
                "the reference names no courier order sent to this peer",
            ));
        };
        let now = self.clock.now();
        let (actor, p, m) = (Actor::of(caller), peer.to_owned(), msg.clone());
        let order = self
            .store
            .write(move |conn| {
                let report = Report {
                    peer: &p,
                    message_id: m.message_id.trim(),
                    order_id,
                    status,
                    waybill_no: m.waybill_no.as_deref().map(str::trim),
                    at: m.at.map_or(now, |t| t.timestamp_millis()),
                    note: m.text.trim(),
                };
                record_report(conn, &actor, &report, now)
            })
            .await?;
        Ok(InboundAnswer {
            peer: peer.to_owned(),
            message_id: msg.message_id.trim().to_owned(),
            status: "applied".into(),
            reason: None,
            evaluation_id: None,
            order_status: Some(order.status),
            punishment_id: None,
        })
    }
}
