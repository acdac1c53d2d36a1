//! The credit platform's validation results, posted back to
//! `POST /connectors/NAME/publicity-results`: stored before they are acknowledged, idempotent
//! by the platform's message id, and kept on the report they name (shown on the case).

use diesel::prelude::*;
use serde_json::json;

use super::report_of;
use crate::domain::access::Caller;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::integrations::Format;
use crate::service::integrations::inbound::Received;
use crate::store::schema::{events, outbox_deliveries, publicity_reports};
use crate::wire::integrations::InboundAnswer;
use crate::wire::publicity::PublicityResult;

fn answer(peer: &str, r: &PublicityResult, status: &str, reason: Option<&str>) -> InboundAnswer {
    InboundAnswer {
        peer: peer.to_owned(),
        message_id: r.message_id.trim().to_owned(),
        status: status.to_owned(),
        reason: reason.map(str::to_owned),
        evaluation_id: None,
        order_status: None,
        punishment_id: None,
    }
}

impl Services {
    /// Takes a validation result of the credit platform; answers whether it was new.
    pub async fn receive_publicity_result(
        &self,
        caller: &Caller,
        peer: &str,
        result: PublicityResult,
    ) -> Result<(InboundAnswer, bool), Error> {
        let cfg = self.inbound_peer(caller, peer)?;
        if cfg.format != Format::CreditPublicity {
            return Err(Error::not_found("double publicity connector", peer));
        }
        let mut v = Validator::new();
        v.text(&result.message_id, "message_id", 128);
        v.text(&result.report_id, "report_id", 200);
        if let Some(m) = &result.message {
            v.check(
                m.chars().count() <= 1_000,
                "message",
                "must be at most 1000 characters",
            );
        }
        v.finish()?;
        let body = serde_json::to_string(&result).map_err(|e| Error::Internal(e.to_string()))?;
        let received = Received {
            peer: peer.to_owned(),
            message_id: result.message_id.trim().to_owned(),
            reference: Some(result.report_id.trim().to_owned()),
            body,
        };
        self.receive_with(caller, received, || {
            self.apply_publicity_result(caller, peer, result)
        })
        .await
    }

    async fn apply_publicity_result(
        &self,
        caller: &Caller,
        peer: &str,
        result: PublicityResult,
    ) -> Result<InboundAnswer, Error> {
        let now = self.clock.now();
        let (actor, peer) = (Actor::of(caller), peer.to_owned());
        self.store
            .write(move |conn| {
                let case_id: Option<i64> = outbox_deliveries::table
                    .inner_join(events::table)
                    .filter(outbox_deliveries::connector.eq(&peer))
                    .filter(outbox_deliveries::idempotency_key.eq(result.report_id.trim()))
                    .filter(events::entity.eq("case"))
                    .select(events::entity_id)
                    .get_result(conn)
                    .optional()?;
                let Some(report) = case_id.map(|c| report_of(conn, c)).transpose()?.flatten()
                else {
                    let why = "the report_id names no report of ours";
                    return Ok(answer(&peer, &result, "ignored", Some(why)));
                };
                let message = result.message.as_deref().map(str::trim);
                diesel::update(publicity_reports::table.find(report.case_id))
                    .set((
                        publicity_reports::validation_status.eq(result.result.as_str()),
                        publicity_reports::validation_message.eq(message),
                        publicity_reports::validated_at.eq(now),
                    ))
                    .execute(conn)?;
                let payload = json!({
                    "connector": peer, "report_id": result.report_id.trim(),
                    "result": result.result, "message": message,
                });
                audit::record(
                    conn,
                    now,
                    &actor,
                    Change {
                        region_id: Some(report.region_id),
                        department_id: Some(report.department_id),
                        before: Some(json!({"validation": report.validation_status})),
                        after: Some(json!({"validation": result.result})),
                        payload,
                        ..Change::new(
                            "publicity.validate",
                            "publicity.validated",
                            "case",
                            report.case_id,
                        )
                    },
                )?;
                Ok(answer(&peer, &result, "applied", None))
            })
            .await
    }
}
