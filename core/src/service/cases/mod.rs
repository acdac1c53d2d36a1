//! Cases (办件, R-2.2.1.1): applying for a published item version, the case's life through
//! intake and the item's workflow steps, its legal and promised clocks, its history.
//!
//! Every command is one `store.write` closure that updates the case, appends its history row
//! and records the audit entry and event ([`audit::record`]) together. The applicant's ID number
//! is stored sealed with a blind index and shown masked everywhere.

mod commands;
mod conclusion;
mod delegations;
mod import;
mod input;
mod queries;
pub mod seed;
mod steps;

pub use import::{
    CaseImport, CaseImportResult, ImportOutcome, ImportedAction, ImportedCase, ImportedCaseResult,
    MAX_BATCH,
};
pub use input::CaseCommand;
pub(crate) use input::serial_no;

pub(crate) use commands::{Acting, Filing, SealedApplicant, act, file_case, record_change};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::calendar::Suspension;
use crate::domain::case::{
    CaseId, CaseStatus, DeliveryState, FeeState, Position, allowed_actions, clock,
};
use crate::domain::case_step::OpenStep;
use crate::domain::catalogue::{DeliveryMode, FeeRule, WorkflowStep};
use crate::domain::ids::{DepartmentId, ItemId, RegionId};
use crate::error::Error;
use crate::store::DbConn;
use crate::store::schema::{cases, regions};
use crate::wire::cases::{
    Applicant, ApplicantKind, Case, Channel, CurrentStep, DeliveryView, FeeView, OpenStepView,
    SignerView, SuspensionView,
};
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
    /// The steps open now (several for a parallel group). Cases stored before parallel steps
    /// have none; [`open_steps`] derives their one step.
    #[serde(default)]
    pub open_steps: Vec<OpenStep>,
    /// The version's fee rule, as applied for; absent on cases stored before fees.
    #[serde(default)]
    pub fee_rule: Option<FeeRule>,
    /// What the applicant declared for a formula fee.
    #[serde(default)]
    pub declared_quantity: Option<u64>,
    #[serde(default)]
    pub fee: Option<CaseFee>,
    #[serde(default)]
    pub delivery: Option<CaseDelivery>,
    /// How the version delivers results; empty on cases stored before delivery (any mode).
    #[serde(default)]
    pub delivery_modes: Vec<DeliveryMode>,
    /// The applicant's mobile phone, sealed and masked, when given.
    #[serde(default)]
    pub phone_sealed: Option<String>,
    #[serde(default)]
    pub phone_masked: Option<String>,
    /// The applicant was on the punishment list at intake (joint punishment).
    #[serde(default)]
    pub joint_punishment: Option<crate::wire::regulation::JointPunishment>,
}

/// The fee charged at approval.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CaseFee {
    pub state: FeeState,
    pub amount_fen: i64,
    pub quantity: Option<u64>,
    pub unit: Option<String>,
    pub charged_at: Millis,
    pub payment_ref: Option<String>,
    pub waive_reason: Option<String>,
    pub settled_at: Option<Millis>,
}

/// The delivery of a concluded case's result; the courier address is sealed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct CaseDelivery {
    pub mode: Option<String>,
    pub ready_at: Option<Millis>,
    pub picked_up_by: Option<String>,
    pub courier_company: Option<String>,
    pub envelope_no: Option<String>,
    pub waybill_no: Option<String>,
    pub address_sealed: Option<String>,
    pub address_masked: Option<String>,
    pub delivered_at: Option<Millis>,
}

impl CaseDelivery {
    fn state(&self) -> DeliveryState {
        if self.delivered_at.is_some() {
            DeliveryState::Delivered
        } else if self.ready_at.is_some() {
            DeliveryState::ReadyForPickup
        } else {
            DeliveryState::Pending
        }
    }
}

/// Whether a case is in a state where it has open workflow steps.
fn in_workflow(row: &CaseRow) -> bool {
    row.accepted_at.is_some()
        && matches!(
            row.status(),
            CaseStatus::InReview | CaseStatus::Suspended | CaseStatus::SupplementRequested
        )
}

/// The open steps of a case: as stored, or for a case stored before parallel steps, its one
/// current step.
pub(crate) fn open_steps(row: &CaseRow, d: &Details) -> Vec<OpenStep> {
    if !in_workflow(row) {
        return Vec::new();
    }
    if !d.open_steps.is_empty() {
        return d.open_steps.clone();
    }
    match (row.step_started_at, u32::try_from(row.step_index)) {
        (Some(at), Ok(index)) if (index as usize) < d.workflow.len() => {
            vec![OpenStep::open(index, at)]
        }
        _ => Vec::new(),
    }
}

/// The case's position in the state machine.
pub(crate) fn position(row: &CaseRow, d: &Details) -> Position {
    Position {
        status: row.status(),
        step: u32::try_from(row.step_index).unwrap_or(0),
        accepted: row.accepted_at.is_some(),
        fee: d.fee.as_ref().map_or(FeeState::None, |f| f.state),
        delivery: d
            .delivery
            .as_ref()
            .map_or(DeliveryState::Pending, CaseDelivery::state),
    }
}

/// Each workflow step's parallel group, in template order.
pub(crate) fn groups(d: &Details) -> Vec<Option<u32>> {
    d.workflow.iter().map(|s| s.parallel_group).collect()
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

pub(crate) use crate::service::calendar::calendar;

/// Where a case named in a request belongs: region, department and the region's path; 422 on
/// `case_id` when there is no such case.
pub(crate) fn case_place(conn: &mut DbConn, case: i64) -> Result<(i64, i64, String), Error> {
    cases::table
        .inner_join(regions::table)
        .filter(cases::id.eq(case))
        .select((cases::region_id, cases::department_id, regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::invalid("case_id", "no such case"))
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
    let cal = &*cal;
    let status = row.status();
    let seen = if status.is_open() {
        now
    } else {
        d.concluded_at.unwrap_or(now)
    };
    let today = local_date(seen, tz);
    let accepted_on = row.accepted_at.map(|at| local_date(at, tz));
    let clock_of = |limit: u32| accepted_on.map(|on| clock(cal, on, limit, today, &d.suspensions));
    let open: Vec<OpenStepView> = open_steps(row, &d)
        .into_iter()
        .filter_map(|s| {
            let step = d.workflow.get(s.index as usize)?;
            Some(OpenStepView {
                index: s.index,
                name: step.name.clone(),
                role: step.role.clone(),
                started_at: time(s.started_at),
                clock: clock(
                    cal,
                    local_date(s.started_at, tz),
                    step.limit_days,
                    today,
                    &d.suspensions,
                ),
                waiting_for: s.waiting_for().into_iter().map(str::to_owned).collect(),
                handler: s.handler.clone(),
                mode: s.mode,
                signers: s
                    .signers
                    .iter()
                    .map(|g| SignerView {
                        user_id: crate::domain::ids::UserId(g.user_id),
                        name: g.name.clone(),
                        added: g.added,
                        signed_at: g.signed_at.map(time),
                    })
                    .collect(),
            })
        })
        .collect();
    let current_step = open.first().map(|s| CurrentStep {
        index: s.index,
        name: s.name.clone(),
        role: s.role.clone(),
        started_at: s.started_at,
        clock: s.clock,
    });
    let fee = d.fee.as_ref().map(|f| FeeView {
        state: f.state,
        amount_fen: f.amount_fen,
        quantity: f.quantity,
        unit: f.unit.clone(),
        charged_at: time(f.charged_at),
        payment_ref: f.payment_ref.clone(),
        waive_reason: f.waive_reason.clone(),
        settled_at: f.settled_at.map(time),
    });
    let concluded = matches!(status, CaseStatus::Approved | CaseStatus::Denied);
    let delivery = concluded.then(|| {
        let v = d.delivery.clone().unwrap_or_default();
        DeliveryView {
            state: v.state(),
            mode: v.mode.clone(),
            ready_at: v.ready_at.map(time),
            picked_up_by: v.picked_up_by.clone(),
            courier_company: v.courier_company.clone(),
            envelope_no: v.envelope_no.clone(),
            waybill_no: v.waybill_no.clone(),
            address: v.address_masked.clone(),
            delivered_at: v.delivered_at.map(time),
        }
    });
    let allowed = allowed_actions(&position(row, &d)).to_vec();
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
            phone: d.phone_masked.clone(),
        },
        materials: d.materials.clone(),
        missing_materials: d.missing.clone(),
        submitted_at: time(row.submitted_at),
        accepted_at: row.accepted_at.map(time),
        concluded_at: d.concluded_at.map(time),
        current_step,
        open_steps: open,
        fee,
        delivery,
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
        allowed_actions: allowed,
        joint_punishment: d.joint_punishment.clone(),
    })
}
