//! Workflow cards: a red card when a step of a complaint, a bad review's rectification or an
//! intermediary's service passes its time limit, raised by the leader's `workflow-deadlines` job (like the time-limit rules
//! raise cards on cases) and closed when the step is done. Kept beside the anomaly store, whose
//! cards belong to cases: a complaint or a rating need not have one.

use diesel::prelude::*;
use serde_json::json;

use crate::clock::Millis;
use crate::domain::access::{Caller, Permission};
use crate::domain::supervision::complaints::ComplaintStep;
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::org::ScopeSql;
use crate::store::DbConn;
use crate::store::schema::{complaints, evaluations, workflow_cards};
use crate::wire::complaints::{CardSubject, WorkflowCard, WorkflowCardQuery};
use crate::wire::supervision::FollowUp;
use crate::wire::{Page, PageQuery, page_of, time};

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
            && s != "open"
            && s != "closed"
        {
            return Err(Error::invalid("status", "open or closed"));
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
