//! A regulator's feedback (反馈) and the supervision of the interaction itself.
//!
//! Feedback arrives as an inbound message of the regulator's connector, naming the push it
//! answers by its idempotency key (`reference`) and saying in `data` what the regulator found.
//! A violation lists the case's applicant (or the entity the regulator names) on the
//! punishment list, with the regulator as its source. A case result the regulator acknowledged
//! becomes a push waiting for feedback for the regulator's working days; the leader's
//! `regulator-feedback` job raises a red workflow card on each one left unanswered.

use std::time::Duration;

use diesel::prelude::*;
use serde_json::json;

use super::{RegulatorRow, by_connector};
use crate::clock::Millis;
use crate::domain::access::Caller;
use crate::domain::regulation::{EntityKind, Verdict};
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::cases::{CaseRow, local_date};
use crate::service::intermediaries::working_days_end;
use crate::service::jobs::JobSpec;
use crate::service::punishment::{self, Listing, Sealed};
use crate::service::supervision::workflow_cards::{self, Late, open_cards};
use crate::store::DbConn;
use crate::store::schema::{
    cases, events, outbox_deliveries, regulator_feedback, regulator_pushes, regulators,
};
use crate::wire::cases::ApplicantKind;
use crate::wire::complaints::CardSubject;
use crate::wire::integrations::{InboundAnswer, InboundMessage};
use crate::wire::regulation::RegulatorFeedback;

/// The step of a late push's card.
pub(crate) const FEEDBACK: &str = "feedback";
/// The case events that carry a result the regulator must answer.
const RESULTS: [&str; 2] = ["case.approved", "case.denied"];

/// The feedback in a regulator's message, or 422 naming what is wrong, before anything is
/// stored.
pub(crate) fn parse(msg: &InboundMessage) -> Result<RegulatorFeedback, Error> {
    let data = msg
        .data
        .clone()
        .ok_or_else(|| Error::invalid("data", "a regulator's feedback needs data.verdict"))?;
    let f: RegulatorFeedback =
        serde_json::from_value(data).map_err(|e| Error::invalid("data", e.to_string()))?;
    if msg.reference.is_none() {
        return Err(Error::invalid(
            "reference",
            "name the push answered by its idempotency key",
        ));
    }
    if let Some(e) = &f.entity {
        e.kind
            .number(e.number.trim())
            .map_err(|r| Error::invalid("data.entity.number", r))?;
    }
    Ok(f)
}

fn answer(peer: &str, msg: &InboundMessage, status: &str, reason: Option<&str>) -> InboundAnswer {
    InboundAnswer {
        peer: peer.to_owned(),
        message_id: msg.message_id.trim().to_owned(),
        status: status.into(),
        reason: reason.map(str::to_owned),
        evaluation_id: None,
        order_status: None,
        punishment_id: None,
    }
}

impl Services {
    /// Applies a regulator's feedback: stored with its verdict, the pushes of the case to this
    /// regulator answered (their late cards closed), and on a violation the entity listed.
    pub(crate) async fn apply_regulator_feedback(
        &self,
        caller: &Caller,
        peer: &str,
        msg: &InboundMessage,
    ) -> Result<InboundAnswer, Error> {
        let feedback = parse(msg)?;
        let who = match &feedback.entity {
            Some(e) => Some(punishment::seal(&self.vault, e, "data.entity")?),
            None => None,
        };
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        let (peer, msg, actor) = (peer.to_owned(), msg.clone(), Actor::of(caller));
        self.store
            .write(move |conn| {
                let Some(regulator) = by_connector(conn, &peer)? else {
                    return Ok(answer(
                        &peer,
                        &msg,
                        "ignored",
                        Some("no regulator is set up"),
                    ));
                };
                let reference = msg.reference.clone().unwrap_or_default();
                let case: Option<CaseRow> = outbox_deliveries::table
                    .inner_join(events::table)
                    .inner_join(cases::table.on(cases::id.eq(events::entity_id)))
                    .filter(outbox_deliveries::connector.eq(&peer))
                    .filter(outbox_deliveries::idempotency_key.eq(&reference))
                    .filter(events::entity.eq("case"))
                    .select(CaseRow::as_select())
                    .get_result(conn)
                    .optional()?;
                let Some(case) = case else {
                    return Ok(answer(
                        &peer,
                        &msg,
                        "ignored",
                        Some("the reference names no push of ours"),
                    ));
                };
                let id = msg.message_id.trim();
                // Applied by a try whose answer was not stored: the same answer again.
                let applied: Option<Option<i64>> = regulator_feedback::table
                    .filter(regulator_feedback::regulator_id.eq(regulator.id))
                    .filter(regulator_feedback::message_id.eq(id))
                    .select(regulator_feedback::punishment_id)
                    .get_result(conn)
                    .optional()?;
                if let Some(punished) = applied {
                    let mut a = answer(&peer, &msg, "applied", None);
                    a.punishment_id = punished;
                    return Ok(a);
                }
                let punished = if feedback.verdict == Verdict::Violation {
                    let who = match who {
                        Some(w) => w,
                        None => applicant(conn, &case)?,
                    };
                    let today = local_date(now, tz);
                    let (from, to) =
                        punishment::default_span(None, feedback.listed_until, today, tz)?;
                    let source = format!("regulator:{}", regulator.connector);
                    let source_ref = format!("{}:{id}", regulator.connector);
                    let listing = Listing {
                        reason: &msg.text,
                        source: &source,
                        source_ref: Some(&source_ref),
                        region_id: case.region_id,
                        valid_from: from,
                        valid_to: to,
                    };
                    Some(punishment::list_entity(conn, now, &actor, &who, &listing)?.id)
                } else {
                    None
                };
                store_feedback(
                    conn, now, &actor, &regulator, &case, id, &msg.text, punished,
                )?;
                let mut a = answer(&peer, &msg, "applied", None);
                a.punishment_id = punished;
                Ok(a)
            })
            .await
    }
}

/// The case's applicant as a list entry: its sealed number and index as the case keeps them.
fn applicant(conn: &mut DbConn, case: &CaseRow) -> Result<Sealed, Error> {
    let (sealed, blind): (String, String) = cases::table
        .find(case.id)
        .select((cases::id_sealed, cases::id_blind))
        .get_result(conn)?;
    let d = case.details()?;
    Ok(Sealed {
        kind: match d.applicant_kind {
            ApplicantKind::Person => EntityKind::Person,
            ApplicantKind::Organisation => EntityKind::Organisation,
        },
        name: d.applicant_name,
        sealed,
        blind,
        masked: d.id_masked,
    })
}

#[allow(clippy::too_many_arguments)]
fn store_feedback(
    conn: &mut DbConn,
    now: Millis,
    actor: &Actor,
    regulator: &RegulatorRow,
    case: &CaseRow,
    message_id: &str,
    text: &str,
    punished: Option<i64>,
) -> Result<(), Error> {
    let verdict = if punished.is_some() {
        Verdict::Violation
    } else {
        Verdict::Compliant
    };
    let id: i64 = diesel::insert_into(regulator_feedback::table)
        .values((
            regulator_feedback::regulator_id.eq(regulator.id),
            regulator_feedback::case_id.eq(case.id),
            regulator_feedback::message_id.eq(message_id),
            regulator_feedback::verdict.eq(verdict.as_str()),
            regulator_feedback::content.eq(text),
            regulator_feedback::punishment_id.eq(punished),
            regulator_feedback::received_at.eq(now),
        ))
        .returning(regulator_feedback::id)
        .get_result(conn)?;
    let waiting: Vec<i64> = regulator_pushes::table
        .filter(regulator_pushes::regulator_id.eq(regulator.id))
        .filter(regulator_pushes::case_id.eq(case.id))
        .filter(regulator_pushes::feedback_at.is_null())
        .select(regulator_pushes::id)
        .load(conn)?;
    diesel::update(regulator_pushes::table.filter(regulator_pushes::id.eq_any(&waiting)))
        .set(regulator_pushes::feedback_at.eq(now))
        .execute(conn)?;
    for push in &waiting {
        workflow_cards::close(
            conn,
            now,
            actor,
            CardSubject::RegulatorPush,
            *push,
            FEEDBACK,
        )?;
    }
    // The text may name people: the audit entry and the event carry the verdict and ids only.
    let payload = json!({"regulator": regulator.connector, "case_no": case.case_no,
                         "message_id": message_id, "verdict": verdict.as_str(),
                         "punishment_id": punished, "pushes_answered": waiting});
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(case.region_id),
            department_id: Some(case.department_id),
            after: Some(payload.clone()),
            payload,
            ..Change::new(
                "regulator.feedback",
                "regulator.feedback_received",
                "regulator_feedback",
                id,
            )
        },
    )?;
    Ok(())
}

/// The jobs of the interaction's supervision (the runner runs them on the leader only).
pub fn jobs() -> Vec<JobSpec> {
    vec![JobSpec::new(
        "regulator-feedback",
        Duration::from_secs(2),
        watch_feedback,
    )]
}

/// A result a regulator acknowledged and that has no push yet: delivery, regulator, case,
/// when delivered.
type Acknowledged = (i64, i64, i64, i64, i64, Option<i64>, i64);

/// Records each case result a regulator acknowledged as a push waiting for feedback (due after
/// the regulator's working days), then raises a red card on every push past its due time.
pub async fn watch_feedback(services: Services) -> Result<String, Error> {
    let now = services.clock.now();
    let tz = services.config.time_zone()?;
    let acked: Vec<Acknowledged> = services
        .store
        .read(move |conn| {
            let pushed = regulator_pushes::table.select(regulator_pushes::delivery_id);
            Ok(outbox_deliveries::table
                .inner_join(events::table)
                .inner_join(
                    regulators::table.on(regulators::connector.eq(outbox_deliveries::connector)),
                )
                .inner_join(cases::table.on(cases::id.eq(events::entity_id)))
                .filter(outbox_deliveries::status.eq("delivered"))
                .filter(outbox_deliveries::receipt.is_not_null())
                .filter(events::entity.eq("case"))
                .filter(events::kind.eq_any(RESULTS))
                .filter(outbox_deliveries::id.ne_all(pushed))
                .order(outbox_deliveries::id.asc())
                .limit(500)
                .select((
                    outbox_deliveries::id,
                    regulators::id,
                    cases::id,
                    cases::region_id,
                    cases::department_id,
                    outbox_deliveries::finished_at,
                    regulators::feedback_days,
                ))
                .load(conn)?)
        })
        .await?;
    let mut pushes = Vec::with_capacity(acked.len());
    for (delivery, regulator, case, region, department, at, days) in acked {
        let at = at.unwrap_or(now);
        let due = working_days_end(at, tz, u32::try_from(days).unwrap_or(1))?;
        pushes.push((delivery, regulator, case, region, department, at, due));
    }
    let (recorded, carded) = services
        .store
        .write(move |conn| {
            for (delivery, regulator, case, region, department, at, due) in &pushes {
                // Feedback may come before the push is recorded here.
                let answered: Option<i64> = regulator_feedback::table
                    .filter(regulator_feedback::regulator_id.eq(regulator))
                    .filter(regulator_feedback::case_id.eq(case))
                    .select(diesel::dsl::max(regulator_feedback::received_at))
                    .get_result(conn)?;
                diesel::insert_into(regulator_pushes::table)
                    .values((
                        regulator_pushes::regulator_id.eq(regulator),
                        regulator_pushes::delivery_id.eq(delivery),
                        regulator_pushes::case_id.eq(case),
                        regulator_pushes::region_id.eq(region),
                        regulator_pushes::department_id.eq(department),
                        regulator_pushes::pushed_at.eq(at),
                        regulator_pushes::due_at.eq(due),
                        regulator_pushes::feedback_at.eq(answered),
                    ))
                    .execute(conn)?;
            }
            let late: Vec<(i64, i64, i64, i64)> = regulator_pushes::table
                .filter(regulator_pushes::feedback_at.is_null())
                .filter(regulator_pushes::due_at.le(now))
                .filter(regulator_pushes::id.ne_all(open_cards(CardSubject::RegulatorPush)))
                .order(regulator_pushes::id.asc())
                .limit(500)
                .select((
                    regulator_pushes::id,
                    regulator_pushes::region_id,
                    regulator_pushes::department_id,
                    regulator_pushes::due_at,
                ))
                .load(conn)?;
            let mut carded = 0;
            for (id, region_id, department_id, due_at) in late {
                let late = Late {
                    subject: CardSubject::RegulatorPush,
                    subject_id: id,
                    step: FEEDBACK,
                    region_id,
                    department_id: Some(department_id),
                    due_at,
                };
                carded += usize::from(workflow_cards::open(conn, now, &late)?);
            }
            Ok((pushes.len(), carded))
        })
        .await?;
    Ok(format!(
        "{recorded} pushes recorded, {carded} late feedback cards"
    ))
}
