//! Notices of cards ("a yellow or red card can notify the responsible person", R-2.6.1):
//! within the calendar's working hours, every live card of a configured severity that is
//! neither silenced nor muted by its case's red card is told once: by SMS to the staff member
//! handling its case (through the `sms` connector) and by mail to the office (through the
//! `email` connector). Off unless `notify.cards.enabled`.
//!
//! Telling a card is one transaction: `notified_at` set, a note on the card, an audit entry and
//! a `notice.card` event that carries the texts and the handler; the connectors deliver the
//! event with retries and parking, so a gateway that is down delays a notice and never loses
//! it. A card opened at night waits for the morning; one that closed meanwhile (a yellow card
//! whose case concluded in time) is never told, and a silenced one is told when its silence
//! ends, if still live. The handler is the last user who acted on the case. Workflow cards
//! (late complaint steps, rectifications …) are told in the same run, after the store's
//! (`workflow_card_notices`).

use std::collections::HashMap;

use diesel::dsl::{exists, not};
use diesel::prelude::*;
use serde_json::json;

use super::anomalies::AnomalyRow;
use super::workflow_card_notices;
use crate::clock::Millis;
use crate::domain::supervision::Severity;
use crate::domain::supervision::cards::AnomalyStatus;
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::calendar::calendar;
use crate::store::DbConn;
use crate::store::schema::{
    anomalies, anomaly_notes, case_history, cases, supervision_rules, users,
};

/// Most cards told in one run (one transaction); the rest wait for the next run.
const BATCH: i64 = 200;
/// Cards opened longer ago are old news the office already sees on its console: turning
/// notices on does not flood people with history. Two weeks outlast the longest holiday.
pub(super) const MAX_AGE_MS: Millis = 14 * 86_400_000;

/// The staff member a card's SMS goes to.
pub(super) struct Handler {
    pub user_id: i64,
    pub name: String,
}

/// One run of the leader's `card-notices` job.
pub async fn notify_cards(services: Services) -> Result<String, Error> {
    let cfg = services.config.notify.cards.clone();
    if !cfg.enabled || cfg.severities.is_empty() {
        return Ok("card notices are off".into());
    }
    let now = services.clock.now();
    let tz = services.config.time_zone()?;
    let local = chrono::DateTime::from_timestamp_millis(now)
        .ok_or_else(|| Error::Internal(format!("time {now} out of range")))?
        .with_timezone(&tz)
        .naive_local();
    let cal = calendar()?;
    if !cfg.hours.is_open(&cal, local) {
        return Ok(format!(
            "outside working hours, next at {}",
            cfg.hours.next_open(&cal, local)
        ));
    }
    let severities: Vec<&'static str> = cfg.severities.iter().map(|s| s.as_str()).collect();
    let office = {
        let smtp = &services.config.notify.smtp;
        if smtp.enabled {
            smtp.office.clone()
        } else {
            Vec::new()
        }
    };
    // A read first: most runs find nothing waiting and need no write transaction.
    let any = {
        let severities = severities.clone();
        services
            .store
            .read(move |conn| {
                Ok(waiting(conn, now, &severities, 1)?.len()
                    + workflow_card_notices::waiting(conn, now, &severities, 1)?.len())
            })
            .await?
    };
    if any == 0 {
        return Ok("no card waits".into());
    }
    let told = services
        .store
        .write(move |conn| {
            let cards = waiting(conn, now, &severities, BATCH)?;
            let case_ids: Vec<i64> = cards.iter().map(|c| c.0.case_id).collect();
            let handlers = handlers(conn, &case_ids)?;
            for (card, case_no, rule_name) in &cards {
                tell(
                    conn,
                    now,
                    card,
                    case_no,
                    rule_name,
                    handlers.get(&card.case_id),
                    &office,
                )?;
            }
            let left = BATCH - cards.len() as i64;
            let workflow = workflow_card_notices::waiting(conn, now, &severities, left)?;
            for card in &workflow {
                workflow_card_notices::tell(conn, now, card, &office)?;
            }
            Ok(cards.len() + workflow.len())
        })
        .await?;
    metrics::counter!("yiwang_card_notices_total").increment(told as u64);
    Ok(format!("{told} card(s) told"))
}

/// Live cards not yet told, oldest first: with their case's number and their rule's name.
fn waiting(
    conn: &mut DbConn,
    now: Millis,
    severities: &[&str],
    limit: i64,
) -> Result<Vec<(AnomalyRow, String, String)>, Error> {
    let reds = diesel::alias!(anomalies as reds);
    let red_over_case = reds
        .filter(reds.field(anomalies::case_id).eq(anomalies::case_id))
        .filter(reds.field(anomalies::step).lt(0))
        .filter(reds.field(anomalies::severity).eq(Severity::Red.as_str()))
        .filter(reds.field(anomalies::closed_at).is_null())
        .select(reds.field(anomalies::id));
    Ok(anomalies::table
        .inner_join(cases::table)
        .inner_join(supervision_rules::table)
        .filter(anomalies::notified_at.is_null())
        .filter(anomalies::opened_at.ge(now - MAX_AGE_MS))
        .filter(anomalies::closed_at.is_null())
        .filter(anomalies::status.eq_any([
            AnomalyStatus::Open.as_str(),
            AnomalyStatus::Acknowledged.as_str(),
        ]))
        .filter(anomalies::severity.eq_any(severities))
        .filter(
            anomalies::silenced_until
                .is_null()
                .or(anomalies::silenced_until.le(now)),
        )
        // A step's yellow card under its case's live red card is muted, like on the console.
        .filter(not(anomalies::step
            .ge(0)
            .and(anomalies::severity.eq(Severity::Yellow.as_str()))
            .and(exists(red_over_case))))
        .order(anomalies::id.asc())
        .limit(limit)
        .select((
            AnomalyRow::as_select(),
            cases::case_no,
            supervision_rules::name,
        ))
        .load(conn)?)
}

/// The last active user who acted on each case, in two grouped reads.
pub(super) fn handlers(
    conn: &mut DbConn,
    case_ids: &[i64],
) -> Result<HashMap<i64, Handler>, Error> {
    let last: Vec<Option<i64>> = case_history::table
        .filter(case_history::case_id.eq_any(case_ids))
        .filter(case_history::actor_id.is_not_null())
        .group_by(case_history::case_id)
        .select(diesel::dsl::max(case_history::id))
        .load(conn)?;
    let last: Vec<i64> = last.into_iter().flatten().collect();
    let rows: Vec<(i64, i64, String)> = case_history::table
        .inner_join(users::table.on(users::id.nullable().eq(case_history::actor_id)))
        .filter(case_history::id.eq_any(last))
        .filter(users::active.eq(true))
        .select((case_history::case_id, users::id, users::display_name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(case_id, user_id, name)| (case_id, Handler { user_id, name }))
        .collect())
}

/// Tells one card: marks it, notes it, and logs the notice the connectors deliver.
fn tell(
    conn: &mut DbConn,
    now: Millis,
    card: &AnomalyRow,
    case_no: &str,
    rule_name: &str,
    handler: Option<&Handler>,
    office: &[String],
) -> Result<(), Error> {
    let colour = match Severity::parse(&card.severity) {
        Some(Severity::Red) => "红牌",
        _ => "黄牌",
    };
    let sms = format!(
        "【一网通办】督查提醒：您经办的办件{case_no}被亮{colour}（{rule_name}），请及时处理。"
    );
    let subject = format!("{colour} {rule_name} {case_no}");
    let body = format!(
        "办件号：{case_no}\n督查规则：{rule_name}\n亮牌：{colour}\n经办人：{who}\n\
         请登录一网平台查看并处理。\n",
        who = handler.map_or("（无）", |h| h.name.as_str()),
    );
    diesel::update(anomalies::table.find(card.id))
        .set(anomalies::notified_at.eq(now))
        .execute(conn)?;
    let told = match handler {
        Some(h) => format!("已短信通知经办人{}", h.name),
        None => "办件无经办人，未发短信".to_owned(),
    };
    let told = if office.is_empty() {
        told
    } else {
        format!("{told}；已邮件通知督察处")
    };
    diesel::insert_into(anomaly_notes::table)
        .values((
            anomaly_notes::anomaly_id.eq(card.id),
            anomaly_notes::at.eq(now),
            anomaly_notes::actor.eq("system"),
            anomaly_notes::action.eq("notify"),
            anomaly_notes::note.eq(&told),
        ))
        .execute(conn)?;
    let payload = json!({
        "case_id": card.case_id,
        "case_no": case_no,
        "severity": card.severity,
        "handler": handler.map(|h| json!({"user_id": h.user_id, "name": h.name})),
        "sms": sms,
    });
    log_notice(
        conn,
        now,
        Notice {
            change: Change {
                region_id: Some(card.region_id),
                department_id: Some(card.department_id),
                ..Change::new("anomaly.notify", "notice.card", "anomaly", card.id)
            },
            payload,
            office,
            subject,
            body,
        },
    )
}

/// A card's notice as logged: the card's change (action, entity, place) and what the
/// connectors deliver (the SMS text and handler in `payload`, the mail to `office`).
pub(super) struct Notice<'a> {
    pub change: Change<'a>,
    pub payload: serde_json::Value,
    pub office: &'a [String],
    pub subject: String,
    pub body: String,
}

/// Logs a card's notice: its audit entry and the `notice.card` event the connectors deliver.
pub(super) fn log_notice(conn: &mut DbConn, now: Millis, n: Notice<'_>) -> Result<(), Error> {
    let mut payload = n.payload;
    // The email connector takes notices that name recipients; without office addresses there
    // is no mail to send.
    if !n.office.is_empty() {
        payload["to"] = json!(n.office);
        payload["subject"] = json!(n.subject);
        payload["body"] = json!(n.body);
    }
    audit::record(
        conn,
        now,
        &Actor::system(),
        Change {
            after: Some(json!({"notified_at": now})),
            payload,
            ..n.change
        },
    )?;
    Ok(())
}
