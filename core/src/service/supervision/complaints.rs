//! Complaints (投诉, R-2.6.2): online ones (portal, app, 12345 hotline) arrive through the API
//! and are accepted on arrival; offline ones are registered by the office. Then investigation,
//! the window staff's signature, the leader's instruction and the result published as a
//! notice, each step by its actor within its working days (a late step gets a workflow card).
//! The complainant's phone and ID number are sealed at rest and answered masked.

use crate::service::cases::case_place;
use crate::service::org::named_place;
use diesel::prelude::*;
use serde_json::json;

use super::orders::reply_due;
use super::workflow_cards::{cards_of, close};
use crate::clock::Millis;
use crate::crypto::{Vault, mask};
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::identity::IdNumber;
use crate::domain::ids::DepartmentId;
use crate::domain::supervision::complaints::{
    ComplaintSource, ComplaintStep, check_step, valid_phone,
};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::cases::local_date;
use crate::service::org::ScopeSql;
use crate::store::DbConn;
use crate::store::schema::{complaint_steps, complaints, halls, regions, users, windows};
use crate::wire::complaints::{
    CardSubject, Complaint, ComplaintQuery, ComplaintStepInput, ComplaintStepRecord,
    MaskedComplainant, NewComplaint,
};
use crate::wire::{Page, PageQuery, page_of, time};

const MAX_TEXT: usize = 4_000;

/// A stored complaint.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = complaints)]
pub(crate) struct ComplaintRow {
    pub id: i64,
    pub complaint_no: String,
    pub source: String,
    pub source_ref: Option<String>,
    pub region_id: i64,
    pub department_id: Option<i64>,
    pub case_id: Option<i64>,
    pub window_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub complainant_name: String,
    pub complainant_phone: String,
    pub complainant_id_number: Option<String>,
    pub content: String,
    pub status: String,
    pub step_due_at: Option<i64>,
    pub created_at: i64,
}

/// A stored step.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = complaint_steps)]
pub(crate) struct StepRow {
    pub step: String,
    pub actor: String,
    pub body: String,
    pub responsible: Option<String>,
    pub due_at: Option<i64>,
    pub late: bool,
    pub at: i64,
}

impl ComplaintRow {
    pub(crate) fn status(&self) -> ComplaintStep {
        ComplaintStep::parse(&self.status).unwrap_or(ComplaintStep::Publish)
    }

    pub(crate) fn source(&self) -> ComplaintSource {
        ComplaintSource::parse(&self.source).unwrap_or(ComplaintSource::Phone)
    }

    /// The complainant with phone and ID number opened and masked.
    pub(crate) fn complainant(&self, vault: &Vault) -> Result<MaskedComplainant, Error> {
        let phone = vault.open(&self.complainant_phone)?;
        let id_number = self
            .complainant_id_number
            .as_deref()
            .map(|s| vault.open(s))
            .transpose()?;
        Ok(MaskedComplainant {
            name: self.complainant_name.clone(),
            phone: mask(&phone, 3, 4),
            id_number: id_number.map(|n| mask(&n, 6, 4)),
        })
    }
}

impl StepRow {
    pub(crate) fn wire(&self) -> ComplaintStepRecord {
        ComplaintStepRecord {
            step: ComplaintStep::parse(&self.step).unwrap_or(ComplaintStep::Accept),
            actor: self.actor.clone(),
            text: self.body.clone(),
            responsible: self.responsible.clone(),
            due_at: self.due_at.map(time),
            late: self.late,
            at: time(self.at),
        }
    }
}

/// A complaint with its region's path.
pub(crate) fn located(conn: &mut DbConn, id: i64) -> Result<(ComplaintRow, String), Error> {
    complaints::table
        .inner_join(regions::table)
        .filter(complaints::id.eq(id))
        .select((ComplaintRow::as_select(), regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("complaint", id))
}

pub(crate) fn steps_of(conn: &mut DbConn, id: i64) -> Result<Vec<StepRow>, Error> {
    Ok(complaint_steps::table
        .filter(complaint_steps::complaint_id.eq(id))
        .order(complaint_steps::id.asc())
        .select(StepRow::as_select())
        .load(conn)?)
}

fn target<'a>(row: &ComplaintRow, path: &'a str) -> Target<'a> {
    Target {
        region_path: Some(path),
        department_id: row.department_id.map(DepartmentId),
        owner_id: None,
    }
}

/// Readers: the office (supervision.read) and the window complained about (supervision.reply).
pub(crate) fn check_read(caller: &Caller, row: &ComplaintRow, path: &str) -> Result<(), Error> {
    let t = target(row, path);
    if caller.may(Permission::SupervisionRead, &t) || caller.may(Permission::SupervisionReply, &t) {
        Ok(())
    } else {
        Err(Error::not_found("complaint", row.id))
    }
}

/// A complaint as answered, with its steps and cards.
fn answer(
    conn: &mut DbConn,
    vault: &Vault,
    row: &ComplaintRow,
    now: Millis,
) -> Result<Complaint, Error> {
    let steps = steps_of(conn, row.id)?;
    let cards = cards_of(conn, CardSubject::Complaint, row.id)?;
    wire(vault, row, steps, cards, now)
}

fn wire(
    vault: &Vault,
    row: &ComplaintRow,
    steps: Vec<StepRow>,
    cards: Vec<crate::wire::complaints::WorkflowCard>,
    now: Millis,
) -> Result<Complaint, Error> {
    let source = row.source();
    Ok(Complaint {
        id: row.id,
        complaint_no: row.complaint_no.clone(),
        source,
        source_ref: row.source_ref.clone(),
        online: source.is_online(),
        region_id: row.region_id,
        department_id: row.department_id,
        case_id: row.case_id,
        window_id: row.window_id,
        staff_id: row.staff_id,
        complainant: row.complainant(vault)?,
        content: row.content.clone(),
        status: row.status(),
        next_step: row.status().next(),
        step_due_at: row.step_due_at.map(time),
        overdue: row.step_due_at.is_some_and(|d| d <= now),
        steps: steps.iter().map(StepRow::wire).collect(),
        cards,
        created_at: time(row.created_at),
        updated_at: time(steps.last().map_or(row.created_at, |s| s.at)),
    })
}

/// Where a complaint belongs: region, department and the region's path.
struct Place {
    region_id: i64,
    department_id: Option<i64>,
    path: String,
}

fn place(conn: &mut DbConn, new: &NewComplaint) -> Result<Place, Error> {
    if let Some(case) = new.case_id {
        let (region_id, department_id, path) = case_place(conn, case)?;
        return Ok(Place {
            region_id,
            department_id: Some(department_id),
            path,
        });
    }
    if let Some(window) = new.window_id {
        let (region_id, department_id, path): (i64, Option<i64>, String) = windows::table
            .inner_join(halls::table.inner_join(regions::table))
            .filter(windows::id.eq(window))
            .select((halls::region_id, windows::department_id, regions::path))
            .get_result(conn)
            .optional()?
            .ok_or_else(|| Error::invalid("window_id", "no such window"))?;
        return Ok(Place {
            region_id,
            department_id,
            path,
        });
    }
    let region = new
        .region_id
        .ok_or_else(|| Error::invalid("region_id", "name the case, the window or the region"))?;
    let path = named_place(conn, region, new.department_id)?;
    Ok(Place {
        region_id: region,
        department_id: new.department_id,
        path,
    })
}

fn validate(new: &NewComplaint) -> Result<Option<IdNumber>, Error> {
    let mut v = Validator::new();
    v.text(&new.complainant.name, "complainant.name", 100);
    v.check(
        valid_phone(new.complainant.phone.trim()),
        "complainant.phone",
        "a mobile or landline number: 7 to 20 digits, dashes allowed",
    );
    v.text(&new.content, "content", MAX_TEXT);
    let reference = new.source_ref.as_deref().map(str::trim).unwrap_or("");
    v.check(
        !new.source.is_online() || !reference.is_empty(),
        "source_ref",
        "online complaints carry their source's reference",
    );
    v.check(
        reference.chars().count() <= 128,
        "source_ref",
        "must be at most 128 characters",
    );
    let id_number = match new.complainant.id_number.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(n) => match IdNumber::parse(n) {
            Ok(n) => Some(n),
            Err(e) => {
                v.push("complainant.id_number", e.to_string());
                None
            }
        },
    };
    v.finish()?;
    Ok(id_number)
}

fn record_step(
    conn: &mut DbConn,
    now: Millis,
    caller: &Caller,
    row: &ComplaintRow,
    step: ComplaintStep,
    before: Option<&str>,
) -> Result<(), Error> {
    let event = match step {
        ComplaintStep::Accept => "complaint.accepted",
        ComplaintStep::Investigate => "complaint.investigated",
        ComplaintStep::Sign => "complaint.signed",
        ComplaintStep::Instruct => "complaint.instructed",
        ComplaintStep::Publish => "complaint.published",
    };
    audit::record(
        conn,
        now,
        &Actor::of(caller),
        Change {
            region_id: Some(row.region_id),
            department_id: row.department_id,
            before: before.map(|b| json!({"status": b})),
            after: Some(json!({"status": row.status, "step_due_at": row.step_due_at})),
            payload: json!({
                "complaint_no": row.complaint_no, "source": row.source,
                "case_id": row.case_id, "window_id": row.window_id, "staff_id": row.staff_id,
                "status": row.status, "step_due_at": row.step_due_at,
            }),
            ..Change::new(
                &format!("complaint.{}", step.as_str()),
                event,
                "complaint",
                row.id,
            )
        },
    )?;
    Ok(())
}

impl Services {
    /// Takes an online complaint (integration, `complaint.submit`) or registers an offline one
    /// (the office, `supervision.manage`); either way it is accepted now and its investigation
    /// is due in the configured working days (5 by default). A repeated online reference answers the first (`false`).
    pub async fn submit_complaint(
        &self,
        caller: &Caller,
        new: NewComplaint,
    ) -> Result<(Complaint, bool), Error> {
        let id_number = validate(&new)?;
        let phone = self.vault.seal(new.complainant.phone.trim())?;
        let id_sealed = id_number.map(|n| self.vault.seal(n.as_str())).transpose()?;
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        let limits = self.config.supervision.complaint_limits;
        let due = reply_due(now, tz, limits.days(ComplaintStep::Investigate))?;
        let caller = caller.clone();
        let vault = self.vault.clone();
        self.store
            .write(move |conn| {
                let reference = new
                    .source_ref
                    .as_deref()
                    .map(str::trim)
                    .filter(|r| !r.is_empty());
                if let Some(r) = reference {
                    let existing: Option<ComplaintRow> = complaints::table
                        .filter(complaints::source.eq(new.source.as_str()))
                        .filter(complaints::source_ref.eq(r))
                        .select(ComplaintRow::as_select())
                        .get_result(conn)
                        .optional()?;
                    if let Some(row) = existing {
                        let (_, path) = located(conn, row.id)?;
                        if !caller.may(row.source().permission(), &target(&row, &path)) {
                            return Err(Error::not_found("complaint", row.id));
                        }
                        return Ok((answer(conn, &vault, &row, now)?, false));
                    }
                }
                let at = place(conn, &new)?;
                let t = Target {
                    region_path: Some(&at.path),
                    department_id: at.department_id.map(DepartmentId),
                    owner_id: None,
                };
                let perm = new.source.permission();
                if !caller.may(perm, &t) {
                    return Err(Error::forbidden(format!(
                        "a {} complaint needs {} over the place complained about",
                        new.source.as_str(),
                        perm.as_str()
                    )));
                }
                if let Some(staff) = new.staff_id {
                    let known: Option<i64> = users::table
                        .find(staff)
                        .select(users::id)
                        .get_result(conn)
                        .optional()?;
                    if known.is_none() {
                        return Err(Error::invalid("staff_id", "no such user"));
                    }
                }
                let id: i64 = diesel::insert_into(complaints::table)
                    .values((
                        complaints::complaint_no.eq(format!("pending-{now}")),
                        complaints::source.eq(new.source.as_str()),
                        complaints::source_ref.eq(reference),
                        complaints::region_id.eq(at.region_id),
                        complaints::department_id.eq(at.department_id),
                        complaints::case_id.eq(new.case_id),
                        complaints::window_id.eq(new.window_id),
                        complaints::staff_id.eq(new.staff_id),
                        complaints::complainant_name.eq(new.complainant.name.trim()),
                        complaints::complainant_phone.eq(&phone),
                        complaints::complainant_id_number.eq(&id_sealed),
                        complaints::content.eq(new.content.trim()),
                        complaints::status.eq(ComplaintStep::Accept.as_str()),
                        complaints::step_due_at.eq(due),
                        complaints::created_at.eq(now),
                    ))
                    .returning(complaints::id)
                    .get_result(conn)?;
                let no = format!("TS-{}-{id:06}", local_date(now, tz).format("%Y%m%d"));
                diesel::update(complaints::table.find(id))
                    .set(complaints::complaint_no.eq(&no))
                    .execute(conn)?;
                diesel::insert_into(complaint_steps::table)
                    .values((
                        complaint_steps::complaint_id.eq(id),
                        complaint_steps::step.eq(ComplaintStep::Accept.as_str()),
                        complaint_steps::actor.eq(&caller.username),
                        complaint_steps::actor_id.eq(caller.user_id.0),
                        complaint_steps::body.eq(new.content.trim()),
                        complaint_steps::late.eq(false),
                        complaint_steps::at.eq(now),
                    ))
                    .execute(conn)?;
                let (row, _) = located(conn, id)?;
                record_step(conn, now, &caller, &row, ComplaintStep::Accept, None)?;
                Ok((answer(conn, &vault, &row, now)?, true))
            })
            .await
    }

    /// Does the next step of a complaint: the office's investigation, the window staff's
    /// signature (only the staff member complained about, when named), the leader's
    /// instruction, the office's publication. Out of order: 409 naming the step due.
    pub async fn complaint_step(
        &self,
        caller: &Caller,
        id: i64,
        step: ComplaintStep,
        input: ComplaintStepInput,
    ) -> Result<Complaint, Error> {
        let mut v = Validator::new();
        v.text(&input.text, "text", MAX_TEXT);
        v.check(
            step == ComplaintStep::Investigate || input.responsible.is_none(),
            "responsible",
            "only the investigation names who is responsible",
        );
        if let Some(r) = &input.responsible {
            v.text(r, "responsible", 200);
        }
        v.finish()?;
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        let due = step
            .next()
            .map(|n| reply_due(now, tz, self.config.supervision.complaint_limits.days(n)))
            .transpose()?;
        let caller = caller.clone();
        let vault = self.vault.clone();
        let answered = self
            .store
            .write(move |conn| {
                let (row, path) = located(conn, id)?;
                caller.check(
                    step.permission(),
                    Permission::SupervisionRead,
                    &target(&row, &path),
                    "complaint",
                    id,
                )?;
                let before = row.status();
                check_step(before, step).map_err(|e| Error::Conflict {
                    message: e.to_string(),
                    allowed: before
                        .next()
                        .map(|s| s.as_str().to_owned())
                        .into_iter()
                        .collect(),
                })?;
                if step == ComplaintStep::Sign
                    && row.staff_id.is_some_and(|s| s != caller.user_id.0)
                {
                    return Err(Error::forbidden(
                        "only the staff member complained about signs",
                    ));
                }
                diesel::insert_into(complaint_steps::table)
                    .values((
                        complaint_steps::complaint_id.eq(id),
                        complaint_steps::step.eq(step.as_str()),
                        complaint_steps::actor.eq(&caller.username),
                        complaint_steps::actor_id.eq(caller.user_id.0),
                        complaint_steps::body.eq(input.text.trim()),
                        complaint_steps::responsible
                            .eq(input.responsible.as_deref().map(str::trim)),
                        complaint_steps::due_at.eq(row.step_due_at),
                        complaint_steps::late.eq(row.step_due_at.is_some_and(|d| d <= now)),
                        complaint_steps::at.eq(now),
                    ))
                    .execute(conn)?;
                diesel::update(complaints::table.find(id))
                    .set((
                        complaints::status.eq(step.as_str()),
                        complaints::step_due_at.eq(due),
                    ))
                    .execute(conn)?;
                close(
                    conn,
                    now,
                    &Actor::of(&caller),
                    CardSubject::Complaint,
                    id,
                    step.as_str(),
                )?;
                let (row, _) = located(conn, id)?;
                record_step(conn, now, &caller, &row, step, Some(before.as_str()))?;
                answer(conn, &vault, &row, now)
            })
            .await?;
        if step == ComplaintStep::Publish {
            let notice = super::print::complaint_notice_text(&answered);
            let subject = format!("投诉处理结果公告 {}", answered.complaint_no);
            super::notify::send(self, &[], &subject, notice).await;
        }
        Ok(answered)
    }

    /// Complaints the caller may read (the office's, or those about the caller's windows).
    pub async fn list_complaints(
        &self,
        caller: &Caller,
        query: ComplaintQuery,
    ) -> Result<Page<Complaint>, Error> {
        let caller = caller.clone();
        let vault = self.vault.clone();
        let now = self.clock.now();
        self.store
            .read(move |conn| {
                let read = ScopeSql::load(conn, &caller, Permission::SupervisionRead)?;
                let reply = ScopeSql::load(conn, &caller, Permission::SupervisionReply)?;
                if read.is_empty() && reply.is_empty() {
                    return Err(Error::forbidden(
                        "reading complaints needs supervision.read or supervision.reply",
                    ));
                }
                let page = PageQuery {
                    after: query.after,
                    limit: query.limit,
                };
                let limit = page.limit();
                let mut q = complaints::table
                    .filter(complaints::id.gt(page.after()))
                    .order(complaints::id.asc())
                    .limit(limit + 1)
                    .select(ComplaintRow::as_select())
                    .into_boxed();
                let scope = read.union(reply);
                if !scope.global {
                    q = q.filter(
                        complaints::region_id
                            .eq_any(scope.region_ids)
                            .or(complaints::department_id.eq_any(scope.department_ids)),
                    );
                }
                if let Some(s) = query.status {
                    q = q.filter(complaints::status.eq(s.as_str()));
                }
                match query.overdue {
                    Some(true) => q = q.filter(complaints::step_due_at.le(now)),
                    Some(false) => {
                        q = q.filter(
                            complaints::step_due_at
                                .is_null()
                                .or(complaints::step_due_at.gt(now)),
                        )
                    }
                    None => {}
                }
                let rows: Vec<ComplaintRow> = q.load(conn)?;
                let mut items = Vec::with_capacity(rows.len());
                for row in &rows {
                    items.push(answer(conn, &vault, row, now)?);
                }
                Ok(page_of(items, limit, |c: &Complaint| c.id))
            })
            .await
    }

    /// One complaint with its steps and cards.
    pub async fn get_complaint(&self, caller: &Caller, id: i64) -> Result<Complaint, Error> {
        let caller = caller.clone();
        let vault = self.vault.clone();
        let now = self.clock.now();
        self.store
            .read(move |conn| {
                let (row, path) = located(conn, id)?;
                check_read(&caller, &row, &path)?;
                answer(conn, &vault, &row, now)
            })
            .await
    }

    /// A step's form as an A4 page to print and sign; the notice once published.
    pub async fn print_complaint(
        &self,
        caller: &Caller,
        id: i64,
        step: ComplaintStep,
    ) -> Result<String, Error> {
        let caller = caller.clone();
        let vault = self.vault.clone();
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        self.store
            .read(move |conn| {
                let (row, path) = located(conn, id)?;
                check_read(&caller, &row, &path)?;
                let complaint = answer(conn, &vault, &row, now)?;
                let bureau: String = regions::table
                    .filter(regions::parent_id.is_null())
                    .select(regions::name)
                    .get_result(conn)
                    .optional()?
                    .unwrap_or_default();
                Ok(super::print::complaint_form(&bureau, &complaint, step, tz))
            })
            .await
    }
}
