//! Cases (办件, R-2.2.1.1): applying for a published item version, the case's life through
//! intake and the item's workflow steps, its legal and promised clocks, its history.
//!
//! Every command is one `store.write` closure that updates the case, appends its history row
//! and records the audit entry and event ([`audit::record`]) together. The applicant's ID number
//! is stored sealed with a blind index and shown masked everywhere.

mod commands;
mod input;
mod queries;

pub use input::CaseCommand;

pub(crate) use commands::file_case;

use std::sync::OnceLock;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::calendar::{Calendar, Suspension};
use crate::domain::case::{CaseId, CaseStatus, allowed_actions, clock};
use crate::domain::catalogue::WorkflowStep;
use crate::domain::ids::{DepartmentId, ItemId, RegionId};
use crate::error::Error;
use crate::store::DbConn;
use crate::store::schema::{cases, regions};
use crate::wire::cases::{Applicant, ApplicantKind, Case, Channel, CurrentStep, SuspensionView};
use crate::wire::time;

/// One stored case (without the sealed number and its index, which only writes and the
/// lookup filter touch).
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = cases)]
pub(crate) struct CaseRow {
    pub id: i64,
    pub case_no: String,
    pub region_id: i64,
    pub department_id: i64,
    pub item_id: i64,
    pub item_code: String,
    pub status: String,
    pub channel: String,
    pub step_index: i64,
    pub submitted_at: i64,
    pub accepted_at: Option<i64>,
    pub step_started_at: Option<i64>,
    pub details: String,
}

/// The parts of a case kept as one JSON document (`details`): the applicant as shown, the item
/// version's name, limits and workflow as applied for (a published version never changes), the
/// materials and the clock's suspensions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Details {
    pub applicant_kind: ApplicantKind,
    pub applicant_name: String,
    pub id_masked: String,
    pub item_name: String,
    pub legal_limit_days: u32,
    pub promised_limit_days: u32,
    pub workflow: Vec<WorkflowStep>,
    pub materials: Vec<String>,
    pub missing: Vec<String>,
    pub suspensions: Vec<Suspension>,
    pub concluded_at: Option<Millis>,
}

impl CaseRow {
    pub(crate) fn status(&self) -> CaseStatus {
        CaseStatus::parse(&self.status).unwrap_or(CaseStatus::Terminated)
    }

    pub(crate) fn details(&self) -> Result<Details, Error> {
        serde_json::from_str(&self.details)
            .map_err(|e| Error::Internal(format!("case {} details: {e}", self.id)))
    }
}

pub(crate) fn details_json(d: &Details) -> Result<String, Error> {
    serde_json::to_string(d).map_err(|e| Error::Internal(format!("case details: {e}")))
}

/// The working-day calendar, loaded once from the bundled year files.
pub(crate) fn calendar() -> Result<&'static Calendar, Error> {
    static CALENDAR: OnceLock<Result<Calendar, String>> = OnceLock::new();
    CALENDAR
        .get_or_init(|| Calendar::bundled().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| Error::Internal(format!("bundled calendar: {e}")))
}

/// The local date of a time in the platform's zone.
pub(crate) fn local_date(at: Millis, tz: chrono_tz::Tz) -> NaiveDate {
    time(at).with_timezone(&tz).date_naive()
}

/// A case with its region's path.
pub(crate) struct Located {
    pub row: CaseRow,
    pub path: String,
}

impl Located {
    pub(crate) fn target(&self) -> Target<'_> {
        Target {
            region_path: Some(&self.path),
            department_id: Some(DepartmentId(self.row.department_id)),
            owner_id: None,
        }
    }
}

/// The case, or not-found when it is missing or the caller may not read it; forbidden when the
/// caller may read it but not use `perm` on it.
pub(crate) fn case_in_scope(
    conn: &mut DbConn,
    caller: &Caller,
    perm: Permission,
    id: CaseId,
) -> Result<Located, Error> {
    let (row, path): (CaseRow, String) = cases::table
        .inner_join(regions::table)
        .filter(cases::id.eq(id.0))
        .select((CaseRow::as_select(), regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("case", id))?;
    let located = Located { row, path };
    caller.check(perm, Permission::CaseRead, &located.target(), "case", id)?;
    Ok(located)
}

/// The case as answered, with its clocks as of `now` (a closed case's clocks stop at its
/// conclusion).
pub(crate) fn wire_case(row: &CaseRow, now: Millis, tz: chrono_tz::Tz) -> Result<Case, Error> {
    let d = row.details()?;
    let cal = calendar()?;
    let status = row.status();
    let seen = if status.is_open() {
        now
    } else {
        d.concluded_at.unwrap_or(now)
    };
    let today = local_date(seen, tz);
    let accepted_on = row.accepted_at.map(|at| local_date(at, tz));
    let clock_of = |limit: u32| accepted_on.map(|on| clock(cal, on, limit, today, &d.suspensions));
    let step_index = u32::try_from(row.step_index).unwrap_or(0);
    let current_step = match (status, row.step_started_at) {
        (
            CaseStatus::InReview | CaseStatus::Suspended | CaseStatus::SupplementRequested,
            Some(at),
        ) if row.accepted_at.is_some() => {
            d.workflow.get(step_index as usize).map(|step| CurrentStep {
                index: step_index,
                name: step.name.clone(),
                role: step.role.clone(),
                started_at: time(at),
                clock: clock(
                    cal,
                    local_date(at, tz),
                    step.limit_days,
                    today,
                    &d.suspensions,
                ),
            })
        }
        _ => None,
    };
    Ok(Case {
        id: CaseId(row.id),
        case_no: row.case_no.clone(),
        region_id: RegionId(row.region_id),
        department_id: DepartmentId(row.department_id),
        item_id: ItemId(row.item_id),
        item_code: row.item_code.clone(),
        item_name: d.item_name.clone(),
        status,
        channel: Channel::parse(&row.channel).unwrap_or(Channel::Window),
        applicant: Applicant {
            kind: d.applicant_kind,
            name: d.applicant_name.clone(),
            id_number: d.id_masked.clone(),
        },
        materials: d.materials.clone(),
        missing_materials: d.missing.clone(),
        submitted_at: time(row.submitted_at),
        accepted_at: row.accepted_at.map(time),
        concluded_at: d.concluded_at.map(time),
        current_step,
        legal_clock: clock_of(d.legal_limit_days),
        promised_clock: clock_of(d.promised_limit_days),
        suspensions: d
            .suspensions
            .iter()
            .map(|s| SuspensionView {
                reason: s.reason,
                from: s.from,
                to: s.to,
            })
            .collect(),
        allowed_actions: allowed_actions(status).to_vec(),
    })
}
