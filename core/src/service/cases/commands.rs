//! Case commands: apply, and every action of the case's life (one transaction each).

use diesel::prelude::*;
use serde_json::json;

use super::conclusion::{conclude_case, yuan};
use super::input::{CaseCommand, applicant_number, check_names, mask_address, phone_number};
use super::steps::{self, StepChange};
use super::{
    CaseDelivery, CaseRow, Details, calendar, case_in_scope, details_json, groups, local_date,
    open_steps, position, wire_case,
};
use crate::clock::Millis;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::calendar::{Suspension, SuspensionReason};
use crate::domain::case::{
    CaseAction, CaseId, CaseStatus, FeeState, Position, TransitionError, allowed_actions, apply,
    check_allowed, stage_of,
};
use crate::domain::case_step::{OpenStep, SignMode};
use crate::domain::catalogue::{DeliveryMode, FeeRule, ItemStatus};
use crate::domain::courier::CourierLeg;
use crate::domain::ids::DepartmentId;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::catalogue::ItemRow;
use crate::service::integrations::courier;
use crate::service::{case_hooks, punishment};
use crate::store::DbConn;
use crate::store::kept::Keep;
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

/// Appends the history row and records the audit entry and event (`case.{event}`) for one
/// change of a case; `step` is the step acted on.
#[allow(clippy::too_many_arguments)]
pub(crate) fn record_change(
    conn: &mut DbConn,
    now: Millis,
    actor: &Actor,
    row: &CaseRow,
    before: CaseStatus,
    action: &str,
    event: &str,
    step: i64,
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
            step_index: step,
            opinion,
        })
        .execute(conn)?;
    let masked = row.details()?.id_masked;
    let audit_action = format!("case.{action}");
    let event = format!("case.{event}");
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
                "status": after.as_str(), "step": step, "opinion": opinion,
            }),
            ..Change::new(&audit_action, &event, "case", row.id)
        },
    )?;
    Ok(())
}

/// The event kind of an action: the past tense, and `approved` when the last step concludes.
pub(super) fn event_name(action: &str, after: CaseStatus) -> &'static str {
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
        "countersign" => "step_countersigned",
        "add_signer" => "signer_added",
        "transfer" => "step_transferred",
        "pay_fee" => "fee_paid",
        "waive_fee" => "fee_waived",
        "ready_for_pickup" => "ready_for_pickup",
        "pick_up" => "picked_up",
        "send_by_courier" => "sent_by_courier",
        _ => "terminated",
    }
}

/// The steps of the stage starting at `start`, opening now with their own clocks.
fn open_stage(groups: &[Option<u32>], start: u32, now: Millis) -> Vec<OpenStep> {
    if start as usize >= groups.len() {
        return Vec::new();
    }
    stage_of(groups, start)
        .map(|i| OpenStep::open(i, now))
        .collect()
}

/// A refused transition as the API answers it: 409 naming the allowed actions, or 422 on
/// `to_step` for a return that does not go back.
fn refused(e: TransitionError, from: &Position) -> Error {
    match &e {
        TransitionError::NotAllowed { .. } => Error::Conflict {
            message: e.to_string(),
            allowed: allowed_actions(from)
                .iter()
                .map(|a| a.as_str().to_owned())
                .collect(),
        },
        TransitionError::NotEarlier { .. } => Error::invalid("to_step", e.to_string()),
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
            .returning(case_numbers::last)
            .kept()
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

/// The applicant's number, checked with the rest of an application, sealed and indexed; the
/// phone and the pickup address sealed, each with its masked form.
pub(crate) struct SealedApplicant {
    pub masked: String,
    pub sealed: String,
    pub blind: String,
    pub phone: Option<(String, String)>,
    pub pickup: Option<(String, String)>,
    /// The oldest e-license library answer a filing may still reuse (the lookup cache).
    pub library_since: Millis,
}

/// Whether an application is filed now or replayed from an old system's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filing {
    Live,
    /// A past case: it may name an item version retired since.
    Historical,
}

/// Files one application inside the caller's transaction: checks the caller's scope and the
/// item version, numbers the case and records it `submitted`.
pub(crate) fn file_case(
    conn: &mut DbConn,
    caller: &Caller,
    new: &NewCase,
    applicant: &SealedApplicant,
    (now, tz): (Millis, chrono_tz::Tz),
    filing: Filing,
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
    let usable = match filing {
        Filing::Live => item.status() == ItemStatus::Published,
        Filing::Historical => matches!(item.status(), ItemStatus::Published | ItemStatus::Retired),
    };
    if !usable {
        return Err(Error::invalid(
            "item_id",
            format!(
                "the item version is {}; apply for a published one",
                item.status
            ),
        ));
    }
    let content = item.content()?;
    if let FeeRule::Formula { unit, .. } = &content.fee
        && matches!(new.declared_quantity, None | Some(0))
    {
        return Err(Error::invalid(
            "declared_quantity",
            format!("the fee counts {unit}: declare a positive quantity"),
        ));
    }
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
        open_steps: Vec::new(),
        fee_rule: Some(content.fee.clone()),
        declared_quantity: new.declared_quantity,
        fee: None,
        delivery: None,
        delivery_modes: content.delivery_modes.clone(),
        phone_sealed: applicant.phone.as_ref().map(|p| p.0.clone()),
        phone_masked: applicant.phone.as_ref().map(|p| p.1.clone()),
        joint_punishment: match filing {
            Filing::Live => punishment::flag_at_intake(conn, &applicant.blind, now)?,
            Filing::Historical => None,
        },
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
        "submitted",
        0,
        None,
    )?;
    case_hooks::filed(conn, caller, &row, new, &content, applicant, (now, tz))?;
    // A past case's pickup happened long ago: only a live filing orders one.
    if let (Filing::Live, Some((sealed, masked))) = (filing, &applicant.pickup) {
        let order = courier::NewOrder {
            leg: CourierLeg::Pickup,
            company: courier::PICKUP_COMPANY,
            envelope_no: None,
            waybill_no: None,
            address: (sealed.as_str(), masked.as_str()),
        };
        courier::order(conn, &actor, &row, &order, now)?;
    }
    Ok(row)
}

impl Services {
    /// Checks an application's applicant and materials and seals the applicant's number.
    pub(crate) fn sealed_applicant(&self, new: &NewCase) -> Result<SealedApplicant, Error> {
        let mut v = Validator::new();
        v.text(&new.applicant.name, "applicant.name", 200);
        v.check(
            new.declared_quantity.is_none_or(|q| q <= 1_000_000_000),
            "declared_quantity",
            "at most 1000000000",
        );
        check_names(&mut v, &new.materials, "materials");
        let phone = match new.applicant.phone.as_deref().map(phone_number) {
            Some(Ok(p)) => Some(p),
            Some(Err(e)) => {
                v.push("applicant.phone", e.to_string());
                None
            }
            None => None,
        };
        if let Some(p) = &new.courier_pickup {
            v.text(&p.address, "courier_pickup.address", 200);
            v.check(
                new.applicant.phone.is_some(),
                "applicant.phone",
                "the courier calls the applicant for a pickup: give a mobile phone",
            );
        }
        let number = applicant_number(new.applicant.kind, &new.applicant.id_number);
        if let Err(Error::Validation(errors)) = &number {
            for e in errors {
                v.push(&e.field, e.reason.clone());
            }
        }
        v.finish()?;
        let (plain, masked) = number?;
        let phone = match phone {
            Some(p) => Some((self.vault.seal(p.as_str())?, p.masked())),
            None => None,
        };
        let pickup = match &new.courier_pickup {
            Some(p) => Some((self.vault.seal(p.address.trim())?, mask_address(&p.address))),
            None => None,
        };
        Ok(SealedApplicant {
            masked,
            sealed: self.vault.seal(&plain)?,
            blind: self.vault.blind_index(&plain),
            phone,
            pickup,
            library_since: self.clock.now()
                - self.config.integrations.license_library.cache_secs.max(0) * 1_000,
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
                let row = file_case(conn, &caller, &new, &applicant, (now, tz), Filing::Live)?;
                wire_case(&row, now, tz)
            })
            .await
    }

    /// One action on a case: checked against the state machine (409 naming the allowed actions
    /// otherwise) and the caller's part on the open steps, stored with its history row, audit
    /// entry and event in one transaction.
    pub async fn act_on_case(
        &self,
        caller: &Caller,
        id: CaseId,
        command: CaseCommand,
    ) -> Result<Case, Error> {
        let opinion = command.validate()?;
        calendar()?;
        let address = match &command {
            CaseCommand::SendByCourier { address, .. } => {
                Some((self.vault.seal(address.trim())?, mask_address(address)))
            }
            _ => None,
        };
        let caller = caller.clone();
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        self.store
            .write(move |conn| {
                let acting = Acting {
                    opinion,
                    address,
                    now,
                    tz,
                    label: None,
                };
                let row = act(conn, &caller, id, &command, acting)?;
                wire_case(&row, now, tz)
            })
            .await
    }
}

/// What an action is given besides the command: the opinion its input left, the courier
/// address sealed and masked, when it happens, and (for an imported history) the name of the
/// person who acted in the old system.
pub(crate) struct Acting {
    pub opinion: Option<String>,
    pub address: Option<(String, String)>,
    pub now: Millis,
    pub tz: chrono_tz::Tz,
    pub label: Option<String>,
}

/// One action on a case inside the caller's transaction: the state machine, the caller's part
/// on the open steps, the history row, audit entry and event, and the hooks.
pub(crate) fn act(
    conn: &mut DbConn,
    caller: &Caller,
    id: CaseId,
    command: &CaseCommand,
    acting: Acting,
) -> Result<CaseRow, Error> {
    let Acting {
        opinion,
        address,
        now,
        tz,
        label,
    } = acting;
    let live = label.is_none();
    let located = case_in_scope(conn, caller, Permission::CaseHandle, id)?;
    let mut row = located.row.clone();
    let mut d = row.details()?;
    let before = row.status();
    let from = position(&row, &d);
    let action = command.action();
    check_allowed(&from, action).map_err(|e| refused(e, &from))?;
    let groups = groups(&d);
    let mut open = open_steps(&row, &d);
    let principals = steps::principals(conn, caller, id.0, now)?;
    let roles = steps::step_roles(conn, &d.workflow)?;
    let deciders = (principals.as_slice(), &roles);
    let mut actor = Actor::of(caller);
    let mut step = row.step_index;
    let mut event = None;
    let mut opinion = opinion;
    let to = match &command {
        CaseCommand::Approve { step: which, .. } => {
            let done = steps::approve(deciders, caller, &mut open, *which, now)?;
            actor = done.actor;
            step = i64::from(done.index);
            if done.step_done && open.is_empty() {
                apply(from, action, &groups, 0).map_err(|e| refused(e, &from))?
            } else {
                event = Some(if done.step_done {
                    "step_approved"
                } else {
                    "step_signed"
                });
                from
            }
        }
        CaseCommand::Return { to_step, .. } => {
            actor = steps::stage_actor(deciders, caller, &open)?;
            apply(from, action, &groups, *to_step).map_err(|e| refused(e, &from))?
        }
        CaseCommand::Deny { .. } => {
            actor = steps::stage_actor(deciders, caller, &open)?;
            apply(from, action, &groups, 0).map_err(|e| refused(e, &from))?
        }
        CaseCommand::Countersign {
            step: at,
            mode,
            signers,
            ..
        } => {
            let mut named = Vec::with_capacity(signers.len());
            for (i, user) in signers.iter().enumerate() {
                let field = format!("signers[{i}]");
                named.push(steps::handler(conn, &located, *user, &field)?);
            }
            let names: Vec<&str> = named.iter().map(|p| p.name.as_str()).collect();
            let practice = match mode {
                SignMode::All => "会签",
                SignMode::Any => "或签",
            };
            let note = opinion.take().map(|n| format!("; {n}")).unwrap_or_default();
            opinion = Some(format!("{practice}: {}{note}", names.join("、")));
            let change = StepChange::Countersign(*mode, named);
            actor = steps::change(deciders, caller, &mut open, *at, change)?;
            step = i64::from(*at);
            from
        }
        CaseCommand::AddSigner {
            step: at, user_id, ..
        }
        | CaseCommand::Transfer {
            step: at, user_id, ..
        } => {
            let person = steps::handler(conn, &located, *user_id, "user_id")?;
            opinion = Some(format!(
                "→ {}: {}",
                person.name,
                opinion.take().unwrap_or_default()
            ));
            let change = match command {
                CaseCommand::AddSigner { .. } => StepChange::AddSigner(person),
                _ => StepChange::Transfer(person),
            };
            actor = steps::change(deciders, caller, &mut open, *at, change)?;
            step = i64::from(*at);
            from
        }
        CaseCommand::PayFee {
            amount_fen,
            payment_ref,
        } => {
            let fee = d
                .fee
                .as_mut()
                .ok_or_else(|| Error::Internal(format!("case {id}: a due fee is missing")))?;
            if fee.amount_fen != *amount_fen {
                return Err(Error::invalid(
                    "amount_fen",
                    format!(
                        "the fee charged is {} fen ({} 元), not {amount_fen}",
                        fee.amount_fen,
                        yuan(fee.amount_fen)
                    ),
                ));
            }
            fee.payment_ref = Some(payment_ref.trim().to_owned());
            fee.settled_at = Some(now);
            fee.state = FeeState::Paid;
            opinion = Some(format!("{} 元, {}", yuan(*amount_fen), payment_ref.trim()));
            apply(from, action, &groups, 0).map_err(|e| refused(e, &from))?
        }
        CaseCommand::WaiveFee { reason } => {
            if let Some(fee) = d.fee.as_mut() {
                fee.waive_reason = Some(reason.trim().to_owned());
                fee.settled_at = Some(now);
                fee.state = FeeState::Waived;
            }
            apply(from, action, &groups, 0).map_err(|e| refused(e, &from))?
        }
        CaseCommand::ReadyForPickup
        | CaseCommand::PickUp { .. }
        | CaseCommand::SendByCourier { .. } => {
            let courier = matches!(command, CaseCommand::SendByCourier { .. });
            let mode = if courier {
                DeliveryMode::Courier
            } else {
                DeliveryMode::Window
            };
            if !d.delivery_modes.is_empty() && !d.delivery_modes.contains(&mode) {
                return Err(Error::invalid(
                    "mode",
                    format!(
                        "the item delivers by {}",
                        serde_json::to_string(&d.delivery_modes).unwrap_or_default()
                    ),
                ));
            }
            let v = d.delivery.get_or_insert_with(CaseDelivery::default);
            match &command {
                CaseCommand::ReadyForPickup => {
                    v.mode = Some("window".into());
                    v.ready_at = Some(now);
                }
                CaseCommand::PickUp { picked_up_by } => {
                    v.picked_up_by = Some(picked_up_by.trim().to_owned());
                    v.delivered_at = Some(now);
                }
                CaseCommand::SendByCourier {
                    courier_company,
                    waybill_no,
                    envelope_no,
                    ..
                } => {
                    v.mode = Some("courier".into());
                    v.courier_company = Some(courier_company.trim().to_owned());
                    v.waybill_no = Some(waybill_no.trim().to_owned()).filter(|w| !w.is_empty());
                    v.envelope_no = Some(envelope_no.trim().to_owned()).filter(|e| !e.is_empty());
                    if let Some((sealed, masked)) = &address {
                        v.address_sealed = Some(sealed.clone());
                        v.address_masked = Some(masked.clone());
                    }
                    v.delivered_at = Some(now);
                }
                _ => {}
            }
            apply(from, action, &groups, 0).map_err(|e| refused(e, &from))?
        }
        _ => apply(from, action, &groups, 0).map_err(|e| refused(e, &from))?,
    };
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
        CaseCommand::ReceiveSupplement => {
            // What was asked for is now handed in: it joins the case's materials.
            for m in std::mem::take(&mut d.missing) {
                if !d.materials.contains(&m) {
                    d.materials.push(m);
                }
            }
        }
        _ => {}
    }
    // Accepting, completing a stage or returning opens a stage: each of its steps
    // starts its own clock now (a returned step's clock is re-armed).
    let stage_opens = matches!(action, CaseAction::Accept | CaseAction::Return)
        || (action == CaseAction::Approve && to.step != from.step);
    if to.status == CaseStatus::InReview && stage_opens {
        open = open_stage(&groups, to.step, now);
    }
    if !to.status.is_open() {
        open.clear();
    }
    if let Some(first) = open.iter().map(|s| s.started_at).min() {
        row.step_started_at = Some(first);
    }
    d.open_steps = open;
    // Leaving a suspended state, or closing the case, ends the open suspension.
    if matches!(
        before,
        CaseStatus::SupplementRequested | CaseStatus::Suspended
    ) {
        for s in d.suspensions.iter_mut().filter(|s| s.to.is_none()) {
            s.to = Some(today);
        }
    }
    let closing = before.is_open() && !to.status.is_open();
    if closing {
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
        .returning(cases::id)
        .kept()
        .execute(conn)?;
    if let Some(label) = label {
        actor.label = label;
    }
    let event = event.unwrap_or_else(|| event_name(action.as_str(), to.status));
    record_change(
        conn,
        now,
        &actor,
        &row,
        before,
        action.as_str(),
        event,
        step,
        opinion.as_deref(),
    )?;
    if closing && matches!(to.status, CaseStatus::Approved | CaseStatus::Denied) {
        conclude_case(conn, now, &actor, &mut row)?;
    }
    case_hooks::changed(conn, &actor, &row, before, (now, tz))?;
    // An imported history's courier delivery is over: only a live one orders the courier.
    if live && let CaseCommand::SendByCourier { .. } = command {
        courier::order_result(conn, &actor, &row, now)?;
    }
    Ok(row)
}
