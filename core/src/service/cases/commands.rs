//! Case commands: apply, and every action of the case's life (one transaction each).

use diesel::prelude::*;
use serde_json::json;

use super::input::{CaseCommand, applicant_number, check_names};
use super::{CaseRow, Details, calendar, case_in_scope, details_json, local_date, wire_case};
use crate::clock::Millis;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::calendar::{Suspension, SuspensionReason};
use crate::domain::case::{CaseId, CaseStatus, Position, TransitionError, apply};
use crate::domain::catalogue::ItemStatus;
use crate::domain::ids::DepartmentId;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::case_hooks;
use crate::service::catalogue::ItemRow;
use crate::store::DbConn;
use crate::store::schema::{case_history, case_numbers, cases, catalogue_items, regions};
use crate::wire::cases::{Case, NewCase};

/// Serialises the numbering of one region's cases on PostgreSQL (writers run in parallel there;
/// SQLite has one writer).
const NUMBER_LOCK: i64 = 0x7969_7761_6e67_2000;

/// A history row, written in the change's transaction.
#[derive(Insertable)]
#[diesel(table_name = case_history)]
struct NewHistory<'a> {
    case_id: i64,
    at: i64,
    actor_id: Option<i64>,
    actor: &'a str,
    action: &'a str,
    status: &'a str,
    step_index: i64,
    opinion: Option<&'a str>,
}

/// Appends the history row and records the audit entry and event for one change of a case.
fn record_change(
    conn: &mut DbConn,
    now: Millis,
    actor: &Actor,
    row: &CaseRow,
    before: CaseStatus,
    action: &str,
    opinion: Option<&str>,
) -> Result<(), Error> {
    let after = row.status();
    diesel::insert_into(case_history::table)
        .values(NewHistory {
            case_id: row.id,
            at: now,
            actor_id: actor.id.map(|u| u.0),
            actor: &actor.label,
            action,
            status: after.as_str(),
            step_index: row.step_index,
            opinion,
        })
        .execute(conn)?;
    let masked = row.details()?.id_masked;
    let audit_action = format!("case.{action}");
    let event = format!("case.{}", event_name(action, after));
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(row.region_id),
            department_id: Some(row.department_id),
            before: Some(json!({"status": before.as_str()})),
            after: Some(json!({"status": after.as_str(), "step": row.step_index})),
            payload: json!({
                "case_no": row.case_no, "item_code": row.item_code, "applicant": masked,
                "status": after.as_str(), "step": row.step_index, "opinion": opinion,
            }),
            ..Change::new(&audit_action, &event, "case", row.id)
        },
    )?;
    Ok(())
}

/// The event kind of an action: the past tense, and `approved` when the last step concludes.
fn event_name(action: &str, after: CaseStatus) -> &'static str {
    match action {
        "submit" => "submitted",
        "accept" => "accepted",
        "reject_at_intake" => "rejected_at_intake",
        "request_supplement" => "supplement_requested",
        "receive_supplement" => "supplement_received",
        "approve" if after == CaseStatus::Approved => "approved",
        "approve" => "step_approved",
        "return" => "returned",
        "deny" => "denied",
        "suspend" => "suspended",
        "resume" => "resumed",
        _ => "terminated",
    }
}

/// The next case number of a region for a day: `{region code}-{YYYYMMDD}-{000001}`.
fn next_case_no(conn: &mut DbConn, region_id: i64, code: &str, day: &str) -> Result<String, Error> {
    if let DbConn::Pg(_) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(NUMBER_LOCK ^ region_id)
            .execute(conn)?;
    }
    let last: Option<i64> = case_numbers::table
        .find((region_id, day))
        .select(case_numbers::last)
        .get_result(conn)
        .optional()?;
    let next = last.unwrap_or(0) + 1;
    if last.is_some() {
        diesel::update(case_numbers::table.find((region_id, day)))
            .set(case_numbers::last.eq(next))
            .execute(conn)?;
    } else {
        diesel::insert_into(case_numbers::table)
            .values((
                case_numbers::region_id.eq(region_id),
                case_numbers::day.eq(day),
                case_numbers::last.eq(next),
            ))
            .execute(conn)?;
    }
    Ok(format!("{code}-{day}-{next:06}"))
}

/// The applicant's number, checked with the rest of an application, sealed and indexed.
pub(crate) struct SealedApplicant {
    pub masked: String,
    pub sealed: String,
    pub blind: String,
}

/// Files one application inside the caller's transaction: checks the caller's scope and the
/// item version, numbers the case and records it `submitted`.
pub(crate) fn file_case(
    conn: &mut DbConn,
    caller: &Caller,
    new: &NewCase,
    applicant: &SealedApplicant,
    now: Millis,
    tz: chrono_tz::Tz,
) -> Result<CaseRow, Error> {
    let (item, path, code): (ItemRow, String, String) = catalogue_items::table
        .inner_join(regions::table)
        .filter(catalogue_items::id.eq(new.item_id.0))
        .select((ItemRow::as_select(), regions::path, regions::code))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::invalid("item_id", "no such item"))?;
    let target = Target {
        region_path: Some(&path),
        department_id: Some(DepartmentId(item.department_id)),
        owner_id: None,
    };
    if !caller.may(Permission::CaseHandle, &target) {
        return Err(Error::forbidden(
            "taking in a case needs case.handle over the item's region or department",
        ));
    }
    if item.status() != ItemStatus::Published {
        return Err(Error::invalid(
            "item_id",
            format!(
                "the item version is {}; apply for a published one",
                item.status
            ),
        ));
    }
    let content = item.content()?;
    let details = Details {
        applicant_kind: new.applicant.kind,
        applicant_name: new.applicant.name.trim().to_owned(),
        id_masked: applicant.masked.clone(),
        item_name: content.name.clone(),
        legal_limit_days: content.legal_limit_days,
        promised_limit_days: content.promised_limit_days,
        workflow: content.workflow.clone(),
        materials: new.materials.iter().map(|m| m.trim().to_owned()).collect(),
        missing: Vec::new(),
        suspensions: Vec::new(),
        concluded_at: None,
    };
    let day = local_date(now, tz).format("%Y%m%d").to_string();
    let case_no = next_case_no(conn, item.region_id, &code, &day)?;
    let id: i64 = diesel::insert_into(cases::table)
        .values((
            cases::case_no.eq(&case_no),
            cases::region_id.eq(item.region_id),
            cases::department_id.eq(item.department_id),
            cases::item_id.eq(item.id),
            cases::item_code.eq(&item.item_code),
            cases::status.eq(CaseStatus::Submitted.as_str()),
            cases::channel.eq(new.channel.as_str()),
            cases::id_blind.eq(&applicant.blind),
            cases::id_sealed.eq(&applicant.sealed),
            cases::step_index.eq(0_i64),
            cases::submitted_at.eq(now),
            cases::details.eq(details_json(&details)?),
        ))
        .returning(cases::id)
        .get_result(conn)?;
    let row: CaseRow = cases::table
        .find(id)
        .select(CaseRow::as_select())
        .get_result(conn)?;
    let actor = Actor::of(caller);
    record_change(
        conn,
        now,
        &actor,
        &row,
        CaseStatus::Submitted,
        "submit",
        None,
    )?;
    case_hooks::filed(
        conn,
        caller,
        &row,
        new,
        &content,
        &applicant.blind,
        (now, tz),
    )?;
    Ok(row)
}

impl Services {
    /// Checks an application's applicant and materials and seals the applicant's number.
    pub(crate) fn sealed_applicant(&self, new: &NewCase) -> Result<SealedApplicant, Error> {
        let mut v = Validator::new();
        v.text(&new.applicant.name, "applicant.name", 200);
        check_names(&mut v, &new.materials, "materials");
        let number = applicant_number(new.applicant.kind, &new.applicant.id_number);
        if let Err(Error::Validation(errors)) = &number {
            for e in errors {
                v.push(&e.field, e.reason.clone());
            }
        }
        v.finish()?;
        let (plain, masked) = number?;
        Ok(SealedApplicant {
            masked,
            sealed: self.vault.seal(&plain)?,
            blind: self.vault.blind_index(&plain),
        })
    }

    /// Applies for a published item version; the case starts `submitted` with a new number.
    pub async fn submit_case(&self, caller: &Caller, new: NewCase) -> Result<Case, Error> {
        let applicant = self.sealed_applicant(&new)?;
        let caller = caller.clone();
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        self.store
            .write(move |conn| {
                let row = file_case(conn, &caller, &new, &applicant, now, tz)?;
                wire_case(&row, now, tz)
            })
            .await
    }

    /// One action on a case: checked against the state machine (409 naming the allowed actions
    /// otherwise), stored with its history row, audit entry and event in one transaction.
    pub async fn act_on_case(
        &self,
        caller: &Caller,
        id: CaseId,
        command: CaseCommand,
    ) -> Result<Case, Error> {
        let opinion = command.validate()?;
        calendar()?;
        let caller = caller.clone();
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        self.store
            .write(move |conn| {
                let located = case_in_scope(conn, &caller, Permission::CaseHandle, id)?;
                let mut row = located.row;
                let mut d = row.details()?;
                let before = row.status();
                let from = Position {
                    status: before,
                    step: u32::try_from(row.step_index).unwrap_or(0),
                    accepted: row.accepted_at.is_some(),
                };
                let steps = u32::try_from(d.workflow.len()).unwrap_or(u32::MAX);
                let return_to = match &command {
                    CaseCommand::Return { to_step, .. } => *to_step,
                    _ => 0,
                };
                let action = command.action();
                let to = apply(from, action, steps, return_to).map_err(|e| match &e {
                    TransitionError::NotAllowed { status, .. } => Error::Conflict {
                        message: e.to_string(),
                        allowed: crate::domain::case::allowed_actions(*status)
                            .iter()
                            .map(|a| a.as_str().to_owned())
                            .collect(),
                    },
                    TransitionError::NotEarlier { .. } => Error::invalid("to_step", e.to_string()),
                })?;
                let today = local_date(now, tz);
                match &command {
                    CaseCommand::Accept => {
                        row.accepted_at = Some(now);
                        row.step_started_at = Some(now);
                    }
                    CaseCommand::RequestSupplement { missing } => {
                        d.missing = missing.iter().map(|m| m.trim().to_owned()).collect();
                        d.suspensions.push(Suspension {
                            from: today,
                            to: None,
                            reason: SuspensionReason::Supplement,
                        });
                    }
                    CaseCommand::Suspend { reason, .. } => d.suspensions.push(Suspension {
                        from: today,
                        to: None,
                        reason: *reason,
                    }),
                    CaseCommand::Approve { .. } | CaseCommand::Return { .. }
                        if to.status == CaseStatus::InReview =>
                    {
                        // The next (or the returned-to) step starts its own clock now.
                        row.step_started_at = Some(now);
                    }
                    _ => {}
                }
                if matches!(command, CaseCommand::ReceiveSupplement) {
                    d.missing.clear();
                }
                // Leaving a suspended state, or closing the case, ends the open suspension.
                if matches!(
                    before,
                    CaseStatus::SupplementRequested | CaseStatus::Suspended
                ) {
                    for s in d.suspensions.iter_mut().filter(|s| s.to.is_none()) {
                        s.to = Some(today);
                    }
                }
                if !to.status.is_open() {
                    d.concluded_at = Some(now);
                }
                row.status = to.status.as_str().to_owned();
                row.step_index = i64::from(to.step);
                row.details = details_json(&d)?;
                diesel::update(cases::table.find(row.id))
                    .set((
                        cases::status.eq(&row.status),
                        cases::step_index.eq(row.step_index),
                        cases::accepted_at.eq(row.accepted_at),
                        cases::step_started_at.eq(row.step_started_at),
                        cases::details.eq(&row.details),
                    ))
                    .execute(conn)?;
                let actor = Actor::of(&caller);
                record_change(
                    conn,
                    now,
                    &actor,
                    &row,
                    before,
                    action.as_str(),
                    opinion.as_deref(),
                )?;
                case_hooks::changed(conn, &actor, &row, before, (now, tz))?;
                wire_case(&row, now, tz)
            })
            .await
    }
}
