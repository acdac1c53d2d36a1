//! The anomaly store (异常信息库) as the office works it: scoped lists with filters, one card with
//! its life and its case, the office's actions on one card or many, silences.

use std::collections::HashSet;

use diesel::prelude::*;
use serde_json::json;

use crate::clock::Millis;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::case::CaseId;
use crate::domain::ids::DepartmentId;
use crate::domain::supervision::cards::{
    AnomalyAction, AnomalyStatus, CardKey, allowed, inhibited, next,
};
use crate::domain::supervision::{RuleKind, Severity};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::org::ScopeSql;
use crate::store::DbConn;
use crate::store::schema::{anomalies, anomaly_notes, cases, regions, supervision_rules};
use crate::wire::supervision::{
    Anomaly, AnomalyDetail, AnomalyNote, AnomalyQuery, BulkFailure, BulkResult, NewNote,
    SilenceRequest,
};
use crate::wire::{Page, PageQuery, page_of, time};

/// Longest note or reason.
const MAX_NOTE: usize = 2_000;
/// Longest silence.
const MAX_SILENCE_MS: i64 = 90 * 86_400_000;
/// Most anomalies in one bulk action.
const MAX_BULK: usize = 500;

/// A stored anomaly.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = anomalies)]
pub(crate) struct AnomalyRow {
    pub id: i64,
    pub rule_id: i64,
    pub rule_version: i64,
    pub case_id: i64,
    pub step: i64,
    pub kind: String,
    pub severity: String,
    pub status: String,
    pub region_id: i64,
    pub department_id: i64,
    pub facts: String,
    pub opened_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub silenced_until: Option<i64>,
    pub notified_at: Option<i64>,
}

impl AnomalyRow {
    pub(crate) fn status(&self) -> AnomalyStatus {
        AnomalyStatus::parse(&self.status).unwrap_or(AnomalyStatus::Closed)
    }

    fn severity(&self) -> Severity {
        Severity::parse(&self.severity).unwrap_or(Severity::Red)
    }

    fn key(&self) -> CardKey {
        CardKey {
            id: self.id,
            case_id: self.case_id,
            step: self.step,
            severity: self.severity(),
            live: self.closed_at.is_none(),
        }
    }

    fn wire(&self, case_no: &str, rule_code: &str, muted: bool) -> Anomaly {
        Anomaly {
            id: self.id,
            rule_id: self.rule_id,
            rule_code: rule_code.to_owned(),
            rule_version: self.rule_version,
            case_id: self.case_id,
            case_no: case_no.to_owned(),
            step: self.step,
            kind: RuleKind::parse(&self.kind).unwrap_or(RuleKind::Process),
            severity: self.severity(),
            status: self.status(),
            region_id: self.region_id,
            department_id: self.department_id,
            facts: serde_json::from_str(&self.facts).unwrap_or(serde_json::Value::Null),
            opened_at: time(self.opened_at),
            updated_at: time(self.updated_at),
            closed_at: self.closed_at.map(time),
            silenced_until: self.silenced_until.map(time),
            notified_at: self.notified_at.map(time),
            inhibited: muted,
            allowed_actions: allowed(self.status()).to_vec(),
        }
    }
}

type Joined = (AnomalyRow, String, String);

/// Answers rows, marking the step yellows muted by a live red card on their case.
fn answer(conn: &mut DbConn, rows: Vec<Joined>) -> Result<Vec<Anomaly>, Error> {
    let case_ids: Vec<i64> = rows
        .iter()
        .map(|(r, _, _)| r.case_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let reds: Vec<AnomalyRow> = anomalies::table
        .filter(anomalies::case_id.eq_any(case_ids))
        .filter(anomalies::step.lt(0))
        .filter(anomalies::severity.eq(Severity::Red.as_str()))
        .filter(anomalies::closed_at.is_null())
        .select(AnomalyRow::as_select())
        .load(conn)?;
    let mut keys: Vec<CardKey> = reds.iter().map(AnomalyRow::key).collect();
    keys.extend(rows.iter().map(|(r, _, _)| r.key()));
    Ok(rows
        .iter()
        .map(|(r, no, code)| r.wire(no, code, inhibited(&keys, r.id)))
        .collect())
}

/// One row answered (with its inhibition worked out).
fn one(conn: &mut DbConn, row: AnomalyRow, case_no: &str, code: &str) -> Result<Anomaly, Error> {
    answer(conn, vec![(row, case_no.to_owned(), code.to_owned())])?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Internal("anomaly vanished".into()))
}

/// One anomaly with its case's number, its rule's code and its region's path.
fn located(conn: &mut DbConn, id: i64) -> Result<(AnomalyRow, String, String, String), Error> {
    anomalies::table
        .inner_join(cases::table)
        .inner_join(supervision_rules::table)
        .inner_join(regions::table.on(regions::id.eq(anomalies::region_id)))
        .filter(anomalies::id.eq(id))
        .select((
            AnomalyRow::as_select(),
            cases::case_no,
            supervision_rules::code,
            regions::path,
        ))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("anomaly", id))
}

fn target<'a>(row: &AnomalyRow, path: &'a str) -> Target<'a> {
    Target {
        region_path: Some(path),
        department_id: Some(DepartmentId(row.department_id)),
        owner_id: None,
    }
}

/// Past tense of an action, for events.
fn past(action: AnomalyAction) -> &'static str {
    match action {
        AnomalyAction::Acknowledge => "acknowledged",
        AnomalyAction::Order => "ordered",
        AnomalyAction::Reply => "replied",
        AnomalyAction::Confirm => "confirmed",
        AnomalyAction::Dismiss => "dismissed",
        AnomalyAction::Close => "closed",
    }
}

/// Moves an anomaly through its life (checked against the life's rules), with its note, audit
/// entry and event. Used by the office's actions and by orders and replies.
pub(crate) fn transition(
    conn: &mut DbConn,
    now: Millis,
    caller: &Caller,
    id: i64,
    action: AnomalyAction,
    note: Option<&str>,
) -> Result<Anomaly, Error> {
    let (row, case_no, code, path) = located(conn, id)?;
    let perm = match action {
        AnomalyAction::Reply => Permission::SupervisionReply,
        _ => Permission::SupervisionManage,
    };
    caller.check(
        perm,
        Permission::SupervisionRead,
        &target(&row, &path),
        "anomaly",
        id,
    )?;
    let before = row.status();
    let after = next(before, action).ok_or_else(|| Error::Conflict {
        message: format!("a {} anomaly cannot {}", before.as_str(), action.as_str()),
        allowed: allowed(before)
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect(),
    })?;
    let closed_at = after.is_final().then_some(now);
    diesel::update(anomalies::table.find(id))
        .set((
            anomalies::status.eq(after.as_str()),
            anomalies::updated_at.eq(now),
            anomalies::closed_at.eq(closed_at),
            anomalies::closed_by.eq(closed_at.map(|_| caller.username.clone())),
        ))
        .execute(conn)?;
    diesel::insert_into(anomaly_notes::table)
        .values((
            anomaly_notes::anomaly_id.eq(id),
            anomaly_notes::at.eq(now),
            anomaly_notes::actor_id.eq(caller.user_id.0),
            anomaly_notes::actor.eq(&caller.username),
            anomaly_notes::action.eq(action.as_str()),
            anomaly_notes::note.eq(note),
        ))
        .execute(conn)?;
    let audit_action = format!("anomaly.{}", action.as_str());
    let event = format!("anomaly.{}", past(action));
    audit::record(
        conn,
        now,
        &Actor::of(caller),
        Change {
            region_id: Some(row.region_id),
            department_id: Some(row.department_id),
            before: Some(json!({"status": before.as_str()})),
            after: Some(json!({"status": after.as_str()})),
            payload: json!({
                "case_id": row.case_id, "rule": code, "severity": row.severity,
                "step": row.step, "status": after.as_str(), "note": note,
            }),
            ..Change::new(&audit_action, &event, "anomaly", id)
        },
    )?;
    let row: AnomalyRow = anomalies::table
        .find(id)
        .select(AnomalyRow::as_select())
        .get_result(conn)?;
    one(conn, row, &case_no, &code)
}

/// The note of an action: optional, bounded.
fn checked_note(note: &str) -> Result<Option<String>, Error> {
    let mut v = Validator::new();
    v.check(
        note.chars().count() <= MAX_NOTE,
        "note",
        "must be at most 2000 characters",
    );
    v.finish()?;
    Ok(Some(note.trim().to_owned()).filter(|n| !n.is_empty()))
}

/// Actions the office takes directly (orders and replies have their own use cases).
fn office_action(action: AnomalyAction) -> Result<(), Error> {
    match action {
        AnomalyAction::Order | AnomalyAction::Reply => Err(Error::invalid(
            "action",
            "orders and replies go through /supervision/orders",
        )),
        _ => Ok(()),
    }
}

impl Services {
    /// Anomalies in the caller's supervision.read scope, filtered, oldest first.
    pub async fn list_anomalies(
        &self,
        caller: &Caller,
        query: AnomalyQuery,
    ) -> Result<Page<Anomaly>, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::SupervisionRead)?;
                if scope.is_empty() {
                    return Err(Error::forbidden("reading anomalies needs supervision.read"));
                }
                let page = PageQuery {
                    after: query.after,
                    limit: query.limit,
                };
                let limit = page.limit();
                let mut q = anomalies::table
                    .inner_join(cases::table)
                    .inner_join(supervision_rules::table)
                    .filter(anomalies::id.gt(page.after()))
                    .order(anomalies::id.asc())
                    .limit(limit + 1)
                    .select((
                        AnomalyRow::as_select(),
                        cases::case_no,
                        supervision_rules::code,
                    ))
                    .into_boxed();
                if !scope.global {
                    q = q.filter(
                        anomalies::region_id
                            .eq_any(scope.region_ids)
                            .or(anomalies::department_id.eq_any(scope.department_ids)),
                    );
                }
                if let Some(s) = query.severity {
                    q = q.filter(anomalies::severity.eq(s.as_str()));
                }
                if let Some(k) = query.kind {
                    q = q.filter(anomalies::kind.eq(k.as_str()));
                }
                if let Some(s) = query.status {
                    q = q.filter(anomalies::status.eq(s.as_str()));
                }
                if let Some(r) = query.region_id {
                    q = q.filter(anomalies::region_id.eq(r));
                }
                if let Some(d) = query.department_id {
                    q = q.filter(anomalies::department_id.eq(d));
                }
                if let Some(c) = query.case_id {
                    q = q.filter(anomalies::case_id.eq(c));
                }
                if let Some(h) = query.min_age_hours {
                    q = q.filter(anomalies::opened_at.le(now - i64::from(h) * 3_600_000));
                }
                if query.hide_silenced {
                    q = q.filter(
                        anomalies::silenced_until
                            .is_null()
                            .or(anomalies::silenced_until.le(now)),
                    );
                }
                let rows: Vec<Joined> = q.load(conn)?;
                let items = answer(conn, rows)?;
                Ok(page_of(items, limit, |a| a.id))
            })
            .await
    }

    /// One anomaly with its notes, the other cards of its case and the case's history.
    pub async fn get_anomaly(&self, caller: &Caller, id: i64) -> Result<AnomalyDetail, Error> {
        let who = caller.clone();
        let (anomaly, notes, case_cards) = self
            .store
            .read(move |conn| {
                let (row, case_no, code, path) = located(conn, id)?;
                who.check(
                    Permission::SupervisionRead,
                    Permission::SupervisionRead,
                    &target(&row, &path),
                    "anomaly",
                    id,
                )?;
                let notes: Vec<(i64, i64, String, String, Option<String>)> = anomaly_notes::table
                    .filter(anomaly_notes::anomaly_id.eq(id))
                    .order(anomaly_notes::id.asc())
                    .select((
                        anomaly_notes::id,
                        anomaly_notes::at,
                        anomaly_notes::actor,
                        anomaly_notes::action,
                        anomaly_notes::note,
                    ))
                    .load(conn)?;
                let siblings: Vec<Joined> = anomalies::table
                    .inner_join(cases::table)
                    .inner_join(supervision_rules::table)
                    .filter(anomalies::case_id.eq(row.case_id))
                    .order((anomalies::step.asc(), anomalies::id.asc()))
                    .select((
                        AnomalyRow::as_select(),
                        cases::case_no,
                        supervision_rules::code,
                    ))
                    .load(conn)?;
                let case_cards = answer(conn, siblings)?;
                let anomaly = case_cards
                    .iter()
                    .find(|a| a.id == row.id)
                    .cloned()
                    .unwrap_or_else(|| row.wire(&case_no, &code, false));
                let notes = notes
                    .into_iter()
                    .map(|(id, at, actor, action, note)| AnomalyNote {
                        id,
                        at: time(at),
                        actor,
                        action,
                        note,
                    })
                    .collect();
                Ok((anomaly, notes, case_cards))
            })
            .await?;
        let case_history = self.case_history(caller, CaseId(anomaly.case_id)).await?;
        Ok(AnomalyDetail {
            anomaly,
            notes,
            case_cards,
            case_history,
        })
    }

    /// The office acknowledges, confirms, dismisses or closes an anomaly, with a note.
    pub async fn act_on_anomaly(
        &self,
        caller: &Caller,
        id: i64,
        action: AnomalyAction,
        note: &str,
    ) -> Result<Anomaly, Error> {
        office_action(action)?;
        let note = checked_note(note)?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| transition(conn, now, &caller, id, action, note.as_deref()))
            .await
    }

    /// The same action on many anomalies in one transaction; each one that cannot take it is
    /// reported with its reason and left as it was.
    pub async fn act_on_anomalies(
        &self,
        caller: &Caller,
        ids: Vec<i64>,
        action: AnomalyAction,
        note: &str,
    ) -> Result<BulkResult, Error> {
        office_action(action)?;
        let note = checked_note(note)?;
        let mut v = Validator::new();
        v.check(!ids.is_empty(), "ids", "must not be empty");
        v.check(ids.len() <= MAX_BULK, "ids", "at most 500 at once");
        v.finish()?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let mut result = BulkResult {
                    done: Vec::new(),
                    failed: Vec::new(),
                };
                for id in ids {
                    match transition(conn, now, &caller, id, action, note.as_deref()) {
                        Ok(a) => result.done.push(a),
                        Err(
                            e @ (Error::NotFound { .. }
                            | Error::Forbidden(_)
                            | Error::Conflict { .. }),
                        ) => result.failed.push(BulkFailure {
                            id,
                            code: e.kind().code().into(),
                            message: e.to_string(),
                        }),
                        Err(e) => return Err(e),
                    }
                }
                Ok(result)
            })
            .await
    }

    /// Silences an anomaly's notices until a time, for a reason (both required, audited).
    pub async fn silence_anomaly(
        &self,
        caller: &Caller,
        id: i64,
        req: SilenceRequest,
    ) -> Result<Anomaly, Error> {
        let now = self.clock.now();
        let until = req.until.timestamp_millis();
        let mut v = Validator::new();
        v.text(&req.reason, "reason", MAX_NOTE);
        v.check(until > now, "until", "must be in the future");
        v.check(
            until <= now + MAX_SILENCE_MS,
            "until",
            "at most 90 days ahead",
        );
        v.finish()?;
        let reason = req.reason.trim().to_owned();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let (row, case_no, code, path) = located(conn, id)?;
                caller.check(
                    Permission::SupervisionManage,
                    Permission::SupervisionRead,
                    &target(&row, &path),
                    "anomaly",
                    id,
                )?;
                if row.status().is_final() {
                    return Err(Error::conflict("a finished anomaly cannot be silenced"));
                }
                diesel::update(anomalies::table.find(id))
                    .set((
                        anomalies::silenced_until.eq(until),
                        anomalies::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                diesel::insert_into(anomaly_notes::table)
                    .values((
                        anomaly_notes::anomaly_id.eq(id),
                        anomaly_notes::at.eq(now),
                        anomaly_notes::actor_id.eq(caller.user_id.0),
                        anomaly_notes::actor.eq(&caller.username),
                        anomaly_notes::action.eq("silence"),
                        anomaly_notes::note.eq(&reason),
                    ))
                    .execute(conn)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(row.region_id),
                        department_id: Some(row.department_id),
                        before: Some(json!({"silenced_until": row.silenced_until})),
                        after: Some(json!({"silenced_until": until, "reason": reason})),
                        payload: json!({"case_id": row.case_id, "until": time(until), "reason": reason}),
                        ..Change::new("anomaly.silence", "anomaly.silenced", "anomaly", id)
                    },
                )?;
                let row: AnomalyRow = anomalies::table
                    .find(id)
                    .select(AnomalyRow::as_select())
                    .get_result(conn)?;
                one(conn, row, &case_no, &code)
            })
            .await
    }

    /// Adds a note to an anomaly without moving it through its life (the office's working
    /// notes, also on finished cards); audited, with an `anomaly.noted` event.
    pub async fn note_anomaly(
        &self,
        caller: &Caller,
        id: i64,
        req: NewNote,
    ) -> Result<Anomaly, Error> {
        let mut v = Validator::new();
        v.text(&req.note, "note", MAX_NOTE);
        v.finish()?;
        let note = req.note.trim().to_owned();
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let (row, case_no, code, path) = located(conn, id)?;
                caller.check(
                    Permission::SupervisionManage,
                    Permission::SupervisionRead,
                    &target(&row, &path),
                    "anomaly",
                    id,
                )?;
                diesel::update(anomalies::table.find(id))
                    .set(anomalies::updated_at.eq(now))
                    .execute(conn)?;
                diesel::insert_into(anomaly_notes::table)
                    .values((
                        anomaly_notes::anomaly_id.eq(id),
                        anomaly_notes::at.eq(now),
                        anomaly_notes::actor_id.eq(caller.user_id.0),
                        anomaly_notes::actor.eq(&caller.username),
                        anomaly_notes::action.eq("note"),
                        anomaly_notes::note.eq(&note),
                    ))
                    .execute(conn)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(row.region_id),
                        department_id: Some(row.department_id),
                        after: Some(json!({"note": note})),
                        payload: json!({"case_id": row.case_id, "status": row.status, "note": note}),
                        ..Change::new("anomaly.note", "anomaly.noted", "anomaly", id)
                    },
                )?;
                let row: AnomalyRow = anomalies::table
                    .find(id)
                    .select(AnomalyRow::as_select())
                    .get_result(conn)?;
                one(conn, row, &case_no, &code)
            })
            .await
    }
}
