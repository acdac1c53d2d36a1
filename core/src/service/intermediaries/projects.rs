//! The market's projects as stored and answered, and the checks every step shares.

use crate::service::cases::case_place;
use crate::service::org::named_place;
use diesel::prelude::*;
use serde_json::json;

use super::AgencyRow;
use crate::clock::Millis;
use crate::crypto::Vault;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::ids::{DepartmentId, UserId};
use crate::domain::intermediary::{
    AgencyFacts, AgencyStatus, ProjectStatus, Selection, check_qualified, draw,
};
use crate::error::{Error, Validator};
use crate::service::audit::{self, Actor, Change};
use crate::service::punishment;
use crate::service::supervision::workflow_cards::OpenCards;
use crate::store::DbConn;
use crate::store::schema::{
    intermediaries, intermediary_bids, intermediary_project_cancellations,
    intermediary_project_progress, intermediary_projects, regions,
};
use crate::wire::intermediaries::{Bid, DrawRecord, NewProject, Project};
use crate::wire::time;

/// The step of a late project's workflow card.
pub(crate) const DELIVER: &str = "deliver";

/// A late project: id, region, department, end of its service time limit.
pub(crate) type LateProject = (i64, i64, Option<i64>, Millis);

/// Contracted projects past their service time limit with no open workflow card (`carded`);
/// the supervision job raises their red cards.
pub(crate) fn late_projects(
    conn: &mut DbConn,
    now: Millis,
    carded: OpenCards,
) -> Result<Vec<LateProject>, Error> {
    Ok(intermediary_projects::table
        .filter(intermediary_projects::status.eq(ProjectStatus::Contracted.as_str()))
        .filter(intermediary_projects::due_at.le(now))
        .filter(intermediary_projects::id.ne_all(carded))
        .order(intermediary_projects::id.asc())
        .limit(500)
        .select((
            intermediary_projects::id,
            intermediary_projects::region_id,
            intermediary_projects::department_id,
            intermediary_projects::due_at.assume_not_null(),
        ))
        .load(conn)?)
}

/// A stored project.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = intermediary_projects)]
pub(crate) struct ProjectRow {
    pub id: i64,
    pub project_no: String,
    pub region_id: i64,
    pub department_id: Option<i64>,
    pub case_id: Option<i64>,
    pub title: String,
    pub service_type: String,
    pub item_code: String,
    pub budget_fen: i64,
    pub bid_deadline: i64,
    pub selection: String,
    pub status: String,
    pub intermediary_id: Option<i64>,
    pub due_at: Option<i64>,
    pub created_by: i64,
    pub created_at: i64,
}

/// A project's selection, contract, delivery and evaluation.
#[derive(Queryable, Selectable, Clone, Debug, Default)]
#[diesel(table_name = intermediary_project_progress)]
pub(crate) struct ProgressRow {
    pub price_fen: Option<i64>,
    pub draw_seed: Option<String>,
    pub draw_candidates: Option<String>,
    pub selected_at: i64,
    pub service_days: Option<i64>,
    pub contracted_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub result_material: Option<String>,
    pub late: bool,
    pub evaluation_score: Option<i64>,
    pub evaluation_comment: Option<String>,
    pub accepted_at: Option<i64>,
}

impl ProjectRow {
    pub(super) fn status(&self) -> ProjectStatus {
        ProjectStatus::parse(&self.status).unwrap_or(ProjectStatus::Evaluated)
    }

    pub(super) fn selection(&self) -> Selection {
        Selection::parse(&self.selection).unwrap_or(Selection::Direct)
    }

    fn target<'a>(&self, path: &'a str) -> Target<'a> {
        Target {
            region_path: Some(path),
            department_id: self.department_id.map(DepartmentId),
            owner_id: Some(UserId(self.created_by)),
        }
    }

    pub(super) fn overdue(&self, now: Millis) -> bool {
        self.status() == ProjectStatus::Contracted && self.due_at.is_some_and(|d| d <= now)
    }
}

/// The draw as recorded, recomputed.
pub(super) fn draw_record(row: &ProjectRow, g: &ProgressRow) -> Result<Option<DrawRecord>, Error> {
    let (Some(seed), Some(candidates), Some(chosen)) = (
        g.draw_seed.as_deref(),
        g.draw_candidates.as_deref(),
        row.intermediary_id,
    ) else {
        return Ok(None);
    };
    let candidates: Vec<i64> = super::decode(row.id, candidates)?;
    let verified = seed.parse::<u64>().ok().and_then(|s| draw(s, &candidates)) == Some(chosen);
    Ok(Some(DrawRecord {
        seed: seed.to_owned(),
        candidates,
        chosen,
        verified,
    }))
}

/// A project with its region's path, or not found.
pub(super) fn project(conn: &mut DbConn, id: i64) -> Result<(ProjectRow, String), Error> {
    intermediary_projects::table
        .inner_join(regions::table)
        .filter(intermediary_projects::id.eq(id))
        .select((ProjectRow::as_select(), regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("intermediary project", id))
}

/// The progress of a project past its selection.
pub(super) fn progress(conn: &mut DbConn, id: i64) -> Result<ProgressRow, Error> {
    intermediary_project_progress::table
        .find(id)
        .select(ProgressRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::Internal(format!("intermediary project {id} has no progress")))
}

/// A project the caller may use `perm` on: not found outside their read scope, forbidden
/// inside it.
pub(super) fn project_for(
    conn: &mut DbConn,
    caller: &Caller,
    perm: Permission,
    id: i64,
) -> Result<ProjectRow, Error> {
    let (row, path) = project(conn, id)?;
    caller.check(
        perm,
        Permission::IntermediaryRead,
        &row.target(&path),
        "intermediary project",
        id,
    )?;
    Ok(row)
}

pub(super) fn answer(conn: &mut DbConn, row: &ProjectRow, now: Millis) -> Result<Project, Error> {
    let bids: Vec<(i64, i64, String, i64)> = intermediary_bids::table
        .filter(intermediary_bids::project_id.eq(row.id))
        .order(intermediary_bids::id.asc())
        .select((
            intermediary_bids::intermediary_id,
            intermediary_bids::price_fen,
            intermediary_bids::note,
            intermediary_bids::at,
        ))
        .load(conn)?;
    let g: Option<ProgressRow> = intermediary_project_progress::table
        .find(row.id)
        .select(ProgressRow::as_select())
        .get_result(conn)
        .optional()?;
    let selected = g.is_some();
    let g = g.unwrap_or_default();
    let cancelled: Option<(String, i64)> = intermediary_project_cancellations::table
        .find(row.id)
        .select((
            intermediary_project_cancellations::reason,
            intermediary_project_cancellations::cancelled_at,
        ))
        .get_result(conn)
        .optional()?;
    Ok(Project {
        id: row.id,
        project_no: row.project_no.clone(),
        region_id: row.region_id,
        department_id: row.department_id,
        case_id: row.case_id,
        title: row.title.clone(),
        service_type: row.service_type.clone(),
        item_code: row.item_code.clone(),
        budget_fen: row.budget_fen,
        bid_deadline: time(row.bid_deadline),
        selection: row.selection(),
        status: row.status(),
        intermediary_id: row.intermediary_id,
        price_fen: g.price_fen,
        draw: draw_record(row, &g)?,
        bids: bids
            .into_iter()
            .map(|(intermediary_id, price_fen, note, at)| Bid {
                intermediary_id,
                price_fen,
                note,
                at: time(at),
            })
            .collect(),
        selected_at: selected.then(|| time(g.selected_at)),
        service_days: g.service_days.and_then(|d| u32::try_from(d).ok()),
        contracted_at: g.contracted_at.map(time),
        due_at: row.due_at.map(time),
        overdue: row.overdue(now),
        delivered_at: g.delivered_at.map(time),
        result_material: g.result_material.clone(),
        late: g.late,
        evaluation_score: g.evaluation_score,
        evaluation_comment: g.evaluation_comment.clone(),
        accepted_at: g.accepted_at.map(time),
        cancelled_at: cancelled.as_ref().map(|c| time(c.1)),
        cancel_reason: cancelled.map(|c| c.0),
        created_at: time(row.created_at),
    })
}

/// Refuses a step out of order: 409 naming the project's status and the steps it allows.
pub(super) fn expect_status(
    row: &ProjectRow,
    wanted: ProjectStatus,
    doing: &str,
) -> Result<(), Error> {
    if row.status() == wanted {
        Ok(())
    } else {
        Err(out_of_order(row, doing, wanted.as_str()))
    }
}

/// The 409 of a step the project's status does not allow.
pub(super) fn out_of_order(row: &ProjectRow, doing: &str, wanted: &str) -> Error {
    let allowed = row.status().next_actions();
    let next = if allowed.is_empty() {
        "nothing more can be done to it".to_owned()
    } else {
        format!("allowed now: {}", allowed.join(", "))
    };
    Error::conflict(format!(
        "{doing} needs a {wanted} project; this one is {} ({next})",
        row.status
    ))
}

/// When a selection happens: the local day and the moment.
#[derive(Clone, Copy)]
pub(super) struct At {
    pub today: chrono::NaiveDate,
    pub now: Millis,
}

/// Whether agency `row` may take the project at `at`; 409 with the reason when not. An agency
/// on the punishment list (by credit code) may not (joint punishment, issue #8).
pub(super) fn qualified(
    conn: &mut DbConn,
    vault: &Vault,
    row: &AgencyRow,
    project: &ProjectRow,
    at: At,
) -> Result<(), Error> {
    if let Some(bar) = punishment::agency_bar(conn, vault, &row.credit_code, at.now)? {
        return Err(Error::conflict(format!(
            "agency {} cannot be selected: {bar}",
            row.id
        )));
    }
    let today = at.today;
    let p = row.profile()?;
    let facts = AgencyFacts {
        status: row.status(),
        service_types: &p.service_types,
        items: &p.items,
        qualifications: &p.qualifications,
    };
    check_qualified(&facts, &project.service_type, &project.item_code, today)
        .map_err(|e| Error::conflict(format!("agency {} cannot be selected: {e}", row.id)))
}

/// Every agency qualified for the project on `today`, ascending ids.
pub(super) fn candidates(
    conn: &mut DbConn,
    vault: &Vault,
    project: &ProjectRow,
    at: At,
) -> Result<Vec<i64>, Error> {
    // The JSON lists narrow the rows in SQL; `qualified` decides on each.
    let rows: Vec<AgencyRow> = intermediaries::table
        .filter(intermediaries::status.eq(AgencyStatus::Admitted.as_str()))
        .filter(intermediaries::service_types.like(super::quoted(&project.service_type)))
        .filter(intermediaries::items.like(super::quoted(&project.item_code)))
        .order(intermediaries::id.asc())
        .select(AgencyRow::as_select())
        .load(conn)?;
    let mut ids = Vec::new();
    for row in &rows {
        if qualified(conn, vault, row, project, at).is_ok() {
            ids.push(row.id);
        }
    }
    Ok(ids)
}

pub(super) fn record(
    conn: &mut DbConn,
    now: Millis,
    caller: &Caller,
    row: &ProjectRow,
    (action, event): (&str, &str),
    before: Option<ProjectStatus>,
    payload: serde_json::Value,
) -> Result<(), Error> {
    // The audit entry keeps the whole change (a draw's seed and candidates included).
    let mut after = payload.clone();
    if let Some(fields) = after.as_object_mut() {
        fields.insert("status".into(), json!(row.status));
        fields.insert("intermediary_id".into(), json!(row.intermediary_id));
    }
    audit::record(
        conn,
        now,
        &Actor::of(caller),
        Change {
            region_id: Some(row.region_id),
            department_id: row.department_id,
            owner_id: Some(row.created_by),
            before: before.map(|b| json!({"status": b.as_str()})),
            after: Some(after),
            payload,
            ..Change::new(action, event, "intermediary_project", row.id)
        },
    )?;
    Ok(())
}

/// Where a new project belongs: (region, department, region path).
pub(super) fn place(
    conn: &mut DbConn,
    new: &NewProject,
) -> Result<(i64, Option<i64>, String), Error> {
    if let Some(case) = new.case_id {
        let (region, department, path) = case_place(conn, case)?;
        return Ok((region, Some(department), path));
    }
    let region = new
        .region_id
        .ok_or_else(|| Error::invalid("region_id", "name the case or the region"))?;
    let path = named_place(conn, region, new.department_id)?;
    Ok((region, new.department_id, path))
}

pub(super) fn validate(new: &NewProject, now: Millis) -> Result<(), Error> {
    let mut v = Validator::new();
    v.text(&new.title, "title", 200);
    super::code_like(&mut v, new.service_type.trim(), "service_type");
    super::code_like(&mut v, new.item_code.trim(), "item_code");
    v.check(new.budget_fen > 0, "budget_fen", "must be positive");
    v.check(
        new.bid_deadline.timestamp_millis() > now,
        "bid_deadline",
        "must be in the future",
    );
    v.check(
        new.case_id.is_none() || (new.region_id.is_none() && new.department_id.is_none()),
        "case_id",
        "a project for a case takes its region and department from the case",
    );
    v.finish()
}
