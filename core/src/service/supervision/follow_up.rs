//! The follow-up of a bad review as the national good/bad review rules require (差评整改): a
//! return visit recorded for every bad review (who, when, result), the rectification within 15
//! working days (a workflow card when late), and the evaluated party's one appeal with
//! evidence, which the office upholds (the rating stops counting) or rejects.

use diesel::prelude::*;
use serde_json::json;

use super::evaluations::EvaluationRow;
use super::workflow_cards::{RECTIFY, cards_of, close};
use crate::clock::Millis;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::ids::DepartmentId;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::store::DbConn;
use crate::store::schema::{evaluation_appeals, evaluation_visits, evaluations, regions};
use crate::wire::complaints::CardSubject;
use crate::wire::follow_up::{
    Appeal, AppealDecision, AppealOutcome, EvaluationDetail, Evidence, NewAppeal, NewRectification,
    NewReturnVisit, ReturnVisit,
};
use crate::wire::supervision::FollowUp;
use crate::wire::time;

const MAX_TEXT: usize = 2_000;
/// Most pieces of evidence in one appeal.
const MAX_EVIDENCE: usize = 20;

#[derive(Queryable, Selectable)]
#[diesel(table_name = evaluation_visits)]
struct VisitRow {
    id: i64,
    visited_by: String,
    visited_at: i64,
    result: String,
    recorded_by: String,
    created_at: i64,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = evaluation_appeals)]
struct AppealRow {
    reason: String,
    evidence: String,
    appealed_by: String,
    appealed_at: i64,
    outcome: Option<String>,
    decision_note: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<i64>,
}

impl AppealRow {
    fn wire(&self) -> Appeal {
        Appeal {
            reason: self.reason.clone(),
            evidence: serde_json::from_str(&self.evidence).unwrap_or_default(),
            appealed_by: self.appealed_by.clone(),
            appealed_at: time(self.appealed_at),
            outcome: self.outcome.as_deref().and_then(AppealOutcome::parse),
            decision_note: self.decision_note.clone(),
            decided_by: self.decided_by.clone(),
            decided_at: self.decided_at.map(time),
        }
    }
}

/// A rating with its region's path.
fn located(conn: &mut DbConn, id: i64) -> Result<(EvaluationRow, String), Error> {
    evaluations::table
        .inner_join(regions::table)
        .filter(evaluations::id.eq(id))
        .select((EvaluationRow::as_select(), regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("evaluation", id))
}

fn target<'a>(row: &EvaluationRow, path: &'a str) -> Target<'a> {
    Target {
        region_path: Some(path),
        department_id: row.department_id.map(DepartmentId),
        owner_id: None,
    }
}

/// Readers: the office (supervision.read) and the evaluated window (supervision.reply).
fn check_read(caller: &Caller, row: &EvaluationRow, path: &str) -> Result<(), Error> {
    let t = target(row, path);
    if caller.may(Permission::SupervisionRead, &t) || caller.may(Permission::SupervisionReply, &t) {
        Ok(())
    } else {
        Err(Error::not_found("evaluation", row.id))
    }
}

/// Readable, and allowed to do `perm`: 403 when only readable.
fn check_perm(
    caller: &Caller,
    perm: Permission,
    row: &EvaluationRow,
    path: &str,
) -> Result<(), Error> {
    check_read(caller, row, path)?;
    if caller.may(perm, &target(row, path)) {
        Ok(())
    } else {
        Err(Error::forbidden(format!(
            "this needs {} over the rating's region or department",
            perm.as_str()
        )))
    }
}

/// The rating's follow-up, refused (409) for a rating that has none.
fn follow_up_of(row: &EvaluationRow) -> Result<FollowUp, Error> {
    row.follow_up
        .as_deref()
        .and_then(|f| serde_json::from_str(f).ok())
        .ok_or_else(|| Error::conflict("only a bad rating (1 or 2) has a follow-up"))
}

fn save_follow_up(conn: &mut DbConn, id: i64, f: &FollowUp) -> Result<(), Error> {
    let text = serde_json::to_string(f).map_err(|e| Error::Internal(format!("follow-up: {e}")))?;
    diesel::update(evaluations::table.find(id))
        .set((
            evaluations::follow_up_status.eq(&f.status),
            evaluations::follow_up.eq(text),
        ))
        .execute(conn)?;
    Ok(())
}

fn detail(conn: &mut DbConn, row: &EvaluationRow) -> Result<EvaluationDetail, Error> {
    let visits: Vec<VisitRow> = evaluation_visits::table
        .filter(evaluation_visits::evaluation_id.eq(row.id))
        .order(evaluation_visits::id.asc())
        .select(VisitRow::as_select())
        .load(conn)?;
    let appeal: Option<AppealRow> = evaluation_appeals::table
        .find(row.id)
        .select(AppealRow::as_select())
        .get_result(conn)
        .optional()?;
    let appeal = appeal.as_ref().map(AppealRow::wire);
    Ok(EvaluationDetail {
        evaluation: row.wire(),
        visits: visits
            .into_iter()
            .map(|v| ReturnVisit {
                id: v.id,
                visited_by: v.visited_by,
                visited_at: time(v.visited_at),
                result: v.result,
                recorded_by: v.recorded_by,
                created_at: time(v.created_at),
            })
            .collect(),
        counted: appeal
            .as_ref()
            .is_none_or(|a| a.outcome != Some(AppealOutcome::Upheld)),
        appeal,
        cards: cards_of(conn, CardSubject::Evaluation, row.id)?,
    })
}

fn record(
    conn: &mut DbConn,
    now: Millis,
    caller: &Caller,
    row: &EvaluationRow,
    action: &str,
    event: &str,
    payload: serde_json::Value,
) -> Result<(), Error> {
    audit::record(
        conn,
        now,
        &Actor::of(caller),
        Change {
            region_id: Some(row.region_id),
            department_id: row.department_id,
            after: Some(payload.clone()),
            payload,
            ..Change::new(action, event, "evaluation", row.id)
        },
    )?;
    Ok(())
}

impl Services {
    /// One rating with its follow-up.
    pub async fn get_evaluation(
        &self,
        caller: &Caller,
        id: i64,
    ) -> Result<EvaluationDetail, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let (row, path) = located(conn, id)?;
                check_read(&caller, &row, &path)?;
                detail(conn, &row)
            })
            .await
    }

    /// Records a return visit of a bad review (the office, `supervision.manage`).
    pub async fn record_return_visit(
        &self,
        caller: &Caller,
        id: i64,
        visit: NewReturnVisit,
    ) -> Result<EvaluationDetail, Error> {
        let now = self.clock.now();
        let mut v = Validator::new();
        v.text(&visit.visited_by, "visited_by", 100);
        v.text(&visit.result, "result", MAX_TEXT);
        v.check(
            visit.visited_at.timestamp_millis() <= now,
            "visited_at",
            "must not be in the future",
        );
        v.finish()?;
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let (row, path) = located(conn, id)?;
                check_perm(&caller, Permission::SupervisionManage, &row, &path)?;
                follow_up_of(&row)?;
                diesel::insert_into(evaluation_visits::table)
                    .values((
                        evaluation_visits::evaluation_id.eq(id),
                        evaluation_visits::visited_by.eq(visit.visited_by.trim()),
                        evaluation_visits::visited_at.eq(visit.visited_at.timestamp_millis()),
                        evaluation_visits::result.eq(visit.result.trim()),
                        evaluation_visits::recorded_by.eq(&caller.username),
                        evaluation_visits::created_at.eq(now),
                    ))
                    .execute(conn)?;
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    "evaluation.visit",
                    "evaluation.visited",
                    json!({"visited_by": visit.visited_by.trim(),
                           "visited_at": visit.visited_at, "result": visit.result.trim()}),
                )?;
                detail(conn, &row)
            })
            .await
    }

    /// The evaluated window reports the rectification (`supervision.reply`, or the office);
    /// the rectification card, if any, closes.
    pub async fn rectify_evaluation(
        &self,
        caller: &Caller,
        id: i64,
        input: NewRectification,
    ) -> Result<EvaluationDetail, Error> {
        let mut v = Validator::new();
        v.text(&input.measures, "measures", MAX_TEXT);
        v.finish()?;
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let (mut row, path) = located(conn, id)?;
                let t = target(&row, &path);
                if !caller.may(Permission::SupervisionReply, &t) {
                    check_perm(&caller, Permission::SupervisionManage, &row, &path)?;
                }
                let mut f = follow_up_of(&row)?;
                if f.status != "open" {
                    return Err(Error::conflict(format!(
                        "the follow-up is {} already",
                        f.status
                    )));
                }
                let late = now >= f.rectify_due_at.timestamp_millis();
                f.status = "rectified".into();
                f.rectification = Some(input.measures.trim().to_owned());
                f.rectified_by = Some(caller.username.clone());
                f.rectified_at = Some(time(now));
                save_follow_up(conn, id, &f)?;
                close(
                    conn,
                    now,
                    &Actor::of(&caller),
                    CardSubject::Evaluation,
                    id,
                    RECTIFY,
                )?;
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    "evaluation.rectify",
                    "evaluation.rectified",
                    json!({"measures": input.measures.trim(), "late": late}),
                )?;
                row = located(conn, id)?.0;
                detail(conn, &row)
            })
            .await
    }

    /// The evaluated party's one appeal of a bad review, with evidence (`supervision.reply`).
    pub async fn appeal_evaluation(
        &self,
        caller: &Caller,
        id: i64,
        appeal: NewAppeal,
    ) -> Result<EvaluationDetail, Error> {
        let mut v = Validator::new();
        v.text(&appeal.reason, "reason", MAX_TEXT);
        v.check(
            !appeal.evidence.is_empty(),
            "evidence",
            "an appeal carries its evidence",
        );
        v.check(
            appeal.evidence.len() <= MAX_EVIDENCE,
            "evidence",
            "at most 20 pieces",
        );
        for (i, e) in appeal.evidence.iter().enumerate() {
            v.text(&e.name, &format!("evidence[{i}].name"), 200);
            v.text(&e.reference, &format!("evidence[{i}].reference"), 500);
        }
        v.finish()?;
        let evidence: Vec<Evidence> = appeal
            .evidence
            .iter()
            .map(|e| Evidence {
                name: e.name.trim().to_owned(),
                reference: e.reference.trim().to_owned(),
            })
            .collect();
        let evidence = serde_json::to_string(&evidence)
            .map_err(|e| Error::Internal(format!("evidence: {e}")))?;
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let (row, path) = located(conn, id)?;
                check_perm(&caller, Permission::SupervisionReply, &row, &path)?;
                follow_up_of(&row)?;
                let had: Option<i64> = evaluation_appeals::table
                    .find(id)
                    .select(evaluation_appeals::evaluation_id)
                    .get_result(conn)
                    .optional()?;
                if had.is_some() {
                    return Err(Error::conflict("a bad rating can be appealed only once"));
                }
                diesel::insert_into(evaluation_appeals::table)
                    .values((
                        evaluation_appeals::evaluation_id.eq(id),
                        evaluation_appeals::reason.eq(appeal.reason.trim()),
                        evaluation_appeals::evidence.eq(&evidence),
                        evaluation_appeals::appealed_by.eq(&caller.username),
                        evaluation_appeals::appealed_at.eq(now),
                    ))
                    .execute(conn)?;
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    "evaluation.appeal",
                    "evaluation.appealed",
                    json!({"reason": appeal.reason.trim(), "evidence": appeal.evidence.len()}),
                )?;
                detail(conn, &row)
            })
            .await
    }

    /// The office upholds or rejects an appeal (`supervision.manage`). Upheld: the rating stops
    /// counting in summaries and comparisons, its follow-up is withdrawn and its card closed.
    pub async fn decide_appeal(
        &self,
        caller: &Caller,
        id: i64,
        decision: AppealDecision,
    ) -> Result<EvaluationDetail, Error> {
        let mut v = Validator::new();
        v.text(&decision.note, "note", MAX_TEXT);
        v.finish()?;
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let (row, path) = located(conn, id)?;
                check_perm(&caller, Permission::SupervisionManage, &row, &path)?;
                let appeal: AppealRow = evaluation_appeals::table
                    .find(id)
                    .select(AppealRow::as_select())
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| Error::conflict("the rating has no appeal to decide"))?;
                if appeal.outcome.is_some() {
                    return Err(Error::conflict("the appeal is decided already"));
                }
                diesel::update(evaluation_appeals::table.find(id))
                    .set((
                        evaluation_appeals::outcome.eq(decision.outcome.as_str()),
                        evaluation_appeals::decision_note.eq(decision.note.trim()),
                        evaluation_appeals::decided_by.eq(&caller.username),
                        evaluation_appeals::decided_at.eq(now),
                    ))
                    .execute(conn)?;
                if decision.outcome == AppealOutcome::Upheld {
                    let mut f = follow_up_of(&row)?;
                    if f.status == "open" {
                        f.status = "withdrawn".into();
                        save_follow_up(conn, id, &f)?;
                    }
                    close(
                        conn,
                        now,
                        &Actor::of(&caller),
                        CardSubject::Evaluation,
                        id,
                        RECTIFY,
                    )?;
                }
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    "evaluation.decide_appeal",
                    "evaluation.appeal_decided",
                    json!({"outcome": decision.outcome.as_str(), "note": decision.note.trim()}),
                )?;
                let (row, _) = located(conn, id)?;
                detail(conn, &row)
            })
            .await
    }
}
