//! Notices of workflow cards: a late complaint step, a bad review's rectification, an
//! intermediary's service, a regulator's feedback or a credit report is told like the anomaly
//! store's cards (`card_notices`): once, within working hours, neither silenced nor closed, by
//! SMS to the person responsible for the late step and by mail to the office, in the same
//! transaction as its mark, note, audit entry and `notice.card` event.
//!
//! The person responsible: the window staff member for a complaint's signature step, the staff
//! member a bad review is about, the user who posted an intermediary project, the handler of
//! the case a credit report is owed for. The office's own steps, the leader's instruction and a
//! regulator's late feedback have nobody to text: the office's mail is their notice.

use diesel::prelude::*;
use serde_json::json;

use super::card_notices::{Handler, MAX_AGE_MS, Notice, handlers, log_notice};
use crate::clock::Millis;
use crate::domain::supervision::complaints::ComplaintStep;
use crate::error::Error;
use crate::service::audit::Change;
use crate::store::DbConn;
use crate::store::schema::{
    cases, complaints, evaluations, intermediary_projects, regulator_pushes, users,
    workflow_card_notes, workflow_cards,
};
use crate::wire::complaints::CardSubject;

/// A card waiting for its notice.
#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = workflow_cards)]
pub(super) struct Waiting {
    id: i64,
    subject: String,
    subject_id: i64,
    step: String,
    severity: String,
    region_id: i64,
    department_id: Option<i64>,
}

/// Live cards not yet told, oldest first.
pub(super) fn waiting(
    conn: &mut DbConn,
    now: Millis,
    severities: &[&str],
    limit: i64,
) -> Result<Vec<Waiting>, Error> {
    Ok(workflow_cards::table
        .filter(workflow_cards::notified_at.is_null())
        .filter(workflow_cards::opened_at.ge(now - MAX_AGE_MS))
        .filter(workflow_cards::closed_at.is_null())
        .filter(workflow_cards::status.eq_any(["open", "acknowledged"]))
        .filter(workflow_cards::severity.eq_any(severities))
        .filter(
            workflow_cards::silenced_until
                .is_null()
                .or(workflow_cards::silenced_until.le(now)),
        )
        .order(workflow_cards::id.asc())
        .limit(limit)
        .select(Waiting::as_select())
        .load(conn)?)
}

/// What a notice names: the subject (its number) and the person responsible, if any.
struct Subject {
    label: String,
    responsible: Option<i64>,
}

fn subject(conn: &mut DbConn, card: &Waiting) -> Result<Subject, Error> {
    let id = card.subject_id;
    Ok(match CardSubject::parse(&card.subject) {
        Some(CardSubject::Complaint) => {
            let (no, staff): (String, Option<i64>) = complaints::table
                .find(id)
                .select((complaints::complaint_no, complaints::staff_id))
                .get_result(conn)?;
            Subject {
                label: format!("投诉{no}"),
                responsible: staff.filter(|_| card.step == ComplaintStep::Sign.as_str()),
            }
        }
        Some(CardSubject::Evaluation) => Subject {
            label: format!("差评（评价编号{id}）"),
            responsible: evaluations::table
                .find(id)
                .select(evaluations::staff_id)
                .get_result(conn)?,
        },
        Some(CardSubject::IntermediaryProject) => {
            let (no, by): (String, i64) = intermediary_projects::table
                .find(id)
                .select((
                    intermediary_projects::project_no,
                    intermediary_projects::created_by,
                ))
                .get_result(conn)?;
            Subject {
                label: format!("中介服务项目{no}"),
                responsible: Some(by),
            }
        }
        Some(CardSubject::Publicity) => {
            let no: String = cases::table
                .find(id)
                .select(cases::case_no)
                .get_result(conn)?;
            Subject {
                label: format!("办件{no}"),
                responsible: handlers(conn, &[id])?.remove(&id).map(|h| h.user_id),
            }
        }
        Some(CardSubject::RegulatorPush) => {
            let no: String = regulator_pushes::table
                .inner_join(cases::table.on(cases::id.eq(regulator_pushes::case_id)))
                .filter(regulator_pushes::id.eq(id))
                .select(cases::case_no)
                .get_result(conn)?;
            Subject {
                label: format!("办件{no}"),
                responsible: None,
            }
        }
        None => Subject {
            label: format!("{}#{id}", card.subject),
            responsible: None,
        },
    })
}

/// The step as the notice names it.
fn step_zh(step: &str) -> &str {
    match ComplaintStep::parse(step) {
        Some(s) => s.label_zh(),
        None => match step {
            super::workflow_cards::RECTIFY => "差评整改",
            crate::service::intermediaries::DELIVER => "中介服务",
            crate::service::regulators::feedback::FEEDBACK => "监管部门反馈",
            crate::service::publicity::REPORT => "信用信息报送",
            other => other,
        },
    }
}

/// Tells one card: marks it, notes it, and logs the notice the connectors deliver.
pub(super) fn tell(
    conn: &mut DbConn,
    now: Millis,
    card: &Waiting,
    office: &[String],
) -> Result<(), Error> {
    let Subject { label, responsible } = subject(conn, card)?;
    let handler: Option<Handler> = match responsible {
        Some(id) => users::table
            .find(id)
            .filter(users::active.eq(true))
            .select(users::display_name)
            .get_result::<String>(conn)
            .optional()?
            .map(|name| Handler { user_id: id, name }),
        None => None,
    };
    let step = step_zh(&card.step);
    let colour = if card.severity == "red" {
        "红牌"
    } else {
        "黄牌"
    };
    let sms =
        format!("【一网通办】督查提醒：{label}的{step}环节已超时限，被亮{colour}，请及时处理。");
    let subject = format!("{colour} {step}超时 {label}");
    let body = format!(
        "事项：{label}\n超时环节：{step}\n亮牌：{colour}\n责任人：{who}\n请登录一网平台查看并处理。\n",
        who = handler.as_ref().map_or("（督察处）", |h| h.name.as_str()),
    );
    diesel::update(workflow_cards::table.find(card.id))
        .set(workflow_cards::notified_at.eq(now))
        .execute(conn)?;
    let mut told: Vec<String> = handler
        .iter()
        .map(|h| format!("已短信通知责任人{}", h.name))
        .collect();
    if !office.is_empty() {
        told.push("已邮件通知督察处".into());
    }
    if told.is_empty() {
        told.push("无责任人可通知，未配置督察处邮箱".into());
    }
    diesel::insert_into(workflow_card_notes::table)
        .values((
            workflow_card_notes::card_id.eq(card.id),
            workflow_card_notes::at.eq(now),
            workflow_card_notes::actor.eq("system"),
            workflow_card_notes::action.eq("notify"),
            workflow_card_notes::note.eq(told.join("；")),
        ))
        .execute(conn)?;
    let payload = json!({
        "subject": card.subject,
        "subject_id": card.subject_id,
        "step": card.step,
        "severity": card.severity,
        "handler": handler.as_ref().map(|h| json!({"user_id": h.user_id, "name": h.name})),
        "sms": sms,
    });
    log_notice(
        conn,
        now,
        Notice {
            change: Change {
                region_id: Some(card.region_id),
                department_id: card.department_id,
                ..Change::new(
                    "workflow_card.notify",
                    "notice.card",
                    "workflow_card",
                    card.id,
                )
            },
            payload,
            office,
            subject,
            body,
        },
    )
}
