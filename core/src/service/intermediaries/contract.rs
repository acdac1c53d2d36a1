//! A project after its selection: the contract and its service clock, the delivery of the
//! result (into the applicant's case) and the poster's evaluation.

use diesel::prelude::*;
use serde_json::json;

use super::projects::{
    DELIVER, ProjectRow, answer, expect_status, out_of_order, progress, project, project_for,
    record,
};
use super::working_days_end;
use crate::clock::Millis;
use crate::domain::access::{Caller, Permission};
use crate::domain::intermediary::ProjectStatus;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::Actor;
use crate::service::cases::{CaseRow, details_json, record_change};
use crate::service::supervision::workflow_cards::close;
use crate::store::DbConn;
use crate::store::schema::{
    cases, intermediary_project_cancellations, intermediary_project_progress, intermediary_projects,
};
use crate::wire::complaints::CardSubject;
use crate::wire::intermediaries::{
    ContractTerms, Delivery, Project, ProjectCancellation, ProjectEvaluation,
};

impl Services {
    /// Signs the contract: the price (the winning bid's, for lowest-price projects) and the
    /// service time limit in working days, which starts the service clock.
    pub async fn contract_project(
        &self,
        caller: &Caller,
        id: i64,
        terms: ContractTerms,
    ) -> Result<Project, Error> {
        Validator::new()
            .check(
                (1..=365).contains(&terms.service_days),
                "service_days",
                "from 1 to 365 working days",
            )
            .check(
                terms.price_fen.is_none_or(|p| p > 0),
                "price_fen",
                "must be positive",
            )
            .finish()?;
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        let due = working_days_end(now, tz, terms.service_days)?;
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let row = project_for(conn, &caller, Permission::IntermediaryMarket, id)?;
                expect_status(&row, ProjectStatus::Selected, "the contract")?;
                let bid = progress(conn, id)?.price_fen;
                let price = match (bid, terms.price_fen) {
                    (Some(bid), None) => bid,
                    (Some(bid), Some(p)) if p == bid => bid,
                    (Some(_), Some(_)) => {
                        return Err(Error::invalid(
                            "price_fen",
                            "the winning bid sets the price",
                        ));
                    }
                    (None, Some(p)) if p <= row.budget_fen => p,
                    (None, Some(_)) => {
                        return Err(Error::invalid("price_fen", "must not exceed the budget"));
                    }
                    (None, None) => return Err(Error::invalid("price_fen", "name the price")),
                };
                diesel::update(intermediary_projects::table.find(id))
                    .set((
                        intermediary_projects::status.eq(ProjectStatus::Contracted.as_str()),
                        intermediary_projects::due_at.eq(due),
                    ))
                    .execute(conn)?;
                diesel::update(intermediary_project_progress::table.find(id))
                    .set((
                        intermediary_project_progress::price_fen.eq(price),
                        intermediary_project_progress::service_days
                            .eq(i64::from(terms.service_days)),
                        intermediary_project_progress::contracted_at.eq(now),
                    ))
                    .execute(conn)?;
                let (row, _) = project(conn, id)?;
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    (
                        "intermediary_project.contract",
                        "intermediary_project.contracted",
                    ),
                    Some(ProjectStatus::Selected),
                    json!({"project_no": row.project_no, "intermediary_id": row.intermediary_id,
                           "price_fen": price, "service_days": terms.service_days, "due_at": due}),
                )?;
                answer(conn, &row, now)
            })
            .await
    }

    /// Records the agency's result; with a case, the result becomes one of its materials (a
    /// missing material of that name is no longer missing) in the case's history.
    pub async fn deliver_project(
        &self,
        caller: &Caller,
        id: i64,
        delivery: Delivery,
    ) -> Result<Project, Error> {
        validate_delivery(&delivery)?;
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let row = project_for(conn, &caller, Permission::IntermediaryMarket, id)?;
                let row = deliver(conn, now, &caller, &row, &delivery)?;
                answer(conn, &row, now)
            })
            .await
    }

    /// Cancels a project before its delivery (`intermediary.market` over its place: the poster
    /// or the department), with the reason; an overdue project's workflow card closes with it.
    pub async fn cancel_project(
        &self,
        caller: &Caller,
        id: i64,
        cancellation: ProjectCancellation,
    ) -> Result<Project, Error> {
        Validator::new()
            .text(&cancellation.reason, "reason", 1_000)
            .finish()?;
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let row = project_for(conn, &caller, Permission::IntermediaryMarket, id)?;
                let before = row.status();
                if !before.cancellable() {
                    return Err(out_of_order(&row, "cancelling", "not yet delivered"));
                }
                let reason = cancellation.reason.trim();
                close(
                    conn,
                    now,
                    &Actor::of(&caller),
                    CardSubject::IntermediaryProject,
                    id,
                    DELIVER,
                )?;
                diesel::update(intermediary_projects::table.find(id))
                    .set(intermediary_projects::status.eq(ProjectStatus::Cancelled.as_str()))
                    .execute(conn)?;
                diesel::insert_into(intermediary_project_cancellations::table)
                    .values((
                        intermediary_project_cancellations::project_id.eq(id),
                        intermediary_project_cancellations::reason.eq(reason),
                        intermediary_project_cancellations::cancelled_by.eq(caller.user_id.0),
                        intermediary_project_cancellations::cancelled_at.eq(now),
                    ))
                    .execute(conn)?;
                let (row, _) = project(conn, id)?;
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    (
                        "intermediary_project.cancel",
                        "intermediary_project.cancelled",
                    ),
                    Some(before),
                    json!({"project_no": row.project_no, "case_id": row.case_id,
                           "reason": reason}),
                )?;
                answer(conn, &row, now)
            })
            .await
    }

    /// The poster's evaluation of a delivered project (1 to 5), part of the agency's credit.
    pub async fn evaluate_project(
        &self,
        caller: &Caller,
        id: i64,
        evaluation: ProjectEvaluation,
    ) -> Result<Project, Error> {
        Validator::new()
            .check(
                (1..=5).contains(&evaluation.score),
                "score",
                "1 (very unsatisfied) to 5 (very satisfied)",
            )
            .check(
                evaluation.comment.chars().count() <= 1_000,
                "comment",
                "at most 1000 characters",
            )
            .finish()?;
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let row = project_for(conn, &caller, Permission::IntermediaryMarket, id)?;
                expect_status(&row, ProjectStatus::Delivered, "the evaluation")?;
                diesel::update(intermediary_projects::table.find(id))
                    .set(intermediary_projects::status.eq(ProjectStatus::Evaluated.as_str()))
                    .execute(conn)?;
                diesel::update(intermediary_project_progress::table.find(id))
                    .set((
                        intermediary_project_progress::evaluation_score.eq(evaluation.score),
                        intermediary_project_progress::evaluation_comment
                            .eq(evaluation.comment.trim()),
                    ))
                    .execute(conn)?;
                let (row, _) = project(conn, id)?;
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    (
                        "intermediary_project.evaluate",
                        "intermediary_project.evaluated",
                    ),
                    Some(ProjectStatus::Delivered),
                    json!({"project_no": row.project_no, "intermediary_id": row.intermediary_id,
                           "score": evaluation.score}),
                )?;
                answer(conn, &row, now)
            })
            .await
    }
}

pub(super) fn validate_delivery(delivery: &Delivery) -> Result<(), Error> {
    Validator::new()
        .text(&delivery.material, "material", 100)
        .check(
            delivery.note.chars().count() <= 1_000,
            "note",
            "at most 1000 characters",
        )
        .finish()
}

/// Delivers a contracted project's result (into its case, when it has one); `late` when past
/// the service time limit. Answers the project as it is afterwards.
pub(super) fn deliver(
    conn: &mut DbConn,
    now: Millis,
    caller: &Caller,
    row: &ProjectRow,
    delivery: &Delivery,
) -> Result<ProjectRow, Error> {
    expect_status(row, ProjectStatus::Contracted, "delivery")?;
    let id = row.id;
    let material = delivery.material.trim().to_owned();
    if let Some(case_id) = row.case_id {
        add_case_material(conn, now, caller, case_id, &material, &row.project_no)?;
    }
    let late = row.due_at.is_some_and(|d| d <= now);
    close(
        conn,
        now,
        &Actor::of(caller),
        CardSubject::IntermediaryProject,
        id,
        DELIVER,
    )?;
    diesel::update(intermediary_projects::table.find(id))
        .set(intermediary_projects::status.eq(ProjectStatus::Delivered.as_str()))
        .execute(conn)?;
    diesel::update(intermediary_project_progress::table.find(id))
        .set((
            intermediary_project_progress::delivered_at.eq(now),
            intermediary_project_progress::result_material.eq(&material),
            intermediary_project_progress::late.eq(late),
        ))
        .execute(conn)?;
    let (row, _) = project(conn, id)?;
    record(
        conn,
        now,
        caller,
        &row,
        (
            "intermediary_project.deliver",
            "intermediary_project.delivered",
        ),
        Some(ProjectStatus::Contracted),
        json!({"project_no": row.project_no, "case_id": row.case_id,
               "material": material, "late": late,
               "note": delivery.note.trim()}),
    )?;
    Ok(row)
}

/// Adds the result to an open case's materials, in the case's history and audit.
fn add_case_material(
    conn: &mut DbConn,
    now: Millis,
    caller: &Caller,
    case_id: i64,
    material: &str,
    project_no: &str,
) -> Result<(), Error> {
    let case: CaseRow = cases::table
        .find(case_id)
        .select(CaseRow::as_select())
        .get_result(conn)?;
    let status = case.status();
    if !status.is_open() {
        return Err(Error::conflict(
            "the project's case is closed: its result cannot be added",
        ));
    }
    let mut d = case.details()?;
    if !d.materials.iter().any(|m| m == material) {
        d.materials.push(material.to_owned());
    }
    d.missing.retain(|m| m != material);
    diesel::update(cases::table.find(case_id))
        .set(cases::details.eq(details_json(&d)?))
        .execute(conn)?;
    let case = CaseRow {
        details: details_json(&d)?,
        ..case
    };
    let note = format!("{material}（中介服务项目 {project_no}）");
    record_change(
        conn,
        now,
        &Actor::of(caller),
        &case,
        status,
        "add_intermediary_result",
        "intermediary_result_added",
        case.step_index,
        Some(&note),
    )
}
