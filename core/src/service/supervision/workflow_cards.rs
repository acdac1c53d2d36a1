//! Workflow cards: a red card when a step of a complaint, a bad review's rectification or an
//! intermediary's service passes its time limit, raised by the leader's `workflow-deadlines` job (like the time-limit rules
//! raise cards on cases) and closed when the step is done. Kept beside the anomaly store, whose
//! cards belong to cases: a complaint or a rating need not have one. The office works them as
//! it works the store's cards: acknowledges, dismisses, notes and silences them.

use diesel::prelude::*;
use serde_json::json;

use crate::clock::Millis;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::ids::DepartmentId;
use crate::domain::supervision::cards::{
    WorkflowCardAction, workflow_card_actions, workflow_card_next,
};
use crate::domain::supervision::complaints::ComplaintStep;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::org::ScopeSql;
use crate::store::DbConn;
use crate::store::schema::{complaints, evaluations, regions, workflow_card_notes, workflow_cards};
use crate::wire::complaints::{
    CardSubject, WorkflowCard, WorkflowCardActionRequest, WorkflowCardDetail, WorkflowCardQuery,
};
use crate::wire::supervision::{AnomalyNote, FollowUp, NewNote, SilenceRequest};
use crate::wire::{Page, PageQuery, page_of, time};

/// Longest note or reason.
const MAX_NOTE: usize = 2_000;
/// Longest silence.
const MAX_SILENCE_MS: i64 = 90 * 86_400_000;
/// The statuses a card can have.
const STATUSES: [&str; 4] = ["open", "acknowledged", "dismissed", "closed"];

/// The step of a bad review's card.
pub(crate) const RECTIFY: &str = "rectify";

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = workflow_cards)]
struct CardRow {
    id: i64,
    subject: String,
    subject_id: i64,
    step: String,
    severity: String,
    status: String,
    region_id: i64,
    department_id: Option<i64>,
    due_at: i64,
    opened_at: i64,
    closed_at: Option<i64>,
    silenced_until: Option<i64>,
    notified_at: Option<i64>,
}

impl CardRow {
    fn wire(&self) -> WorkflowCard {
        WorkflowCard {
            id: self.id,
            subject: CardSubject::parse(&self.subject).unwrap_or(CardSubject::Complaint),
            subject_id: self.subject_id,
            step: self.step.clone(),
            severity: self.severity.clone(),
            status: self.status.clone(),
            region_id: self.region_id,
            department_id: self.department_id,
            due_at: time(self.due_at),
            opened_at: time(self.opened_at),
            closed_at: self.closed_at.map(time),
            silenced_until: self.silenced_until.map(time),
            notified_at: self.notified_at.map(time),
            allowed_actions: workflow_card_actions(&self.status).to_vec(),
        }
    }
}

/// The place and deadline of a step that is late.
pub(crate) struct Late<'a> {
    pub subject: CardSubject,
    pub subject_id: i64,
    pub step: &'a str,
    pub region_id: i64,
    pub department_id: Option<i64>,
    pub due_at: Millis,
}

fn record(conn: &mut DbConn, now: Millis, actor: &Actor, row: &CardRow) -> Result<(), Error> {
    let (action, event) = if row.closed_at.is_some() {
        ("workflow_card.close", "workflow_card.closed")
    } else {
        ("workflow_card.open", "workflow_card.opened")
    };
    let payload = json!({
        "subject": row.subject, "subject_id": row.subject_id, "step": row.step,
        "severity": row.severity, "status": row.status, "due_at": row.due_at,
    });
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(row.region_id),
            department_id: row.department_id,
            after: Some(payload.clone()),
            payload,
            ..Change::new(action, event, "workflow_card", row.id)
        },
    )?;
    Ok(())
}

/// Opens the red card of a late step, unless it has one already.
pub(crate) fn open(conn: &mut DbConn, now: Millis, late: &Late<'_>) -> Result<bool, Error> {
    let had: Option<i64> = workflow_cards::table
        .filter(workflow_cards::subject.eq(late.subject.as_str()))
        .filter(workflow_cards::subject_id.eq(late.subject_id))
        .filter(workflow_cards::step.eq(late.step))
        .select(workflow_cards::id)
        .get_result(conn)
        .optional()?;
    if had.is_some() {
        return Ok(false);
    }
    let id: i64 = diesel::insert_into(workflow_cards::table)
        .values((
            workflow_cards::subject.eq(late.subject.as_str()),
            workflow_cards::subject_id.eq(late.subject_id),
            workflow_cards::step.eq(late.step),
            workflow_cards::severity.eq("red"),
            workflow_cards::status.eq("open"),
            workflow_cards::region_id.eq(late.region_id),
            workflow_cards::department_id.eq(late.department_id),
            workflow_cards::due_at.eq(late.due_at),
            workflow_cards::opened_at.eq(now),
        ))
        .returning(workflow_cards::id)
        .get_result(conn)?;
    let row: CardRow = workflow_cards::table
        .find(id)
        .select(CardRow::as_select())
        .get_result(conn)?;
    record(conn, now, &Actor::system(), &row)?;
    Ok(true)
}

/// Closes the open card of a step, now done.
pub(crate) fn close(
    conn: &mut DbConn,
    now: Millis,
    actor: &Actor,
    subject: CardSubject,
    subject_id: i64,
    step: &str,
) -> Result<(), Error> {
    let open: Option<CardRow> = workflow_cards::table
        .filter(workflow_cards::subject.eq(subject.as_str()))
        .filter(workflow_cards::subject_id.eq(subject_id))
        .filter(workflow_cards::step.eq(step))
        .filter(workflow_cards::closed_at.is_null())
        .select(CardRow::as_select())
        .get_result(conn)
        .optional()?;
    if let Some(mut row) = open {
        diesel::update(workflow_cards::table.find(row.id))
            .set((
                workflow_cards::status.eq("closed"),
                workflow_cards::closed_at.eq(now),
            ))
            .execute(conn)?;
        row.status = "closed".into();
        row.closed_at = Some(now);
        record(conn, now, actor, &row)?;
    }
    Ok(())
}

/// Every card of one subject, oldest first.
pub(crate) fn cards_of(
    conn: &mut DbConn,
    subject: CardSubject,
    subject_id: i64,
) -> Result<Vec<WorkflowCard>, Error> {
    let rows: Vec<CardRow> = workflow_cards::table
        .filter(workflow_cards::subject.eq(subject.as_str()))
        .filter(workflow_cards::subject_id.eq(subject_id))
        .order(workflow_cards::id.asc())
        .select(CardRow::as_select())
        .load(conn)?;
    Ok(rows.iter().map(CardRow::wire).collect())
}

type Pending = (i64, String, i64, Option<i64>, i64);

/// A rating's id, follow-up, region and department.
type FollowUpRow = (i64, Option<String>, i64, Option<i64>);

pub(crate) type OpenCards = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::Filter<
            workflow_cards::table,
            diesel::dsl::Eq<workflow_cards::subject, &'static str>,
        >,
        diesel::dsl::IsNull<workflow_cards::closed_at>,
    >,
    workflow_cards::subject_id,
>;

/// The subjects of one kind that have an open card.
pub(crate) fn open_cards(subject: CardSubject) -> OpenCards {
    workflow_cards::table
        .filter(workflow_cards::subject.eq(subject.as_str()))
        .filter(workflow_cards::closed_at.is_null())
        .select(workflow_cards::subject_id)
}

/// Complaints whose next step is past its deadline and that have no open card.
fn late_complaints(conn: &mut DbConn, now: Millis) -> Result<Vec<Pending>, Error> {
    Ok(complaints::table
        .filter(complaints::step_due_at.le(now))
        .filter(complaints::id.ne_all(open_cards(CardSubject::Complaint)))
        .order(complaints::id.asc())
        .limit(500)
        .select((
            complaints::id,
            complaints::status,
            complaints::region_id,
            complaints::department_id,
            complaints::step_due_at.assume_not_null(),
        ))
        .load(conn)?)
}

/// Bad reviews still to be rectified, with no open card: (id, follow-up, region, department).
fn open_follow_ups(conn: &mut DbConn) -> Result<Vec<FollowUpRow>, Error> {
    Ok(evaluations::table
        .filter(evaluations::follow_up_status.eq("open"))
        .filter(evaluations::id.ne_all(open_cards(CardSubject::Evaluation)))
        .order(evaluations::id.asc())
        .select((
            evaluations::id,
            evaluations::follow_up,
            evaluations::region_id,
            evaluations::department_id,
        ))
        .load(conn)?)
}

/// The leader's job: a red card for every complaint step and every bad review's
/// rectification past its time limit.
pub async fn raise_overdue(services: Services) -> Result<String, Error> {
    let now = services.clock.now();
    let (steps, reviews, projects) = services
        .store
        .read(move |conn| {
            let steps = late_complaints(conn, now)?;
            let reviews: Vec<(i64, i64, Option<i64>, i64)> = open_follow_ups(conn)?
                .into_iter()
                .filter_map(|(id, follow, region, department)| {
                    let f: FollowUp = serde_json::from_str(follow.as_deref()?).ok()?;
                    let due = f.rectify_due_at.timestamp_millis();
                    (due <= now).then_some((id, region, department, due))
                })
                .collect();
            let projects = crate::service::intermediaries::late_projects(
                conn,
                now,
                open_cards(CardSubject::IntermediaryProject),
            )?;
            Ok((steps, reviews, projects))
        })
        .await?;
    if steps.is_empty() && reviews.is_empty() && projects.is_empty() {
        return Ok("no late steps".into());
    }
    let opened = services
        .store
        .write(move |conn| {
            let mut n = 0;
            for (id, status, region_id, department_id, due_at) in &steps {
                let Some(step) = ComplaintStep::parse(status).and_then(ComplaintStep::next) else {
                    continue;
                };
                let late = Late {
                    subject: CardSubject::Complaint,
                    subject_id: *id,
                    step: step.as_str(),
                    region_id: *region_id,
                    department_id: *department_id,
                    due_at: *due_at,
                };
                n += usize::from(open(conn, now, &late)?);
            }
            for (id, region_id, department_id, due_at) in &reviews {
                let late = Late {
                    subject: CardSubject::Evaluation,
                    subject_id: *id,
                    step: RECTIFY,
                    region_id: *region_id,
                    department_id: *department_id,
                    due_at: *due_at,
                };
                n += usize::from(open(conn, now, &late)?);
            }
            for (id, region_id, department_id, due_at) in &projects {
                let late = Late {
                    subject: CardSubject::IntermediaryProject,
                    subject_id: *id,
                    step: crate::service::intermediaries::DELIVER,
                    region_id: *region_id,
                    department_id: *department_id,
                    due_at: *due_at,
                };
                n += usize::from(open(conn, now, &late)?);
            }
            Ok(n)
        })
        .await?;
    Ok(format!("{opened} workflow cards opened"))
}

impl Services {
    /// Workflow cards in the caller's supervision.read scope.
    pub async fn list_workflow_cards(
        &self,
        caller: &Caller,
        query: WorkflowCardQuery,
    ) -> Result<Page<WorkflowCard>, Error> {
        if let Some(s) = &query.status
            && !STATUSES.contains(&s.as_str())
        {
            return Err(Error::invalid(
                "status",
                "open, acknowledged, dismissed or closed",
            ));
        }
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::SupervisionRead)?;
                if scope.is_empty() {
                    return Err(Error::forbidden("workflow cards need supervision.read"));
                }
                let page = PageQuery {
                    after: query.after,
                    limit: query.limit,
                };
                let limit = page.limit();
                let mut q = workflow_cards::table
                    .filter(workflow_cards::id.gt(page.after()))
                    .order(workflow_cards::id.asc())
                    .limit(limit + 1)
                    .select(CardRow::as_select())
                    .into_boxed();
                if !scope.global {
                    q = q.filter(
                        workflow_cards::region_id
                            .eq_any(scope.region_ids)
                            .or(workflow_cards::department_id.eq_any(scope.department_ids)),
                    );
                }
                if let Some(s) = query.subject {
                    q = q.filter(workflow_cards::subject.eq(s.as_str()));
                }
                if let Some(s) = query.status {
                    q = q.filter(workflow_cards::status.eq(s));
                }
                let rows: Vec<CardRow> = q.load(conn)?;
                let items = rows.iter().map(CardRow::wire).collect();
                Ok(page_of(items, limit, |c: &WorkflowCard| c.id))
            })
            .await
    }
}

/// One card and its region's path.
fn located(conn: &mut DbConn, id: i64) -> Result<(CardRow, String), Error> {
    workflow_cards::table
        .inner_join(regions::table.on(regions::id.eq(workflow_cards::region_id)))
        .filter(workflow_cards::id.eq(id))
        .select((CardRow::as_select(), regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("workflow card", id))
}

fn target<'a>(row: &CardRow, path: &'a str) -> Target<'a> {
    Target {
        region_path: Some(path),
        department_id: row.department_id.map(DepartmentId),
        owner_id: None,
    }
}

/// The card `id`, checked: the office (`supervision.manage`) over its place; 404 outside the
/// caller's read scope.
fn managed(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<CardRow, Error> {
    let (row, path) = located(conn, id)?;
    caller.check(
        Permission::SupervisionManage,
        Permission::SupervisionRead,
        &target(&row, &path),
        "workflow card",
        id,
    )?;
    Ok(row)
}

/// Records what the office did to a card: its note, the audit entry and the event
/// `workflow_card.{verb}`.
fn noted(
    conn: &mut DbConn,
    now: Millis,
    caller: &Caller,
    row: &CardRow,
    (action, verb): (&str, &str),
    note: Option<&str>,
    (before, after): (serde_json::Value, serde_json::Value),
) -> Result<(), Error> {
    diesel::insert_into(workflow_card_notes::table)
        .values((
            workflow_card_notes::card_id.eq(row.id),
            workflow_card_notes::at.eq(now),
            workflow_card_notes::actor_id.eq(caller.user_id.0),
            workflow_card_notes::actor.eq(&caller.username),
            workflow_card_notes::action.eq(action),
            workflow_card_notes::note.eq(note),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        now,
        &Actor::of(caller),
        Change {
            region_id: Some(row.region_id),
            department_id: row.department_id,
            before: Some(before),
            after: Some(after),
            payload: json!({
                "subject": row.subject, "subject_id": row.subject_id, "step": row.step,
                "severity": row.severity, "note": note,
            }),
            ..Change::new(
                &format!("workflow_card.{action}"),
                &format!("workflow_card.{verb}"),
                "workflow_card",
                row.id,
            )
        },
    )?;
    Ok(())
}

/// The card with its notes.
fn detail(conn: &mut DbConn, id: i64) -> Result<WorkflowCardDetail, Error> {
    let row: CardRow = workflow_cards::table
        .find(id)
        .select(CardRow::as_select())
        .get_result(conn)?;
    type NoteRow = (i64, i64, String, String, Option<String>);
    let notes: Vec<NoteRow> = workflow_card_notes::table
        .filter(workflow_card_notes::card_id.eq(id))
        .order(workflow_card_notes::id.asc())
        .select((
            workflow_card_notes::id,
            workflow_card_notes::at,
            workflow_card_notes::actor,
            workflow_card_notes::action,
            workflow_card_notes::note,
        ))
        .load(conn)?;
    Ok(WorkflowCardDetail {
        card: row.wire(),
        notes: notes
            .into_iter()
            .map(|(id, at, actor, action, note)| AnomalyNote {
                id,
                at: time(at),
                actor,
                action,
                note,
            })
            .collect(),
    })
}

impl Services {
    /// One workflow card with its notes, in the caller's supervision.read scope (else 404).
    pub async fn get_workflow_card(
        &self,
        caller: &Caller,
        id: i64,
    ) -> Result<WorkflowCardDetail, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let (row, path) = located(conn, id)?;
                if !caller.may(Permission::SupervisionRead, &target(&row, &path)) {
                    return Err(Error::not_found("workflow card", id));
                }
                detail(conn, id)
            })
            .await
    }

    /// Acknowledges or dismisses a workflow card (the office), with its note: required to
    /// dismiss. A dismissed card is finished: its step being done later leaves it dismissed.
    pub async fn act_on_workflow_card(
        &self,
        caller: &Caller,
        id: i64,
        req: WorkflowCardActionRequest,
    ) -> Result<WorkflowCardDetail, Error> {
        let mut v = Validator::new();
        if req.action == WorkflowCardAction::Dismiss {
            v.text(&req.note, "note", MAX_NOTE);
        } else {
            v.check(
                req.note.chars().count() <= MAX_NOTE,
                "note",
                "at most 2000 characters",
            );
        }
        v.finish()?;
        let note = Some(req.note.trim().to_owned()).filter(|n| !n.is_empty());
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let row = managed(conn, &caller, id)?;
                let Some(after) = workflow_card_next(&row.status, req.action) else {
                    return Err(Error::conflict(format!(
                        "a card that is {} cannot be {}",
                        row.status,
                        req.action.past()
                    )));
                };
                let closed_at = (after == "dismissed").then_some(now);
                diesel::update(workflow_cards::table.find(id))
                    .set((
                        workflow_cards::status.eq(after),
                        workflow_cards::closed_at.eq(closed_at),
                    ))
                    .execute(conn)?;
                noted(
                    conn,
                    now,
                    &caller,
                    &row,
                    (req.action.as_str(), req.action.past()),
                    note.as_deref(),
                    (json!({"status": row.status}), json!({"status": after})),
                )?;
                detail(conn, id)
            })
            .await
    }

    /// Mutes a live workflow card's notices until a time (at most 90 days ahead), with a reason.
    pub async fn silence_workflow_card(
        &self,
        caller: &Caller,
        id: i64,
        req: SilenceRequest,
    ) -> Result<WorkflowCardDetail, Error> {
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
                let row = managed(conn, &caller, id)?;
                if row.closed_at.is_some() {
                    return Err(Error::conflict("a finished card cannot be silenced"));
                }
                diesel::update(workflow_cards::table.find(id))
                    .set(workflow_cards::silenced_until.eq(until))
                    .execute(conn)?;
                noted(
                    conn,
                    now,
                    &caller,
                    &row,
                    ("silence", "silenced"),
                    Some(&reason),
                    (
                        json!({"silenced_until": row.silenced_until}),
                        json!({"silenced_until": until}),
                    ),
                )?;
                detail(conn, id)
            })
            .await
    }

    /// Adds the office's note to a workflow card, its status unchanged (also when finished).
    pub async fn note_workflow_card(
        &self,
        caller: &Caller,
        id: i64,
        req: NewNote,
    ) -> Result<WorkflowCardDetail, Error> {
        let mut v = Validator::new();
        v.text(&req.note, "note", MAX_NOTE);
        v.finish()?;
        let note = req.note.trim().to_owned();
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let row = managed(conn, &caller, id)?;
                noted(
                    conn,
                    now,
                    &caller,
                    &row,
                    ("note", "noted"),
                    Some(&note),
                    (json!({"status": row.status}), json!({"status": row.status})),
                )?;
                detail(conn, id)
            })
            .await
    }
}
