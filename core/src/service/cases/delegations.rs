//! Delegations of case work (委托): a handler lets a colleague act for them, for a period or
//! for one open step of one case. The delegate approves, directs and transfers the delegator's
//! steps under their own name "代" the delegator; they still need `case.handle` over each case.

use diesel::prelude::*;
use serde_json::json;

use super::commands::record_change;
use super::steps::handler;
use super::{case_in_scope, open_steps};
use crate::clock::Millis;
use crate::domain::access::{Caller, Permission};
use crate::domain::case::{CaseId, CaseStatus};
use crate::domain::case_step::Person;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::store::DbConn;
use crate::store::schema::{case_delegations, users};
use crate::wire::cases::{Delegation, NewDelegation};
use crate::wire::time;

/// Longest period a delegation may cover: 90 days.
const MAX_PERIOD_MS: i64 = 90 * 86_400_000;

type DelegationRow = (
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    i64,
    Option<i64>,
    String,
    Option<i64>,
);

fn person(conn: &mut DbConn, id: i64) -> Result<Person, Error> {
    let name: String = users::table
        .find(id)
        .select(users::username)
        .get_result(conn)?;
    Ok(Person { user_id: id, name })
}

fn wire(conn: &mut DbConn, r: DelegationRow) -> Result<Delegation, Error> {
    let (id, delegator, delegate, case_id, step, starts_at, ends_at, reason, revoked_at) = r;
    Ok(Delegation {
        id,
        delegator: person(conn, delegator)?,
        delegate: person(conn, delegate)?,
        case_id: case_id.map(CaseId),
        step: step.and_then(|s| u32::try_from(s).ok()),
        starts_at: time(starts_at),
        ends_at: ends_at.map(time),
        reason,
        revoked_at: revoked_at.map(time),
    })
}

fn select() -> (
    case_delegations::id,
    case_delegations::delegator_id,
    case_delegations::delegate_id,
    case_delegations::case_id,
    case_delegations::step_index,
    case_delegations::starts_at,
    case_delegations::ends_at,
    case_delegations::reason,
    case_delegations::revoked_at,
) {
    (
        case_delegations::id,
        case_delegations::delegator_id,
        case_delegations::delegate_id,
        case_delegations::case_id,
        case_delegations::step_index,
        case_delegations::starts_at,
        case_delegations::ends_at,
        case_delegations::reason,
        case_delegations::revoked_at,
    )
}

/// The checked shape of a new delegation: a period, or one step of one case.
enum Span {
    Period { starts_at: Millis, ends_at: Millis },
    Step { case_id: CaseId, step: u32 },
}

fn checked(caller: &Caller, new: &NewDelegation, now: Millis) -> Result<Span, Error> {
    let mut v = Validator::new();
    v.text(&new.reason, "reason", 2_000);
    v.check(
        new.delegate_id != caller.user_id.0,
        "delegate_id",
        "delegate to someone else",
    );
    let span = match (new.case_id, new.step, new.starts_at, new.ends_at) {
        (Some(case_id), Some(step), None, None) => Some(Span::Step { case_id, step }),
        (None, None, Some(s), Some(e)) => {
            let (s, e) = (s.timestamp_millis(), e.timestamp_millis());
            v.check(e > s, "ends_at", "must be after starts_at");
            v.check(e > now, "ends_at", "must be in the future");
            v.check(
                e - s <= MAX_PERIOD_MS,
                "ends_at",
                "at most 90 days after starts_at",
            );
            Some(Span::Period {
                starts_at: s,
                ends_at: e,
            })
        }
        (Some(_), None, ..) => {
            v.push("step", "name the step of the case".to_owned());
            None
        }
        _ => {
            v.push(
                "starts_at",
                "give starts_at and ends_at for a period, or case_id and step for one step"
                    .to_owned(),
            );
            None
        }
    };
    v.finish()?;
    span.ok_or_else(|| Error::invalid("starts_at", "no span"))
}

impl Services {
    /// The caller delegates their case work to a colleague, for a period or one open step.
    pub async fn delegate_case_work(
        &self,
        caller: &Caller,
        new: NewDelegation,
    ) -> Result<Delegation, Error> {
        let now = self.clock.now();
        let span = checked(caller, &new, now)?;
        if caller.filter(Permission::CaseHandle).is_empty() {
            return Err(Error::forbidden("delegating case work needs case.handle"));
        }
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let delegate = new.delegate_id;
                let (case_id, step, starts_at, ends_at, region) = match span {
                    Span::Step { case_id, step } => {
                        let located =
                            case_in_scope(conn, &caller, Permission::CaseHandle, case_id)?;
                        let d = located.row.details()?;
                        let open = open_steps(&located.row, &d);
                        let Some(s) = open.iter().find(|s| s.index == step) else {
                            return Err(Error::conflict(format!(
                                "step {step} of case {case_id} is not open"
                            )));
                        };
                        if !(s.may_approve(caller.user_id.0) || s.may_direct(caller.user_id.0)) {
                            return Err(Error::forbidden(format!(
                                "step {step} is not yours to delegate"
                            )));
                        }
                        let to = handler(conn, &located, delegate, "delegate_id")?;
                        let before: CaseStatus = located.row.status();
                        let opinion = format!("委托 {}: {}", to.name, new.reason.trim());
                        record_change(
                            conn,
                            now,
                            &Actor::of(&caller),
                            &located.row,
                            before,
                            "delegate",
                            "step_delegated",
                            i64::from(step),
                            Some(&opinion),
                        )?;
                        (
                            Some(case_id.0),
                            Some(i64::from(step)),
                            now,
                            None,
                            Some(located.row.region_id),
                        )
                    }
                    Span::Period { starts_at, ends_at } => {
                        let active: Option<bool> = users::table
                            .find(delegate)
                            .select(users::active)
                            .get_result(conn)
                            .optional()?;
                        if active != Some(true) {
                            return Err(Error::invalid(
                                "delegate_id",
                                format!("no active user {delegate}"),
                            ));
                        }
                        let region: i64 = users::table
                            .find(caller.user_id.0)
                            .select(users::region_id)
                            .get_result(conn)?;
                        (None, None, starts_at, Some(ends_at), Some(region))
                    }
                };
                let id: i64 = diesel::insert_into(case_delegations::table)
                    .values((
                        case_delegations::delegator_id.eq(caller.user_id.0),
                        case_delegations::delegate_id.eq(delegate),
                        case_delegations::case_id.eq(case_id),
                        case_delegations::step_index.eq(step),
                        case_delegations::starts_at.eq(starts_at),
                        case_delegations::ends_at.eq(ends_at),
                        case_delegations::reason.eq(new.reason.trim()),
                        case_delegations::created_at.eq(now),
                    ))
                    .returning(case_delegations::id)
                    .get_result(conn)?;
                let row: DelegationRow = case_delegations::table
                    .find(id)
                    .select(select())
                    .get_result(conn)?;
                let made = wire(conn, row)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: region,
                        owner_id: Some(caller.user_id.0),
                        after: Some(json!({"delegate": made.delegate.name, "case_id": case_id,
                            "step": step, "ends_at": ends_at})),
                        payload: json!({"delegator": made.delegator.name,
                            "delegate": made.delegate.name, "case_id": case_id, "step": step}),
                        ..Change::new(
                            "case_delegation.create",
                            "case_delegation.created",
                            "case_delegation",
                            id,
                        )
                    },
                )?;
                Ok(made)
            })
            .await
    }

    /// The delegations the caller gave or received, newest first.
    pub async fn list_delegations(&self, caller: &Caller) -> Result<Vec<Delegation>, Error> {
        let me = caller.user_id.0;
        self.store
            .read(move |conn| {
                let rows: Vec<DelegationRow> = case_delegations::table
                    .filter(
                        case_delegations::delegator_id
                            .eq(me)
                            .or(case_delegations::delegate_id.eq(me)),
                    )
                    .order(case_delegations::id.desc())
                    .limit(500)
                    .select(select())
                    .load(conn)?;
                rows.into_iter().map(|r| wire(conn, r)).collect()
            })
            .await
    }

    /// The delegator ends a delegation; the delegate acts for them no more.
    pub async fn revoke_delegation(&self, caller: &Caller, id: i64) -> Result<Delegation, Error> {
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let row: DelegationRow = case_delegations::table
                    .find(id)
                    .filter(case_delegations::delegator_id.eq(caller.user_id.0))
                    .select(select())
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| Error::not_found("delegation", id))?;
                if row.8.is_some() {
                    return Err(Error::conflict(format!(
                        "delegation {id} is already revoked"
                    )));
                }
                diesel::update(case_delegations::table.find(id))
                    .set(case_delegations::revoked_at.eq(now))
                    .execute(conn)?;
                let region: i64 = users::table
                    .find(caller.user_id.0)
                    .select(users::region_id)
                    .get_result(conn)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(region),
                        owner_id: Some(caller.user_id.0),
                        payload: json!({"delegation": id}),
                        ..Change::new(
                            "case_delegation.revoke",
                            "case_delegation.revoked",
                            "case_delegation",
                            id,
                        )
                    },
                )?;
                let row: DelegationRow = case_delegations::table
                    .find(id)
                    .select(select())
                    .get_result(conn)?;
                wire(conn, row)
            })
            .await
    }
}
