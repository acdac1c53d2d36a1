//! Inbound messages (callbacks) from peers: authenticated by the peer's API key (its user must
//! be the connector's `inbound_user` and hold `integration.callback`), stored before they are
//! acknowledged, and idempotent by the peer's own message id: a repeat gets the stored answer.
//!
//! A reply that names one of this connector's deliveries of a case event and reads "1" to "5"
//! becomes the case's evaluation (source `sms`, the message id as its source message id),
//! through the same use case as every other rating.

use diesel::prelude::*;
use serde_json::json;

use super::config::Format;
use super::courier_report;
use super::deliveries::EventRow;
use crate::domain::access::{Caller, Permission};
use crate::error::{Error, Validator};
use crate::service::audit::{self, Actor, Change};
use crate::service::{Services, regulators};
use crate::store::DbConn;
use crate::store::schema::{events, inbound_messages, outbox_deliveries};
use crate::wire::integrations::{InboundAnswer, InboundMessage};
use crate::wire::supervision::{EvaluationSource, NewEvaluation};

/// A rating reply as the citizen typed it: one digit from 1 to 5, spaces and a full-width
/// digit allowed (phones in Chinese input mode send "５").
pub(crate) fn rating_of(text: &str) -> Option<u8> {
    let t = text.trim();
    let mut chars = t.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    let d = match c {
        '1'..='5' => c as u32 - '0' as u32,
        '１'..='５' => c as u32 - '０' as u32,
        _ => return None,
    };
    u8::try_from(d).ok()
}

enum Stored {
    /// Answered before: the same answer again.
    Answered(InboundAnswer),
    /// New, or stored by a try that did not finish: to be applied now.
    ToApply,
}

pub(super) fn ignored(peer: &str, m: &InboundMessage, reason: &str) -> InboundAnswer {
    InboundAnswer {
        peer: peer.to_owned(),
        message_id: m.message_id.trim().to_owned(),
        status: "ignored".into(),
        reason: Some(reason.to_owned()),
        evaluation_id: None,
        order_status: None,
        punishment_id: None,
    }
}

impl Services {
    /// Takes a peer's message: stored first (and answered as before if it is a repeat), then
    /// applied. Answers whether it was new.
    pub async fn receive_inbound(
        &self,
        caller: &Caller,
        peer: &str,
        msg: InboundMessage,
    ) -> Result<(InboundAnswer, bool), Error> {
        let cfg = self.inbound_peer(caller, peer)?;
        let mut v = Validator::new();
        v.text(&msg.message_id, "message_id", 128);
        v.check(
            msg.text.chars().count() <= 1_000,
            "text",
            "must be at most 1000 characters",
        );
        if let Some(r) = &msg.reference {
            v.check(
                r.chars().count() <= 200,
                "reference",
                "must be at most 200 characters",
            );
        }
        if cfg.format == Format::Courier {
            courier_report::check(&mut v, &msg);
        }
        v.finish()?;
        if cfg.format == Format::Regulator {
            regulators::feedback::parse(&msg)?;
        }
        let body = serde_json::to_string(&msg).map_err(|e| Error::Internal(e.to_string()))?;
        let received = Received {
            peer: peer.to_owned(),
            message_id: msg.message_id.trim().to_owned(),
            reference: msg.reference.clone(),
            body,
        };
        let regulator = cfg.format == Format::Regulator;
        self.receive_with(caller, received, || async {
            if regulator {
                self.apply_regulator_feedback(caller, peer, &msg).await
            } else {
                self.apply_inbound(caller, peer, &msg).await
            }
        })
        .await
    }

    /// The peer's configuration, when the caller is its inbound user and may call back.
    pub(crate) fn inbound_peer(
        &self,
        caller: &Caller,
        peer: &str,
    ) -> Result<&super::ConnectorConfig, Error> {
        let cfg = self
            .config
            .integrations
            .connectors
            .get(peer)
            .ok_or_else(|| Error::not_found("connector", peer))?;
        if !caller.has(Permission::IntegrationCallback)
            || cfg.inbound_user.as_deref() != Some(caller.username.as_str())
        {
            return Err(Error::forbidden(
                "only the peer's own API key may post its messages",
            ));
        }
        Ok(cfg)
    }

    /// The flow every inbound message follows: stored (with its audit entry) before anything
    /// else, a repeat answered as the first, then `apply` and its answer stored.
    pub(crate) async fn receive_with<F, Fut>(
        &self,
        caller: &Caller,
        received: Received,
        apply: F,
    ) -> Result<(InboundAnswer, bool), Error>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<InboundAnswer, Error>>,
    {
        let now = self.clock.now();
        let (r, actor) = (received.clone(), Actor::of(caller));
        let stored = self
            .store
            .write(move |conn| store_message(conn, now, &actor, &r))
            .await?;
        if let Stored::Answered(a) = stored {
            return Ok((a, false));
        }
        let answer = apply().await?;
        let text = serde_json::to_string(&answer).map_err(|e| Error::Internal(e.to_string()))?;
        let status = answer.status.clone();
        self.store
            .write(move |conn| {
                diesel::update(
                    inbound_messages::table
                        .filter(inbound_messages::peer.eq(&received.peer))
                        .filter(inbound_messages::message_id.eq(&received.message_id)),
                )
                .set((
                    inbound_messages::status.eq(&status),
                    inbound_messages::answer.eq(&text),
                ))
                .execute(conn)?;
                Ok(())
            })
            .await?;
        Ok((answer, true))
    }

    async fn apply_inbound(
        &self,
        caller: &Caller,
        peer: &str,
        msg: &InboundMessage,
    ) -> Result<InboundAnswer, Error> {
        let Some(reference) = msg.reference.clone() else {
            return Ok(ignored(peer, msg, "no reference to a message of ours"));
        };
        let format = self
            .config
            .integrations
            .connectors
            .get(peer)
            .map(|c| c.format);
        if format == Some(Format::Courier) {
            return self
                .apply_courier_report(caller, peer, msg, reference)
                .await;
        }
        let Some(rating) = rating_of(&msg.text) else {
            return Ok(ignored(peer, msg, "not a rating from 1 to 5"));
        };
        let p = peer.to_owned();
        let event: Option<EventRow> = self
            .store
            .read(move |conn| {
                Ok(outbox_deliveries::table
                    .inner_join(events::table)
                    .filter(outbox_deliveries::connector.eq(&p))
                    .filter(outbox_deliveries::idempotency_key.eq(&reference))
                    .select(EventRow::as_select())
                    .get_result(conn)
                    .optional()?)
            })
            .await?;
        let Some(event) = event.filter(|e| e.entity == "case") else {
            return Ok(ignored(
                peer,
                msg,
                "the reference names no case message of ours",
            ));
        };
        let (evaluation, _) = self
            .submit_evaluation(
                caller,
                NewEvaluation {
                    source: EvaluationSource::Sms,
                    source_message_id: format!("{peer}:{}", msg.message_id.trim()),
                    rating,
                    comment: String::new(),
                    case_id: Some(event.entity_id),
                    ticket_id: None,
                    window_id: None,
                    staff_id: None,
                },
            )
            .await?;
        Ok(InboundAnswer {
            peer: peer.to_owned(),
            message_id: msg.message_id.trim().to_owned(),
            status: "applied".into(),
            reason: None,
            evaluation_id: Some(evaluation.id),
            order_status: None,
            punishment_id: None,
        })
    }
}

/// A peer's message as it is stored: who sent it, its own id, what it answers (an
/// idempotency key of ours) and its whole body as JSON.
#[derive(Clone)]
pub(crate) struct Received {
    pub peer: String,
    pub message_id: String,
    pub reference: Option<String>,
    pub body: String,
}

fn store_message(
    conn: &mut DbConn,
    now: i64,
    actor: &Actor,
    m: &Received,
) -> Result<Stored, Error> {
    let (peer, id) = (m.peer.as_str(), m.message_id.as_str());
    let existing: Option<Option<String>> = inbound_messages::table
        .filter(inbound_messages::peer.eq(peer))
        .filter(inbound_messages::message_id.eq(id))
        .select(inbound_messages::answer)
        .get_result(conn)
        .optional()?;
    match existing {
        Some(Some(answer)) => {
            let a = serde_json::from_str(&answer)
                .map_err(|e| Error::Internal(format!("stored answer: {e}")))?;
            return Ok(Stored::Answered(a));
        }
        Some(None) => return Ok(Stored::ToApply),
        None => {}
    }
    let row: i64 = diesel::insert_into(inbound_messages::table)
        .values((
            inbound_messages::peer.eq(peer),
            inbound_messages::message_id.eq(id),
            inbound_messages::body.eq(&m.body),
            inbound_messages::status.eq("received"),
            inbound_messages::received_at.eq(now),
        ))
        .returning(inbound_messages::id)
        .get_result(conn)?;
    // The text may be personal (a citizen's reply): the audit and the event carry only ids.
    let payload = json!({"peer": peer, "message_id": id, "reference": m.reference});
    audit::record(
        conn,
        now,
        actor,
        Change {
            after: Some(payload.clone()),
            payload,
            ..Change::new(
                "inbound.receive",
                "inbound.received",
                "inbound_message",
                row,
            )
        },
    )?;
    Ok(Stored::ToApply)
}

#[cfg(test)]
mod tests {
    use super::rating_of;

    #[test]
    fn a_rating_is_one_digit_from_one_to_five() {
        assert_eq!(rating_of(" 5 "), Some(5));
        assert_eq!(rating_of("1"), Some(1));
        assert_eq!(rating_of("３"), Some(3));
        assert_eq!(rating_of("0"), None);
        assert_eq!(rating_of("6"), None);
        assert_eq!(rating_of("55"), None);
        assert_eq!(rating_of("好"), None);
        assert_eq!(rating_of(""), None);
    }
}
